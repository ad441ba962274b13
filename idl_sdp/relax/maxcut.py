"""The max-cut SDP, its Burer–Monteiro factorisation, a dual certificate and GW rounding.

For a symmetric weight matrix ``W`` with Laplacian ``L = Diag(W1) − W``, the weight of
the cut ``x ∈ {±1}ⁿ`` is ``¼ xᵀLx``, and the SDP relaxation is::

    maximise ¼⟨L, X⟩   subject to   diag X = 1,  X ⪰ 0.

Methods of :func:`maxcut`:

``"sdp"``
    The convex problem as an explicit cvxpy problem (Clarabel or SCS; small ``n``).
``"bm"``
    Burer–Monteiro: ``X = VVᵀ`` with the rows of ``V ∈ R^{n×r}`` on the unit sphere
    (the oblique manifold), solved by a Riemannian trust-region method with truncated
    conjugate gradients (numpy / scipy.sparse). With ``r(r+1)/2 > n`` second-order
    critical points are globally optimal for generic cost matrices. On low-degree graphs
    it starts with mixing sweeps (:mod:`idl_sdp.relax.maxcut_mixing`) at a small rank
    and grows the rank when the second-order check asks (:func:`_bm_staircase`); it stops
    once the certificate proves the gap.
``"ialm"``, ``"linearized_al"``
    The same factorisation written as ``min −¼⟨L, VVᵀ⟩`` s.t. ``diag(VVᵀ) = 1`` with
    ``‖V‖_F² ≤ n`` as the simple set ``g``, solved by
    :func:`idl_sdp.relax.augmented_lagrangian` (inexact, resp. linearized).

Every method ends with a dual certificate (:func:`maxcut_certificate`) and
Goemans–Williamson rounding (:func:`gw_rounding`).
"""
from __future__ import annotations

import math
import time
import warnings
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from threadpoolctl import threadpool_limits

from .._solvers import SOLVERS, SolverError, check_solver, solve_problem
from .._validation import (as_finite_array, as_matrix, check_choice, check_finite_result,
                           check_nonneg_float, check_options, check_positive_int)
from ._result import DualBound, MaxCutResult
from .ialm import AL_OPTIONS, augmented_lagrangian, memo_last, method_options
from .maxcut_mixing import colour_classes, mixing_sweeps

__all__ = ["maxcut", "laplacian", "gw_rounding", "one_flip_search", "maxcut_certificate",
           "default_rank", "weights_from_edges",
           "MAXCUT_METHODS"]

MAXCUT_METHODS = ("bm", "sdp", "ialm", "linearized_al")
_U = np.finfo(float).eps / 2  # unit roundoff of IEEE double
def _bm_gap_tol(n: int) -> float:
    """``"bm"`` stops once the certificate proves this relative gap (default tolerances):
    tight for small graphs, where it is cheap, 5·10⁻⁷ (half the usual 10⁻⁶ goal) above."""
    return 1e-8 if n <= 100 else (1e-7 if n <= 1000 else 5e-7)




# ----------------------------------------------------------------------------- input

def _as_square(W: Any, name: str) -> sp.csr_matrix:
    """A finite, real, square, non-empty matrix (dense or sparse) as float CSR."""
    if sp.issparse(W):
        as_finite_array(W.tocoo().data, name)  # before the float cast drops an imaginary part
        W = sp.csr_matrix(W, dtype=float)
    else:
        W = sp.csr_matrix(as_finite_array(W, name, ndim=2))
    n, m = W.shape
    if n != m:
        raise ValueError(f"{name} must be square, got shape {W.shape}")
    if n == 0:
        raise ValueError(f"{name} must not be empty")
    return W


def _check_symmetric(W: sp.csr_matrix, name: str) -> None:
    asym = abs(W - W.T)
    scale = float(abs(W).max()) if W.nnz else 0.0
    if asym.nnz and float(asym.max()) > 1e-12 * max(scale, 1e-300):
        raise ValueError(
            f"{name} must be symmetric, got max |{name} - {name}.T| = {float(asym.max()):.3g}")


def _looks_like_edges(W: Any) -> bool:
    """A non-empty list / tuple of tuples: the usual spelling of an edge list (what
    ``networkx`` returns), never taken for the rows of a matrix."""
    return (isinstance(W, (list, tuple)) and len(W) > 0
            and all(isinstance(row, tuple) for row in W))


def _as_weights(W: Any) -> sp.csr_matrix:
    """Validate a weight matrix: square, finite, symmetric; returns CSR, zero diagonal."""
    if _looks_like_edges(W):
        raise ValueError(
            "W looks like an edge list (a sequence of tuples), not an n×n weight matrix; "
            "pass it as maxcut(edges=...) or convert it with weights_from_edges(...)")
    if not sp.issparse(W):
        shape = np.shape(W) if isinstance(W, np.ndarray) else None
        if shape is not None and len(shape) == 2 and shape[1] in (2, 3) and shape[0] != shape[1]:
            raise ValueError(
                f"W must be a square n×n weight matrix, got shape {shape}; an (m, 2) or "
                "(m, 3) array of edges is read by maxcut(edges=...) or weights_from_edges")
    W = _as_square(W, "W")
    _check_symmetric(W, "W")
    W = (0.5 * (W + W.T)).tolil()
    W.setdiag(0.0)  # self loops are never cut
    W = W.tocsr()
    W.eliminate_zeros()
    return W


def weights_from_edges(edges: Any, n: Optional[int] = None) -> sp.csr_matrix:
    """The symmetric weight matrix of an undirected edge list.

    Parameters
    ----------
    edges : array_like, shape (m, 2) or (m, 3)
        One edge ``(i, j)`` (weight 1) or ``(i, j, w)`` per row: an array or a sequence
        of tuples / lists. Vertices are integers ``0 … n−1``; the weights are finite
        (any sign). Repeated edges add their weights; self-loops are dropped (a loop is
        never cut).
    n : int, optional
        Number of vertices (default: the largest index + 1), to include isolated
        vertices after the last one that has an edge.

    Returns
    -------
    scipy.sparse.csr_matrix, shape (n, n)
        ``W`` with ``W[i, j] = W[j, i] =`` the total weight of the edges ``{i, j}``.

    Raises
    ------
    ValueError
        ``edges`` is empty, not of shape (m, 2) or (m, 3), has a non-integral or negative
        vertex index, an index ≥ ``n``, or a non-finite weight.
    """
    E = as_finite_array(edges, "edges", ndim=2)
    if E.shape[0] == 0 or E.shape[1] not in (2, 3):
        raise ValueError(f"edges must have shape (m, 2) or (m, 3) with m ≥ 1, got {E.shape}")
    ij = E[:, :2]
    if np.any(ij != np.round(ij)) or np.any(ij < 0):
        raise ValueError("edges: the vertex indices (first two columns) must be "
                         "nonnegative integers")
    i, j = ij[:, 0].astype(np.int64), ij[:, 1].astype(np.int64)
    top = int(max(i.max(), j.max())) + 1
    if n is None:
        n = top
    else:
        n = check_positive_int(n, "n")
        if top > n:
            raise ValueError(f"edges: vertex index {top - 1} is out of range for n={n}")
    w = E[:, 2] if E.shape[1] == 3 else np.ones(E.shape[0])
    keep = i != j
    i, j, w = i[keep], j[keep], w[keep]
    W = sp.coo_matrix((np.concatenate([w, w]), (np.concatenate([i, j]), np.concatenate([j, i]))),
                      shape=(n, n)).tocsr()  # duplicates are summed
    W.eliminate_zeros()
    return W


