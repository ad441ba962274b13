"""The two convex subproblems against independent references."""
import cvxpy as cp
import numpy as np
import pytest

import idl_sdp
from idl_sdp import HiddenStep, NotConvexError, ParameterStep, objective
from idl_sdp.lmi import (NORM_MARGIN, convexity_matrix, lmi_matrix, norm_matrix,
                         seed_schur_matrix)
from conftest import random_model


def pgd_hidden_step(model, U, Y, lam, iters=20000):
    """Independent reference: FISTA on J(X) in numpy, projected onto X ≥ 0."""
    m = U.shape[1]
    lam = np.broadcast_to(np.asarray(lam, float), (model.n_hidden,))
    M = convexity_matrix(model.A, model.D, lam)
    # Lipschitz constant of ∇J: (‖M‖ + ‖diag(√λ)D‖²)/m
    Lc = (np.linalg.norm(M, 2) + np.linalg.norm(np.sqrt(lam)[:, None] * model.D, 2) ** 2) / m
    R = model.B @ U + model.c[:, None] - Y
    W0 = model.E @ U + model.f[:, None]

    def grad(X):
        Zp = np.maximum(model.D @ X + W0, 0)
        g = model.A.T @ (model.A @ X + R) + lam[:, None] * (X - model.D @ X - W0)
        g -= model.D.T @ (lam[:, None] * X)
        g += model.D.T @ (lam[:, None] * Zp)
        return g / m

    X = Xp = np.zeros((model.n_hidden, m))
    t = 1.0
    for _ in range(iters):
        Xn = np.maximum(Xp - grad(Xp) / Lc, 0)
        tn = 0.5 * (1 + np.sqrt(1 + 4 * t * t))
        Xp = Xn + (t - 1) / tn * (Xn - X)
        X, t = Xn, tn
    return X


@pytest.fixture
def data(rng):
    n, m, p, h = 3, 30, 2, 4
    U = rng.standard_normal((n, m))
    Y = rng.standard_normal((p, m))
    model = random_model(rng, n, h, p, norm2=0.3)
    lam = np.array([0.5, 1.0, 2.0, 1.5])
    # keep M ⪰ 0: ‖ΛD + DᵀΛ‖ ≤ 2·2·0.3 < min λ + … is not guaranteed; shrink D until it holds
    while np.linalg.eigvalsh(convexity_matrix(model.A, model.D, lam))[0] < 0.05:
        model.D *= 0.5
    return U, Y, h, lam, model


def test_hidden_step_is_dpp_qp(data):
    U, Y, h, lam, model = data
    step = HiddenStep(U, Y, h, lam)
    assert step.problem.is_dpp() and step.problem.is_qp()
    assert step.X.shape == (h, U.shape[1])


def test_hidden_step_matches_projected_gradient(data):
    U, Y, h, lam, model = data
    step = HiddenStep(U, Y, h, lam)
    X = step.solve(model, solver="CLARABEL")
    X_ref = pgd_hidden_step(model, U, Y, lam)
    J, J_ref = objective(model, X, U, Y, lam), objective(model, X_ref, U, Y, lam)
    assert abs(J - J_ref) <= 1e-7 * abs(J_ref)
    assert np.max(np.abs(X - X_ref)) <= 1e-5


def test_hidden_step_objective_matches_numpy(data):
    U, Y, h, lam, model = data
    step = HiddenStep(U, Y, h, lam)
    X = step.solve(model)
    J = objective(model, step.X.value, U, Y, lam)
    assert step.problem.value == pytest.approx(J, rel=1e-7)
    assert step.last_info["status"] == "optimal"


def test_hidden_step_clarabel_vs_scs(data):
    U, Y, h, lam, model = data
    step = HiddenStep(U, Y, h, lam)
    Xc = step.solve(model, solver="CLARABEL")
    Xs = step.solve(model, solver="SCS", eps_abs=1e-10, eps_rel=1e-10)
    Jc, Js = objective(model, Xc, U, Y, lam), objective(model, Xs, U, Y, lam)
    assert abs(Jc - Js) <= 1e-6 * abs(Jc)


