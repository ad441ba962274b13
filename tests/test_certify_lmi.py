"""certify_lmi: the user's own LMI F(x) = F₀ + Σ xᵢFᵢ, formed exactly and re-verified."""
from __future__ import annotations

import json

import cvxpy as cp
import numpy as np
import pytest

from idl_sdp.certify import certify_lmi, verify


def _write(cert, tmp_path, name="c.json"):
    path = tmp_path / name
    cert.to_json(path)
    return path


@pytest.mark.parametrize("n,m,seed", [(2, 1, 0), (5, 3, 1), (12, 6, 2), (30, 4, 3)])
def test_feasible_and_infeasible_points(tmp_path, n, m, seed):
    """F(x) = F₀ + Σ xᵢFᵢ with F₀ = −I, Fᵢ = GᵢGᵢᵀ (integers): at x = 0 it is −I
    (violated); at large x it is PSD iff Σ xᵢGᵢGᵢᵀ ⪰ I, which we make true by
    construction (G stacked has full row rank, x large)."""
    rng = np.random.default_rng(seed)
    G = [rng.integers(-2, 3, size=(n, n + 2)).astype(float) for _ in range(m)]
    F = [g @ g.T for g in G]
    F0 = -np.eye(n)
    bad = certify_lmi(F0, F, np.zeros(m), label="at zero")
    assert bad.status == "violated"
    lam = np.linalg.eigvalsh(sum(F))[0]
    assert lam > 0
    x = np.full(m, 2.0 / lam)
    good = certify_lmi(F0, F, x, label="feasible point")
    assert good.status == "certified"
    for cert, valid_holds in ((good, True), (bad, False)):
        res = verify(_write(cert, tmp_path))
        assert res.valid and res.holds is valid_holds


def test_exact_formation_decides_a_float_tie():
    """[[1, 1], [1, 1]]·x₁ − [[0, 0], [0, 2⁻⁶⁰]]: singular-ish only in exact arithmetic.
    With x₁ = 1 the matrix [[1, 1], [1, 1 − 2⁻⁶⁰]] has determinant −2⁻⁶⁰ < 0."""
    F0 = np.array([[0.0, 0.0], [0.0, -2.0 ** -60]])
    c = certify_lmi(F0, [np.ones((2, 2))], [1.0], label="tie")
    assert c.status == "violated"
    c = certify_lmi(np.zeros((2, 2)), [np.ones((2, 2))], [1.0], label="tie")
    assert c.status == "certified"                       # singular but PSD


def test_cvxpy_constraint_path(tmp_path):
    t = cp.Variable()
    X = cp.Variable((2, 2))
    con = cp.bmat([[t, 1], [1, t]]) + X >> 0
    X.value = np.zeros((2, 2))
    t.value = 1.0 + 2.0 ** -30
    assert certify_lmi(con, label="cvx").status == "certified"
    t.value = 1.0 - 2.0 ** -40
    cert = certify_lmi(con, label="cvx")
    assert cert.status == "violated"
    res = verify(_write(cert, tmp_path))
    assert res.valid and res.holds is False


def test_tampering_is_rejected(tmp_path):
    F0 = np.array([[1.0, 0.1], [0.1, 1.0]])
    F = [np.eye(2), np.array([[0.0, 1.0], [1.0, 0.0]])]
    cert = certify_lmi(F0, F, [0.1, 0.3], label="mine")
    path = _write(cert, tmp_path)
    assert verify(path).ok
    for edit in ("x", "F0", "label", "condition"):
        data = json.loads(path.read_text())
        if edit == "x":
            data["source"]["x"][1] = (0.9).hex()
        elif edit == "F0":
            data["source"]["F0"][0][0] = (0.5).hex()
        elif edit == "label":
            data["source"]["label"] = "someone else's LMI"
        else:
            data["condition"] = data["condition"] + " and more"
        bad = tmp_path / f"bad_{edit}.json"
        bad.write_text(json.dumps(data))
        assert not verify(bad).valid, edit


@pytest.mark.parametrize("kwargs,match", [
    ({"F0": np.ones((2, 3)), "F": [np.eye(2)], "x": [1.0]}, "F0"),
    ({"F0": np.eye(2), "F": [np.eye(3)], "x": [1.0]}, "F must"),
    ({"F0": np.eye(2), "F": [np.eye(2)], "x": [1.0, 2.0]}, "x must"),
    ({"F0": np.eye(2), "F": [np.array([[0.0, 1.0], [0.0, 0.0]])], "x": [1.0]},
     "symmetric"),
    ({"F0": np.eye(2), "F": [np.eye(2)], "x": [np.nan]}, "non-finite"),
    ({"F0": np.eye(2), "F": [np.eye(2)], "x": [1.0], "label": ""}, "label"),
    ({"F0": np.eye(2)}, "required"),
])
def test_bad_input(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        certify_lmi(**kwargs)


def test_constraint_without_values():
    t = cp.Variable()
    with pytest.raises(ValueError, match="no value"):
        certify_lmi(cp.bmat([[t, 1], [1, t]]) >> 0)