def laplacian(W: Any) -> sp.csr_matrix:
    """The graph Laplacian ``L = Diag(W1) − W`` of a symmetric weight matrix (CSR)."""
    W = _as_weights(W)
    with np.errstate(all="ignore"):
        d = np.asarray(W.sum(axis=1)).ravel()
    check_finite_result(d, "the weighted degrees W1", "W")
    return (sp.diags(d) - W).tocsr()


def default_rank(n: int) -> int:
    """The smallest ``r`` with ``r(r+1)/2 > n`` (capped at ``n``)."""
    n = check_positive_int(n, "n")
    r = int((math.isqrt(8 * n + 1) - 1) // 2)
    while r * (r + 1) // 2 <= n:
        r += 1
    return max(1, min(r, n))


def _normalize_rows(V: np.ndarray) -> np.ndarray:
    nrm = np.linalg.norm(V, axis=1, keepdims=True)
    bad = nrm[:, 0] == 0
    if np.any(bad):
        V = V.copy()
        V[bad, 0] = 1.0
        nrm[bad] = 1.0
    return V / nrm


def _random_oblique(n: int, r: int, rng: np.random.Generator) -> np.ndarray:
    return _normalize_rows(rng.standard_normal((n, r)))


# ----------------------------------------------------------------------- rounding

def gw_rounding(V: Any, L: Any, *, rounds: int = 100, seed: int = 0) -> Tuple[np.ndarray, float]:
    """Goemans–Williamson random-hyperplane rounding: the best of ``rounds`` cuts.

    Parameters
    ----------
    V : array, shape (n, r)
        Factor of the SDP solution (``X ≈ VVᵀ``).
    L : sparse or dense (n, n)
        The Laplacian.
    rounds : int
        Number of random hyperplanes ``g ~ N(0, I_r)``; cut ``x = sign(Vg)``.
    seed : int

    Returns
    -------
    cut : ndarray of int8 (±1)
    cut_value : float
        ``¼ xᵀLx``.
    """
    V = as_finite_array(V, "V", ndim=2)
    L = _as_square(L, "L")
    if L.shape[0] != V.shape[0]:
        raise ValueError(f"L must be {V.shape[0]}×{V.shape[0]} (one row per row of V), "
                         f"got shape {L.shape}")
    rounds = check_positive_int(rounds, "rounds")
    seed = check_positive_int(seed, "seed", minimum=0)
    rng = np.random.default_rng(seed)
    G = rng.standard_normal((V.shape[1], rounds))
    X = np.sign(V @ G)
    X[X == 0] = 1.0
    with np.errstate(all="ignore"):
        vals = 0.25 * np.einsum("ij,ij->j", X, L @ X)
    check_finite_result(vals, "the cut values ¼ xᵀLx", "L")
    best = int(np.argmax(vals))
    return X[:, best].astype(np.int8), float(vals[best])


def one_flip_search(cut: Any, L: Any, *, max_flips: Optional[int] = None
                    ) -> Tuple[np.ndarray, float, int]:
    """Improve a ±1 cut by single-vertex flips until none increases its weight.

    Flipping vertex i changes ``¼ xᵀLx`` by ``gᵢ = L_ii − xᵢ(Lx)ᵢ``; the vertex of
    largest gain is flipped while some gain exceeds ``1e-12·(1 + max_i |L_ii|)``
    (rounding), and the gains of its neighbours are updated (O(deg) per flip). The
    result is a 1-flip local optimum: no single vertex can move to improve it.

    Parameters
    ----------
    cut : array of ±1, shape (n,)
    L : sparse or dense (n, n)
        The Laplacian.
    max_flips : int, optional
        Stop after this many flips (default 10·n).

    Returns
    -------
    cut : ndarray of int8, cut_value : float, flips : int
    """
    L = sp.csr_matrix(_as_square(L, "L"))
    n = L.shape[0]
    x = as_finite_array(cut, "cut", ndim=1).astype(float)
    if x.shape != (n,) or not np.all(np.abs(x) == 1.0):
        raise ValueError(f"cut must be a ±1 vector of length {n}")
    max_flips = 10 * n if max_flips is None else check_positive_int(max_flips, "max_flips",
                                                                    minimum=0)
    Lc = L.tocsc()
    diag = L.diagonal()
    Lx = L @ x
    gain = diag - x * Lx
    tol = 1e-12 * (1.0 + float(np.max(np.abs(diag), initial=0.0)))
    flips = 0
    while flips < max_flips:
        i = int(np.argmax(gain))
        if gain[i] <= tol:
            break
        # x_i → −x_i: Lx changes by −2x_i·L[:, i], the gains of i and its neighbours
        a, b = Lc.indptr[i], Lc.indptr[i + 1]
        rows, vals = Lc.indices[a:b], Lc.data[a:b]
        Lx[rows] -= 2.0 * x[i] * vals
        x[i] = -x[i]
        gain[rows] = diag[rows] - x[rows] * Lx[rows]
        gain[i] = diag[i] - x[i] * Lx[i]
        flips += 1
    value = 0.25 * float(x @ (L @ x))
    return x.astype(np.int8), value, flips


# -------------------------------------------------------------------- certificate

def _cholesky_ok(M: np.ndarray) -> Optional[np.ndarray]:
    try:
        return sla.cholesky(M, lower=False, check_finite=False, overwrite_a=False)
    except np.linalg.LinAlgError:
        return None


def maxcut_certificate(L: Any, nu: Any, *, dense_limit: int = 4000) -> DualBound:
    """An upper bound ``Σν − n·ℓ`` on the max-cut SDP value, with ``ℓ ≤ λ_min(diag ν − ¼L)``.

    Parameters
    ----------
    L : sparse or dense (n, n)
        The Laplacian (as stored in floating point; exact for integer weights).
    nu : array, shape (n,)
        Any vector; ``ν_i = ¼(L VVᵀ)_ii`` from a primal factor or the SDP's dual
        multipliers of ``diag X = 1`` give tight bounds.
    dense_limit : int
        For ``n ≤ dense_limit`` the bound is proved by a dense Cholesky (see Notes);
        above it by a sparse LDLᵀ with an a-posteriori residual bound
        (:func:`_sparse_residual_bound`). If that fails, ``upper_bound`` is +inf and
        ``certified=False`` (the Lanczos estimate is reported as ``estimate`` only).

    Returns
    -------
    DualBound

    Raises
    ------
    TypeError, ValueError
        ``L`` not a finite, real, square, symmetric matrix; ``nu`` not a finite vector
        of length n; a bad ``dense_limit``; data so large that the bound overflows float64.
    idl_sdp.SolverError
        If no shifted Cholesky factorisation succeeds (data too badly scaled for float64).

    Notes
    -----
    *What is proved* (``n ≤ dense_limit``). Let ``S = diag ν − ¼L`` and ``θ`` a dense
    estimate of ``λ_min(S)``. We form ``M̂ = fl(S − ℓI)`` with ``ℓ₀ = θ − τ`` (the
    off-diagonal ``−¼L_ij`` is exact; each diagonal entry has error at most
    ``e = 3u·max_i(|ν_i| + ¼|L_ii| + |ℓ₀|)``, ``u = 2⁻⁵³``) and run LAPACK's Cholesky on
    it, increasing ``τ`` until it succeeds. By Higham (Accuracy and Stability of
    Numerical Algorithms, Thm 10.3), success means ``M̂ + ΔM = R̂ᵀR̂ ⪰ 0`` with
    ``|ΔM| ≤ γ_{n+1}|R̂ᵀ||R̂|``, so ``λ_min(M̂) ≥ −γ_{n+1}‖R̂‖_F² ≥ −γ_{n+1} tr(M̂)/(1 −
    γ_{n+1})``. Hence ``λ_min(S) ≥ ℓ := ℓ₀ − γ_{n+1} tr(M̂)/(1 − γ_{n+1}) − e``, and the
    returned bound ``Σν − nℓ`` (``Σν`` by ``math.fsum``) is rounded up by a relative
    ``4u``. Assumptions: IEEE double arithmetic with round-to-nearest, no underflow, and
    conventional (not Strassen-like) BLAS inside the Cholesky factorisation.
    """
    with threadpool_limits(limits=1, user_api="blas"):
        out = _certificate(L, nu, dense_limit)
    if out.certified and not (math.isfinite(out.upper_bound)
                              and math.isfinite(out.lambda_lower)):
        # Σν − nℓ overflowed float64: no finite bound can be stated from these data.
        raise ValueError("nu and L are too large for a bound in float64 (Σν − n·λ_lower "
                         f"overflows; max |nu| = {float(np.max(np.abs(out.nu))):.3g})")
    return out


def _certificate(L: Any, nu: Any, dense_limit: int) -> DualBound:
    t0 = time.perf_counter()
    Ls = _as_square(L, "L")
    _check_symmetric(Ls, "L")
    n = Ls.shape[0]
    nu = as_finite_array(nu, "nu", ndim=1)
    if nu.shape != (n,):
        raise ValueError(f"nu must have length {n}, got {nu.shape}")
    dense_limit = check_positive_int(dense_limit, "dense_limit")
    S = sp.diags(nu) - 0.25 * Ls
    s_sum = math.fsum(nu.tolist())
    if n <= dense_limit:
        Sd = S.toarray()
        theta = float(sla.eigh(Sd, eigvals_only=True, subset_by_index=[0, 0],
                               check_finite=False)[0])
        scale = float(np.max(np.abs(Sd).sum(axis=1)))
        gamma = (n + 1) * _U / (1 - (n + 1) * _U)
        tau = max(64.0 * n * _U * scale, 1e-300)
        diag_abs = np.abs(nu) + 0.25 * np.abs(Ls.diagonal())
        for _ in range(40):
            ell0 = theta - tau
            M = Sd.copy()
            M[np.diag_indices(n)] -= ell0
            if _cholesky_ok(M) is not None:
                trace = math.fsum(np.diag(M).tolist()) * (1 + 2 * _U)
                e_diag = 3 * _U * (float(diag_abs.max()) + abs(ell0))
                ell = ell0 - gamma * trace / (1 - gamma) - e_diag
                ell -= 2 * _U * abs(ell)
                bound = s_sum - n * ell
                bound += 4 * _U * (abs(s_sum) + n * abs(ell))
                return DualBound(bound, nu.copy(), theta, ell, True,
                                   time.perf_counter() - t0)
            tau *= 4.0
        raise SolverError("max-cut certificate: the shifted Cholesky factorisation never "
                          "succeeded (L or nu too badly scaled for float64?)",
                          status="cholesky_failed", step="max-cut certificate")
    # Large n: a sparse LDLᵀ of the shifted matrix with an a-posteriori residual bound
    # (a proof), from an estimate θ of λ_min (shift-and-invert Lanczos, plain Lanczos if
    # no shift factors); the estimate θ − ‖r‖ itself is no bound (it bounds the distance
    # to *some* eigenvalue) and is only reported as such.
    scale = float(abs(S).sum(axis=1).max())
    if S.shape[0] > 2 and S.nnz:
        vals, vecs = (_smallest_eigenpairs(S, 1, max(64.0 * n * _U * scale, 1e-300))
                      or _lanczos_min(S))
    else:  # ARPACK needs n > 2 and a nonzero S; these are small: a dense estimate
        vals, vecs = sla.eigh(S.toarray(), subset_by_index=[0, 0])
    theta = float(vals[0])
    res = float(np.linalg.norm(S @ vecs[:, 0] - theta * vecs[:, 0]))
    estimate = s_sum - n * (theta - res)
    diag_abs = np.abs(nu) + 0.25 * np.abs(Ls.diagonal())
    tau = max(16.0 * res, 64.0 * n * _U * scale, 1e-300)
    for _ in range(12):
        ell0 = theta - tau
        err = _sparse_residual_bound(S, ell0)
        if err is not None:
            e_diag = 3 * _U * (float(diag_abs.max()) + abs(ell0))
            ell = ell0 - err - e_diag
            ell -= 2 * _U * abs(ell)
            bound = s_sum - n * ell
            bound += 4 * _U * (abs(s_sum) + n * abs(ell))
            return DualBound(bound, nu.copy(), theta, ell, True, time.perf_counter() - t0,
                             estimate)
        tau *= 4.0
    # no proof: the bound is +inf (never the estimate), the estimate keeps its own name
    return DualBound(math.inf, nu.copy(), theta, -math.inf, False, time.perf_counter() - t0,
                     estimate)


def _lanczos_min(S: sp.spmatrix) -> Tuple[np.ndarray, np.ndarray]:
    """A Lanczos estimate of the smallest eigenpair of ``S`` (only a starting shift for
    the proof, which does not rely on its accuracy).

    ARPACK's test ``‖r‖ ≤ tol·|θ|`` is relative to the Ritz value; near a dual optimum
    ``λ_min(S) ≈ 0`` and the test cannot be met. The spectrum is therefore shifted by
    the Gershgorin bound ``c ≥ ‖S‖₂`` (so ``S + cI ⪰ 0`` and the test is relative to
    ``c``), and a run that stops unconverged returns its best Ritz pair.
    """
    n = S.shape[0]
    c = float(abs(S).sum(axis=1).max())
    c = c if c > 0 else 1.0
    A = (S + c * sp.identity(n, format="csr")).tocsr()
    try:
        vals, vecs = spla.eigsh(A, k=1, which="SA", tol=1e-10, ncv=min(n - 1, 40),
                                maxiter=2000)
    except spla.ArpackNoConvergence as exc:
        if len(exc.eigenvalues):
            vals, vecs = exc.eigenvalues, exc.eigenvectors
        else:  # a tight cluster at the bottom: a block method still gives a good vector
            X0 = np.random.default_rng(0).standard_normal((n, min(8, n - 1)))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                vals, vecs = spla.lobpcg(A, X0, largest=False, tol=1e-9, maxiter=500)
    k = int(np.argmin(vals))
    u = vecs[:, k] / np.linalg.norm(vecs[:, k])
    theta = float(u @ (S @ u))        # the Rayleigh quotient of S itself, no shift error
    return np.array([theta]), u[:, None]


def _sparse_ldl(M: sp.spmatrix):
    """SuperLU's LU of ``PMPᵀ`` with diagonal pivots in symmetric mode (an LDLᵀ; a
    minimum-degree ordering keeps the fill small) if M is numerically positive definite
    (every pivot positive, no off-diagonal pivot), else None. A decision in floating
    point only: what it proves is bounded separately (:func:`_sparse_residual_bound`)."""
    try:
        lu = spla.splu(sp.csc_matrix(M), permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0,
                       options={"SymmetricMode": True})
    except RuntimeError:  # exactly singular factor
        return None
    if not np.array_equal(lu.perm_r, lu.perm_c):
        return None       # SuperLU left the diagonal: not an LDLᵀ of a symmetric PMPᵀ
    d = lu.U.diagonal()
    if not (np.all(np.isfinite(d)) and np.all(d > 0)):
        return None
    return lu


def _rayleigh_sorted(S: sp.spmatrix, Q: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """The Rayleigh quotients of S at the normalised columns of Q, ascending, with the
    columns in the same order (the eigenvalue estimates of both Lanczos paths)."""
    Q = Q / np.linalg.norm(Q, axis=0)
    w = np.einsum("ij,ij->j", Q, S @ Q)
    order = np.argsort(w)
    return w[order], Q[:, order]


def _smallest_eigenpairs(S: sp.spmatrix, k: int, tau0: float
                         ) -> Optional[Tuple[np.ndarray, np.ndarray]]:
    """Estimates of the ``k`` smallest eigenpairs of the sparse symmetric ``S`` by
    shift-and-invert Lanczos, or None if no shift was found.

    The shift ``σ = −τ`` is moved down (τ = τ₀, 8τ₀, …) until ``S − σI`` has a positive
    definite LDLᵀ (:func:`_sparse_ldl`), so that σ lies below the spectrum and the
    eigenvalues nearest σ are the smallest. Near a max-cut optimum the bottom of the
    spectrum of S is a cluster at ≈ 0 (relative 10⁻⁶ on grids) in which plain Lanczos on
    ``S + cI`` needs thousands of iterations; on ``(S − σI)⁻¹`` the same eigenvalues are
    the largest and well separated. Each try is one sparse factorisation, cheap where the
    factor has little fill (low-degree graphs). The eigenvalues returned are Rayleigh
    quotients of S.
    """
    n = S.shape[0]
    eye = sp.identity(n, format="csc")
    S = sp.csc_matrix(S)
    tau = tau0
    for _ in range(24):
        lu = _sparse_ldl(S + tau * eye)
        if lu is not None:
            break
        tau *= 8.0
    else:
        return None
    op = spla.LinearOperator((n, n), matvec=lu.solve, dtype=float)
    # A fixed start vector: ARPACK's own is random, and at a multiple eigenvalue (the
    # bottom of S at a max-cut optimum) how many copies converge depends on it.
    v0 = np.random.default_rng(0).standard_normal(n)
    try:
        _, Q = spla.eigsh(S, k=k, sigma=-tau, which="LM", OPinv=op, tol=1e-10, v0=v0,
                          maxiter=max(1000, 10 * k))
    except spla.ArpackNoConvergence as exc:
        if len(exc.eigenvalues) == 0:
            return None
        Q = exc.eigenvectors
    return _rayleigh_sorted(S, Q)


def _sparse_residual_bound(S: sp.spmatrix, ell0: float) -> Optional[float]:
    r"""A proven upper bound on ``‖M − RRᵀ‖₂`` for ``M = fl(S − ℓ₀I)`` and a sparse
    factor R with ``RRᵀ ⪰ 0`` (so ``λ_min(M) ≥ −bound``), or None if M is not
    numerically positive definite.

    R = L̂·diag(√d̂) from SuperLU's LU of PMPᵀ with diagonal pivots in symmetric mode
    (an LDLᵀ: a minimum-degree ordering keeps the fill small). Whatever R is, the
    residual E = PMPᵀ − RRᵀ is computed in floating point and its rounding is bounded
    entrywise by γ_{k+2}(|PMPᵀ| + |R||R|ᵀ) (Higham, Thm 3.5: each entry of RRᵀ is a sum of
    at most k products, k the largest row count of R, plus one subtraction); then
    ‖E‖₂ ≤ ‖E‖_∞ ≤ max_i Σ_j (|Ê_ij| + that), its row sums inflated by γ_n. Assumes IEEE
    double arithmetic, round to nearest, no underflow (as the dense path).
    """
    n = S.shape[0]
    M = (S - ell0 * sp.identity(n, format="csr")).tocsc()
    lu = _sparse_ldl(M)
    if lu is None:
        return None
    d = lu.U.diagonal()
    Lf = sp.csr_matrix(lu.L)
    R = Lf @ sp.diags(np.sqrt(d))
    P = sp.csr_matrix((np.ones(n), (lu.perm_r, np.arange(n))), shape=(n, n))
    B = (P @ M @ P.T).tocsr()          # PMPᵀ: products with a permutation are exact
    RRt = (R @ R.T).tocsr()
    E = (B - RRt).tocsr()
    k = int(np.diff(R.tocsr().indptr).max(initial=0))
    gk = (k + 2) * _U / (1 - (k + 2) * _U)
    Ra = abs(R)
    pad = gk * (abs(B) + (Ra @ Ra.T))
    rows = np.asarray((abs(E) + pad).sum(axis=1)).ravel()
    gn = (n + 2) * _U / (1 - (n + 2) * _U)
    out = float(rows.max(initial=0.0)) * (1 + gn) * (1 + 2 * _U)
    return out if math.isfinite(out) else None


# ------------------------------------------------------------- Riemannian trust region

def _rtr_oblique(
    L: sp.csr_matrix, V: np.ndarray, *, gtol: float, max_iter: int, max_inner: int,
    deadline: float, t0: float,
) -> Tuple[np.ndarray, Dict[str, List[float]], bool, str]:
    """Minimise ``F(V) = −¼⟨L, VVᵀ⟩`` over unit-norm rows by RTR + truncated CG.

    Euclidean gradient ``G = −½LV``; Riemannian gradient ``G − diag(⟨G_i, v_i⟩)V``;
    Riemannian Hessian ``U ↦ P_V(−½LU) − diag(⟨G_i, v_i⟩)U``; retraction: row
    normalisation (Absil, Baker & Gallivan 2007; Boumal 2023, ch. 6–7). The inner
    solve stops at ``‖r‖ ≤ ‖g‖·min(‖g‖^½, 0.1)`` (local order 1.5 rather than 2): on the
    toroidal Gset graphs, whose Hessians are ill-conditioned, the quadratic test's CG
    steps cost twice the time of the extra outer iterations (G67: 114 s → 61 s).
    """
    n, r = V.shape

    def proj(X: np.ndarray, U: np.ndarray) -> np.ndarray:
        return U - np.einsum("ij,ij->i", U, X)[:, None] * X

    LV = L @ V
    cost = -0.25 * float(np.vdot(V, LV))
    delta_bar = math.pi * math.sqrt(n)
    delta = delta_bar / 8.0
    hist: Dict[str, List[float]] = {"value": [], "gradnorm": [], "inner": [], "time": []}
    kappa, theta_exp, rho_prime = 0.1, 0.5, 0.1
    message, converged = "maximum number of iterations reached", False
    for _ in range(max_iter):
        egrad = -0.5 * LV
        c = np.einsum("ij,ij->i", egrad, V)
        grad = egrad - c[:, None] * V
        gnorm = float(np.linalg.norm(grad))
        hist["value"].append(-cost)
        hist["gradnorm"].append(gnorm)
        if gnorm <= gtol:
            hist["inner"].append(0)
            hist["time"].append(time.perf_counter() - t0)
            converged, message = True, "converged"
            break
        if time.perf_counter() > deadline:
            hist["inner"].append(0)
            hist["time"].append(time.perf_counter() - t0)
            message = "time limit reached"
            break

        def hess(U: np.ndarray) -> np.ndarray:
            return proj(V, -0.5 * (L @ U)) - c[:, None] * U

        # Steihaug–Toint truncated CG on the trust-region subproblem.
        eta = np.zeros_like(V)
        Heta = np.zeros_like(V)
        res = grad.copy()
        rr = gnorm * gnorm
        d = -res
        e_e = 0.0
        j = 0
        for j in range(1, max_inner + 1):
            Hd = hess(d)
            dHd = float(np.vdot(d, Hd))
            e_d = float(np.vdot(eta, d))
            d_d = float(np.vdot(d, d))
            alpha = rr / dHd if dHd > 0 else math.inf
            new_e_e = e_e + 2 * alpha * e_d + alpha * alpha * d_d
            if dHd <= 0 or new_e_e >= delta * delta:
                tau = (-e_d + math.sqrt(e_d * e_d + d_d * (delta * delta - e_e))) / d_d
                eta += tau * d
                Heta += tau * Hd
                hit_boundary = True
                break
            eta += alpha * d
            Heta += alpha * Hd
            e_e = new_e_e
            res = proj(V, res + alpha * Hd)
            rr_new = float(np.vdot(res, res))
            hit_boundary = False
            if math.sqrt(rr_new) <= gnorm * min(gnorm ** theta_exp, kappa):
                break
            d = -res + (rr_new / rr) * d
            rr = rr_new
        else:
            hit_boundary = False
        V_new = _normalize_rows(V + eta)
        LV_new = L @ V_new
        cost_new = -0.25 * float(np.vdot(V_new, LV_new))
        model_dec = -(float(np.vdot(grad, eta)) + 0.5 * float(np.vdot(eta, Heta)))
        actual_dec = cost - cost_new
        # Regularised ratio (Manopt): robust when both decreases are at round-off level.
        reg = max(1.0, abs(cost)) * 1e3 * np.finfo(float).eps
        rho = (actual_dec + reg) / (model_dec + reg) if model_dec + reg > 0 else -1.0
        if rho < 0.25:
            delta /= 4.0
        elif rho > 0.75 and hit_boundary:
            delta = min(2.0 * delta, delta_bar)
        if rho > rho_prime:
            V, LV, cost = V_new, LV_new, cost_new
        hist["inner"].append(j)
        hist["time"].append(time.perf_counter() - t0)
        if delta < 1e-14 * delta_bar:
            message = "trust region collapsed (round-off level)"
            break
    return V, hist, converged, message


# ------------------------------------------------- mixing + trust region, rank staircase

def _start_rank(n: int) -> int:
    """Starting rank of the staircase: small (the SDP optima of sparse graphs have low
    rank, and a low rank keeps every product with ``V`` cheap), capped by the default.
    24 above n = 8000: on G67 and G77 (n = 10 000, 14 000) rank 16 always had to grow
    to 24, and the extra trust-region stage cost more than the wider products."""
    return min(default_rank(n), 10 if n <= 2000 else (16 if n <= 8000 else 24))


def _lambda_min_vectors(S: sp.csr_matrix, k: int, v0: Optional[np.ndarray]
                        ) -> Tuple[np.ndarray, np.ndarray]:
    """Estimates of the ``k`` smallest eigenpairs of the sparse symmetric ``S``.

    Lanczos on ``S + cI`` (``c`` the Gershgorin bound, so ARPACK's relative test is
    relative to ``c`` rather than to ``λ_min ≈ 0``), to ``10⁻⁸`` relative; an unconverged
    run returns its Ritz pairs; the eigenvalues are Rayleigh quotients of ``S``. Dense
    when ``n`` is small.
    """
    n = S.shape[0]
    if n <= max(200, 3 * k + 2):
        w, Q = sla.eigh(S.toarray(), subset_by_index=[0, k - 1])
        return w, Q
    c = float(abs(S).sum(axis=1).max())
    c = c if c > 0 else 1.0
    A = (S + c * sp.identity(n, format="csr")).tocsr()
    try:
        _, Q = spla.eigsh(A, k=k, which="SA", tol=1e-8, v0=v0, maxiter=max(300, 2 * n))
    except spla.ArpackNoConvergence as exc:
        if len(exc.eigenvalues) == 0:
            w, Q = sla.eigh(S.toarray(), subset_by_index=[0, k - 1])
            return w, Q
        Q = exc.eigenvectors
    return _rayleigh_sorted(S, Q)


def _negative_curvature(S: sp.csr_matrix, k: int, thr: float, v0: Optional[np.ndarray],
                        sparse: bool) -> Tuple[np.ndarray, np.ndarray]:
    """The second-order check of the staircase: estimates of the ``k`` smallest
    eigenpairs of ``S`` when ``λ_min(S) < −thr`` may hold, else empty arrays.

    On low-degree graphs (``sparse``) one sparse LDLᵀ of ``S + thr·I`` decides first: if
    it is positive definite no eigenvalue lies below −thr, and the (slow, clustered)
    eigenvalue computation is skipped; otherwise shift-and-invert Lanczos
    (:func:`_smallest_eigenpairs`). Plain Lanczos (:func:`_lambda_min_vectors`) elsewhere
    and as the fallback.
    """
    n = S.shape[0]
    if sparse and n > 200:
        if _sparse_ldl(S + thr * sp.identity(n, format="csr")) is not None:
            return np.zeros(0), np.zeros((n, 0))
        got = _smallest_eigenpairs(S, k, 8.0 * thr)
        if got is not None:
            return got
    return _lambda_min_vectors(S, k, v0)


def _certificate_dense_limit(L: sp.csr_matrix) -> int:
    """The ``dense_limit`` for :func:`maxcut_certificate` in :func:`maxcut`: graphs of
    average degree ≤ 6 (toroidal grids, planar-like meshes) have sparse LDLᵀ factors with
    little fill, which prove the bound far faster than a dense Cholesky from n ≈ 1000 on;
    denser graphs keep the dense proof up to n = 4000. Both proofs are rigorous."""
    n = L.shape[0]
    return 1000 if (L.nnz - n) <= 6 * n else 4000


def _bm_staircase(
    W: sp.csr_matrix, L: sp.csr_matrix, V0: np.ndarray, *, r_max: int, grow: bool,
    gtol: float, gap_tol: Optional[float], deadline: float, t0: float, max_iter: int,
    low_degree: bool = True, mixing_sweeps_max: int = 300,
) -> Tuple[np.ndarray, Dict[str, List[float]], bool, str, Optional[DualBound]]:
    """Burer–Monteiro for max-cut: mixing sweeps, then trust-region stages, growing the rank.

    Notation: ``ν_i = ¼(LVVᵀ)_ii`` (so ``Σν = ¼⟨L, VVᵀ⟩``, the primal value) and
    ``S = diag ν − ¼L``; the Riemannian gradient of ``F = −¼⟨L, VVᵀ⟩`` is ``2SV`` and the
    bound of :func:`maxcut_certificate` for this ``ν`` is ``Σν − n·λ_min(S)`` up to
    rounding: the gap is ``−n·λ_min(S)``.

    1. *Mixing* (``low_degree`` graphs; :mod:`idl_sdp.relax.maxcut_mixing`):
       block-coordinate sweeps ``v_i ← −(WV)_i/‖(WV)_i‖`` over the colour classes, in
       blocks of 10, until a block raises ``¼⟨L, VVᵀ⟩`` by less than ``10⁻⁵`` relative (at
       most ``mixing_sweeps_max`` sweeps). Cheap per sweep but sublinear on the flat
       directions (``S`` has eigenvalues ≈ 10⁻⁶ relative on grids), hence only a start.
    2. *Trust-region stages* (:func:`_rtr_oblique`) to the gradient tolerances
       ``t₀, t₀/100, …`` down to ``gtol``, ``t₀ = 10⁻⁴·s`` (low degree) or ``10⁻⁶·s``,
       ``s = max(1, ‖L‖_∞)``.
    3. *Rank staircase* (``grow``; Journée, Bach, Absil & Sepulchre 2010; Boumal,
       Voroninski & Bandeira 2016): after a stage, estimates of the ``p`` smallest
       eigenpairs of ``S`` (``p = max(2, ⌊r/2⌋)``, capped by ``r_max − r``;
       :func:`_negative_curvature`: on low-degree graphs one sparse LDLᵀ first decides
       whether any eigenvalue lies below the threshold, then shift-and-invert). If
       ``θ = λ_min(S) < 0`` with ``−θ > ‖grad‖_F/√n`` (more than the gradient per row
       explains) and ``−nθ > gap_tol·|value|``, ``V`` is near a critical point of the
       rank-``r`` problem that is not an SDP optimum: the columns ``ε·u_k`` of the
       eigenvectors with ``θ_k < 0`` (directions of negative curvature ``2u_kᵀSu_k < 0``
       of the lifted problem) are appended, rows renormalised (``ε = 0.1√n``: entries
       ≈ 0.1), and the stage is repeated.
    4. *Stopping*: with ``gap_tol``, the rigorous certificate is computed after each
       stage (the Lanczos estimate is not trusted for this: it can miss the cluster of
       eigenvalues at 0) and the solve stops once it proves a relative gap
       ``≤ gap_tol``; otherwise after the ``gtol`` stage or at the deadline. The next
       stage's tolerance is the current one times ``½·gap_tol/gap`` (within [10⁻², ½];
       10⁻² without ``gap_tol``): the proven gap falls about in proportion to the
       gradient norm, and the last stage is the costly one.

    Returns the factor, the history (one record per trust-region iteration or block of
    mixing sweeps, with its ``rank`` and ``phase``), converged, message and the last
    certificate if it belongs to the returned ``V`` (else None).
    """
    n = L.shape[0]
    lscale = max(1.0, float(abs(L).sum(axis=1).max()) if L.nnz else 1.0)
    hist: Dict[str, List[Any]] = {"value": [], "gradnorm": [], "inner": [], "time": [],
                                  "rank": [], "phase": []}
    V = np.array(V0, dtype=float, copy=True)

    def record(value: float, gnorm: float, inner: int, phase: str) -> None:
        hist["value"].append(value)
        hist["gradnorm"].append(gnorm)
        hist["inner"].append(inner)
        hist["time"].append(time.perf_counter() - t0)
        hist["rank"].append(V.shape[1])
        hist["phase"].append(phase)

    def value_grad(V: np.ndarray) -> Tuple[float, np.ndarray, float]:
        LV = L @ V
        c = np.einsum("ij,ij->i", LV, V)
        grad = -0.5 * (LV - c[:, None] * V)
        return 0.25 * float(c.sum()), 0.25 * c, float(np.linalg.norm(grad))

    # 1. mixing sweeps (low-degree graphs; on denser ones the trust region alone is
    # well conditioned and faster)
    value, _, gnorm = value_grad(V)
    record(value, gnorm, 0, "mixing")
    done = 0
    classes = colour_classes(W) if low_degree else []
    while low_degree and done < mixing_sweeps_max and time.perf_counter() < deadline:
        V = mixing_sweeps(classes, V, 10)
        done += 10
        new, _, gnorm = value_grad(V)
        record(new, gnorm, 0, "mixing")
        stalled = new - value <= 1e-5 * abs(new)
        value = new
        if stalled or gnorm <= gtol:
            break

    # 2.–4. trust-region stages with the rank staircase
    stage_tol = max(gtol, (1e-4 if low_degree else 1e-6) * lscale)
    cert: Optional[DualBound] = None
    converged, message = False, "maximum number of iterations reached"
    v0 = None
    iters = 0
    while True:
        V, h, conv, msg = _rtr_oblique(L, V, gtol=stage_tol, max_iter=max(1, max_iter - iters),
                                       max_inner=max(50, 4 * n), deadline=deadline, t0=t0)
        iters += len(h["inner"])
        for k in range(len(h["inner"])):
            hist["value"].append(h["value"][k])
            hist["gradnorm"].append(h["gradnorm"][k])
            hist["inner"].append(h["inner"][k])
            hist["time"].append(h["time"][k])
            hist["rank"].append(V.shape[1])
            hist["phase"].append("trust-region")
        if not conv:
            converged, message = False, msg
            break
        value, nu, gnorm = value_grad(V)
        S = (sp.diags(nu) - 0.25 * L).tocsr()
        p = min(max(2, V.shape[1] // 2), r_max - V.shape[1]) if grow else 0
        if p > 0:   # the second-order check of the staircase
            thr = max(gnorm / math.sqrt(n), (gap_tol or 0.0) * abs(value) / n)
            w, Q = _negative_curvature(S, p, thr, v0, sparse=low_degree)
            theta = float(w[0]) if w.size else 0.0
            if w.size:
                v0 = Q[:, 0]
            if theta < 0 and -theta > thr:
                U = Q[:, w < 0][:, :p]
                V = _normalize_rows(np.hstack([V, 0.1 * math.sqrt(n) * U]))
                continue                  # same stage tolerance, one more rank step
        last = stage_tol <= gtol or time.perf_counter() > deadline
        if gap_tol is not None:
            # the rigorous bound itself decides (a Lanczos estimate can miss the cluster
            # of eigenvalues at 0); on low-degree graphs it is cheap
            cert = maxcut_certificate(L, nu, dense_limit=_certificate_dense_limit(L))
            gap = (cert.upper_bound - value) / max(abs(value), 1e-300)
            if gap <= gap_tol:
                converged, message = True, "converged (certified relative gap)"
                break
            if not last:
                cert = None               # V moves on: this bound would be stale
        if last:
            converged = stage_tol <= gtol
            message = "converged" if converged else "time limit reached"
            break
        factor = 1e-2
        if gap_tol is not None and math.isfinite(gap):
            # Aim at half the goal rather than 100× below the current gap (measured on
            # the toroidal Gset graphs: G65 268 s → 30 s).
            factor = min(max(0.5 * gap_tol / gap, 1e-2), 0.5)
        stage_tol = max(gtol, factor * stage_tol)
    return V, hist, converged, message, cert


# ---------------------------------------------------------------------- SDP (cvxpy)

def _solve_sdp(L: sp.csr_matrix, solver: str, opts: Dict[str, Any]):
    import cvxpy as cp

    n = L.shape[0]
    X = cp.Variable((n, n), symmetric=True)
    diag_con = cp.diag(X) == 1
    prob = cp.Problem(cp.Maximize(0.25 * cp.sum(cp.multiply(L.toarray(), X))),
                      [X >> 0, diag_con])
    _, seconds = solve_problem(prob, solver, "max-cut SDP", **opts)
    Xv = np.asarray(X.value, dtype=float)
    Xv = 0.5 * (Xv + Xv.T)
    # cvxpy's multiplier of diag X == 1 in a maximisation is the ν of the dual
    # min Σν s.t. diag ν − ¼L ⪰ 0 (checked: Σν equals the optimal value).
    nu = np.asarray(diag_con.dual_value, dtype=float).reshape(-1)
    return Xv, nu, seconds


def _factor(X: np.ndarray) -> np.ndarray:
    w, Q = np.linalg.eigh(X)
    keep = w > 1e-9 * max(w.max(), 1e-300)
    return Q[:, keep] * np.sqrt(w[keep])


# ----------------------------------------------------------------------- AL methods

def _maxcut_al(L: sp.csr_matrix, V0: np.ndarray, linearized: bool, tol: float,
               time_limit: Optional[float], al_options: Dict[str, Any]):
    n = V0.shape[0]
    radius = math.sqrt(n)

    LV = memo_last(lambda V: L @ V)

    def f(V):
        return -0.25 * float(np.vdot(V, LV(V)))

    def grad_f(V):
        return -0.5 * LV(V)

    def constraint(V):
        return np.einsum("ij,ij->i", V, V) - 1.0

    def jac_t(V, y):
        return 2.0 * y[:, None] * V

    def prox(V, t):
        nrm = float(np.linalg.norm(V))
        return V if nrm <= radius else V * (radius / nrm)

    lscale = float(abs(L).sum(axis=1).max()) if L.nnz else 0.0  # ‖L‖_∞ ≥ ‖L‖₂
    lscale = lscale if lscale > 0 else 1.0
    rootn = math.sqrt(n)
    opts = method_options(dict(
        beta0=lscale, beta_max=10.0 * lscale, tol=tol * rootn,
        stationarity_tol=tol * lscale * rootn, inner_tol0=lscale * rootn, max_inner=2000,
        time_limit=time_limit), linearized, al_options)
    return augmented_lagrangian(f, grad_f, constraint, jac_t, prox, V0,
                                linearized=linearized, **opts)


# --------------------------------------------------------------------------- driver

def maxcut(
    W: Any = None,
    method: str = "bm",
    *,
    edges: Any = None,
    rank: Optional[int] = None,
    seed: int = 0,
    rounds: int = 100,
    tol: Optional[float] = None,
    max_iter: Optional[int] = None,
    time_limit: Optional[float] = None,
    solver: str = "CLARABEL",
    solver_options: Optional[Dict[str, Any]] = None,
    al_options: Optional[Dict[str, Any]] = None,
    certify: bool = True,
    V0: Any = None,
    local_search: bool = True,
) -> MaxCutResult:
    """Solve the max-cut SDP relaxation, certify it and round it.

    Parameters
    ----------
    W : array_like or scipy.sparse matrix, shape (n, n)
        Symmetric edge weights (any sign); the diagonal is ignored. A sequence of tuples
        is refused as ambiguous (it is the usual spelling of an edge list): pass it as
        ``edges``.
    method : {"bm", "sdp", "ialm", "linearized_al"}
        See the module docstring.
    edges : array_like, shape (m, 2) or (m, 3), optional
        The graph as an edge list instead of ``W`` (see :func:`weights_from_edges`;
        the vertices are ``0 … max index``). Give exactly one of ``W`` and ``edges``.
    rank : int, optional
        Factor rank ``r`` (factored methods); default the smallest ``r`` with
        ``r(r+1)/2 > n`` — for ``"bm"`` on graphs of average degree ≤ 6 the default is
        a rank staircase instead: start at 10 (n ≤ 2000) or 16, grow (up to that rule)
        while ``λ_min(diag ν − ¼L)`` is clearly negative. A given rank is kept fixed; a
        smaller one is allowed (the certificate then tells whether the factored optimum
        is the SDP optimum).
    seed : int
        Seeds the random initial factor and the rounding.
    rounds : int
        Number of Goemans–Williamson hyperplanes (the best cut is kept).
    tol : float, optional
        ``"bm"``: Riemannian gradient-norm tolerance (default ``1e-9·max(1, ‖L‖_∞)``,
        and with ``certify`` the solve stops earlier, as soon as the certificate proves a
        relative gap ≤ 1e-8 (n ≤ 100), 1e-7 (n ≤ 1000) or 5e-7);
        AL methods (default 1e-7): stop when ``‖diag(VVᵀ) − 1‖₂ ≤ tol·√n`` and the
        gradient mapping of the augmented Lagrangian is at most ``tol·‖L‖_∞·√n``.
    max_iter : int, optional
        Outer iterations (default 1000 for ``"bm"``; the AL defaults otherwise).
    time_limit : float, optional
        Seconds for the solver (factored methods); it stops unconverged after that.
    solver : {"CLARABEL", "SCS"}
        Conic solver for ``"sdp"``.
    solver_options : dict, optional
        Extra options for the conic solver (SCS always gets explicit ``eps_abs``/``eps_rel``).
    al_options : dict, optional
        Keyword arguments passed to :func:`augmented_lagrangian` (AL methods).
    certify : bool
        Compute the dual upper bound (:func:`maxcut_certificate`).
    V0 : array, optional
        Initial factor (factored methods); rows are normalised.
    local_search : bool
        Improve the best rounding by single-vertex flips (:func:`one_flip_search`);
        ``rounded_value`` keeps the rounding's own weight.

    Returns
    -------
    MaxCutResult

    Raises
    ------
    TypeError, ValueError
        Invalid arguments (the message names the argument) — among them a ``W`` that is
        not square and symmetric, both or neither of ``W`` and ``edges`` — or data too
        badly scaled for float64.
    idl_sdp.SolverError
        ``"sdp"``: the solver did not report ``optimal`` (or crashed); the AL methods: an
        inner solve could not backtrack; the certificate's Cholesky never succeeded.

    Notes
    -----
    Dense linear algebra runs with a single BLAS thread: the matrices are small, and
    multi-threaded BLAS competing with other processes can be orders of magnitude slower.
    """
    if (W is None) == (edges is None):
        raise TypeError("maxcut needs exactly one of W (an n×n weight matrix) and edges "
                        "(an edge list)" + (", got both" if W is not None else ""))
    if edges is not None:
        W = weights_from_edges(edges)
    with threadpool_limits(limits=1, user_api="blas"):
        return _maxcut(W, method, rank, seed, rounds, tol, max_iter, time_limit, solver,
                       solver_options, al_options, certify, V0, local_search)


def _maxcut(W, method, rank, seed, rounds, tol, max_iter, time_limit, solver,
            solver_options, al_options, certify, V0, local_search) -> MaxCutResult:
    t_start = time.perf_counter()
    method = check_choice(method, "method", MAXCUT_METHODS)
    if not isinstance(local_search, (bool, np.bool_)):
        raise TypeError(f"local_search must be a bool, got {type(local_search).__name__}")
    Wc = _as_weights(W)
    L = laplacian(Wc)
    n = L.shape[0]
    rounds = check_positive_int(rounds, "rounds")
    seed = check_positive_int(seed, "seed", minimum=0)
    r = default_rank(n) if rank is None else check_positive_int(rank, "rank")
    low_degree = (L.nnz - n) <= 6 * n     # toroidal grids, planar-like meshes
    if method == "bm" and rank is None and low_degree:
        r = _start_rank(n)   # the staircase grows it when the second-order check asks
    if time_limit is not None:
        time_limit = check_nonneg_float(time_limit, "time_limit", positive=True)
    if tol is not None:
        tol = check_nonneg_float(tol, "tol", positive=True)
    if max_iter is not None:
        max_iter = check_positive_int(max_iter, "max_iter")
    if al_options is not None:
        al_options = check_options(al_options, "al_options", AL_OPTIONS)
    solver_options = check_options(solver_options, "solver_options")
    rng = np.random.default_rng(seed)
    if V0 is not None:
        V0 = as_matrix(V0, "V0")
        if V0.shape[0] != n:
            raise ValueError(f"V0 must have {n} rows (one per vertex), got shape {V0.shape}")
        V0 = _normalize_rows(V0)
    elif method != "sdp":
        V0 = _random_oblique(n, r, rng)

    X = None
    nu_dual = None
    bm_cert = None
    history: Dict[str, List[float]] = {}
    converged, message, infeas = True, "", 0.0
    lscale = float(abs(L).sum(axis=1).max()) if L.nnz else 1.0
    t_solve = time.perf_counter()
    if method == "sdp":
        name = check_solver(solver, SOLVERS)
        opts = dict(solver_options or {})
        if name == "SCS":
            opts.setdefault("eps_abs", 1e-7)
            opts.setdefault("eps_rel", 1e-7)
        X, nu_dual, secs = _solve_sdp(L, name, opts)
        history = {"time": [secs]}
        V = _factor(X)
        value = 0.25 * float(np.sum(L.multiply(X)))
        infeas = float(np.linalg.norm(np.diag(X) - 1.0))
        message = f"{name}: optimal"
    elif method == "bm":
        gtol = 1e-9 * max(1.0, lscale) if tol is None else tol
        deadline = math.inf if time_limit is None else time.perf_counter() + time_limit
        # Stop on a proven gap (a certificate is computed anyway) unless a tolerance
        # was asked for; grow the rank only when it was not fixed by the caller.
        gap_tol = _bm_gap_tol(n) if (certify and tol is None) else None
        V, history, converged, message, bm_cert = _bm_staircase(
            Wc, L, V0, r_max=max(default_rank(n), V0.shape[1]), grow=rank is None,
            gtol=gtol, gap_tol=gap_tol, deadline=deadline, t0=t_solve,
            max_iter=max_iter or 1000, low_degree=low_degree)
        value = 0.25 * float(np.vdot(V, L @ V))
    else:
        opts = dict(al_options or {})
        if max_iter is not None:
            opts["max_outer"] = max_iter
        res = _maxcut_al(L, V0, method == "linearized_al", 1e-7 if tol is None else tol,
                         time_limit, opts)
        history = res.history
        converged, message = res.converged, res.message
        infeas = float(np.linalg.norm(np.einsum("ij,ij->i", res.x, res.x) - 1.0))
        V = _normalize_rows(res.x)
        value = 0.25 * float(np.vdot(V, L @ V))
    solve_seconds = time.perf_counter() - t_solve

    cert = None
    upper = float("nan")
    if certify and method == "bm" and bm_cert is not None:
        cert = bm_cert           # computed by the solver for this very V
        upper = cert.upper_bound
    elif certify:
        if nu_dual is not None:
            nu = nu_dual
        else:
            nu = 0.25 * np.einsum("ij,ij->i", L @ V, V)
        cert = maxcut_certificate(L, nu, dense_limit=_certificate_dense_limit(L))
        upper = cert.upper_bound
    cut, cut_value = gw_rounding(V, L, rounds=rounds, seed=seed)
    rounded_value = cut_value
    if local_search:
        cut, cut_value, _ = one_flip_search(cut, L)
    return MaxCutResult(
        method=method, value=value, upper_bound=upper, cut=cut, cut_value=cut_value, V=V,
        rounded_value=rounded_value,
        history=history, seconds=time.perf_counter() - t_start, solve_seconds=solve_seconds,
        certificate=cert, X=X, infeasibility=infeas, converged=converged, message=message)
