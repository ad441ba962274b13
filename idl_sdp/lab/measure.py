"""Measuring a point: the problem behind a step, rigorous LMI margins, KKT residuals.

:func:`measure_point` reads one raw solver result — through the solver's adapter
(:data:`idl_sdp.conic.adapters.ADAPTERS`) — into a row of a
:class:`~idl_sdp.lab.ComparisonTable`.
"""
from __future__ import annotations

import warnings
from fractions import Fraction
from typing import Any, Dict, List, Mapping, Optional, Tuple

import cvxpy as cp
import numpy as np
import scipy.sparse as sp

from .._validation import as_finite_array, check_choice
from ..conic.adapters import ADAPTERS

__all__ = ["lmi_margins", "step_problem"]

_LMI_ORDER = {"certified": 0, "undecided": 1, "violated": 2}


# ------------------------------------------------------------------ problems
def _as_problem(problem_or_step: Any) -> cp.Problem:
    from ..hidden_step import HiddenStep
    from ..parameter_step import ParameterStep

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
    from ..hidden_step import HiddenStep
    from ..parameter_step import ParameterStep

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
    from ..certify import certify
    from ..certify.rational import ceil_float, floor_float

    S, err = _symmetric_part(M)
    cert = certify(S, method=method)
    margin = cert.margin
    upper = cert.info.get("lambda_min_upper")
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
    from ..certify import METHODS

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


def _unpack(solver: str, raw: Any) -> Dict[str, Any]:
    """A raw result as x, y, s, status (the solver's word), iterations: its adapter's.

    (cvxpy's CVXOPT and SDPA results carry cvxpy's status word and no point in the
    solver's data: their adapters read x, y, s as missing.)"""
    return ADAPTERS[solver].unpack(raw)


def _conic_residuals(data: Mapping[str, Any], parts: Mapping[str, Any]) -> Tuple[float, float, float]:
    """‖Ax + s − b‖∞, ‖Px + Aᵀy + c‖∞ and |xᵀPx + cᵀx + bᵀy| in the solver's own data."""
    nan3 = (float("nan"),) * 3
    try:
        x, y, s = parts.get("x"), parts.get("y"), parts.get("s")
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


# ------------------------------------------------------------------ one point
def measure_point(work: cp.Problem, compiled: Tuple[Any, Any, Any], solver: str, raw: Any,
                  row: Dict[str, Any], method: str) -> Optional[np.ndarray]:
    """Fill ``row`` from one raw solver result; return the stacked point (or None).

    Sets the solver's status and iterations (from its adapter), cvxpy's status (the
    result unpacked into ``work``), the conic KKT residuals, the objective, the primal
    residual and the rigorous LMI margins. A failure is recorded in the row.
    """
    data, chain, inverse = compiled
    try:
        parts = _unpack(solver, raw)
        row["solver_status"], row["iterations"] = parts["status"], parts["iterations"]
    except Exception:
        parts = {}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Solution may be inaccurate": it is the status
            work.unpack_results(raw, chain, inverse)
        row["status"] = work.status
    except cp.error.SolverError as exc:
        row.update(status=cp.SOLVER_ERROR, error=str(exc)[:300])
        return None
    except Exception as exc:
        row.update(status=cp.SOLVER_ERROR, error=f"{type(exc).__name__}: {exc}"[:300])
        return None
    (row["conic_primal_residual"], row["dual_residual"],
     row["duality_gap"]) = _conic_residuals(data, parts)
    x = _stack(work)
    if x is None or not np.all(np.isfinite(x)):
        return None
    if work.value is not None and np.isfinite(work.value):
        row["objective"] = float(work.value)
    row["primal_residual"] = _primal_residual(work)
    try:
        lmis = lmi_margins(work, method)
    except Exception as exc:  # e.g. a non-finite matrix entry: say so, keep the row
        row.update(lmi_status="undecided", error=f"LMI check failed: {exc}"[:300])
        return x
    row["lmi"] = lmis
    if lmis:
        row["lmi_margin"] = min(d["margin"] for d in lmis)
        row["lmi_status"] = max((d["status"] for d in lmis), key=_LMI_ORDER.__getitem__)
        row["lmi_certified"] = row["lmi_status"] == "certified"
        uppers = [d["upper"] for d in lmis if d["status"] == "violated"]
        if uppers:
            row["lmi_upper"] = min(uppers)
    return x


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
