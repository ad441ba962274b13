"""One adapter per conic solver: a :class:`~idl_sdp.conic.form.ConicForm` in, a
:class:`ConicSolution` (primal x, slack s, dual y in the form's own conventions) out.

Each adapter owns its solver's knowledge: the triangle order and √2 scaling of its PSD
cones, its status words and their map to cvxpy-like words (:attr:`STATUS_MAP`), its
defaults (read from :data:`idl_sdp._solvers.DEFAULT_OPTIONS`), how a requested accuracy
maps to its settings (:meth:`tolerance_options`), its time-limit setting, and how its raw
result — as its Python package returns it, which is also what cvxpy's
``solve_via_data`` returns — reads as primal x, dual y, slack s, status, iterations and
time (:meth:`unpack`). :func:`solve_conic`, :func:`idl_sdp.value_bounds` and the
solver-accuracy lab (:mod:`idl_sdp.lab`) all use them.

CLARABEL and SCS are dependencies. CVXOPT (``pip install 'idl_sdp[cvxopt]'``) and SDPA
(``sdpa-python``, ``pip install 'idl_sdp[sdpa]'``) are optional: their adapters are always
registered, and their ``solve`` says how to install the package when it is missing.

The svec data an adapter builds are rounded (√2), which is harmless here: the solver
only proposes points; proofs are made on the form's data.
"""
from __future__ import annotations

import importlib
import math
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Tuple

import numpy as np
import scipy.sparse as sp

from .._objcache import derived
from .._repr import deprecated_alias
from .._solvers import DEFAULT_OPTIONS, check_solver, not_installed
from .._validation import check_nonneg_float
from .form import ConicForm

__all__ = ["ConicSolution", "solve_conic", "ADAPTERS", "ClarabelAdapter", "SCSAdapter",
           "CVXOPTAdapter", "SDPAAdapter", "STATUSES"]

#: Statuses of a :class:`ConicSolution` (the solver's own word is kept in ``raw_status``).
STATUSES = ("optimal", "optimal_inaccurate", "infeasible", "unbounded", "failed")


@dataclass
class ConicSolution:
    """What a solver returned, mapped to the form's conventions.

    ``x`` (n,), ``s = A x + b`` (the solver's slack), ``y`` (dual, in K* of the
    form: a PSD block as the column-major vec of a symmetric matrix). For status
    ``"infeasible"`` ``y`` is the solver's Farkas ray (Aᵀy = 0, bᵀy < 0); for
    ``"unbounded"`` ``x`` is its improving ray (A x ∈ K, cᵀx < 0).
    """

    status: str
    raw_status: str
    x: Optional[np.ndarray]
    y: Optional[np.ndarray]
    objective: float
    n_iter: int
    seconds: float
    solver: str
    options: Dict[str, Any] = field(default_factory=dict)

    iterations = deprecated_alias("n_iter", "iterations")


def _svec_map(n: int, upper: bool) -> sp.csr_array:
    """T (n(n+1)/2 × n²): svec(sym(S)) = T vec(S) in the solver's triangle order.

    Clarabel: upper triangle by columns; SCS: lower triangle by columns. Off-diagonal
    entries carry √2 (so that ⟨Y, S⟩ = svec(Y)ᵀsvec(S)).
    """
    rows, cols, vals = [], [], []
    r = 0
    half = math.sqrt(2.0) / 2.0
    for j in range(n):
        rng = range(0, j + 1) if upper else range(j, n)
        for i in rng:
            if i == j:
                rows.append(r); cols.append(j * n + i); vals.append(1.0)
            else:
                rows += [r, r]; cols += [j * n + i, i * n + j]; vals += [half, half]
            r += 1
    return sp.csr_array((vals, (rows, cols)), shape=(r, n * n))


def _solver_matrix(form: ConicForm, upper: bool):
    """(A_s, T_blocks): the solver's −A with PSD rows as svec, and the svec maps."""
    blocks_A, T = [], []
    A = sp.csr_array(form.A)
    for kind, k, r0 in form.offsets():
        Ak = A[r0:r0 + (k * k if kind == "psd" else k)]
        if kind == "psd":
            T.append(_svec_map(k, upper))
            Ak = T[-1] @ Ak
        blocks_A.append(-Ak)
    A_s = sp.vstack(blocks_A, format="csc") if blocks_A else sp.csc_array((0, form.n))
    return A_s, T


