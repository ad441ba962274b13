"""scikit-learn estimators: the estimator checks, model selection, conventions, accuracy."""
import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_diabetes, load_iris, make_classification
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import idl_sdp
from idl_sdp.estimators import (
    AUTO_REG_MIN_SAMPLES, SMALL_DATA_REG, ImplicitClassifier, ImplicitRegressor,
)

SMALL = dict(hidden=3, rounds=2, reg=1e-2)

#: Checks of check_estimator expected to fail, per estimator class, with the reason.
#: Every applicable check passes, so both are empty; list a check here (with its
#: reason, also in docs/estimators.rst) if that ever changes.
EXPECTED_FAILED_CHECKS = {
    "ImplicitRegressor": {},
    "ImplicitClassifier": {},
}


def _expected_failed(estimator):
    return EXPECTED_FAILED_CHECKS[type(estimator).__name__]


@parametrize_with_checks(
    [ImplicitRegressor(**SMALL), ImplicitClassifier(**SMALL)],
    expected_failed_checks=_expected_failed,
)
def test_sklearn_estimator_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        check(estimator)


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True)
    return X[:150], y[:150]


# ----------------------------------------------------------------- parameters
def test_defaults_and_params_round_trip():
    est = ImplicitRegressor()
    assert est.get_params() == dict(
        hidden=10, lam=1.0, rounds=20, tol=1e-6, lmi="linearized", eps=0.05, reg="auto",
        solver="CLARABEL", random_state=0, standardize=True, dual_step=None, verbose=0)
    assert ImplicitClassifier().get_params() == est.get_params()
    est.set_params(hidden=4, reg=0.1)
    assert clone(est).get_params()["hidden"] == 4


def test_init_stores_invalid_values_and_fit_rejects_them(iris):
    Xtr, _, ytr, _ = iris
    est = ImplicitClassifier(hidden=0, rounds=2, reg=1e-2)  # no validation in __init__
    assert est.hidden == 0
    with pytest.raises(ValueError, match="hidden"):
        est.fit(Xtr, ytr)
    with pytest.raises(ValueError, match="eps"):
        ImplicitClassifier(eps=1.5, **SMALL).fit(Xtr, ytr)
    with pytest.raises(ValueError, match="random_state"):
        ImplicitClassifier(random_state=-1, **SMALL).fit(Xtr, ytr)
    with pytest.raises(TypeError, match="standardize"):
        ImplicitClassifier(standardize="yes", **SMALL).fit(Xtr, ytr)


# --------------------------------------------------------------- classifier
def test_classifier_default_settings_accuracy_on_iris(iris):
    """One fit with every default (h = 10, 20 rounds, reg='auto') on a 70/30 split."""
    Xtr, Xte, ytr, yte = iris
    clf = ImplicitClassifier().fit(Xtr, ytr)
    assert clf.score(Xte, yte) >= 0.9
    assert clf.reg_ in idl_sdp.driver.REG_GRID
    assert len(clf.fit_result_.reg_path) == len(idl_sdp.driver.REG_GRID)


def test_classifier_fitted_attributes_and_outputs(iris):
    Xtr, Xte, ytr, yte = iris
    clf = ImplicitClassifier(hidden=4, rounds=3, reg=1e-2).fit(Xtr, ytr)
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])
    assert clf.n_features_in_ == 4
    assert isinstance(clf.model_, idl_sdp.ImplicitModel)
    assert isinstance(clf.fit_result_, idl_sdp.FitResult)
    assert clf.history_ is clf.fit_result_.history
    assert clf.n_iter_ == len(clf.history_) == 3
    assert clf.reg_ == 1e-2
    assert {"J", "loss", "mean_divergence", "norm2_D", "lambda_min_M"} <= set(clf.history_[0])
    # model_ works on standardized inputs, one column per sample
    out = clf.model_.predict(clf.scaler_.transform(Xte).T).T
    np.testing.assert_allclose(clf.decision_function(Xte), out)
    proba = clf.predict_proba(Xte)
    assert proba.shape == (len(Xte), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert np.all(proba > 0)
    np.testing.assert_array_equal(clf.predict(Xte), clf.classes_[proba.argmax(axis=1)])
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(Xte)), proba)
    assert clf.score(Xte, yte) >= 0.85


def test_classifier_string_labels_and_binary_decision():
    X, y = make_classification(n_samples=60, n_features=4, n_informative=3,
                               n_redundant=0, class_sep=2.0, random_state=0)
    labels = np.where(y == 1, "yes", "no")
    clf = ImplicitClassifier(**SMALL).fit(X, labels)
    np.testing.assert_array_equal(clf.classes_, ["no", "yes"])
    dec = clf.decision_function(X)
    assert dec.shape == (60,)
    np.testing.assert_array_equal(clf.predict(X), np.where(dec > 0, "yes", "no"))
    # predict_proba[:, 1] is a monotone transform of the binary decision function
    order = np.argsort(dec)
    assert np.all(np.diff(clf.predict_proba(X)[order, 1]) >= 0)
    assert clf.score(X, labels) > 0.8


def test_classifier_single_class_raises():
    X = np.random.default_rng(0).standard_normal((12, 3))
    with pytest.raises(ValueError, match="needs samples of at least 2 classes"):
        ImplicitClassifier(**SMALL).fit(X, np.full(12, "a"))


def test_classifier_rejects_continuous_targets():
    X = np.random.default_rng(0).standard_normal((12, 3))
    with pytest.raises(ValueError, match="Unknown label type"):
        ImplicitClassifier(**SMALL).fit(X, np.linspace(0, 1, 12))


