"""Diagnostic plots: files written as valid PNGs, axes per figure, input errors."""
import sys

import numpy as np
import pytest

pytest.importorskip("matplotlib")

import idl_sdp  # noqa: E402
from idl_sdp import plots  # noqa: E402
from idl_sdp.datasets import load_split  # noqa: E402
from idl_sdp.estimators import ImplicitRegressor  # noqa: E402

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def trained():
    data = load_split("iris", seed=0)
    result = idl_sdp.fit(data.U_train, data.Y_train, hidden=4, rounds=3, reg=1e-2)
    return result, data.U_train


def _is_png(path):
    with open(path, "rb") as fh:
        return fh.read(8) == PNG_SIGNATURE


def test_plot_history_axes_and_png(trained, tmp_path):
    result, _ = trained
    path = tmp_path / "history.png"
    fig = plots.plot_history(result, path)
    assert len(fig.axes) == 4
    assert _is_png(path)
    ax_j = fig.axes[0]
    assert ax_j.get_yscale() == "log"
    assert len(ax_j.get_lines()) == 3  # J, loss, mean divergence
    np.testing.assert_allclose(ax_j.get_lines()[0].get_ydata(),
                               [r["J"] for r in result.history])
    assert len(fig.axes[1].get_lines()) == 2  # X-step and Θ-step seconds


def test_plot_history_without_path_writes_nothing(trained, tmp_path):
    result, _ = trained
    fig = plots.plot_history(result)
    assert len(fig.axes) == 4
    assert list(tmp_path.iterdir()) == []


def test_plot_history_accepts_history_list_and_estimator(trained):
    result, U = trained
    assert len(plots.plot_history(result.history).axes) == 4
    est = ImplicitRegressor(hidden=2, rounds=2, reg=1e-2).fit(U.T[:30], U[0, :30])
    fig = plots.plot_history(est)
    assert len(fig.axes[0].get_lines()[0].get_xdata()) == est.n_iter_


def test_plot_divergence(trained, tmp_path):
    result, U = trained
    path = tmp_path / "div.png"
    fig = plots.plot_divergence(result.model, result.X, U, result.lam, path=str(path))
    assert len(fig.axes) == 1
    assert _is_png(path)
    heights = [p.get_height() for p in fig.axes[0].patches]
    assert len(heights) == result.model.n_hidden
    assert np.all(np.array(heights) >= -1e-9)
    # the λ-weighted sum of the bars is the divergence term of J
    lam_weighted = float(np.dot(result.lam, heights))
    assert lam_weighted == pytest.approx(result.history[-1]["mean_divergence"], rel=1e-9)


def test_plot_relaxed_vs_equilibrium(trained, tmp_path):
    result, U = trained
    path = tmp_path / "scatter.png"
    fig = plots.plot_relaxed_vs_equilibrium(result.model, result.X, U, path=path)
    assert len(fig.axes) == 1
    assert _is_png(path)
    offsets = fig.axes[0].collections[0].get_offsets()
    assert offsets.shape == (result.X.size, 2)


def test_save_all(trained, tmp_path):
    result, U = trained
    outdir = tmp_path / "new" / "dir"
    paths = plots.save_all(result, U, outdir)
    assert [p.name for p in paths] == list(plots.SAVE_ALL_NAMES)
    for p in paths:
        assert p.parent == outdir
        assert p.stat().st_size > 1000
        assert _is_png(p)


def test_bad_inputs(trained, tmp_path):
    result, U = trained
    model, X = result.model, result.X
    with pytest.raises(TypeError, match="result"):
        plots.plot_history("history")
    with pytest.raises(TypeError, match="result"):
        plots.plot_history(42)
    with pytest.raises(ValueError, match="history"):
        plots.plot_history([])
    with pytest.raises(TypeError, match="model"):
        plots.plot_divergence(object(), X, U, 1.0)
    with pytest.raises(ValueError, match="U"):
        plots.plot_divergence(model, X, U[:2], 1.0)
    with pytest.raises(ValueError, match="one column per sample"):
        plots.plot_relaxed_vs_equilibrium(model, X[:, :10], U)
    with pytest.raises(ValueError, match="lam"):
        plots.plot_divergence(model, X, U, -1.0)
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="finite"):
        plots.plot_relaxed_vs_equilibrium(model, bad, U)
    with pytest.raises(TypeError, match="path"):
        plots.plot_history(result, path=3)
    with pytest.raises(TypeError, match="result"):
        plots.save_all(result.history, U, tmp_path)
    with pytest.raises(ValueError, match="U"):
        plots.save_all(result, U.T, tmp_path / "x")
    assert not (tmp_path / "x").exists()


def test_missing_matplotlib_gives_clear_import_error(trained, monkeypatch):
    result, _ = trained
    for name in ("matplotlib", "matplotlib.figure", "matplotlib.backends.backend_agg"):
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(ImportError, match=r"idl_sdp\[plot\]"):
        plots.plot_history(result)
