r"""An exact Θ-step whose conic subproblems grow with neither m nor n.

The Θ-step minimises the convex function (Θ₁ = [A B c], Θ₂ = [D E f] with rows θ_j,
Φ = [X; U; 1ᵀ] with columns φ_k)

.. math::
   f(\Theta) = \tfrac{1}{2m}\|\Theta_1\Phi - Y\|_F^2
   + \tfrac1m\sum_j\lambda_j\sum_k\big(\tfrac12(\theta_j^T\varphi_k)_+^2
        - x_{jk}\,\theta_j^T\varphi_k + \tfrac12 x_{jk}^2\big) + \tfrac{reg}{2}R(\Theta)

over ‖D‖₂ ≤ 1 − ε and an LMI in (A, D). Only the ReLU² block touches every sample; on an
active set S_j = {k : θ_jᵀφ_k > 0} it is the quadratic θ_jᵀK_jθ_j with the Gram matrix
K_j = Σ_{k∈S_j} φ_kφ_kᵀ. One outer iteration:

1. **Model.** With S from the current point, eliminate the unconstrained blocks (B, c)
   and (E, f) in closed form (Schur complements of the q × q Hessians, pseudo-inverses
   where the data are rank deficient) and solve the *reduced* model SDP in (A, D) only
   (:class:`~idl_sdp.fast.theta_model.ReducedThetaSDP`: p·h + h² variables, whatever
   m and n are). Its minimiser, completed by the eliminated blocks, is Θ̂.
2. **Line search** on the reduced function F(A, D) = min over (B, c, E, f) of f (convex)
   along the segment from the current (A, D) to the model's (feasible: the set is
   convex), each trial point polished (item 3): the full step when it is the
   minimiser, else a safeguarded secant on F' (:func:`_segment_search`). A model whose
   step lowers f nowhere on the segment although it predicts a decrease misses the
   curvature of samples at the kink (z ≈ 0⁻, activated by any step): the next models
   count the samples with z > −τ as active (τ = 10⁻⁵·max|z|, ×100 while it repeats).
3. **Polish.** With (A, D) fixed the rest of Θ is unconstrained: (B, c) is a least-
   squares solution in closed form and each row of (E, f) minimises a convex piecewise
   quadratic, solved by a semismooth Newton method with the same exact line search
   (finite termination once the row's active set is identified). This is what makes
   the next active set S nearly right and the outer loop short.
4. **Stop** when the full model step was taken and the true gradient at the polished
   point equals the model's gradient at Θ̂ in the D block (the only block where they
   can differ; (A, B, c) enter f quadratically and (E, f) are polished): then the
   model SDP's KKT conditions, certified by the inner solver, are those of the true
   problem. ``kkt_residual`` is that difference M = ∇_D f − ∇_D q_S (its norm).
   Or stop *before* the next model SDP when it cannot pay: after a full step to the
   model's minimiser the next model is the last one plus ⟨M, D − D̂⟩ and a change of
   curvature, so it can lower f by at most ½ Σ_j m_jᵀ S_j⁺ m_j (S_j the next model's
   reduced Hessian of row j; :func:`_next_decrease_bound`). When that is at most
   tol·abs(f) the SDP would only confirm the point (measured on digits: it lowered f by
   1e-11–1e-13 relative), and it is skipped.

Why it converges: q_S agrees with f in value and gradient at the current point (ReLU²
is C¹; on the kink samples below the model is f itself), so Θ̂ − Θ is a descent
direction of f unless Θ is optimal; every step (line search, polish) decreases f;
and there are finitely many active sets. In practice 1–5 model SDPs suffice: the
polish leaves S exact for the current (A, D), so the model is wrong only on the
samples whose pre-activation changes sign when (A, D) moves.

Samples at the kink. The active-set model is wrong only on the samples whose
pre-activation changes sign along the step, and where the line search stops short
those are exactly the samples it stopped at. On the random instances with n = 2, eq5
and reg = 0 of ``benchmarks/bench_theta.py`` this happens for two reasons. (a) With
n = 2 the hidden states of the active samples almost lie in the span of (U, 1), so
after (E, f) is eliminated the row Hessians S_j are singular or close to it (up to 4
null directions per row at m = 50); the model is nearly flat there, its minimiser
lands on ‖D‖₂ = 1 − ε far from the current point, and the inactive samples this
activates stop the search at α = 0.07–0.56. (b) With the LMI active, samples leave S
a few at a time (6, 4, 4, 2, 2 in one row), so the full steps are 10–25 % too short.
Either way the same samples recur over the next models (up to 9 in one row over 6
short steps). So after every step shorter than :data:`KINK_STEP` (0.75) the samples
whose sign the model's full step changed join a *kink set* (at most max(h², 64) of
them, nearest to the kink first), and the next models keep their cost exact:
½w(z)₊² = min over s ≥ 0 of ½w(z + s)², one variable s ≥ 0 per kink sample, with the
row's (e_j, f_j) eliminated as before (:func:`_kink_rows`). The model is then still
a convex QP under the LMIs, now with bounds, which the dense interior-point method
solves directly (:mod:`idl_sdp.fast.lmi_qp`); a conic inner solver, or the fallback
from a failed dense solve, gets the plain model. On those two instances this takes
the model SDPs from 12 and 9 to 4 and 5 (``info["kink_samples"]``). Tried before and
reverted, because none was faster and some did not converge in 30: curvature
½(z − z₀)² with the exact gradient on the samples the last step activated; a proximal
term ρ_j‖Δd_j‖²; counting the kink samples as active after every short step; the same
exact kink model solved by Clarabel through a cvxpy problem built per model (4 and 3
model SDPs, but 1.3–2× slower than without it).

After a full step that does not end the loop, up to :data:`KINK_FULL_STEP` (32) of the
samples it flipped, and at most a sixteenth of the model's unknowns, join the kink set
too, nearest to the kink at the new point first: the next model is wrong only on the
samples its own step flips, and those that just crossed the kink are the likeliest
(20-round digits fit, rounds ≥ 2: one round in 19 needed a third model SDP before,
none does now; each model with kink rows costs more, see ``docs/performance.rst``).
The decrease bound of item 4 then uses the next model's quadratic part without its
kink samples, whose exact cost is convex (:func:`_curvature_without`).

Warm start across rounds needs no saved state: the first polish starts from Θ_k
(the previous Θ-step's optimum) and recomputes its active sets for the new X, so the
first model is the previous round's final model updated for the new X. (State
derived only from Θ_k and X keeps resumed fits bit-identical.)

The function takes arrays (:class:`~idl_sdp.step_data.ThetaData` and Θ) and never sees
a :class:`~idl_sdp.ParameterStep`; a :class:`ThetaWorkspace` holds the compiled model
SDPs between calls.
"""
from __future__ import annotations

