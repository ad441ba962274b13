"""The alternating driver: monotonicity, history, failure policy, accuracy on real data."""
import warnings

import cvxpy as cp
import numpy as np
import pytest

import idl_sdp
from idl_sdp import SolverError, fit, objective
from idl_sdp.datasets import load_split
from idl_sdp.lmi import convexity_matrix

HISTORY_KEYS = {"J", "objective", "x_step_seconds", "theta_step_seconds", "solver_status",
                "lambda_min_M", "norm2_D", "mean_divergence"}


@pytest.fixture(scope="module")
def iris():
    return load_split("iris", seed=0)


@pytest.fixture(scope="module")
def iris_fit(iris):
    return fit(iris.U_train, iris.Y_train, hidden=10, reg=1e-3, rounds=12, tol=0)


def test_history_records_every_round(iris_fit):
    assert iris_fit.n_rounds == 12
    for rec in iris_fit.history:
        assert HISTORY_KEYS <= set(rec)
        assert rec["solver_status"] == "optimal"
        assert rec["norm2_D"] <= 0.95 + 1e-7
        assert rec["lambda_min_M"] >= 0


def test_objective_non_increasing_with_linearized_lmi(iris_fit):
    """J + reg·ridge never increases by more than solver tolerance (1e-7 relative)."""
    values = [iris_fit.initial_objective] + [r["objective"] for r in iris_fit.history]
    for before, after in zip(values, values[1:]):
        assert after <= before + 1e-7 * abs(before)
    assert values[-1] < 0.5 * values[0]


@pytest.mark.parametrize("lmi", ["eq5", "schur"])
def test_other_lmis_train_and_keep_M_psd(iris, lmi):
    res = fit(iris.U_train, iris.Y_train, hidden=6, reg=1e-2, rounds=4, lmi=lmi)
    values = [r["objective"] for r in res.history]
    # with a fixed constraint set Θ_k stays feasible after the first Θ-step
    for before, after in zip(values, values[1:]):
        assert after <= before + 1e-7 * abs(before)
    M = convexity_matrix(res.model.A, res.model.D, res.lam)
    assert np.linalg.eigvalsh(M)[0] > 0


def test_history_objective_matches_numpy(iris, iris_fit):
    rec = iris_fit.history[-1]
    J = objective(iris_fit.model, iris_fit.X, iris.U_train, iris.Y_train, iris_fit.lam)
    assert rec["J"] == pytest.approx(J, rel=1e-12)
    ridge = idl_sdp.ridge_penalty(iris_fit.model)
    assert rec["objective"] == pytest.approx(J + iris_fit.reg * ridge, rel=1e-12)


def test_returned_model_is_well_posed_and_predicts(iris, iris_fit):
    model = iris_fit.model
    assert model.well_posedness()["norm2"] < 1
    X = model.hidden(iris.U_test)
    resid = X - np.maximum(model.D @ X + model.E @ iris.U_test + model.f[:, None], 0)
    assert np.max(np.abs(resid)) < 1e-8


def test_dual_step_raises_lambda_and_keeps_M_psd(iris):
    res = fit(iris.U_train, iris.Y_train, hidden=6, reg=1e-2, rounds=4, dual_step=100.0)
    assert np.all(res.lam >= 1.0) and np.any(res.lam > 1.0)
    M = convexity_matrix(res.model.A, res.model.D, res.lam)
    assert np.linalg.eigvalsh(M)[0] > 0


def test_dual_update_line_search_keeps_margin(rng):
    from idl_sdp.multipliers import dual_update
    h, n, m = 4, 3, 20
    U = rng.standard_normal((n, m))
    X = np.abs(rng.standard_normal((h, m)))
    model = idl_sdp.initial_model(U, rng.standard_normal((2, m)), h)
    model.A[:] = 0.0
    model.D = 0.49 * np.eye(h)  # M = 0.02·Λ: raising λ keeps it PSD, any step is fine
    lam = np.ones(h)
    new = dual_update(model, X, U, lam, rho=1e3, margin=1e-3)
    assert np.all(new >= lam)
    model.D = 0.5 * np.eye(h) + 0.01 * rng.standard_normal((h, h))
    model.A = rng.standard_normal((2, h))
    new = dual_update(model, X, U, lam, rho=1e3, margin=1e-6)
    M = convexity_matrix(model.A, model.D, new)
    assert np.linalg.eigvalsh(M)[0] >= 1e-6 or np.array_equal(new, lam)


