"""The ``idl_sdp.cli`` package: new flags, early argument checks, progress, the estimators'
``verbose`` and the one preprocessing module shared by the CLI, the estimators and
:mod:`idl_sdp.datasets`.

All fits are tiny (≤ 16 samples, h ≤ 3, ≤ 2 rounds, solver "fast").
"""
import csv
import json
import subprocess
import sys

import numpy as np
import pytest

import idl_sdp
from idl_sdp import preprocessing
from idl_sdp.cli import main
from idl_sdp.estimators import SMALL_DATA_REG, ImplicitClassifier, ImplicitRegressor

TINY = ["--hidden", "2", "--rounds", "2", "--solver", "fast"]


def _write_csv(path, header, rows, delimiter=","):
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh, delimiter=delimiter)
        w.writerow(header)
        w.writerows(rows)
    return path


def _data(m=16, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, 2)) * [3.0, 0.5] + [10.0, -1.0]
    y = np.where(X[:, 0] > 10.0, 7, 3)  # numeric labels, not 0..k-1
    return X, y


def _rows(X, y):
    return [[repr(float(a)), repr(float(b)), str(t)] for (a, b), t in zip(X, y)]


def _one_line(err):
    assert "Traceback" not in err and err.count("\n") == 1, err


# ------------------------------------------------------------------ flags
def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"idl-sdp {idl_sdp.__version__}"


