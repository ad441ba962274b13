"""Solver names, default accuracy settings and status checks, in one place.

Only open-source conic solvers are used. The steps use :data:`SOLVERS`; the conic
adapters (:mod:`idl_sdp.conic.adapters`: :func:`idl_sdp.value_bounds`, the lab) also take
the optional :data:`OPTIONAL_SOLVERS`. SCS always gets explicit tolerances: its
defaults (1e-4) are far too loose to keep an LMI satisfied through a small margin.

:data:`DEFAULT_OPTIONS` is the one table of defaults: :func:`solve_problem` merges it
with the caller's options, and the per-solver adapters of :mod:`idl_sdp.conic.adapters`
(settings, tolerance mapping, statuses, raw results), which :func:`idl_sdp.value_bounds`
and the solver-accuracy lab (:mod:`idl_sdp.lab`) use, read it too.
"""
from __future__ import annotations

import functools
import threading
import time
import warnings
from typing import Any, Dict, Optional, Tuple

import cvxpy as cp
import numpy as np

from ._validation import check_choice

#: Solvers accepted by the steps (the fast numpy paths add ``"fast"`` where offered).
SOLVERS = ("CLARABEL", "SCS")

#: Default options per solver; a user's keyword arguments override them. The single
#: table of defaults: the adapters' ``tolerance_options`` keep its non-tolerance entries
#: (SCS ``max_iters``).
DEFAULT_OPTIONS: Dict[str, Dict[str, Any]] = {
    "CLARABEL": {"tol_gap_abs": 1e-8, "tol_gap_rel": 1e-8, "tol_feas": 1e-8},
    "SCS": {"eps_abs": 1e-7, "eps_rel": 1e-7, "max_iters": 200_000},
    "CVXOPT": {"abstol": 1e-8, "reltol": 1e-8, "feastol": 1e-8},
    "SDPA": {"epsilonStar": 1e-8, "epsilonDash": 1e-8},
}

#: Optional conic solvers (adapters only, not the steps): name → the pip extra of
#: idl_sdp that installs it (``pip install 'idl_sdp[cvxopt]'``).
OPTIONAL_SOLVERS: Dict[str, str] = {"CVXOPT": "cvxopt", "SDPA": "sdpa"}

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


def not_installed(name: str) -> str:
    """The message for a solver that is not installed (with its pip extra if optional)."""
    if name in OPTIONAL_SOLVERS:
        return f"solver {name!r} is not installed: pip install 'idl_sdp[{OPTIONAL_SOLVERS[name]}]'"
    return f"solver {name!r} is not installed; installed: {_installed()}"


def check_solver(solver: Any, allowed: Tuple[str, ...] = SOLVERS) -> str:
    """Normalise a solver name (case-insensitive) and check it is installed.

    ``allowed`` defaults to the steps' :data:`SOLVERS`; the conic adapters pass their own
    names (:data:`OPTIONAL_SOLVERS` included).
    """
    name = check_choice(solver, "solver", allowed, upper=True)
    if (name in SOLVERS or name in OPTIONAL_SOLVERS) and name not in _installed():
        raise ValueError(not_installed(name))
    return name


#: The last ``info`` dict SCS returned in this thread (see :func:`_record_scs_info`).
_SCS_INFO = threading.local()
#: SCS's ``status_val`` for a solve stopped by SIGINT (SCS catches Ctrl-C itself).
_SCS_INTERRUPTED = -5


def _record_scs_info() -> None:
    """Make ``scs.solve`` record its ``info`` in :data:`_SCS_INFO` (a transparent wrapper).

    SCS installs its own SIGINT handler during a solve and reports ``status_val = -5``
    ("interrupted"); cvxpy maps that to ``solver_error`` and drops the raw info, so
    without this record a Ctrl-C would look like a solver failure (and be retried).
    Re-wraps whenever ``scs.solve`` was replaced (e.g. by a test's monkeypatch).
    """
    try:
        import scs
    except ImportError:  # pragma: no cover - SCS is a dependency
        return
    current = scs.solve
    if getattr(current, "_idl_sdp_records_info", False):
        return

    @functools.wraps(current)
    def solve(*args: Any, **kwargs: Any) -> Any:
        out = current(*args, **kwargs)
        try:
            _SCS_INFO.info = dict(out["info"])
        except Exception:  # noqa: BLE001 - recording must never break a solve
            _SCS_INFO.info = None
        return out

    solve._idl_sdp_records_info = True  # type: ignore[attr-defined]
    scs.solve = solve