def test_hidden_step_refuses_indefinite_M(data):
    U, Y, h, lam, model = data
    bad = model.copy()
    bad.A[:] = 0.0
    bad.D = 0.9 * np.eye(h)  # M = Λ − 1.8Λ ≺ 0
    with pytest.raises(NotConvexError, match="not positive semidefinite"):
        HiddenStep(U, Y, h, lam).solve(bad)


def test_dpp_resolve_equals_fresh_build(data, rng):
    U, Y, h, lam, model = data
    step = HiddenStep(U, Y, h, lam)
    step.solve(model)
    other = model.copy()
    other.E = other.E + 0.3 * rng.standard_normal(other.E.shape)
    X_resolve = step.solve(other)
    X_fresh = HiddenStep(U, Y, h, lam).solve(other)
    np.testing.assert_allclose(X_resolve, X_fresh, atol=1e-7)

    pstep = ParameterStep(U, Y, h, lam, reg=1e-2)
    pstep.solve(X_fresh, model)
    m_resolve = pstep.solve(X_resolve, other)
    m_fresh = ParameterStep(U, Y, h, lam, reg=1e-2).solve(X_resolve, other)
    for k in "ABcDEf":
        np.testing.assert_allclose(getattr(m_resolve, k), getattr(m_fresh, k), atol=1e-6)


def uncompressed_theta_problem(U, Y, X, lam, model, lmi, eps, reg, margin):
    """Independent reference for the Θ-step: the textbook form, no Gram compression."""
    n, m = U.shape
    p, h = Y.shape[0], X.shape[0]
    A, B, c = cp.Variable((p, h)), cp.Variable((p, n)), cp.Variable(p)
    D, E, f = cp.Variable((h, h)), cp.Variable((h, n)), cp.Variable(h)
    Z = D @ X + E @ U + cp.reshape(f, (h, 1), order="F") @ np.ones((1, m))
    loss = cp.sum_squares(A @ X + B @ U + cp.reshape(c, (p, 1), order="F") @ np.ones((1, m)) - Y)
    div = cp.sum(cp.multiply(lam[:, None], idl_sdp.fenchel_divergence_expr(X, Z)))
    ridge = (cp.sum_squares(A) + cp.sum_squares(B) + cp.sum_squares(D) + cp.sum_squares(E)) / 2
    Lam = np.diag(lam)
    core = Lam - Lam @ D - D.T @ Lam - margin * np.eye(h)
    cons = [cp.bmat([[(1 - eps) * np.eye(h), D], [D.T, (1 - eps) * np.eye(h)]])
            >> NORM_MARGIN * np.eye(2 * h)]
    Ak = model.A
    if lmi == "linearized":
        S = core + Ak.T @ A + A.T @ Ak - Ak.T @ Ak
    elif lmi == "eq5":
        S = core
    else:
        S = cp.bmat([[np.eye(p), A], [A.T, core]])
    cons.append(0.5 * (S + S.T) >> 0)
    prob = cp.Problem(cp.Minimize(loss / (2 * m) + div / m + reg * ridge), cons)
    prob.solve(solver="CLARABEL")
    return prob


@pytest.mark.parametrize("lmi", ["linearized", "eq5", "schur"])
def test_parameter_step_matches_uncompressed_and_implies_M_psd(data, lmi):
    U, Y, h, lam, model = data
    X = model.hidden(U)
    if lmi == "schur":  # start from a model satisfying the Schur LMI's A-bound
        model = model.copy()
        model.A *= 0.1
    step = ParameterStep(U, Y, h, lam, lmi=lmi, eps=0.05, reg=1e-2)
    assert step.problem.is_dpp()
    new = step.solve(X, model)
    ref = uncompressed_theta_problem(U, Y, X, lam, model, lmi, 0.05, 1e-2, step.margin)
    assert ref.status == "optimal"
    assert step.problem.value == pytest.approx(ref.value, rel=1e-6)
    # objective() in numpy agrees with the cvxpy value
    assert objective(new, X, U, Y, lam, reg=1e-2) == pytest.approx(step.problem.value, rel=1e-7)
    # ‖D‖₂ ≤ 1 − eps and the chosen LMI both hold, and the LMI implies M ⪰ 0
    assert np.linalg.norm(new.D, 2) <= 0.95 + 1e-7
    assert np.linalg.eigvalsh(norm_matrix(new.D, 0.05))[0] >= -1e-7
    S = lmi_matrix(lmi, new.A, new.D, lam, A_ref=model.A, margin=step.margin)
    assert np.linalg.eigvalsh(S)[0] >= -1e-7
    assert np.linalg.eigvalsh(convexity_matrix(new.A, new.D, lam))[0] >= step.margin - 1e-7


