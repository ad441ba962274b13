"""scikit-learn estimators around :func:`idl_sdp.fit`.

:class:`ImplicitRegressor` and :class:`ImplicitClassifier` follow scikit-learn's
conventions: ``X`` has **one row per sample**, shape ``(n_samples, n_features)``,
and ``y`` one entry (or row) per sample. Internally the data are transposed to the
formulation's orientation (one column per sample, ``U`` of shape ``(n, m)``) and
trained with :func:`idl_sdp.fit`; the fitted :class:`~idl_sdp.ImplicitModel` works in
that orientation and in the *standardized* units (see ``standardize``).

Both estimators pass every applicable check of
:func:`sklearn.utils.estimator_checks.check_estimator`; no check is expected to fail.
"""
from __future__ import annotations

import numbers
from typing import Any, Dict, List, Optional

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ._validation import check_finite_result, check_squares_finite
from .driver import FitResult
from .driver import fit as _fit
from .model import ImplicitModel

__all__ = [
    "ImplicitRegressor",
    "ImplicitClassifier",
    "SMALL_DATA_REG",
    "AUTO_REG_MIN_SAMPLES",
]

#: Fewest samples with which ``reg="auto"`` can run (:func:`idl_sdp.fit` needs 8
#: for its internal 75/25 validation split).
AUTO_REG_MIN_SAMPLES = 8

#: Ridge strength used instead of ``reg="auto"`` when there are fewer than
#: :data:`AUTO_REG_MIN_SAMPLES` training samples.
SMALL_DATA_REG = 1e-2


def _seed_from(random_state: Any) -> int:
    """The non-negative integer seed handed to :func:`idl_sdp.fit`.

    A non-negative ``int`` is used as is; ``None`` or a
    :class:`numpy.random.RandomState` draws a seed from that generator (so
    ``None`` gives a different fit on each call, as in scikit-learn).
    """
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if random_state < 0:
            raise ValueError(f"random_state must be a non-negative integer, got {random_state}")
        return int(random_state)
    try:
        rng = check_random_state(random_state)
    except ValueError:
        raise ValueError(
            "random_state must be None, a non-negative integer or a "
            f"numpy.random.RandomState, got {random_state!r}"
        ) from None
    return int(rng.randint(0, 2**31 - 1))


