r"""Solver-accuracy lab: how accurate is a conic solver's "optimal" point, really?

:func:`compare_solvers` solves one convex problem — any :class:`cvxpy.Problem`, or the
``.problem`` of a :class:`~idl_sdp.HiddenStep` / :class:`~idl_sdp.ParameterStep` — with
several solvers at several tolerances and measures every returned point against a
high-accuracy reference solve:

* the **status** exactly as cvxpy reports it (``optimal_inaccurate``, ``infeasible``,
  ``solver_error``, ... are rows of the table, never swallowed);
* the solver's wall-clock **time** (the solver call alone; cvxpy's compilation is done
  once per solver and reported separately);
* the **objective** and its relative gap ``|f − f*| / |f*|`` to the reference (or to a
  known optimum);
* the **primal residual**: the largest violation of the problem's equality and
  inequality (and second-order-cone) constraints, from cvxpy's
  ``Constraint.violation()`` at the returned point;
* the **dual residual** ``‖Px + Aᵀy + c‖∞`` and **duality gap**
  ``|xᵀPx + cᵀx + bᵀy|`` of the conic form ``min ½xᵀPx + cᵀx  s.t.  Ax + s = b,
  s ∈ K`` that cvxpy hands to the solver (CLARABEL and SCS use this form; for SDPA they
  are not available);
* the **LMI margin**: for every PSD constraint, a *proven* lower bound on
  λ_min of its symmetric part at the returned point, from the rigorous certificates of
  :func:`idl_sdp.certify.certify` (status ``certified`` = proven ⪰ 0, ``violated`` =
  proven not ⪰ 0 by an exact witness vector, with a proven upper bound on λ_min);
* the **distance** ``‖x − x*‖₂ / max(1, ‖x*‖₂)`` of all variables stacked to the
  reference solution.

Tolerances map to solver settings by :func:`tolerance_options`: SCS
``eps_abs = eps_rel = tol``; CLARABEL ``tol_gap_abs = tol_gap_rel = tol_feas = tol``;
SDPA ``epsilonStar = epsilonDash = tol``.

>>> table = compare_solvers(problem)                       # doctest: +SKIP
>>> print(table)                                           # doctest: +SKIP
>>> open("table.md", "w").write(table.to_markdown())       # doctest: +SKIP
"""
from __future__ import annotations

import math
import numbers
import time
import warnings
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import cvxpy as cp
import numpy as np
import scipy.sparse as sp

from ._solvers import DEFAULT_OPTIONS, _installed, is_solver_crash
from ._validation import (as_finite_array, check_choice, check_nonneg_float,
                          check_positive_int)

__all__ = [
    "LAB_SOLVERS",
    "REFERENCE_OPTIONS",
    "TOLERANCES",
    "BoundsTable",
    "ComparisonTable",
    "ReferenceSolution",
    "compare_bounds",
    "compare_solvers",
    "lmi_margins",
    "step_problem",
    "tolerance_options",
]

#: Solvers the lab can drive (SDPA only when ``sdpa-python`` is installed).
LAB_SOLVERS = ("CLARABEL", "SCS", "SDPA")
#: The default tolerance sweep.
TOLERANCES = (1e-3, 1e-5, 1e-7, 1e-9)

_TOL_KEYS: Dict[str, Tuple[str, ...]] = {
    "CLARABEL": ("tol_gap_abs", "tol_gap_rel", "tol_feas"),
    "SCS": ("eps_abs", "eps_rel", "eps"),
    "SDPA": ("epsilonStar", "epsilonDash"),
}
_TIME_KEYS = {"CLARABEL": "time_limit", "SCS": "time_limit_secs"}
#: Extra settings of the reference solve: Clarabel's iterative refinement of the KKT
#: solves tightened to 1e-15 (its default, 1e-12/1e-13, stalls some SDPs short of 1e-10).
REFERENCE_OPTIONS: Dict[str, Dict[str, Any]] = {
    "CLARABEL": {"iterative_refinement_reltol": 1e-15, "iterative_refinement_abstol": 1e-15,
                 "max_iter": 500},
    "SCS": {"max_iters": 1_000_000},
}
_LMI_ORDER = {"certified": 0, "undecided": 1, "violated": 2}


# ------------------------------------------------------------------ settings
def tolerance_options(solver: str, tol: float) -> Dict[str, Any]:
    """The solver settings the lab uses for tolerance ``tol``.

    Parameters
    ----------
    solver : {"CLARABEL", "SCS", "SDPA"}
        Case-insensitive.
    tol : float
        Requested accuracy, ``0 < tol < 1``.

    Returns
    -------
    dict
        ``{"tol_gap_abs": tol, "tol_gap_rel": tol, "tol_feas": tol}`` for CLARABEL,
        ``{"eps_abs": tol, "eps_rel": tol}`` plus the package default ``max_iters`` for
        SCS, ``{"epsilonStar": tol, "epsilonDash": tol}`` for SDPA.
    """
    solver = check_choice(solver, "solver", LAB_SOLVERS, upper=True)
    tol = _check_tol(tol, "tol")
    base = {k: v for k, v in DEFAULT_OPTIONS.get(solver, {}).items()
            if k not in _TOL_KEYS[solver]}
    base.update({k: tol for k in _TOL_KEYS[solver] if k != "eps"})
    return base


