"""The ``idl-sdp`` command line: fit → predict → inspect, problems, exit codes.

Every run is in-process (``idl_sdp.cli.main``) on small settings (h = 3, 2 rounds,
fixed reg) except one subprocess run of the installed console script.
"""
import contextlib
import csv
import importlib
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, load_iris

import idl_sdp
from idl_sdp import cli
from idl_sdp._solvers import SolverError
from idl_sdp.cli import main
from idl_sdp.lmi import convexity_matrix

from conftest import random_model

FAST = ["--hidden", "3", "--rounds", "2", "--reg", "0.01"]


def _write_csv(path, header, rows):
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def _one_line_error(err: str) -> None:
    assert "Traceback" not in err
    assert err.count("\n") == 1 and err.strip(), err


@pytest.fixture(scope="module")
def iris_run(tmp_path_factory):
    """iris.csv (species names as the target) and a model fitted on it by the CLI."""
    d = tmp_path_factory.mktemp("iris")
    b = load_iris()
    rows = [[repr(float(v)) for v in x] + [b.target_names[t]] for x, t in zip(b.data, b.target)]
    csv_path = _write_csv(d / "iris.csv", list(b.feature_names) + ["species"], rows)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(["fit", str(csv_path), "--target", "species", *FAST,
                   "--out", str(d / "model.npz")])
    assert rc == 0, err.getvalue()
    return {"dir": d, "csv": csv_path, "model": d / "model.npz", "stdout": out.getvalue(),
            "X": b.data, "species": b.target_names[b.target]}


