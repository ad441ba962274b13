"""fit(reg="auto") reports each candidate fit through reg_callback; "AUTO" is accepted."""
import numpy as np
import pytest

from idl_sdp import fit


def _data(m=24, seed=0):
    rng = np.random.default_rng(seed)
    U = rng.standard_normal((3, m))
    Y = np.tanh(U[:1] - 0.5 * U[1:2])
    return U, Y


@pytest.mark.parametrize("folds", [1, 2])
def test_reg_callback_sees_every_candidate(folds):
    U, Y = _data()
    grid = (1e-3, 1e-1)
    seen = []
    res = fit(U, Y, 2, reg="AUTO", reg_grid=grid, reg_folds=folds, reg_rounds=2, rounds=2,
              solver="fast", reg_callback=seen.append)
    assert [r["candidate"] for r in seen] == list(range(1, len(grid) * folds + 1))
    assert all(r["of"] == len(grid) * folds for r in seen)
    assert sorted({r["reg"] for r in seen}) == list(grid)
    assert sorted({r["fold"] for r in seen}) == list(range(folds))
    assert all(np.isfinite(r["val_mse"]) and r["seconds"] >= 0 for r in seen)
    # the path fit returns is the mean over the folds of what the callback saw
    for p in res.reg_path:
        mine = [r["val_mse"] for r in seen if r["reg"] == p["reg"]]
        assert p["val_mse"] == pytest.approx(np.mean(mine), rel=1e-12)
    assert res.reg in grid


def test_reg_callback_must_be_callable():
    U, Y = _data()
    with pytest.raises(TypeError, match="reg_callback"):
        fit(U, Y, 2, reg="auto", reg_callback=3, rounds=1)


def test_reg_auto_case_insensitive_and_other_strings_refused():
    U, Y = _data()
    with pytest.raises(ValueError, match="reg"):
        fit(U, Y, 2, reg="automatic", rounds=1)
