"""Reliability: bad input, hard data, solver failures, interrupts — nothing wrong returned as right."""
import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import idl_sdp
from idl_sdp import (EquilibriumError, HiddenStep, ImplicitModel, NotConvexError,
                     ParameterStep, SolverError, fenchel_divergence, fit, objective)
from idl_sdp.datasets import load_split
from idl_sdp.lmi import convexity_matrix

DOCUMENTED = (ValueError, TypeError, SolverError, EquilibriumError, NotConvexError)


@pytest.fixture(scope="module")
def iris():
    return load_split("iris", seed=0)


def assert_safe_model(model, lam):
    """The invariant every returned model satisfies: well-posed and M ⪰ 0."""
    assert np.linalg.norm(model.D, 2) < 1
    assert np.linalg.eigvalsh(convexity_matrix(model.A, model.D, lam))[0] >= 0


# ----------------------------------------------------------------- hard data (one test per row)
def test_wild_feature_scales_rejected_by_fit(iris):
    U = iris.U_train * np.array([1e-6, 1e-2, 1e2, 1e6])[:, None]
    with pytest.raises(ValueError, match="standardize the features"):
        fit(U, iris.Y_train, 5, reg=1e-2)


@pytest.mark.parametrize("extra", ["duplicate", "constant"])
def test_duplicate_and_constant_columns_work(iris, extra):
    row = iris.U_train[:1] if extra == "duplicate" else np.ones((1, iris.U_train.shape[1]))
    row_test = iris.U_test[:1] if extra == "duplicate" else np.ones((1, iris.U_test.shape[1]))
    res = fit(np.vstack([iris.U_train, row]), iris.Y_train, 5, reg=1e-2, rounds=4)
    acc = np.mean(res.model.predict(np.vstack([iris.U_test, row_test])).argmax(0) == iris.y_test)
    assert acc >= 0.9
    assert_safe_model(res.model, res.lam)


def test_fewer_samples_than_features_and_single_sample(rng):
    U, Y = rng.standard_normal((6, 3)), rng.standard_normal((2, 3))
    res = fit(U, Y, 4, reg=1e-2, rounds=3)
    assert_safe_model(res.model, res.lam)
    assert res.history[-1]["J"] < 0.1  # interpolates the training data
    one = fit(U[:, :1], Y[:, :1], 4, reg=1e-2, rounds=2)
    assert np.all(np.isfinite(one.model.predict(U)))
    with pytest.raises(ValueError, match="at least 8 samples"):
        fit(U, Y, 4)  # reg="auto" needs a validation split


def test_single_class_target_and_more_outputs_than_hidden(iris):
    res = fit(iris.U_train, np.ones((1, iris.U_train.shape[1])), 3, reg=1e-2, rounds=3)
    np.testing.assert_allclose(res.model.predict(iris.U_test), 1.0, atol=1e-3)
    res = fit(iris.U_train, iris.Y_train, 2, reg=1e-2, rounds=3)  # p = 3 > h = 2
    assert np.mean(res.model.predict(iris.U_test).argmax(0) == iris.y_test) >= 0.85


@pytest.mark.parametrize("lam", [1e-6, 1e6, "mixed"])
def test_lambda_over_twelve_decades(iris, lam):
    lam = np.array([1e-6, 1e-3, 1.0, 1e3, 1e6]) if lam == "mixed" else lam
    res = fit(iris.U_train, iris.Y_train, 5, lam=lam, reg=1e-2, rounds=3)
    assert_safe_model(res.model, res.lam)
    values = [r["objective"] for r in res.history]
    assert all(b <= a + 1e-6 * abs(a) for a, b in zip(values, values[1:]))


def test_target_outliers_fail_cleanly_or_work(iris):
    Y = iris.Y_train.copy()
    Y[:, :3] *= 1e4
    try:
        res = fit(iris.U_train, Y, 5, reg=1e-2, rounds=4)
    except SolverError as err:  # documented outcome: a clear error with the last good model
        assert "standardize" in str(err)
        assert_safe_model(err.result.model, err.result.lam)
    else:
        assert_safe_model(res.model, res.lam)
    Ys = (Y - Y.mean(1, keepdims=True)) / Y.std(1, keepdims=True)  # standardized: works
    res = fit(iris.U_train, Ys, 5, reg=1e-2, rounds=4)
    assert_safe_model(res.model, res.lam)


# ------------------------------------------------------------------------- fault injection
def _always(monkeypatch, status, step_name):
    import idl_sdp.hidden_step as hs
    import idl_sdp.parameter_step as ps
    real = idl_sdp._solvers.solve_problem

    def fake(problem, solver, step, **opts):
        if step.startswith(step_name):  # incl. "Theta-step (reduced model SDP)"
            raise SolverError(f"{step}: forced {status}", status=status, step=step)
        return real(problem, solver, step, **opts)

    monkeypatch.setattr(hs, "solve_problem", fake)
    monkeypatch.setattr(ps, "solve_problem", fake)
    # the Θ-step's fallback, the active-set method, solves its model SDPs here
    import idl_sdp.fast.theta_model as tm
    monkeypatch.setattr(tm, "solve_problem", fake)
    if step_name == "Theta-step":
        # ... and first by the dense interior-point method, whose failure hands the model
        # SDP to the conic solver (faked above)
        real_dense = tm.ReducedThetaSDP.solve_dense

        def failing_dense(self, *args, **kw):
            A, D, dec, info = real_dense(self, *args, **kw)
            return A, D, dec, dict(info, status="numerical")

        monkeypatch.setattr(tm.ReducedThetaSDP, "solve_dense", failing_dense)


