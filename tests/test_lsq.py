"""Tests of the least-squares / biconvex teaching gallery (idl_sdp.lsq)."""
import cvxpy as cp
import numpy as np
import pytest
import scipy.optimize

from idl_sdp.lsq import (
    COUNTEREXAMPLE, DIAGONAL_METHODS, HADAMARD_METHODS, RankDeficientWarning, bilinear_simplex,
    coordinate_update, diagonal_gram, diagonal_least_squares, hadamard_least_squares,
    hadamard_residual, haverly, khatri_rao_rows, normalize_pair, pooling_alternate,
    pooling_grid_search, pooling_violation, rank_one_als, seed_coordinate_update,
)


# ============================================================== diagonal least squares

def khatri_rao_design(A, B):
    """Explicit design K with K s = vec(A diag(s) Bᵀ) (row-major vec): the reference."""
    return np.stack([np.outer(A[:, j], B[:, j]).ravel() for j in range(A.shape[1])], axis=1)


def diagonal_problem(seed, m=12, n=9, k=4, noise=0.1):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((m, k))
    B = rng.standard_normal((n, k))
    C = (A * rng.standard_normal(k)) @ B.T + noise * rng.standard_normal((m, n))
    return A, B, C


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_diagonal_methods_agree_with_explicit_lstsq(seed):
    A, B, C = diagonal_problem(seed)
    K = khatri_rao_design(A, B)
    s_ref = np.linalg.lstsq(K, C.ravel(), rcond=None)[0]
    res_ref = float(np.sum((K @ s_ref - C.ravel()) ** 2))
    for method in DIAGONAL_METHODS:
        out = diagonal_least_squares(A, B, C, method)
        assert out.method == method
        np.testing.assert_allclose(out.s, s_ref, atol=1e-8, rtol=0, err_msg=method)
        assert out.residual == pytest.approx(res_ref, rel=1e-10)
        assert out.objective == pytest.approx(0.5 * out.residual, rel=1e-15)
        assert out.history and out.history[-1]["objective"] == pytest.approx(out.objective,
                                                                             rel=1e-8)
        assert out.converged and out.seconds >= 0


def test_diagonal_iterative_histories_decrease():
    A, B, C = diagonal_problem(3)
    for method in ("coordinate", "projected_gradient"):
        out = diagonal_least_squares(A, B, C, method)
        f = np.array([r["objective"] for r in out.history])
        assert len(f) == out.n_iter > 1
        assert np.all(np.diff(f) <= 1e-12 * abs(f[0]))
        assert out.info["initial_objective"] >= f[0]


