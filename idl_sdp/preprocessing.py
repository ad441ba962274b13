"""Target encoding and standardization: the one implementation used everywhere.

:class:`~idl_sdp.estimators.ImplicitClassifier` / :class:`~idl_sdp.estimators.ImplicitRegressor`,
the ``idl-sdp`` command line and :func:`idl_sdp.datasets.load_split` prepare their data
with these functions, so the three agree to the bit.

Samples are **rows** here (scikit-learn's orientation, ``X`` of shape (m, n)); transpose
for :func:`idl_sdp.fit`.

Classification
    :func:`encode_labels` sorts the distinct labels (:func:`numpy.unique`: numbers by
    value, strings lexicographically) and one-hot encodes them, one output per class
    (also for two classes); :func:`one_hot` encodes other labels against those classes
    (a label not among them gets a zero row) and :func:`decode_scores` maps outputs back
    to the class with the largest one.

Standardization
    ``z = (v − mean) / scale`` per column, with the mean and the (population, ``ddof=0``)
    standard deviation of the training data. **Constant columns**: a column whose
    standard deviation is at most :data:`CONSTANT_RTOL` ``· max(1, |mean|)`` is treated
    as constant and gets ``scale = 1`` (it is only centred), so a constant target is
    fitted exactly and a constant feature becomes a zero input. The same rule applies to
    targets (:func:`fit_standardization`) and to inputs (:func:`fit_input_scaler`, a
    :class:`~sklearn.preprocessing.StandardScaler` whose ``scale_`` follows this rule;
    it equals scikit-learn's own ``scale_`` bit for bit on every column that is not
    nearly constant). :func:`unstandardize` is the inverse and
    :func:`fold_standardization` folds both maps into a model, so that it works on raw
    inputs and predicts in the target's units.
"""
from __future__ import annotations

from typing import Any, Tuple

import numpy as np

__all__ = [
    "CONSTANT_RTOL", "constant_safe_scale", "encode_labels", "one_hot", "decode_scores",
    "fit_standardization", "standardize", "unstandardize", "fit_input_scaler",
    "fold_standardization",
]

#: Relative spread at or below which a column counts as constant (scale 1).
CONSTANT_RTOL = 1e-12


