"""Tests of idl_sdp.relax: max-cut, k-means and basis-pursuit relaxations.

References are independent of the code under test: closed forms (the 5-cycle, planted
clusters), brute force (small max-cut), cvxpy at tight tolerance, numpy eigenvalues.
"""
import itertools
import math
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from idl_sdp.relax import (augmented_lagrangian, accelerated_proximal_gradient,
                           basis_pursuit, default_rank, gw_rounding, kmeans_sdp,
                           laplacian, maxcut, maxcut_certificate, misclassification_rate,
                           planted_solution, read_gset, sparse_instance, squared_distances,
                           stochastic_balls)

GSET = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "gset"
needs_gset = pytest.mark.skipif(
    not (GSET / "G1").is_file(),
    reason=f"the shared Gset data directory {GSET} is missing (it lives beside the repo)")

C5_SDP = (25 + 5 * math.sqrt(5)) / 8  # ≈ 4.5225: the 5-cycle's SDP value (closed form)


def cycle(n):
    W = np.zeros((n, n))
    for i in range(n):
        W[i, (i + 1) % n] = W[(i + 1) % n, i] = 1.0
    return W


def random_graph(n, p, seed, signed=False):
    rng = np.random.default_rng(seed)
    W = np.triu((rng.uniform(size=(n, n)) < p).astype(float), 1)
    if signed:
        W *= rng.choice([-1.0, 1.0], size=(n, n))
    return W + W.T


def cut_weight(W, x):
    """Σ_{i<j} W_ij [x_i ≠ x_j], computed directly from the edges."""
    W = np.asarray(W.toarray() if sp.issparse(W) else W)
    i, j = np.triu_indices_from(W, 1)
    return float(np.sum(W[i, j] * (x[i] != x[j])))


def brute_force_maxcut(W):
    n = W.shape[0]
    best = -np.inf
    for bits in itertools.product([-1, 1], repeat=n - 1):
        best = max(best, cut_weight(W, np.array((1,) + bits)))
    return best


def cvxpy_maxcut(W):
    import cvxpy as cp

    L = np.diag(W.sum(axis=1)) - W
    X = cp.Variable(W.shape, symmetric=True)
    prob = cp.Problem(cp.Maximize(0.25 * cp.trace(L @ X)), [X >> 0, cp.diag(X) == 1])
    prob.solve(solver="CLARABEL", tol_gap_abs=1e-9, tol_gap_rel=1e-9, tol_feas=1e-9)
    assert prob.status == "optimal"
    return prob.value


# ------------------------------------------------------------------- max-cut


@pytest.mark.parametrize("method", ["bm", "sdp", "ialm", "linearized_al"])
def test_five_cycle_all_methods(method):
    res = maxcut(cycle(5), method)
    assert abs(res.value - C5_SDP) <= 1e-5
    assert res.upper_bound >= C5_SDP - 1e-9          # a valid bound on the true SDP value
    assert res.upper_bound - C5_SDP <= 1e-5          # and a tight one
    assert res.certificate.certified
    assert set(np.unique(res.cut)) <= {-1, 1}
    assert res.cut_value == pytest.approx(4.0)        # the max cut of C5
    assert cut_weight(cycle(5), res.cut) == pytest.approx(res.cut_value)
    assert np.allclose(np.linalg.norm(res.V, axis=1), 1.0) or method == "sdp"
    assert res.history["time"] and res.seconds > 0


def test_bm_matches_cvxpy_and_brute_force():
    W = random_graph(12, 0.5, seed=3)
    ref = cvxpy_maxcut(W)
    best = brute_force_maxcut(W)
    res = maxcut(W, "bm", seed=1)
    assert res.value == pytest.approx(ref, rel=1e-7)
    assert ref - 1e-7 <= res.upper_bound <= ref * (1 + 1e-7)
    assert res.cut_value <= best + 1e-9 <= res.upper_bound
    assert res.cut_value >= 0.878 * res.value          # GW: best of 100 beats the mean
    assert cut_weight(W, res.cut) == pytest.approx(res.cut_value)


def test_signed_weights_and_sparse_input():
    W = random_graph(15, 0.4, seed=5, signed=True)
    ref = cvxpy_maxcut(W)
    res = maxcut(sp.csr_matrix(W), "bm", seed=2)
    assert res.value == pytest.approx(ref, rel=1e-7, abs=1e-7)
    assert res.upper_bound >= ref - 1e-7


