"""Diagnostic plots of a training run (requires matplotlib: ``pip install "idl_sdp[plot]"``).

Every function returns a :class:`matplotlib.figure.Figure` and, given ``path``, also
writes it there (the format follows the file extension; PNG for ``.png``). Figures
are created without :mod:`matplotlib.pyplot` and rendered with the Agg backend, so
nothing here changes the global backend, opens a window or accumulates open
figures; display a returned figure in a notebook with ``display(fig)`` (or as the
cell's value), or save it.

Arrays follow the formulation's orientation: one column per sample, ``U`` of shape
``(n, m)`` and relaxed hidden states ``X`` of shape ``(h, m)``.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Union

import numpy as np

from ._validation import as_matrix, check_lam, check_same_columns
from .driver import FitResult
from .fenchel import fenchel_divergence
from .model import ImplicitModel

__all__ = ["plot_history", "plot_divergence", "plot_relaxed_vs_equilibrium", "save_all"]

PathLike = Union[str, "os.PathLike[str]"]

#: File names written by :func:`save_all`, in the order of the returned paths.
SAVE_ALL_NAMES = ("history.png", "divergence.png", "relaxed_vs_equilibrium.png")


def _new_figure(nrows: int = 1, ncols: int = 1, figsize=(6.4, 4.8)):
    """A pyplot-free Figure on an Agg canvas, and its axes (always a flat list)."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError(
            "idl_sdp.plots needs matplotlib, an optional dependency: "
            'install it with `pip install "idl_sdp[plot]"` (or `pip install matplotlib`)'
        ) from exc
    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, list(axes.ravel())


def _save(fig: Any, path: Optional[PathLike]) -> None:
    if path is None:
        return
    if isinstance(path, (bytes, bool)) or not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
    try:
        fig.savefig(os.fspath(path), dpi=100)
    except ValueError as exc:  # e.g. an extension matplotlib cannot write
        raise ValueError(f"path {os.fspath(path)!r}: {exc}") from None


def _check_model(model: Any) -> ImplicitModel:
    if not isinstance(model, ImplicitModel):
        raise TypeError(f"model must be an ImplicitModel, got {type(model).__name__}")
    return model


def _history_of(result: Any) -> List[Dict[str, Any]]:
    """The per-round records of a FitResult, a fitted estimator or a history list."""
    if isinstance(result, FitResult):
        history = result.history
    elif hasattr(result, "fit_result_") and isinstance(result.fit_result_, FitResult):
        history = result.fit_result_.history
    elif isinstance(result, Sequence) and not isinstance(result, (str, bytes)) and all(
        isinstance(r, dict) for r in result
    ):
        history = list(result)
    else:
        raise TypeError(
            "result must be a FitResult, a fitted idl_sdp estimator or a list of history "
            f"dicts, got {type(result).__name__}"
        )
    # A round that failed (recorded before SolverError) carries no objective values.
    rounds = [r for r in history if "J" in r]
    if not rounds:
        raise ValueError("result has no completed round to plot (empty history)")
    return rounds