def test_diagonal_gram_matches_definitions():
    A, B, C = diagonal_problem(4)
    H, d, c2 = diagonal_gram(A, B, C)
    K = khatri_rao_design(A, B)
    np.testing.assert_allclose(H, K.T @ K, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(d, np.diag(A.T @ C @ B), rtol=1e-12, atol=1e-12)
    assert c2 == pytest.approx(np.sum(C ** 2))


@pytest.mark.parametrize("bounds", [(0.0, None), (-0.2, 0.3), (None, [0.1, 0.0, np.inf, -0.5])])
def test_diagonal_bounds_agree_with_scipy_lsq_linear(bounds):
    lower, upper = bounds
    A, B, C = diagonal_problem(5)
    k = A.shape[1]
    lo = np.full(k, -np.inf) if lower is None else np.broadcast_to(lower, k)
    hi = np.full(k, np.inf) if upper is None else np.broadcast_to(upper, k)
    ref = scipy.optimize.lsq_linear(khatri_rao_design(A, B), C.ravel(), bounds=(lo, hi),
                                    method="bvls", tol=1e-14)
    assert np.any(np.isclose(ref.x, lo) | np.isclose(ref.x, hi)), "a bound should be active"
    for method in ("cvxpy", "coordinate", "projected_gradient"):
        out = diagonal_least_squares(A, B, C, method, lower=lower, upper=upper)
        np.testing.assert_allclose(out.s, ref.x, atol=1e-7, err_msg=method)
        assert np.all(out.s >= lo - 1e-9) and np.all(out.s <= hi + 1e-9)


def test_diagonal_normal_rejects_bounds():
    A, B, C = diagonal_problem(0)
    with pytest.raises(ValueError, match="normal"):
        diagonal_least_squares(A, B, C, "normal", lower=0.0)


def test_seed_coordinate_formula_counts_C_twice():
    A, B, C = diagonal_problem(6)
    s_opt = diagonal_least_squares(A, B, C).s
    H, d, _ = diagonal_gram(A, B, C)
    j = 1
    right = coordinate_update(A, B, C, s_opt, j)
    wrong = seed_coordinate_update(A, B, C, s_opt, j)
    print(f"\nat the optimum s*_{j} = {s_opt[j]:.10f}: exact update {right:.10f}, "
          f"seed formula {wrong:.10f}")
    # The optimum is a fixed point of the exact update, not of the seed's.
    assert right == pytest.approx(s_opt[j], abs=1e-12)
    assert wrong - right == pytest.approx(d[j] / H[j, j], rel=1e-10)
    assert abs(wrong - right) > 0.1
    # The exact update minimises f along coordinate j (vertex of the 1-D parabola).
    def f(t):
        s = s_opt.copy()
        s[j] = t
        return 0.5 * np.sum(((A * s) @ B.T - C) ** 2)
    t0, h = 0.37, 1.0
    fm, f0, fp = f(t0 - h), f(t0), f(t0 + h)
    vertex = t0 - h * (fp - fm) / (2 * (fp - 2 * f0 + fm))
    s_start = s_opt + 0.5
    assert coordinate_update(A, B, C, s_opt, j) == pytest.approx(vertex, abs=1e-9)
    # Away from the optimum too, the seed value exceeds the exact one by d_j/H_jj.
    gap = seed_coordinate_update(A, B, C, s_start, j) - coordinate_update(A, B, C, s_start, j)
    assert gap == pytest.approx(d[j] / H[j, j], rel=1e-10)


def test_seed_coordinate_sweeps_converge_to_twice_the_solution():
    # The seed update is exact coordinate descent for H s = 2d, so its sweeps
    # (Gauss–Seidel, convergent for H ≻ 0) go to 2 s*, not to s*.
    A, B, C = diagonal_problem(6)
    s_opt = diagonal_least_squares(A, B, C).s
    seed_s, good_s = np.zeros(A.shape[1]), np.zeros(A.shape[1])
    for _ in range(60):
        for j in range(A.shape[1]):
            seed_s[j] = seed_coordinate_update(A, B, C, seed_s, j)
            good_s[j] = coordinate_update(A, B, C, good_s, j)
    np.testing.assert_allclose(good_s, s_opt, atol=1e-10)
    np.testing.assert_allclose(seed_s, 2 * s_opt, atol=1e-10)


def test_diagonal_orthonormal_B_decouples():
    rng = np.random.default_rng(7)
    A = rng.standard_normal((10, 4))
    B = np.linalg.qr(rng.standard_normal((8, 4)))[0]
    C = rng.standard_normal((10, 8))
    closed = np.array([A[:, j] @ C @ B[:, j] / (A[:, j] @ A[:, j]) for j in range(4)])
    for method in DIAGONAL_METHODS:
        out = diagonal_least_squares(A, B, C, method)
        np.testing.assert_allclose(out.s, closed, atol=1e-8, err_msg=method)
    # H is diagonal, so one coordinate sweep is exact.
    assert diagonal_least_squares(A, B, C, "coordinate").n_iter <= 2


def test_diagonal_rank_deficient_returns_minimum_norm():
    A, B, C = diagonal_problem(8)
    A2 = np.hstack([A, A[:, :1]])  # column 0 repeated: K has two equal columns
    B2 = np.hstack([B, B[:, :1]])
    K = khatri_rao_design(A2, B2)
    s_ref = np.linalg.lstsq(K, C.ravel(), rcond=None)[0]  # minimum-norm LS solution
    with pytest.warns(RankDeficientWarning, match="minimum-norm"):
        out = diagonal_least_squares(A2, B2, C, "normal")
    assert out.info["rank"] == A.shape[1]
    np.testing.assert_allclose(out.s, s_ref, atol=1e-9)
    assert out.s[0] == pytest.approx(out.s[-1], abs=1e-10)
    # The other methods reach the same (non-unique) minimum value.
    for method in ("cvxpy", "coordinate", "projected_gradient"):
        other = diagonal_least_squares(A2, B2, C, method)
        assert other.residual == pytest.approx(out.residual, rel=1e-9, abs=1e-12), method
        assert other.s[0] + other.s[-1] == pytest.approx(2 * out.s[0], abs=1e-6), method


def test_diagonal_zero_column_is_handled():
    A, B, C = diagonal_problem(9)
    A[:, 2] = 0.0
    with pytest.warns(RankDeficientWarning):
        ref = diagonal_least_squares(A, B, C)
    assert ref.s[2] == 0.0
    out = diagonal_least_squares(A, B, C, "coordinate")
    np.testing.assert_allclose(out.s, ref.s, atol=1e-8)
    with pytest.raises(ValueError, match="zero"):
        coordinate_update(A, B, C, ref.s, 2)


@pytest.mark.parametrize("args, kwargs, exc, word", [
    ((np.ones((3, 2)), np.ones((4, 3)), np.ones((3, 4))), {}, ValueError, "B"),
    ((np.ones((3, 2)), np.ones((4, 2)), np.ones((4, 3))), {}, ValueError, "C"),
    ((np.array([[1.0, np.nan]]), np.ones((2, 2)), np.ones((1, 2))), {}, ValueError, "A"),
    ((np.ones((3, 2)), np.ones((4, 2)), np.full((3, 4), np.inf)), {}, ValueError, "C"),
    ((np.ones((0, 2)), np.ones((4, 2)), np.ones((0, 4))), {}, ValueError, "A"),
    ((np.ones(3), np.ones((4, 2)), np.ones((3, 4))), {}, ValueError, "A"),
    ((np.ones((3, 2)), np.ones((4, 2)), np.ones((3, 4))), {"method": "lsqr"}, ValueError, "method"),
    ((np.ones((3, 2)), np.ones((4, 2)), np.ones((3, 4))), {"method": 3}, TypeError, "method"),
    ((np.ones((3, 2)), np.ones((4, 2)), np.ones((3, 4))),
     {"method": "cvxpy", "lower": 1.0, "upper": 0.0}, ValueError, "lower"),
    ((np.ones((3, 2)), np.ones((4, 2)), np.ones((3, 4))),
     {"method": "coordinate", "upper": [1.0, 2.0, 3.0]}, ValueError, "upper"),
    ((np.ones((3, 2)), np.ones((4, 2)), np.ones((3, 4))),
     {"method": "coordinate", "lower": np.nan}, ValueError, "lower"),
    ((np.ones((3, 2)), np.ones((4, 2)), np.ones((3, 4))), {"s0": [0.0, 0.0]}, ValueError, "s0"),
    ((np.ones((3, 2)), np.ones((4, 2)), np.ones((3, 4))),
     {"method": "coordinate", "s0": [0.0]}, ValueError, "s0"),
    ((np.ones((3, 2)), np.ones((4, 2)), np.ones((3, 4))),
     {"method": "coordinate", "rounds": 0}, ValueError, "rounds"),
    ((np.ones((3, 2)), np.ones((4, 2)), "abc"), {}, TypeError, "C"),
])
def test_diagonal_bad_input(args, kwargs, exc, word):
    with pytest.raises(exc, match=word):
        diagonal_least_squares(*args, **kwargs)


# ============================================================== Hadamard least squares

def test_counterexample_lifted_svd_is_not_optimal():
    A, B, y = COUNTEREXAMPLE["A"], COUNTEREXAMPLE["B"], COUNTEREXAMPLE["y"]
    np.testing.assert_array_equal(khatri_rao_rows(A, B), [[1, 1, 1, 1], [1, 0, 0, 0]])
    lifted = hadamard_least_squares(A, B, y, "lifted_svd")
    np.testing.assert_allclose(lifted.info["lifted_solution"],
                               [[2, -1 / 3], [-1 / 3, -1 / 3]], atol=1e-12)
    assert lifted.info["lifted_residual"] < 1e-25  # the lifted problem is fitted exactly ...
    assert lifted.residual == pytest.approx(0.2347, abs=1e-4)  # ... its rank-one part is not
    assert lifted.singular_values[1] > 0.3
    # An exact rank-one solution exists.
    assert hadamard_residual(A, B, y, [1.0, 1.0], [2.0, -1.5]) == 0.0
    for method in ("als", "gauss_newton", "convex"):
        out = hadamard_least_squares(A, B, y, method)
        assert out.residual <= 1e-10, (method, out.residual)


def test_counterexample_convex_relaxation_is_exact():
    A, B, y = COUNTEREXAMPLE["A"], COUNTEREXAMPLE["B"], COUNTEREXAMPLE["y"]
    out = hadamard_least_squares(A, B, y, "convex")
    assert out.exact is True
    assert out.singular_values[1] <= 1e-6 * out.singular_values[0]
    # Least nuclear norm among W with W11 = 2 and sum(W) = 1: the solver finds the
    # rank-one W = [[2, a], [a, a²/2]], a = √2 − 2, of nuclear norm 5 − 2√2.
    a = np.sqrt(2) - 2
    np.testing.assert_allclose(out.info["W"], [[2, a], [a, a * a / 2]], atol=1e-6)
    assert out.info["relaxation_value"] == pytest.approx(5 - 2 * np.sqrt(2), abs=1e-6)
    np.testing.assert_allclose(out.product, out.info["W"], atol=1e-6)


def test_hadamard_normalization_and_scale_invariance():
    rng = np.random.default_rng(11)
    A, B = rng.standard_normal((20, 3)), rng.standard_normal((20, 4))
    y = rng.standard_normal(20)
    u0 = rng.standard_normal(3)
    for method in ("als", "gauss_newton"):
        first = hadamard_least_squares(A, B, y, method, u0=u0)
        scaled = hadamard_least_squares(A, B, y, method, u0=-3.0 * u0)
        np.testing.assert_allclose(scaled.u, first.u, atol=1e-8, err_msg=method)
        np.testing.assert_allclose(scaled.v, first.v, atol=1e-8, err_msg=method)
    for method in HADAMARD_METHODS:
        out = hadamard_least_squares(A, B, y, method)
        assert np.linalg.norm(out.u) == pytest.approx(np.linalg.norm(out.v), rel=1e-12)
        assert out.u[np.argmax(np.abs(out.u))] > 0
        assert out.residual == pytest.approx(hadamard_residual(A, B, y, out.u, out.v), rel=1e-12)
    u, v = rng.standard_normal(3), rng.standard_normal(4)
    nu, nv = normalize_pair(u, v)
    for t in (2.5, -0.1):
        tu, tv = normalize_pair(t * u, v / t)
        np.testing.assert_allclose(tu, nu, rtol=1e-12)
        np.testing.assert_allclose(tv, nv, rtol=1e-12)
    np.testing.assert_allclose(np.outer(nu, nv), np.outer(u, v), rtol=1e-12)
    zu, zv = normalize_pair(u, np.zeros(4))
    assert not zu.any() and not zv.any()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_hadamard_planted_recovery(seed):
    rng = np.random.default_rng(100 + seed)
    A, B = rng.standard_normal((30, 3)), rng.standard_normal((30, 3))
    u, v = rng.standard_normal(3), rng.standard_normal(3)
    y = (A @ u) * (B @ v)
    truth = np.outer(u, v)
    for method in HADAMARD_METHODS:
        out = hadamard_least_squares(A, B, y, method)
        err = np.max(np.abs(out.product - truth)) / np.max(np.abs(truth))
        assert err <= 1e-6, (method, err)
        assert out.residual <= 1e-12 * (y @ y), method
        nu, nv = normalize_pair(u, v)
        np.testing.assert_allclose(out.u, nu, atol=1e-6)
        np.testing.assert_allclose(out.v, nv, atol=1e-6)
    assert hadamard_least_squares(A, B, y, "convex").exact is True


def test_hadamard_noisy_methods_compared():
    rng = np.random.default_rng(21)
    A, B = rng.standard_normal((40, 3)), rng.standard_normal((40, 2))
    y = (A @ rng.standard_normal(3)) * (B @ rng.standard_normal(2)) + 0.3 * rng.standard_normal(40)
    als = hadamard_least_squares(A, B, y, "als")
    gn = hadamard_least_squares(A, B, y, "gauss_newton")
    lifted = hadamard_least_squares(A, B, y, "lifted_svd")
    convex = hadamard_least_squares(A, B, y, "convex")
    assert gn.residual == pytest.approx(als.residual, rel=1e-8)
    assert lifted.residual > als.residual + 1e-6  # lifted OLS + SVD is not a minimiser
    # H has full column rank: the lifted least-squares set is one point, so the
    # constrained relaxation returns the lifted OLS solution, which is not rank one.
    assert convex.residual == pytest.approx(lifted.residual, rel=1e-6)
    assert convex.exact is False
    penalised = hadamard_least_squares(A, B, y, "convex", reg=5.0)
    assert penalised.singular_values[1] < convex.singular_values[1]
    # ALS history: non-increasing objective, recorded per round by the driver.
    f = [r["objective"] for r in als.history]
    assert np.all(np.diff(f) <= 1e-12 * f[0])
    assert {"v_step_seconds", "u_step_seconds"} <= set(als.history[0])


@pytest.mark.parametrize("args, kwargs, exc, word", [
    ((np.ones((3, 2)), np.ones((4, 2)), np.ones(3)), {}, ValueError, "B"),
    ((np.ones((3, 2)), np.ones((3, 2)), np.ones(4)), {}, ValueError, "y"),
    ((np.ones((3, 2)), np.ones((3, 2)), [1.0, np.nan, 2.0]), {}, ValueError, "y"),
    ((np.ones((0, 2)), np.ones((0, 2)), np.ones(0)), {}, ValueError, "A"),
    ((np.ones((3, 2)), np.ones((3, 2)), np.ones(3)), {"method": "svd"}, ValueError, "method"),
    ((np.ones((3, 2)), np.ones((3, 2)), np.ones(3)), {"method": "lifted_svd", "u0": [1, 1]},
     ValueError, "u0"),
    ((np.ones((3, 2)), np.ones((3, 2)), np.ones(3)), {"u0": [1, 1, 1]}, ValueError, "u0"),
    ((np.ones((3, 2)), np.ones((3, 2)), np.ones(3)), {"reg": 1.0}, ValueError, "reg"),
    ((np.ones((3, 2)), np.ones((3, 2)), np.ones(3)), {"method": "convex", "reg": -1.0},
     ValueError, "reg"),
    ((np.ones((3, 2)), np.ones((3, 2)), np.ones(3)), {"method": "convex", "solver": "MOSEK"},
     ValueError, "solver"),
    ((np.ones((3, 2)), np.ones((3, 2)), np.ones(3)), {"seed": -1}, ValueError, "seed"),
])
def test_hadamard_bad_input(args, kwargs, exc, word):
    with pytest.raises(exc, match=word):
        hadamard_least_squares(*args, **kwargs)


# ============================================================== biconvex textbook problems

M_DIAG = np.diag([3.0, 2.0, 1.0])


def test_rank_one_als_reaches_eckart_young_optimum():
    out = rank_one_als(M_DIAG, seed=3)
    assert out.objective == pytest.approx(5.0, abs=1e-10)  # 2² + 1²
    u, v = out.blocks["u"], out.blocks["v"]
    expected = np.zeros((3, 3))
    expected[0, 0] = 3.0
    np.testing.assert_allclose(np.outer(u, v), expected, atol=1e-6)
    assert out.info["certified"] and out.info["optimum"] == pytest.approx(5.0)
    f = [r["objective"] for r in out.history]
    assert np.all(np.diff(f) <= 1e-12)


def test_rank_one_als_stays_on_the_saddle():
    out = rank_one_als(M_DIAG, [0.0, 1.0, 0.0], rounds=50, stop="none")
    assert out.n_iter == 50
    assert all(r["objective"] == 10.0 for r in out.history)  # 3² + 1², every round
    assert out.info["stationarity"] == 0.0  # a stationary point ...
    assert not out.info["certified"]  # ... but ‖M − u vᵀ‖₂ = 3 > σ = 2: not optimal
    assert out.info["residual_spectral_norm"] == pytest.approx(3.0)
    assert out.info["sigma"] == pytest.approx(2.0)


def test_rank_one_als_naive_stopping_rule_stops_at_the_saddle():
    start = [1e-8, 1.0, 0.0]  # e2 + 1e-8 e1
    for tol in (1e-6, 1e-12):
        early = rank_one_als(M_DIAG, start, tol=tol)
        assert early.n_iter <= 3, tol
        assert early.objective == pytest.approx(10.0, abs=1e-12), tol
        assert early.converged and not early.info["certified"]
    full = rank_one_als(M_DIAG, start, rounds=60, stop="none")
    f = np.array([r["objective"] for r in full.history])
    escape = int(np.argmax(f < 7.5)) + 1
    # The e1 component grows by 9/4 per round: 1e-8 · 2.25^k ≈ 1 at k ≈ 23.
    assert 20 <= escape <= 28, escape
    assert np.all(f[:10] > 10.0 - 1e-7)  # ten rounds that look converged
    assert full.objective == pytest.approx(5.0, abs=1e-10) and full.info["certified"]
    # A larger offset makes the same point with a visible decrease: loose tol stops.
    loose = rank_one_als(M_DIAG, [1e-4, 1.0, 0.0], tol=1e-6)
    tight = rank_one_als(M_DIAG, [1e-4, 1.0, 0.0], tol=1e-12)
    assert loose.objective > 9.99 and tight.objective == pytest.approx(5.0, abs=1e-9)


# Final profit of the alternation from each starting pool quality; each value is
# the LP optimum for that fixed quality (derivable by hand: e.g. in Haverly 1, p = 1
# is pure crude B, sent to Y with as much crude C: 15·200 − 16·100 − 10·100 = 400).
POOLING_EXPECTED = {
    1: {1.0: 400.0, 1.5: 300.0, 2.0: 0.0, 2.5: 50.0, 3.0: 100.0},
    2: {1.0: 400.0, 1.5: 300.0, 2.0: 0.0, 2.5: 300.0, 3.0: 600.0},
    3: {1.0: 700.0, 1.5: 750.0, 2.0: 0.0, 2.5: 125.0, 3.0: 100.0},
}


@pytest.mark.parametrize("case", [1, 2, 3])
def test_haverly_pooling(case):
    inst = haverly(case)
    grid = pooling_grid_search(inst)  # independent: SciPy/HiGHS LPs over a p grid
    assert grid["profit"] == pytest.approx(inst.known_optimum, abs=1e-6)
    assert pooling_violation(inst, grid["p"], grid["flows"]) <= 1e-7
    reached = {}
    for p0, expected in POOLING_EXPECTED[case].items():
        out = pooling_alternate(inst, p0)
        reached[p0] = out.info["profit"]
        assert out.info["violation"] <= 1e-6, p0
        assert out.info["profit"] == pytest.approx(expected, abs=1e-6), (p0, reached)
        assert out.info["profit"] <= grid["profit"] + 1e-6
        # Measured (and stated in docs/gallery.rst): the quality LP never moves p here,
        # so each run ends at the flow LP's value for p0.
        assert out.blocks["p"] == pytest.approx(p0, abs=1e-6)
        assert out.info["profit"] == pytest.approx(
            grid["profits"][np.argmin(np.abs(grid["grid"] - p0))], abs=1e-6)
        f = [r["objective"] for r in out.history]  # −profit, non-increasing
        assert np.all(np.diff(f) <= 1e-6)
    best = max(reached.values())
    assert best == pytest.approx(inst.known_optimum, abs=1e-6)
    assert min(reached.values()) < best - 50  # some start ends at a worse partial optimum


def test_pooling_bad_input():
    with pytest.raises(ValueError, match="case"):
        haverly(4)
    with pytest.raises(ValueError, match="p0"):
        pooling_alternate(haverly(1), 3.5)
    with pytest.raises(TypeError, match="instance"):
        pooling_alternate("Haverly 1", 2.0)


def test_bilinear_simplex_stalls_at_non_global_vertex_pair():
    Q = np.array([[-1.0, 0.0], [0.0, -2.0]])  # a coordination game (as costs)
    bad = bilinear_simplex(Q, y0=0)
    assert bad.objective == -1.0 and not bad.info["is_global"]
    assert bad.blocks["x"].tolist() == [1, 0] and bad.blocks["y"].tolist() == [1, 0]
    good = bilinear_simplex(Q, y0=1)
    assert good.objective == -2.0 == Q.min() and good.info["is_global"]
    mixed = bilinear_simplex(Q, y0=[0.5, 0.5])
    assert mixed.objective == -2.0


def test_bilinear_simplex_random_vertex_starts_find_global():
    rng = np.random.default_rng(5)
    Q = rng.standard_normal((6, 5))
    finals = []
    for j in range(5):
        out = bilinear_simplex(Q, y0=j)
        x, y = out.blocks["x"], out.blocks["y"]
        # The end point is a pair of mutual best responses (vertices).
        assert (Q @ y)[np.argmax(x)] == pytest.approx((Q @ y).min())
        assert (Q.T @ x)[np.argmax(y)] == pytest.approx((Q.T @ x).min())
        finals.append(out.objective)
    assert min(finals) == pytest.approx(Q.min())  # the global optimum is at a vertex pair
    # The block LP over the simplex (here in cvxpy) has the value of the vertex rule.
    c = rng.standard_normal(5)
    x = cp.Variable(5, nonneg=True)
    value = cp.Problem(cp.Minimize(c @ x), [cp.sum(x) == 1]).solve(solver="CLARABEL")
    assert value == pytest.approx(c.min(), abs=1e-7)


def test_bilinear_simplex_bad_input():
    with pytest.raises(ValueError, match="y0"):
        bilinear_simplex(np.eye(2), y0=[0.7, 0.7])
    with pytest.raises(ValueError, match="y0"):
        bilinear_simplex(np.eye(2), y0=2)
    with pytest.raises(ValueError, match="Q"):
        bilinear_simplex(np.array([[np.nan]]))


def test_rank_one_bad_input():
    with pytest.raises(ValueError, match="u0"):
        rank_one_als(M_DIAG, [0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="u0"):
        rank_one_als(M_DIAG, [1.0, 0.0])
    with pytest.raises(ValueError, match="stop"):
        rank_one_als(M_DIAG, stop="gradient")
    with pytest.raises(ValueError, match="M"):
        rank_one_als(np.ones((0, 3)))


def test_hadamard_start_from_v0_only():
    rng = np.random.default_rng(31)
    A, B = rng.standard_normal((25, 3)), rng.standard_normal((25, 2))
    u, v = rng.standard_normal(3), rng.standard_normal(2)
    y = (A @ u) * (B @ v)
    for method in ("als", "gauss_newton"):
        out = hadamard_least_squares(A, B, y, method, v0=rng.standard_normal(2))
        np.testing.assert_allclose(out.product, np.outer(u, v), atol=1e-8, err_msg=method)
        assert repr(out).startswith(f"HadamardResult(method='{method}'")


# ---------------------------------------- convex Hadamard relaxation: planted regressions
# The relaxation used to be solved with the gallery's 1e-10 Clarabel tolerances, which an
# interior-point method cannot certify on this SDP (its optimum is a rank-one PSD block):
# Clarabel stalled near a primal residual of 1e-8 and returned ``optimal_inaccurate`` on
# 23 of 30 seeds of 60×5×4 and on all 30 of 100×6×5. The planted factors are the
# independent reference.

def _planted_hadamard(n, p, k, seed, scale=1.0):
    """A, B standard normal, y = scale·(A u0)∘(B v0); also returns the truth scale·u0 v0ᵀ."""
    rng = np.random.default_rng(seed)
    A, B = rng.standard_normal((n, p)), rng.standard_normal((n, k))
    u0, v0 = rng.standard_normal(p), rng.standard_normal(k)
    return A, B, scale * (A @ u0) * (B @ v0), scale * np.outer(u0, v0)


def _relative_error(product, truth):
    return np.linalg.norm(product - truth) / np.linalg.norm(truth)


@pytest.mark.parametrize("n, p, k", [(60, 5, 4), (40, 3, 3), (100, 6, 5), (30, 4, 2)])
def test_hadamard_convex_planted_sizes_are_exact(n, p, k):
    for seed in range(5):
        A, B, y, truth = _planted_hadamard(n, p, k, seed)
        out = hadamard_least_squares(A, B, y, "convex")  # must not raise SolverError
        assert out.info["status"] == "optimal"
        assert out.exact is True, (n, p, k, seed, out.singular_values)
        assert _relative_error(out.product, truth) <= 1e-6, (n, p, k, seed)
        assert out.residual <= 1e-12 * (y @ y)


@pytest.mark.parametrize("scale", [1e-8, 1e8])
def test_hadamard_convex_planted_is_scale_invariant(scale):
    # The solver's feasibility tolerances are relative to max(1, ‖data‖): without the
    # normalisation of the relaxation, y of order 1e-8 left a W that was not rank one.
    for seed in range(3):
        A, B, y, truth = _planted_hadamard(60, 5, 4, seed, scale)
        out = hadamard_least_squares(A, B, y, "convex")
        assert out.exact is True, (scale, seed, out.singular_values)
        assert _relative_error(out.product, truth) <= 1e-6, (scale, seed)
        unscaled = hadamard_least_squares(A, B, y / scale, "convex")
        assert out.info["relaxation_value"] == pytest.approx(
            scale * unscaled.info["relaxation_value"], rel=1e-9)