def _solver_rows(form: ConicForm, upper: bool):
    """(A_s, b_s, T_blocks): the solver's s = b_s − A_s x data, PSD rows as svec.

    The matrix part is kept per A object and cone list: the re-solves of
    :func:`~idl_sdp.certify.value_bounds` change only b and c.
    """
    A_s, T = derived(form.A, ("solver_rows", upper, tuple(form.cones)),
                     lambda: _solver_matrix(form, upper))
    blocks_b, t = [], 0
    for kind, k, r0 in form.offsets():
        bk = form.b[r0:r0 + (k * k if kind == "psd" else k)]
        if kind == "psd":
            bk = T[t] @ bk
            t += 1
        blocks_b.append(bk)
    b_s = np.concatenate(blocks_b) if blocks_b else np.zeros(0)
    return A_s.copy(), b_s, T     # a copy: a solver may scale its data in place


def _dual_to_form(form: ConicForm, z: np.ndarray, T) -> np.ndarray:
    """The solver's dual (svec PSD parts) as the form's y (full vec PSD parts)."""
    out, r, t = [], 0, 0
    for kind, k, _ in form.offsets():
        if kind == "psd":
            dim = k * (k + 1) // 2
            out.append(T[t].T @ z[r:r + dim])   # Y_ij = z_ij/√2, Y_ii = z_ii
            r += dim
            t += 1
        else:
            out.append(z[r:r + k])
            r += k
    return np.concatenate(out) if out else np.zeros(0)


def _finite(v) -> Optional[np.ndarray]:
    v = None if v is None else np.asarray(v, dtype=float).ravel()
    return v if v is not None and v.size and np.all(np.isfinite(v)) else v


def _array(v: Any) -> Optional[np.ndarray]:
    return None if v is None else np.asarray(v, dtype=float)


def check_tolerance(tol: Any, name: str = "tol") -> float:
    """``tol`` as a float in (0, 1); TypeError/ValueError naming ``name`` otherwise."""
    tol = check_nonneg_float(tol, name, positive=True)
    if tol >= 1.0:
        raise ValueError(f"{name} must lie in (0, 1), got {tol}")
    return tol


def _tolerance_settings(solver: str, reserved: Tuple[str, ...],
                        values: Dict[str, float]) -> Dict[str, Any]:
    """The package defaults of ``solver`` without its tolerance settings, then ``values``."""
    out = {k: v for k, v in DEFAULT_OPTIONS.get(solver, {}).items() if k not in reserved}
    out.update(values)
    return out


class SolverAdapter:
    """What every adapter shares: the map from one accuracy to the solver's settings.

    A subclass names its tolerance settings in ``TOLERANCE_KEYS`` (all of them, so that
    the caller's options cannot half-override them) and those set to ``tol`` in
    ``TOLERANCE_SET`` (default: all of ``TOLERANCE_KEYS``).
    """

    name = ""
    TOLERANCE_KEYS: Tuple[str, ...] = ()
    TOLERANCE_SET: Optional[Tuple[str, ...]] = None

    def tolerance_options(self, tol: float) -> Dict[str, Any]:
        """Settings for accuracy ``tol``: each setting of ``TOLERANCE_SET`` is ``tol``.

        Parameters
        ----------
        tol : float
            In (0, 1).

        Returns
        -------
        dict
            The package defaults (:data:`idl_sdp._solvers.DEFAULT_OPTIONS`) other than
            the tolerance settings, then the tolerances.
        """
        tol = check_tolerance(tol)
        keys = self.TOLERANCE_KEYS if self.TOLERANCE_SET is None else self.TOLERANCE_SET
        return _tolerance_settings(self.name, self.TOLERANCE_KEYS, {k: tol for k in keys})


