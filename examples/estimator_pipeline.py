"""
scikit-learn estimators: Pipeline, grid search, cross-validation
================================================================

The scikit-learn estimators in a ``Pipeline``, a grid search and cross-validation.

* iris: ``Pipeline(StandardScaler, ImplicitClassifier)`` tuned by ``GridSearchCV`` over
  the number of hidden units and the ridge strength (3-fold), then scored on a
  stratified 70/30 split next to logistic regression;
* diabetes: ``ImplicitRegressor`` (targets standardized internally) scored by R² on a
  70/30 split and by 3-fold ``cross_val_score``, next to ``RidgeCV``.

Small settings (few rounds, fixed ``reg`` inside the search) keep the whole script
under a minute on two cores.
"""
import time

import numpy as np
from sklearn.datasets import load_diabetes, load_iris
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from idl_sdp.estimators import ImplicitClassifier, ImplicitRegressor


def classify_iris() -> None:
    X, y = load_iris(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    # The estimator standardizes its inputs itself; the scaler step shows that it
    # composes with other transformers (and is harmless here).
    pipe = Pipeline([("scale", StandardScaler()),
                     ("idl", ImplicitClassifier(rounds=5, reg=1e-2))])
    grid = {"idl__hidden": [3, 6], "idl__reg": [1e-3, 1e-2]}
    t0 = time.perf_counter()
    search = GridSearchCV(pipe, grid, cv=3).fit(Xtr, ytr)
    seconds = time.perf_counter() - t0
    print(f"iris: GridSearchCV over {grid} (3-fold, {seconds:.1f} s)")
    for params, mean, std in zip(search.cv_results_["params"],
                                 search.cv_results_["mean_test_score"],
                                 search.cv_results_["std_test_score"]):
        print(f"  {params}  cv accuracy {mean:.3f} ± {std:.3f}")
    best = search.best_estimator_.named_steps["idl"]
    print(f"  best: {search.best_params_}, {best.n_iter_} rounds, "
          f"‖D‖₂ = {best.history_[-1]['norm2_D']:.3f}")
    logreg = LogisticRegression(max_iter=1000).fit(Xtr, ytr)
    print(f"  test accuracy: implicit model {search.score(Xte, yte):.3f}, "
          f"logistic regression {logreg.score(Xte, yte):.3f}")
    proba = search.predict_proba(Xte[:3])
    print("  predict_proba (softmax of the outputs, not calibrated), first 3 test rows:")
    for row in proba:
        print("   ", np.array2string(row, precision=3))


def regress_diabetes() -> None:
    X, y = load_diabetes(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=0)
    est = ImplicitRegressor(hidden=5, rounds=5, reg=1e-1)
    t0 = time.perf_counter()
    est.fit(Xtr, ytr)
    seconds = time.perf_counter() - t0
    ridge = RidgeCV().fit(Xtr, ytr)
    print(f"\ndiabetes: ImplicitRegressor(hidden=5, rounds=5, reg=0.1), fit in {seconds:.1f} s")
    print(f"  target mean {est.y_mean_[0]:.1f}, scale {est.y_scale_[0]:.1f} "
          "(the model is trained on the standardized target)")
    print(f"  test R²: implicit model {est.score(Xte, yte):.3f}, "
          f"RidgeCV {ridge.score(Xte, yte):.3f}")
    scores = cross_val_score(ImplicitRegressor(hidden=5, rounds=5, reg=1e-1), X, y, cv=3)
    print(f"  3-fold cross_val_score R²: {np.array2string(scores, precision=3)} "
          f"(mean {scores.mean():.3f})")


def main() -> None:
    t0 = time.perf_counter()
    classify_iris()
    regress_diabetes()
    print(f"\ntotal {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