def _fail_once(monkeypatch, status, step_name):
    """Make the first solve of the given step return ``status``."""
    real = idl_sdp._solvers.solve_problem
    calls = {"n": 0}

    def fake(problem, solver, step, **opts):
        if step == step_name and calls["n"] == 0:
            calls["n"] += 1
            raise SolverError(f"{step}: forced {status}", status=status, step=step)
        return real(problem, solver, step, **opts)

    import idl_sdp.hidden_step as hs
    import idl_sdp.parameter_step as ps
    monkeypatch.setattr(hs, "solve_problem", fake)
    monkeypatch.setattr(ps, "solve_problem", fake)


@pytest.mark.parametrize("status", ["optimal_inaccurate", "infeasible", "solver_error"])
def test_solver_failure_falls_back_and_is_recorded(iris, monkeypatch, status):
    _fail_once(monkeypatch, status, "Theta-step")
    res = fit(iris.U_train, iris.Y_train, hidden=4, reg=1e-2, rounds=2)
    note = res.history[0]["theta_step_fallback"]
    # the Θ-step falls back to the exact active-set method first (then SCS)
    assert note.startswith(f"CLARABEL returned {status}")
    assert "solved by the active-set method" in note


def test_solver_failure_without_fallback_raises_with_last_good_model(iris, monkeypatch):
    real = idl_sdp._solvers.solve_problem
    calls = {"n": 0}

    def fake(problem, solver, step, **opts):
        if step == "X-step":
            calls["n"] += 1
            if calls["n"] == 3:
                raise SolverError("forced", status="optimal_inaccurate", step=step)
        return real(problem, solver, step, **opts)

    import idl_sdp.hidden_step as hs
    monkeypatch.setattr(hs, "solve_problem", fake)
    with pytest.raises(SolverError) as info:
        fit(iris.U_train, iris.Y_train, hidden=4, reg=1e-2, rounds=5, fallback=False)
    err = info.value
    assert err.status == "optimal_inaccurate"
    partial = err.result
    assert partial.history[-1]["solver_status"] == "optimal_inaccurate"
    assert len(partial.history) == 3  # two good rounds, then the failure record
    assert partial.model.well_posedness()["norm2"] < 1
    assert np.linalg.eigvalsh(convexity_matrix(partial.model.A, partial.model.D, partial.lam))[0] >= 0


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(hidden=0), ValueError, "hidden"),
    (dict(lam=-1.0), ValueError, "lam"),
    (dict(eps=0.0), ValueError, "eps"),
    (dict(eps=1.0), ValueError, "eps"),
    (dict(lmi="eq6"), ValueError, "lmi"),
    (dict(solver="MOSEK"), ValueError, "solver"),
    (dict(reg="best"), ValueError, "reg"),
    (dict(reg=-1.0), ValueError, "reg"),
    (dict(rounds=0), ValueError, "rounds"),
    (dict(seed=-1), ValueError, "seed"),
    (dict(callback=3), TypeError, "callback"),
])
def test_fit_bad_input(small_problem, kwargs, exc, match):
    U, Y, h = small_problem
    args = dict(hidden=h, reg=1e-2, rounds=1)
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        fit(U, Y, **args)


def test_fit_bad_arrays(small_problem):
    U, Y, h = small_problem
    with pytest.raises(ValueError, match="U must be finite"):
        fit(np.where(U > 1, np.inf, U), Y, h, reg=0.1)
    with pytest.raises(ValueError, match="Y must have one column per sample"):
        fit(U, Y[:, :5], h, reg=0.1)
    with pytest.raises(ValueError, match="U must be 2-dimensional"):
        fit(U[0], Y, h, reg=0.1)


def test_callback_can_stop(small_problem):
    U, Y, h = small_problem
    res = fit(U, Y, h, reg=0.1, rounds=10, callback=lambda rec, model: rec["round"] == 2)
    assert res.n_rounds == 2 and res.converged


# ------------------------------------------------------------------ accuracy on real data
def _logreg_accuracy(data):
    from sklearn.linear_model import LogisticRegression
    clf = LogisticRegression(max_iter=2000).fit(data.U_train.T, data.y_train)
    return float(np.mean(clf.predict(data.U_test.T) == data.y_test))


def test_iris_accuracy_with_defaults():
    """Mean equilibrium test accuracy over seeds 0–4 ≥ 0.95 and ≥ LogisticRegression's."""
    ours, theirs = [], []
    for seed in range(5):
        data = load_split("iris", seed=seed)
        res = fit(data.U_train, data.Y_train, hidden=10)
        pred = res.model.predict(data.U_test).argmax(axis=0)
        ours.append(float(np.mean(pred == data.y_test)))
        theirs.append(_logreg_accuracy(data))
    print("iris accuracy per seed", ours, "logreg", theirs)
    assert np.mean(ours) >= 0.95
    assert np.mean(ours) >= np.mean(theirs)