class ClarabelAdapter(SolverAdapter):
    """Clarabel: s = b − A x ∈ K; PSD cones upper triangle by columns, √2 scaled."""

    name = "CLARABEL"
    #: Clarabel's status word → status of a :class:`ConicSolution` (else ``"failed"``).
    STATUS_MAP: Dict[str, str] = {
        "Solved": "optimal", "AlmostSolved": "optimal_inaccurate",
        "PrimalInfeasible": "infeasible", "AlmostPrimalInfeasible": "infeasible",
        "DualInfeasible": "unbounded", "AlmostDualInfeasible": "unbounded"}
    #: The settings :meth:`tolerance_options` governs.
    TOLERANCE_KEYS: Tuple[str, ...] = ("tol_gap_abs", "tol_gap_rel", "tol_feas")
    #: The setting that bounds a solve's wall-clock seconds.
    TIME_LIMIT_KEY = "time_limit"

    def unpack(self, raw: Any) -> Dict[str, Any]:
        """Read a raw Clarabel result (a ``DefaultSolution``).

        Parameters
        ----------
        raw : clarabel.DefaultSolution
            As ``DefaultSolver.solve()`` — and cvxpy's ``solve_via_data`` — return it.

        Returns
        -------
        dict
            ``x`` (primal), ``y`` (dual, Clarabel's ``z``), ``s`` (slack) as float
            arrays in the solver's own data (PSD parts as svec), ``status`` (Clarabel's
            own word, e.g. ``"Solved"``), ``iterations`` (int) and ``seconds``
            (Clarabel's reported solve time, NaN if absent).
        """
        return {"x": _array(raw.x), "y": _array(raw.z), "s": _array(raw.s),
                "status": str(raw.status), "iterations": int(raw.iterations),
                "seconds": float(getattr(raw, "solve_time", math.nan))}

    def standard_status(self, raw: Any) -> str:
        """The status of a raw Clarabel result in the words of :data:`STATUSES`."""
        return self.STATUS_MAP.get(str(raw.status), "failed")

    def solve(self, form: ConicForm, opts: Dict[str, Any]) -> ConicSolution:
        import clarabel  # noqa: PLC0415

        A_s, b_s, T = _solver_rows(form, upper=True)
        cones = []
        for kind, k, _ in form.offsets():
            cones.append({"zero": clarabel.ZeroConeT, "nonneg": clarabel.NonnegativeConeT,
                          "soc": clarabel.SecondOrderConeT,
                          "psd": clarabel.PSDTriangleConeT}[kind](k))
        settings = clarabel.DefaultSettings()
        settings.verbose = False
        options = dict(DEFAULT_OPTIONS["CLARABEL"])
        options.update(opts)
        for key, val in options.items():
            if not hasattr(settings, key):
                raise ValueError(f"solver_options: Clarabel has no setting {key!r}")
            setattr(settings, key, val)
        P = sp.csc_array((form.n, form.n))
        t0 = time.perf_counter()
        try:
            sol = clarabel.DefaultSolver(P, form.c, A_s, b_s, cones, settings).solve()
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:   # noqa: B036 — a Rust panic is a BaseException
            # (pyo3's PanicException; seen: "Eigval error" in a PSD step length on a
            # problem without interior): a failed solve, reported as such
            if type(exc).__name__ != "PanicException":
                raise
            return ConicSolution("failed", f"panic: {exc}", None, None, math.nan, 0,
                                 time.perf_counter() - t0, self.name, options)
        seconds = time.perf_counter() - t0
        parts = self.unpack(sol)
        status = self.standard_status(sol)
        x = _finite(parts["x"])
        z = parts["y"]
        y = _dual_to_form(form, z, T) if z.size == b_s.size else None
        obj = float(sol.obj_val) + form.d if status.startswith("optimal") else math.nan
        return ConicSolution(status, parts["status"], x, y, obj, parts["iterations"],
                             seconds, self.name, options)


