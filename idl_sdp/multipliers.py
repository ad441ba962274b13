r"""Dual ascent on λ that keeps the next X-step convex: a small SDP in λ.

The ascent direction is the mean divergence per hidden unit,
Δ_j = (1/m) Σ_k F(X_jk, Z_jk) ≥ 0, and the plain step is λ + ρΔ. Once the linearized
LMI is tight (it ends so: λ_min(M) sits at its margin), that step makes
M(λ) = AᵀA + Λ − ΛD − DᵀΛ indefinite, and so does every positive multiple of it: a
line search along Δ returns t ≈ 0 (measured: λ_min(M) went from 1e-6 at t = 0 to
−1.8e-5 at t = 1e-3, and λ moved by at most 1.5 % over 17 fits).

M is *linear* in λ for fixed (A, D), so the best update that keeps M ⪰ δ(λ)I is itself
a convex problem: the projection of the ascent target onto the set where the next
X-step stays convex,

.. math::
   \lambda^+ = \arg\min_\lambda \|\lambda - (\lambda_k + \rho\Delta)\|^2 \quad
   \text{s.t.}\quad M(\lambda) \succeq s I,\ s \ge \delta(\lambda),\
   \lambda \ge \lambda_k,

with δ(λ) = 1e-6·max(1, max λ) (:func:`idl_sdp.lmi.default_margin`, the margin the
next Θ-step imposes; ``s ≥ 1e-6, s ≥ 1e-6 λ_j`` is its epigraph). λ never decreases
(an ascent step), but each unit rises as far as the others let it, instead of all
along one ray. It is solved with margin 2δ and checked with δ, so that the solver's
feasibility tolerance cannot break the check.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, Tuple, Union

import cvxpy as cp
import numpy as np

from ._solvers import SolverError, solve_problem
from ._validation import check_bool
from .fenchel import fenchel_divergence
from .lmi import MARGIN_SCALE, convexity_matrix, default_margin
from .model import ImplicitModel

__all__ = ["dual_update", "divergence_direction"]


def divergence_direction(model: ImplicitModel, X: np.ndarray, U: np.ndarray) -> np.ndarray:
    """Δ_j = (1/m) Σ_k F(X_jk, Z_jk), Z = DX + EU + f1ᵀ: the gradient of J in λ."""
    Z = model.D @ X + model.E @ U + model.f[:, None]
    return fenchel_divergence(X, Z).mean(axis=1)


def _margin(margin, lam):
    return margin(lam) if callable(margin) else float(margin)


def dual_update(
    model: ImplicitModel, X: np.ndarray, U: np.ndarray, lam: np.ndarray, rho: float,
    margin: Union[float, Callable[[np.ndarray], float]] = default_margin,
    return_info: bool = False,
) -> Union[np.ndarray, Tuple[np.ndarray, Dict[str, Any]]]:
    """λ⁺: the ascent target λ + ρΔ projected onto {λ' ≥ λ : M(λ') ⪰ δ(λ')I} (an SDP).

    Parameters
    ----------
    model : ImplicitModel
        Supplies (A, D), which M(λ) depends on.
    X, U : ndarray
        Hidden states and inputs (for Δ).
    lam : ndarray (h,)
        Current multipliers λ_k.
    rho : float
        Step ρ ≥ 0.
    margin : float or :func:`idl_sdp.lmi.default_margin`
        δ: a number, or the default margin function of λ (the next Θ-step's).
    return_info : bool
        Also return ``{"target_gap", "lambda_min_M", "margin", "status"}``.

    Returns
    -------
    ndarray (h,) (and the info dict)
        λ⁺, with λ_min(M(λ⁺)) ≥ δ(λ⁺) checked in floating point. If the SDP cannot be
        solved or its point fails the check, λ_k is returned unchanged (status says so).
    """
    return_info = check_bool(return_info, "return_info")
    lam = np.asarray(lam, dtype=float)
    delta_dir = rho * divergence_direction(model, X, U)
    target = lam + delta_dir
    A, D = model.A, model.D

    def feasible(cand):
        need = _margin(margin, cand)
        lmin = float(np.linalg.eigvalsh(convexity_matrix(A, D, cand))[0])
        return lmin >= need, lmin, need

    ok, lmin, need = feasible(target)
    status = "full step"
    new = target
    if not ok:
        new, status = _project(A, D, lam, target, margin)
        ok, lmin, need = feasible(new)
        if not ok:
            new, status = lam, f"kept (projection failed the check: {status})"
            _, lmin, need = feasible(lam)
    if not return_info:
        return new
    return new, {"status": status, "target_gap": float(np.linalg.norm(new - target)),
                 "lambda_min_M": lmin, "margin": need}


def _project(A, D, lam, target, margin):
    h = lam.size
    v = cp.Variable(h, name="lam")
    s = cp.Variable(name="s")
    Lam = cp.diag(v)
    AtA = A.T @ A
    M = AtA + Lam - Lam @ D - D.T @ Lam
    cons = [0.5 * (M + M.T) >> s * np.eye(h), v >= lam]
    if margin is default_margin:
        # δ(λ) = MARGIN_SCALE·max(1, max λ), imposed twice over (checked at once over).
        cons += [s >= 2 * MARGIN_SCALE, s >= 2 * MARGIN_SCALE * v]
    else:
        cons += [s >= 2 * _margin(margin, target)]
    # Scale the objective so that the solver's tolerances are relative to λ's size.
    scale = max(1.0, float(np.max(np.abs(target))))
    prob = cp.Problem(cp.Minimize(cp.sum_squares((v - target) / scale)), cons)
    try:
        solve_problem(prob, "CLARABEL", "dual update")
    except SolverError as exc:
        return lam, f"status {exc.status}"
    return np.maximum(np.asarray(v.value, dtype=float), lam), "projected"