def test_certificate_valid_for_any_nu():
    W = random_graph(10, 0.5, seed=7)
    ref = cvxpy_maxcut(W)
    L = laplacian(W)
    rng = np.random.default_rng(0)
    for _ in range(5):
        nu = rng.uniform(-2, 5, size=10)
        cert = maxcut_certificate(L, nu)
        S = np.diag(nu) - 0.25 * L.toarray()
        lam = np.linalg.eigvalsh(S)[0]
        assert cert.certified
        assert cert.lambda_lower <= lam                     # a lower bound on λ_min ...
        assert lam - cert.lambda_lower <= 1e-8 * max(1, abs(lam))   # ... and a sharp one
        assert cert.upper_bound >= ref - 1e-9
        # Without the eigenvalue correction Σν alone would not be an upper bound:
        assert cert.upper_bound == pytest.approx(nu.sum() - 10 * cert.lambda_lower)


def test_gw_rounding_independent_weight():
    W = random_graph(20, 0.3, seed=11)
    V = np.random.default_rng(0).standard_normal((20, 4))
    cut, val = gw_rounding(V, laplacian(W), rounds=10, seed=3)
    assert cut.shape == (20,) and set(np.unique(cut)) <= {-1, 1}
    assert val == pytest.approx(cut_weight(W, cut))


def test_rank_rule_and_smaller_rank():
    for n in (1, 5, 800, 2000):
        r = default_rank(n)
        assert r * (r + 1) // 2 > n or r == n
        assert r == 1 or (r - 1) * r // 2 <= n
    res = maxcut(cycle(5), "bm", rank=2)   # C5's SDP optimum has rank 2
    assert res.value == pytest.approx(C5_SDP, abs=1e-8)
    assert res.V.shape == (5, 2)


@needs_gset
def test_g1_bm_certified_against_readme():
    W = read_gset(GSET / "G1")
    res = maxcut(W, "bm")
    assert res.converged and res.certificate.certified
    assert res.relative_gap <= 1e-6
    assert abs(res.value - 12083.198) / 12083.198 <= 1e-6
    assert abs(res.upper_bound - 12083.198) / 12083.198 <= 1e-6
    assert cut_weight(W, res.cut) == res.cut_value
    assert 0.878 * res.value <= res.cut_value <= 11624          # best known cut of G1


@needs_gset
def test_g1_subgraph_sdp_matches_bm():
    W = read_gset(GSET / "G1")[:60, :60]
    bm = maxcut(W, "bm")
    sdp = maxcut(W, "sdp", solver="SCS", solver_options={"eps_abs": 1e-7, "eps_rel": 1e-7})
    assert sdp.value == pytest.approx(bm.value, rel=1e-6)
    assert sdp.upper_bound >= bm.value - 1e-6 * bm.value


# -------------------------------------------------------------------- Gset I/O


def test_read_gset_roundtrip(tmp_path):
    p = tmp_path / "g.txt"
    p.write_text("4 3\n1 2 1\n2 3 -1\n\n4 1 2.5\n")
    W = read_gset(p)
    assert sp.issparse(W) and W.shape == (4, 4)
    expected = np.zeros((4, 4))
    for i, j, w in [(0, 1, 1), (1, 2, -1), (3, 0, 2.5)]:
        expected[i, j] = expected[j, i] = w
    np.testing.assert_array_equal(W.toarray(), expected)


@pytest.mark.parametrize("text, line, fragment", [
    ("3\n1 2 1\n", 1, "header"),
    ("3 x\n1 2 1\n", 1, "integer"),
    ("3 2\n1 2 1\n2 3\n", 3, "three tokens"),
    ("3 2\n1 2 1\n2.5 3 1\n", 3, "vertex i must be an integer"),
    ("3 2\n1 2 1\n2 4 1\n", 3, "out of range"),
    ("3 2\n1 2 1\n0 3 1\n", 3, "out of range"),
    ("3 2\n1 2 1\n3 3 1\n", 3, "self loop"),
    ("3 2\n1 2 1\n2 1 1\n", 3, "repeats line 2"),
    ("3 2\n1 2 1\n2 3 w\n", 3, "weight must be a number"),
    ("3 2\n1 2 1\n2 3 1\n1 3 1\n", 4, "more edge lines"),
    ("3 3\n1 2 1\n2 3 1\n", 4, "end of file after 2"),
    ("3 9\n", 1, "m must lie"),
    ("", 1, "empty file"),
])
def test_read_gset_malformed(tmp_path, text, line, fragment):
    p = tmp_path / "bad.txt"
    p.write_text(text)
    with pytest.raises(ValueError, match=f"line {line}:.*{fragment}"):
        read_gset(p)