class SCSAdapter(SolverAdapter):
    """SCS: A x + s = b, s ∈ K; PSD cones lower triangle by columns, √2 scaled."""

    name = "SCS"
    #: SCS's ``status_val`` → status of a :class:`ConicSolution` (else ``"failed"``);
    #: the value, not the text, because SCS's status text varies between versions.
    STATUS_MAP: Dict[int, str] = {1: "optimal", 2: "optimal_inaccurate", -2: "infeasible",
                                  -7: "infeasible", -1: "unbounded", -6: "unbounded"}
    #: The settings :meth:`tolerance_options` governs (``eps``: SCS 2's single tolerance,
    #: reserved but not set).
    TOLERANCE_KEYS: Tuple[str, ...] = ("eps_abs", "eps_rel", "eps")
    TOLERANCE_SET = ("eps_abs", "eps_rel")
    #: The setting that bounds a solve's wall-clock seconds.
    TIME_LIMIT_KEY = "time_limit_secs"

    def unpack(self, raw: Any) -> Dict[str, Any]:
        """Read a raw SCS result (the dict ``x``, ``y``, ``s``, ``info``).

        Parameters
        ----------
        raw : dict
            As ``scs.SCS(...).solve()`` — and cvxpy's ``solve_via_data`` — return it.

        Returns
        -------
        dict
            ``x`` (primal), ``y`` (dual), ``s`` (slack) as float arrays in the solver's
            own data (PSD parts as svec; None when missing), ``status`` (SCS's own
            text, ``""`` if absent), ``iterations`` (int, None if absent) and
            ``seconds`` (SCS's reported setup + solve time, NaN if absent).
        """
        info = raw.get("info", {})
        ms = info.get("setup_time", 0.0) + info.get("solve_time", math.nan)
        return {"x": _array(raw.get("x")), "y": _array(raw.get("y")),
                "s": _array(raw.get("s")), "status": str(info.get("status", "")),
                "iterations": int(info["iter"]) if "iter" in info else None,
                "seconds": float(ms) / 1000.0}

    def standard_status(self, raw: Any) -> str:
        """The status of a raw SCS result in the words of :data:`STATUSES`."""
        return self.STATUS_MAP.get(int(raw["info"]["status_val"]), "failed")

    def solve(self, form: ConicForm, opts: Dict[str, Any]) -> ConicSolution:
        import scs  # noqa: PLC0415

        A_s, b_s, T = _solver_rows(form, upper=False)
        dims = {"z": 0, "l": 0, "q": [], "s": []}
        for kind, k, _ in form.offsets():
            if kind == "zero":
                dims["z"] += k
            elif kind == "nonneg":
                dims["l"] += k
            elif kind == "soc":
                dims["q"].append(k)
            else:
                dims["s"].append(k)
        # SCS wants the cones in the order z, l, q, s: the form's order is the same
        options = dict(DEFAULT_OPTIONS["SCS"])
        options.update(opts)
        options.setdefault("verbose", False)
        t0 = time.perf_counter()
        try:
            solver = scs.SCS({"A": A_s, "b": b_s, "c": form.c}, dims, **options)
        except TypeError as exc:
            raise ValueError(f"solver_options: SCS rejected the options: {exc}") from None
        sol = solver.solve()
        seconds = time.perf_counter() - t0
        status = self.standard_status(sol)
        if int(sol["info"]["status_val"]) == -5:
            raise KeyboardInterrupt  # SCS caught the interrupt: it must still stop us
        parts = self.unpack(sol)
        y = _dual_to_form(form, parts["y"], T)
        obj = float(sol["info"]["pobj"]) + form.d if status.startswith("optimal") else math.nan
        return ConicSolution(status, parts["status"], _finite(parts["x"]), y, obj,
                             parts["iterations"], seconds, self.name, options)


# ------------------------------------------------------------ optional solvers
def _import_solver(module: str, name: str) -> Any:
    """Import an optional solver's package; ValueError with its pip extra if missing."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ValueError(not_installed(name)) from None


def _check_settings(options: Dict[str, Any], known: Tuple[str, ...], label: str) -> None:
    for key in options:
        if key not in known:
            raise ValueError(f"solver_options: {label} has no setting {key!r}")


def _symmetric_rows(form: ConicForm) -> Tuple[sp.csr_array, np.ndarray]:
    """(A, b) with each PSD block's (i, j) and (j, i) rows replaced by their average.

    :func:`~idl_sdp.conic.form.conic_form` makes them equal already (then A, b are
    returned as they are); a solver that reads one triangle then sees the symmetric part
    that the form constrains.
    """
    A = sp.csr_array(form.A)
    b = np.asarray(form.b, dtype=float)
    if not any(kind == "psd" for kind, _ in form.cones):
        return A, b
    perm = np.arange(A.shape[0])
    for kind, n, r0 in form.offsets():
        if kind == "psd":
            i, j = np.divmod(np.arange(n * n), n)
            perm[r0:r0 + n * n] = r0 + j * n + i
    At = A[perm]
    if (A != At).nnz == 0 and np.array_equal(b, b[perm]):
        return A, b
    return sp.csr_array((A + At) * 0.5), (b + b[perm]) * 0.5


def _symmetrize_vec(v: np.ndarray, n: int, lower: bool) -> np.ndarray:
    """A column-major vec of an n × n matrix made symmetric: from its lower triangle
    (``lower``) or as the average with its transpose."""
    Z = v.reshape(n, n, order="F")
    if lower:
        Z = np.tril(Z) + np.tril(Z, -1).T
    else:
        Z = (Z + Z.T) * 0.5
    return Z.ravel(order="F")


def _rows_by_kind(form: ConicForm) -> Dict[str, list]:
    """The form's row indices per cone, grouped by kind (cones kept in their order)."""
    out: Dict[str, list] = {"zero": [], "nonneg": [], "soc": [], "psd": []}
    for kind, k, r0 in form.offsets():
        rows = k * k if kind == "psd" else k
        out[kind].append((k, np.arange(r0, r0 + rows)))
    return out