import math
import time
from typing import Any, Dict, Optional, Tuple

import numpy as np
from threadpoolctl import threadpool_limits

from .._solvers import SolverError, check_solver
from .._validation import check_choice
from ..lmi import NORM_MARGIN, lmi_matrix
from ..step_data import ThetaData
from .theta_model import KinkRow, ReducedThetaSDP

__all__ = ["ThetaWorkspace", "solve_theta_fast", "exact_line_search"]

#: The norm block is left out of the model SDP while ‖D‖₂ ≤ 1 − ε − NORM_SKIP (and put
#: back as soon as a model solution leaves the ball).
NORM_SKIP = 1e-3

#: ``inner_solver`` choices: ``"auto"`` takes the dense interior-point method of
#: :mod:`idl_sdp.fast.lmi_qp` while the reduced model has at most DENSE_LIMIT
#: unknowns (p·h + h²; its Newton matrix is dense of that order), else Clarabel.
INNER_SOLVERS = ("AUTO", "DENSE", "CLARABEL", "SCS")
DENSE_LIMIT = 1500

#: After a line-search step shorter than this, the samples whose sign the model's full
#: step changed join the kink set (the dense model keeps their cost exact).
KINK_STEP = 0.75
#: After a full step that does not end the loop, up to this many of the samples whose
#: sign it changed (nearest to the kink at the new point first) join the kink set (and
#: at most a sixteenth of the model's unknowns p·h + h²).
KINK_FULL_STEP = 32


class ThetaWorkspace:
    """Compiled reduced model SDPs (with and without the norm block), built on first use.

    Parameters
    ----------
    p, h : int
    lam : ndarray (h,)
    lmi : str
    eps, margin : float
        As in :class:`~idl_sdp.ParameterStep`.
    """

    def __init__(self, p: int, h: int, lam: np.ndarray, lmi: str, eps: float, margin: float):
        self.key = (p, h, tuple(np.asarray(lam, float)), lmi, float(eps), float(margin))
        self._sdp: Dict[bool, ReducedThetaSDP] = {}

    def sdp(self, with_norm: bool) -> ReducedThetaSDP:
        if with_norm not in self._sdp:
            p, h, lam, lmi, eps, margin = self.key
            self._sdp[with_norm] = ReducedThetaSDP(p, h, np.array(lam), lmi, eps, margin,
                                                   with_norm=with_norm)
        return self._sdp[with_norm]


# ----------------------------------------------------------------------------- numerics
def _pinv_psd(H: np.ndarray) -> np.ndarray:
    """Pseudo-inverse of a stack of symmetric PSD matrices (eigenvalues below
    q·eps·λ_max are treated as 0: the data can be exactly rank deficient, e.g. constant
    features)."""
    w, Q = np.linalg.eigh(0.5 * (H + np.swapaxes(H, -1, -2)))
    top = np.max(w, axis=-1, keepdims=True)
    cut = H.shape[-1] * np.finfo(float).eps * np.maximum(top, 0.0)
    inv = np.where(w > cut, 1.0 / np.where(w > cut, w, 1.0), 0.0)
    return (Q * inv[..., None, :]) @ np.swapaxes(Q, -1, -2)


def _reduce(H: np.ndarray, G: np.ndarray, h: int):
    """Eliminate the unconstrained coordinates t_r of ½tᵀHt − gᵀt (t = [t_a; t_r], |t_a| = h).

    ``H`` is (q, q) shared by the rows of ``G`` (R, q), or (R, q, q) one per row.
    Returns (S, Ĝ, R_r, T): the reduced Hessian(s) S = H_aa − H_ar H_rr⁺ H_ra, the
    reduced linear terms Ĝ = G_a − T G_r (per row), and the recovery
    t_r = R_r − T t_a with R_r = Hrr⁺ g_r (per row). (The model SDP is written in the
    step from the current point, so the constant of the reduced model is not needed.)
    """
    Haa, Har, Hrr = H[..., :h, :h], H[..., :h, h:], H[..., h:, h:]
    Hrr_pinv = _pinv_psd(Hrr)
    T = Hrr_pinv @ np.swapaxes(Har, -1, -2)              # (…, r, h)
    S = Haa - Har @ T
    Ga, Gr = G[:, :h], G[:, h:]
    if H.ndim == 2:
        Ghat = Ga - Gr @ T
        Rr = Gr @ Hrr_pinv                                  # rows g_rᵀ Hrr⁺
    else:
        Ghat = Ga - np.einsum("jrh,jr->jh", T, Gr)
        Rr = np.einsum("jrs,js->jr", Hrr_pinv, Gr)
    return S, Ghat, Rr, T