def test_parameter_step_clarabel_vs_scs(data):
    U, Y, h, lam, model = data
    X = model.hidden(U)
    step = ParameterStep(U, Y, h, lam, reg=1e-2)
    step.solve(X, model, solver="CLARABEL")
    vc = step.problem.value
    step.solve(X, model, solver="SCS", eps_abs=1e-9, eps_rel=1e-9)
    assert step.problem.value == pytest.approx(vc, rel=1e-5)


def test_reg_is_a_parameter_no_recompile(data):
    U, Y, h, lam, model = data
    X = model.hidden(U)
    step = ParameterStep(U, Y, h, lam, reg=1e-3)
    problem = step.problem
    values = []
    for r in (1e-3, 1e-1, 10.0):
        step.set_reg(r)
        new = step.solve(X, model)
        values.append(idl_sdp.ridge_penalty(new))
    assert step.problem is problem
    assert values[0] > values[1] > values[2]  # stronger ridge, smaller parameters


def test_seed_schur_form_is_infeasible(data):
    U, Y, h, lam, model = data
    # As a matrix: never PSD, whatever A and D (its top-left block is −I_p).
    for scale in (0.0, 0.5, 1.0):
        S = seed_schur_matrix(scale * model.A, scale * model.D, lam)
        assert np.linalg.eigvalsh(S)[0] <= -1.0 + 1e-12
    # As a constraint: the Θ-step with it is reported infeasible.
    p = Y.shape[0]
    A, D = cp.Variable((p, h)), cp.Variable((h, h))
    Lam = np.diag(lam)
    S = -cp.bmat([[np.eye(p), A], [A.T, Lam @ D + D.T @ Lam - Lam]])
    prob = cp.Problem(cp.Minimize(0), [0.5 * (S + S.T) >> 0])
    prob.solve(solver="CLARABEL")
    assert prob.status == "infeasible"


def test_eq6_is_not_jointly_convex():
    lam, eps = 1.0, 0.05
    M = lambda a, d: a * a + lam - 2 * lam * d  # noqa: E731  (h = p = 1)
    assert M(1.0, 0.9) == pytest.approx(0.2) and M(-1.0, 0.9) == pytest.approx(0.2)
    assert abs(0.9) <= 1 - eps
    assert M(0.0, 0.9) == pytest.approx(-0.8)  # the midpoint violates eq 6
    # the same through the library's matrix
    for a in (1.0, -1.0):
        assert convexity_matrix(np.array([[a]]), np.array([[0.9]]), [lam])[0, 0] > 0
    assert convexity_matrix(np.array([[0.0]]), np.array([[0.9]]), [lam])[0, 0] < 0


def test_each_lmi_implies_M_psd_on_random_points(rng):
    """Whenever an LMI matrix is PSD at a random (A, D), M is PSD too (and ⪰ its margin)."""
    hits = {k: 0 for k in ("linearized", "eq5", "schur")}
    for _ in range(400):
        h, p = 3, 2
        A = rng.standard_normal((p, h)) * rng.uniform(0, 1)
        D = rng.standard_normal((h, h)) * rng.uniform(0, 0.6)
        Ak = A + 0.3 * rng.standard_normal((p, h))
        lam = rng.uniform(0.1, 2, h)
        lm = np.linalg.eigvalsh(convexity_matrix(A, D, lam))[0]
        for kind in hits:
            S = lmi_matrix(kind, A, D, lam, A_ref=Ak)
            if np.linalg.eigvalsh(S)[0] >= 0:
                hits[kind] += 1
                assert lm >= -1e-12
    assert all(v > 10 for v in hits.values()), hits