def _cat(parts) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


#: cvxpy's status words (a raw result of cvxpy's ``solve_via_data`` for CVXOPT and SDPA
#: carries cvxpy's status, not the solver's) → status of a :class:`ConicSolution`.
_CVXPY_STATUS = {"optimal": "optimal", "optimal_inaccurate": "optimal_inaccurate",
                 "infeasible": "infeasible", "infeasible_inaccurate": "infeasible",
                 "unbounded": "unbounded", "unbounded_inaccurate": "unbounded"}


def _cvxpy_parts(raw: Dict[str, Any]) -> Dict[str, Any]:
    """A cvxpy ``solve_via_data`` result of CVXOPT or SDPA: cvxpy's status word only (its
    point is in cvxpy's data, not the solver's)."""
    return {"x": None, "y": None, "s": None, "status": str(raw.get("status", "")),
            "iterations": None, "seconds": math.nan}


class CVXOPTAdapter(SolverAdapter):
    """CVXOPT ``conelp``: G x + s = h, s ∈ K; A x = b. PSD cones as the full column-major
    vec (n² rows, no √2), of which CVXOPT reads the lower triangle.

    The form maps as G = −A_K, h = b_K (the rows of the nonnegative, second-order and
    PSD cones), A = A_z, b = −b_z (the zero cone). CVXOPT's dual (Gᵀz + Aᵀy + c = 0,
    z ∈ K) gives the form's y: z on the K rows (its PSD parts made symmetric from their
    lower triangle), −y on the zero rows. Its infeasibility certificates (hᵀz + bᵀy = −1,
    Gᵀz + Aᵀy = 0) and unboundedness rays (cᵀx = −1, Gx + s = 0, Ax = 0) map the same way.
    """

    name = "CVXOPT"
    #: CVXOPT's status word → status of a :class:`ConicSolution` (else ``"failed"``,
    #: e.g. ``"unknown"``: stopped before its tolerances were met).
    STATUS_MAP: Dict[str, str] = {"optimal": "optimal", "primal infeasible": "infeasible",
                                  "dual infeasible": "unbounded"}
    #: The settings :meth:`tolerance_options` governs.
    TOLERANCE_KEYS: Tuple[str, ...] = ("abstol", "reltol", "feastol")
    #: CVXOPT has no time limit (bound the work with ``maxiters``).
    TIME_LIMIT_KEY: Optional[str] = None
    #: The settings :meth:`solve` accepts: ``conelp``'s options, and ``kktsolver`` (its
    #: argument: ``"ldl"``, ``"ldl2"``, ``"qr"``, ``"chol"``, ``"chol2"``).
    SETTINGS: Tuple[str, ...] = ("abstol", "reltol", "feastol", "maxiters", "refinement",
                                 "kktreg", "show_progress", "debug", "kktsolver")
    #: Used when CVXOPT's default KKT solver finds dependent rows ("Rank(A) < p or
    #: Rank([G; A]) < n") and the caller chose no ``kktsolver``: the solve is repeated
    #: with the regularised LDL solver (the settings used are in the solution's options).
    RANK_DEFICIENT: Dict[str, Any] = {"kktsolver": "ldl", "kktreg": 1e-9}

    def unpack(self, raw: Any) -> Dict[str, Any]:
        """Read a raw CVXOPT result.

        Parameters
        ----------
        raw : dict
            As ``cvxopt.solvers.conelp`` returns it (keys ``status``, ``x``, ``s``,
            ``y``, ``z``, ``iterations``, ...), or as cvxpy's ``solve_via_data`` returns
            it (cvxpy's status word; its point is read as missing).

        Returns
        -------
        dict
            ``x`` (primal), ``y`` (dual of the cone constraints: CVXOPT's ``z``),
            ``y_eq`` (dual of the equalities: CVXOPT's ``y``), ``s`` (slack) as float
            arrays in CVXOPT's data (None when missing), ``status`` (the solver's word,
            e.g. ``"optimal"``), ``iterations`` (int, None if absent) and ``seconds``
            (NaN: CVXOPT reports no time).
        """
        if "z" not in raw:
            return _cvxpy_parts(raw)

        def vec(v):
            return None if v is None else np.asarray(v, dtype=float).ravel()

        it = raw.get("iterations")
        return {"x": vec(raw.get("x")), "y": vec(raw.get("z")), "y_eq": vec(raw.get("y")),
                "s": vec(raw.get("s")), "status": str(raw.get("status", "")),
                "iterations": None if it is None else int(it), "seconds": math.nan}

    def standard_status(self, raw: Any) -> str:
        """The status of a raw CVXOPT result in the words of :data:`STATUSES`."""
        if "z" not in raw:
            return _CVXPY_STATUS.get(str(raw.get("status", "")), "failed")
        return self.STATUS_MAP.get(str(raw.get("status", "")), "failed")

    def solve(self, form: ConicForm, opts: Dict[str, Any]) -> ConicSolution:
        _import_solver("cvxopt", self.name)
        import cvxopt  # noqa: PLC0415
        import cvxopt.solvers  # noqa: PLC0415

        options = dict(DEFAULT_OPTIONS[self.name])
        options.update(opts)
        _check_settings(options, self.SETTINGS, "CVXOPT")
        settings = {k: v for k, v in options.items() if k != "kktsolver"}
        settings.setdefault("show_progress", False)
        A, b = _symmetric_rows(form)
        groups = _rows_by_kind(form)
        iz = _cat([r for _, r in groups["zero"]])
        ik = _cat([r for kind in ("nonneg", "soc", "psd") for _, r in groups[kind]])
        dims = {"l": int(sum(k for k, _ in groups["nonneg"])),
                "q": [int(k) for k, _ in groups["soc"]],
                "s": [int(k) for k, _ in groups["psd"]]}

        def sparse(M):
            M = sp.coo_array(M)
            return cvxopt.spmatrix(M.data.astype(float).tolist(), M.row.tolist(),
                                   M.col.tolist(), (int(M.shape[0]), int(M.shape[1])))

        def dense(v):
            v = np.asarray(v, dtype=float).ravel()
            return cvxopt.matrix(v.tolist(), (v.size, 1), "d")

        args = [dense(form.c), sparse(-A[ik]), dense(b[ik]), dims]
        if iz.size:
            args += [sparse(A[iz]), dense(-b[iz])]
        t0 = time.perf_counter()
        try:
            try:
                raw = cvxopt.solvers.conelp(*args, kktsolver=options.get("kktsolver"),
                                            options=settings)
            except ValueError as exc:
                if "Rank(" not in str(exc) or "kktsolver" in options:
                    raise
                # dependent rows (e.g. repeated equalities): the regularised LDL solver
                options.update(self.RANK_DEFICIENT)
                settings["kktreg"] = options["kktreg"]
                raw = cvxopt.solvers.conelp(*args, kktsolver=options["kktsolver"],
                                            options=settings)
        except (ValueError, TypeError, ArithmeticError) as exc:
            text = str(exc)
            if "options[" in text or "kktsolver" in text or isinstance(exc, TypeError):
                raise ValueError(f"solver_options: CVXOPT rejected the options: {exc}") \
                    from None
            # e.g. a singular KKT system
            return ConicSolution("failed", f"error: {text}"[:300], None, None, math.nan, 0,
                                 time.perf_counter() - t0, self.name, options)
        seconds = time.perf_counter() - t0
        parts = self.unpack(raw)
        status = self.standard_status(raw)
        x = _finite(parts["x"])
        y = None
        z, y_eq = parts["y"], parts["y_eq"]
        if z is not None and z.size == ik.size:
            y = np.zeros(form.b.size)
            y[ik] = z
            if iz.size:
                y[iz] = -y_eq if y_eq is not None and y_eq.size == iz.size else np.nan
            for n, rows in groups["psd"]:
                y[rows] = _symmetrize_vec(y[rows], n, lower=True)
            y = _finite(y)
        obj = float(form.c @ x) + form.d if status.startswith("optimal") and x is not None \
            else math.nan
        return ConicSolution(status, parts["status"], x, y, obj, parts["iterations"] or 0,
                             seconds, self.name, options)


