"""A thin alternating-minimisation driver, shared by every biconvex problem here.

Each round applies the block steps in order (each step minimises over one block
with the others fixed, so the objective cannot increase up to solver tolerance),
records timings and whatever the steps report, and stops when the relative
decrease of the objective falls below ``tol``.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from ._repr import deprecated_alias
from ._validation import (
    check_alternation_steps, check_callable, check_nonneg_float, check_positive_int,
    check_real_value,
)

__all__ = ["alternate", "AlternationResult"]

Step = Callable[[Any], Tuple[Any, Dict[str, Any]]]


@dataclass
class AlternationResult:
    """Result of :func:`alternate`.

    Attributes
    ----------
    state : object
        The final state.
    history : list of dict
        One record per round: ``round``, ``objective``, ``<step>_seconds`` and
        what each step returned in its info dict.
    converged : bool
        True when the relative decrease fell below ``tol`` (or the callback stopped).
    message : str
    initial_objective : float
    """

    state: Any
    history: List[Dict[str, Any]] = field(default_factory=list)
    converged: bool = False
    message: str = ""
    initial_objective: float = float("nan")

    @property
    def n_iter(self) -> int:
        """Rounds run, ``len(history)``."""
        return len(self.history)

    n_rounds = deprecated_alias("n_iter", "n_rounds")


def alternate(
    state: Any,
    steps: Sequence[Tuple[str, Step]],
    objective: Callable[[Any], float],
    *,
    rounds: int = 20,
    tol: float = 1e-6,
    callback: Optional[Callable[[Dict[str, Any], Any], Any]] = None,
    on_round: Optional[Callable[[Any, int], Any]] = None,
    history: Optional[List[Dict[str, Any]]] = None,
    start_round: int = 0,
) -> AlternationResult:
    """Alternate block steps until the objective stops decreasing.

    Parameters
    ----------
    state : object
        Initial state, passed to the first step.
    steps : sequence of (name, step)
        ``step(state) -> (new_state, info)``; ``info`` (a dict) goes into the round's record.
    objective : callable
        ``objective(state) -> float``, evaluated after every round.
    rounds : int
        Maximum number of rounds.
    tol : float or None
        Stop when ``previous − current ≤ tol · |previous|``; ``None`` disables the
        rule (run all ``rounds`` unless the callback stops), for methods that judge
        convergence by something other than the objective.
    callback : callable, optional
        ``callback(record, state)`` after each round; a truthy return stops the loop.
    on_round : callable, optional
        ``on_round(state, round) -> state`` applied between rounds (e.g. a dual update).
    history, start_round
        To continue an earlier run: its history (extended in place) and the number
        of rounds it completed. ``on_round`` is applied first, as the uninterrupted
        run applied it after that round, so a continued run repeats it exactly.

    Raises
    ------
    TypeError, ValueError
        Naming the argument: ``steps`` not a sequence of ``(str, callable)`` pairs, a
        step not returning ``(new_state, info dict)``, ``objective`` / ``callback`` /
        ``on_round`` not callable, ``history`` not a list of dicts, bad ``rounds`` /
        ``tol`` / ``start_round``, or an objective value that is not a finite real number.
    """
    steps = check_alternation_steps(steps, "steps")
    check_callable(objective, "objective", "a callable objective(state) -> float")
    if callback is not None:
        check_callable(callback, "callback", "None or a callable callback(record, state)")
    if on_round is not None:
        check_callable(on_round, "on_round", "None or a callable on_round(state, round)")
    rounds = check_positive_int(rounds, "rounds")
    tol = None if tol is None else check_nonneg_float(tol, "tol")
    start_round = check_positive_int(start_round, "start_round", minimum=0)
    if history is None:
        history = []
    elif not isinstance(history, list):
        raise TypeError(f"history must be None or a list of round records (dicts), "
                        f"got {type(history).__name__}")
    elif not all(isinstance(r, dict) for r in history):
        bad = next(r for r in history if not isinstance(r, dict))
        raise TypeError("history must be a list of round records (dicts), got an entry of "
                        f"type {type(bad).__name__}")

    def evaluate(s: Any) -> float:
        return check_real_value(objective(s), "objective", "objective(state)")

    if start_round and on_round is not None and start_round < rounds:
        state = on_round(state, start_round)
    prev = evaluate(state)
    result = AlternationResult(state=state, history=history, initial_objective=prev)
    for k in range(start_round, rounds):
        record: Dict[str, Any] = {"round": k + 1}
        for name, step in steps:
            t0 = time.perf_counter()
            out = step(state)
            pair = isinstance(out, (tuple, list)) and len(out) == 2
            if not (pair and isinstance(out[1], dict)):
                raise TypeError(
                    f"steps: step {name!r} must return a pair (new_state, info dict), got "
                    + (f"a pair whose info is a {type(out[1]).__name__}" if pair
                       else f"{type(out).__name__} {out!r}"[:100]))
            state, info = out
            record[f"{name}_seconds"] = time.perf_counter() - t0
            record.update(info)
        cur = evaluate(state)
        record["objective"] = cur
        converged = tol is not None and prev - cur <= tol * abs(prev)
        if converged:
            # In the record before the callback sees it, so that a checkpoint written
            # by the callback knows the run is over.
            record["converged"] = True
            record["stop"] = (f"relative decrease {(prev - cur) / max(abs(prev), 1e-300):.2e}"
                              " <= tol")
        history.append(record)
        result.state = state
        stop = callback(record, state) if callback is not None else False
        if stop:
            result.converged, result.message = True, "stopped by callback"
            return result
        if converged:
            result.converged, result.message = True, record["stop"]
            return result
        prev = cur
        if on_round is not None and k + 1 < rounds:
            state = on_round(state, k + 1)
            result.state = state
            prev = evaluate(state)
    result.message = f"reached rounds={rounds}"
    return result
