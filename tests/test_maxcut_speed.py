"""The fast Burer–Monteiro path of ``maxcut(method="bm")``: colour-class mixing sweeps,
trust-region stages and the rank staircase, checked against a conic SDP solve, the plain
trust-region solver and the rigorous certificate (small graphs, a few seconds)."""
import importlib
import math

import numpy as np
import pytest
import scipy.sparse as sp

from idl_sdp.relax import maxcut, toroidal_grid
from idl_sdp.relax.maxcut_mixing import colour_classes, greedy_colouring, mixing_sweeps

# the module (``idl_sdp.relax.maxcut`` is also the name of the function)
mcm = importlib.import_module("idl_sdp.relax.maxcut")


def random_graph(n, p, seed, signed=False):
    rng = np.random.default_rng(seed)
    A = np.triu(rng.random((n, n)) < p, 1).astype(float)
    if signed:
        A *= rng.choice([-1.0, 1.0], size=A.shape)
    return sp.csr_matrix(A + A.T)


def toroidal_pm1(a, b, seed):
    """An a×b toroidal grid with independent ±1 weights, like Gset's G11/G57/G77."""
    return toroidal_grid(a, b, signed=True, seed=seed)


def cvxpy_value(W):
    import cvxpy as cp

    W = W.toarray()
    L = np.diag(W.sum(axis=1)) - W
    X = cp.Variable(W.shape, symmetric=True)
    prob = cp.Problem(cp.Maximize(0.25 * cp.trace(L @ X)), [X >> 0, cp.diag(X) == 1])
    prob.solve(solver="CLARABEL", tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10)
    assert prob.status == "optimal"
    return prob.value


def plain_trust_region_value(W, seed, max_iter):
    """The reference: the plain trust-region solver at the default rank, to a tight
    gradient tolerance, from a random start (no mixing, no staircase, no certificate)."""
    n = W.shape[0]
    L = mcm.laplacian(W)
    V0 = mcm._random_oblique(n, mcm.default_rank(n), np.random.default_rng(seed))
    V, _, conv, _ = mcm._rtr_oblique(L, V0, gtol=1e-9 * 8, max_iter=max_iter,
                                     max_inner=4 * n, deadline=math.inf, t0=0.0)
    assert conv
    return 0.25 * float(np.vdot(V, L @ V))


def test_colouring_is_proper_and_mixing_is_monotone():
    W = random_graph(200, 0.05, seed=1, signed=True)
    colour = greedy_colouring(W)
    i, j = W.nonzero()
    assert np.all(colour[i] != colour[j])
    assert colour.max() + 1 <= np.diff(W.indptr).max() + 1       # Welsh–Powell bound
    assert greedy_colouring(toroidal_pm1(6, 8, 0)).max() == 1    # an even torus: 2 colours
    L = mcm.laplacian(W)
    V = mcm._random_oblique(200, 5, np.random.default_rng(0))
    classes = colour_classes(W)
    vals = []
    for _ in range(5):
        V = mixing_sweeps(classes, V, 2)
        vals.append(0.25 * float(np.vdot(V, L @ V)))
    assert np.allclose(np.linalg.norm(V, axis=1), 1.0)
    assert np.all(np.diff(vals) >= -1e-9 * abs(vals[-1]))       # never decreases


@pytest.mark.parametrize("W", [random_graph(50, 0.3, seed=4),
                               random_graph(40, 0.4, seed=5, signed=True),
                               toroidal_pm1(6, 9, seed=2)],
                         ids=["random", "random±1", "toroidal±1"])
def test_fast_path_matches_conic_sdp(W):
    ref = cvxpy_value(W)
    res = maxcut(W, "bm", seed=0)
    assert res.converged and res.certificate.certified
    assert res.value == pytest.approx(ref, rel=1e-6)
    assert res.upper_bound >= ref - 1e-7 * abs(ref)           # a valid bound ...
    assert res.upper_bound - res.value <= 1e-6 * abs(res.value)   # ... within the gap
    assert res.value <= ref + 1e-7 * abs(ref)                 # V is feasible