def _check_tol(tol: Any, name: str) -> float:
    tol = check_nonneg_float(tol, name, positive=True)
    if tol >= 1.0:
        raise ValueError(f"{name} must lie in (0, 1), got {tol}")
    return tol


# ------------------------------------------------------------------ problems
def _as_problem(problem_or_step: Any) -> cp.Problem:
    from .hidden_step import HiddenStep
    from .parameter_step import ParameterStep

    if isinstance(problem_or_step, (HiddenStep, ParameterStep)):
        problem = problem_or_step.problem
    elif isinstance(problem_or_step, cp.Problem):
        problem = problem_or_step
    else:
        raise TypeError(
            "problem_or_step must be a cvxpy.Problem, a HiddenStep or a ParameterStep, "
            f"got {type(problem_or_step).__name__}")
    if not problem.variables():
        raise ValueError("problem_or_step has no variables")
    if any(v.attributes.get(a) for v in problem.variables() for a in ("boolean", "integer")):
        raise ValueError("problem_or_step has boolean/integer variables; the lab compares "
                         "continuous conic solvers only")
    missing = [p.name() for p in problem.parameters() if p.value is None]
    if missing:
        raise ValueError(
            f"problem_or_step has parameters without a value: {missing[:6]}; for a "
            "HiddenStep/ParameterStep call idl_sdp.lab.step_problem(step, model, X) first")
    if not problem.is_dcp():
        raise ValueError("problem_or_step must be a DCP problem (problem.is_dcp() is False)")
    return problem


def step_problem(step: Any, model: Any, X: Any = None) -> cp.Problem:
    """Load a model (and hidden states) into a step's parameters; return its problem.

    Parameters
    ----------
    step : HiddenStep or ParameterStep
    model : ImplicitModel
        Θ for the X-step; the current Θ_k (A_k of the linearized LMI) for the Θ-step.
    X : array_like of shape (h, m), optional
        The hidden states; required for a :class:`~idl_sdp.ParameterStep`, not
        accepted for a :class:`~idl_sdp.HiddenStep`.

    Returns
    -------
    cvxpy.Problem
        ``step.problem`` with every parameter set (the step's parameters are changed,
        exactly as its own ``solve`` would change them; nothing else is).

    Raises
    ------
    TypeError, ValueError
        Wrong step type, a missing or superfluous ``X``, or invalid model/X (the
        step's own validation, naming the argument).
    """
    from .hidden_step import HiddenStep
    from .parameter_step import ParameterStep

    if isinstance(step, HiddenStep):
        if X is not None:
            raise ValueError("X applies only to a ParameterStep; a HiddenStep's variable is X")
        step.set_model(model)
    elif isinstance(step, ParameterStep):
        if X is None:
            raise ValueError("X is required for a ParameterStep (the fixed hidden states)")
        step.set_data(X, model)
    else:
        raise TypeError(f"step must be a HiddenStep or a ParameterStep, got {type(step).__name__}")
    return step.problem


# ------------------------------------------------------------- LMI margins
def _psd_items(problem: cp.Problem) -> List[Tuple[str, Any, float]]:
    """(label, expression, sign) of every PSD requirement: constraints and attributes."""
    items = []
    for k, con in enumerate(problem.constraints):
        if isinstance(con, cp.constraints.PSD):
            items.append((f"constraint {k} ({con.args[0].shape[0]}×{con.args[0].shape[0]})",
                          con.args[0], 1.0))
    for v in problem.variables():
        for attr, sign in (("PSD", 1.0), ("NSD", -1.0)):
            if v.attributes.get(attr):
                items.append((f"variable {v.name()} ({attr})", v, sign))
    return items


def _symmetric_part(M: np.ndarray) -> Tuple[np.ndarray, Fraction]:
    """Float symmetric part S̃ of M and a rigorous bound on ‖(M + Mᵀ)/2 − S̃‖₂."""
    S = 0.5 * (M + M.T)  # exactly symmetric: float addition commutes
    i, j = np.nonzero(np.triu(M != M.T, 1))
    worst = Fraction(0)
    for a, b in zip(i.tolist(), j.tolist()):
        exact = (Fraction(float(M[a, b])) + Fraction(float(M[b, a]))) / 2
        worst = max(worst, abs(exact - Fraction(float(S[a, b]))))
    return S, worst * M.shape[0]  # ‖E‖₂ ≤ n·max|E_ij|


def _certify_matrix(M: np.ndarray, method: str) -> Dict[str, Any]:
    from .certify import certify
    from .certify.rational import ceil_float, floor_float

    S, err = _symmetric_part(M)
    cert = certify(S, method=method)
    margin = cert.margin
    upper = cert.details.get("lambda_min_upper")
    status = cert.status
    if err > 0:  # λ(exact symmetric part) differs from λ(S̃) by at most err
        margin = None if margin is None else floor_float(Fraction(margin) - err)
        upper = None if upper is None else ceil_float(Fraction(upper) + err)
        if status == "certified" and (margin is None or margin < 0):
            status = "undecided"
        if status == "violated" and (upper is None or upper >= 0):
            status = "undecided"
    return {"order": int(M.shape[0]), "status": status,
            "margin": float("nan") if margin is None else float(margin),
            "upper": float("nan") if upper is None else float(upper),
            "method": cert.method}


