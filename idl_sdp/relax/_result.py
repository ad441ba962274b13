"""Result containers of the relaxations (plain dataclasses).

Every ``history`` here is a list with one dict per iteration; ``history.column(key)``
gives the values of one key over the iterations (reading ``history[key]`` as a column
still works but is deprecated: it was a dict of lists).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Optional

import numpy as np

from .._repr import History, deprecated_alias, result_repr

__all__ = ["MaxCutResult", "DualBound", "KMeansResult", "BasisPursuitResult"]


class _IterationHistory:
    """What the iterative results share: ``history`` held as a :class:`History` (a
    list of per-iteration records) and ``n_iter`` = ``len(history)``."""

    history: "History"

    def __post_init__(self) -> None:
        self.history = _as_history(self.history)

    @property
    def n_iter(self) -> int:
        return len(self.history)


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

    def __repr__(self) -> str:
        return result_repr("DualBound", head=[("certified", self.certified)], fields=[
            ("upper_bound", self.upper_bound),
            ("lambda_min", self.lambda_min), ("lambda_lower", self.lambda_lower),
            ("estimate", self.estimate), ("nu", self.nu), ("seconds", self.seconds)])

    def to_json(self, path: Any, W: Any) -> None:
        """Write this bound as a certificate file (kind ``"maxcut-bound"``) about the
        graph ``W``, re-checked exactly by ``idl-sdp verify`` /
        :func:`idl_sdp.certify.verify` (see
        :func:`idl_sdp.relax.write_maxcut_certificate`; no cut is stored).

        Raises
        ------
        ValueError
            The bound is not certified, or ``W`` is not the graph of ``nu`` (size).
        """
        from ..certify.maxcut_cert import write_maxcut_certificate  # noqa: PLC0415
        write_maxcut_certificate(path, W, self)


@dataclass
class MaxCutResult(_IterationHistory):
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
    history : list of dict
        One dict per iteration of the solver (keys depend on the method; always
        ``time``, the seconds since the start of the solve); one record for ``"sdp"``.
    n_iter : int
        ``len(history)``: iterations of the solver (outer iterations for the AL methods).
    seconds : float
        Total wall-clock time (solve, certificate and rounding).
    solve_seconds : float
        Time of the solve alone.
    infeasibility : float
        ``‖diag(VVᵀ) − 1‖₂`` of the solver's raw iterate before row normalisation
        (0 for the manifold method; ``‖diag X − 1‖₂`` for the SDP).
    converged : bool
        Whether the solver's stopping rule was met (True for a solved ``"sdp"``).
    message : str
    """

    method: str
    value: float
    upper_bound: float
    cut: np.ndarray
    cut_value: float
    V: np.ndarray
    history: History = field(default_factory=History)
    seconds: float = 0.0
    solve_seconds: float = 0.0
    certificate: Optional[DualBound] = None
    X: Optional[np.ndarray] = None
    infeasibility: float = 0.0
    converged: bool = False
    message: str = ""
    rounded_value: float = float("nan")

    @property
    def gap(self) -> float:
        return self.upper_bound - self.value

    def to_json(self, path: Any, W: Any, *, cut: bool = True) -> None:
        """Write the certified upper bound (and, with ``cut``, the cut) as a certificate
        file that ``idl-sdp verify`` / :func:`idl_sdp.certify.verify` re-checks in exact
        arithmetic; ``W`` is the weight matrix passed to :func:`~idl_sdp.relax.maxcut`.
        See :func:`idl_sdp.relax.write_maxcut_certificate`.

        Raises
        ------
        ValueError
            No certificate (``certify=False``), not certified (``upper_bound`` inf), or
            ``W`` of another size than the result's.
        """
        from ..certify.maxcut_cert import write_maxcut_certificate  # noqa: PLC0415
        write_maxcut_certificate(path, W, self, cut=cut)

    @property
    def relative_gap(self) -> float:
        return self.gap / max(abs(self.value), 1e-300)

    def __repr__(self) -> str:
        return result_repr("MaxCutResult", head=[("method", self.method)], fields=[
            ("converged", self.converged), ("message", self.message),
            ("value", self.value), ("upper_bound", self.upper_bound),
            ("relative_gap", self.relative_gap), ("cut_value", self.cut_value),
            ("certified", None if self.certificate is None else self.certificate.certified),
            ("n_iter", self.n_iter), ("seconds", self.seconds), ("V", self.V),
            ("infeasibility", self.infeasibility)])


@dataclass
class KMeansResult(_IterationHistory):
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
    history : list of dict
        One dict per iteration (``time`` always); one record for ``"sdp"``.
    n_iter : int
        ``len(history)``.
    seconds : float
    converged : bool
        Whether the solver's stopping rule was met (True for a solved ``"sdp"``).
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
    history: History = field(default_factory=History)
    seconds: float = 0.0
    converged: bool = False
    message: str = ""

    def __repr__(self) -> str:
        return result_repr("KMeansResult", head=[("method", self.method)], fields=[
            ("converged", self.converged), ("message", self.message),
            ("kmeans_cost", self.kmeans_cost), ("lower_bound", self.lower_bound),
            ("sdp_objective", self.sdp_objective),
            ("misclassification", self.misclassification),
            ("infeasibility", self.infeasibility), ("n_iter", self.n_iter),
            ("seconds", self.seconds), ("assignment", self.assignment), ("Z", self.Z)])


@dataclass
class BasisPursuitResult(_IterationHistory):
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
    history : list of dict
        One dict per iteration (``time`` always; ``feasibility`` and ``objective`` for
        the iterative methods); one record for ``"lp"``.
    n_iter : int
        ``len(history)``.
    seconds : float
    converged : bool
        Whether the solver's stopping rule was met (True for a solved ``"lp"``).
    message : str
    info : dict
        Method-specific details (formerly ``extra``, still readable under that name).
    """

    method: str
    z: np.ndarray
    objective: float
    residual: float
    history: History = field(default_factory=History)
    seconds: float = 0.0
    converged: bool = False
    message: str = ""
    info: Dict[str, Any] = field(default_factory=dict)

    extra = deprecated_alias("info", "extra")

    def __repr__(self) -> str:
        return result_repr("BasisPursuitResult", head=[("method", self.method)], fields=[
            ("converged", self.converged), ("message", self.message),
            ("objective", self.objective), ("residual", self.residual),
            ("n_iter", self.n_iter), ("seconds", self.seconds), ("z", self.z),
            ("info", self.info)])


def _as_history(history: Any) -> History:
    """A :class:`History` from a list of records or (the solvers' internal layout) a
    dict of per-iteration lists."""
    if isinstance(history, History):
        return history
    if isinstance(history, dict):
        return History.from_columns(history)
    return History(history)