def _recover(Ta: np.ndarray, Rr: np.ndarray, T: np.ndarray) -> np.ndarray:
    """[t_a, t_r] with t_r = Hrr⁺g_r − T t_a for each row (T shared or per row)."""
    if T.ndim == 2:
        rest = Rr - Ta @ T.T
    else:
        rest = Rr - np.einsum("jrh,jh->jr", T, Ta)
    return np.hstack([Ta, rest])


def exact_line_search(z: np.ndarray, dz: np.ndarray, w: np.ndarray, c0: np.ndarray,
                      c1: np.ndarray, alpha_max: float) -> np.ndarray:
    r"""Minimise, for each row r, the convex piecewise quadratic φ_r on [0, alpha_max] with

    .. math:: \varphi_r'(\alpha) = c_{0r} + c_{1r}\alpha + \sum_k w_{rk}\,dz_{rk}\,
              (z_{rk} + \alpha\,dz_{rk})_+ \qquad (c_1 \ge 0,\ w \ge 0),

    which is nondecreasing and piecewise linear. Bisection brackets the root of φ'
    to a width of 2⁻⁶⁰·alpha_max; on that bracket φ' is linear (one piece, up to
    breakpoints closer than the bracket) and its root is solved exactly.
    ``z, dz, w`` have shape (R, N) (``w`` broadcastable), ``c0, c1`` shape (R,).
    """
    def slope(a, rows):
        zz = z[rows] + a[:, None] * dz[rows]
        return (c0[rows] + c1[rows] * a
                + np.sum(np.broadcast_to(w, z.shape)[rows] * dz[rows] * np.maximum(zz, 0.0),
                         axis=1))

    R = z.shape[0]
    allr = np.arange(R)
    out = np.zeros(R)
    s0 = slope(np.zeros(R), allr)
    s1 = slope(np.full(R, alpha_max), allr)
    out[s1 <= 0] = alpha_max
    rows = np.flatnonzero((s0 < 0) & (s1 > 0))
    if rows.size == 0:
        return out
    lo = np.zeros(rows.size)
    hi = np.full(rows.size, float(alpha_max))
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        neg = slope(mid, rows) < 0
        lo = np.where(neg, mid, lo)
        hi = np.where(neg, hi, mid)
    mid = 0.5 * (lo + hi)
    act = (z[rows] + mid[:, None] * dz[rows]) > 0
    ww = np.broadcast_to(w, z.shape)[rows] * act
    num = c0[rows] + np.sum(ww * dz[rows] * z[rows], axis=1)
    den = c1[rows] + np.sum(ww * dz[rows] ** 2, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        root = np.where(den > 0, -num / den, mid)
    out[rows] = np.clip(root, lo, hi)
    return out


def _f(theta1, theta2, data: ThetaData, reg: float, ridge: np.ndarray) -> float:
    """The true Θ-step objective f (J + reg·R) from the arrays."""
    m = data.m
    R1 = theta1 @ data.Phi - data.Y
    Z = theta2 @ data.Phi
    lam, X = data.lam, data.X
    div = float(np.sum(lam[:, None] * (0.5 * np.maximum(Z, 0.0) ** 2 - X * Z + 0.5 * X * X)))
    pen = 0.5 * reg * float(np.sum(theta1**2 * ridge) + np.sum(theta2**2 * ridge)) if reg else 0.0
    return 0.5 * float(np.sum(R1 * R1)) / m + div / m + pen


def _row_hessians(Phi: np.ndarray, S: np.ndarray, w: np.ndarray) -> np.ndarray:
    """H_j = w_j Σ_{k∈S_j} φ_k φ_kᵀ for every row j, one BLAS product per row over its
    active samples only (an einsum over all samples measured 25× slower)."""
    q = Phi.shape[0]
    out = np.empty((S.shape[0], q, q))
    for j in range(S.shape[0]):
        P = Phi[:, S[j]]
        np.matmul(P * w[j], P.T, out=out[j])
    return out


def _solve_psd(H: np.ndarray, g: np.ndarray) -> np.ndarray:
    """x = H⁺g for a stack of PSD H: Cholesky when all are definite, else pseudo-inverse."""
    try:
        C = np.linalg.cholesky(H)
    except np.linalg.LinAlgError:
        return np.einsum("jab,jb->ja", _pinv_psd(H), g)
    y = np.linalg.solve(C, g[..., None])
    return np.linalg.solve(np.swapaxes(C, -1, -2), y)[..., 0]


def _polish_rows(theta2, data: ThetaData, reg: float, ridge: np.ndarray,
                 max_iter: int = 60) -> Tuple[np.ndarray, int]:
    r"""Minimise f over the (E, f) part of every row of Θ₂ with D fixed (semismooth Newton).

    Row j minimises (λ_j/2m)Σ_k(z_jk)₊² − (λ_j/m)Σ_k x_jk z_jk + (reg/2)‖e_j‖² with
    z_j = d_jᵀX + r_jᵀΨ (Ψ = [U; 1ᵀ]): convex, piecewise quadratic, bounded below
    (x ≥ 0). Newton on the current piece (the generalised Hessian
    (λ_j/m)Ψ_{S}Ψ_{S}ᵀ + reg·I, updated by the samples that change piece) with an exact
    line search; directions the piece does not see get the gradient. A row stops when
    a full step keeps its active set (its exact minimiser), when its gradient is at
    rounding level, or when the line search cannot move. Features that are identically
    zero (constant inputs after standardisation) do not enter z and are left alone.
    Returns the new Θ₂ and the number of Newton iterations of the slowest row.
    """
    h, m = data.h, data.m
    lam, X = data.lam, data.X
    out = theta2.copy()
    if reg > 0 and np.any(lam == 0):
        # λ_j = 0: the row only carries the ridge, whose minimiser is e_j = 0 (f_j free).
        out[lam == 0, h:] = 0.0
    rows = np.flatnonzero(lam > 0)
    Psi_all = data.Phi[h:]
    cols = h + np.flatnonzero(np.any(Psi_all != 0, axis=1))   # coordinates that act on z
    Psi = data.Phi[cols]
    rr = ridge[cols]
    w = lam / m
    base = out[:, :h] @ X   # the zero features add nothing to z
    # Gradient scale of a row: the size of its two competing terms.
    gscale = w[:, None] * (np.abs(X) @ np.abs(Psi).T + 1e-300)
    iters = 0
    active = rows
    Hs: Dict[int, np.ndarray] = {}
    Ss: Dict[int, np.ndarray] = {}
    while active.size and iters < max_iter:
        iters += 1
        r = out[np.ix_(active, cols)]
        Z = base[active] + r @ Psi
        S = Z > 0
        grad = w[active, None] * ((np.maximum(Z, 0.0) - X[active]) @ Psi.T) + reg * rr * r
        step = np.empty_like(grad)
        gperp = np.zeros_like(grad)
        eye_r = reg * np.diag(rr)
        for i, j in enumerate(active):
            old = Ss.get(j)
            if old is not None and np.count_nonzero(old != S[i]) < m // 8:
                ch = np.flatnonzero(old != S[i])
                sign = np.where(S[i, ch], 1.0, -1.0)
                Hj = Hs[j] + w[j] * ((Psi[:, ch] * sign) @ Psi[:, ch].T)
            else:
                Hj = w[j] * ((Psi * S[i]) @ Psi.T)
            Hs[j], Ss[j] = Hj, S[i]
            Hj = Hj + eye_r
            try:
                C = np.linalg.cholesky(Hj)
                step[i] = -np.linalg.solve(C.T, np.linalg.solve(C, grad[i]))
            except np.linalg.LinAlgError:
                # Singular piece (few active samples, collinear features): pseudo-
                # inverse, and the gradient in the directions the piece does not see
                # so that the line search can move into new pieces.
                sn = -_pinv_psd(Hj) @ grad[i]
                gperp[i] = grad[i] + Hj @ sn
                step[i] = sn - gperp[i]
        dZ = step @ Psi
        c0 = -w[active] * np.sum(X[active] * dZ, axis=1) + reg * np.sum(rr * r * step, axis=1)
        c1 = reg * np.sum(rr * step * step, axis=1)
        alpha = exact_line_search(Z, dZ, w[active, None], c0, c1, alpha_max=1.0)
        out[np.ix_(active, cols)] = r + alpha[:, None] * step
        Znew = Z + alpha[:, None] * dZ
        gs = np.linalg.norm(gscale[active], axis=1) + reg * np.linalg.norm(r, axis=1)
        same = (alpha == 1.0) & np.all((Znew > 0) == S, axis=1) & (
            np.linalg.norm(gperp, axis=1) <= 1e-13 * gs)
        tiny = np.linalg.norm(grad, axis=1) <= 1e-13 * gs
        stuck = alpha == 0.0
        active = active[~(same | tiny | stuck)]
    return out, iters


def _grow_kink(kink: np.ndarray, new: np.ndarray, Z: np.ndarray, cap: int) -> None:
    """Add the samples ``new`` to the kink set (in place), nearest to the kink first,
    up to ``cap`` in all (each is one more unknown of the dense model)."""
    cand = np.flatnonzero(new.ravel() & ~kink.ravel())
    room = cap - int(np.count_nonzero(kink))
    if room <= 0 or cand.size == 0:
        return
    if cand.size > room:
        cand = cand[np.argsort(np.abs(Z.ravel()[cand]), kind="stable")[:room]]
    kink.ravel()[cand] = True


def _kink_rows(theta2, Phi: np.ndarray, Z: np.ndarray, S: np.ndarray, kink: np.ndarray,
               w: np.ndarray, reg: float, ridge: np.ndarray, G2: np.ndarray,
               keep_singular: bool = False):
    r"""The model of the rows with kink samples, exact on those samples.

    For row j with kink set K_j, the cost of a kink sample is
    ½w_j(z_k)₊² = min over s_k ≥ 0 of ½w_j(z_k + s_k)², so the row's model
    ½w_jΣ_{k∈S∖K}z_k² + ½w_jΣ_{k∈K}(z_k + s_k)² − ⟨g_j, θ_j⟩ + ridge is a quadratic in
    (θ_j, s) with s ≥ 0 the only new constraint. Its unconstrained coordinates (e_j, f_j)
    are eliminated as for the other rows (:func:`_reduce`), leaving (d_j, s).
    Returns (rows, recover): the :class:`KinkRow` list for the dense model (the rows'
    reduced Hessians and gradients at the current point, in place of the plain
    model's), and per row (K_j, R_r, T) to complete the model's minimiser. A row whose
    reduced Hessian in s is singular (to 1e-9 relative) keeps its plain model and its
    samples are removed from ``kink`` (in place), unless ``keep_singular``.
    """
    h, q = theta2.shape
    rows, recover = [], []
    for j in np.flatnonzero(kink.any(axis=1)):
        Kj = np.flatnonzero(kink[j])
        nk = Kj.size
        P = Phi[:, S[j] | kink[j]]
        Pk = w[j] * Phi[:, Kj]
        # the Hessian and linear term in (θ_j, s), reordered to (d, s, r) so that the
        # kept coordinates come first
        H = np.block([[w[j] * (P @ P.T) + reg * np.diag(ridge), Pk],
                      [Pk.T, w[j] * np.eye(nk)]])
        perm = np.r_[0:h, q:q + nk, h:q]
        G = np.r_[G2[j], np.zeros(nk)][perm]
        Saa, Ga, Rr, T = _reduce(H[np.ix_(perm, perm)][None], G[None], h + nk)
        ev = np.linalg.eigvalsh(Saa[0, h:, h:])
        if not keep_singular and ev[0] <= 1e-9 * max(float(ev[-1]), 0.0):
            # (e_j, f_j) absorb a move of s (the kink samples' features lie in the span
            # the eliminated coordinates see): s is not determined, the interior-point
            # Newton matrix is singular where a bound is inactive (measured on digits at
            # reg = 0). The row keeps its plain model and leaves the kink set.
            kink[j] = False
            continue
        s0 = np.maximum(-Z[j, Kj], 0.0)
        grad = Saa[0] @ np.r_[theta2[j, :h], s0] - Ga[0]
        rows.append(KinkRow(int(j), Saa[0, :h, :h], grad[:h], Saa[0, :h, h:],
                            Saa[0, h:, h:], grad[h:], s0))
        recover.append((Kj, Rr[0], T[0]))
    return rows, recover


def _next_decrease_bound(S2: np.ndarray, mismatch: np.ndarray) -> float:
    r"""½ Σ_j m_jᵀ S_j⁺ m_j: a bound on what the next model can still decrease.

    After a full step to the minimiser D̂ of the last model Q over the feasible set C,
    the next model is Q' = Q + ⟨M, D − D̂⟩ + ½ΔᵀΔHΔ with M the gradient mismatch
    ∇_D F − ∇_D Q at D̂ (the samples whose sign changed). Optimality of D̂ gives
    Q(D) − Q(D̂) ≥ ½ΔᵀHΔ on C, so Q'(D) − Q'(D̂) ≥ ⟨M, Δ⟩ + ½ΔᵀH'Δ ≥ −½ MᵀH'⁺M, with
    H' the next model's reduced Hessian (per row S_j: the D rows decouple; the A block
    has no mismatch). Infinite where a row of M leaves the range of its S_j. A next
    model exact on kink samples lies above its quadratic part plus their linearisation,
    so the same bound holds with S_j of that quadratic part (:func:`_curvature_without`).
    """
    total = 0.0
    for j in range(S2.shape[0]):
        mj = mismatch[j]
        if not np.any(mj):
            continue
        w, Q = np.linalg.eigh(0.5 * (S2[j] + S2[j].T))
        cut = S2.shape[-1] * np.finfo(float).eps * max(float(w[-1]), 0.0)
        proj = Q.T @ mj
        big = w > cut
        if np.linalg.norm(proj[~big]) > 1e-12 * max(np.linalg.norm(mj), 1e-300):
            return math.inf
        total += 0.5 * float(np.sum(proj[big] ** 2 / w[big]))
    return total


def _curvature_without(S2: np.ndarray, kink: np.ndarray, Phi: np.ndarray, S: np.ndarray,
                       w: np.ndarray, reg: float, ridge: np.ndarray, G2: np.ndarray
                       ) -> np.ndarray:
    """The reduced row Hessians S_j of the quadratic part of the next model: its
    kink samples left out (their exact cost ½w(z)₊² is convex, so the model lies above
    its quadratic part plus their linearisation, which is what
    :func:`_next_decrease_bound` needs). ``S2`` itself where there are no kink samples."""
    rows = np.flatnonzero(kink.any(axis=1))
    if rows.size == 0:
        return S2
    H = _row_hessians(Phi, S[rows] & ~kink[rows], w[rows]) + reg * np.diag(ridge)[None]
    out = S2.copy()
    out[rows] = _reduce(H, G2[rows], S2.shape[-1])[0]
    return out


def _reduced_slope(theta1, theta2, dA, dD, data: ThetaData, reg: float) -> float:
    """F'(α) = ⟨∇_{(A, D)} f, (dA, dD)⟩ at a point whose other blocks are optimal for its
    (A, D) (the envelope theorem: F(A, D) = min over (B, c, E, f) of f)."""
    h, m = data.h, data.m
    R1 = theta1 @ data.Phi - data.Y
    Z = theta2 @ data.Phi
    gA = (R1 @ data.X.T) / m + reg * theta1[:, :h]
    gD = ((data.lam[:, None] * (np.maximum(Z, 0.0) - data.X)) @ data.X.T) / m \
        + reg * theta2[:, :h]
    return float(np.sum(gA * dA) + np.sum(gD * dD))


def _segment_search(theta1, theta2, hat1, hat2, A_hat, R1r, T1, f_cur, predicted,
                    data: ThetaData, reg: float, ridge: np.ndarray, accept_full: bool):
    """Minimise the convex F(α) = F((A, D) + α(Â − A, D̂ − D)) over α ∈ [0, 1].

    Every trial point is polished (its (B, c, E, f) optimal for its (A, D)), so by the
    envelope theorem F'(α) = ⟨∇_{(A, D)} f, (dA, dD)⟩ there (:func:`_reduced_slope`).
    The full step is taken when it passes Armijo's test and F'(1) ≤ 0 (then α* = 1).
    Else the root of the nondecreasing F' on [0, 1] is bracketed by a safeguarded
    secant (Illinois) to 1 % of the interval and the best point seen is kept. Where F'
    is at rounding level (the polish is optimal only to its tolerance) or the search
    finds no decrease, halving from the full step with Armijo's test decides.
    Returns (Θ₁, Θ₂, F, α, polish iterations); α = 0: no step lowered f.
    """
    h = data.h
    A0, D0 = theta1[:, :h], theta2[:, :h]
    dA, dD = A_hat - A0, hat2[:, :h] - D0
    polish = 0

    def point(a):
        nonlocal polish
        t1 = hat1 if a == 1.0 else _recover(A0 + a * dA, R1r, T1)
        t2 = hat2 if a == 1.0 else theta2 + a * (hat2 - theta2)
        t2, k = _polish_rows(t2, data, reg, ridge)
        polish += k
        return t1, t2, _f(t1, t2, data, reg, ridge)

    def backtrack():
        # (F' misleads when the polished blocks are optimal only to the polish's
        # tolerance): Armijo's test from the full step
        a = 0.5
        while a >= 1e-3:
            t1, t2, fa = point(a)
            if fa <= f_cur - 1e-4 * a * predicted:
                return t1, t2, fa, a, polish
            a *= 0.5
        return theta1, theta2, f_cur, 0.0, polish

    t1, t2, f1 = point(1.0)
    if accept_full:
        return t1, t2, f1, 1.0, polish
    s1 = _reduced_slope(t1, t2, dA, dD, data, reg)
    if f1 <= f_cur - 1e-4 * predicted and s1 <= 0.0:
        return t1, t2, f1, 1.0, polish
    best = (theta1, theta2, f_cur, 0.0) if f1 > f_cur else (t1, t2, f1, 1.0)
    s0 = _reduced_slope(theta1, theta2, dA, dD, data, reg)
    if not (s0 < 0.0 and s1 > s0):
        return backtrack()
    lo, hi, slo, shi = 0.0, 1.0, s0, s1
    side = 0
    for _ in range(12):
        a = lo - slo * (hi - lo) / (shi - slo) if shi > slo else 0.5 * (lo + hi)
        a = min(max(a, lo + 0.01 * (hi - lo)), hi - 0.01 * (hi - lo))
        t1, t2, fa = point(a)
        if fa < best[2]:
            best = (t1, t2, fa, a)
        sa = _reduced_slope(t1, t2, dA, dD, data, reg)
        if sa < 0.0:
            lo, slo = a, sa
            if side == -1:
                shi *= 0.5
            side = -1
        else:
            hi, shi = a, sa
            if side == 1:
                slo *= 0.5
            side = 1
        if hi - lo <= 0.01 or abs(sa) <= 1e-3 * abs(s0):
            break
    if best[2] > f_cur - 1e-4 * best[3] * predicted or best[3] == 0.0:
        return backtrack()
    return best + (polish,)


def _start_feasible(A, D, lam, lmi, eps, margin, A_ref) -> bool:
    """Whether Θ_k satisfies the model's constraints in floating point (so that the
    segment [Θ_k, Θ̂] may be searched). Θ_k comes from the previous Θ-step, whose
    solver may have left it feasible only to its tolerance; then the first model
    solution is taken whole."""
    if np.linalg.norm(D, 2) > 1.0 - eps - NORM_MARGIN:
        return False
    C = lmi_matrix(lmi, A, D, lam, A_ref=A_ref, margin=margin)
    return bool(np.linalg.eigvalsh(C)[0] >= 0.0)


def solve_theta_fast(
    data: ThetaData, theta1: np.ndarray, theta2: np.ndarray, *, reg: float, lmi: str,
    eps: float, margin: float, A_ref: Optional[np.ndarray], workspace: ThetaWorkspace,
    inner_solver: str = "auto", tol: float = 1e-9, max_outer: int = 30,
    **opts: Any,
) -> Tuple[np.ndarray, np.ndarray, Dict[str, Any]]:
    """Solve the Θ-step exactly by reduced active-set models (see the module docstring).

    Parameters
    ----------
    data : ThetaData
        From :func:`idl_sdp.step_data.theta_step_data`.
    theta1, theta2 : ndarray (p, q), (h, q)
        The current Θ_k = ([A B c], [D E f]): the starting point.
    reg, lmi, eps, margin : as in :class:`~idl_sdp.ParameterStep`
    A_ref : ndarray (p, h) or None
        A_k of the linearized LMI.
    workspace : ThetaWorkspace
        Compiled model SDPs (reused across calls with the same λ and settings).
    inner_solver : {"auto", "dense", "CLARABEL", "SCS"}
        How the model SDPs are solved. ``"dense"``: the interior-point method of
        :mod:`idl_sdp.fast.lmi_qp` on the same problem (its Newton matrix is dense of
        order p·h + h²), with Clarabel as the fallback for a model it does not solve
        to its tolerance 1e-11; ``"auto"`` (default): ``"dense"`` up to
        :data:`DENSE_LIMIT` unknowns, else Clarabel; a conic solver's name: that solver
        on the cvxpy problem :attr:`ReducedThetaSDP.problem`.
    tol : float
        Stop when ‖∇_D f − ∇_D q_S‖_F ≤ tol·max(1, ‖∇_D q_S‖_F) after a full model step,
        or when the next model SDP could lower f by at most tol·abs(f) (see the module
        docstring; ``info["stop"]`` says which: ``"kkt"``, ``"decrease_bound"``, or
        ``"no_progress"`` when no step along the model improves f beyond rounding).
    max_outer : int
        Model SDPs allowed; :class:`SolverError` (status ``"max_outer"``) beyond.
    **opts
        Options of the inner solver. Default: Clarabel at tolerances 1e-10, falling back
        to its defaults (1e-8) for a model SDP where it reports ``optimal_inaccurate``.

    Returns
    -------
    (theta1, theta2, info)
        The optimum and ``info`` with ``status``, ``objective``, ``outer_iterations``
        (model SDPs solved), ``stop`` (which test ended it, see ``tol``),
        ``polish_iterations``, ``kkt_residual``, ``seconds``, ``inner_seconds``,
        ``norm_block`` (whether ‖D‖₂ ≤ 1 − ε entered a model), ``inner_solver``
        (``"dense"`` or the conic solver), ``dense_iterations`` and ``dense_fallbacks``
        (models handed to Clarabel), ``kink_samples`` (the size of the kink set at the
        end, see the module docstring) and ``history``: per model SDP, the objective
        after it, the model's predicted decrease, the step taken on (A, D), how many
        pre-activations changed sign and, after a full step, ``next_decrease_bound``
        (what the next model could still lower f by).
    """
    # Many small (q × q) products and factorisations: BLAS threads only add contention
    # here (measured 0.09 s against 0.001 s per 85 × 85 eigh on a loaded 2-core machine).
    with threadpool_limits(limits=1, user_api="blas"):
        return _solve(data, theta1, theta2, reg, lmi, eps, margin, A_ref, workspace,
                      inner_solver, tol, max_outer, opts)


def _solve(data, theta1, theta2, reg, lmi, eps, margin, A_ref, workspace, inner_solver,
           tol, max_outer, opts):
    t0 = time.perf_counter()
    inner_solver = check_choice(inner_solver, "inner_solver", INNER_SOLVERS, upper=True)
    p, h = theta1.shape[0], data.h
    dense = inner_solver == "DENSE" or (inner_solver == "AUTO" and p * h + h * h <= DENSE_LIMIT)
    conic = "CLARABEL" if inner_solver in ("AUTO", "DENSE") else check_solver(inner_solver)
    dense_iters = fallbacks = 0
    adaptive = not opts and conic == "CLARABEL"
    if not opts:
        # Tolerances 1e-10 where the solver can certify them, else its defaults (1e-8 for
        # Clarabel, 1e-7 for SCS): the model SDP is written in the step form, so either
        # bounds the error in J relative to J.
        opts = ([{"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10}, {}]
                if conic == "CLARABEL" else [{}])
    tight = opts
    loose = [{}]
    Phi, X, lam = data.Phi, data.X, data.lam
    h, m = data.h, data.m
    q = Phi.shape[0]
    ridge = np.r_[np.ones(q - 1), 0.0]
    H1 = data.K / m + reg * np.diag(ridge)
    S1, G1hat, R1r, T1 = _reduce(H1, data.YPhiT / m, h)
    G2 = data.LamXPhiT / m

    theta1 = _recover(theta1[:, :h], R1r, T1)
    theta2, polish = _polish_rows(theta2, data, reg, ridge)
    f_cur = _f(theta1, theta2, data, reg, ridge)
    searchable = _start_feasible(theta1[:, :h], theta2[:, :h], lam, lmi, eps, margin, A_ref)
    use_norm = np.linalg.norm(theta2[:, :h], 2) > 1.0 - eps - NORM_SKIP
    norm_used = use_norm
    inner = 0.0
    kkt = np.inf
    history = []
    far = True   # no model solved yet: the first is solved at the default tolerances
    last_mismatch = None
    stop = ""
    borderline = 0.0   # samples with z > −borderline enter the model (see below)
    kink = np.zeros((h, m), dtype=bool)   # samples whose cost the model keeps exact
    kink_cap = max(h * h, 64)
    # each kink sample is one more unknown of the dense model: after a full step at most
    # a sixteenth of the model's p·h + h² (measured: 32 on a 12-unknown model made its
    # re-solve 35 % slower for the same 3 model SDPs)
    full_step_kinks = min(KINK_FULL_STEP, (p * h + h * h) // 16)
    for it in range(1, max_outer + 1):
        Z = theta2 @ Phi
        S = Z > -borderline
        H2 = _row_hessians(Phi, S, lam / m) + reg * np.diag(ridge)[None]
        S2, G2hat, R2r, T2 = _reduce(H2, G2, h)
        A0, D0 = theta1[:, :h], theta2[:, :h]
        if last_mismatch is not None:
            # The last model's full step, polished: if the next model cannot improve f
            # by more than tol relative, it is not solved (it would only confirm).
            bound = _next_decrease_bound(_curvature_without(S2, kink, Phi, S, lam / m, reg,
                                                            ridge, G2), last_mismatch)
            history[-1]["next_decrease_bound"] = bound
            if bound <= tol * abs(f_cur):
                it -= 1
                stop = "decrease_bound"
                break
        # The reduced model's gradient at the current (A, D), and its scale.
        g1 = A0 @ S1 - G1hat
        g2 = np.einsum("jab,jb->ja", S2, D0) - G2hat
        kink_rows, kink_recover = _kink_rows(theta2, Phi, Z, S, kink, lam / m, reg,
                                             ridge, G2) if dense else ([], [])
        sigma = max(abs(f_cur), 1e-300)
        while True:
            try:
                # While the model still predicts a sizeable decrease its solution only
                # sets the next active sets, and Clarabel's defaults (1e-8) save a few
                # interior-point iterations; near the end (where the stopping test
                # is passed) it is solved at 1e-10.
                use = loose if adaptive and far else tight
                sdp = workspace.sdp(use_norm)
                solved = used_kink = False
                # With kink rows first; where the dense method does not solve that
                # model (seen at reg = 0, where the row Hessians are nearly singular),
                # the plain model, which it solved before the kink set existed.
                for rows_k in ([kink_rows, []] if kink_rows else [[]]) if dense else ():
                    A_hat, D_hat, decrease, dinfo = sdp.solve_dense(
                        A0, D0, S1, g1, S2, g2, A_ref, sigma, kink=rows_k)
                    secs = dinfo["seconds"]
                    dense_iters += dinfo["iterations"]
                    # Accepted when it met its tolerances and its point is feasible
                    # to rounding (the margins δ and NORM_MARGIN absorb the rest, as
                    # they absorb a conic solver's tolerance); else the conic solver.
                    solved = (dinfo["status"] in ("optimal", "acceptable")
                              and min(dinfo["min_eig"]) >= -1e-12)
                    if solved:
                        used_kink = bool(rows_k)
                        break
                    inner += secs
                if not solved:
                    fallbacks += int(dense)   # a dense model handed to the conic solver
                    A_hat, D_hat, decrease, secs = sdp.solve(
                        A0, D0, S1, g1, S2, g2, A_ref, sigma, conic, use)
            except SolverError as exc:
                if not exc.status.startswith("unbounded"):
                    raise
                if use_norm:
                    # Units active on too few samples make the model flat in directions
                    # the data do not see: the reduced model is unbounded in A.
                    raise SolverError(
                        "Theta-step (fast): the active-set model is unbounded (units "
                        "active on too few samples); solve the cvxpy problem instead",
                        status="degenerate_model", step="Theta-step") from None
                secs = 0.0
                D_hat = None
            inner += secs
            if use_norm or (D_hat is not None and
                            np.linalg.norm(D_hat, 2) <= 1.0 - eps - NORM_MARGIN):
                break
            # The model without the norm block left the ball (or is unbounded in D):
            # impose ‖D‖₂ ≤ 1 − ε from now on.
            use_norm = norm_used = True
        # f and the model agree at the current point (S is its sign pattern).
        q_hat = f_cur - decrease
        hat1 = _recover(A_hat, R1r, T1)
        hat2 = _recover(D_hat, R2r, T2)
        Zhat = hat2 @ Phi
        # The model's ReLU(z) at its minimiser: z on S, and (z)₊ = z + s on the kink
        # samples where those are in the model.
        Pmodel = S * Zhat
        if used_kink:
            for (Kj, Rr_j, T_j), kr, s_hat in zip(kink_recover, kink_rows, dinfo["kink_s"]):
                j = kr.row
                hat2[j, h:] = Rr_j - T_j @ np.r_[D_hat[j], s_hat]
                Zhat[j] = hat2[j] @ Phi
                Pmodel[j] = (S[j] & ~kink[j]) * Zhat[j]
                Pmodel[j, Kj] = Zhat[j, Kj] + s_hat
        predicted = max(f_cur - q_hat, 0.0)
        # Search along the (A, D) step of the model on the reduced function
        # F(A, D) = min over (B, c, E, f) of f, which is convex: each trial point gets
        # its unconstrained blocks re-optimised (the model's own (E, f) ignore the
        # samples outside S and can be far off there).
        trial1, trial2, f_new, alpha, k = _segment_search(
            theta1, theta2, hat1, hat2, A_hat, R1r, T1, f_cur, predicted, data, reg, ridge,
            accept_full=not searchable and it == 1)
        polish += k
        theta1, theta2 = trial1, trial2
        far = decrease > 1e-6 * max(abs(f_cur), 1e-300)
        history.append({"objective": f_new, "model_decrease": decrease, "step": alpha,
                        "norm_block": use_norm, "changed_signs": int(
                            np.count_nonzero((theta2 @ Phi > 0) != S)),
                        "kink_samples": int(np.count_nonzero(kink)) if used_kink else 0})
        if dense and alpha < KINK_STEP:
            # A short step: the model's curvature was wrong on the samples whose sign
            # its full step changed (they recur over the next models: measured up to 9
            # in one row over 6 short steps), so the next models keep them exact.
            _grow_kink(kink, (Zhat > 0) != (Z > 0), Z, kink_cap)
        if alpha == 1.0:
            Znew = theta2 @ Phi
            wl = (lam / m)[:, None]
            mismatch = (wl * (np.maximum(Znew, 0.0) - Pmodel)) @ X.T
            grad_model = (wl * (Pmodel - X)) @ X.T + reg * D_hat
            kkt = float(np.linalg.norm(mismatch))
            # (the bound of the next iteration needs the model's optimum to its
            # tolerance: the dense method's 1e-11, or a conic solver at tight settings)
            last_mismatch = mismatch if solved or use is tight else None
            # relative to the size of the two terms the gradient balances, so that the
            # test means the same at λ = 1e-3 and at λ = 1e6 (rounding in Z scales so)
            terms = float(np.linalg.norm((wl * (np.abs(Pmodel) + X)) @ X.T))
            if kkt <= tol * max(1.0, float(np.linalg.norm(grad_model)), terms):
                f_cur = f_new
                stop = "kkt"
                break
            if dense:
                # Not optimal yet: the next model is wrong only on the samples its step
                # flips, and those that just crossed the kink lie next to it. Keeping
                # the nearest few exact lets the next model be the last one (digits
                # fit, rounds ≥ 2: 2.05 → 2.0 model SDPs on average).
                _grow_kink(kink, (Zhat > 0) != (Z > 0), Znew,
                           min(kink_cap, int(np.count_nonzero(kink)) + full_step_kinks))
        else:
            last_mismatch = None
        # No step along the model's direction lowered f although it predicted a
        # decrease: the model misses the curvature of samples at the kink (z ≈ 0⁻, which
        # any step activates), so its step is far too long. The next models count them
        # as active (with the same model the loop would repeat itself).
        borderline = 0.0 if alpha > 0.0 else max(
            100.0 * borderline, 1e-5 * float(np.max(np.abs(Z), initial=0.0)))
        if alpha == 0.0 and predicted <= 1e-13 * max(1.0, abs(f_cur)):
            # The model cannot improve on the current point beyond rounding: optimal to
            # the inner solver's tolerance.
            kkt = 0.0
            stop = "no_progress"
            break
        f_cur = f_new
    else:
        raise SolverError(
            f"Theta-step (fast): no convergence in {max_outer} model SDPs "
            f"(kkt_residual {kkt:.2e})", status="max_outer", step="Theta-step")
    info = {"status": "optimal", "objective": f_cur, "outer_iterations": it, "stop": stop,
            "polish_iterations": polish, "kkt_residual": kkt,
            "seconds": time.perf_counter() - t0, "inner_seconds": inner,
            "norm_block": bool(norm_used), "history": history,
            "inner_solver": "dense" if dense else conic.lower(),
            "dense_iterations": dense_iters, "dense_fallbacks": fallbacks,
            "kink_samples": int(np.count_nonzero(kink))}
    return theta1, theta2, info