def lmi_margins(problem: cp.Problem, method: str = "auto") -> List[Dict[str, Any]]:
    """Rigorous λ_min bounds of every PSD constraint of ``problem`` at its current point.

    For each constraint ``expr >> 0`` (and each variable declared ``PSD=True`` or
    ``NSD=True``) the symmetric part of the expression's current value — the matrix
    cvxpy requires to be PSD — is certified with :func:`idl_sdp.certify.certify`. The
    matrix is the expression as evaluated in floating point from the current variable
    values; if the float symmetrisation rounds, its rigorous error bound is folded into
    the result.

    Parameters
    ----------
    problem : cvxpy.Problem
        Its variables must hold values (e.g. after a solve).
    method : {"auto", "exact", "cholesky", "arb"}
        Passed to :func:`idl_sdp.certify.certify`.

    Returns
    -------
    list of dict
        One per PSD requirement: ``label``, ``order``, ``status``
        (``"certified"``/``"violated"``/``"undecided"``), ``margin`` (proven lower
        bound on λ_min), ``upper`` (proven upper bound on λ_min when violated, else
        NaN) and ``method``.

    Raises
    ------
    TypeError, ValueError
        If ``problem`` is not a problem, a variable has no value, or ``method`` is
        unknown.
    """
    from .certify import METHODS

    if not isinstance(problem, cp.Problem):
        raise TypeError(f"problem must be a cvxpy.Problem, got {type(problem).__name__}")
    method = check_choice(method, "method", METHODS)
    out = []
    for label, expr, sign in _psd_items(problem):
        val = expr.value
        if val is None:
            raise ValueError(f"problem: {label} has no value (solve the problem first)")
        M = sign * as_finite_array(val, f"value of {label}", ndim=2)
        res = _certify_matrix(M, method)
        res["label"] = label
        out.append(res)
    return out


# --------------------------------------------------------------- residuals
def _stack(problem: cp.Problem) -> Optional[np.ndarray]:
    parts = []
    for v in sorted(problem.variables(), key=lambda v: v.id):
        if v.value is None:
            return None
        parts.append(np.ravel(np.asarray(v.value, dtype=float), order="F"))
    return np.concatenate(parts)


def _primal_residual(problem: cp.Problem) -> float:
    worst = 0.0
    for con in problem.constraints:
        if isinstance(con, cp.constraints.PSD):
            continue
        viol = con.violation()
        if viol is None:
            return float("nan")
        worst = max(worst, float(np.max(viol, initial=0.0)))
    for v in problem.variables():
        if v.value is None:
            return float("nan")
        if v.attributes.get("nonneg") or v.attributes.get("pos"):
            worst = max(worst, float(-np.min(v.value, initial=0.0)))
        if v.attributes.get("nonpos") or v.attributes.get("neg"):
            worst = max(worst, float(np.max(v.value, initial=0.0)))
    return worst


def _conic_residuals(solver: str, data: Mapping[str, Any], raw: Any) -> Tuple[float, float, float]:
    """‖Ax + s − b‖∞, ‖Px + Aᵀy + c‖∞ and |xᵀPx + cᵀx + bᵀy| in the solver's own data."""
    nan3 = (float("nan"),) * 3
    try:
        if solver == "CLARABEL":
            x, y, s = raw.x, raw.z, raw.s
        elif solver == "SCS":
            x, y, s = raw.get("x"), raw.get("y"), raw.get("s")
        else:
            return nan3
        if x is None or y is None or s is None:
            return nan3
        x, y, s = (np.asarray(v, dtype=float) for v in (x, y, s))
        A, b, c = data["A"], np.asarray(data["b"], dtype=float), np.asarray(data["c"], dtype=float)
        if not all(np.all(np.isfinite(v)) for v in (x, y, s)):
            return nan3
        Px = np.zeros_like(x)
        if data.get("P") is not None:
            Pu = sp.triu(sp.csc_matrix(data["P"]))
            Px = Pu @ x + Pu.T @ x - Pu.diagonal() * x
        primal = float(np.max(np.abs(A @ x + s - b), initial=0.0))
        dual = float(np.max(np.abs(Px + A.T @ y + c), initial=0.0))
        gap = abs(float(x @ Px + c @ x + b @ y))
        return primal, dual, gap
    except Exception:  # residuals are diagnostics: never let them hide a row
        return nan3


def _solver_status_and_iters(solver: str, raw: Any) -> Tuple[str, Optional[int]]:
    if solver == "CLARABEL":
        return str(raw.status), int(raw.iterations)
    if solver == "SCS":
        info = raw.get("info", {})
        return str(info.get("status", "")), (int(info["iter"]) if "iter" in info else None)
    return str(raw.get("status", "")) if isinstance(raw, dict) else "", None


def _call_solver(solver_obj: Any, data: Dict[str, Any], opts: Dict[str, Any]) -> Any:
    """One solver call on cvxpy's problem data (isolated so tests can replace it)."""
    return solver_obj.solve_via_data(dict(data), False, False, dict(opts), None)