@needs_gset
@pytest.mark.parametrize("name, m, weights", [("G11", 1600, {-1.0, 1.0}), ("G14", 4694, {1.0})])
def test_read_gset_shared(name, m, weights):
    W = read_gset(GSET / name)
    assert W.shape == (800, 800)
    assert W.nnz == 2 * m
    assert abs(W - W.T).max() == 0
    assert set(np.unique(W.data)) == weights
    assert W.diagonal().max() == 0


# ----------------------------------------------------------------- bad input


def test_bad_inputs():
    W = cycle(5)
    A = W.copy()
    A[0, 2] = 1.0
    with pytest.raises(ValueError, match="W must be symmetric"):
        maxcut(A)
    with pytest.raises(ValueError, match="W must be square"):
        maxcut(np.ones((3, 4)))
    with pytest.raises(ValueError, match="W must be finite"):
        maxcut(np.full((3, 3), np.nan))
    with pytest.raises(ValueError, match="method must be one of"):
        maxcut(W, "newton")
    with pytest.raises(ValueError, match="rounds"):
        maxcut(W, rounds=0)
    with pytest.raises(TypeError, match="path"):
        read_gset(3)
    P, _ = stochastic_balls(2, 4)
    with pytest.raises(ValueError, match="k must be an integer >= 1"):
        kmeans_sdp(P, -2)
    with pytest.raises(TypeError, match="k must be an integer"):
        kmeans_sdp(P, 2.5)
    with pytest.raises(ValueError, match="k must be <= the number of points"):
        kmeans_sdp(P, 9)
    with pytest.raises(ValueError, match="rank must be >= k"):
        kmeans_sdp(P, 3, "ialm", rank=2)
    with pytest.raises(ValueError, match="labels must have one entry per point"):
        kmeans_sdp(P, 2, labels=[0, 1])
    B, b, _, _ = sparse_instance(5, 8, 2)
    with pytest.raises(ValueError, match="b must have length 5"):
        basis_pursuit(B, b[:4])
    with pytest.raises(ValueError, match="method must be one of"):
        basis_pursuit(B, b, "admm")
    with pytest.raises(TypeError, match="f must be callable"):
        augmented_lagrangian(None, None, None, None, None, np.zeros(2))
    with pytest.raises(ValueError, match="beta_growth must be >= 1"):
        augmented_lagrangian(lambda x: 0.0, lambda x: x, lambda x: x, lambda x, y: y,
                             None, np.zeros(2), beta_growth=0.5)


# --------------------------------------------------------- generic AL method


@pytest.mark.parametrize("linearized", [False, True])
def test_augmented_lagrangian_closed_form(linearized):
    """min −x₁ s.t. x₁² + x₂² = 1 and x₂ ≥ ½ (the prox): optimum (√¾, ½)."""
    res = augmented_lagrangian(
        f=lambda x: -x[0], grad_f=lambda x: np.array([-1.0, 0.0]),
        constraint=lambda x: np.array([x @ x - 1.0]),
        jacobian_transpose=lambda x, y: 2.0 * y[0] * x,
        prox_g=lambda v, t: np.array([v[0], max(v[1], 0.5)]),
        x0=np.array([0.1, 0.9]), tol=1e-9, time_limit=30)
    assert res.converged, res.message
    np.testing.assert_allclose(res.x, [math.sqrt(0.75), 0.5], atol=1e-7)
    h = res.history
    assert len(h["feasibility"]) == len(h["objective"]) == len(h["time"]) == res.outer_iterations
    assert h["feasibility"][-1] <= 1e-9
    assert np.all(np.diff(h["time"]) >= 0)
    # KKT: ∇f + 2x·y = (−1, 0) + 2y(√¾, ½) has zero first entry ⇒ y = 1/√3
    assert res.y[0] == pytest.approx(1 / math.sqrt(3), rel=1e-5)