def plot_history(result: Any, path: Optional[PathLike] = None):
    """The training history, round by round, on four panels.

    * J and its two parts, the loss and the λ-weighted mean divergence (log scale;
      non-positive values, possible at solver tolerance, are not drawn);
    * the wall-clock seconds of the X-step and of the Θ-step;
    * ‖D‖₂ with the bound 1 (well-posedness);
    * λ_min(M), the smallest eigenvalue of the X-step's convexity matrix.

    Parameters
    ----------
    result : FitResult, fitted estimator or list of dict
        What :func:`idl_sdp.fit` returned, an :class:`~idl_sdp.estimators.ImplicitRegressor`
        / :class:`~idl_sdp.estimators.ImplicitClassifier` after ``fit`` or its
        ``history_``.
    path : str or os.PathLike, optional
        Where to save the figure.

    Returns
    -------
    matplotlib.figure.Figure
        With four axes.

    Raises
    ------
    TypeError
        ``result`` of another type.
    ValueError
        No completed round in the history, or a ``path`` extension matplotlib cannot
        write.
    OSError
        ``path`` cannot be written (e.g. its directory does not exist).
    """
    history = _history_of(result)
    fig, (ax_j, ax_t, ax_d, ax_m) = _new_figure(2, 2, figsize=(10, 7))
    rounds = np.array([r.get("round", i + 1) for i, r in enumerate(history)])

    def series(key: str) -> np.ndarray:
        try:
            return np.array([float(r.get(key, np.nan)) for r in history])
        except (TypeError, ValueError):
            raise TypeError(f"result: every history value of {key!r} must be a number, got "
                            f"{[r.get(key) for r in history]!r}"[:200]) from None

    for key, label in (("J", "J"), ("loss", "loss"), ("mean_divergence", "mean divergence")):
        ax_j.plot(rounds, series(key), marker="o", label=label)
    ax_j.set_yscale("log", nonpositive="mask")
    ax_j.set_title("relaxed objective J = loss + mean divergence")
    ax_j.legend()
    for key, label in (("x_step_seconds", "X-step"), ("theta_step_seconds", "Θ-step")):
        ax_t.plot(rounds, series(key), marker="o", label=label)
    ax_t.set_title("step time")
    ax_t.set_ylabel("seconds")
    ax_t.set_ylim(bottom=0)
    ax_t.legend()
    ax_d.plot(rounds, series("norm2_D"), marker="o", color="C3")
    ax_d.axhline(1.0, color="0.5", linestyle="--", linewidth=1)
    ax_d.set_title("‖D‖₂ (well-posed below 1)")
    ax_m.plot(rounds, series("lambda_min_M"), marker="o", color="C4")
    ax_m.axhline(0.0, color="0.5", linestyle="--", linewidth=1)
    ax_m.set_title("λ_min(M) (X-step convex at ≥ 0)")
    from matplotlib.ticker import MaxNLocator

    for ax in (ax_j, ax_t, ax_d, ax_m):
        ax.set_xlabel("round")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(True, alpha=0.3)
    _save(fig, path)
    return fig


def _checked_states(model: ImplicitModel, X: Any, U: Any):
    model = _check_model(model)
    U = as_matrix(U, "U", shape=(model.n_inputs, None))
    X = as_matrix(X, "X", shape=(model.n_hidden, None))
    check_same_columns([("U", U), ("X", X)])
    return model, X, U


def plot_divergence(model: ImplicitModel, X: Any, U: Any, lam: Any,
                    path: Optional[PathLike] = None):
    """The Fenchel divergence per hidden unit: a bar of mean_k F(X_jk, Z_jk) per unit j.

    ``Z = D X + E U + f 1ᵀ``; a unit whose bar is zero has relaxed states exactly at
    its ReLU equilibrium given the others. The title gives Σ_j λ_j·mean_k F_jk, the
    divergence term of J (``mean_divergence`` in the history).

    Parameters
    ----------
    model : ImplicitModel
    X : array_like, shape (h, m)
        Relaxed hidden states (``FitResult.X``).
    U : array_like, shape (n, m)
        The inputs ``X`` belongs to, one column per sample.
    lam : float or array_like of shape (h,)
        The multipliers (``FitResult.lam``).
    path : str or os.PathLike, optional
        Where to save the figure.

    Returns
    -------
    matplotlib.figure.Figure
        With one axis.

    Raises
    ------
    TypeError, ValueError
        A ``model`` that is not an ImplicitModel, arrays of the wrong shape or with
        NaN/inf, a negative or wrongly sized ``lam``.
    OSError
        ``path`` cannot be written (e.g. its directory does not exist).
    """
    model, X, U = _checked_states(model, X, U)
    lam = check_lam(lam, model.n_hidden)
    Z = model.D @ X + model.E @ U + model.f[:, None]
    per_unit = fenchel_divergence(X, Z).mean(axis=1)
    fig, (ax,) = _new_figure()
    units = np.arange(model.n_hidden)
    ax.bar(units, per_unit, color="C0")
    ax.set_xlabel("hidden unit j")
    ax.set_ylabel("mean over samples of F(X_j, Z_j)")
    ax.set_title(f"Fenchel divergence per unit (Σ λ_j·mean F_j = {float(lam @ per_unit):.3g})")
    if model.n_hidden <= 30:
        ax.set_xticks(units)
    ax.grid(True, axis="y", alpha=0.3)
    _save(fig, path)
    return fig


