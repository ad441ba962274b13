"""The lab's solvers, tolerance sweep and solver settings, and its input checks.

The settings of every solver come from its adapter
(:data:`idl_sdp.conic.adapters.ADAPTERS`): tolerance mapping, time-limit setting and
the defaults of :data:`idl_sdp._solvers.DEFAULT_OPTIONS`.
"""
from __future__ import annotations

import numbers
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple

import numpy as np

from .._solvers import OPTIONAL_SOLVERS, _installed, not_installed
from .._validation import check_choice
from ..conic.adapters import ADAPTERS, check_tolerance

__all__ = ["LAB_SOLVERS", "TOLERANCES", "REFERENCE_OPTIONS", "tolerance_options"]

#: Solvers the lab can drive (CVXOPT and SDPA only when ``cvxopt`` / ``sdpa-python`` is
#: installed).
LAB_SOLVERS = ("CLARABEL", "SCS", "CVXOPT", "SDPA")
#: The default tolerance sweep.
TOLERANCES = (1e-3, 1e-5, 1e-7, 1e-9)

#: Extra settings of the reference solve: Clarabel's iterative refinement of the KKT
#: solves tightened to 1e-15 (its default, 1e-12/1e-13, stalls some SDPs short of 1e-10).
REFERENCE_OPTIONS: Dict[str, Dict[str, Any]] = {
    "CLARABEL": {"iterative_refinement_reltol": 1e-15, "iterative_refinement_abstol": 1e-15,
                 "max_iter": 500},
    "SCS": {"max_iters": 1_000_000},
}


def tolerance_options(solver: str, tol: float) -> Dict[str, Any]:
    """The solver settings the lab uses for tolerance ``tol``.

    Parameters
    ----------
    solver : {"CLARABEL", "SCS", "CVXOPT", "SDPA"}
        Case-insensitive.
    tol : float
        Requested accuracy, ``0 < tol < 1``.

    Returns
    -------
    dict
        From the solver's adapter (``ADAPTERS[solver].tolerance_options``):
        ``{"tol_gap_abs": tol, "tol_gap_rel": tol, "tol_feas": tol}`` for CLARABEL,
        ``{"eps_abs": tol, "eps_rel": tol}`` plus the package default ``max_iters`` for
        SCS, ``{"abstol": tol, "reltol": tol, "feastol": tol}`` for CVXOPT,
        ``{"epsilonStar": tol, "epsilonDash": tol}`` for SDPA.
    """
    solver = check_choice(solver, "solver", LAB_SOLVERS, upper=True)
    tol = _check_tol(tol, "tol")
    return ADAPTERS[solver].tolerance_options(tol)


def tolerance_keys(solver: str) -> Tuple[str, ...]:
    """The settings of ``solver`` that :func:`tolerance_options` governs."""
    return ADAPTERS[solver].TOLERANCE_KEYS


def time_limit_key(solver: str) -> Optional[str]:
    """The setting bounding a solve's seconds (None for CVXOPT and SDPA, which have none)."""
    return ADAPTERS[solver].TIME_LIMIT_KEY


def _check_tol(tol: Any, name: str) -> float:
    return check_tolerance(tol, name)


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
            if s in OPTIONAL_SOLVERS:
                raise ValueError(f"{name}: {not_installed(s)}")
            raise ValueError(f"{name}: solver {s!r} is not installed; "
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
        clash = sorted(set(opts) & set(tolerance_keys(key)))
        if clash:
            raise ValueError(f"solver_options[{key!r}] must not set {clash}: the tolerance "
                             "settings come from `tolerances` (see tolerance_options)")
        out[key] = dict(opts)
    return out
