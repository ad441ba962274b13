"""Fast paths agree with the cvxpy problems; Dask agrees with serial bit for bit."""
import numpy as np
import pytest

import idl_sdp
from idl_sdp import HiddenStep, ParameterStep, objective
from idl_sdp.datasets import load_split
from idl_sdp.fast import kkt_residual
from idl_sdp.lmi import convexity_matrix
from conftest import random_model


@pytest.fixture(scope="module")
def iris_state():
    data = load_split("iris", seed=0)
    res = idl_sdp.fit(data.U_train, data.Y_train, hidden=10, reg=1e-3, rounds=3)
    return data.U_train, data.Y_train, res


def _feasible_random_model(rng, n, h, p, lam, norm2):
    model = random_model(rng, n, h, p, norm2=norm2)
    # Make M = AᵀA + Λ − ΛD − DᵀΛ comfortably PSD by adding to AᵀA where needed.
    M = convexity_matrix(model.A, model.D, lam)
    w, Q = np.linalg.eigh(M)
    if w[0] < 1e-3 * max(1, lam.max()):
        shift = 1e-3 * max(1, lam.max()) - w[0]
        extra = np.sqrt(shift) * Q.T  # rows added to A: AᵀA gains shift·I
        model = idl_sdp.ImplicitModel(np.vstack([model.A, extra]),
                                      np.vstack([model.B, np.zeros((h, n))]),
                                      np.concatenate([model.c, np.zeros(h)]),
                                      model.D, model.E, model.f)
    return model


@pytest.mark.parametrize("lam_scale, norm2", [(1.0, 0.5), (1e-3, 0.95), (1e3, 0.9), ("mixed", 0.95)])
def test_fast_hidden_step_matches_cvxpy(rng, lam_scale, norm2):
    n, h, p, m = 4, 6, 2, 80
    lam = (10.0 ** rng.uniform(-3, 3, h)) if lam_scale == "mixed" else np.full(h, lam_scale)
    model = _feasible_random_model(rng, n, h, p, lam, norm2)
    U = rng.standard_normal((n, m))
    Y = rng.standard_normal((model.n_outputs, m))
    step = HiddenStep(U, Y, h, lam)
    X_ref = step.solve(model, solver="CLARABEL")
    J_ref = objective(model, X_ref, U, Y, lam)
    X = step.solve(model, solver="fast")
    J = objective(model, X, U, Y, lam)
    assert step.last_info["kkt_residual"] <= 1e-9 * max(1.0, lam.max()) * 100
    assert abs(J - J_ref) <= 1e-6 * abs(J_ref)
    assert J <= J_ref + 1e-9 * abs(J_ref)  # the exact method is at least as good
    assert np.max(np.abs(X - X_ref)) <= 1e-5 * max(1.0, np.abs(X_ref).max())


def test_fast_hidden_step_on_trained_iris_model(iris_state):
    U, Y, res = iris_state
    step = HiddenStep(U, Y, 10, res.lam)
    X_ref = step.solve(res.model, solver="CLARABEL")
    X = step.solve(res.model, solver="fast")
    J_ref, J = (objective(res.model, Z, U, Y, res.lam) for Z in (X_ref, X))
    assert abs(J - J_ref) <= 1e-6 * abs(J_ref)
    assert np.max(np.abs(X - X_ref)) <= 1e-5
    d = step.data(res.model)
    M = convexity_matrix(res.model.A, res.model.D, res.lam)
    assert np.max(kkt_residual(X, M, d.Ds, d.G, d.W)) <= 1e-9