def plot_relaxed_vs_equilibrium(model: ImplicitModel, X: Any, U: Any,
                                path: Optional[PathLike] = None):
    """Scatter of the relaxed hidden states against the equilibrium ones.

    Each point is one entry (unit j, sample k): horizontally the equilibrium
    ``x = (D x + E u + f)₊`` of ``model`` at ``U[:, k]``, vertically the relaxed
    ``X[j, k]``. On the diagonal the relaxation is tight.

    Parameters
    ----------
    model : ImplicitModel
    X : array_like, shape (h, m)
        Relaxed hidden states (``FitResult.X``).
    U : array_like, shape (n, m)
        The inputs ``X`` belongs to, one column per sample.
    path : str or os.PathLike, optional
        Where to save the figure.

    Returns
    -------
    matplotlib.figure.Figure
        With one axis.

    Raises
    ------
    TypeError, ValueError
        A ``model`` that is not an ImplicitModel, or arrays of the wrong shape or
        with NaN/inf.
    OSError
        ``path`` cannot be written (e.g. its directory does not exist).
    """
    model, X, U = _checked_states(model, X, U)
    X_eq = model.hidden(U)
    fig, (ax,) = _new_figure(figsize=(5.6, 5.2))
    ax.scatter(X_eq.ravel(), X.ravel(), s=8, alpha=0.5)
    lo = float(min(X_eq.min(), X.min(), 0.0))
    hi = float(max(X_eq.max(), X.max(), lo + 1e-12))
    ax.plot([lo, hi], [lo, hi], color="0.4", linestyle="--", linewidth=1, label="x = X")
    gap = float(np.max(np.abs(X - X_eq)))
    ax.set_xlabel("equilibrium x")
    ax.set_ylabel("relaxed X")
    ax.set_title(f"relaxed vs equilibrium hidden states (max |X − x| = {gap:.3g})")
    ax.legend(loc="upper left")
    ax.grid(True, alpha=0.3)
    _save(fig, path)
    return fig


def save_all(result: FitResult, U: Any, outdir: PathLike) -> List[Path]:
    """Write the three diagnostic plots of a fit as PNG files into ``outdir``.

    Parameters
    ----------
    result : FitResult
        What :func:`idl_sdp.fit` returned (for an estimator pass ``est.fit_result_``
        and the *standardized* training inputs ``est.scaler_.transform(X).T``).
    U : array_like, shape (n, m)
        The training inputs ``result`` was fitted on, one column per sample.
    outdir : str or os.PathLike
        Directory, created if missing.

    Returns
    -------
    list of pathlib.Path
        ``history.png``, ``divergence.png`` and ``relaxed_vs_equilibrium.png`` in
        ``outdir`` (:data:`SAVE_ALL_NAMES`).

    Raises
    ------
    TypeError
        ``result`` not a FitResult, or ``outdir`` not a path.
    ValueError
        ``U`` not matching the fit (shape, NaN/inf), or an empty history.
    OSError
        ``outdir`` cannot be created or a file in it cannot be written.
    """
    if not isinstance(result, FitResult):
        raise TypeError(f"result must be a FitResult, got {type(result).__name__}")
    if isinstance(outdir, (bytes, bool)) or not isinstance(outdir, (str, os.PathLike)):
        raise TypeError(f"outdir must be a str or os.PathLike, got {type(outdir).__name__}")
    _history_of(result)
    _checked_states(result.model, result.X, U)
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / name for name in SAVE_ALL_NAMES]
    plot_history(result, paths[0])
    plot_divergence(result.model, result.X, U, result.lam, paths[1])
    plot_relaxed_vs_equilibrium(result.model, result.X, U, paths[2])
    return paths