class _ImplicitBase(BaseEstimator):
    """Parameters, fitting and the forward pass shared by both estimators."""

    def __init__(
        self,
        hidden: int = 10,
        lam: Any = 1.0,
        rounds: int = 20,
        tol: float = 1e-6,
        lmi: str = "linearized",
        eps: float = 0.05,
        reg: Any = "auto",
        solver: str = "CLARABEL",
        random_state: Any = 0,
        standardize: bool = True,
        dual_step: Optional[float] = None,
    ) -> None:
        self.hidden = hidden
        self.lam = lam
        self.rounds = rounds
        self.tol = tol
        self.lmi = lmi
        self.eps = eps
        self.reg = reg
        self.solver = solver
        self.random_state = random_state
        self.standardize = standardize
        self.dual_step = dual_step

    # ---------------------------------------------------------------- fitting
    def _validate_X_y(self, X: Any, y: Any, *, multi_output: bool):
        if not isinstance(self.standardize, (bool, np.bool_)):
            raise TypeError(
                f"standardize must be a bool, got {type(self.standardize).__name__} "
                f"{self.standardize!r}"
            )
        X, y = validate_data(
            self, X, y, dtype=np.float64, multi_output=multi_output,
            y_numeric=multi_output, ensure_min_samples=1,
        )
        check_squares_finite(X, "X")
        if multi_output:
            check_squares_finite(np.asarray(y, dtype=np.float64), "y")
        return X, y

    def _effective_reg(self, n_samples: int) -> Any:
        reg = self.reg
        if isinstance(reg, str) and reg == "auto" and n_samples < AUTO_REG_MIN_SAMPLES:
            return SMALL_DATA_REG
        return reg

    def _fit_targets(self, X: np.ndarray, T: np.ndarray) -> None:
        """Scale ``X`` (rows = samples), fit ``T`` of shape (m, p); set fitted attributes."""
        if self.standardize:
            self.scaler_: Optional[StandardScaler] = StandardScaler().fit(X)
            Xs = self.scaler_.transform(X)
        else:
            self.scaler_ = None
            Xs = X
        result = _fit(
            Xs.T, T.T, self.hidden, lam=self.lam, rounds=self.rounds, tol=self.tol,
            lmi=self.lmi, eps=self.eps, reg=self._effective_reg(X.shape[0]),
            solver=self.solver, seed=_seed_from(self.random_state),
            dual_step=self.dual_step,
        )
        self.fit_result_: FitResult = result
        self.model_: ImplicitModel = result.model
        self.history_: List[Dict[str, Any]] = result.history
        self.n_iter_: int = result.n_rounds
        self.reg_: float = float(result.reg)
        self.lam_: np.ndarray = np.asarray(result.lam, dtype=float)

    # ---------------------------------------------------------- forward pass
    def _transform_inputs(self, X: Any) -> np.ndarray:
        """Validated (and standardized) inputs in the formulation's orientation, (n, m)."""
        check_is_fitted(self, "model_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        if self.scaler_ is not None:
            X = self.scaler_.transform(X)
        return X.T

    def _outputs(self, X: Any) -> np.ndarray:
        """Equilibrium outputs ``A x + B u + c`` with rows = samples, shape (m, p)."""
        U = self._transform_inputs(X)
        return self.model_.predict(U).T

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.input_tags.sparse = False
        return tags


class ImplicitRegressor(RegressorMixin, _ImplicitBase):
    """Implicit-model regression trained through the biconvex SDP relaxation.

    Predicts ``y = A x + B u + c`` with the equilibrium hidden state
    ``x = (D x + E u + f)₊``, the parameters trained by :func:`idl_sdp.fit`.

    ``X`` has one row per sample (scikit-learn's convention); the estimator
    transposes it to the formulation's one-column-per-sample orientation.

    Parameters
    ----------
    hidden : int, default 10
        Number of hidden units h.
    lam : float or array_like of shape (hidden,), default 1.0
        Multipliers λ ≥ 0, not all zero, of the Fenchel-divergence relaxation.
    rounds : int, default 20
        Maximum number of alternating rounds.
    tol : float, default 1e-6
        Stop when the objective decreases by less than ``tol`` (relative) in a round.
    lmi : {"linearized", "eq5", "schur"}, default "linearized"
        The convex condition imposed by the Θ-step (see :mod:`idl_sdp.lmi`).
    eps : float in (0, 1), default 0.05
        Well-posedness margin, ‖D‖₂ ≤ 1 − eps.
    reg : float or "auto", default "auto"
        Ridge strength on (A, B, D, E). ``"auto"`` chooses it from
        :data:`idl_sdp.driver.REG_GRID` on an internal validation split; with
        fewer than :data:`AUTO_REG_MIN_SAMPLES` (8) samples, where that split is
        impossible, :data:`SMALL_DATA_REG` (1e-2) is used instead. The value used
        is stored in ``reg_``.
    solver : {"CLARABEL", "SCS", "fast"}, default "CLARABEL"
        Solver of both steps (see :func:`idl_sdp.fit`).
    random_state : int, RandomState instance or None, default 0
        Seed of the initial model and of the ``reg="auto"`` split. A
        non-negative int is passed to :func:`idl_sdp.fit` as ``seed``; ``None``
        or a ``RandomState`` draws the seed from that generator.
    standardize : bool, default True
        Standardize the inputs (a :class:`~sklearn.preprocessing.StandardScaler`
        fitted in :meth:`fit`) and the targets (per output: mean 0, standard
        deviation 1; a constant target gets scale 1), and map predictions back to
        the units of ``y``. The relaxation weighs the squared loss against
        ``λ·F``; targets in units of hundreds would make ``λ = 1`` negligible, so
        leave this on unless the data are already on a unit scale.
    dual_step : float, optional
        Step of the dual ascent on λ between rounds (see :func:`idl_sdp.fit`).

    Attributes
    ----------
    model_ : ImplicitModel
        The trained model, in the standardized units and the one-column-per-sample
        orientation: ``model_.predict(scaler_.transform(X).T).T * y_scale_ + y_mean_``
        equals :meth:`predict` (for a 2-D ``y``).
    fit_result_ : FitResult
        Everything :func:`idl_sdp.fit` returned (relaxed states ``X``, ``reg_path``, ...).
    history_ : list of dict
        One record per alternating round (``J``, ``objective``, ``loss``,
        ``mean_divergence``, step times, ``lambda_min_M``, ``norm2_D``, ...).
    n_iter_ : int
        Number of alternating rounds run.
    reg_ : float
        The ridge strength used.
    lam_ : ndarray of shape (hidden,)
        Final multipliers.
    scaler_ : StandardScaler or None
        The input scaler (``None`` when ``standardize=False``).
    y_mean_, y_scale_ : ndarray of shape (n_outputs,)
        Target standardization (zeros and ones when ``standardize=False``).
    n_outputs_ : int
        Number of targets.
    n_features_in_ : int
        Number of features seen in :meth:`fit`.
    feature_names_in_ : ndarray of str
        Feature names, when ``X`` had string column names.

    Notes
    -----
    Every applicable check of ``check_estimator`` passes; none is expected to
    fail (see the documentation page *scikit-learn estimators*). Fitting solves
    two conic problems per round, so a fit is far slower than a ridge regression;
    use small ``hidden`` and ``rounds`` and a fixed ``reg`` inside grid searches.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from idl_sdp.estimators import ImplicitRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> est = ImplicitRegressor(hidden=5, rounds=5, reg=1e-2).fit(X[:200], y[:200])
    >>> est.predict(X[200:205]).shape
    (5,)
    """

    def fit(self, X: Any, y: Any) -> "ImplicitRegressor":
        """Fit the implicit model.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : array_like of shape (n_samples,) or (n_samples, n_outputs)

        Returns
        -------
        self
        """
        X, y = self._validate_X_y(X, y, multi_output=True)
        y = np.asarray(y, dtype=np.float64)
        self._y_ndim = y.ndim
        Y = y.reshape(-1, 1) if y.ndim == 1 else y
        self.n_outputs_ = Y.shape[1]
        if self.standardize:
            with np.errstate(over="ignore", invalid="ignore"):
                mean = Y.mean(axis=0)
                scale = Y.std(axis=0)
            check_finite_result((mean, scale), "the mean or standard deviation of y", "y")
            scale[~(scale > 1e-12 * np.maximum(1.0, np.abs(mean)))] = 1.0
        else:
            mean, scale = np.zeros(Y.shape[1]), np.ones(Y.shape[1])
        self.y_mean_, self.y_scale_ = mean, scale
        self._fit_targets(X, (Y - mean) / scale)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Equilibrium predictions in the units of ``y``.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_outputs)
            1-D when ``y`` was 1-D in :meth:`fit`.
        """
        with np.errstate(over="ignore", invalid="ignore"):
            out = self._outputs(X) * self.y_scale_ + self.y_mean_
        check_finite_result(out, "the predictions in the units of y", "X or the training targets y")
        return out.ravel() if self._y_ndim == 1 else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags


class ImplicitClassifier(ClassifierMixin, _ImplicitBase):
    """Implicit-model classification trained through the biconvex SDP relaxation.

    The labels are one-hot encoded (one output per class, also for two classes)
    and fitted by squared loss, as in :func:`idl_sdp.fit`; the predicted class is
    the arg-max of the equilibrium outputs ``A x + B u + c``.

    ``X`` has one row per sample (scikit-learn's convention); the estimator
    transposes it to the formulation's one-column-per-sample orientation.

    Parameters
    ----------
    hidden : int, default 10
        Number of hidden units h.
    lam : float or array_like of shape (hidden,), default 1.0
        Multipliers λ ≥ 0, not all zero, of the Fenchel-divergence relaxation.
    rounds : int, default 20
        Maximum number of alternating rounds.
    tol : float, default 1e-6
        Stop when the objective decreases by less than ``tol`` (relative) in a round.
    lmi : {"linearized", "eq5", "schur"}, default "linearized"
        The convex condition imposed by the Θ-step (see :mod:`idl_sdp.lmi`).
    eps : float in (0, 1), default 0.05
        Well-posedness margin, ‖D‖₂ ≤ 1 − eps.
    reg : float or "auto", default "auto"
        Ridge strength on (A, B, D, E). ``"auto"`` chooses it on an internal
        validation split (by mean squared error of the one-hot outputs); with
        fewer than :data:`AUTO_REG_MIN_SAMPLES` (8) samples
        :data:`SMALL_DATA_REG` (1e-2) is used instead. Stored in ``reg_``.
    solver : {"CLARABEL", "SCS", "fast"}, default "CLARABEL"
        Solver of both steps (see :func:`idl_sdp.fit`).
    random_state : int, RandomState instance or None, default 0
        Seed of the initial model and of the ``reg="auto"`` split (see
        :class:`ImplicitRegressor`).
    standardize : bool, default True
        Standardize the inputs with a :class:`~sklearn.preprocessing.StandardScaler`
        fitted in :meth:`fit` (the one-hot targets are left as they are).
    dual_step : float, optional
        Step of the dual ascent on λ between rounds (see :func:`idl_sdp.fit`).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels, sorted; output ``k`` of the model is class ``classes_[k]``.
    model_ : ImplicitModel
        The trained model (standardized inputs, one column per sample).
    fit_result_ : FitResult
        Everything :func:`idl_sdp.fit` returned.
    history_ : list of dict
        One record per alternating round.
    n_iter_ : int
        Number of alternating rounds run.
    reg_ : float
        The ridge strength used.
    lam_ : ndarray of shape (hidden,)
        Final multipliers.
    scaler_ : StandardScaler or None
        The input scaler (``None`` when ``standardize=False``).
    n_features_in_ : int
        Number of features seen in :meth:`fit`.
    feature_names_in_ : ndarray of str
        Feature names, when ``X`` had string column names.

    Notes
    -----
    :meth:`predict_proba` is the softmax of the equilibrium outputs: a monotone
    transform of the scores that sums to one and whose arg-max is the predicted
    class, **not** a calibrated probability (the model is fitted by squared loss
    to one-hot targets, whose outputs typically lie in [0, 1], so the softmax is
    rather flat). Wrap the estimator in
    :class:`~sklearn.calibration.CalibratedClassifierCV` for probabilities.

    Fitting on a single class raises ``ValueError`` ("needs samples of at least 2
    classes"), as scikit-learn's linear classifiers do.

    Every applicable check of ``check_estimator`` passes; none is expected to fail.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from idl_sdp.estimators import ImplicitClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = ImplicitClassifier(hidden=5, rounds=5, reg=1e-2).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 3)
    """

    def fit(self, X: Any, y: Any) -> "ImplicitClassifier":
        """Fit the implicit model to one-hot encoded labels.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : array_like of shape (n_samples,)
            Class labels (any hashable, sortable values).

        Returns
        -------
        self

        Raises
        ------
        ValueError
            For continuous or multi-output ``y``, or a ``y`` with a single class.
        """
        X, y = self._validate_X_y(X, y, multi_output=False)
        check_classification_targets(y)
        self.classes_, codes = np.unique(y, return_inverse=True)
        if self.classes_.shape[0] < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes in the data, "
                f"but the data contains only one class: {self.classes_[0]!r}"
            )
        T = (codes.reshape(-1, 1) == np.arange(self.classes_.shape[0])).astype(np.float64)
        self._fit_targets(X, T)
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        """Equilibrium outputs, one score per class.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes), or (n_samples,) for two classes
            For two classes, ``score[classes_[1]] − score[classes_[0]]`` (positive
            means ``classes_[1]``), as scikit-learn expects.
        """
        out = self._outputs(X)
        if out.shape[1] == 2:
            return out[:, 1] - out[:, 0]
        return out

    def predict(self, X: Any) -> np.ndarray:
        """The class with the largest equilibrium output.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        out = self._outputs(X)
        return self.classes_[np.argmax(out, axis=1)]

    def predict_proba(self, X: Any) -> np.ndarray:
        """Softmax of the equilibrium outputs: a monotone score transform, not calibrated.

        Rows are non-negative and sum to one, their arg-max is :meth:`predict`, and
        for two classes column 1 increases with :meth:`decision_function`. The
        values are not probabilities in any calibrated sense (see the class notes).

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        out = self._outputs(X)
        out = out - out.max(axis=1, keepdims=True)
        e = np.exp(out)
        return e / e.sum(axis=1, keepdims=True)

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """Logarithm of :meth:`predict_proba` (log-softmax of the outputs)."""
        out = self._outputs(X)
        out = out - out.max(axis=1, keepdims=True)
        return out - np.log(np.exp(out).sum(axis=1, keepdims=True))
