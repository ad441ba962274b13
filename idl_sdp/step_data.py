r"""The numpy data of the two subproblems, built by pure functions of (Θ, X, U, Y, λ).

Both cvxpy steps copy these arrays into their ``cp.Parameter`` objects, and the fast
paths of :mod:`idl_sdp.fast` take the same arrays directly, so the two never read
each other's state. The functions here do not validate their arguments: the public
entry points (:class:`~idl_sdp.HiddenStep`, :class:`~idl_sdp.ParameterStep`,
:func:`~idl_sdp.fit`) check them once.

X-step data (Θ fixed), see :mod:`idl_sdp.hidden_step`:

.. math::
   M = A^TA + \Lambda - \Lambda D - D^T\Lambda = L^TL,\quad
   G = A^T(BU + c1^T - Y) - \Lambda(EU + f1^T),\quad
   D_s = \mathrm{diag}(\sqrt\lambda) D,\quad W = \mathrm{diag}(\sqrt\lambda)(EU + f1^T).

G and W are small matrices times constant data, G = G_x Ψ and W = W_x Ψ_u with
Ψ = [U; Y; 1ᵀ], Ψ_u = [U; 1ᵀ] and

.. math::
   G_x = [A^TB - \Lambda E,\ -A^T,\ A^Tc - \Lambda f]\ (h \times (n+p+1)),\quad
   W_x = \mathrm{diag}(\sqrt\lambda)[E,\ f]\ (h \times (n+1));

the cvxpy X-step holds only L, G_x, D_s, W_x and the constant in its parameters, the
fast path takes M, D_s, G and W.

Θ-step data (X fixed), see :mod:`idl_sdp.parameter_step`: Φ = [X; U; 1ᵀ] (q × m),
its Gram matrix K = ΦΦᵀ, YΦᵀ, (ΛX)Φᵀ and the constant ½(‖Y‖² + Σ_j λ_j‖x_j‖²)/m.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .lmi import convexity_matrix

__all__ = [
    "NotConvexError", "psd_factor", "HiddenData", "hidden_step_data", "ThetaData",
    "theta_step_data", "gram_factor", "sym_factor",
]


class NotConvexError(ValueError):
    """M = AᵀA + Λ − ΛD − DᵀΛ is not PSD, so the X-step is not a convex problem."""


def psd_factor(M: np.ndarray, tol: float, name: str = "M") -> tuple:
    """L with LᵀL = M for symmetric PSD M, and λ_min(M).

    Eigenvalues in [−tol·max(1, ‖M‖₂), 0) are rounding noise and are set to 0; a
    more negative eigenvalue raises :class:`NotConvexError`.
    """
    w, Q = np.linalg.eigh(0.5 * (M + M.T))
    lam_min = float(w[0])
    scale = max(1.0, float(np.max(np.abs(w))))
    if lam_min < -tol * scale:
        raise NotConvexError(
            f"{name} is not positive semidefinite: λ_min({name}) = {lam_min:.3e} < "
            f"-{tol:.1e}·{scale:.3g}; the X-step would not be convex"
        )
    return np.sqrt(np.maximum(w, 0.0))[:, None] * Q.T, lam_min


def sym_factor(S: np.ndarray) -> np.ndarray:
    """F with FᵀF = S for a symmetric PSD S or a stack (…, k, k) of them.

    From an eigendecomposition of the symmetrised S, negative eigenvalues (rounding
    noise of a PSD matrix) clipped to 0; S may be singular. No check: see
    :func:`psd_factor` for the checked version.
    """
    w, Q = np.linalg.eigh(0.5 * (S + np.swapaxes(S, -1, -2)))
    return np.sqrt(np.maximum(w, 0.0))[..., :, None] * np.swapaxes(Q, -1, -2)


def gram_factor(Phi: np.ndarray) -> np.ndarray:
    """A factor L with L Lᵀ = Φ Φᵀ (from an eigendecomposition; Φ may be rank deficient)."""
    return sym_factor(Phi @ Phi.T).T


@dataclass(frozen=True)
class HiddenData:
    """The arrays of the X-step for one Θ (see the module docstring)."""

    M: np.ndarray
    L: np.ndarray
    lambda_min_M: float
    G: np.ndarray
    Ds: np.ndarray
    W: np.ndarray
    const: float
    #: (h, n+p+1) with G = Gx @ [U; Y; 1ᵀ] (see the module docstring).
    Gx: np.ndarray
    #: (h, n+1) with W = Wx @ [U; 1ᵀ].
    Wx: np.ndarray


def hidden_step_data(A, B, c, D, E, f, U, Y, lam, psd_tol: float = 1e-9) -> HiddenData:
    """Build :class:`HiddenData` from the model arrays; raise NotConvexError if M ⋡ 0."""
    m = U.shape[1]
    M = convexity_matrix(A, D, lam)
    L, lam_min = psd_factor(M, psd_tol)
    R = B @ U + c[:, None] - Y
    W0 = E @ U + f[:, None]
    sq = np.sqrt(lam)
    Gx = np.hstack([A.T @ B - lam[:, None] * E, -A.T, (A.T @ c - lam * f)[:, None]])
    return HiddenData(
        M=M, L=L, lambda_min_M=lam_min, G=A.T @ R - lam[:, None] * W0,
        Ds=sq[:, None] * D, W=sq[:, None] * W0, const=0.5 * float(np.sum(R * R)) / m,
        Gx=Gx, Wx=sq[:, None] * np.hstack([E, f[:, None]]),
    )


@dataclass(frozen=True)
class ThetaData:
    """The arrays of the Θ-step for one X (see the module docstring).

    Attributes
    ----------
    Phi : ndarray (q, m)
        [X; U; 1ᵀ].
    K : ndarray (q, q)
        ΦΦᵀ.
    YPhiT : ndarray (p, q)
    LamXPhiT : ndarray (h, q)
        (ΛX)Φᵀ.
    const : float
        ½(‖Y‖² + Σ_j λ_j‖x_j‖²)/m, the part of J that does not depend on Θ.
    X, Y, lam : ndarray
        The hidden states, targets and multipliers the data were built from.
    """

    Phi: np.ndarray
    K: np.ndarray
    YPhiT: np.ndarray
    LamXPhiT: np.ndarray
    const: float
    X: np.ndarray
    Y: np.ndarray
    lam: np.ndarray

    @property
    def m(self) -> int:
        return self.Phi.shape[1]

    @property
    def h(self) -> int:
        return self.X.shape[0]


def theta_step_data(X: np.ndarray, U: np.ndarray, Y: np.ndarray, lam: np.ndarray) -> ThetaData:
    """Build :class:`ThetaData` (X ≥ 0 of shape (h, m), U (n, m), Y (p, m), λ (h,))."""
    m = U.shape[1]
    Phi = np.vstack([X, U, np.ones((1, m))])
    K = Phi @ Phi.T
    const = 0.5 * (float(np.sum(Y**2)) + float(lam @ np.sum(X**2, axis=1))) / m
    return ThetaData(Phi=Phi, K=0.5 * (K + K.T), YPhiT=Y @ Phi.T,
                     LamXPhiT=(lam[:, None] * X) @ Phi.T, const=const, X=X, Y=Y, lam=lam)
