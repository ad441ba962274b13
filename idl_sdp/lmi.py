r"""The matrix inequalities of the two subproblems, in numpy and as cvxpy constraints.

With :math:`\Lambda = \mathrm{diag}(\lambda)` the X-step is convex iff (eq 6)

.. math:: M = A^TA + \Lambda - \Lambda D - D^T\Lambda \succeq 0 .

Eq 6 is **not** jointly convex in (A, D) (h = p = 1, λ = 1: (a, d) = (±1, 0.9) give
M = 0.2 but their midpoint (0, 0.9) gives M = −0.8), so the Θ-step imposes one of three
convex sufficient conditions, each with a margin δ:

``"linearized"`` (default)
    :math:`\Lambda - \Lambda D - D^T\Lambda + A_k^TA + A^TA_k - A_k^TA_k \succeq \delta I`,
    where A_k is the current A. Since :math:`(A-A_k)^T(A-A_k) \succeq 0` the left side is
    :math:`\preceq M`, so it implies M ⪰ δI; it is tight at A = A_k.
``"eq5"``
    :math:`\Lambda - \Lambda D - D^T\Lambda \succeq \delta I` (D alone); M ⪰ it since AᵀA ⪰ 0.
``"schur"``
    :math:`\begin{bmatrix} I_p & A \\ A^T & \Lambda - \Lambda D - D^T\Lambda - \delta I\end{bmatrix}
    \succeq 0`, equivalent by the Schur complement to Λ − ΛD − DᵀΛ − δI ⪰ AᵀA. The source
    prints this block with the opposite sign, which is infeasible (it needs −I_p ⪰ 0).

and well-posedness :math:`\|D\|_2 \le 1-\varepsilon \iff
\begin{bmatrix}(1-\varepsilon)I & D\\ D^T & (1-\varepsilon)I\end{bmatrix} \succeq 0`.
"""
from __future__ import annotations

from typing import List, Optional

import cvxpy as cp
import numpy as np

from ._validation import as_matrix, check_finite_result, check_lam

__all__ = [
    "LMI_CHOICES",
    "default_margin",
    "convexity_matrix",
    "lmi_matrix",
    "norm_matrix",
    "seed_schur_matrix",
    "lmi_constraints",
    "norm_constraint",
    "lmi_increment",
    "norm_increment",
    "increment_generators",
]

LMI_CHOICES = ("linearized", "eq5", "schur")

#: Margin of the norm block: [[(1−ε)I, D], [Dᵀ, (1−ε)I]] ⪰ NORM_MARGIN·I, so that a
#: solver's feasibility tolerance (≤ 1e-8 relative) still leaves ‖D‖₂ ≤ 1 − ε exactly.
NORM_MARGIN = 1e-7


#: δ(λ) = MARGIN_SCALE · max(1, max λ): see :func:`default_margin`.
MARGIN_SCALE = 1e-6


def default_margin(lam: np.ndarray) -> float:
    """δ = 1e-6 · max(1, max λ): the margin every LMI is imposed with.

    Large enough that a solver's feasibility tolerance (≤ 1e-7 with our default
    settings) cannot hand the next X-step an indefinite M, small enough not to
    bias the fit.
    """
    return MARGIN_SCALE * max(1.0, float(np.max(lam, initial=0.0)))


def _sym(S):
    return 0.5 * (S + S.T)


