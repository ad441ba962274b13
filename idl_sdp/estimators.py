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
import re
import sys
import time
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
from .preprocessing import encode_labels, fit_input_scaler, fit_standardization

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


def _name_argument(exc: BaseException, names: str) -> None:
    """Prefix scikit-learn's conversion message with the argument, if it names none.

    ``validate_data`` reports e.g. "could not convert string to float: 'a'" for a bad
    ``X``; the message (and the exception's type) are kept, only ``"X: "`` or
    ``"X or y: "`` is put in front. Messages that already name X or y are left alone.
    """
    msg = str(exc.args[0]) if exc.args else ""
    if type(exc) in (ValueError, TypeError) and not re.search(r"\b(X|y)\b", msg):
        exc.args = (f"{names}: {msg}",) + tuple(exc.args[1:])


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
        verbose: int = 0,
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
        self.verbose = verbose

    # ---------------------------------------------------------------- fitting
    def _validate_X_y(self, X: Any, y: Any, *, multi_output: bool):
        if not isinstance(self.standardize, (bool, np.bool_)):
            raise TypeError(
                f"standardize must be a bool, got {type(self.standardize).__name__} "
                f"{self.standardize!r}"
            )
        try:
            X, y = validate_data(
                self, X, y, dtype=np.float64, multi_output=multi_output,
                y_numeric=multi_output, ensure_min_samples=1,
            )
        except (ValueError, TypeError) as exc:
            _name_argument(exc, "X or y")
            raise
        except Exception as exc:  # noqa: BLE001 - e.g. a cvxpy expression (no truth value)
            raise TypeError(
                f"X and y must be array-like numeric data, got {type(X).__name__} and "
                f"{type(y).__name__}: {type(exc).__name__}: {exc}"[:300]) from None
        check_squares_finite(X, "X")
        if multi_output:
            check_squares_finite(np.asarray(y, dtype=np.float64), "y")
        return X, y

    def _effective_reg(self, n_samples: int) -> Any:
        reg = self.reg
        if isinstance(reg, str) and reg.strip().lower() == "auto":  # "AUTO" too
            reg = "auto"
            if n_samples < AUTO_REG_MIN_SAMPLES:
                return SMALL_DATA_REG
        return reg

    def _fit_options(self) -> Dict[str, Any]:
        """Extra keyword arguments of :func:`idl_sdp.fit`: the ``verbose`` progress."""
        if isinstance(self.verbose, bool) or not isinstance(self.verbose, numbers.Integral) \
                or self.verbose < 0:
            raise ValueError(f"verbose must be a bool or an int >= 0, got {self.verbose!r}")
        if not self.verbose:
            return {}
        name, total = type(self).__name__, self.rounds

        def callback(record: Dict[str, Any], model: ImplicitModel) -> bool:
            seconds = [record.get(k) for k in ("x_step_seconds", "theta_step_seconds")]
            steps = ", ".join(f"{w} {v:.2f} s" for w, v in zip(("X-step", "Θ-step"), seconds)
                              if isinstance(v, float))
            print(f"[{name}] round {record.get('round')}/{total}: J={record.get('J', 0):.6e}"
                  f"{', ' + steps if steps else ''}, {record.get('solver_status', '-')}",
                  file=sys.stdout, flush=True)
            return False

        def reg_callback(record: Dict[str, Any]) -> None:
            print(f"[{name}] reg candidate {record['candidate']}/{record['of']}: "
                  f"reg={record['reg']:g}, validation MSE {record['val_mse']:.4e}, "
                  f"{record['seconds']:.2f} s", file=sys.stdout, flush=True)

        return {"callback": callback, "reg_callback": reg_callback}

    def _say(self, text: str) -> None:
        if self.verbose:
            print(f"[{type(self).__name__}] {text}", file=sys.stdout, flush=True)

    def _fit_targets(self, X: np.ndarray, T: np.ndarray) -> None:
        """Scale ``X`` (rows = samples), fit ``T`` of shape (m, p); set fitted attributes."""
        if self.standardize:
            self.scaler_: Optional[StandardScaler] = fit_input_scaler(X)
            Xs = self.scaler_.transform(X)
        else:
            self.scaler_ = None
            Xs = X
        reg = self._effective_reg(X.shape[0])
        options = self._fit_options()
        if isinstance(reg, str):
            self._say(f"reg='auto': choosing reg on a 75/25 validation split of "
                      f"{X.shape[0]} samples (one short fit per candidate) ...")
        t0 = time.perf_counter()
        result = _fit(
            Xs.T, T.T, self.hidden, lam=self.lam, rounds=self.rounds, tol=self.tol,
            lmi=self.lmi, eps=self.eps, reg=reg,
            solver=self.solver, seed=_seed_from(self.random_state),
            dual_step=self.dual_step, **options,
        )
        self.fit_result_: FitResult = result
        self.model_: ImplicitModel = result.model
        self.history_: List[Dict[str, Any]] = result.history
        self.n_iter_: int = result.n_iter
        self.reg_: float = float(result.reg)
        self.lam_: np.ndarray = np.asarray(result.lam, dtype=float)
        if self.verbose:
            steps = sum(float(r.get("x_step_seconds") or 0.0)
                        + float(r.get("theta_step_seconds") or 0.0) for r in result.history)
            chosen = " (chosen by validation MSE)" if result.reg_path else ""
            self._say(f"done: {self.n_iter_} rounds, {steps:.2f} s in the steps, "
                      f"{time.perf_counter() - t0:.2f} s in all; reg={self.reg_:g}{chosen}")

    # ---------------------------------------------------------- forward pass
    def _transform_inputs(self, X: Any) -> np.ndarray:
        """Validated (and standardized) inputs in the formulation's orientation, (n, m)."""
        check_is_fitted(self, "model_")
        try:
            X = validate_data(self, X, dtype=np.float64, reset=False)
        except (ValueError, TypeError) as exc:
            _name_argument(exc, "X")
            raise
        except Exception as exc:  # noqa: BLE001 - e.g. a cvxpy expression (no truth value)
            raise TypeError(f"X must be array-like numeric data, got {type(X).__name__}: "
                            f"{type(exc).__name__}: {exc}"[:300]) from None
        if self.scaler_ is not None:
            with np.errstate(over="ignore", invalid="ignore"):
                X = self.scaler_.transform(X)
            check_finite_result(X, "X standardized with the training scaler", "X")
        return X.T

    def _outputs(self, X: Any) -> np.ndarray:
        """Equilibrium outputs ``A x + B u + c`` with rows = samples, shape (m, p)."""
        U = self._transform_inputs(X)
        try:
            return self.model_.predict(U).T
        except ValueError as exc:  # validated already: only an overflow of the outputs
            raise ValueError(f"X is too large for this model (rescale X): {exc}") from None

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
    verbose : bool or int, default 0
        Progress on stdout: with a true value, a line before the fit (what
        ``reg="auto"`` does), one line per alternating round (``J``, the step times,
        the solver status) and a final line (rounds, time in the steps and in all,
        the ``reg`` used). ``0`` / ``False``: silent.

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
            mean, scale = fit_standardization(Y)  # a constant target gets scale 1
            check_finite_result((mean, scale), "the mean or standard deviation of y", "y")
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
    verbose : bool or int, default 0
        Progress on stdout: with a true value, a line before the fit (what
        ``reg="auto"`` does), one line per alternating round (``J``, the step times,
        the solver status) and a final line (rounds, time in the steps and in all,
        the ``reg`` used). ``0`` / ``False``: silent.

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
        try:
            check_classification_targets(y)
        except (ValueError, TypeError) as exc:
            _name_argument(exc, "y")
            raise
        self.classes_, T, _ = encode_labels(y)
        if self.classes_.shape[0] < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes in the data, "
                f"but the data contains only one class: {self.classes_[0]!r}"
            )
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