def test_classifier_pickle_round_trip(iris):
    Xtr, Xte, ytr, _ = iris
    clf = ImplicitClassifier(**SMALL).fit(Xtr, ytr)
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.decision_function(Xte), clf.decision_function(Xte))


# ---------------------------------------------------------------- regressor
def test_regressor_standardizes_targets(diabetes):
    """Predictions come back in the units of y; the model is fitted on standardized y."""
    X, y = diabetes
    reg = ImplicitRegressor(hidden=4, rounds=3, reg=1e-2).fit(X, y)
    assert reg.y_mean_ == pytest.approx([y.mean()])
    assert reg.y_scale_ == pytest.approx([y.std()])
    pred = reg.predict(X)
    assert pred.shape == y.shape
    raw = reg.model_.predict(reg.scaler_.transform(X).T).ravel()
    np.testing.assert_allclose(pred, raw * y.std() + y.mean())
    assert abs(np.mean(pred) - np.mean(y)) < 0.1 * np.std(y)
    assert reg.score(X, y) > 0.3


def test_regressor_without_standardize_keeps_raw_units(diabetes):
    X, y = diabetes
    reg = ImplicitRegressor(standardize=False, **SMALL).fit(X, y)
    assert reg.scaler_ is None
    np.testing.assert_array_equal(reg.y_mean_, [0.0])
    np.testing.assert_array_equal(reg.y_scale_, [1.0])
    np.testing.assert_allclose(reg.predict(X), reg.model_.predict(X.T).ravel())


def test_regressor_multi_output(diabetes):
    X, y = diabetes
    Y = np.column_stack([y, -2.0 * y + 100.0])
    reg = ImplicitRegressor(**SMALL).fit(X, Y)
    assert reg.n_outputs_ == 2
    assert reg.model_.n_outputs == 2
    pred = reg.predict(X)
    assert pred.shape == (len(X), 2)
    assert reg.score(X, Y) > 0.3
    # a single-column 2-D y gives 2-D predictions
    assert ImplicitRegressor(**SMALL).fit(X, y[:, None]).predict(X[:5]).shape == (5, 1)


def test_regressor_constant_target():
    X = np.random.default_rng(0).standard_normal((20, 3))
    reg = ImplicitRegressor(**SMALL).fit(X, np.full(20, 7.0))
    np.testing.assert_array_equal(reg.y_scale_, [1.0])
    np.testing.assert_allclose(reg.predict(X), 7.0, atol=1e-6)


def test_auto_reg_falls_back_on_tiny_data():
    rng = np.random.default_rng(0)
    m = AUTO_REG_MIN_SAMPLES - 1
    X, y = rng.standard_normal((m, 2)), rng.standard_normal(m)
    reg = ImplicitRegressor(hidden=2, rounds=2).fit(X, y)
    assert reg.reg_ == SMALL_DATA_REG
    assert reg.fit_result_.reg_path == []
    clf = ImplicitClassifier(hidden=2, rounds=2).fit(X, np.arange(m) % 2)
    assert clf.reg_ == SMALL_DATA_REG


def test_random_state_conventions(diabetes):
    X, y = diabetes
    a = ImplicitRegressor(random_state=3, **SMALL).fit(X, y).predict(X)
    b = ImplicitRegressor(random_state=3, **SMALL).fit(X, y).predict(X)
    np.testing.assert_array_equal(a, b)
    c = ImplicitRegressor(random_state=np.random.RandomState(0), **SMALL).fit(X, y)
    assert c.predict(X).shape == y.shape


def test_predict_before_fit_and_wrong_features(diabetes):
    from sklearn.exceptions import NotFittedError

    X, y = diabetes
    with pytest.raises(NotFittedError):
        ImplicitRegressor().predict(X)
    reg = ImplicitRegressor(**SMALL).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        reg.predict(X[:, :3])


# ------------------------------------------------------------ model selection
def test_classifier_in_pipeline_and_grid_search(iris):
    Xtr, Xte, ytr, yte = iris
    pipe = Pipeline([("scale", StandardScaler()),
                     ("idl", ImplicitClassifier(rounds=3, reg=1e-2))])
    search = GridSearchCV(pipe, {"idl__hidden": [3, 5]}, cv=3)
    search.fit(Xtr, ytr)
    assert search.best_params_["idl__hidden"] in (3, 5)
    assert len(search.cv_results_["mean_test_score"]) == 2
    assert search.score(Xte, yte) >= 0.85
    assert search.predict_proba(Xte).shape == (len(Xte), 3)


def test_cross_val_score_classifier_and_regressor(iris, diabetes):
    Xtr, _, ytr, _ = iris
    acc = cross_val_score(ImplicitClassifier(**SMALL), Xtr, ytr, cv=3)
    assert acc.shape == (3,) and acc.mean() >= 0.8
    X, y = diabetes
    r2 = cross_val_score(make_pipeline(StandardScaler(), ImplicitRegressor(**SMALL)), X, y, cv=3)
    assert r2.shape == (3,) and np.all(np.isfinite(r2)) and r2.mean() > 0.0


def test_grid_search_regressor(diabetes):
    X, y = diabetes
    search = GridSearchCV(ImplicitRegressor(rounds=3, reg=1e-2), {"hidden": [3, 5]}, cv=2)
    search.fit(X, y)
    assert search.best_estimator_.n_iter_ >= 1
    assert search.predict(X).shape == y.shape
