"""Result containers of the relaxations (plain dataclasses)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

import numpy as np

__all__ = ["MaxCutResult", "DualBound", "KMeansResult", "BasisPursuitResult"]


@dataclass
class DualBound:
    """A dual upper bound on the max-cut SDP value.

    For any ``ν ∈ Rⁿ`` and any ``ℓ ≤ λ_min(diag ν − ¼L)``, weak duality gives, for every
    feasible ``X`` (``diag X = 1``, ``X ⪰ 0``)::

        ¼⟨L, X⟩ = Σν − ⟨diag ν − ¼L, X⟩ ≤ Σν − ℓ·tr X = Σν − n·ℓ.

    Attributes
    ----------
    upper_bound : float
        ``Σν − n·ℓ``, rounded upwards.
    nu : ndarray
        The vector ν used.
    lambda_min : float
        The eigensolver's estimate of ``λ_min(diag ν − ¼L)``.
    lambda_lower : float
        ``ℓ``: a lower bound on ``λ_min`` (rigorous when ``certified``).
    certified : bool
        True when ``ℓ ≤ λ_min`` was proved (a floating-point Cholesky or sparse LDLᵀ of
        the shifted matrix with a rounding-error bound, see :func:`maxcut_certificate`).
        False: nothing was proved, and then ``upper_bound`` is +inf.
    seconds : float
    estimate : float
        ``Σν − n(θ − ‖r‖)`` from the Lanczos estimate (large ``n`` only; NaN otherwise).
        Not a bound: θ − ‖r‖ bounds the distance to *some* eigenvalue, not λ_min.
    """

    upper_bound: float
    nu: np.ndarray
    lambda_min: float
    lambda_lower: float
    certified: bool
    seconds: float = 0.0
    estimate: float = float("nan")


@dataclass
class MaxCutResult:
    """Result of :func:`idl_sdp.relax.maxcut`.

    Attributes
    ----------
    method : str
    value : float
        ``¼⟨L, VVᵀ⟩`` of the row-normalised factor (a feasible point of the SDP, hence a
        lower bound on the SDP value), or ``¼⟨L, X⟩`` for ``method="sdp"``.
    upper_bound : float
        A dual upper bound on the SDP value (see :class:`DualBound`); ``nan`` when
        ``certify=False``.
    gap, relative_gap : float
        ``upper_bound − value`` and ``gap / |value|``.
    cut : ndarray of int
        The best ±1 vector among the Goemans–Williamson roundings, improved by
        single-vertex flips to a 1-flip local optimum (``local_search=True``, default).
    cut_value : float
        Its weight ``¼ cutᵀ L cut`` (the weight of the edges across the cut).
    rounded_value : float
        The weight of the best rounding before the local search.
    V : ndarray
        The factor (rows on the unit sphere); for ``"sdp"`` a factor of ``X``.
    X : ndarray or None
        The SDP solution (``method="sdp"`` only).
    certificate : DualBound or None
    history : dict of lists
        Per iteration of the solver (keys depend on the method; always ``time``).
    seconds : float
        Total wall-clock time (solve, certificate and rounding).
    solve_seconds : float
        Time of the solve alone.
    infeasibility : float
        ``‖diag(VVᵀ) − 1‖₂`` of the solver's raw iterate before row normalisation
        (0 for the manifold method; ``‖diag X − 1‖₂`` for the SDP).
    converged : bool
    message : str
    """

    method: str
    value: float
    upper_bound: float
    cut: np.ndarray
    cut_value: float
    V: np.ndarray
    history: Dict[str, List[float]] = field(default_factory=dict)
    seconds: float = 0.0
    solve_seconds: float = 0.0
    certificate: Optional[DualBound] = None
    X: Optional[np.ndarray] = None
    infeasibility: float = 0.0
    converged: bool = True
    message: str = ""
    rounded_value: float = float("nan")

    @property
    def gap(self) -> float:
        return self.upper_bound - self.value

    @property
    def relative_gap(self) -> float:
        return self.gap / max(abs(self.value), 1e-300)


@dataclass
class KMeansResult:
    """Result of :func:`idl_sdp.relax.kmeans_sdp`.

    Attributes
    ----------
    method : str
    assignment : ndarray of int
        Cluster index in ``0..k-1`` of every point (rounded from ``Z``).
    Z : ndarray
        The (approximate) SDP matrix; ``VVᵀ`` for the factored methods.
    V : ndarray or None
        The nonnegative factor (factored methods).
    sdp_objective : float
        ``⟨D, Z⟩`` (D the squared-distance matrix).
    kmeans_cost : float
        The k-means cost ``Σ_i ‖x_i − μ_{c(i)}‖²`` of ``assignment``.
    lower_bound : float
        ``½·(optimal SDP value)`` — a lower bound on the k-means cost of every partition
        into ``k`` clusters (up to the solver's tolerance) — for ``method="sdp"``;
        ``nan`` otherwise (the factored problems give no bound).
    misclassification : float
        Fraction of points misassigned under the best matching of clusters to the given
        labels (``nan`` when no labels were given).
    infeasibility : float
        ``‖Z1 − 1‖₂`` (plus ``|tr Z − k|``) of the returned ``Z``.
    history : dict of lists
    seconds : float
    converged : bool
    message : str
    """

    method: str
    assignment: np.ndarray
    Z: np.ndarray
    sdp_objective: float
    kmeans_cost: float
    lower_bound: float = float("nan")
    misclassification: float = float("nan")
    V: Optional[np.ndarray] = None
    infeasibility: float = 0.0
    history: Dict[str, List[float]] = field(default_factory=dict)
    seconds: float = 0.0
    converged: bool = True
    message: str = ""


@dataclass
class BasisPursuitResult:
    """Result of :func:`idl_sdp.relax.basis_pursuit`.

    Attributes
    ----------
    method : str
    z : ndarray
        The solution estimate.
    objective : float
        ``‖z‖₁``.
    residual : float
        ``‖Bz − b‖₂``.
    history : dict of lists
        Per iteration (``time`` always; ``feasibility`` and ``objective`` for the
        iterative methods).
    seconds : float
    converged : bool
    message : str
    """

    method: str
    z: np.ndarray
    objective: float
    residual: float
    history: Dict[str, List[float]] = field(default_factory=dict)
    seconds: float = 0.0
    converged: bool = True
    message: str = ""
    extra: Dict[str, Any] = field(default_factory=dict)