@pytest.mark.parametrize("ctor, kwargs, match", [
    (HiddenStep, dict(hidden=0), "hidden must be an integer >= 1"),
    (HiddenStep, dict(lam=-1.0), "lam must be >= 0"),
    (HiddenStep, dict(lam=[1.0, 2.0]), "lam must have length"),
    (ParameterStep, dict(eps=1.5), "eps must lie in the open interval"),
    (ParameterStep, dict(lmi="eq6"), "lmi must be one of"),
    (ParameterStep, dict(reg=-1.0), "reg must be >= 0"),
])
def test_step_bad_input(small_problem, ctor, kwargs, match):
    U, Y, h = small_problem
    args = dict(U=U, Y=Y, hidden=h, lam=1.0)
    args.update(kwargs)
    with pytest.raises((ValueError, TypeError), match=match):
        ctor(**args)


def test_step_rejects_nan_and_mismatch(small_problem):
    U, Y, h = small_problem
    U2 = U.copy()
    U2[0, 0] = np.nan
    with pytest.raises(ValueError, match="U must be finite"):
        HiddenStep(U2, Y, h, 1.0)
    with pytest.raises(ValueError, match="Y must have one column per sample"):
        ParameterStep(U, Y[:, :-1], h, 1.0)
    step = HiddenStep(U, Y, h, 1.0)
    with pytest.raises(ValueError, match="solver must be one of"):
        step.solve(idl_sdp.initial_model(U, Y, h), solver="MOSEK_NOT_HERE")
    with pytest.raises(ValueError, match="model has"):
        step.solve(idl_sdp.initial_model(U, Y, h + 1))


# ------------------------------------------------ X-step compiles in memory linear in m
# Before the fix, sum(multiply(G, X)) in the objective made cvxpy's quadratic-coefficient
# extraction densify an (hm) x (2hm + 2h² + 1) array (24.1 GiB at m = 2000, h = 20).
# Then, with the scalar gx but G, W still (h, m) parameters, cvxpy's DPP tensor index
# space grew as m³ and overflowed int64 at m ≈ 30 000 (h = 20); now the parameters are
# L, Gx, Ds, Wx, const, of sizes independent of m, with U, Y as constants.
# See benchmarks/bench_xstep_memory.py and benchmarks/results/xstep_memory.md.

def _xstep_data(m, h, seed=0):
    rng = np.random.default_rng(seed)
    U, Y = rng.standard_normal((5, m)), rng.standard_normal((1, m))
    return U, Y, idl_sdp.initial_model(U, Y, h)


def test_hidden_step_compiled_size_is_linear_in_m():
    import tracemalloc

    peak, sizes = {}, {}
    for m in (200, 400):
        U, Y, model = _xstep_data(m, 10)
        step = HiddenStep(U, Y, 10, 1.0)
        assert step.problem.is_dpp() and step.problem.is_qp()
        step.set_model(model)
        tracemalloc.start()
        data, _, _ = step.problem.get_problem_data("CLARABEL")
        peak[m] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        sizes[m] = (data["A"].nnz, data["P"].nnz)
    for k in (0, 1):  # nnz of A and of P double with m
        assert 1.9 <= sizes[400][k] / sizes[200][k] <= 2.1, sizes
    # nnz alone cannot see a dense intermediate (the old form had linear nnz too):
    # the peak traced memory of compiling must grow linearly as well (old form: ×3.9,
    # 65 → 251 MB; with G, W (h, m) parameters ×1.9, 6 → 12 MB; now ×1.9, 7.5 → 14.5 MB).
    assert peak[400] / peak[200] <= 2.6, peak
    assert peak[400] <= 64 * 2**20, peak


