"""Faults: solver interrupts, raw solver errors, NaN solutions, tampered or malformed
checkpoints, concurrent atomic writes."""
import json
import threading

import cvxpy as cp
import numpy as np
import pytest

import idl_sdp
import idl_sdp._solvers as solvers
from idl_sdp import SolverError, fit
from idl_sdp._io import atomic_write
from idl_sdp.checkpoint import load_checkpoint
from idl_sdp.datasets import load_split


@pytest.fixture(scope="module")
def data():
    d = load_split("iris", seed=2)
    return d.U_train, d.Y_train


def _tiny_problem():
    x = cp.Variable(3)
    return cp.Problem(cp.Minimize(cp.sum_squares(x - 1.0)), [x >= 0]), x


def _record_solvers(monkeypatch):
    """Record the solver of every solve_problem call made by the steps."""
    import idl_sdp.fast.theta_model as tm
    import idl_sdp.hidden_step as hs
    import idl_sdp.parameter_step as ps
    real = solvers.solve_problem
    seen = []

    def recording(problem, solver, step, **opts):
        seen.append(solver)
        return real(problem, solver, step, **opts)

    for mod in (hs, ps, tm):
        monkeypatch.setattr(mod, "solve_problem", recording)
    return seen


def _interrupting_scs(monkeypatch, after=0):
    """SCS reports "interrupted" (status_val -5, as on a caught SIGINT) after ``after`` solves."""
    import scs
    real = scs.solve
    calls = {"n": 0}

    def fake(*args, **kwargs):
        out = real(*args, **kwargs)
        calls["n"] += 1
        if calls["n"] > after:
            out["info"] = {**out["info"], "status_val": -5, "status": "interrupted"}
        return out

    monkeypatch.setattr(scs, "solve", fake)
    return calls


# ------------------------------------------------------------------ 1. interrupts
def test_scs_interrupt_raises_keyboard_interrupt_from_solve_problem(monkeypatch):
    _interrupting_scs(monkeypatch)
    problem, _ = _tiny_problem()
    with pytest.raises(KeyboardInterrupt, match="interrupted"):
        solvers.solve_problem(problem, "SCS", "X-step")


def test_scs_interrupt_stops_fit_without_fallback_and_keeps_checkpoint(data, monkeypatch,
                                                                       tmp_path):
    U, Y = data
    seen = _record_solvers(monkeypatch)
    _interrupting_scs(monkeypatch, after=2)  # round 1 completes, round 2's X-step interrupted
    ck = tmp_path / "run.npz"
    with pytest.raises(KeyboardInterrupt, match="resume="):
        fit(U, Y, 4, reg=1e-2, rounds=3, tol=0, solver="SCS", fallback=True, checkpoint=ck)
    assert seen and set(seen) == {"SCS"}  # no CLARABEL / active-set fallback
    assert len(load_checkpoint(ck)["history"]) == 1
    assert not list(tmp_path.glob("*.tmp"))