@pytest.mark.parametrize("lmi", ["linearized", "eq5", "schur"])
def test_fast_theta_step_matches_cvxpy(iris_state, lmi):
    U, Y, res = iris_state
    X = HiddenStep(U, Y, 10, res.lam).solve(res.model, solver="fast")
    model = res.model
    if lmi == "schur":  # start the Θ-step from a point satisfying the Schur LMI's A-bound
        model = model.copy()
        model.A *= 0.05
    step = ParameterStep(U, Y, 10, res.lam, lmi=lmi, reg=1e-3)
    ref = step.solve(X, model, solver="CLARABEL")
    v_ref = step.last_info["objective"]
    new = step.solve(X, model, solver="fast")
    info = step.last_info
    v = objective(new, X, U, Y, res.lam, reg=1e-3)
    assert info["objective"] == pytest.approx(v, rel=1e-12)
    assert abs(v - v_ref) <= 1e-6 * abs(v_ref)
    # It stopped on one of its two tests: the gradient mismatch, or a bound on what
    # the next model could still gain; that bound is kept: solved on until the
    # mismatch vanishes, J drops by at most tol·J (tol = 1e-9, the default)
    assert info["stop"] in ("kkt", "decrease_bound")
    if info["stop"] == "kkt":
        assert info["kkt_residual"] <= 1e-8
    else:
        assert info["history"][-1]["next_decrease_bound"] <= 1e-9 * v
    full, full_info = step.solve(X, model, solver="fast", return_info=True, tol=1e-13)
    assert full_info["kkt_residual"] <= 1e-8
    assert objective(full, X, U, Y, res.lam, reg=1e-3) >= v - 1e-9 * v
    assert np.linalg.norm(new.D, 2) <= 0.95 + 1e-7
    assert np.linalg.eigvalsh(convexity_matrix(new.A, new.D, res.lam))[0] >= 0
    assert ref is not new


def test_fast_theta_step_random_problem(rng):
    n, h, p, m = 3, 4, 2, 60
    U = rng.standard_normal((n, m))
    Y = rng.standard_normal((p, m))
    lam = np.array([0.1, 1.0, 10.0, 0.0])  # includes a unit without divergence
    model = idl_sdp.initial_model(U, Y, h, seed=3)
    X = HiddenStep(U, Y, h, lam).solve(model)
    step = ParameterStep(U, Y, h, lam, reg=1e-2)
    step.solve(X, model)
    v_ref = step.last_info["objective"]
    new = step.solve(X, model, solver="fast")
    assert objective(new, X, U, Y, lam, reg=1e-2) == pytest.approx(v_ref, rel=1e-6)


def test_fit_fast_is_monotone_and_accurate():
    data = load_split("iris", seed=1)
    res = idl_sdp.fit(data.U_train, data.Y_train, hidden=10, reg=1e-3, rounds=8,
                      solver="fast", tol=0)
    values = [res.initial_objective] + [r["objective"] for r in res.history]
    for before, after in zip(values, values[1:]):
        assert after <= before + 1e-7 * abs(before)
    acc = np.mean(res.model.predict(data.U_test).argmax(0) == data.y_test)
    assert acc >= 0.9


def test_dask_matches_serial_bit_for_bit():
    distributed = pytest.importorskip("distributed")
    from idl_sdp.fast.distributed import local_client

    data = load_split("digits", seed=0, max_samples=600)
    U, Y, h = data.U_train, data.Y_train, 8
    model = idl_sdp.initial_model(U, Y, h)
    step = HiddenStep(U, Y, h, 1.0)
    X_serial = step.solve(model, solver="fast")
    client = local_client(n_workers=2)
    try:
        # several block sizes, twice in a row with the same M (shared scattered data)
        for chunk in (97, 97, 13, 500):
            X_dask = step.solve(model, solver="fast", client=client, chunk_size=chunk)
            assert np.array_equal(X_serial, X_dask), chunk
        X_cvx = step.solve(model, solver="CLARABEL")
        serial = idl_sdp.fit(U, Y, h, reg=1e-2, rounds=2, solver="fast")
        dask = idl_sdp.fit(U, Y, h, reg=1e-2, rounds=2, solver="fast", client=client,
                           chunk_size=64)
    finally:
        client.close()
        client.cluster.close()
    J_cvx, J_dask = (objective(model, Z, U, Y, 1.0) for Z in (X_cvx, X_dask))
    assert abs(J_dask - J_cvx) <= 1e-6 * abs(J_cvx)
    assert all(getattr(serial.model, k).tobytes() == getattr(dask.model, k).tobytes()
               for k in "ABcDEf")
    assert isinstance(distributed.__version__, str)