# ------------------------------------------------------------------ results
@dataclass
class ReferenceSolution:
    """A high-accuracy solve that rows are measured against.

    Attributes
    ----------
    solver : str
    tol : float
    row : dict
        Its own measurements, with the same keys as a :class:`ComparisonTable` row
        (status, time, KKT residuals, LMI margin, ...).
    x : ndarray or None
        All variables stacked (sorted by cvxpy id, each flattened in Fortran order);
        None if the solve returned no point.
    """

    solver: str
    tol: float
    row: Dict[str, Any]
    x: Optional[np.ndarray]

    @property
    def status(self) -> str:
        return self.row["status"]

    @property
    def objective(self) -> float:
        return self.row["objective"]

    def describe(self) -> str:
        """One line: solver, tolerance, status, objective and KKT residuals."""
        r = self.row
        lmi = ("" if r["lmi_status"] == "n/a" else
               f"; LMI λ_min ≥ {_fmt(r['lmi_margin'])} ({r['lmi_status']})")
        tried = "".join(f" [tol={t:.0e}: {s}]" for t, s in r.get("attempts", []))
        gap = ("" if not math.isfinite(r["objective_gap"]) else
               f" (rel. gap to the known optimum {_fmt(r['objective_gap'])})")
        return (f"reference {self.solver} tol={self.tol:.0e}{tried}: {r['status']}"
                f"{'' if not r['error'] else ' (' + r['error'] + ')'}, "
                f"objective {_fmt_obj(r['objective'])}{gap}, {r['seconds']:.3g} s; "
                f"primal res {_fmt(r['primal_residual'])} (conic {_fmt(r['conic_primal_residual'])}), "
                f"dual res {_fmt(r['dual_residual'])}, duality gap {_fmt(r['duality_gap'])}{lmi}")