def test_diabetes_rmse_with_defaults():
    """Equilibrium test RMSE ≤ 1.02 × RidgeCV's on the same split."""
    from sklearn.linear_model import RidgeCV
    data = load_split("diabetes", seed=0)
    res = fit(data.U_train, data.Y_train, hidden=10)
    pred = data.unscale(res.model.predict(data.U_test))[0]
    rmse = float(np.sqrt(np.mean((pred - data.y_test) ** 2)))
    ridge = RidgeCV(alphas=np.logspace(-3, 3, 13)).fit(data.U_train.T, data.y_train)
    rmse_ridge = float(np.sqrt(np.mean((ridge.predict(data.U_test.T) - data.y_test) ** 2)))
    print("diabetes RMSE", rmse, "RidgeCV", rmse_ridge)
    assert rmse <= 1.02 * rmse_ridge


def test_fit_certifies_its_model_and_cli_verifies_it(iris, tmp_path):
    """The demo's path: fit(certify=True) → JSON → `idl-sdp verify` exits 0."""
    from idl_sdp.cli import main

    res = fit(iris.U_train, iris.Y_train, hidden=5, reg=1e-2, rounds=3, certify=True)
    cert = res.certificate
    assert cert.status == "certified"
    assert set(cert.keys()) == {"M", "norm", "wellposed"}
    assert cert["M"].margin > 0  # imposed with margin δ, proven in exact arithmetic
    path = tmp_path / "cert.json"
    cert.to_json(path)
    assert main(["verify", str(path)]) == 0
    text = path.read_text()
    path.write_text(text.replace('"certified"', '"violated"', 1))
    assert main(["verify", str(path)]) != 0


def test_reg_auto_cross_validation_path(iris):
    grid = (1e-3, 1e-1)
    res = fit(iris.U_train, iris.Y_train, hidden=4, rounds=2, reg_grid=grid, reg_folds=3,
              reg_rounds=2)
    assert [p["reg"] for p in res.reg_path] == list(grid)
    best = min(res.reg_path, key=lambda p: (p["val_mse"], -p["reg"]))
    assert res.reg == best["reg"]
    assert all(np.isfinite(p["val_mse"]) and p["val_mse"] > 0 for p in res.reg_path)
    with pytest.raises(ValueError, match="reg_folds"):
        fit(iris.U_train, iris.Y_train, hidden=4, rounds=1, reg_folds=0)


def test_dual_update_moves_lambda_where_the_ray_cannot(monkeypatch):
    # M(λ) = [[λ1, −λ1 d], [−λ1 d, λ2]] (A = 0): PSD iff λ2 ≥ λ1 d². At λ = (1, d²+1e-5)
    # the ray λ + tΔ with Δ = (1, 0) leaves the PSD cone for every t > 3e-5, so a line
    # search along it returns t ≈ 0; the projection raises λ2 to make room for λ1.
    from idl_sdp import multipliers
    d = 0.9
    model = idl_sdp.ImplicitModel(np.zeros((1, 2)), np.zeros((1, 1)), np.zeros(1),
                                  np.array([[0.0, d], [0.0, 0.0]]), np.zeros((2, 1)),
                                  np.zeros(2))
    lam = np.array([1.0, d * d + 1e-5])
    monkeypatch.setattr(multipliers, "divergence_direction",
                        lambda *a: np.array([1.0, 0.0]))
    X, U = np.zeros((2, 3)), np.zeros((1, 3))
    new, info = multipliers.dual_update(model, X, U, lam, rho=1.0, return_info=True)
    assert info["status"] == "projected"
    assert np.all(new >= lam)
    # the projection of (2, λ2) onto {λ2 ≥ λ1 d² + δ'}: λ1 well above 1
    assert new[0] > 1.3
    M = convexity_matrix(model.A, model.D, new)
    assert np.linalg.eigvalsh(M)[0] >= idl_sdp.lmi.default_margin(new)
    # against the closed form of the projection onto the line λ2 = λ1 d² (δ → 0)
    t = np.array([2.0, lam[1]])
    n = np.array([d * d, -1.0]) / np.hypot(d * d, 1.0)
    closed = t - (t @ n) * n
    assert np.allclose(new, closed, atol=1e-4)