@pytest.mark.parametrize("status", ["optimal_inaccurate", "infeasible", "unbounded",
                                    "solver_error", "user_limit"])
@pytest.mark.parametrize("step", ["X-step", "Theta-step"])
def test_persistent_bad_status_raises_with_safe_partial_model(iris, monkeypatch, status, step):
    _always(monkeypatch, status, step)
    with pytest.raises(SolverError) as info:
        fit(iris.U_train, iris.Y_train, 4, reg=1e-2, rounds=3)
    err = info.value
    assert err.status == status and err.result is not None
    assert err.result.history[-1]["solver_status"] == status
    assert_safe_model(err.result.model, err.result.lam)


def test_infeasible_point_from_solver_is_never_returned(iris, monkeypatch):
    real_solve = ParameterStep.solve

    def bad_solve(self, X, model, solver="CLARABEL", **opts):
        out = real_solve(self, X, model, solver=solver, **opts)
        new = out[0] if isinstance(out, tuple) else out  # (model, info) with return_info
        new.D = 1.2 * np.eye(new.n_hidden)  # violates ‖D‖₂ < 1 and M ⪰ 0
        return out

    monkeypatch.setattr(ParameterStep, "solve", bad_solve)
    with pytest.raises(SolverError) as info:
        fit(iris.U_train, iris.Y_train, 4, reg=1e-2, rounds=2)
    assert info.value.status == "infeasible_point"
    assert_safe_model(info.value.result.model, info.value.result.lam)


def test_interrupt_during_save_leaves_no_partial_file(tmp_path, monkeypatch, rng):
    model = idl_sdp.initial_model(rng.standard_normal((3, 10)), rng.standard_normal((2, 10)), 4)
    target = tmp_path / "m.npz"
    model.save(target)
    before = target.read_bytes()

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", boom)
    with pytest.raises(KeyboardInterrupt):
        model.save(target)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]


# --------------------------------------------------------------- property-based: bad input
finite_or_not = st.floats(allow_nan=True, allow_infinity=True, width=64)
weird_arrays = hnp.arrays(
    dtype=st.sampled_from([np.float64, np.float32, np.int64, np.bool_, np.complex128]),
    shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5),
    elements=None,
)
anything = st.one_of(weird_arrays, st.none(), st.text(max_size=3), finite_or_not,
                     st.integers(-3, 3), st.lists(finite_or_not, max_size=4))


@given(a=anything, b=anything)
def test_fenchel_divergence_only_documented_errors(a, b):
    try:
        F = fenchel_divergence(a, b)
    except DOCUMENTED:
        return
    assert np.all(np.isfinite(F))


@given(args=st.lists(anything, min_size=6, max_size=6))
def test_model_constructor_only_documented_errors(args):
    try:
        model = ImplicitModel(*args)
    except DOCUMENTED:
        return
    assert all(np.all(np.isfinite(getattr(model, k))) for k in "ABcDEf")


@given(U=anything, Y=anything, hidden=st.one_of(st.integers(-2, 4), finite_or_not, st.none()),
       lam=st.one_of(finite_or_not, anything))
def test_steps_only_documented_errors(U, Y, hidden, lam):
    for ctor in (HiddenStep, ParameterStep):
        try:
            ctor(U, Y, hidden, lam)
        except DOCUMENTED:
            pass


small = hnp.arrays(np.float64, st.tuples(st.integers(1, 3), st.integers(1, 6)),
                   elements=st.one_of(st.floats(-1e3, 1e3), st.sampled_from(
                       [0.0, 1e-300, -1e-300, 1e300, np.nan, np.inf])))


@given(U=small, Y=small, hidden=st.integers(1, 3), lam=st.sampled_from([0.0, 1e-6, 1.0, 1e6]),
       rounds=st.integers(1, 2))
def test_fit_on_arbitrary_small_data_is_safe(U, Y, hidden, lam, rounds):
    try:
        res = fit(U, Y, hidden, lam=lam, reg=1e-2, rounds=rounds)
    except DOCUMENTED as err:
        if isinstance(err, SolverError) and err.result is not None:
            assert_safe_model(err.result.model, err.result.lam)
        return
    assert_safe_model(res.model, res.lam)
    assert np.isfinite(res.history[-1]["objective"])


@given(X=small, lam=st.one_of(finite_or_not, anything), reg=finite_or_not)
def test_objective_only_documented_errors(X, lam, reg):
    model = idl_sdp.initial_model(np.ones((2, 4)), np.ones((1, 4)), 3)
    try:
        val = objective(model, X, np.ones((2, X.shape[1])), np.ones((1, X.shape[1])), lam, reg=reg)
    except DOCUMENTED:
        return
    assert isinstance(val, float)
