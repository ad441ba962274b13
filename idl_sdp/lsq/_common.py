"""Helpers shared by the gallery solvers.

:func:`run_rounds` runs :func:`idl_sdp.alternate` with a stopping rule other than its
objective decrease; :func:`solver_options` gives tighter conic-solver tolerances.

The driver stops when the relative decrease of the objective falls below ``tol``.
Near a minimiser of a smooth function, f(s) − f* is quadratic in the distance to
it, so that rule cannot locate the minimiser below about √(machine ε) relative
accuracy, and near a saddle it stops while the iterate is still escaping. Here
the driver is run one round at a time through its continuation arguments
(``history``, ``start_round``) and a caller-supplied rule decides when to stop.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, Optional, Sequence, Tuple

from ..alternate import AlternationResult, Step, alternate

__all__ = ["run_rounds", "solver_options"]


def solver_options(solver: str) -> Dict[str, Any]:
    """Tighter tolerances than the package defaults, for the small gallery problems.

    Interior-point solutions approach active bounds only to within the
    complementarity tolerance; at the package default (1e-8) a bound-active entry
    can be off by ~1e-7, more than the comparisons in the gallery allow.
    """
    if solver == "CLARABEL":
        return {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10}
    return {}


def run_rounds(
    state: Any,
    steps: Sequence[Tuple[str, Step]],
    objective: Callable[[Any], float],
    *,
    rounds: int,
    stop: Optional[Callable[[Dict[str, Any], Any], bool]] = None,
) -> AlternationResult:
    """Up to ``rounds`` rounds of ``steps``; stop early only when ``stop(record, state)``.

    Returns an :class:`~idl_sdp.alternate.AlternationResult` whose ``converged`` is
    True when ``stop`` fired and whose history holds every round.
    """
    history: list = []
    initial = float("nan")
    for k in range(rounds):
        result = alternate(state, steps, objective, rounds=k + 1, tol=0.0,
                           history=history, start_round=k)
        if k == 0:
            initial = result.initial_objective
        state = result.state
        if stop is not None and stop(history[-1], state):
            return AlternationResult(state=state, history=history, converged=True,
                                     message="stopping rule met", initial_objective=initial)
    return AlternationResult(state=state, history=history, converged=False,
                             message=f"reached rounds={rounds}", initial_objective=initial)