@pytest.mark.parametrize("W", [toroidal_pm1(15, 20, seed=3), random_graph(300, 0.03, seed=6)],
                         ids=["toroidal±1", "random"])
def test_fast_path_matches_plain_trust_region(W):
    n = W.shape[0]
    ref = plain_trust_region_value(W, seed=1, max_iter=2000)
    res = maxcut(W, "bm", seed=0)
    assert res.certificate.certified and res.relative_gap <= 1e-6
    assert res.value == pytest.approx(ref, rel=1e-6)
    assert res.upper_bound >= ref - 1e-9 * abs(ref)
    assert res.V.shape[1] <= mcm.default_rank(n)


def test_rank_staircase_grows_when_the_second_order_check_fails():
    # From a rank-1 start (a ±1 cut: a local optimum of the rank-1 problem after the
    # mixing sweeps), λ_min(diag ν − ¼L) < 0 and the rank has to grow to reach the SDP.
    W = random_graph(40, 0.4, seed=8)
    ref = cvxpy_value(W)
    V0 = np.sign(np.random.default_rng(0).standard_normal((40, 1)))
    res = maxcut(W, "bm", V0=V0, seed=0)
    ranks = res.history.column("rank")
    assert ranks[0] == 1 and res.V.shape[1] > 1 and ranks[-1] == res.V.shape[1]
    assert np.all(np.diff(ranks) >= 0)
    assert res.value == pytest.approx(ref, rel=1e-6)
    assert res.certificate.certified and res.relative_gap <= 1e-6
    # with the rank fixed by the caller it stays, and the certificate shows the gap
    fixed = maxcut(W, "bm", V0=V0, rank=1, seed=0)
    assert fixed.V.shape[1] == 1
    assert fixed.upper_bound >= ref - 1e-7 * ref
    assert fixed.upper_bound - fixed.value > 1e-3 * ref


def test_start_rank_is_small_and_capped():
    assert mcm._start_rank(3) == mcm.default_rank(3)
    assert mcm._start_rank(800) == 10 and mcm._start_rank(5000) == 16
    # above n = 8000 the rank that G67/G77 needed anyway (see _start_rank)
    assert mcm._start_rank(14000) == 24 < mcm.default_rank(14000)


# ------------------------------------------- shift-and-invert eigenpairs (sparse path)
def _near_optimal_S(W):
    """S = diag ν − ¼L at a converged Burer–Monteiro point: its bottom eigenvalues form
    a cluster at ≈ 0, the hard case for plain Lanczos."""
    L = mcm.laplacian(W)
    res = maxcut(W, "bm", seed=0)
    return (sp.diags(res.certificate.nu) - 0.25 * L).tocsr()


def _random_S(n, seed):
    rng = np.random.default_rng(seed)
    L = mcm.laplacian(random_graph(n, 4.0 / n, seed, signed=True))
    return (sp.diags(0.25 * L.diagonal() + rng.normal(0.0, 0.3, n)) - 0.25 * L).tocsr()


def _check_eigenpairs(S, w, Q, exact, scale, distinct):
    """w[0] is λ_min; every pair is an accurate eigenpair; by Cauchy interlacing the i-th
    Ritz value of orthonormal vectors is ≥ λ_i, and equal to it where the bottom
    eigenvalues are distinct. (At a max-cut optimum the bottom eigenvalue ≈ 0 is multiple
    — its multiplicity is the rank of the optimum — and single-vector Lanczos need not
    return every copy; a Ritz vector may mix the copies, so its value can sit anywhere in
    the cluster: 4e-9 above λ_min was seen where the plain Lanczos path lagged by 5e-4.)"""
    assert exact[0] - 1e-9 * scale <= w[0] <= exact[0] + (1e-9 if distinct else 1e-7) * scale
    assert np.allclose(Q.T @ Q, np.eye(Q.shape[1]), atol=1e-8)
    assert np.all(np.linalg.norm(S @ Q - Q * w, axis=0) <= 1e-6 * scale)
    assert np.all(w >= exact[:w.size] - 1e-9 * scale)
    if distinct:
        assert np.allclose(w, exact[:w.size], rtol=0, atol=1e-9 * scale)


