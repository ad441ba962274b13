"""The dense interior-point method of the Θ-step's model SDPs (idl_sdp.fast.lmi_qp)
against brute force and against the same cvxpy problem solved by Clarabel."""
import warnings

import cvxpy as cp
import numpy as np
import pytest

from idl_sdp.fast.lmi_qp import RankTwoLMI, solve_lmi_qp
from idl_sdp.fast.theta_model import ReducedThetaSDP
from idl_sdp.lmi import increment_generators, lmi_matrix, norm_matrix

TIGHT = [{"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10}, {}]


def _generators_dense(block, n):
    K = block.Pa.shape[1]
    G = np.zeros((K, n, n))
    for k in range(K):
        e = np.zeros(n)
        e[block.bi[k]] = 1.0
        G[k] = np.outer(block.Pa[:, k], e) + np.outer(e, block.Pa[:, k])
    return G


@pytest.mark.parametrize("kind", ["linearized", "eq5", "schur"])
@pytest.mark.parametrize("p,h", [(1, 2), (2, 3), (3, 5)])
def test_generators_reproduce_the_increments(kind, p, h):
    """Σ x_k G_k equals lmi_increment / norm_increment for random steps."""
    rng = np.random.default_rng([p, h])
    lam = rng.uniform(0.1, 3.0, h)
    A_ref = rng.standard_normal((p, h))
    dA, dD = rng.standard_normal((p, h)), rng.standard_normal((h, h))
    x = np.r_[dA.ravel(), dD.ravel()]
    lmi, norm = increment_generators(kind, p, h, lam, A_ref)
    n_lmi = p + h if kind == "schur" else h
    # the matrices are affine in (A, D): the increment is a difference of two of them
    want_lmi = (lmi_matrix(kind, A_ref + dA, dD, lam, A_ref=A_ref)
                - lmi_matrix(kind, A_ref, np.zeros((h, h)), lam, A_ref=A_ref))
    want_norm = norm_matrix(dD, 0.1) - norm_matrix(np.zeros((h, h)), 0.1)
    for (start, Pa, bi), want, n in ((lmi, want_lmi, n_lmi), (norm, want_norm, 2 * h)):
        block = RankTwoLMI(np.zeros((n, n)), start, Pa, bi)
        np.testing.assert_allclose(block.apply(x), want, atol=1e-12)
        G = _generators_dense(block, n)
        np.testing.assert_allclose(np.einsum("k,kab->ab", x[block.rows], G), want, atol=1e-12)
        # adjoint: ⟨G_k, Z⟩
        Zr = rng.standard_normal((n, n))
        Zs = Zr + Zr.T
        np.testing.assert_allclose(block.adjoint(Zs), np.einsum("kab,ab->k", G, Zs),
                                   atol=1e-11)


@pytest.mark.parametrize("tiled", [True, False])
@pytest.mark.parametrize("kind", ["linearized", "schur"])
def test_schur_block_matches_brute_force(kind, tiled):
    rng = np.random.default_rng(7)
    p, h = 2, 4
    lam = rng.uniform(0.5, 2.0, h)
    for start, Pa, bi in increment_generators(kind, p, h, lam, rng.standard_normal((p, h))):
        n = Pa.shape[0]
        block = RankTwoLMI(np.eye(n), start, Pa, bi)
        if not tiled:
            block._tiling = None   # the general gather path
        W = (lambda T: T @ T.T)(rng.standard_normal((n, n)))
        Z = (lambda T: T @ T.T)(rng.standard_normal((n, n)))
        K = Pa.shape[1]
        M = np.zeros((K, K))
        block.schur_add(M, W, Z)
        G = _generators_dense(block, n)
        want = np.einsum("kab,bc,lcd,da->kl", G, W, G, Z)
        np.testing.assert_allclose(M, want, rtol=1e-12, atol=1e-12 * np.abs(want).max())


def _random_model(rng, p, h, scale_g=1.0):
    lam = 10.0 ** rng.uniform(-1, 1, h)
    A0 = 0.3 * rng.standard_normal((p, h))
    X = rng.standard_normal((h, 3 * h))
    S1 = X @ X.T / (3 * h)
    S2 = np.stack([(lambda T: T @ T.T / (2 * h))(rng.standard_normal((h, 2 * h)))
                   for _ in range(h)])
    g1 = scale_g * rng.standard_normal((p, h))
    g2 = scale_g * rng.standard_normal((h, h))
    return lam, A0, S1, S2, g1, g2


@pytest.mark.parametrize("kind", ["linearized", "eq5", "schur"])
@pytest.mark.parametrize("with_norm", [False, True])
@pytest.mark.parametrize("p,h,seed", [(1, 3, 0), (3, 6, 1), (4, 10, 2)])
def test_dense_model_sdp_matches_clarabel(kind, with_norm, p, h, seed):
    """The dense method reaches the model SDP's optimum: its decrease is at least
    Clarabel's (at 1e-10) minus 1e-9 relative, and its point is feasible."""
    rng = np.random.default_rng([seed, 11])
    lam, A0, S1, S2, g1, g2 = _random_model(rng, p, h)
    eps, margin = 0.05, 1e-6
    D0 = np.zeros((h, h))
    sdp = ReducedThetaSDP(p, h, lam, kind, eps, margin, with_norm=with_norm)
    A, D, dec, info = sdp.solve_dense(A0, D0, S1, g1, S2, g2, A0, 1.0)
    assert info["status"] == "optimal"
    _, _, dec_ref, _ = sdp.solve(A0, D0, S1, g1, S2, g2, A0, 1.0, "CLARABEL", TIGHT)
    assert dec >= dec_ref - 1e-9 * max(1.0, abs(dec_ref))
    # and not better than the optimum by more than the reference's own tolerance
    assert dec <= dec_ref + 1e-7 * max(1.0, abs(dec_ref))
    C = lmi_matrix(kind, A, D, lam, A_ref=A0, margin=margin)
    assert np.linalg.eigvalsh(C)[0] >= -1e-10
    if with_norm:
        assert np.linalg.norm(D, 2) <= 1 - eps + 1e-10


def test_solver_reports_when_the_newton_matrix_is_singular():
    """A direction that neither Q nor any block sees: reported, not a wrong answer."""
    Q = np.diag([1.0, 0.0])
    c = np.array([1.0, -1.0])
    # one 1 × 1 block moved by x_0 only: x_1 is free and unbounded below
    block = RankTwoLMI(np.eye(1), 0, np.array([[0.5]]), np.array([0]))
    res = solve_lmi_qp(Q, c, [block])
    assert res.status != "optimal"


def test_simple_lmi_qp_closed_form():
    """min ½x² − 3x s.t. 1 − x ≥ 0 (a 1 × 1 LMI): x* = 1, value −2.5."""
    block = RankTwoLMI(np.eye(1), 0, np.array([[-0.5]]), np.array([0]))
    res = solve_lmi_qp(np.eye(1), np.array([-3.0]), [block])
    assert res.status == "optimal"
    assert abs(res.x[0] - 1.0) < 1e-9
    assert abs(res.objective + 2.5) < 1e-9


def test_bounds_closed_form():
    """min ½x² + 3x s.t. 1 + x ≥ 0 (a bound; the LMI's generator is zero): x* = −1,
    value −2.5."""
    block = RankTwoLMI(np.eye(1), 0, np.zeros((1, 1)), np.zeros(1, dtype=int))
    res = solve_lmi_qp(np.eye(1), np.array([3.0]), [block], bounds=(np.array([0]), np.array([1.0])))
    assert res.status == "optimal"
    assert abs(res.x[0] + 1.0) < 1e-9
    assert abs(res.objective + 2.5) < 1e-9


@pytest.mark.parametrize("N, n, K, nb, rank_drop, seed", [
    (12, 4, 6, 5, 3, 0), (12, 4, 6, 5, 3, 1), (30, 6, 15, 12, 0, 2), (30, 6, 15, 12, 10, 3),
    (60, 10, 30, 25, 20, 4)])
def test_bounds_and_lmi_match_clarabel(N, n, K, nb, rank_drop, seed):
    """A QP with a singular Q (the directions it misses are held by the bounds or the
    LMI), one rank-two LMI and lower bounds, some active at the start (g = 0): the
    dense method's value is Clarabel's at 1e-10, up to Clarabel's own tolerance, and
    its point is feasible."""
    rng = np.random.default_rng([seed, 23])
    L = rng.standard_normal((N, N - rank_drop))
    Q = L @ L.T
    c = 3.0 * rng.standard_normal(N)
    Pa = rng.standard_normal((n, K))
    bi = rng.integers(0, n, K)
    F = 2.0 * np.eye(n)
    idx = np.sort(rng.choice(np.arange(K, N), nb, replace=False))
    g = np.abs(rng.standard_normal(nb)) * (rng.random(nb) < 0.5)
    # directions neither Q, the LMI nor a bound sees would make the QP unbounded
    free = np.setdiff1d(np.arange(K, N), idx)
    Q[np.ix_(free, free)] += np.eye(free.size)
    res = solve_lmi_qp(Q, c, [RankTwoLMI(F, 0, Pa, bi)], bounds=(idx, g))
    assert res.status in ("optimal", "acceptable")
    x = cp.Variable(N)
    E = np.eye(n)
    S = F + sum(x[k] * (np.outer(Pa[:, k], E[bi[k]]) + np.outer(E[bi[k]], Pa[:, k]))
                for k in range(K))
    prob = cp.Problem(cp.Minimize(0.5 * cp.quad_form(x, cp.psd_wrap(Q)) + c @ x),
                      [0.5 * (S + S.T) >> 0, g + x[idx] >= 0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prob.solve("CLARABEL", **TIGHT[0])
    assert prob.status in ("optimal", "optimal_inaccurate")
    scale = max(1.0, abs(prob.value))
    assert res.objective <= prob.value + 1e-9 * scale
    assert res.objective >= prob.value - 1e-7 * scale
    assert min(res.min_eig) >= -1e-10
    assert np.min(g + res.x[idx]) >= -1e-10


@pytest.mark.parametrize("bounds", [(np.array([0, 0]), np.zeros(2)), (np.array([0]), np.zeros(2)),
                                    (np.array([3]), np.zeros(1))])
def test_bad_bounds_are_rejected_by_name(bounds):
    block = RankTwoLMI(np.eye(1), 0, np.array([[-0.5]]), np.array([0]))
    with pytest.raises(ValueError, match="bounds"):
        solve_lmi_qp(np.eye(1), np.array([-3.0]), [block], bounds=bounds)
