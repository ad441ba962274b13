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

The svec data an adapter builds are rounded (√2), which is harmless here: the solver
only proposes points; proofs are made on the form's data.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Tuple

import numpy as np
import scipy.sparse as sp

from .._repr import deprecated_alias
from .._solvers import DEFAULT_OPTIONS, check_solver
from .._validation import check_nonneg_float
from .form import ConicForm

__all__ = ["ConicSolution", "solve_conic", "ADAPTERS", "ClarabelAdapter", "SCSAdapter",
           "STATUSES"]

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


def _solver_rows(form: ConicForm, upper: bool):
    """(A_s, b_s, T_blocks): the solver's s = b_s − A_s x data, PSD rows as svec."""
    blocks_A, blocks_b, T = [], [], []
    A = sp.csr_array(form.A)
    for kind, k, r0 in form.offsets():
        rows = k * k if kind == "psd" else k
        Ak, bk = A[r0:r0 + rows], form.b[r0:r0 + rows]
        if kind == "psd":
            Tk = _svec_map(k, upper)
            Ak, bk = Tk @ Ak, Tk @ bk
            T.append(Tk)
        blocks_A.append(-Ak)
        blocks_b.append(bk)
    A_s = sp.vstack(blocks_A, format="csc") if blocks_A else sp.csc_array((0, form.n))
    b_s = np.concatenate(blocks_b) if blocks_b else np.zeros(0)
    return A_s, b_s, T


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


class ClarabelAdapter:
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

    def tolerance_options(self, tol: float) -> Dict[str, Any]:
        """Settings for accuracy ``tol``: ``tol_gap_abs = tol_gap_rel = tol_feas = tol``.

        Parameters
        ----------
        tol : float
            In (0, 1).

        Returns
        -------
        dict
            The package defaults (:data:`idl_sdp._solvers.DEFAULT_OPTIONS`) other than
            the tolerances, then the three tolerances.
        """
        tol = check_tolerance(tol)
        return _tolerance_settings(self.name, self.TOLERANCE_KEYS,
                                   {k: tol for k in self.TOLERANCE_KEYS})

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
        sol = clarabel.DefaultSolver(P, form.c, A_s, b_s, cones, settings).solve()
        seconds = time.perf_counter() - t0
        parts = self.unpack(sol)
        status = self.standard_status(sol)
        x = _finite(parts["x"])
        z = parts["y"]
        y = _dual_to_form(form, z, T) if z.size == b_s.size else None
        obj = float(sol.obj_val) + form.d if status.startswith("optimal") else math.nan
        return ConicSolution(status, parts["status"], x, y, obj, parts["iterations"],
                             seconds, self.name, options)


class SCSAdapter:
    """SCS: A x + s = b, s ∈ K; PSD cones lower triangle by columns, √2 scaled."""

    name = "SCS"
    #: SCS's ``status_val`` → status of a :class:`ConicSolution` (else ``"failed"``);
    #: the value, not the text, because SCS's status text varies between versions.
    STATUS_MAP: Dict[int, str] = {1: "optimal", 2: "optimal_inaccurate", -2: "infeasible",
                                  -7: "infeasible", -1: "unbounded", -6: "unbounded"}
    #: The settings :meth:`tolerance_options` governs (``eps``: SCS 2's single tolerance,
    #: reserved but not set).
    TOLERANCE_KEYS: Tuple[str, ...] = ("eps_abs", "eps_rel", "eps")
    #: The setting that bounds a solve's wall-clock seconds.
    TIME_LIMIT_KEY = "time_limit_secs"

    def tolerance_options(self, tol: float) -> Dict[str, Any]:
        """Settings for accuracy ``tol``: ``eps_abs = eps_rel = tol``.

        Parameters
        ----------
        tol : float
            In (0, 1).

        Returns
        -------
        dict
            The package defaults (:data:`idl_sdp._solvers.DEFAULT_OPTIONS`) other than
            the tolerances — i.e. its ``max_iters`` — then ``eps_abs`` and ``eps_rel``.
        """
        tol = check_tolerance(tol)
        return _tolerance_settings(self.name, self.TOLERANCE_KEYS,
                                   {"eps_abs": tol, "eps_rel": tol})

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


#: The adapter of each solver, by upper-case name.
ADAPTERS: Dict[str, Any] = {"CLARABEL": ClarabelAdapter(), "SCS": SCSAdapter()}


def solve_conic(form: ConicForm, solver: str = "CLARABEL",
                opts: Optional[Dict[str, Any]] = None) -> ConicSolution:
    """Solve a :class:`ConicForm` with ``solver``'s adapter (statuses are reported, not
    raised: the caller decides what a non-optimal status means)."""
    name = check_solver(solver)
    return ADAPTERS[name].solve(form, dict(opts or {}))