# ---------------------------------------------------------------- end to end
def test_console_script_help():
    exe = Path(sys.executable).parent / "idl-sdp"
    proc = subprocess.run([str(exe), "--help"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    for name in ("fit", "predict", "inspect", "problems", "verify", "certify"):
        assert name in proc.stdout


def test_fit_predict_inspect_iris_csv(iris_run, capsys):
    d = iris_run["dir"]
    lines = iris_run["stdout"].splitlines()
    assert lines[0].startswith("fit: ") and "3 classes" in lines[0]
    assert any(line.strip().startswith("1/2") for line in lines)  # one line per round
    assert any(line.strip().startswith("2/2") for line in lines)
    side = json.loads((d / "model.npz.json").read_text())
    assert side["task"] == "classify" and side["target"] == "species"
    assert side["classes"] == ["setosa", "versicolor", "virginica"]
    assert side["features"] == list(load_iris().feature_names)
    assert side["complete"] is True and side["rounds_run"] == 2

    preds = d / "preds.csv"
    assert main(["predict", str(iris_run["model"]), str(iris_run["csv"]),
                 "--out", str(preds)]) == 0
    out = capsys.readouterr().out
    assert "wrote 150 predictions" in out and "accuracy" in out
    with open(preds, newline="") as fh:
        table = list(csv.reader(fh))
    assert table[0] == ["prediction", "score_setosa", "score_versicolor", "score_virginica"]
    labels = [r[0] for r in table[1:]]
    assert len(labels) == 150 and set(labels) <= set(side["classes"])
    assert np.mean(np.array(labels) == iris_run["species"]) > 0.8

    # Without --out, the CSV goes to stdout and the score line to stderr.
    assert main(["predict", str(iris_run["model"]), str(iris_run["csv"])]) == 0
    cap = capsys.readouterr()
    assert cap.out.splitlines()[0].startswith("prediction,") and "accuracy" in cap.err

    assert main(["inspect", str(iris_run["model"])]) == 0
    out = capsys.readouterr().out
    assert "‖D‖₂" in out and "pf(|D|)" in out and "λ_min(M)" in out and "setosa" in out
    assert main(["inspect", str(iris_run["model"]), "--lam", "2", "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    model = idl_sdp.ImplicitModel.load(iris_run["model"])
    assert rep["n_hidden"] == 3 and rep["n_inputs"] == 4 and rep["n_outputs"] == 3
    assert rep["norm2_D"] == pytest.approx(np.linalg.norm(model.D, 2))
    M = convexity_matrix(model.A, model.D, np.full(3, 2.0))
    assert rep["lambda_min_M"] == pytest.approx(np.linalg.eigvalsh(M)[0])


def test_saved_model_on_raw_inputs_matches_the_estimator(iris_run, capsys):
    """The standardization is folded exactly: raw-input predictions = estimator's."""
    from idl_sdp.estimators import ImplicitClassifier

    X, y = iris_run["X"], iris_run["species"]
    est = ImplicitClassifier(hidden=3, rounds=2, reg=0.01).fit(X, y)
    model = idl_sdp.ImplicitModel.load(iris_run["model"])
    np.testing.assert_allclose(model.predict(X.T).T, est.decision_function(X),
                               rtol=1e-9, atol=1e-9)
    np.testing.assert_array_equal(model.D, est.model_.D)
    assert main(["predict", str(iris_run["model"]), str(iris_run["csv"])]) == 0
    labels = [r.split(",")[0] for r in capsys.readouterr().out.splitlines()[1:]]
    assert labels == list(est.predict(X))


def test_fit_dataset_diabetes_regression(tmp_path, capsys):
    """--dataset (the whole set), raw-unit regression model, scaled λ, certificate."""
    from idl_sdp.estimators import ImplicitRegressor

    out = tmp_path / "d.npz"
    cert = tmp_path / "cert.json"
    assert main(["fit", "--dataset", "diabetes", *FAST, "--out", str(out),
                 "--cert-out", str(cert)]) == 0
    text = capsys.readouterr().out
    assert "train RMSE" in text and "CERTIFIED" in text
    assert main(["verify", str(cert)]) == 0
    capsys.readouterr()

    b = load_diabetes()
    est = ImplicitRegressor(hidden=3, rounds=2, reg=0.01).fit(b.data, b.target)
    model = idl_sdp.ImplicitModel.load(out)
    np.testing.assert_allclose(model.predict(b.data.T)[0], est.predict(b.data),
                               rtol=1e-9, atol=1e-7)
    side = json.loads((tmp_path / "d.npz.json").read_text())
    s = side["target_scale"]
    assert side["task"] == "regress" and side["lam"] == 1.0
    assert side["model_lam"] == pytest.approx(s**2)
    # λ_min(M) of the saved model at s²λ is s² times the trained model's at λ.
    assert main(["inspect", str(out), "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    M_train = convexity_matrix(est.model_.A, est.model_.D, np.ones(3))
    assert rep["lambda_min_M"] == pytest.approx(s**2 * np.linalg.eigvalsh(M_train)[0],
                                                rel=1e-6)

    csv_path = _write_csv(tmp_path / "diabetes.csv", list(b.feature_names) + ["target"],
                          [[repr(float(v)) for v in x] + [repr(float(t))]
                           for x, t in zip(b.data, b.target)])
    assert main(["predict", str(out), str(csv_path)]) == 0
    cap = capsys.readouterr()
    pred = np.array([float(v) for v in cap.out.splitlines()[1:]])
    np.testing.assert_allclose(pred, model.predict(b.data.T)[0], rtol=1e-12)
    assert "RMSE" in cap.err


def test_predict_without_sidecar(tmp_path, capsys):
    model = random_model(np.random.default_rng(1), n=3, h=4, p=2)
    model.save(tmp_path / "m.npz")
    X = np.random.default_rng(2).standard_normal((5, 3))
    data = _write_csv(tmp_path / "x.csv", ["a", "b", "c"], [[repr(float(v)) for v in r] for r in X])
    assert main(["predict", str(tmp_path / "m.npz"), str(data)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "y0,y1"
    got = np.array([[float(v) for v in line.split(",")] for line in lines[1:]])
    np.testing.assert_allclose(got, model.predict(X.T).T, rtol=1e-15)


def test_fold_standardization_is_exact():
    rng = np.random.default_rng(3)
    model = random_model(rng, n=4, h=5, p=1)
    mean, scale = rng.standard_normal(4) * 10, rng.uniform(0.1, 50, 4)
    y_mean, y_scale = 150.0, 77.0
    folded = cli.fold_standardization(model, mean, scale, [y_mean], [y_scale])
    U = rng.standard_normal((4, 30)) * scale[:, None] + mean[:, None]
    want = model.predict((U - mean[:, None]) / scale[:, None]) * y_scale + y_mean
    np.testing.assert_allclose(folded.predict(U), want, rtol=1e-12)
    np.testing.assert_array_equal(folded.D, model.D)
    lam = rng.uniform(0.5, 2, 5)
    np.testing.assert_allclose(convexity_matrix(folded.A, folded.D, y_scale**2 * lam),
                               y_scale**2 * convexity_matrix(model.A, model.D, lam),
                               rtol=1e-12, atol=1e-9)


# ------------------------------------------------------------- json, plots
def test_fit_json_and_plots(tmp_path, capsys):
    plots = tmp_path / "plots"
    assert main(["fit", "--dataset", "iris", *FAST, "--json", "--plot", str(plots)]) == 0
    cap = capsys.readouterr()
    report = json.loads(cap.out)  # the whole of stdout is one JSON object
    assert report["command"] == "fit" and report["status"] == "ok"
    assert report["rounds_run"] == 2 and len(report["history"]) == 2
    assert report["data"]["classes"] == ["setosa", "versicolor", "virginica"]
    assert set(report["final"]) >= {"J", "norm2_D", "lambda_min_M", "train_accuracy"}
    assert report["model"] is None and report["reg"] == 0.01
    assert "1/2" in cap.err and "2/2" in cap.err  # progress on stderr
    names = sorted(p.name for p in plots.glob("*.png"))
    assert names == ["divergence.png", "history.png", "relaxed_vs_equilibrium.png"]
    assert sorted(Path(p).name for p in report["plots"]) == names
    assert all((plots / n).stat().st_size > 1000 for n in names)


def test_problems_iris(capsys):
    assert main(["problems", "--dataset", "iris", "--hidden", "3"]) == 0
    out = capsys.readouterr().out
    assert out.count("is_dpp=True") == 2
    assert "X-step" in out and "Θ-step" in out and "psd=" in out
    assert main(["problems", "--dataset", "iris", "--hidden", "3", "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    x, t = rep["problems"]["x_step"], rep["problems"]["theta_step"]
    assert x["is_dpp"] and t["is_dpp"] and x["is_qp"] and not t["is_qp"]
    assert x["variable_scalars"] == 3 * 150 + 1  # X and the scalar gx = ⟨G, X⟩/m
    assert t["conic_form"]["cones"]["psd"] and not x["conic_form"]["cones"]["psd"]


# ------------------------------------------------------------ user errors
def _bad_files(d: Path):
    _write_csv(d / "text.csv", ["a", "b", "y"], [["1", "2", "0"], ["3", "oops", "1"]])
    _write_csv(d / "ragged.csv", ["a", "y"], [["1", "0"], ["2", "1", "9"]])
    _write_csv(d / "nofeat.csv", ["sepal length (cm)", "species"], [["1", "setosa"]])
    (d / "empty.csv").write_text("")


BAD_ARGV = {
    "missing file": lambda r: ["fit", str(r["dir"] / "missing.csv"), "--target", "species"],
    "bad column": lambda r: ["fit", str(r["csv"]), "--target", "nope"],
    "bad value": lambda r: ["fit", str(r["csv"]), "--target", "species", "--hidden", "abc"],
    "bad eps": lambda r: ["fit", str(r["csv"]), "--target", "species", "--eps", "1.5"],
    "bad flag": lambda r: ["fit", str(r["csv"]), "--target", "species", "--bogus"],
    "no target": lambda r: ["fit", str(r["csv"])],
    "csv and dataset": lambda r: ["fit", str(r["csv"]), "--dataset", "iris"],
    "unknown dataset": lambda r: ["fit", "--dataset", "mnist"],
    "text feature": lambda r: ["fit", str(r["dir"] / "text.csv"), "--target", "y"],
    "ragged csv": lambda r: ["fit", str(r["dir"] / "ragged.csv"), "--target", "y"],
    "empty csv": lambda r: ["fit", str(r["dir"] / "empty.csv"), "--target", "y"],
    "regress on labels": lambda r: ["fit", str(r["csv"]), "--target", "species",
                                    "--task", "regress"],
    "lam length": lambda r: ["fit", str(r["csv"]), "--target", "species", *FAST,
                             "--lam", "1,2"],
    "out dir missing": lambda r: ["fit", str(r["csv"]), "--target", "species",
                                  "--out", str(r["dir"] / "no" / "m.npz")],
    "predict no model": lambda r: ["predict", str(r["dir"] / "none.npz"), str(r["csv"])],
    "predict no data": lambda r: ["predict", str(r["model"])],
    "predict missing column": lambda r: ["predict", str(r["model"]),
                                         str(r["dir"] / "nofeat.csv")],
    "inspect not a model": lambda r: ["inspect", str(r["csv"])],
    "problems no data": lambda r: ["problems"],
}


@pytest.mark.parametrize("case", list(BAD_ARGV))
def test_user_errors_exit_1_with_one_line(case, iris_run, capsys):
    _bad_files(iris_run["dir"])
    assert main(BAD_ARGV[case](iris_run)) == 1
    _one_line_error(capsys.readouterr().err)


def test_task_auto_rule():
    assert cli._decide_task(["0", "1", "2", "1"], "auto", None, "y") == "classify"
    assert cli._decide_task([str(v) for v in range(25)], "auto", None, "y") == "regress"
    assert cli._decide_task(["0.5", "1", "2"], "auto", None, "y") == "regress"
    assert cli._decide_task(["a", "b"], "auto", None, "y") == "classify"
    assert cli._decide_task(["0", "1", "2"], "regress", None, "y") == "regress"
    assert cli._decide_task([1.0, 2.0], "auto", "regress", "y") == "regress"


# ---------------------------------------------- interrupt, checkpoint, resume
def _interrupt_after_first_round(monkeypatch):
    original = cli._PlainProgress.update

    def update(self, record):
        original(self, record)
        raise KeyboardInterrupt

    monkeypatch.setattr(cli._PlainProgress, "update", update)


def test_interrupt_and_resume_via_checkpoint(tmp_path, capsys, monkeypatch):
    args = ["fit", "--dataset", "iris", *FAST, "--tol", "0"]
    assert main(args + ["--out", str(tmp_path / "full.npz")]) == 0
    ckpt = str(tmp_path / "run.ckpt.npz")

    with monkeypatch.context() as mp:
        _interrupt_after_first_round(mp)
        capsys.readouterr()
        assert main(args + ["--checkpoint", ckpt, "--out", str(tmp_path / "r.npz")]) == 130
    err = capsys.readouterr().err
    _one_line_error(err)
    assert f"--resume {ckpt}" in err
    assert not (tmp_path / "r.npz").exists()

    assert main(args + ["--checkpoint", ckpt, "--resume", ckpt,
                        "--out", str(tmp_path / "r.npz")]) == 0
    out = capsys.readouterr().out
    assert "2/2" in out and "1/2" not in out  # only the remaining round ran
    full = idl_sdp.ImplicitModel.load(tmp_path / "full.npz")
    resumed = idl_sdp.ImplicitModel.load(tmp_path / "r.npz")
    for k, v in full.params().items():
        np.testing.assert_array_equal(getattr(resumed, k), v)

    # Resuming with other settings is a user error.
    assert main(["fit", "--dataset", "iris", "--hidden", "4", "--rounds", "2",
                 "--resume", ckpt]) == 1
    _one_line_error(capsys.readouterr().err)


def test_interrupt_without_checkpoint(capsys, monkeypatch):
    _interrupt_after_first_round(monkeypatch)
    assert main(["fit", "--dataset", "iris", *FAST]) == 130
    err = capsys.readouterr().err
    _one_line_error(err)
    assert "nothing saved" in err


# -------------------------------------------------- failures: exit code 2
def _failing_solver(monkeypatch, succeed_first: int = 0):
    """Make every conic solve fail, except the first ``succeed_first`` X-steps and Θ-steps."""
    calls = {"X-step": 0, "Theta-step": 0}
    real = {m: importlib.import_module(f"idl_sdp.{m}").solve_problem
            for m in ("hidden_step", "parameter_step")}

    def fake(module):
        def solve_problem(problem, solver, step, **opts):
            calls[step] += 1
            if calls[step] <= succeed_first:
                return real[module](problem, solver, step, **opts)
            raise SolverError(f"{step}: solver {solver} returned status 'infeasible'",
                              status="infeasible", step=step)
        return solve_problem

    for module in real:
        monkeypatch.setattr(f"idl_sdp.{module}.solve_problem", fake(module))


def test_solver_failure_exits_2(tmp_path, capsys, monkeypatch):
    _failing_solver(monkeypatch)
    out = tmp_path / "m.npz"
    assert main(["fit", "--dataset", "iris", *FAST, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    _one_line_error(err)
    assert "round 1" in err and "infeasible" in err and "nothing saved" in err
    assert not out.exists()


def test_solver_failure_saves_last_good_model(tmp_path, capsys, monkeypatch):
    _failing_solver(monkeypatch, succeed_first=1)
    out = tmp_path / "m.npz"
    assert main(["fit", "--dataset", "iris", *FAST, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    _one_line_error(err)
    assert "round 2" in err and f"saved to {out}" in err
    side = json.loads((tmp_path / "m.npz.json").read_text())
    assert side["complete"] is False and side["rounds_run"] == 1
    assert idl_sdp.ImplicitModel.load(out).n_hidden == 3


def test_certificate_that_does_not_hold_exits_2(tmp_path, capsys, monkeypatch):
    certify_module = importlib.import_module("idl_sdp.certify")

    class Violated:
        status = "violated"

        def __str__(self):
            return "Certificate bundle: VIOLATED"

        def items(self):
            return []

    monkeypatch.setattr(certify_module, "certify", lambda *a, **k: Violated())
    assert main(["fit", "--dataset", "iris", *FAST, "--certify"]) == 2
    assert "VIOLATED" in capsys.readouterr().out


# ------------------------------------------------------------- progress
def test_progress_is_plain_lines_off_a_terminal():
    stream = io.StringIO()
    progress = cli._make_progress(stream, 2)
    assert isinstance(progress, cli._PlainProgress)
    progress.update({"round": 1, "J": 0.5, "x_step_seconds": 0.1, "theta_step_seconds": 0.2,
                     "solver_status": "optimal", "norm2_D": 0.3, "x_step_fallback": "SCS"})
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2 and "1/2" in lines[1] and "optimal (fallback)" in lines[1]


def test_rich_live_table_on_a_terminal():
    pytest.importorskip("rich")

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    stream = Terminal()
    progress = cli._make_progress(stream, 2)
    assert isinstance(progress, cli._RichProgress)
    progress.update({"round": 1, "J": 0.5, "solver_status": "optimal", "norm2_D": 0.3})
    progress.close()
    assert "1/2" in stream.getvalue()