def _interrupted(problem: cp.Problem, exc: Optional[BaseException] = None) -> bool:
    """Whether the solver reports that it was interrupted (Ctrl-C caught by the solver)."""
    infos = [getattr(_SCS_INFO, "info", None)]
    if exc is None:
        try:
            extra = problem.solver_stats.extra_stats
            infos.append(extra.get("info") if isinstance(extra, dict) else None)
        except Exception:  # noqa: BLE001 - no stats: nothing to inspect
            pass
    for info in infos:
        if isinstance(info, dict):
            if info.get("status_val") == _SCS_INTERRUPTED:
                return True
            if "interrupt" in str(info.get("status", "")).lower():
                return True
    texts = [str(exc or ""), str(getattr(problem, "status", "") or "")]
    return any("interrupt" in t.lower() for t in texts)


def _raise_if_interrupted(problem: cp.Problem, solver: str, step: str,
                          exc: Optional[BaseException] = None) -> None:
    if _interrupted(problem, exc):
        raise KeyboardInterrupt(f"{step}: solver {solver} was interrupted")


def _nonfinite_solution(problem: cp.Problem) -> Optional[str]:
    """The name of a variable with a missing/NaN/inf value after an optimal status, or None."""
    value = problem.value
    if value is None or not np.all(np.isfinite(np.asarray(value, dtype=float))):
        return "objective"
    for var in problem.variables():
        v = var.value
        if v is None or not np.all(np.isfinite(np.asarray(v, dtype=float))):
            return var.name()
    return None


def solve_problem(problem: cp.Problem, solver: str, step: str, **opts: Any) -> Tuple[str, float]:
    """Solve with default options merged with ``opts``; raise on a non-optimal status.

    Returns the status and the wall-clock seconds of the ``solve`` call.

    Raises
    ------
    SolverError
        The solver failed (a cvxpy ``SolverError``, a ``ValueError``/arithmetic error
        raised inside the solver, a crash: status ``"solver_error"``), returned a
        non-optimal status, or an optimal status with NaN/inf values (``"nan_solution"``).
    KeyboardInterrupt
        The solver reported that it was interrupted (SCS catches Ctrl-C and returns
        "interrupted"): a Ctrl-C stops the run with every solver, it is never retried.
    TypeError, ValueError
        With ``opts``: an option the solver rejected.
    """
    options = dict(DEFAULT_OPTIONS.get(solver, {}))
    options.update(opts)
    # SCS warm-starts from its previous solution. Clarabel cannot warm start; cvxpy's
    # warm_start would only reuse its workspace, whose results differ (by up to the
    # solver tolerance) from a fresh solve — that would break bit-identical resumes.
    options.setdefault("warm_start", solver == "SCS")
    if solver == "SCS":
        _record_scs_info()
    _SCS_INFO.info = None
    t0 = time.perf_counter()
    try:
        with warnings.catch_warnings():
            # cvxpy warns on inaccurate solutions; we raise instead (status is checked below).
            warnings.filterwarnings("ignore", message="Solution may be inaccurate")
            problem.solve(solver=solver, **options)
    except cp.error.SolverError as exc:
        _raise_if_interrupted(problem, solver, step, exc)
        raise SolverError(
            f"{step}: solver {solver} failed: {exc}", status="solver_error", step=step
        ) from exc
    except (TypeError, ValueError, OverflowError) as exc:
        if opts:
            # Typically an option the solver does not know or a value of the wrong type/range.
            kind = TypeError if isinstance(exc, TypeError) else ValueError
            raise kind(f"{step}: solver {solver} failed with the solver options {opts!r} "
                       f"(solver_options): {exc}"[:500]) from exc
        if isinstance(exc, TypeError):
            raise
        # Default options: a numerical failure inside the solver, like any other.
        raise SolverError(f"{step}: solver {solver} failed: {type(exc).__name__}: {exc}"[:500],
                          status="solver_error", step=step) from exc
    except ArithmeticError as exc:  # ZeroDivisionError, FloatingPointError
        raise SolverError(f"{step}: solver {solver} failed: {type(exc).__name__}: {exc}"[:500],
                          status="solver_error", step=step) from exc
    except BaseException as exc:
        if not is_solver_crash(exc):
            raise
        raise SolverError(f"{step}: solver {solver} crashed: {exc}", status="solver_error",
                          step=step) from None
    seconds = time.perf_counter() - t0
    status = problem.status
    if status not in OK_STATUSES:
        _raise_if_interrupted(problem, solver, step)
        raise SolverError(
            f"{step}: solver {solver} returned status {status!r} (optimal required)",
            status=status, step=step,
        )
    bad = _nonfinite_solution(problem)
    if bad is not None:
        raise SolverError(
            f"{step}: solver {solver} returned status 'optimal' with non-finite values "
            f"(in {bad})", status="nan_solution", step=step)
    return status, seconds


def other_solver(solver: str) -> str:
    """The fallback solver: the other open-source conic solver (CLARABEL for "FAST")."""
    return "SCS" if solver == "CLARABEL" else "CLARABEL"
