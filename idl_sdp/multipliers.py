r"""Dual ascent on λ that keeps the next X-step convex.

The ascent direction is the mean divergence per hidden unit,
Δ_j = (1/m) Σ_k F(X_jk, Z_jk) ≥ 0. Since M(λ) = AᵀA + Λ − ΛD − DᵀΛ is *linear* in λ for
fixed (A, D), the largest step t ∈ [0, 1] with M(λ + tρΔ) ⪰ δI is found by bisection on
λ_min; a naive full step can make M indefinite once the linearized LMI is tight.
"""
from __future__ import annotations

import numpy as np

from typing import Callable, Union

from .fenchel import fenchel_divergence
from .lmi import convexity_matrix
from .model import ImplicitModel

__all__ = ["dual_update"]


def dual_update(
    model: ImplicitModel, X: np.ndarray, U: np.ndarray, lam: np.ndarray, rho: float,
    margin: Union[float, Callable[[np.ndarray], float]], bisections: int = 40,
) -> np.ndarray:
    """λ + t·ρ·Δ with the largest t ∈ [0, 1] keeping λ_min(M(λ + tρΔ)) ≥ margin.

    ``margin`` is a number or a function of the candidate λ (e.g.
    :func:`idl_sdp.lmi.default_margin`, the margin the next Θ-step imposes).
    Returns λ unchanged (t = 0) when no positive step is found.
    """
    Z = model.D @ X + model.E @ U + model.f[:, None]
    delta = rho * fenchel_divergence(X, Z).mean(axis=1)

    def ok(t: float) -> bool:
        cand = lam + t * delta
        need = margin(cand) if callable(margin) else margin
        return float(np.linalg.eigvalsh(convexity_matrix(model.A, model.D, cand))[0]) >= need

    if ok(1.0):
        return lam + delta
    lo, hi = 0.0, 1.0
    for _ in range(bisections):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if ok(mid) else (lo, mid)
    return lam + lo * delta
