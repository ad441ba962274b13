r"""A fast exact X-step: batched projected Newton on m independent small QPs.

For fixed Θ the X-step separates by column k into

.. math::
   \min_{x \ge 0}\ \varphi_k(x) = \tfrac12 x^T M x + g_k^T x
      + \tfrac12 \|(D_s x + w_k)_+\|^2 ,

with M = AᵀA + Λ − ΛD − DᵀΛ ⪰ 0, D_s = diag(√λ) D, g_k and w_k the k-th columns of
G and W (see :mod:`idl_sdp.hidden_step`). φ_k is convex and piecewise quadratic with
generalised Hessian H = M + D_sᵀ diag(1[D_s x + w_k > 0]) D_s. Each iteration is a
projected Newton step after Bertsekas (1982), made robust for the badly scaled,
strongly coupled M that small λ and a large A give (condition numbers of 10⁵–10⁶):

* Binding set: x_i ≤ ε with ∂_iφ > 0, ε = min(w, 10⁻³), where w is the residual
  ‖x − [x − diag(H)⁻¹∇φ]₊‖∞ of the diagonally scaled step (Bertsekas' ε may use a
  positive diagonal scaling). It has the units of x, unlike the natural
  KKT residual ‖x − [x − ∇φ]₊‖∞, which equals x_i itself when 0 < x_i < ∂_iφ: such
  a variable then fixed *itself* as binding, even when it is positive at the solution.
* Fixed set: the binding variables, plus every variable at the bound whose face Newton
  component (below) points out of the orthant; the free set is shrunk and the system
  re-solved until no such variable is left (at most h passes). Otherwise the
  projection clips those components, the projected point is a poor one, and the
  Armijo search shrinks the step to ~2⁻¹⁰ again and again while the free set
  zig-zags between two sets.
* Face Newton direction: d_i = −x_i on the fixed set and, on the free set F, the
  Newton step of the quadratic model including the coupling to the fixed variables,
  H_FF d_F = −∇_Fφ + H_FB x_B, so x + d minimises the model on the face x_fixed = 0.
  Bertsekas' scaled gradient step −∂_iφ / H_ii on a binding variable that is strongly
  coupled to free ones moves it by a tiny amount (the curvature left once the free
  variables adjust is far below H_ii), and it crawls for hundreds of iterations.
* Arc search: Armijo along the projection arc [x + α d]₊ with α = 1, then the first
  breakpoint of the line (where a free variable reaches the bound; it is set exactly
  to 0 there), then halving. Should the face direction not be a descent direction,
  or its search fall below α = 10⁻³, Bertsekas' direction (Newton on the non-binding
  variables, −∂_iφ / H_ii on the binding ones) is searched instead; its arc descends
  at every non-stationary point.

Every accepted step decreases φ_k by the Armijo amount. Once the active pieces and the
active set are identified, the full face Newton step lands on the minimiser, so the
method typically stops after a handful of iterations (see
``tests/test_fast_hidden_stall.py`` for ill-conditioned instances).

Every column is updated only until it meets the KKT tolerance and every operation is
per column (stacked ``matmul`` / ``solve``), so the result for a column does not depend
on which other columns are solved with it: chunked (e.g. Dask) and serial runs are
bit-identical.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from .._repr import deprecated_alias
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
    n_iter : int
        Projected Newton iterations of the slowest column (formerly ``iterations``,
        still readable).
    converged : bool
    """

    X: np.ndarray
    kkt: float
    n_iter: int
    converged: bool

    iterations = deprecated_alias("n_iter", "iterations")


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


def _bmv(Hs, Xt):
    """Per-column product H_k @ x_k for stacked H_k (chunk-independent)."""
    return np.matmul(Hs, Xt[:, :, None])[:, :, 0]


def _newton_solve(H, fixed, rhs):
    """Solve, per column, H on the free block and the identity on the fixed one."""
    free = (~fixed).astype(H.dtype)
    Hm = H * free[:, :, None]
    Hm *= free[:, None, :]
    Hm.reshape(len(Hm), -1)[:, ::Hm.shape[1] + 1] += fixed
    try:
        return np.linalg.solve(Hm, rhs[:, :, None])[:, :, 0]
    except np.linalg.LinAlgError:
        raise SolverError("X-step (fast): singular Newton system (a column's QP is "
                          "unbounded or flat along a free direction)",
                          status="singular", step="X-step") from None