# ------------------------------------------------------------------ classes
def encode_labels(y: Any) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sorted classes, one-hot rows and integer codes of the labels ``y``.

    Parameters
    ----------
    y : array_like of shape (m,)
        Class labels (any sortable values).

    Returns
    -------
    classes : ndarray of shape (k,)
        The distinct labels, sorted; output ``j`` of a model is class ``classes[j]``.
    T : ndarray of shape (m, k)
        ``T[i, j] = 1`` if sample ``i`` is of class ``classes[j]``, else 0.
    codes : ndarray of int, shape (m,)
        ``classes[codes] == y``.
    """
    classes, codes = np.unique(np.asarray(y), return_inverse=True)
    codes = codes.reshape(-1)
    T = (codes[:, None] == np.arange(classes.shape[0])[None, :]).astype(np.float64)
    return classes, T, codes


def one_hot(y: Any, classes: Any) -> np.ndarray:
    """One-hot rows of labels ``y`` over ``classes`` (zero row for an unknown label)."""
    y = np.asarray(y).reshape(-1)
    classes = np.asarray(classes).reshape(-1)
    return (y[:, None] == classes[None, :]).astype(np.float64)


def decode_scores(scores: Any, classes: Any) -> np.ndarray:
    """The class of the largest output of each row of ``scores`` (m, k)."""
    return np.asarray(classes)[np.argmax(np.asarray(scores), axis=1)]


# ---------------------------------------------------------- standardization
def constant_safe_scale(mean: Any, std: Any) -> np.ndarray:
    """``std`` with 1 where the column is constant (``std ≤ CONSTANT_RTOL·max(1, |mean|)``)."""
    mean = np.asarray(mean, dtype=np.float64)
    scale = np.array(std, dtype=np.float64, copy=True)
    scale[~(scale > CONSTANT_RTOL * np.maximum(1.0, np.abs(mean)))] = 1.0
    return scale


def fit_standardization(V: Any) -> Tuple[np.ndarray, np.ndarray]:
    """Per-column ``mean`` and ``scale`` of ``V`` (m, p) under the constant-column rule.

    Non-finite means or standard deviations (an overflow of the data) are returned
    as they are; callers check them (the estimators raise naming ``y``).
    """
    V = np.asarray(V, dtype=np.float64)
    if V.ndim == 1:
        V = V.reshape(-1, 1)
    with np.errstate(over="ignore", invalid="ignore"):
        mean = V.mean(axis=0)
        std = V.std(axis=0)
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(std))):
        return mean, std
    return mean, constant_safe_scale(mean, std)


def standardize(V: Any, mean: Any, scale: Any) -> np.ndarray:
    """``(V − mean) / scale`` (broadcast over rows)."""
    return (np.asarray(V, dtype=np.float64) - mean) / scale


def unstandardize(Z: Any, mean: Any, scale: Any) -> np.ndarray:
    """The inverse of :func:`standardize`: ``Z · scale + mean``."""
    return np.asarray(Z, dtype=np.float64) * scale + mean


def fit_input_scaler(X: Any):
    """A fitted :class:`~sklearn.preprocessing.StandardScaler` for inputs ``X`` (m, n).

    Its ``scale_`` follows the constant-column rule of this module (see the module
    docstring); ``transform`` / ``inverse_transform`` are scikit-learn's.
    """
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(X)
    if np.all(np.isfinite(scaler.scale_)) and np.all(np.isfinite(scaler.mean_)):
        scaler.scale_ = constant_safe_scale(scaler.mean_, np.sqrt(scaler.var_))
    return scaler


def fold_standardization(model, mean: Any, scale: Any, y_mean: Any = None,
                         y_scale: Any = None):
    r"""The model on raw inputs (and raw targets) of a model trained on standardized ones.

    With :math:`u_s = (u - \mu)/\sigma` (elementwise) and :math:`y = s\,y_s + t`, a model
    :math:`y_s = A x + B u_s + c`, :math:`x = (D x + E u_s + f)_+` equals

    .. math::
       y = (sA) x + (s B \operatorname{diag}(1/\sigma)) u + s(c - B(\mu/\sigma)) + t,
       \qquad x = (D x + E \operatorname{diag}(1/\sigma) u + f - E(\mu/\sigma))_+ ,

    the same equilibrium ``x`` for every input. ``D`` is unchanged, so are ‖D‖₂ and
    every well-posedness number. ``A`` is scaled by ``s``, so
    :math:`A^TA + \Lambda - \Lambda D - D^T\Lambda` of the folded model with
    multipliers :math:`s^2\lambda` is exactly :math:`s^2` times that of the trained
    model with :math:`\lambda` (for a single output, ``s`` a scalar).

    Parameters
    ----------
    model : ImplicitModel
        Trained on standardized inputs (and targets).
    mean, scale : array_like, shape (n,)
        Input standardization: ``u_s = (u − mean) / scale``.
    y_mean, y_scale : array_like, shape (p,), optional
        Target standardization ``y_s = (y − y_mean) / y_scale`` (default none).

    Returns
    -------
    ImplicitModel
    """
    from .model import ImplicitModel

    mean = np.asarray(mean, dtype=np.float64).reshape(-1)
    scale = np.asarray(scale, dtype=np.float64).reshape(-1)
    p = model.n_outputs
    s = np.ones(p) if y_scale is None else np.broadcast_to(
        np.asarray(y_scale, dtype=np.float64), (p,))
    t = np.zeros(p) if y_mean is None else np.broadcast_to(
        np.asarray(y_mean, dtype=np.float64), (p,))
    B = model.B / scale[None, :]
    E = model.E / scale[None, :]
    return ImplicitModel(
        A=s[:, None] * model.A, B=s[:, None] * B, c=s * (model.c - B @ mean) + t,
        D=model.D, E=E, f=model.f - E @ mean)

