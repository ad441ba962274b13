"""Fenchel divergence and ImplicitModel: closed forms and round trips."""
import cvxpy as cp
import numpy as np
import pytest

import idl_sdp
from idl_sdp import EquilibriumError, ImplicitModel, fenchel_divergence, fenchel_divergence_expr
from conftest import random_model


def test_fenchel_nonnegative_and_zero_exactly_at_relu(rng):
    a = np.abs(rng.standard_normal(1000))
    b = 3 * rng.standard_normal(1000)
    F = fenchel_divergence(a, b)
    # F(a, b) >= ½(a − b₊)² >= 0 for a >= 0
    assert np.all(F >= 0.5 * (a - np.maximum(b, 0)) ** 2 - 1e-12)
    assert np.all(fenchel_divergence(np.maximum(b, 0), b) == 0.0)
    assert np.all(F[np.abs(a - np.maximum(b, 0)) > 1e-3] > 0)


def test_fenchel_closed_form_values():
    assert fenchel_divergence([2.0], [-1.0])[0] == pytest.approx(0.5 * 4 + 0 + 2.0)
    assert fenchel_divergence([1.0], [3.0])[0] == pytest.approx(0.5 + 4.5 - 3.0)


def test_fenchel_expr_matches_numpy(rng):
    a = np.abs(rng.standard_normal((3, 4)))
    b = rng.standard_normal((3, 4))
    z = cp.Variable((3, 4))
    expr = cp.sum(fenchel_divergence_expr(a, z))
    assert expr.is_convex()
    z.value = b
    assert expr.value == pytest.approx(fenchel_divergence(a, b).sum(), rel=1e-12)


def test_fenchel_rejects_bad_input():
    with pytest.raises(ValueError, match="same shape"):
        fenchel_divergence(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match="a must be finite"):
        fenchel_divergence([np.nan], [1.0])


def test_equilibrium_converges_when_contractive(rng):
    for trial in range(5):
        model = random_model(rng, n=4, h=6, p=2, norm2=0.3 + 0.13 * trial)
        U = rng.standard_normal((4, 50))
        X = model.hidden(U, tol=1e-12)
        residual = X - np.maximum(model.D @ X + model.E @ U + model.f[:, None], 0)
        assert np.max(np.abs(residual)) <= 1e-8
        assert np.all(X >= 0)


def test_equilibrium_unique_from_any_start(rng):
    model = random_model(rng, 3, 5, 2, norm2=0.9)
    U = rng.standard_normal((3, 20))
    X1 = model.hidden(U)
    X2 = model.hidden(U, x0=10 * np.abs(rng.standard_normal((5, 20))))
    np.testing.assert_allclose(X1, X2, atol=1e-8)


def test_equilibrium_divergence_is_reported():
    h = 3
    model = ImplicitModel(np.ones((1, h)), np.ones((1, 1)), [0.0], 1.5 * np.eye(h),
                          np.ones((h, 1)), np.ones(h))
    with pytest.raises(EquilibriumError, match="did not converge"):
        model.hidden(np.ones((1, 4)), max_iter=200)


def test_predict_matches_formula(rng):
    model = random_model(rng, 3, 4, 2)
    U = rng.standard_normal((3, 10))
    X = model.hidden(U)
    np.testing.assert_allclose(model.predict(U), model.A @ X + model.B @ U + model.c[:, None])


def test_well_posedness_numbers(rng):
    model = random_model(rng, 3, 6, 2, norm2=0.7)
    wp = model.well_posedness()
    assert set(wp) == {"norm2", "norm_inf", "pf"}
    assert wp["norm2"] == pytest.approx(0.7)
    assert wp["norm_inf"] == pytest.approx(np.abs(model.D).sum(1).max())
    # pf(|D|) ≤ ‖|D|‖ for any induced norm, and ‖|D|‖∞ = ‖D‖∞
    assert wp["pf"] <= wp["norm_inf"] + 1e-12


def test_save_load_bit_identical(tmp_path, rng):
    model = random_model(rng, 3, 4, 2)
    path = tmp_path / "m.npz"
    model.save(path)
    back = ImplicitModel.load(path)
    for k in "ABcDEf":
        assert getattr(back, k).tobytes() == getattr(model, k).tobytes()


def test_load_rejects_corrupt_files(tmp_path, rng):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip file")
    with pytest.raises(ValueError, match="not a readable model file"):
        ImplicitModel.load(bad)
    model = random_model(rng, 3, 4, 2)
    good = tmp_path / "good.npz"
    model.save(good)
    truncated = tmp_path / "trunc.npz"
    truncated.write_bytes(good.read_bytes()[:200])
    with pytest.raises(ValueError):
        ImplicitModel.load(truncated)
    wrong = tmp_path / "wrong.npz"
    np.savez(wrong, format_version=np.int64(99), **model.params())
    with pytest.raises(ValueError, match="format_version"):
        ImplicitModel.load(wrong)


@pytest.mark.parametrize("kwargs, match", [
    (dict(A=np.ones((2, 3))), "A must have shape"),
    (dict(B=np.ones((3, 4))), "B must have shape"),
    (dict(c=np.ones(3)), "c must have length"),
    (dict(D=np.ones((4, 3))), "D must be square"),
    (dict(E=np.ones((3, 4))), "E must have shape"),
    (dict(f=np.ones(2)), "f must have length"),
    (dict(D=np.full((4, 4), np.nan)), "D must be finite"),
])
def test_model_shape_checks(kwargs, match):
    base = dict(A=np.ones((2, 4)), B=np.ones((2, 3)), c=np.ones(2), D=np.zeros((4, 4)),
                E=np.ones((4, 3)), f=np.ones(4))
    base.update(kwargs)
    with pytest.raises(ValueError, match=match):
        ImplicitModel(**base)


def test_model_positional_and_attributes():
    m = ImplicitModel(np.ones((1, 2)), np.ones((1, 1)), [0.5], np.zeros((2, 2)),
                      np.ones((2, 1)), [0.0, 1.0])
    assert m.c.tolist() == [0.5] and m.f.tolist() == [0.0, 1.0]
    assert (m.n_inputs, m.n_hidden, m.n_outputs) == (1, 2, 1)
    with pytest.raises(ValueError, match="U must have shape"):
        m.hidden(np.ones((3, 5)))
    assert "ImplicitModel" in repr(m) and isinstance(idl_sdp.__version__, str)