def _face_directions(H, grad, Xa, binding):
    """Fixed set and face Newton direction of each column.

    d_i = −x_i on the fixed set; on the free set F, d_F solves
    H_FF d_F = −∇_Fφ + H_FB x_B, so x + d minimises the quadratic model on the face
    {x_fixed = 0}. Starting from the binding set, variables at the bound (not binding,
    so ∂_iφ ≤ 0) whose component of d is negative are fixed too and d re-solved, until
    no such variable is left (each pass fixes at least one more variable).
    """
    fixed = binding.copy()
    at_bound = (Xa <= 0.0) & ~binding
    # Coupling to the binding variables off the bound; the variables fixed later are
    # at the bound and add nothing.
    rhs_free = -grad
    xb = np.where(binding, Xa, 0.0)
    off = np.flatnonzero(np.any(xb > 0.0, axis=1))
    if off.size:
        rhs_free[off] += _bmv(H[off], xb[off])
    d = _newton_solve(H, fixed, np.where(fixed, -Xa, rhs_free))
    idx = np.arange(len(Xa))
    for _ in range(Xa.shape[1]):
        add = at_bound[idx] & ~fixed[idx] & (d[idx] < 0)
        grow = np.any(add, axis=1)
        if not np.any(grow):
            break
        idx = idx[grow]
        fixed[idx] |= add[grow]
        fx = fixed[idx]
        d[idx] = _newton_solve(H[idx], fx, np.where(fx, -Xa[idx], rhs_free[idx]))
    return fixed, d


def _projected_newton_directions(H, hdiag, grad, binding):
    """Bertsekas' direction: Newton on the non-binding variables, −∂_iφ / H_ii on the
    binding ones. The projection arc along it descends at every non-stationary point."""
    return _newton_solve(H, binding, np.where(binding, -grad / hdiag, -grad))


def _breakpoints(Xa, d, fixed):
    """Step lengths at which the free variables moving down reach the bound (∞ otherwise)."""
    blk = (d < 0) & (Xa > 0) & ~fixed
    return np.where(blk, Xa / np.where(blk, -d, 1.0), np.inf)


def _solve(M, Ds, G, W, tol, max_iter, x0, scale):
    # Fresh, aligned copies: arrays arriving from another process (e.g. a Dask worker)
    # may sit in unaligned buffers, for which BLAS takes other code paths and the last
    # bits of the results differ; copies make every run compute the same way.
    M, Ds = np.array(M, dtype=np.float64, order="C"), np.array(Ds, dtype=np.float64, order="C")
    h, m = G.shape
    Gt, Wt = np.ascontiguousarray(G.T), np.ascontiguousarray(W.T)
    Xt = np.zeros((m, h)) if x0 is None else np.ascontiguousarray(np.maximum(x0.T, 0.0))
    tol_abs = tol * (problem_scale(G, W) if scale is None else scale)
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
        # Binding set with Bertsekas' ε = min(w, 10⁻³), w the residual of the diagonally
        # scaled step x − [x − diag(H)⁻¹∇φ]₊ (in the units of x, as x_i ≤ ε compares).
        hdiag = np.maximum(np.diagonal(H, axis1=1, axis2=2), 1e-12)
        w = np.max(np.abs(Xa - np.maximum(Xa - grad / hdiag, 0.0)), axis=1, initial=0.0)
        binding = (Xa <= np.minimum(w, 1e-3)[:, None]) & (grad > 0)
        fixed, d = _face_directions(H, grad, Xa, binding)
        use_pn = ~(np.sum(grad * d, axis=1) < 0)  # face direction not a descent one (or NaN)
        j = np.flatnonzero(use_pn)
        if j.size:
            d[j] = _projected_newton_directions(H[j], hdiag[j], grad[j], binding[j])
        brk = _breakpoints(Xa, d, fixed)
        brk[j] = np.inf  # the projected Newton direction: plain halving along the arc
        first = np.min(brk, axis=1, initial=np.inf)
        alpha = np.ones(len(active))
        todo = np.ones(len(active), dtype=bool)
        Xnew = Xa.copy()
        for _ in range(60):
            idx = np.flatnonzero(todo)
            if idx.size == 0:
                break
            a = alpha[idx]
            Xc = np.maximum(Xa[idx] + a[:, None] * d[idx], 0.0)
            Xc[brk[idx] <= a[:, None]] = 0.0  # at the first breakpoint: exactly on the bound
            phic = _phi(Xc, M, Ds, Ga[idx], Wa[idx])
            bound = phi[idx] + sigma * np.sum(grad[idx] * (Xc - Xa[idx]), axis=1)
            ok = phic <= bound + 1e-15 * np.abs(phi[idx])
            Xnew[idx[ok]] = Xc[ok]
            todo[idx[ok]] = False
            j, a = idx[~ok], a[~ok]
            # α = 1 failed: try the first breakpoint of the line, then halve.
            alpha[j] = np.where((a == 1.0) & (first[j] < 1.0) & (first[j] > 0.0), first[j], 0.5 * a)
            # The face direction's search failed: search the projected Newton direction.
            j = j[~use_pn[j] & (alpha[j] < 1e-3)]
            if j.size:
                use_pn[j] = True
                d[j] = _projected_newton_directions(H[j], hdiag[j], grad[j], binding[j])
                brk[j] = np.inf
                first[j] = np.inf
                alpha[j] = 1.0
        Xt[active] = Xnew  # columns whose search failed keep their point (counted below)
    converged = active.size == 0
    return HiddenQPResult(X=Xt.T.copy(), kkt=float(np.max(kkt, initial=0.0)),
                          n_iter=it, converged=converged)
