"""Bad-input regressions (batch 17): λ = 0, overflowing data, reg_folds, unvalidated
helpers, x0 on every solver, truthy flags and bytes paths."""
import os

import numpy as np
import pytest

import idl_sdp
from idl_sdp import (HiddenStep, ImplicitModel, ImplicitRegressor, ImplicitClassifier,
                     ParameterStep, convexity_matrix, fit, initial_model, objective,
                     ridge_penalty)


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    return rng.standard_normal((2, 10)), rng.standard_normal((1, 10))


@pytest.fixture
def model(data):
    U, Y = data
    return initial_model(U, Y, 2)


# ------------------------------------------------------------------ 1. λ = 0
ZERO_LAMS = [0.0, 0, np.float64(0.0), -0.0, [0.0, 0.0], np.zeros(2), np.zeros((2, 1))]


@pytest.mark.parametrize("lam", ZERO_LAMS)
@pytest.mark.parametrize("solver", ["CLARABEL", "SCS", "fast"])
def test_fit_rejects_zero_lam(data, lam, solver):
    U, Y = data
    with pytest.raises(ValueError, match=r"lam must be > 0"):
        fit(U, Y, 2, lam=lam, reg=0.01, solver=solver)


@pytest.mark.parametrize("lam", ZERO_LAMS)
def test_steps_reject_zero_lam(data, lam):
    U, Y = data
    for cls in (HiddenStep, ParameterStep):
        with pytest.raises(ValueError, match=r"lam must be > 0"):
            cls(U, Y, 2, lam)
        step = cls(U, Y, 2, 1.0)
        with pytest.raises(ValueError, match=r"lam must be > 0"):
            step.set_lam(lam)


@pytest.mark.parametrize("cls", [ImplicitRegressor, ImplicitClassifier])
@pytest.mark.parametrize("lam", [0.0, [0.0, 0.0]])
def test_estimators_reject_zero_lam(cls, lam):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((10, 2))
    y = rng.standard_normal(10) if cls is ImplicitRegressor else np.arange(10) % 2
    with pytest.raises(ValueError, match=r"lam must be > 0"):
        cls(hidden=2, lam=lam, reg=0.01).fit(X, y)


@pytest.mark.parametrize("solver", ["CLARABEL", "fast"])
def test_single_zero_unit_still_supported(data, solver):
    # λ_j = 0 for some units (not all) was and stays supported: that unit has no
    # divergence term, the problem is not degenerate.
    U, Y = data
    res = fit(U, Y, 2, lam=[1.0, 0.0], reg=0.01, rounds=2, solver=solver)
    assert np.isfinite(res.history[-1]["J"])
    HiddenStep(U, Y, 2, [0.0, 1.0]).set_lam([1.0, 0.0])


def test_negative_lam_still_rejected(data):
    U, Y = data
    with pytest.raises(ValueError, match=r"lam must be >= 0|lam must be nonnegative"):
        fit(U, Y, 2, lam=-1.0, reg=0.01)


def test_zero_lam_still_accepted_where_only_matrices_are_formed(data, model):
    U, Y = data
    # certify, objective and convexity_matrix only evaluate: λ ≥ 0 is fine there.
    assert idl_sdp.certify(model, lam=0.0) is not None
    X = model.hidden(U)
    assert np.isfinite(objective(model, X, U, Y, 0.0))
    np.testing.assert_allclose(convexity_matrix(model.A, model.D, 0.0), model.A.T @ model.A)


# --------------------------------------------------------- 2. overflowing data
HUGE = [1e200, 1e155]  # 1e155² is finite, but the sum of the squares overflows


@pytest.mark.parametrize("scale", HUGE)
@pytest.mark.parametrize("which", ["U", "Y"])
def test_fit_rejects_overflowing_data(data, scale, which):
    U, Y = data
    args = (U * scale, Y) if which == "U" else (U, Y * scale)
    with pytest.raises(ValueError, match=rf"^{which} is too large"):
        fit(*args, 2, reg=0.01)
    with pytest.raises(ValueError, match=rf"^{which} is too large"):
        HiddenStep(*args, 2, 1.0)
    with pytest.raises(ValueError, match=rf"^{which} is too large"):
        ParameterStep(*args, 2, 1.0)
    with pytest.raises(ValueError, match=rf"^{which} is too large"):
        initial_model(*args, 2)