def test_apg_quadratic():
    rng = np.random.default_rng(1)
    M = rng.standard_normal((8, 5))
    Q, c = M.T @ M + 0.1 * np.eye(5), rng.standard_normal(5)
    x, _, _, gm = accelerated_proximal_gradient(
        lambda x: 0.5 * x @ Q @ x + c @ x, lambda x: Q @ x + c, lambda v, t: v,
        np.zeros(5), tol=1e-10, max_iter=20000)
    np.testing.assert_allclose(x, np.linalg.solve(Q, -c), atol=1e-8)
    assert gm <= 1e-10


# ------------------------------------------------------------------- k-means


@pytest.fixture(scope="module")
def balls():
    # separation 6 > 2√2(1 + 1/√2) ≈ 4.83, Awasthi et al.'s recovery threshold in R².
    return stochastic_balls(k=3, per_ball=10, dim=2, separation=6.0, seed=0)


def test_kmeans_sdp_exact_recovery(balls):
    P, lab = balls
    res = kmeans_sdp(P, 3, "sdp", labels=lab)
    Zstar = planted_solution(lab)
    assert np.abs(res.Z - Zstar).max() <= 1e-6          # the SDP solution is the planted one
    D = squared_distances(P)
    assert res.lower_bound == pytest.approx(0.5 * np.sum(D * Zstar), rel=1e-7)
    assert res.misclassification == 0.0
    assert res.kmeans_cost == pytest.approx(res.lower_bound, rel=1e-7)  # bound attained


@pytest.mark.parametrize("method", ["bm", "ialm", "linearized_al"])
def test_kmeans_factored_recovery(balls, method):
    P, lab = balls
    res = kmeans_sdp(P, 3, method, labels=lab, seed=1, time_limit=30)
    assert res.misclassification == 0.0
    assert np.abs(res.Z - planted_solution(lab)).max() <= 1e-4
    assert np.all(res.V >= 0)
    assert res.infeasibility <= 1e-4


def test_misclassification_rate_permutation():
    lab = np.array([0, 0, 1, 1, 2, 2])
    assert misclassification_rate(np.array([2, 2, 0, 0, 1, 1]), lab) == 0.0
    assert misclassification_rate(np.array([2, 2, 0, 0, 1, 0]), lab) == pytest.approx(1 / 6)


# -------------------------------------------------------------- basis pursuit


def test_basis_pursuit_noiseless_exact_recovery():
    B, b, z_star, _ = sparse_instance(100, 256, 10, noise_var=0.0, seed=1)
    lp = basis_pursuit(B, b, "lp")
    assert np.linalg.norm(lp.z - z_star) <= 1e-6 * np.linalg.norm(z_star)
    cp_ = basis_pursuit(B, b, "chambolle_pock", tol=1e-8)
    assert cp_.converged and np.linalg.norm(cp_.z - z_star) <= 1e-5
    al = basis_pursuit(B, b, "ialm", max_iter=40)
    assert np.linalg.norm(al.z - z_star) <= 1e-4 * np.linalg.norm(z_star)
    assert al.objective == pytest.approx(np.abs(z_star).sum(), rel=1e-5)


def test_basis_pursuit_noisy_recovery_within_noise():
    """σ² = 1e-6: every method's error is below the noise norm ‖ε‖₂ (≈ 0.01)."""
    B, b, z_star, eps = sparse_instance(100, 256, 10, noise_var=1e-6, seed=1)
    lp = basis_pursuit(B, b, "lp")
    assert lp.residual <= 1e-8
    for res in (lp, basis_pursuit(B, b, "chambolle_pock", tol=1e-5),
                basis_pursuit(B, b, "ialm", max_iter=8)):
        assert np.linalg.norm(res.z - z_star) <= np.linalg.norm(eps), res.method
        assert res.objective <= lp.objective * (1 + 1e-3)
        # the support of z* is recovered: its k largest entries
        assert set(np.argsort(-np.abs(res.z))[:10]) == set(np.flatnonzero(z_star))