def test_scs_interrupt_without_checkpoint_propagates(data, monkeypatch):
    U, Y = data
    seen = _record_solvers(monkeypatch)
    _interrupting_scs(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        fit(U, Y, 4, reg=1e-2, rounds=2, solver="SCS")
    assert set(seen) == {"SCS"}


# ------------------------------------------------ 2. raw errors and NaN solutions
@pytest.mark.parametrize("exc", [ValueError("bad pivot"), ZeroDivisionError("division by zero"),
                                 FloatingPointError("overflow")])
def test_errors_inside_the_solver_become_solver_errors(monkeypatch, exc):
    problem, _ = _tiny_problem()

    def boom(*a, **k):
        raise exc

    monkeypatch.setattr(problem, "solve", boom)
    with pytest.raises(SolverError) as info:
        solvers.solve_problem(problem, "CLARABEL", "X-step")
    assert info.value.status == "solver_error" and type(exc).__name__ in str(info.value)


def test_bad_solver_option_still_named_clearly():
    problem, _ = _tiny_problem()
    with pytest.raises((TypeError, ValueError), match="solver_options"):
        solvers.solve_problem(problem, "SCS", "X-step", max_iters="many")


def _nan_after_solve(problem, x):
    real = problem.solve

    def solve(*a, **k):
        out = real(*a, **k)
        x.save_value(np.full(x.shape, np.nan))
        return out

    return solve


def test_optimal_status_with_nan_values_is_a_solver_error(monkeypatch):
    problem, x = _tiny_problem()
    monkeypatch.setattr(problem, "solve", _nan_after_solve(problem, x))
    with pytest.raises(SolverError) as info:
        solvers.solve_problem(problem, "CLARABEL", "X-step")
    assert info.value.status == "nan_solution"


@pytest.mark.parametrize("fault", ["value_error", "zero_division", "nan"])
def test_fit_falls_back_on_raw_solver_faults(data, monkeypatch, fault):
    U, Y = data
    real = cp.Problem.solve
    calls = {"n": 0}

    def faulty(self, *a, **k):
        calls["n"] += 1
        if calls["n"] == 1:  # the first X-step's CLARABEL solve
            if fault == "value_error":
                raise ValueError("internal solver failure")
            if fault == "zero_division":
                raise ZeroDivisionError("float division by zero")
            out = real(self, *a, **k)
            for v in self.variables():
                v.save_value(np.full(v.shape, np.inf))
            return out
        return real(self, *a, **k)

    monkeypatch.setattr(cp.Problem, "solve", faulty)
    res = fit(U, Y, 4, reg=1e-2, rounds=1)
    status = "nan_solution" if fault == "nan" else "solver_error"
    assert f"CLARABEL returned {status}" in res.history[0]["x_step_fallback"]
    assert np.linalg.norm(res.model.D, 2) <= 1 - 0.05 + 1e-6


def test_fit_raw_solver_fault_without_fallback_has_result(data, monkeypatch):
    U, Y = data

    def boom(self, *a, **k):
        raise ValueError("internal solver failure")

    monkeypatch.setattr(cp.Problem, "solve", boom)
    with pytest.raises(SolverError) as info:
        fit(U, Y, 4, reg=1e-2, rounds=1, fallback=False)
    assert info.value.status == "solver_error" and info.value.result is not None


# -------------------------------------------------------- 3./4. checkpoint contents
@pytest.fixture(scope="module")
def checkpoint(data, tmp_path_factory):
    U, Y = data
    ck = tmp_path_factory.mktemp("ck") / "run.npz"
    fit(U, Y, 4, reg=1e-2, rounds=1, checkpoint=ck)
    with np.load(ck, allow_pickle=False) as f:
        return {k: f[k] for k in f.files}


def _write(path, arrays, **changes):
    np.savez(path, **{**arrays, **changes})
    return path


def _with_config(path, arrays, mutate):
    config = json.loads(str(arrays["config"]))
    mutate(config)
    return _write(path, arrays, config=np.array(json.dumps(config)))


def test_tampered_checkpoint_model_is_refused(data, checkpoint, tmp_path):
    U, Y = data
    ck = _write(tmp_path / "tampered.npz", checkpoint, model_D=2.0 * np.eye(4))
    with pytest.raises(ValueError, match="tampered.npz.*infeasible"):
        fit(U, Y, 4, reg=1e-2, rounds=2, resume=ck)


def test_checkpoint_with_indefinite_M_is_refused(data, checkpoint, tmp_path):
    U, Y = data
    # ‖D‖₂ = 0.9 < 1 − eps, but with A = 0: M = Λ(I − 2D) = −0.8 Λ, indefinite
    A = np.zeros_like(checkpoint["model_A"])
    ck = _write(tmp_path / "indef.npz", checkpoint, model_D=0.9 * np.eye(4), model_A=A)
    with pytest.raises(ValueError, match="indef.npz.*infeasible"):
        fit(U, Y, 4, reg=1e-2, rounds=2, resume=ck)


def test_untampered_checkpoint_still_resumes(data, checkpoint, tmp_path):
    U, Y = data
    ck = _write(tmp_path / "ok.npz", checkpoint)
    res = fit(U, Y, 4, reg=1e-2, rounds=2, resume=ck)
    assert res.n_rounds == 2


@pytest.mark.parametrize("mutate, match", [
    (lambda c: c.pop("reg"), r"missing \['reg'\]"),
    (lambda c: c.update(surprise=1), r"unexpected \['surprise'\]"),
    (lambda c: c.update(hidden="4"), "hidden"),
    (lambda c: c.update(reg=-1.0), "reg"),
    (lambda c: c.update(lam=[1, "x", 1, 1]), "lam"),
    (lambda c: c.update(reg_path={"a": 1}), "reg_path"),
])
def test_malformed_checkpoint_config_is_one_clear_value_error(data, checkpoint, tmp_path,
                                                              mutate, match):
    U, Y = data
    ck = _with_config(tmp_path / "badconfig.npz", checkpoint, mutate)
    with pytest.raises(ValueError, match="badconfig.npz") as info:
        fit(U, Y, 4, reg=1e-2, rounds=2, resume=ck)
    assert info.match(match)


@pytest.mark.parametrize("field", ["config", "history"])
def test_deeply_nested_checkpoint_json_is_a_value_error(data, checkpoint, tmp_path, field):
    U, Y = data
    ck = _write(tmp_path / "deep.npz", checkpoint,
                **{field: np.array("[" * 100_000 + "]" * 100_000)})
    with pytest.raises(ValueError, match="deep.npz"):
        fit(U, Y, 4, reg=1e-2, rounds=2, resume=ck)


@pytest.mark.parametrize("changes", [
    {"X": np.full((4, 3), np.nan)},
    {"lam": np.array(["a", "b"])},
    {"history": np.array(json.dumps([1, 2]))},
    {"model_D": np.full((4, 4), np.inf)},
])
def test_malformed_checkpoint_arrays_are_value_errors(data, checkpoint, tmp_path, changes):
    U, Y = data
    ck = _write(tmp_path / "badarrays.npz", checkpoint, **changes)
    with pytest.raises(ValueError, match="badarrays.npz"):
        fit(U, Y, 4, reg=1e-2, rounds=2, resume=ck)


# ------------------------------------------------------------- 5. concurrent writes
def test_concurrent_atomic_writes_of_one_path(tmp_path):
    target = tmp_path / "shared.bin"
    n_threads, n_writes, size = 8, 25, 64 * 1024
    errors = []
    start = threading.Barrier(n_threads + 1)

    def payload(i):
        return bytes([i]) * size

    def writer(i):
        try:
            start.wait()
            for _ in range(n_writes):
                atomic_write(target, lambda fh: fh.write(payload(i)))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    def check_complete():
        data = target.read_bytes()
        assert len(data) == size and data == payload(data[0]), "partial or mixed file"

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(n_threads)]
    for t in threads:
        t.start()
    start.wait()
    while any(t.is_alive() for t in threads):
        if target.exists():
            check_complete()
    for t in threads:
        t.join()
    assert not errors, errors
    check_complete()
    assert [p.name for p in tmp_path.iterdir()] == ["shared.bin"]


def test_concurrent_checkpoint_saves_stay_loadable(tmp_path, rng):
    U, Y = rng.standard_normal((3, 12)), rng.standard_normal((2, 12))
    model = idl_sdp.initial_model(U, Y, 4)
    ck = tmp_path / "ck.npz"
    config = {"hidden": 4, "lmi": "linearized", "eps": 0.05, "solver": "CLARABEL", "seed": 0,
              "tol": 1e-6, "dual_step": None, "data": "x", "lam": [1.0] * 4, "reg": 0.01,
              "reg_path": []}
    errors = []

    def writer(i):
        try:
            for _ in range(10):
                idl_sdp.checkpoint.save_checkpoint(
                    ck, model=model, X=np.full((4, 12), float(i)), lam=np.ones(4),
                    history=[{"round": i}], config=config, initial_objective=1.0)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    state = load_checkpoint(ck)
    i = state["history"][0]["round"]
    assert np.all(state["X"] == i)
    assert [p.name for p in tmp_path.iterdir()] == ["ck.npz"]