def test_hidden_step_parameters_do_not_grow_with_m(data):
    U, Y, h, lam, model = data
    (n, m), p = U.shape, Y.shape[0]
    step = HiddenStep(U, Y, h, lam)
    shapes = {q.name(): q.shape for q in step.problem.parameters()}
    assert shapes == {"L": (h, h), "Gx": (h, n + p + 1), "Ds": (h, h), "Wx": (h, n + 1),
                      "const": ()}
    # G = Gx [U; Y; 1ᵀ] and W = Wx [U; 1ᵀ]: the small-parameter data against the
    # (h, m) data the fast path uses (computed independently in hidden_step_data).
    d = step.data(model)
    Psi_u = np.vstack([U, np.ones((1, m))])
    np.testing.assert_array_equal(step.Psi, np.vstack([U, Y, np.ones((1, m))]))
    for got, want in ((d.Gx @ step.Psi, d.G), (d.Wx @ Psi_u, d.W)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12 * np.abs(want).max())
    step.set_model(model)  # the loaded parameters times the constant data give G, W
    P = step.parameters
    for got, key in ((P["Gx"].value @ step.Psi, "G"), (P["Wx"].value @ Psi_u, "W")):
        assert got.shape == (h, m)
        np.testing.assert_allclose(got, getattr(d, key), rtol=1e-12,
                                   atol=1e-12 * np.abs(getattr(d, key)).max())


def test_hidden_step_value_is_J_and_solvers_agree_with_fast():
    U, Y, model = _xstep_data(300, 20)
    step = HiddenStep(U, Y, 20, 1.0)
    X_fast = step.solve(model, solver="fast")
    J_fast = objective(model, X_fast, U, Y, 1.0)
    # value_rel: problem.value is J at the solver's X except that the scalar gx meets
    # gx == <G, X>/m only to the solver's feasibility tolerance (CLARABEL: ~1e-14;
    # SCS at eps 1e-9: ~2e-9 absolute, 3e-8 relative to J, measured).
    for solver, opts, value_rel in (
            ("CLARABEL", dict(tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10), 1e-9),
            ("SCS", dict(eps_abs=1e-9, eps_rel=1e-9), 1e-7)):
        X = step.solve(model, solver=solver, **opts)
        J = objective(model, X, U, Y, 1.0)
        assert step.problem.value == pytest.approx(
            objective(model, step.X.value, U, Y, 1.0), rel=value_rel), solver
        G = step.data(model).G
        assert step.gx.value == pytest.approx(np.sum(G * step.X.value) / 300,
                                              rel=1e-7, abs=1e-10), solver
        assert J == pytest.approx(J_fast, rel=1e-8), solver
        assert np.max(np.abs(X - X_fast)) <= 1e-5, solver


_XSTEP_M2000 = r"""
import json, resource, sys
cap = 3 << 30  # 3 GiB of address space; the old form asked for one 24.1 GiB array
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
import numpy as np, idl_sdp
m, h = 2000, 20
rng = np.random.default_rng(0)
U, Y = rng.standard_normal((5, m)), rng.standard_normal((1, m))
model = idl_sdp.initial_model(U, Y, h)
step = idl_sdp.HiddenStep(U, Y, h, 1.0)
X = step.solve(model, "CLARABEL", tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10)
value, J_at_X = step.problem.value, idl_sdp.objective(model, step.X.value, U, Y, 1.0)
X_fast = step.solve(model, "fast")
print(json.dumps({
    "J": idl_sdp.objective(model, X, U, Y, 1.0), "value": value, "J_at_X": J_at_X,
    "J_fast": idl_sdp.objective(model, X_fast, U, Y, 1.0),
    "X_diff": float(np.max(np.abs(X - X_fast))),
    "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def test_hidden_step_m2000_solves_within_3_gib():
    import json
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", _XSTEP_M2000], capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    assert r["value"] == pytest.approx(r["J_at_X"], rel=1e-9)
    assert r["J"] == pytest.approx(r["J_fast"], rel=1e-9)
    assert r["X_diff"] <= 1e-6, r
