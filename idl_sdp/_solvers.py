"""Solver names, default accuracy settings and status checks, in one place.

Only open-source conic solvers are used. SCS always gets explicit tolerances: its
defaults (1e-4) are far too loose to keep an LMI satisfied through a small margin.

:data:`DEFAULT_OPTIONS` is the one table of defaults: :func:`solve_problem` merges it
with the caller's options, and the per-solver adapters of :mod:`idl_sdp.conic.adapters`
(settings, tolerance mapping, statuses, raw results), which :func:`idl_sdp.value_bounds`
and the solver-accuracy lab (:mod:`idl_sdp.lab`) use, read it too.
"""
from __future__ import annotations

import functools
import time
import warnings
from typing import Any, Dict, Tuple

import cvxpy as cp

from ._validation import check_choice

#: Solvers accepted by the steps (the fast numpy paths add ``"fast"`` where offered).
SOLVERS = ("CLARABEL", "SCS")

#: Default options per solver; a user's keyword arguments override them. The single
#: table of defaults: the adapters' ``tolerance_options`` keep its non-tolerance entries
#: (SCS ``max_iters``).
DEFAULT_OPTIONS: Dict[str, Dict[str, Any]] = {
    "CLARABEL": {"tol_gap_abs": 1e-8, "tol_gap_rel": 1e-8, "tol_feas": 1e-8},
    "SCS": {"eps_abs": 1e-7, "eps_rel": 1e-7, "max_iters": 200_000},
}

OK_STATUSES = (cp.OPTIMAL,)


class SolverError(RuntimeError):
    """A conic solve did not return ``optimal``.

    Attributes
    ----------
    status : str
        The status cvxpy reported (``optimal_inaccurate``, ``infeasible``, ...
        or ``"solver_error"`` when the solver raised).
    step : str
        Which subproblem failed.
    result : object or None
        For errors raised by :func:`idl_sdp.fit`, the partial result (last good
        model and history).
    """

    def __init__(self, message: str, *, status: str, step: str, result: Any = None):
        super().__init__(message)
        self.status = status
        self.step = step
        self.result = result


def is_solver_crash(exc: BaseException) -> bool:
    """Whether ``exc`` is a panic inside a Rust solver (Clarabel).

    pyo3 turns a Rust panic into ``pyo3_runtime.PanicException``, which derives from
    ``BaseException`` (not ``Exception``), so ``except Exception`` does not see it.
    """
    return type(exc).__name__ == "PanicException"


@functools.lru_cache(maxsize=1)
def _installed() -> Tuple[str, ...]:
    # cvxpy probes every solver on each call; the answer cannot change within a process.
    return tuple(cp.installed_solvers())


def check_solver(solver: Any, allowed: Tuple[str, ...] = SOLVERS) -> str:
    """Normalise a solver name (case-insensitive) and check it is installed."""
    name = check_choice(solver, "solver", allowed, upper=True)
    if name in SOLVERS and name not in _installed():
        raise ValueError(f"solver {name!r} is not installed; installed: {_installed()}")
    return name


def solve_problem(problem: cp.Problem, solver: str, step: str, **opts: Any) -> Tuple[str, float]:
    """Solve with default options merged with ``opts``; raise on a non-optimal status.

    Returns the status and the wall-clock seconds of the ``solve`` call.
    """
    options = dict(DEFAULT_OPTIONS.get(solver, {}))
    options.update(opts)
    # SCS warm-starts from its previous solution. Clarabel cannot warm start; cvxpy's
    # warm_start would only reuse its workspace, whose results differ (by up to the
    # solver tolerance) from a fresh solve — that would break bit-identical resumes.
    options.setdefault("warm_start", solver == "SCS")
    t0 = time.perf_counter()
    try:
        with warnings.catch_warnings():
            # cvxpy warns on inaccurate solutions; we raise instead (status is checked below).
            warnings.filterwarnings("ignore", message="Solution may be inaccurate")
            problem.solve(solver=solver, **options)
    except cp.error.SolverError as exc:
        raise SolverError(
            f"{step}: solver {solver} failed: {exc}", status="solver_error", step=step
        ) from exc
    except (TypeError, ValueError, OverflowError) as exc:
        if not opts:
            raise
        # Typically an option the solver does not know or a value of the wrong type/range.
        kind = TypeError if isinstance(exc, TypeError) else ValueError
        raise kind(f"{step}: solver {solver} failed with the solver options {opts!r} "
                   f"(solver_options): {exc}"[:500]) from exc
    except BaseException as exc:
        if not is_solver_crash(exc):
            raise
        raise SolverError(f"{step}: solver {solver} crashed: {exc}", status="solver_error",
                          step=step) from None
    seconds = time.perf_counter() - t0
    status = problem.status
    if status not in OK_STATUSES:
        raise SolverError(
            f"{step}: solver {solver} returned status {status!r} (optimal required)",
            status=status, step=step,
        )
    return status, seconds


def other_solver(solver: str) -> str:
    """The fallback solver: the other open-source conic solver (CLARABEL for "FAST")."""
    return "SCS" if solver == "CLARABEL" else "CLARABEL"