def _arrow_map(q: int) -> sp.csr_array:
    """L (q² × q): vec of the arrow matrix [[t, uᵀ], [u, t I]] of (t, u), column-major.

    SOC(q) = {(t, u): L(t, u) ⪰ 0}; the dual of a PSD multiplier Y is Lᵀ vec(Y) =
    (tr Y, 2 Y[1:, 0]), which lies in SOC(q).
    """
    rows, cols = [0], [0]
    for i in range(1, q):
        rows += [i * q + i, i, i * q]          # (i, i) ← t; (i, 0), (0, i) ← u_i
        cols += [0, i, i]
    return sp.csr_array((np.ones(len(rows)), (rows, cols)), shape=(q * q, q))


class SDPAAdapter(SolverAdapter):
    """SDPA through ``sdpap.solve`` (CLP, a generalisation of SeDuMi's format): min cᵀx
    s.t. A x − b ∈ J, x ∈ K, with K free and J the form's cones; PSD cones as the full
    column-major vec (n² rows, no √2).

    The form maps as A, −b, c (so A x + b ∈ J); the CLP dual (max −bᵀy s.t. Aᵀy = c,
    y ∈ J*, in the form's b) is the form's dual, with the same y. SDPA has no
    second-order cone: each SOC cone (t, u) is given as its arrow matrix
    [[t, uᵀ], [u, t I]] ⪰ 0 (an equivalent PSD block) and its dual read back as
    (tr Y, 2 Y[1:, 0]). SDPA's phase words are read for the CLP's primal (``sdpap``
    flips them from its internal SDPA form).

    The sdpa-python wheel is double-precision SDPA: at tolerances below about 1e-7 it
    usually stops at ``pdFEAS`` (``"optimal_inaccurate"``), its points then accurate to
    about 1e-7. Its C++ library prints some notes (``Strange behavior : primal < dual``)
    to stdout whatever ``print`` says.
    """

    name = "SDPA"
    #: SDPA's phase word → status of a :class:`ConicSolution` (else ``"failed"``, e.g.
    #: ``"noINFO"``, or ``"pdINF"``: both sides claimed infeasible, which names no one
    #: certificate — SDPA says it of feasible, unbounded LPs too); ``pUNBD`` (primal
    #: unbounded) is read as unbounded and ``dUNBD`` (dual unbounded) as infeasible, by
    #: weak duality.
    STATUS_MAP: Dict[str, str] = {
        "pdOPT": "optimal", "pdFEAS": "optimal_inaccurate", "pFEAS": "optimal_inaccurate",
        "dFEAS": "optimal_inaccurate", "pINF_dFEAS": "infeasible", "dUNBD": "infeasible",
        "pFEAS_dINF": "unbounded", "pUNBD": "unbounded"}
    #: The settings :meth:`tolerance_options` governs.
    TOLERANCE_KEYS: Tuple[str, ...] = ("epsilonStar", "epsilonDash")
    #: SDPA has no time limit (bound the work with ``maxIteration``).
    TIME_LIMIT_KEY: Optional[str] = None
    #: The settings ``sdpap.solve`` knows.
    SETTINGS: Tuple[str, ...] = (
        "maxIteration", "epsilonStar", "lambdaStar", "omegaStar", "lowerBound",
        "upperBound", "betaStar", "betaBar", "gammaStar", "epsilonDash", "mpfPrecision",
        "isSymmetric", "isDimacs", "xPrint", "yPrint", "sPrint", "infPrint", "print",
        "resultFile", "sdpaResult", "numThreads", "frvMethod", "convMethod",
        "domainMethod", "rangeMethod", "rho", "zeroPoint")

    def unpack(self, raw: Any) -> Dict[str, Any]:
        """Read a raw SDPA result.

        Parameters
        ----------
        raw : tuple or dict
            As ``sdpap.solve`` returns it (``x, y, sdpapinfo, timeinfo, sdpainfo``), or
            as cvxpy's ``solve_via_data`` returns it (cvxpy's status word; its point is
            read as missing).

        Returns
        -------
        dict
            ``x`` (primal), ``y`` (dual, in the CLP's J: PSD parts as full vec) as float
            arrays in the data given to SDPA, ``s`` (None: not returned), ``status``
            (SDPA's phase word, e.g. ``"pdOPT"``), ``iterations`` (int) and ``seconds``
            (sdpap's reported total time).
        """
        if isinstance(raw, dict):
            return _cvxpy_parts(raw)
        x, y, info, times, sdpainfo = raw

        def vec(v):
            if v is None:
                return None
            v = v.toarray() if sp.issparse(v) else v
            return np.asarray(v, dtype=float).ravel()

        return {"x": vec(x), "y": vec(y), "s": None, "status": str(info["phasevalue"]),
                "iterations": int(sdpainfo.get("iteration", 0)),
                "seconds": float(times.get("total", math.nan))}

    def standard_status(self, raw: Any) -> str:
        """The status of a raw SDPA result in the words of :data:`STATUSES`."""
        if isinstance(raw, dict):
            return _CVXPY_STATUS.get(str(raw.get("status", "")), "failed")
        return self.STATUS_MAP.get(str(raw[2]["phasevalue"]), "failed")

    def solve(self, form: ConicForm, opts: Dict[str, Any]) -> ConicSolution:
        sdpap = _import_solver("sdpap", self.name)

        options = dict(DEFAULT_OPTIONS[self.name])
        options.update(opts)
        _check_settings(options, self.SETTINGS, "SDPA")
        settings = dict(options)
        settings.setdefault("print", "no")
        A, b = _symmetric_rows(form)
        groups = _rows_by_kind(form)
        # J = {0}^f × R₊^l × PSD blocks (the form's, then the SOC cones' arrow matrices)
        blocks_A, blocks_b, sizes = [], [], []
        for kind in ("zero", "nonneg"):
            rows = _cat([r for _, r in groups[kind]])
            blocks_A.append(A[rows])
            blocks_b.append(b[rows])
        for n, rows in groups["psd"]:
            blocks_A.append(A[rows])
            blocks_b.append(b[rows])
            sizes.append(n)
        for q, rows in groups["soc"]:
            L = _arrow_map(q)
            blocks_A.append(L @ A[rows])
            blocks_b.append(L @ b[rows])
            sizes.append(q)
        A_j = sp.vstack(blocks_A, format="csc")
        b_j = np.concatenate(blocks_b)
        f = sum(k for k, _ in groups["zero"])
        l = sum(k for k, _ in groups["nonneg"])
        K = sdpap.SymCone(f=form.n)
        J = sdpap.SymCone(f=int(f), l=int(l), s=tuple(int(n) for n in sizes))
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            # sdpap's own error report calls scipy's eigs, which warns on small blocks
            warnings.filterwarnings("ignore", message="k >= N", category=RuntimeWarning)
            raw = sdpap.solve(A_j, sp.csc_matrix(-b_j.reshape(-1, 1)),
                              sp.csc_matrix(np.asarray(form.c, float).reshape(-1, 1)), K, J,
                              settings)
        seconds = time.perf_counter() - t0
        if raw is None:  # sdpap refused the cones
            return ConicSolution("failed", "error: invalid cones", None, None, math.nan, 0,
                                 seconds, self.name, options)
        parts = self.unpack(raw)
        status = self.standard_status(raw)
        x = _finite(parts["x"]) if parts["x"] is not None and parts["x"].size == form.n \
            else None
        yj = parts["y"]
        y = None
        if yj is not None and yj.size == b_j.size:
            y = np.zeros(form.b.size)
            r = 0
            for kind in ("zero", "nonneg"):
                rows = _cat([rr for _, rr in groups[kind]])
                y[rows] = yj[r:r + rows.size]
                r += rows.size
            for n, rows in groups["psd"]:
                y[rows] = _symmetrize_vec(yj[r:r + n * n], n, lower=False)
                r += n * n
            for q, rows in groups["soc"]:
                Y = _symmetrize_vec(yj[r:r + q * q], q, lower=False)
                y[rows] = _arrow_map(q).T @ Y
                r += q * q
            y = _finite(y)
        obj = float(form.c @ x) + form.d if status.startswith("optimal") and x is not None \
            else math.nan
        return ConicSolution(status, parts["status"], x, y, obj, parts["iterations"],
                             seconds, self.name, options)


#: The adapter of each solver, by upper-case name (CVXOPT and SDPA are optional: always
#: registered, their ``solve`` raises a ValueError naming the pip extra when missing).
ADAPTERS: Dict[str, Any] = {"CLARABEL": ClarabelAdapter(), "SCS": SCSAdapter(),
                            "CVXOPT": CVXOPTAdapter(), "SDPA": SDPAAdapter()}


def solve_conic(form: ConicForm, solver: str = "CLARABEL",
                opts: Optional[Dict[str, Any]] = None) -> ConicSolution:
    """Solve a :class:`ConicForm` with ``solver``'s adapter (statuses are reported, not
    raised: the caller decides what a non-optimal status means).

    ``solver`` is any of :data:`ADAPTERS` (case-insensitive); a ValueError if it is not
    installed (for CVXOPT and SDPA, naming the pip extra that installs it)."""
    name = check_solver(solver, tuple(ADAPTERS))
    return ADAPTERS[name].solve(form, dict(opts or {}))
