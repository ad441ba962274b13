r"""A dense interior-point method for convex QPs under LMIs with rank-two generators.

Solves

.. math::
   \min_x\ \tfrac12 x^TQx + c^Tx \quad\text{s.t.}\quad
   S_b(x) = F_b + \sum_{k} x_{s_b + k}\,(a_{bk}e_{i_{bk}}^T + e_{i_{bk}}a_{bk}^T)
   \succeq 0, \qquad b = 1,\dots,B, \qquad g + x_{\mathcal I} \ge 0,

where block b acts on the contiguous entries x[s_b : s_b + K_b] and every generator is
a symmetric rank-two matrix with one unit vector. The LMIs of the Θ-step's reduced model
have exactly this form (:func:`idl_sdp.lmi.increment_generators`): each entry of ΔA or
ΔD moves one row and one column of the LMI matrix. The optional lower bounds on entries
x_𝓘 are what a one-sided cost ½(z)₊² = min_{s ≥ 0} ½(z + s)² needs (the Θ-step's model
is exact on samples at the ReLU's kink through them); they are an LP cone whose Newton
term is diagonal.

Why a dedicated method: a general conic solver (Clarabel) factors a KKT system in which
a PSD cone of order n brings a dense block of order n(n+1)/2 — 820 for the norm block
at h = 20 — while the Schur-complement (normal-equation) form used here factors one
dense matrix of the size of x, whose entries for rank-two generators are gathers and
Hadamard products of small matrices, never an n² × n² Kronecker product. At digits size
(x of 600 entries, blocks of order 20 and 40) one solve takes about a third of the CPU
time of the same problem in cvxpy + Clarabel (``benchmarks/bench_theta.py``).

Method: the infeasible primal–dual path-following method with the HKM direction and
Mehrotra's predictor–corrector (the method of SDPT3 and SDPA). With slacks S_b and
multipliers Z_b the KKT conditions are

.. math::
   Qx + c - \textstyle\sum_b \mathcal A_b^*(Z_b) = 0, \qquad S_b = F_b + \mathcal A_b(x),
   \qquad S_b Z_b = \mu I,\ \mu \downarrow 0,\qquad S_b, Z_b \succ 0,

and each Newton system reduces to one symmetric positive definite matrix
M = Q + Σ_b [tr(G_k W_b G_l Z_b)]_{kl}, W_b = S_b⁻¹ (the bounds, slack v and
multiplier y, add y/v to the diagonal of M at 𝓘). For G_k = a_ke_iᵀ + e_ia_kᵀ,

.. math::
   \operatorname{tr}(G_kWG_lZ) = (e_{i_k}^TWa_l)(e_{i_l}^TZa_k) + W_{i_ki_l}(a_l^TZa_k)
   + (a_k^TWa_l)Z_{i_ki_l} + (a_k^TWe_{i_l})(a_l^TZe_{i_k}).

Stopping: the duality gap Σ⟨S_b, Z_b⟩ relative to max(1, |objective|) and the relative
primal and dual residuals below ``tol``. The caller states the objective in units where
that relative gap is the accuracy it needs (the Θ-step divides by the current J).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, Tuple

import numpy as np
from scipy.linalg import cho_factor, cho_solve

from .._repr import deprecated_alias, result_repr

__all__ = ["RankTwoLMI", "LMIQPResult", "solve_lmi_qp", "ACCEPTABLE"]

#: Relative gap and residuals accepted when the iteration stalls before ``tol``.
ACCEPTABLE = 1e-10


@dataclass
class RankTwoLMI:
    """One block S(x) = F + Σ_k x_{start+k} (a_k e_{i_k}ᵀ + e_{i_k} a_kᵀ) ⪰ 0.

    Attributes
    ----------
    F : ndarray (n, n)
        The constant (symmetric).
    start : int
        The block acts on x[start : start + K].
    Pa : ndarray (n, K)
        The vectors a_k as columns.
    bi : ndarray of int (K,)
        The indices i_k.
    """

    F: np.ndarray
    start: int
    Pa: np.ndarray
    bi: np.ndarray
    _buf: Optional[np.ndarray] = field(default=None, repr=False)

    @property
    def rows(self) -> slice:
        return slice(self.start, self.start + self.Pa.shape[1])

    def apply(self, x: np.ndarray) -> np.ndarray:
        """𝒜(x) = Σ x_k (a_k e_{i_k}ᵀ + e_{i_k} a_kᵀ)."""
        n = self.F.shape[0]
        T = np.zeros((n, n))
        V = self.Pa * x[self.rows]
        tiled = self._period()
        if tiled is not None:
            off, P = tiled
            T[:, off:off + P] = V.reshape(n, -1, P).sum(axis=1)
        else:
            # column i_k of T gathers Σ x_k a_k over the k with that index
            np.add.at(T.T, self.bi, V.T)
        return T + T.T

    def adjoint(self, Z: np.ndarray) -> np.ndarray:
        """𝒜*(Z)_k = ⟨G_k, Z⟩ = 2 a_kᵀ Z e_{i_k}."""
        return 2.0 * np.einsum("ik,ik->k", self.Pa, Z[:, self.bi])

    def schur_add(self, M: np.ndarray, W: np.ndarray, Z: np.ndarray) -> None:
        """Add [tr(G_k W G_l Z)]_{kl} to the (K, K) view ``M`` of the Newton matrix.

        Every K × K intermediate lives in buffers kept on the block: a fresh array of a
        few MB costs its page faults on each allocation, measured at 10–30× the
        arithmetic here.
        """
        K = self.Pa.shape[1]
        if self._buf is None:
            self._buf = np.empty((3, K, K))
        u, v, t = self._buf
        Pa, bi = self.Pa, self.bi
        WPa, ZPa = W @ Pa, Z @ Pa
        tiled = self._period()
        if tiled is not None:
            # i_k = off + (k mod P): the gathered K × K matrices are tilings of P × P
            # (or P × K) blocks, so they enter by broadcasting, never materialised.
            off, P = tiled
            r = K // P
            sl = slice(off, off + P)
            t4 = t.reshape(r, P, r, P)
            WP4 = WPa[sl].reshape(P, r, P)            # [i, β, j] = e_iᵀ W a_(β,j)
            ZP4 = ZPa[sl].reshape(P, r, P)
            np.multiply(WP4[None], ZP4.transpose(1, 2, 0)[:, :, None, :], out=t4)
            M += t
            M += t.T
            np.matmul(Pa.T, ZPa, out=t)                # a_kᵀ Z a_l
            t4 *= W[sl, sl][None, :, None, :]
            M += t
            np.matmul(Pa.T, WPa, out=t)                # a_kᵀ W a_l
            t4 *= Z[sl, sl][None, :, None, :]
            M += t
            return
        np.take(WPa, bi, axis=0, out=u)                # (e_{i_k}ᵀ W a_l)
        np.take(ZPa, bi, axis=0, out=v)                # (e_{i_k}ᵀ Z a_l)
        np.multiply(u, v.T, out=t)
        M += t
        M += t.T
        np.take(W[bi], bi, axis=1, out=u)              # W_{i_k i_l}
        np.take(Z[bi], bi, axis=1, out=v)              # Z_{i_k i_l}
        # Symmetric by construction, so no symmetrising pass.
        np.matmul(Pa.T, ZPa, out=t)                    # a_kᵀ Z a_l
        t *= u
        M += t
        np.matmul(Pa.T, WPa, out=t)                    # a_kᵀ W a_l
        t *= v
        M += t

    def _period(self):
        """(off, P) when i_k = off + (k mod P) for all k (the Θ-step's blocks), else None."""
        if not hasattr(self, "_tiling"):
            bi, K = self.bi, self.bi.size
            off = int(bi[0])
            P = int(np.max(bi)) - off + 1
            ok = K % P == 0 and np.array_equal(bi, off + np.tile(np.arange(P), K // P))
            self._tiling = (off, P) if ok else None
        return self._tiling


@dataclass
class LMIQPResult:
    """The solution and how it was reached.

    Attributes
    ----------
    x : ndarray
    status : str
        ``"optimal"`` when the relative gap and residuals reached ``tol``;
        ``"acceptable"`` when the iteration stalled (``"max_iter"`` or a Newton matrix
        lost definiteness) but its best iterate reached :data:`ACCEPTABLE` (that
        iterate is returned); else ``"max_iter"`` or ``"numerical"``.
    objective : float
        ½xᵀQx + cᵀx.
    gap : float
        Σ⟨S_b, Z_b⟩ at the end.
    n_iter : int
        Interior-point iterations (formerly ``iterations``, still readable).
    residual_primal, residual_dual : float
        Relative residuals of S = F + 𝒜(x) and of stationarity.
    min_eig : list of float
        λ_min(F_b + 𝒜_b(x)) per block, computed from x (not from the iterate S), and
        last, when there are bounds, min(g + x[idx]).
    """

    x: np.ndarray
    status: str
    objective: float
    gap: float
    n_iter: int
    residual_primal: float
    residual_dual: float
    min_eig: List[float]

    iterations = deprecated_alias("n_iter", "iterations")

    def __repr__(self) -> str:
        return result_repr("LMIQPResult", head=[("status", self.status)], fields=[
            ("objective", self.objective), ("gap", self.gap),
            ("n_iter", self.n_iter), ("residual_primal", self.residual_primal),
            ("residual_dual", self.residual_dual),
            ("min(min_eig)", min(self.min_eig) if len(self.min_eig) else None),
            ("cones", len(self.min_eig)), ("x", self.x)])


def _max_step(S: np.ndarray, dS: np.ndarray) -> float:
    """Largest α (possibly inf) with S + α dS ⪰ 0, for S ≻ 0."""
    L = np.linalg.cholesky(S)
    Li = np.linalg.inv(L)
    w = np.linalg.eigvalsh(Li @ dS @ Li.T)[0]
    return np.inf if w >= 0 else -1.0 / w


def _max_ratio(v: np.ndarray, dv: np.ndarray) -> float:
    """Largest α (possibly inf) with v + α dv ≥ 0 entrywise, for v > 0."""
    neg = dv < 0
    return float(np.min(-v[neg] / dv[neg])) if np.any(neg) else np.inf


def _sym(T: np.ndarray) -> np.ndarray:
    return 0.5 * (T + T.T)


def solve_lmi_qp(Q: np.ndarray, c: np.ndarray, blocks: List[RankTwoLMI], *,
                 bounds: Optional[Tuple[np.ndarray, np.ndarray]] = None,
                 tol: float = 1e-11, max_iter: int = 60) -> LMIQPResult:
    """Minimise ½xᵀQx + cᵀx subject to the rank-two LMIs ``blocks`` and, optionally,
    g + x[idx] ≥ 0 (see the module).

    Parameters
    ----------
    Q : ndarray (N, N)
        Symmetric PSD. The Newton matrices are definite when every direction in which
        Q is singular moves some block; otherwise the result is ``"numerical"``.
    c : ndarray (N,)
    blocks : list of RankTwoLMI
    bounds : (idx, g), optional
        Distinct indices ``idx`` (int array) and constants ``g`` of the same length: the
        constraints g + x[idx] ≥ 0.
    tol : float
        Tolerance of the relative gap and residuals.
    max_iter : int

    Returns
    -------
    LMIQPResult
    """
    N = c.size
    x = np.zeros(N)
    nu = sum(b.F.shape[0] for b in blocks)
    S, Z = [], []
    for b in blocks:
        n = b.F.shape[0]
        scale = max(1.0, float(np.linalg.norm(b.F, 2)))
        # Start from x = 0 (the caller's current point) with S lifted so that its
        # smallest eigenvalue is 1e-2 of its scale; the infeasible method then drives
        # S − F − 𝒜(x) to zero along with the gap.
        lift = max(0.0, 1e-2 * scale - float(np.linalg.eigvalsh(b.F)[0]))
        S.append(b.F + lift * np.eye(n))
        Z.append(scale * np.eye(n))
    # The bounds as one LP cone: slack v = g + x[idx] ≥ 0 and multiplier y ≥ 0 (the
    # same start rule, entrywise).
    if bounds is not None and len(bounds[0]):
        idx = np.asarray(bounds[0], dtype=np.intp)
        g = np.asarray(bounds[1], dtype=float)
        if (idx.ndim != 1 or g.shape != idx.shape or np.unique(idx).size != idx.size
                or idx.min() < 0 or idx.max() >= N):
            raise ValueError(
                f"bounds: expected (idx, g) with distinct indices in [0, {N}) and one "
                f"constant each; got idx of shape {idx.shape}, g of shape {g.shape}")
        vscale = max(1.0, float(np.max(np.abs(g))))
        v = np.maximum(g, 1e-2 * vscale)
        y = np.full(idx.size, vscale)
        nu += idx.size
    else:
        idx = np.zeros(0, dtype=np.intp)
        g = v = y = np.zeros(0)
    gnorm = 1.0 + float(np.linalg.norm(g))
    cnorm = 1.0 + float(np.linalg.norm(c))
    Fnorm = [1.0 + float(np.linalg.norm(b.F)) for b in blocks]
    M = np.empty_like(Q)

    def residuals(x, S, Z, v, y):
        rp = [b.F + b.apply(x) - Sb for b, Sb in zip(blocks, S)]
        rd = Q @ x + c
        for b, Zb in zip(blocks, Z):
            rd[b.rows] -= b.adjoint(Zb)
        rd[idx] -= y
        return rp, rd, g + x[idx] - v

    def gap_of(S, Z, v, y):
        return sum(float(np.sum(Sb * Zb)) for Sb, Zb in zip(S, Z)) + float(v @ y)

    def primal_residual(rp, rv):
        return max([float(np.linalg.norm(r)) / f for r, f in zip(rp, Fnorm)]
                   + [float(np.linalg.norm(rv)) / gnorm])

    status, it = "max_iter", 0
    best = (np.inf, x, S, Z, v, y)
    for it in range(1, max_iter + 1):
        rp, rd, rv = residuals(x, S, Z, v, y)
        gap = gap_of(S, Z, v, y)
        obj = 0.5 * float(x @ Q @ x) + float(c @ x)
        res_p = primal_residual(rp, rv)
        res_d = float(np.linalg.norm(rd)) / cnorm
        merit = max(gap / max(1.0, abs(obj)), res_p, res_d)
        if merit <= tol:
            status = "optimal"
            break
        if merit < best[0]:
            best = (merit, x, S, Z, v, y)
        mu = gap / nu
        np.copyto(M, Q)
        Ws = []
        try:
            for b, Sb, Zb in zip(blocks, S, Z):
                Li = np.linalg.inv(np.linalg.cholesky(Sb))
                W = Li.T @ Li
                Ws.append(W)
                b.schur_add(M[b.rows, b.rows], W, Zb)
            M[idx, idx] += y / v
            factor = cho_factor(M, lower=True, check_finite=False)
        except np.linalg.LinAlgError:
            status = "numerical"
            break

        def direction(target: float, corr: Optional[List[np.ndarray]], corr_v=None):
            # HKM: ΔS = 𝒜(Δx) + r_p, ΔZ = R − sym(W 𝒜(Δx) Z) with
            # R = target·W − Z − sym(W r_p Z) − corr, and M Δx = −r_d + Σ 𝒜*(R);
            # on the LP cone W = 1/v and every product is entrywise.
            rhs = -rd
            Rs = []
            for k, (b, W, Zb, r) in enumerate(zip(blocks, Ws, Z, rp)):
                R = target * W - Zb - _sym(W @ r @ Zb)
                if corr is not None:
                    R -= corr[k]
                Rs.append(R)
                rhs[b.rows] += b.adjoint(R)
            Rv = target / v - y - rv * y / v
            if corr_v is not None:
                Rv -= corr_v
            rhs[idx] += Rv
            dx = cho_solve(factor, rhs, check_finite=False)
            dS, dZ = [], []
            for b, W, Zb, r, R in zip(blocks, Ws, Z, rp, Rs):
                Adx = b.apply(dx)
                dS.append(Adx + r)
                dZ.append(R - _sym(W @ Adx @ Zb))
            dv = dx[idx] + rv
            dy = Rv - y / v * dx[idx]
            return dx, dS, dZ, dv, dy

        def step_length(dS, dZ, dv, dy) -> float:
            return min([1.0] + [_max_step(Sb, d) for Sb, d in zip(S, dS)]
                       + [_max_step(Zb, d) for Zb, d in zip(Z, dZ)]
                       + [_max_ratio(v, dv), _max_ratio(y, dy)])

        try:
            # Predictor (affine scaling), then Mehrotra's centring σ = (μ_aff/μ)³ and
            # second-order term sym(W ΔS_aff ΔZ_aff).
            dx, dS, dZ, dv, dy = direction(0.0, None)
            a = step_length(dS, dZ, dv, dy)
            gap_aff = gap_of([Sb + a * d for Sb, d in zip(S, dS)],
                             [Zb + a * d for Zb, d in zip(Z, dZ)], v + a * dv, y + a * dy)
            sigma = min(1.0, (max(gap_aff, 0.0) / gap) ** 3)
            corr = [_sym(W @ d1 @ d2) for W, d1, d2 in zip(Ws, dS, dZ)]
            dx, dS, dZ, dv, dy = direction(sigma * mu, corr, dv * dy / v)
            a = min(1.0, 0.98 * step_length(dS, dZ, dv, dy))
        except np.linalg.LinAlgError:
            status = "numerical"
            break
        x = x + a * dx
        S = [_sym(Sb + a * d) for Sb, d in zip(S, dS)]
        Z = [_sym(Zb + a * d) for Zb, d in zip(Z, dZ)]
        v, y = v + a * dv, y + a * dy
    accuracy = tol
    if status != "optimal":
        # Near the optimum the Newton matrix becomes as ill-conditioned as W = S⁻¹ and
        # the residuals stall at rounding level (measured: dual residual 3e-11 with
        # Q/σ of condition 1e9). The best iterate is accepted at ACCEPTABLE (1e-10,
        # a conic solver's tight setting) and reported as such.
        merit, x, S, Z, v, y = best
        if merit <= ACCEPTABLE:
            status, accuracy = "acceptable", merit
    rp, rd, rv = residuals(x, S, Z, v, y)
    return LMIQPResult(
        x=x, status=status, objective=0.5 * float(x @ Q @ x) + float(c @ x),
        gap=gap_of(S, Z, v, y), n_iter=it,
        residual_primal=primal_residual(rp, rv),
        residual_dual=float(np.linalg.norm(rd)) / cnorm,
        min_eig=[float(np.linalg.eigvalsh(b.F + b.apply(x))[0]) for b in blocks]
        + ([float(np.min(g + x[idx]))] if idx.size else []))
