"""Comparing solvers on one problem: :func:`compare_solvers` (accuracy of each
returned point against a reference solve) and :func:`compare_bounds` (DIMACS errors and
the verified enclosure of the optimal value built from each point).

Every solver call goes through :func:`_call_solver` (cvxpy's ``solve_via_data``; tests
replace it here); the raw result is read by the solver's adapter in
:func:`~idl_sdp.lab.measure.measure_point`.
"""
from __future__ import annotations

import math
import numbers
import time
import warnings
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple, Union

import cvxpy as cp
import numpy as np

from .._solvers import is_solver_crash
from .._validation import check_bool, check_choice, check_nonneg_float, check_positive_int
from .measure import _as_problem, _psd_items, _restore, _snapshot, measure_point
from .settings import (REFERENCE_OPTIONS, TOLERANCES, _check_options, _check_solvers,
                       _check_tol, _check_tolerances, time_limit_key, tolerance_options)
from .tables import BoundsTable, ComparisonTable, ReferenceSolution, _empty_row

__all__ = ["compare_bounds", "compare_solvers"]


def _call_solver(solver_obj: Any, data: Dict[str, Any], opts: Dict[str, Any]) -> Any:
    """One solver call on cvxpy's problem data (isolated so tests can replace it)."""
    return solver_obj.solve_via_data(dict(data), False, False, dict(opts), None)


def _kkt(row: Dict[str, Any]) -> float:
    """The largest finite KKT residual of a row (inf if none)."""
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


def _solve_once(work: cp.Problem, compiled: Tuple[Any, Any, Any], solver: str, tol: float,
                opts: Dict[str, Any], method: str,
                repeat: int = 1) -> Tuple[Dict[str, Any], Optional[np.ndarray]]:
    """``repeat`` timed solves (the fastest time kept), then the point measured."""
    data, chain, _ = compiled
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
    return row, measure_point(work, compiled, solver, raw, row, method)


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
    from ..certify import METHODS

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
        if limit is not None and time_limit_key(solver) is not None:
            opts[time_limit_key(solver)] = limit
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
    solvers : str or sequence of {"CLARABEL", "SCS", "CVXOPT", "SDPA"}
        Each installed (CVXOPT and SDPA are optional); solved by its adapter.
    tolerances : float or sequence of float
        Each in (0, 1), mapped to settings by :func:`tolerance_options`.
    optimum : float, optional
        A known optimal value: ``inside`` says whether each enclosure contains it.
    perturb : bool
        As in :func:`idl_sdp.value_bounds`.
    name : str, optional
        Title of the table.

    Returns
    -------
    BoundsTable
        One row per (solver, tolerance), solvers outer, in the order given.

    Raises
    ------
    TypeError, ValueError
        Bad input, naming the argument (e.g. a solver not installed).
    """
    from ..certify.bounds import bounds_from_solution  # noqa: PLC0415
    from ..conic import ConicForm, conic_form, solve_conic  # noqa: PLC0415
    from ..conic.dimacs import dimacs_errors  # noqa: PLC0415

    perturb = check_bool(perturb, "perturb")
    solvers = _check_solvers(solvers, "solvers")       # each has an adapter
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
                   "reported": vb.reported, "iterations": sol.n_iter,
                   "seconds": sol.seconds, "status": vb.status, "lower": vb.lower,
                   "upper": vb.upper, "width": vb.width,
                   "t_bounds": vb.seconds.get("bounds", math.nan) / t_s,
                   "inside": (None if optimum is None
                              else bool(vb.lower <= optimum <= vb.upper)),
                   "bounds": vb}
            row.update(dimacs_errors(form, sol))
            rows.append(row)
    return BoundsTable(rows, name=name or "problem", optimum=optimum)
