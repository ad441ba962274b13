"""Held-out accuracy of the equilibrium predictions: the defaults and the fast setting.

For each data set and split seed (70/30, stratified for classification, standardized
inputs and, for regression, targets — :func:`idl_sdp.datasets.load_split`):

* ``default``: ``fit(U, Y, hidden=10)`` — linearized LMI, λ = 1, eps = 0.05,
  ``reg="auto"`` over ``REG_GRID`` (five candidates), 20 rounds, Clarabel;
* ``fast``: the same with ``solver="fast"`` (the exact active-set Θ-step and the
  projected-Newton X-step) — the setting the docs offer when the defaults are too
  slow, ``ImplicitClassifier(solver="fast")`` in the estimators;
* baselines on the same split: ``LogisticRegression(max_iter=2000)`` for
  classification, ``RidgeCV(alphas=logspace(-3, 3, 13))`` for regression.

Scores: test accuracy of the equilibrium predictions (argmax of the predicted one-hot
rows), or test RMSE in the original units for diabetes. Seconds are wall-clock of the
whole ``fit`` (reg selection included) on a shared 2-core machine.

Run ``python benchmarks/bench_heldout.py [--quick] [--check-estimator fast|all]``
(``--quick``: iris seeds 0–1 only; ``--check-estimator``: also the wall-clock time of
scikit-learn's ``check_estimator`` on both estimators). Writes
``benchmarks/results/heldout.md``.
"""
from __future__ import annotations

import argparse
import os
import platform
import time
from typing import Dict, List

import numpy as np

import idl_sdp
from idl_sdp.datasets import load_split

RESULTS = os.path.join(os.path.dirname(__file__), "results")
PLAN = {"iris": range(5), "wine": range(3), "breast_cancer": range(2), "diabetes": range(3)}


def score(name: str, data, model) -> float:
    pred = model.predict(data.U_test)
    if name == "diabetes":
        y = data.unscale(pred)[0]
        return float(np.sqrt(np.mean((y - data.y_test) ** 2)))
    return float(np.mean(pred.argmax(axis=0) == data.y_test))


def baseline(name: str, data) -> float:
    if name == "diabetes":
        from sklearn.linear_model import RidgeCV
        ridge = RidgeCV(alphas=np.logspace(-3, 3, 13)).fit(data.U_train.T, data.y_train)
        return float(np.sqrt(np.mean((ridge.predict(data.U_test.T) - data.y_test) ** 2)))
    from sklearn.linear_model import LogisticRegression
    clf = LogisticRegression(max_iter=2000).fit(data.U_train.T, data.y_train)
    return float(np.mean(clf.predict(data.U_test.T) == data.y_test))


def run(plan: Dict[str, range]) -> str:
    settings = {"default": {}, "fast": {"solver": "fast"}}
    rows: List[List[str]] = []
    summary: Dict[str, Dict[str, List[float]]] = {}
    for name, seeds in plan.items():
        for seed in seeds:
            data = load_split(name, seed=seed)
            row = [name, str(seed), f"{data.U_train.shape[1]}", f"{data.U_train.shape[0]}"]
            for label, kw in settings.items():
                t0 = time.perf_counter()
                res = idl_sdp.fit(data.U_train, data.Y_train, hidden=10, **kw)
                secs = time.perf_counter() - t0
                s = score(name, data, res.model)
                summary.setdefault(name, {}).setdefault(label, []).append(s)
                summary[name].setdefault(label + " s", []).append(secs)
                row += [f"{s:.4g}", f"{res.reg:g}", f"{secs:.1f}"]
            b = baseline(name, data)
            summary[name].setdefault("baseline", []).append(b)
            row.append(f"{b:.4g}")
            rows.append(row)
            print(row, flush=True)
    head = ["data", "seed", "m", "n", "default", "reg", "s", "fast", "reg", "s", "baseline"]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    out += ["", "| data | default mean | fast mean | fast − default | baseline mean | "
            "default s (mean) | fast s (mean) |", "|---|---|---|---|---|---|---|"]
    for name, d in summary.items():
        md, mf = np.mean(d["default"]), np.mean(d["fast"])
        out.append(f"| {name} | {md:.4f} | {mf:.4f} | {mf - md:+.4f} | "
                   f"{np.mean(d['baseline']):.4f} | {np.mean(d['default s']):.1f} | "
                   f"{np.mean(d['fast s']):.1f} |")
    return "\n".join(out) + "\n"


def time_check_estimator(settings: Dict[str, Dict], classes=None) -> str:
    """Wall-clock seconds of scikit-learn's ``check_estimator`` (all its checks)."""
    import warnings

    from sklearn.utils.estimator_checks import check_estimator

    from idl_sdp import ImplicitClassifier, ImplicitRegressor
    rows = ["| estimator | setting | seconds |", "|---|---|---|"]
    for cls in classes or (ImplicitClassifier, ImplicitRegressor):
        for label, kw in settings.items():
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                check_estimator(cls(**kw))
            rows.append(f"| {cls.__name__} | {label} | {time.perf_counter() - t0:.1f} |")
            print(rows[-1], flush=True)
    return "\n".join(rows) + "\n"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--check-estimator", choices=["fast", "all"], default=None,
                    help="also time sklearn's check_estimator with the fast setting "
                         "('fast') or with both settings ('all'; the defaults take minutes)")
    args = ap.parse_args(argv)
    plan = {"iris": range(2)} if args.quick else PLAN
    head = (f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}, idl_sdp {idl_sdp.__version__}; "
            f"{time.strftime('%Y-%m-%d')}. Scores: accuracy (RMSE for diabetes) of the "
            f"equilibrium predictions on the 30 % test split; seconds: the whole fit, "
            f"reg selection included. fast = solver='fast'.\n")
    text = head + "\n" + run(plan)
    if args.check_estimator:
        chosen = {"fast": {"solver": "fast"}}
        if args.check_estimator == "all":
            chosen = {"default": {}, **chosen}
        text += "\n## scikit-learn's check_estimator\n\n" + time_check_estimator(chosen)
    print(text)
    if not args.quick:
        os.makedirs(RESULTS, exist_ok=True)
        with open(os.path.join(RESULTS, "heldout.md"), "w") as fh:
            fh.write("# Held-out accuracy: defaults and the fast setting\n\n" + text)


if __name__ == "__main__":
    main()