def convexity_matrix(A: np.ndarray, D: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """M = AᵀA + Λ − ΛD − DᵀΛ (eq 6); the X-step is convex iff M ⪰ 0.

    ``A`` is (p, h), ``D`` (h, h) and ``lam`` a float or length-h vector, λ ≥ 0
    (λ = 0 is allowed here: M = AᵀA − 0 is still well defined). Raises ``TypeError``
    or ``ValueError`` naming the argument for anything else (complex, 1-D, NaN, ...).
    """
    D = as_matrix(D, "D")
    if D.shape[0] != D.shape[1]:
        raise ValueError(f"D must be square (h, h), got shape {D.shape}")
    A = as_matrix(A, "A", shape=(None, D.shape[0]))
    lam = check_lam(lam, D.shape[0])
    with np.errstate(over="ignore", invalid="ignore"):
        LD = lam[:, None] * D
        M = _sym(A.T @ A + np.diag(lam) - LD - LD.T)
    check_finite_result(M, "M = AᵀA + Λ − ΛD − DᵀΛ", "A, D and lam")
    return M


def lmi_matrix(
    kind: str, A: np.ndarray, D: np.ndarray, lam: np.ndarray,
    A_ref: Optional[np.ndarray] = None, margin: float = 0.0,
) -> np.ndarray:
    """The matrix that the ``kind`` LMI requires to be PSD, evaluated in numpy."""
    lam = np.asarray(lam, dtype=float)
    h = D.shape[0]
    LD = lam[:, None] * D
    core = np.diag(lam) - LD - LD.T - margin * np.eye(h)
    if kind == "eq5":
        return _sym(core)
    if kind == "linearized":
        Ak = A if A_ref is None else A_ref
        return _sym(core + Ak.T @ A + A.T @ Ak - Ak.T @ Ak)
    if kind == "schur":
        p = A.shape[0]
        return _sym(np.block([[np.eye(p), A], [A.T, core]]))
    raise ValueError(f"lmi must be one of {LMI_CHOICES}, got {kind!r}")


def norm_matrix(D: np.ndarray, eps: float) -> np.ndarray:
    """[[(1−ε)I, D], [Dᵀ, (1−ε)I]], PSD iff ‖D‖₂ ≤ 1 − ε."""
    h = D.shape[0]
    t = (1.0 - eps) * np.eye(h)
    return np.block([[t, D], [D.T, t]])


def seed_schur_matrix(A: np.ndarray, D: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """The Schur form exactly as the source prints it: −[[I_p, A], [Aᵀ, ΛD + DᵀΛ − Λ]].

    It is never PSD (its top-left block is −I_p); kept to demonstrate the sign error.
    """
    lam = np.asarray(lam, dtype=float)
    LD = lam[:, None] * D
    p = A.shape[0]
    return -np.block([[np.eye(p), A], [A.T, LD + LD.T - np.diag(lam)]])


def norm_constraint(D: cp.Expression, eps: float, margin: float = NORM_MARGIN) -> cp.Constraint:
    """‖D‖₂ ≤ 1 − ε − margin as a PSD constraint of size 2h (implies ‖D‖₂ ≤ 1 − ε)."""
    h = D.shape[0]
    t = (1.0 - eps) * np.eye(h)
    return cp.bmat([[t, D], [D.T, t]]) >> margin * np.eye(2 * h)


def lmi_constraints(
    kind: str, A: cp.Expression, D: cp.Expression, lam: np.ndarray, margin: float,
    A_ref: Optional[cp.Parameter] = None, AtA_ref: Optional[cp.Parameter] = None,
) -> List[cp.Constraint]:
    """The chosen LMI as DPP cvxpy constraints (λ and δ are constants).

    For ``"linearized"`` pass ``A_ref`` (a Parameter holding A_k) and ``AtA_ref``
    (a Parameter holding A_kᵀA_k, formed in numpy: a product of two parameters
    is not DPP).
    """
    h = D.shape[0]
    Lam = np.diag(lam)
    core = Lam - Lam @ D - D.T @ Lam - margin * np.eye(h)
    if kind == "eq5":
        return [_sym(core) >> 0]
    if kind == "linearized":
        if A_ref is None or AtA_ref is None:
            raise ValueError("the linearized LMI needs A_ref and AtA_ref parameters")
        S = core + A_ref.T @ A + A.T @ A_ref - AtA_ref
        return [_sym(S) >> 0]
    if kind == "schur":
        p = A.shape[0]
        return [_sym(cp.bmat([[np.eye(p), A], [A.T, core]])) >> 0]
    raise ValueError(f"lmi must be one of {LMI_CHOICES}, got {kind!r}")


def lmi_increment(kind: str, dA: cp.Expression, dD: cp.Expression, lam: np.ndarray,
                  A_ref: Optional[cp.Parameter] = None) -> cp.Expression:
    """The change of the ``kind`` LMI matrix when (A, D) moves by (dA, dD).

    Every LMI of :func:`lmi_matrix` is affine in (A, D), so
    ``lmi_matrix(A + dA, D + dD) = lmi_matrix(A, D) + lmi_increment(dA, dD)``; a problem
    written in the step (dA, dD) imposes ``C0 + lmi_increment(dA, dD) ⪰ 0`` with the
    numpy matrix C0 = ``lmi_matrix(kind, A, D, ...)`` as a parameter (this keeps the
    product A_refᵀA of two parameters out of the DPP problem).
    """
    Lam = np.diag(lam)
    core = -(Lam @ dD) - dD.T @ Lam
    if kind == "eq5":
        return core
    if kind == "linearized":
        if A_ref is None:
            raise ValueError("the linearized LMI needs an A_ref parameter")
        return core + A_ref.T @ dA + dA.T @ A_ref
    if kind == "schur":
        p, h = dA.shape
        return cp.bmat([[np.zeros((p, p)), dA], [dA.T, core]])
    raise ValueError(f"lmi must be one of {LMI_CHOICES}, got {kind!r}")


def norm_increment(dD: cp.Expression) -> cp.Expression:
    """The change of :func:`norm_matrix` when D moves by dD: [[0, dD], [dDᵀ, 0]]."""
    h = dD.shape[0]
    Z = np.zeros((h, h))
    return cp.bmat([[Z, dD], [dD.T, Z]])


def increment_generators(kind: str, p: int, h: int, lam: np.ndarray,
                         A_ref: Optional[np.ndarray] = None):
    r"""The increments of the LMI and norm matrices as sums of rank-two generators.

    With x = [vec(ΔA); vec(ΔD)] (row-major, p·h + h² entries), every LMI of
    :func:`lmi_increment` and the norm block of :func:`norm_increment` are
    Σ_k x_k (a_k e_{i_k}ᵀ + e_{i_k} a_kᵀ): moving one entry of A or D moves one row and
    one column of the matrix. (For the linearized LMI, ΔA_ij moves row and column j by
    the i-th row of A_ref; ΔD_ij moves entry (i, j) by −λ_i.)

    Returns
    -------
    list of (start, Pa, bi)
        One per block, LMI first, then the norm block: the block acts on
        x[start:start + Pa.shape[1]], with a_k the columns of ``Pa`` and i_k = ``bi``.
        For ``"eq5"`` the LMI acts on the D entries only (start = p·h).
    """
    lam = np.asarray(lam, dtype=float)
    jh = np.tile(np.arange(h), h)                 # j of D_ij for k = i·h + j
    if kind == "linearized":
        if A_ref is None:
            raise ValueError("the linearized LMI needs A_ref")
        Pa = np.hstack([np.repeat(np.asarray(A_ref, float), h, axis=0).T,
                        np.repeat(-np.diag(lam), h, axis=1)])
        lmi = (0, Pa, np.r_[np.tile(np.arange(h), p), jh])
    elif kind == "eq5":
        lmi = (p * h, np.repeat(-np.diag(lam), h, axis=1), jh)
    elif kind == "schur":
        n = p + h
        I = np.eye(n)
        Pa = np.hstack([np.repeat(I[:, :p], h, axis=1),
                        np.repeat(-I[:, p:] * lam, h, axis=1)])
        lmi = (0, Pa, p + np.r_[np.tile(np.arange(h), p), jh])
    else:
        raise ValueError(f"lmi must be one of {LMI_CHOICES}, got {kind!r}")
    norm = (p * h, np.repeat(np.eye(2 * h)[:, :h], h, axis=1), h + jh)
    return [lmi, norm]