def _fmt(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    return f"{v:.1e}"


def _fmt_obj(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    return f"{v:.10g}"


#: (row key, column header, formatter) of the printed tables.
_COLUMNS = (
    ("solver", "solver", str),
    ("tol", "tol", lambda v: f"{v:.0e}"),
    ("status", "status", str),
    ("seconds", "time [s]", lambda v: "—" if v is None or math.isnan(v) else f"{v:.3g}"),
    ("iterations", "iters", lambda v: "—" if v is None else str(v)),
    ("objective", "objective", _fmt_obj),
    ("objective_gap", "rel. obj. gap", _fmt),
    ("primal_residual", "primal res.", _fmt),
    ("conic_primal_residual", "conic p. res.", _fmt),
    ("dual_residual", "dual res.", _fmt),
    ("duality_gap", "duality gap", _fmt),
    ("lmi_margin", "LMI λ_min ≥", _fmt),
    ("lmi_status", "LMI", str),
    ("distance", "dist. to ref.", _fmt),
)


class ComparisonTable(list):
    """The rows of :func:`compare_solvers`: a list of dicts, one per (solver, tolerance).

    Row keys: ``solver``, ``tol``, ``status`` (cvxpy's), ``solver_status`` (the
    solver's own), ``error`` (exception text or ``""``), ``seconds``, ``iterations``,
    ``objective``, ``objective_gap``, ``primal_residual``, ``conic_primal_residual``
    (``‖Ax + s − b‖∞`` in the solver's conic form), ``dual_residual``,
    ``duality_gap``, ``lmi_margin`` (proven lower bound on the smallest λ_min over the
    PSD constraints; NaN without PSD constraints), ``lmi_upper`` (proven upper bound on
    that λ_min when some constraint is proven violated), ``lmi_status``
    (``"certified"``, ``"undecided"``, ``"violated"`` — the worst over the PSD
    constraints — or ``"n/a"``), ``lmi_certified`` (bool), ``lmi`` (per-constraint
    list from :func:`lmi_margins`), ``distance``.

    Attributes
    ----------
    name : str
    reference : ReferenceSolution or None
    optimum : float or None
        Known optimal value the gaps were measured against (else the reference's).
    info : dict
        Problem sizes and compile times.
    """

    def __init__(self, rows: Iterable[Dict[str, Any]] = (), *, name: str = "problem",
                 reference: Optional[ReferenceSolution] = None,
                 optimum: Optional[float] = None, info: Optional[Dict[str, Any]] = None):
        super().__init__(rows)
        self.name = name
        self.reference = reference
        self.optimum = optimum
        self.info = dict(info or {})

    def header_lines(self) -> List[str]:
        """The lines printed above the table (problem, sizes, reference)."""
        i = self.info
        lines = [f"{self.name}: {i.get('variables', '?')} scalar variables, "
                 f"{i.get('constraints', '?')} constraints ({i.get('psd_constraints', '?')} PSD"
                 f"{', orders ' + ', '.join(map(str, i['psd_orders'])) if i.get('psd_orders') else ''})"]
        if self.reference is not None:
            lines.append(self.reference.describe())
        if self.optimum is not None:
            lines.append(f"objective gaps relative to the known optimum {self.optimum:.12g}")
        else:
            lines.append("objective gaps and distances relative to the reference")
        return lines

    def _cells(self) -> Tuple[List[str], List[List[str]]]:
        heads = [h for _, h, _ in _COLUMNS]
        body = [[fmt(r.get(k)) for k, _, fmt in _COLUMNS] for r in self]
        return heads, body

    def __str__(self) -> str:
        heads, body = self._cells()
        widths = [max(len(h), *(len(row[j]) for row in body)) if body else len(h)
                  for j, h in enumerate(heads)]

        def line(cells: List[str]) -> str:
            return "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()

        out = list(self.header_lines())
        out.append(line(heads))
        out.append("  ".join("-" * w for w in widths))
        out.extend(line(row) for row in body)
        return "\n".join(out)

    def __repr__(self) -> str:
        return f"<ComparisonTable {self.name!r}: {len(self)} rows>"

    def to_markdown(self, level: int = 3) -> str:
        """The table as GitHub-flavoured markdown, under a heading of ``level``."""
        heads, body = self._cells()
        out = ["#" * level + " " + self.name, ""]
        out += [ln + "  " for ln in self.header_lines()[1:]]
        out.append("")
        out.append("| " + " | ".join(heads) + " |")
        out.append("|" + "|".join("---" for _ in heads) + "|")
        out += ["| " + " | ".join(row) + " |" for row in body]
        return "\n".join(out) + "\n"

    def rows_for(self, solver: str) -> List[Dict[str, Any]]:
        """The rows of one solver, in tolerance order."""
        return [r for r in self if r["solver"] == solver.upper()]


# ---------------------------------------------------------------- the solve
def _kkt(row: Dict[str, Any]) -> float:
    vals = [row[k] for k in ("primal_residual", "conic_primal_residual", "dual_residual",
                             "duality_gap")]
    vals = [v for v in vals if math.isfinite(v)]
    return max(vals) if vals else math.inf


def _reference_solve(run: Any, solver: str, tol: float) -> ReferenceSolution:
    """Solve at ``tol``; if the status is not optimal, retry at 10× and 100× ``tol``.

    Returns the first optimal attempt, else the attempt with a point and the smallest
    KKT residual; the other attempts are listed in ``row["attempts"]``.
    """
    attempts = []
    for k in range(3):
        t = tol * 10.0 ** k
        if t >= 1.0:
            break
        row, x = run(solver, t, None, reference=True)
        attempts.append((t, row, x))
        if row["status"] == cp.OPTIMAL and x is not None:
            break
    ok = [a for a in attempts if a[1]["status"] == cp.OPTIMAL and a[2] is not None]
    if not ok:
        ok = sorted((a for a in attempts if a[2] is not None), key=lambda a: _kkt(a[1]))
    t, row, x = ok[0] if ok else attempts[0]
    row["attempts"] = [(a[0], a[1]["status"]) for a in attempts if a[0] != t]
    return ReferenceSolution(solver, t, row, x)


def _empty_row(solver: str, tol: float) -> Dict[str, Any]:
    nan = float("nan")
    return {"solver": solver, "tol": tol, "status": "", "solver_status": "", "error": "",
            "seconds": nan, "iterations": None, "objective": nan, "objective_gap": nan,
            "primal_residual": nan, "conic_primal_residual": nan, "dual_residual": nan,
            "duality_gap": nan,
            "lmi_margin": nan, "lmi_upper": nan, "lmi_status": "n/a", "lmi_certified": False,
            "lmi": [], "distance": nan}


def _solve_once(work: cp.Problem, compiled: Tuple[Any, Any, Any], solver: str, tol: float,
                opts: Dict[str, Any], method: str,
                repeat: int = 1) -> Tuple[Dict[str, Any], Optional[np.ndarray]]:
    data, chain, inverse = compiled
    row = _empty_row(solver, tol)
    best = math.inf
    for _ in range(repeat):  # identical solves; the fastest time is the least noisy
        t0 = time.perf_counter()
        try:
            raw = _call_solver(chain.solver, data, opts)
        except BaseException as exc:  # the row records the failure (also a solver panic)
            if not (isinstance(exc, Exception) or is_solver_crash(exc)):
                raise
            row.update(seconds=time.perf_counter() - t0, status=cp.SOLVER_ERROR,
                       error=f"{type(exc).__name__}: {exc}"[:300])
            return row, None
        best = min(best, time.perf_counter() - t0)
    row["seconds"] = best
    try:
        row["solver_status"], row["iterations"] = _solver_status_and_iters(solver, raw)
    except Exception:
        pass
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Solution may be inaccurate": it is the status
            work.unpack_results(raw, chain, inverse)
        row["status"] = work.status
    except cp.error.SolverError as exc:
        row.update(status=cp.SOLVER_ERROR, error=str(exc)[:300])
        return row, None
    except Exception as exc:
        row.update(status=cp.SOLVER_ERROR, error=f"{type(exc).__name__}: {exc}"[:300])
        return row, None
    (row["conic_primal_residual"], row["dual_residual"],
     row["duality_gap"]) = _conic_residuals(solver, data, raw)
    x = _stack(work)
    if x is None or not np.all(np.isfinite(x)):
        return row, None
    if work.value is not None and np.isfinite(work.value):
        row["objective"] = float(work.value)
    row["primal_residual"] = _primal_residual(work)
    try:
        lmis = lmi_margins(work, method)
    except Exception as exc:  # e.g. a non-finite matrix entry: say so, keep the row
        row.update(lmi_status="undecided", error=f"LMI check failed: {exc}"[:300])
        return row, x
    row["lmi"] = lmis
    if lmis:
        row["lmi_margin"] = min(d["margin"] for d in lmis)
        row["lmi_status"] = max((d["status"] for d in lmis), key=_LMI_ORDER.__getitem__)
        row["lmi_certified"] = row["lmi_status"] == "certified"
        uppers = [d["upper"] for d in lmis if d["status"] == "violated"]
        if uppers:
            row["lmi_upper"] = min(uppers)
    return row, x


def _snapshot(problem: cp.Problem) -> List[Tuple[Any, Any]]:
    saved = [(v, None if v.value is None else np.array(v.value, copy=True))
             for v in problem.variables()]
    for con in problem.constraints:
        saved += [(d, None if d.value is None else np.array(d.value, copy=True))
                  for d in con.dual_variables]
    return saved


def _restore(saved: List[Tuple[Any, Any]]) -> None:
    for leaf, value in saved:
        leaf.save_value(value)


def _check_solvers(solvers: Any, name: str) -> Tuple[str, ...]:
    if isinstance(solvers, str):
        solvers = (solvers,)
    if not isinstance(solvers, (list, tuple)):
        raise TypeError(f"{name} must be a solver name or a sequence of them, got "
                        f"{type(solvers).__name__}")
    out = []
    for s in solvers:
        s = check_choice(s, name, LAB_SOLVERS, upper=True)
        if s not in _installed():
            hint = " (pip install sdpa-python)" if s == "SDPA" else ""
            raise ValueError(f"{name}: solver {s!r} is not installed{hint}; "
                             f"installed: {_installed()}")
        if s in out:
            raise ValueError(f"{name} must not repeat a solver, got {s!r} twice")
        out.append(s)
    if not out:
        raise ValueError(f"{name} must name at least one solver")
    return tuple(out)


def _check_tolerances(tolerances: Any) -> Tuple[float, ...]:
    if isinstance(tolerances, numbers.Real) and not isinstance(tolerances, bool):
        tolerances = (tolerances,)
    if isinstance(tolerances, np.ndarray):
        tolerances = tolerances.tolist()
    if not isinstance(tolerances, (list, tuple)):
        raise TypeError(f"tolerances must be a number or a sequence of numbers, got "
                        f"{type(tolerances).__name__}")
    if not tolerances:
        raise ValueError("tolerances must not be empty")
    return tuple(_check_tol(t, "tolerances") for t in tolerances)


def _check_options(solver_options: Any, solvers: Sequence[str]) -> Dict[str, Dict[str, Any]]:
    if solver_options is None:
        return {}
    if not isinstance(solver_options, Mapping):
        raise TypeError(f"solver_options must be a dict {{solver: {{option: value}}}}, got "
                        f"{type(solver_options).__name__}")
    out = {}
    for key, opts in solver_options.items():
        key = check_choice(key, "solver_options", LAB_SOLVERS, upper=True)
        if key not in solvers:
            raise ValueError(f"solver_options names {key!r}, which is neither in solvers "
                             f"{tuple(solvers)} nor the reference solver")
        if not isinstance(opts, Mapping):
            raise TypeError(f"solver_options[{key!r}] must be a dict, got {type(opts).__name__}")
        clash = sorted(set(opts) & set(_TOL_KEYS[key]))
        if clash:
            raise ValueError(f"solver_options[{key!r}] must not set {clash}: the tolerance "
                             "settings come from `tolerances` (see tolerance_options)")
        out[key] = dict(opts)
    return out


def compare_solvers(
    problem_or_step: Any,
    solvers: Union[str, Sequence[str]] = ("CLARABEL", "SCS"),
    tolerances: Union[float, Sequence[float]] = TOLERANCES,
    reference: Union[None, str, ReferenceSolution] = None,
    *,
    reference_tol: float = 1e-10,
    optimum: Optional[float] = None,
    solver_options: Optional[Mapping[str, Mapping[str, Any]]] = None,
    time_limit: Optional[float] = None,
    certify_method: str = "auto",
    repeat: int = 1,
    name: Optional[str] = None,
) -> ComparisonTable:
    """Solve one problem with several solvers and tolerances; measure each point.

    Parameters
    ----------
    problem_or_step : cvxpy.Problem, HiddenStep or ParameterStep
        For a step, its ``.problem`` is used; its parameters must be set first (see
        :func:`step_problem`).
    solvers : str or sequence of str, default ("CLARABEL", "SCS")
        Any of :data:`LAB_SOLVERS` that is installed (case-insensitive).
    tolerances : float or sequence of float, default (1e-3, 1e-5, 1e-7, 1e-9)
        Each in (0, 1); mapped to solver settings by :func:`tolerance_options`.
    reference : None, str or ReferenceSolution
        ``None``: CLARABEL at ``reference_tol``. A solver name: that solver at
        ``reference_tol`` (e.g. ``"SDPA"`` when sdpa-python is installed); the
        settings of :data:`REFERENCE_OPTIONS` are added. If that solve does not return
        ``optimal``, 10× and then 100× looser tolerances are tried; the first optimal
        one is kept (or, if none is, the one with the smallest KKT residuals) and the
        table header lists the attempts. A :class:`ReferenceSolution`
        (``table.reference`` of an earlier call on the same problem) is reused without
        solving.
    reference_tol : float, default 1e-10
        Tolerance of the (first) reference solve.
    optimum : float, optional
        A known optimal value (e.g. from a closed form); objective gaps are then
        measured against it instead of the reference's objective.
    solver_options : dict, optional
        Extra settings per solver, e.g. ``{"SCS": {"max_iters": 10_000}}`` (applied to
        the reference solve of that solver too). The tolerance settings themselves
        come from ``tolerances`` and may not be given here.
    time_limit : float, optional
        Seconds per solve (CLARABEL ``time_limit``, SCS ``time_limit_secs``; not the
        reference). A solve stopped by it shows its status (e.g. ``user_limit``).
    certify_method : {"auto", "exact", "cholesky", "arb"}, default "auto"
        How the PSD constraints are certified (:func:`idl_sdp.certify.certify`).
    repeat : int, default 1
        Solve each (solver, tolerance) this many times and report the fastest time
        (the solves are identical; on a busy machine small problems' times are noisy).
    name : str, optional
        Title of the table.

    Returns
    -------
    ComparisonTable
        One row per (solver, tolerance), solvers outer, in the order given. A solve
        that fails or returns a non-optimal status keeps its row, with that status
        (and the exception text in ``error``); quantities it cannot provide are NaN.

    Raises
    ------
    TypeError, ValueError
        Bad input, naming the argument.

    Notes
    -----
    Each solver's conic form is compiled once (time in ``table.info``) and solved
    with ``warm_start=False`` at every tolerance, on a copy of the problem that shares
    its variables; afterwards the variables' values and the constraints' dual values
    are restored to what they were before the call, so the problem object (its
    status, value and cached compilation) and any step holding it are unchanged.
    """
    from .certify import METHODS

    problem = _as_problem(problem_or_step)
    solvers = _check_solvers(solvers, "solvers")
    tols = _check_tolerances(tolerances)
    reference_tol = _check_tol(reference_tol, "reference_tol")
    ref_obj: Optional[ReferenceSolution] = None
    if reference is None:
        ref_solver = "CLARABEL"
    elif isinstance(reference, ReferenceSolution):
        ref_obj, ref_solver = reference, reference.solver
    elif isinstance(reference, str):
        ref_solver = _check_solvers((reference,), "reference")[0]
    else:
        raise TypeError("reference must be None, a solver name or a ReferenceSolution, got "
                        f"{type(reference).__name__}")
    if optimum is not None:
        if isinstance(optimum, bool) or not isinstance(optimum, numbers.Real):
            raise TypeError(f"optimum must be a real number, got {type(optimum).__name__}")
        optimum = float(optimum)
        if not math.isfinite(optimum):
            raise ValueError(f"optimum must be finite, got {optimum}")
    options = _check_options(solver_options, solvers + (ref_solver,))
    if time_limit is not None:
        time_limit = check_nonneg_float(time_limit, "time_limit", positive=True)
    certify_method = check_choice(certify_method, "certify_method", METHODS)
    repeat = check_positive_int(repeat, "repeat")
    if name is not None and not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}")

    work = cp.Problem(problem.objective, problem.constraints)
    psd = _psd_items(problem)
    info: Dict[str, Any] = {
        "variables": int(sum(v.size for v in problem.variables())),
        "constraints": len(problem.constraints),
        "psd_constraints": len(psd),
        "psd_orders": [int(e.shape[0]) for _, e, _ in psd],
        "compile_seconds": {},
    }
    compiled: Dict[str, Tuple[Any, Any, Any]] = {}

    def compile_for(solver: str):
        if solver not in compiled:
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                compiled[solver] = work.get_problem_data(solver, solver_opts={})
            info["compile_seconds"][solver] = time.perf_counter() - t0
        return compiled[solver]

    def run(solver: str, tol: float, limit: Optional[float], reference: bool = False):
        opts = tolerance_options(solver, tol)
        if limit is not None and solver in _TIME_KEYS:
            opts[_TIME_KEYS[solver]] = limit
        if reference:
            opts.update(REFERENCE_OPTIONS.get(solver, {}))
        opts.update(options.get(solver, {}))
        try:
            comp = compile_for(solver)
        except Exception as exc:  # e.g. a cone the solver does not support
            row = _empty_row(solver, tol)
            row.update(status=cp.SOLVER_ERROR, error=f"{type(exc).__name__}: {exc}"[:300])
            return row, None
        return _solve_once(work, comp, solver, tol, opts, certify_method,
                           1 if reference else repeat)

    saved = _snapshot(problem)
    fresh_reference = ref_obj is None
    try:
        if ref_obj is None:
            ref_obj = _reference_solve(run, ref_solver, reference_tol)
        elif ref_obj.x is not None and ref_obj.x.size != info["variables"]:
            raise ValueError(f"reference holds {ref_obj.x.size} variables but problem_or_step "
                             f"has {info['variables']}: it belongs to another problem")
        target = optimum if optimum is not None else ref_obj.objective
        rows = []
        for solver in solvers:
            for tol in tols:
                row, x = run(solver, tol, time_limit)
                if math.isfinite(row["objective"]) and target is not None and math.isfinite(target):
                    row["objective_gap"] = abs(row["objective"] - target) / (abs(target) or 1.0)
                if x is not None and ref_obj.x is not None:
                    row["distance"] = float(np.linalg.norm(x - ref_obj.x)
                                            / max(1.0, np.linalg.norm(ref_obj.x)))
                rows.append(row)
        if fresh_reference and optimum is not None and math.isfinite(ref_obj.objective):
            ref_obj.row["objective_gap"] = abs(ref_obj.objective - optimum) / (abs(optimum) or 1.0)
    finally:
        _restore(saved)
    return ComparisonTable(rows, name=name or "problem", reference=ref_obj, optimum=optimum,
                           info=info)


# ------------------------------------------------------------------ verified enclosures
class BoundsTable(list):
    """The rows of :func:`compare_bounds`: one dict per (solver, tolerance).

    Row keys: ``solver``, ``tol``, ``solver_status``, ``reported`` (the solver's value,
    not proven), ``iterations``, ``seconds`` (the solve), ``err1`` … ``err6``
    (DIMACS, :func:`idl_sdp.conic.dimacs.dimacs_errors`), ``status``, ``lower``,
    ``upper`` and ``width`` of the verified enclosure (:func:`idl_sdp.value_bounds`),
    ``t_bounds`` (the bounds' seconds — proofs and perturbed re-solves — over the
    solve's; VSDP's t/t_s), ``inside``
    (whether ``optimum`` lies in the enclosure, when given), ``bounds`` (the
    :class:`~idl_sdp.ValueBounds`).
    """

    def __init__(self, rows: Iterable[Dict[str, Any]] = (), *, name: str = "problem",
                 optimum: Optional[float] = None):
        super().__init__(rows)
        self.name, self.optimum = name, optimum

    def to_markdown(self) -> str:
        head = ["solver", "tol", "solver status", "reported", "lower", "upper", "μ",
                "err1", "err2", "err3", "err4", "err5", "err6", "s", "t/t_s"]
        out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for r in self:
            cells = [r["solver"], f"{r['tol']:g}", r["solver_status"], _fmt_obj(r["reported"]),
                     _fmt_obj(r["lower"]), _fmt_obj(r["upper"]), _fmt(r["width"])]
            cells += [_fmt(r[f"err{i}"]) for i in range(1, 7)]
            cells += [f"{r['seconds']:.2f}", _fmt(r["t_bounds"])]
            out.append("| " + " | ".join(cells) + " |")
        return "\n".join(out)

    def __str__(self) -> str:
        return f"{self.name}\n" + self.to_markdown()

    def __repr__(self) -> str:
        return f"BoundsTable({self.name!r}, {len(self)} rows)"


def compare_bounds(
    problem: Any,
    solvers: Union[str, Sequence[str]] = ("CLARABEL", "SCS"),
    tolerances: Union[float, Sequence[float]] = (1e-8,),
    *,
    optimum: Optional[float] = None,
    perturb: bool = True,
    name: Optional[str] = None,
) -> BoundsTable:
    """Solve a problem with several solvers and tolerances; for each point, its DIMACS
    errors and the verified enclosure of the optimal value built from it.

    Parameters
    ----------
    problem : cvxpy.Problem or ConicForm
        Brought once to the conic form that is proven on (PSD blocks whole).
    solvers : str or sequence of {"CLARABEL", "SCS"}
    tolerances : float or sequence of float
        Each in (0, 1), mapped to settings by :func:`tolerance_options`.
    optimum : float, optional
        A known optimal value: ``inside`` says whether each enclosure contains it.
    perturb : bool
        As in :func:`idl_sdp.value_bounds`.
    name : str, optional
        Title of the table.
    """
    from .certify.bounds import bounds_from_solution  # noqa: PLC0415
    from .conic import ConicForm, conic_form, solve_conic  # noqa: PLC0415
    from .conic.dimacs import dimacs_errors  # noqa: PLC0415

    solvers = tuple(s for s in _check_solvers(solvers, "solvers"))
    for s in solvers:
        if s not in ("CLARABEL", "SCS"):
            raise ValueError(f"solvers: compare_bounds supports CLARABEL and SCS, got {s!r}")
    tols = _check_tolerances(tolerances)
    form = problem if isinstance(problem, ConicForm) else conic_form(_as_problem(problem))
    rows = []
    for solver in solvers:
        for tol in tols:
            opts = tolerance_options(solver, tol)
            sol = solve_conic(form, solver, opts)
            vb = bounds_from_solution(form, sol, solver, opts, perturb=perturb)
            t_s = max(sol.seconds, 1e-9)
            row = {"solver": solver, "tol": tol, "solver_status": sol.raw_status,
                   "reported": vb.reported, "iterations": sol.iterations,
                   "seconds": sol.seconds, "status": vb.status, "lower": vb.lower,
                   "upper": vb.upper, "width": vb.width,
                   "t_bounds": vb.seconds.get("bounds", math.nan) / t_s,
                   "inside": (None if optimum is None
                              else bool(vb.lower <= optimum <= vb.upper)),
                   "bounds": vb}
            row.update(dimacs_errors(form, sol))
            rows.append(row)
    return BoundsTable(rows, name=name or "problem", optimum=optimum)