def test_python_dash_m_idl_sdp():
    proc = subprocess.run([sys.executable, "-m", "idl_sdp", "--version"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"idl-sdp {idl_sdp.__version__}"


def test_cli_bound_alias_still_importable():
    from idl_sdp import cli_bound
    from idl_sdp.cli import bound

    assert cli_bound.bound_args is bound.add_arguments
    assert cli_bound.bound_run is bound.run


@pytest.mark.parametrize("flag, sep", [(";", ";"), ("tab", "\t"), ("\\t", "\t")])
def test_delimiter_for_fit_and_predict(tmp_path, capsys, flag, sep):
    X, y = _data()
    comma = _write_csv(tmp_path / "c.csv", ["a", "b", "y"], _rows(X, y))
    other = _write_csv(tmp_path / "o.csv", ["a", "b", "y"], _rows(X, y), delimiter=sep)
    args = [*TINY, "--reg", "0.01", "--quiet", "--target", "y"]
    assert main(["fit", str(comma), *args, "--out", str(tmp_path / "c.npz")]) == 0
    assert main(["fit", str(other), *args, "--delimiter", flag,
                 "--out", str(tmp_path / "o.npz")]) == 0
    a, b = (idl_sdp.ImplicitModel.load(tmp_path / n) for n in ("c.npz", "o.npz"))
    for k, v in a.params().items():
        np.testing.assert_array_equal(getattr(b, k), v)
    capsys.readouterr()
    assert main(["predict", str(tmp_path / "o.npz"), str(other), "--delimiter", flag]) == 0
    via_other = capsys.readouterr().out
    assert main(["predict", str(tmp_path / "c.npz"), str(comma)]) == 0
    assert capsys.readouterr().out == via_other
    # Without --delimiter the file is one column: a clear one-line error.
    assert main(["predict", str(tmp_path / "o.npz"), str(other)]) == 1
    _one_line(capsys.readouterr().err)


def test_bad_delimiter_is_a_usage_error(tmp_path, capsys):
    assert main(["fit", "--dataset", "iris", "--delimiter", ";;"]) == 1
    err = capsys.readouterr().err
    _one_line(err)
    assert "--delimiter must be one character" in err


# ------------------------------------------------------------ JSON errors
def test_json_errors_on_stdout(tmp_path, capsys):
    X, y = _data()
    data = _write_csv(tmp_path / "d.csv", ["a", "b", "y"], _rows(X, y))
    assert main(["fit", str(data), "--target", "nope", "--json"]) == 1
    cap = capsys.readouterr()
    _one_line(cap.err)
    report = json.loads(cap.out)
    assert set(report) == {"error", "type"} and report["type"] == "ValueError"
    assert "no column 'nope'" in report["error"] and report["error"] in cap.err

    assert main(["fit", str(data), "--target", "y", "--bogus", "--json"]) == 1
    cap = capsys.readouterr()
    _one_line(cap.err)
    assert json.loads(cap.out)["type"] == "UsageError"

    assert main(["inspect", str(tmp_path / "none.npz"), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["type"] == "FileNotFoundError" and "none.npz" in report["error"]

    # Without --json nothing goes to stdout.
    assert main(["fit", str(data), "--target", "nope"]) == 1
    assert capsys.readouterr().out == ""


# ------------------------------------------------- checks before any work
@pytest.fixture
def no_training(monkeypatch):
    """Fail the test if a fit starts."""
    def boom(*a, **k):
        raise AssertionError("training started")
    monkeypatch.setattr("idl_sdp.estimators._fit", boom)


def test_lam_length_checked_before_the_data_are_read(tmp_path, capsys, no_training):
    missing = tmp_path / "missing.csv"  # never opened: the check comes first
    assert main(["fit", str(missing), "--target", "y", "--hidden", "10", "--lam", "1,2"]) == 1
    assert capsys.readouterr().err == (
        "idl-sdp fit: error: --lam has 2 values but --hidden is 10: give one number or 10 "
        "comma-separated numbers\n")
    assert main(["problems", str(missing), "--target", "y", "--hidden", "3",
                 "--lam", "1,2,3,4"]) == 1
    assert "--lam has 4 values but --hidden is 3" in capsys.readouterr().err
    assert main(["fit", str(missing), "--target", "y", "--hidden", "2", "--lam", "0"]) == 1
    err = capsys.readouterr().err
    _one_line(err)
    assert err.startswith("idl-sdp fit: error: --lam must be > 0")


def test_other_flags_checked_before_the_data_are_read(tmp_path, capsys, no_training):
    missing = str(tmp_path / "missing.csv")
    assert main(["fit", missing, "--target", "y", "--out",
                 str(tmp_path / "no" / "m.npz")]) == 1
    assert "--out: directory" in capsys.readouterr().err
    assert main(["fit", missing, "--target", "y", "--resume", str(tmp_path / "c.npz")]) == 1
    assert "no such file: " + str(tmp_path / "c.npz") in capsys.readouterr().err


def test_two_rows_with_reg_auto_use_the_estimators_small_data_rule(tmp_path, capsys):
    data = _write_csv(tmp_path / "two.csv", ["a", "b", "y"],
                      [["0.5", "0", "0"], ["1.5", "2", "1"]])
    out = tmp_path / "m.npz"
    assert main(["fit", str(data), "--target", "y", *TINY, "--out", str(out)]) == 0
    cap = capsys.readouterr()
    assert ("reg=auto: 2 samples are fewer than the 8 its validation split needs; "
            "using reg=0.01 (the estimators' small-data rule)") in cap.out
    assert "reg=0.01 (small-data rule)" in cap.out and "candidate" not in cap.err
    side = json.loads((tmp_path / "m.npz.json").read_text())
    assert side["reg"] == SMALL_DATA_REG
    X = np.array([[0.5, 0.0], [1.5, 2.0]])
    est = ImplicitClassifier(hidden=2, rounds=2, solver="fast").fit(X, [0, 1])
    assert est.reg_ == SMALL_DATA_REG
    scores = idl_sdp.ImplicitModel.load(out).predict(X.T).T
    np.testing.assert_allclose(scores[:, 1] - scores[:, 0], est.decision_function(X),
                               rtol=1e-9, atol=1e-9)


# ------------------------------------------------------ reg="auto" progress
def test_reg_auto_progress_lines_and_separate_times(tmp_path, capsys):
    X, y = _data()
    data = _write_csv(tmp_path / "d.csv", ["a", "b", "y"], _rows(X, y))
    args = ["fit", str(data), "--target", "y", "--hidden", "2", "--rounds", "1",
            "--solver", "fast", "--reg", "AUTO"]
    assert main(args) == 0
    cap = capsys.readouterr()
    lines = cap.err.splitlines()
    n = len(idl_sdp.driver.REG_GRID)
    for k, reg in enumerate(idl_sdp.driver.REG_GRID, 1):
        assert any(line.strip().startswith(f"reg candidate {k}/{n}: reg={reg:g}: "
                                           "validation MSE ") for line in lines), cap.err
    assert lines[-1].startswith(f"reg=auto: {n} candidate fits in ") and "training" in lines[-1]
    done = next(line for line in cap.out.splitlines() if line.startswith("done: "))
    assert "s of reg selection" in done and "(chosen by validation MSE)" in done

    assert main(args + ["--json", "--quiet"]) == 0
    cap = capsys.readouterr()
    assert cap.err == ""  # --quiet: no progress, not even the candidates
    report = json.loads(cap.out)
    assert len(report["reg_path"]) == n
    assert 0 < report["training_seconds"] < report["seconds"]
    assert 0 < report["selection_seconds"] < report["seconds"]


# ------------------------------------------------------------- estimators
def test_estimator_verbose(capsys):
    X, y = _data(m=12)
    ImplicitClassifier(hidden=2, rounds=2, reg=0.01, solver="fast").fit(X, y)
    assert capsys.readouterr().out == ""
    est = ImplicitClassifier(hidden=2, rounds=2, reg=0.01, solver="fast", verbose=1)
    assert est.get_params()["verbose"] == 1
    est.fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines[:2]] == [
        "[ImplicitClassifier] round 1/2", "[ImplicitClassifier] round 2/2"]
    assert lines[-1].startswith("[ImplicitClassifier] done: 2 rounds") and "reg=0.01" in lines[-1]
    with pytest.raises(ValueError, match="verbose"):
        ImplicitRegressor(hidden=2, rounds=1, reg=0.01, verbose=-1).fit(X, y.astype(float))


def test_estimator_reg_auto_is_case_insensitive():
    X, y = _data(m=5)
    est = ImplicitRegressor(hidden=2, rounds=1, solver="fast", reg="AUTO").fit(X, y * 1.0)
    assert est.reg_ == SMALL_DATA_REG


# ---------------------------------------------------- one preprocessing module
def test_cli_and_estimator_give_identical_predictions(tmp_path, capsys):
    X, y = _data()
    data = _write_csv(tmp_path / "d.csv", ["a", "b", "y"], _rows(X, y))
    out = tmp_path / "m.npz"
    assert main(["fit", str(data), "--target", "y", *TINY, "--reg", "0.01", "--quiet",
                 "--out", str(out)]) == 0
    est = ImplicitClassifier(hidden=2, rounds=2, reg=0.01, solver="fast").fit(X, y)
    side = json.loads((tmp_path / "m.npz.json").read_text())
    assert side["classes"] == [3, 7] == est.classes_.tolist()
    np.testing.assert_array_equal(side["input_scale"], est.scaler_.scale_)
    scores = idl_sdp.ImplicitModel.load(out).predict(X.T).T
    np.testing.assert_allclose(scores[:, 1] - scores[:, 0], est.decision_function(X),
                               rtol=1e-9, atol=1e-9)
    capsys.readouterr()
    assert main(["predict", str(out), str(data)]) == 0
    labels = [int(r.split(",")[0]) for r in capsys.readouterr().out.splitlines()[1:]]
    assert labels == est.predict(X).tolist()


def test_constant_target_rule_is_shared(tmp_path, capsys):
    X, _ = _data(m=6)
    data = _write_csv(tmp_path / "c.csv", ["a", "b", "t"],
                      [[repr(float(a)), repr(float(b)), "5.0"] for a, b in X])
    out = tmp_path / "m.npz"
    assert main(["fit", str(data), "--target", "t", "--task", "regress", *TINY,
                 "--reg", "0.01", "--quiet", "--out", str(out)]) == 0
    side = json.loads((tmp_path / "m.npz.json").read_text())
    assert side["target_scale"] == 1.0 and side["target_mean"] == 5.0
    est = ImplicitRegressor(hidden=2, rounds=2, reg=0.01, solver="fast").fit(X, np.full(6, 5.0))
    np.testing.assert_array_equal(est.y_scale_, [1.0])
    np.testing.assert_allclose(idl_sdp.ImplicitModel.load(out).predict(X.T)[0],
                               est.predict(X), rtol=1e-9, atol=1e-9)


def test_preprocessing_rules():
    mean, scale = preprocessing.fit_standardization(np.array([[2.0, 1.0], [2.0, 3.0]]))
    np.testing.assert_array_equal(mean, [2.0, 2.0])
    np.testing.assert_array_equal(scale, [1.0, 1.0])  # constant column -> 1; std 1 -> 1
    _, scale = preprocessing.fit_standardization(np.array([1e6, 1e6 + 1e-7]))
    assert scale[0] == 1.0  # spread 5e-8 <= 1e-12 * 1e6: constant
    Z = preprocessing.standardize([[4.0, 0.0]], mean, [2.0, 1.0])
    np.testing.assert_array_equal(preprocessing.unstandardize(Z, mean, [2.0, 1.0]), [[4.0, 0.0]])

    from sklearn.preprocessing import StandardScaler

    X = np.random.default_rng(0).standard_normal((9, 3)) * [1.0, 100.0, 1e-3]
    X[:, 2] = 4.2
    a, b = preprocessing.fit_input_scaler(X), StandardScaler().fit(X)
    np.testing.assert_array_equal(a.scale_, b.scale_)  # same as sklearn's here
    assert a.scale_[2] == 1.0

    classes, T, codes = preprocessing.encode_labels(["b", "a", "b", "c"])
    assert classes.tolist() == ["a", "b", "c"] and codes.tolist() == [1, 0, 1, 2]
    np.testing.assert_array_equal(T, np.eye(3)[codes])
    np.testing.assert_array_equal(preprocessing.one_hot(["c", "z"], classes),
                                  [[0, 0, 1], [0, 0, 0]])
    assert preprocessing.decode_scores(T, classes).tolist() == ["b", "a", "b", "c"]


def test_cli_estimators_and_datasets_share_the_rule(tmp_path, monkeypatch, capsys):
    """Patch the one constant-column rule: all three users see the change."""
    from idl_sdp.datasets import load_split

    calls = []
    real = preprocessing.constant_safe_scale

    def spy(mean, std):
        calls.append(np.size(mean))
        return real(mean, std)

    monkeypatch.setattr(preprocessing, "constant_safe_scale", spy)
    X, y = _data(m=6)
    ImplicitRegressor(hidden=2, rounds=1, reg=0.01, solver="fast").fit(X, y * 1.0)
    assert calls == [1, 2]  # the target, then the inputs
    calls.clear()
    load_split("diabetes", max_samples=30)
    assert calls == [10, 1]
    calls.clear()
    data = _write_csv(tmp_path / "d.csv", ["a", "b", "t"], _rows(X, y))
    assert main(["fit", str(data), "--target", "t", "--task", "regress", *TINY,
                 "--reg", "0.01", "--quiet"]) == 0
    assert calls == [1, 2]