@pytest.mark.parametrize("scale", HUGE)
@pytest.mark.parametrize("which", ["U", "X", "Y"])
def test_objective_rejects_overflowing_data(data, model, scale, which):
    U, Y = data
    args = {"U": U, "X": model.hidden(U), "Y": Y}
    args[which] = args[which] * scale
    with pytest.raises(ValueError, match=rf"^{which} is too large"):
        objective(model, args["X"], args["U"], args["Y"], 1.0)


def test_objective_refuses_overflowing_result(data, model):
    U, Y = data
    big = ImplicitModel(model.A * 1e160, model.B, model.c, model.D, model.E, model.f)
    with pytest.raises(ValueError, match="not finite"):
        objective(big, np.ones((2, 10)) * 1e150, U, Y, 1.0)
    with pytest.raises(ValueError, match="not finite"):
        ridge_penalty(ImplicitModel(model.A * 1e200, model.B, model.c, model.D, model.E,
                                    model.f))


def test_large_but_safe_data_accepted(data, model):
    U, Y = data
    assert np.isfinite(objective(model, model.hidden(U), U, Y * 1e100, 1.0))


@pytest.mark.parametrize("standardize", [True, False])
def test_estimators_reject_overflowing_data(standardize):
    rng = np.random.default_rng(2)
    X = rng.standard_normal((10, 2))
    y = rng.standard_normal(10)
    with pytest.raises(ValueError, match=r"^X is too large"):
        ImplicitRegressor(hidden=2, reg=0.01, standardize=standardize).fit(X * 1e200, y)
    with pytest.raises(ValueError, match=r"^y is too large"):
        ImplicitRegressor(hidden=2, reg=0.01, standardize=standardize).fit(X, y * 1e200)
    with pytest.raises(ValueError, match=r"^X is too large"):
        ImplicitClassifier(hidden=2, reg=0.01, standardize=standardize).fit(
            X * 1e200, np.arange(10) % 2)


# ------------------------------------------------------------------ 3. reg_folds
@pytest.mark.parametrize("folds", [42, 11])
def test_reg_folds_checked_against_samples(data, folds):
    U, Y = data
    with pytest.raises(ValueError, match=r"reg_folds must be <= the number of samples \(10\)"):
        fit(U, Y, 2, reg_folds=folds)


@pytest.mark.parametrize("folds, exc", [(0, ValueError), (1.5, TypeError), (True, TypeError)])
def test_reg_folds_type_and_minimum(data, folds, exc):
    U, Y = data
    with pytest.raises(exc, match="reg_folds"):
        fit(U, Y, 2, reg_folds=folds)


# ------------------------------------- 4. initial_model, ridge_penalty, convexity_matrix
def test_initial_model_validates(data):
    U, Y = data
    cases = [
        ((None, Y, 2), TypeError, "U"), ((U, None, 2), TypeError, "Y"),
        ((U[0], Y, 2), ValueError, "U must be 2-dimensional"),
        ((U, Y[:, :5], 2), ValueError, "Y must have one column per sample"),
        ((U, Y, 0), ValueError, "hidden"), ((U, Y, "2"), TypeError, "hidden"),
        ((U, Y, 2, -1), ValueError, "seed"), ((U, Y, 2, 0.5), TypeError, "seed"),
        ((U * np.nan, Y, 2), ValueError, "U must be finite"),
    ]
    for args, exc, msg in cases:
        with pytest.raises(exc, match=msg):
            initial_model(*args)
    assert isinstance(initial_model(U.tolist(), Y, 2), ImplicitModel)


@pytest.mark.parametrize("bad", [None, "model", np.eye(2), {"A": np.eye(2)}])
def test_ridge_penalty_validates(bad):
    with pytest.raises(TypeError, match="model must be a"):
        ridge_penalty(bad)


def test_convexity_matrix_validates(model):
    A, D = model.A, model.D
    cases = [
        ((np.ones(2), D, 1.0), ValueError, "A must be 2-dimensional"),
        ((A, np.zeros(2), 1.0), ValueError, "D must be 2-dimensional"),
        ((A, np.zeros((2, 3)), 1.0), ValueError, "D must be square"),
        ((np.ones((1, 3)), D, 1.0), ValueError, "A must have shape"),
        ((A, D + 1j, 1.0), TypeError, "D must be real"),
        ((A + 1j, D, 1.0), TypeError, "A must be real"),
        ((A, D, -1.0), ValueError, "lam must be >= 0"),
        ((A, D, [1.0, -1.0]), ValueError, "lam must be nonnegative"),
        ((A, D, [1.0, 1.0, 1.0]), ValueError, "lam must have length 2"),
        ((A, D, np.nan), ValueError, "lam must be finite"),
        ((A, D, 1 + 2j), TypeError, "lam"),
        ((A, D, "1"), TypeError, "lam"),
        ((A, D * np.nan, 1.0), ValueError, "D must be finite"),
    ]
    for args, exc, msg in cases:
        with pytest.raises(exc, match=msg):
            convexity_matrix(*args)
    np.testing.assert_array_equal(convexity_matrix(A, D, 2.0),
                                  convexity_matrix(A, D, np.full(2, 2.0)))