@pytest.mark.parametrize("make,k,distinct", [
    (lambda: _near_optimal_S(toroidal_pm1(16, 20, seed=7)), 4, False),
    (lambda: _near_optimal_S(random_graph(400, 0.01, seed=9)), 3, False),
    (lambda: _random_S(300, 1), 1, True),
    (lambda: _random_S(600, 2), 5, True)],
    ids=["torus-optimal", "sparse-optimal", "random-nu-300", "random-nu-600"])
def test_smallest_eigenpairs_match_dense_eigenvalues(make, k, distinct):
    S = make()
    exact = np.linalg.eigvalsh(S.toarray())[:k]
    if distinct:
        assert np.min(np.diff(exact), initial=1.0) > 1e-6   # the premise of equality
    scale = float(abs(S).sum(axis=1).max())
    w, Q = mcm._smallest_eigenpairs(S, k, 1e-12 * scale)
    assert w.size == k
    _check_eigenpairs(S, w, Q, exact, scale, distinct)


def test_negative_curvature_check_is_empty_only_above_the_threshold():
    S = _near_optimal_S(toroidal_pm1(16, 20, seed=8))
    n = S.shape[0]
    lam_min = np.linalg.eigvalsh(S.toarray())[0]
    thr = 1e-6
    assert lam_min > -thr                          # converged: nothing to escape
    w, Q = mcm._negative_curvature(S, 3, thr, None, sparse=True)
    assert w.size == 0 and Q.shape == (n, 0)
    shifted = (S - 0.01 * sp.identity(n)).tocsr()  # now λ_min ≈ −0.01 < −thr
    w, Q = mcm._negative_curvature(shifted, 3, thr, None, sparse=True)
    exact = np.linalg.eigvalsh(shifted.toarray())[:3]
    assert w.size == 3 and np.all(w < -thr)        # directions of negative curvature
    _check_eigenpairs(shifted, w, Q, exact, 1.0, distinct=False)
    # the plain-Lanczos path (dense graphs) finds the bottom too (within the cluster at
    # −0.01 its other Ritz values can lag: the reason for shift-and-invert)
    w2, _ = mcm._negative_curvature(shifted, 3, thr, None, sparse=False)
    assert w2[0] == pytest.approx(exact[0], abs=1e-7)


def test_rank_staircase_grows_on_a_sparse_graph():
    # n = 400 > 200: the second-order check takes the sparse LDLᵀ / shift-and-invert path
    W = toroidal_pm1(20, 20, seed=4)
    n = W.shape[0]
    ref = plain_trust_region_value(W, seed=2, max_iter=3000)
    start = np.sign(np.random.default_rng(0).standard_normal((n, 1)))
    res = maxcut(W, "bm", V0=start, seed=0)
    ranks = res.history.column("rank")
    assert ranks[0] == 1 and res.V.shape[1] > 1
    assert res.certificate.certified and res.relative_gap <= 1e-6
    assert res.value == pytest.approx(ref, rel=1e-6)
    assert res.upper_bound >= ref - 1e-9 * abs(ref)


def test_toroidal_grid_is_a_degree_four_torus():
    W = toroidal_grid(5, 7, seed=3)
    assert W.shape == (35, 35) and (W != W.T).nnz == 0 and W.diagonal().sum() == 0
    assert np.all(np.diff(W.indptr) == 4)                        # degree 4
    assert set(np.unique(W.data)) == {-1.0, 1.0}
    # vertex (i, j) = 7i + j touches (i, j±1) and (i±1, j), wrapping around
    assert set(W[0].indices) == {1, 6, 7, 28}
    plain = toroidal_grid(5, 7, signed=False)
    assert np.all(plain.data == 1.0) and (abs(W) != plain).nnz == 0
    for bad in (2, 3.0, True):
        with pytest.raises(ValueError, match="rows"):
            toroidal_grid(bad, 7)
