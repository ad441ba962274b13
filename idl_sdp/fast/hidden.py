r"""A fast exact X-step: batched projected Newton on m independent small QPs.

For fixed Θ the X-step separates by column k into

.. math::
   \min_{x \ge 0}\ \varphi_k(x) = \tfrac12 x^T M x + g_k^T x
      + \tfrac12 \|(D_s x + w_k)_+\|^2 ,

with M = AᵀA + Λ − ΛD − DᵀΛ ⪰ 0, D_s = diag(√λ) D, g_k and w_k the k-th columns of
G and W (see :mod:`idl_sdp.hidden_step`). φ_k is convex and piecewise quadratic with
generalised Hessian H = M + D_sᵀ diag(1[D_s x + w_k > 0]) D_s. Each iteration takes
Bertsekas' projected Newton step — Newton on the free variables, a scaled gradient
step on the binding ones (x_i ≈ 0 with ∂_i φ > 0) — with an Armijo search along the
projection arc. On a piecewise quadratic it stops after finitely many steps once the
active pieces are identified.

Every column is updated only until it meets the KKT tolerance and every operation is
per column (stacked ``matmul`` / ``solve``), so the result for a column does not depend
on which other columns are solved with it: chunked (e.g. Dask) and serial runs are
bit-identical.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from .._solvers import SolverError
from .._validation import as_matrix, check_nonneg_float, check_positive_int

__all__ = ["solve_hidden_qp", "HiddenQPResult", "kkt_residual", "problem_scale"]


@dataclass
class HiddenQPResult:
    """Solution of the batched X-step QPs.

    Attributes
    ----------
    X : ndarray, shape (h, m)
    kkt : float
        max over columns of the natural KKT residual ‖x − (x − ∇φ(x))₊‖∞.
    iterations : int
        Projected Newton iterations of the slowest column.
    converged : bool
    """

    X: np.ndarray
    kkt: float
    iterations: int
    converged: bool


def _mv(Mat, Xt):
    """Per-column product Mat @ x_k for the rows x_k of Xt (stacked, chunk-independent)."""
    return np.matmul(Mat[None, :, :], Xt[:, :, None])[:, :, 0]


def _phi_grad(Xt, M, Ds, Gt, Wt):
    Zs = _mv(Ds, Xt) + Wt
    Zp = np.maximum(Zs, 0.0)
    MX = _mv(M, Xt)
    phi = 0.5 * np.sum(Xt * MX, axis=1) + np.sum(Gt * Xt, axis=1) + 0.5 * np.sum(Zp * Zp, axis=1)
    grad = MX + Gt + _mv(Ds.T, Zp)
    return phi, grad, Zs > 0


def _phi(Xt, M, Ds, Gt, Wt):
    Zp = np.maximum(_mv(Ds, Xt) + Wt, 0.0)
    return 0.5 * np.sum(Xt * _mv(M, Xt), axis=1) + np.sum(Gt * Xt, axis=1) + 0.5 * np.sum(Zp * Zp, axis=1)


def kkt_residual(X: np.ndarray, M: np.ndarray, Ds: np.ndarray, G: np.ndarray,
                 W: np.ndarray) -> np.ndarray:
    """Natural KKT residual ‖x_k − (x_k − ∇φ_k(x_k))₊‖∞ of each column (0 iff optimal)."""
    Xt = np.ascontiguousarray(X.T)
    _, grad, _ = _phi_grad(Xt, M, Ds, np.ascontiguousarray(G.T), np.ascontiguousarray(W.T))
    return np.max(np.abs(Xt - np.maximum(Xt - grad, 0.0)), axis=1, initial=0.0)


def solve_hidden_qp(
    M: np.ndarray, Ds: np.ndarray, G: np.ndarray, W: np.ndarray, *,
    tol: float = 1e-10, max_iter: int = 200, x0: np.ndarray | None = None,
    scale: float | None = None,
) -> HiddenQPResult:
    """Solve min_{X ≥ 0} Σ_k φ_k(x_k) column by column (all columns at once).

    Parameters
    ----------
    M : ndarray (h, h), symmetric PSD
    Ds : ndarray (h, h)
        diag(√λ) D.
    G, W : ndarray (h, m)
        Linear term and scaled pre-activation offset diag(√λ)(EU + f1ᵀ).
    tol : float
        KKT tolerance, relative to ``scale``.
    max_iter : int
    x0 : ndarray (h, m), optional
        Warm start (projected onto X ≥ 0).
    scale : float, optional
        Default max(1, ‖G‖∞, ‖W‖∞). A caller solving column blocks separately passes
        the scale of the whole problem, so every block stops by the same rule.

    Raises
    ------
    TypeError, ValueError
        Arrays that are not finite, real, of matching shapes; bad ``tol``,
        ``max_iter``, ``scale``.
    idl_sdp.SolverError
        A singular Newton system (a column's QP is unbounded or flat along a free
        direction; status ``"singular"``) or non-finite iterates (the data overflow
        float64; status ``"numerical_error"``).
    """
    M = as_matrix(M, "M")
    h = M.shape[0]
    if M.shape != (h, h):
        raise ValueError(f"M must be square (h, h), got shape {M.shape}")
    Ds = as_matrix(Ds, "Ds", shape=(h, h))
    G = as_matrix(G, "G", shape=(h, None))
    W = as_matrix(W, "W", shape=G.shape)
    if x0 is not None:
        x0 = as_matrix(x0, "x0", shape=G.shape)
    tol = check_nonneg_float(tol, "tol")
    max_iter = check_positive_int(max_iter, "max_iter")
    if scale is not None:
        scale = check_nonneg_float(scale, "scale", positive=True)
    # Stacked h × h products and solves: BLAS threads only add contention here.
    with threadpool_limits(limits=1, user_api="blas"), np.errstate(all="ignore"):
        res = _solve(M, Ds, G, W, tol, max_iter, x0, scale)
    if not (np.all(np.isfinite(res.X)) and np.isfinite(res.kkt)):
        raise SolverError("X-step (fast): non-finite iterates or KKT residual (the data "
                          "overflow float64?)", status="numerical_error", step="X-step")
    return res


def problem_scale(G: np.ndarray, W: np.ndarray) -> float:
    """max(1, ‖G‖∞, ‖W‖∞): the scale the KKT tolerance is relative to."""
    return max(1.0, float(np.max(np.abs(G), initial=0.0)), float(np.max(np.abs(W), initial=0.0)))


def _solve(M, Ds, G, W, tol, max_iter, x0, scale):
    # Fresh, aligned copies: arrays arriving from another process (e.g. a Dask worker)
    # may sit in unaligned buffers, for which BLAS takes other code paths and the last
    # bits of the results differ; copies make every run compute the same way.
    M, Ds = np.array(M, dtype=np.float64, order="C"), np.array(Ds, dtype=np.float64, order="C")
    h, m = G.shape
    Gt, Wt = np.ascontiguousarray(G.T), np.ascontiguousarray(W.T)
    Xt = np.zeros((m, h)) if x0 is None else np.ascontiguousarray(np.maximum(x0.T, 0.0))
    tol_abs = tol * (problem_scale(G, W) if scale is None else scale)
    eye = np.eye(h)
    sigma = 1e-4
    active = np.arange(m)
    kkt = np.zeros(m)
    it = 0
    for it in range(1, max_iter + 1):
        Xa = Xt[active]
        Ga, Wa = Gt[active], Wt[active]
        phi, grad, pos = _phi_grad(Xa, M, Ds, Ga, Wa)
        res = np.max(np.abs(Xa - np.maximum(Xa - grad, 0.0)), axis=1, initial=0.0)
        kkt[active] = res
        keep = ~(res <= tol_abs)  # NaN residuals are not converged
        if not np.any(keep):
            active = active[:0]
            break
        active, Xa, Ga, Wa = active[keep], Xa[keep], Ga[keep], Wa[keep]
        phi, grad, pos, res = phi[keep], grad[keep], pos[keep], res[keep]
        # Generalised Hessian per column: M + Dsᵀ diag(pos) Ds.
        H = M[None, :, :] + np.matmul(Ds.T[None, :, :] * pos[:, None, :], Ds[None, :, :])
        eps_k = np.minimum(res, 1e-3)[:, None]
        binding = (Xa <= eps_k) & (grad > 0)
        hdiag = np.maximum(np.diagonal(H, axis1=1, axis2=2), 1e-12)
        free = ~binding
        Hm = H * (free[:, :, None] & free[:, None, :]) + eye[None] * binding[:, :, None]
        rhs = np.where(binding, -grad / hdiag, -grad)
        try:
            d = np.linalg.solve(Hm, rhs[:, :, None])[:, :, 0]
        except np.linalg.LinAlgError:
            raise SolverError("X-step (fast): singular Newton system (a column's QP is "
                              "unbounded or flat along a free direction)",
                              status="singular", step="X-step") from None
        alpha = np.ones(len(active))
        todo = np.ones(len(active), dtype=bool)
        Xnew = Xa.copy()
        for _ in range(40):
            idx = np.flatnonzero(todo)
            if idx.size == 0:
                break
            Xc = np.maximum(Xa[idx] + alpha[idx, None] * d[idx], 0.0)
            phic = _phi(Xc, M, Ds, Ga[idx], Wa[idx])
            bound = phi[idx] + sigma * np.sum(grad[idx] * (Xc - Xa[idx]), axis=1)
            ok = phic <= bound + 1e-15 * np.abs(phi[idx])
            Xnew[idx[ok]] = Xc[ok]
            todo[idx[ok]] = False
            alpha[idx[~ok]] *= 0.5
        Xt[active] = Xnew  # columns whose search failed keep their point (counted below)
    converged = active.size == 0
    return HiddenQPResult(X=Xt.T.copy(), kkt=float(np.max(kkt, initial=0.0)),
                          iterations=it, converged=converged)