# --------------------------------------------------------------- 5. x0, every solver
@pytest.mark.parametrize("solver", ["CLARABEL", "SCS", "fast"])
@pytest.mark.parametrize("x0, exc, msg", [
    (np.full((2, 10), np.nan), ValueError, "x0 must be finite"),
    (np.full((2, 10), np.inf), ValueError, "x0 must be finite"),
    (np.zeros((3, 10)), ValueError, "x0 must have shape"),
    (np.zeros(20), ValueError, "x0 must be 2-dimensional"),
    ("zeros", TypeError, "x0 must be a numeric array"),
    (np.zeros((2, 10), dtype=complex), TypeError, "x0 must be real"),
])
def test_hidden_step_x0_validated_for_every_solver(data, model, solver, x0, exc, msg):
    U, Y = data
    with pytest.raises(exc, match=msg):
        HiddenStep(U, Y, 2, 1.0).solve(model, solver, x0=x0)


# ------------------------------------------------------------------ 6. real booleans
TRUTHY = ["no", "yes", 1, 0, None, [True], np.array([True, False])]


@pytest.mark.parametrize("flag", ["certify", "fallback"])
@pytest.mark.parametrize("value", TRUTHY)
def test_fit_flags_must_be_bool(data, flag, value):
    U, Y = data
    with pytest.raises(TypeError, match=rf"{flag} must be a bool"):
        fit(U, Y, 2, reg=0.01, rounds=1, **{flag: value})


def test_fit_accepts_numpy_bool(data):
    U, Y = data
    res = fit(U, Y, 2, reg=0.01, rounds=1, certify=np.False_, fallback=np.True_)
    assert res.certificate is None


@pytest.mark.parametrize("value", ["no", 1, None])
def test_step_return_info_must_be_bool(data, model, value):
    U, Y = data
    with pytest.raises(TypeError, match="return_info must be a bool"):
        HiddenStep(U, Y, 2, 1.0).solve(model, return_info=value)
    X = model.hidden(U)
    with pytest.raises(TypeError, match="return_info must be a bool"):
        ParameterStep(U, Y, 2, 1.0, reg=0.01).solve(X, model, return_info=value)
    from idl_sdp.multipliers import dual_update
    with pytest.raises(TypeError, match="return_info must be a bool"):
        dual_update(model, X, U, np.ones(2), 1.0, return_info=value)


@pytest.mark.parametrize("value", ["no", 1])
def test_estimator_standardize_must_be_bool(value):
    X = np.random.default_rng(3).standard_normal((10, 2))
    with pytest.raises(TypeError, match="standardize must be a bool"):
        ImplicitRegressor(hidden=2, reg=0.01, standardize=value).fit(X, X[:, 0])


# ------------------------------------------------------------------- 7. bytes paths
def test_save_load_bytes_path(model, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    seen = []
    real_open = open

    def spy(file, *a, **k):
        seen.append(file)
        return real_open(file, *a, **k)

    monkeypatch.setattr("builtins.open", spy)
    model.save(b"model.npz")
    monkeypatch.setattr("builtins.open", real_open)
    assert os.listdir(tmp_path) == ["model.npz"]
    assert not any("b'" in str(f) for f in seen), seen
    for path in (b"model.npz", bytearray(b"model.npz"), "model.npz", tmp_path / "model.npz",
                 os.fsencode(str(tmp_path / "model.npz"))):
        back = ImplicitModel.load(path)
        for k, v in model.params().items():
            np.testing.assert_array_equal(getattr(back, k), v)


@pytest.mark.parametrize("bad, exc", [(3, TypeError), (None, TypeError), (1.5, TypeError),
                                      (["m.npz"], TypeError), ("", ValueError),
                                      (b"", ValueError), ("a\x00b.npz", ValueError)])
def test_bad_paths_rejected(model, tmp_path, monkeypatch, bad, exc):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(exc, match="path must be"):
        model.save(bad)
    with pytest.raises(exc, match="path must be"):
        ImplicitModel.load(bad)
    assert os.listdir(tmp_path) == []
