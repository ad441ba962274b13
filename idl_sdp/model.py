r"""The implicit model and its equilibrium.

An implicit model with parameters :math:`\Theta = (A, B, c, D, E, f)` predicts

.. math:: y = A x + B u + c, \qquad x = (D x + E u + f)_+ ,

with one column per sample: ``U`` has shape ``(n, m)``, the hidden states ``X``
shape ``(h, m)`` and the predictions shape ``(p, m)``.
"""
from __future__ import annotations

import os
from typing import Any, Dict, Optional, Union

import numpy as np

from ._io import atomic_write, read_npz
from ._validation import (
    as_matrix, as_path, as_vector, check_finite_result, check_nonneg_float, check_positive_int,
)

__all__ = ["ImplicitModel", "EquilibriumError", "MODEL_FORMAT_VERSION", "check_model_sizes"]

#: Version tag stored in every saved model; :meth:`ImplicitModel.load` checks it.
MODEL_FORMAT_VERSION = 1
_FIELDS = ("A", "B", "c", "D", "E", "f")


class EquilibriumError(RuntimeError):
    """The fixed-point iteration for the hidden state did not converge."""


class ImplicitModel:
    """An implicit (equilibrium) model ``y = A x + B u + c``, ``x = (D x + E u + f)₊``.

    The arrays are kept, as float64 copies, in attributes of the same names.

    Parameters
    ----------
    A : array_like, shape (p, h)
    B : array_like, shape (p, n)
    c : array_like, shape (p,)
    D : array_like, shape (h, h)
    E : array_like, shape (h, n)
    f : array_like, shape (h,)
    """

    def __init__(self, A: Any, B: Any, c: Any, D: Any, E: Any, f: Any):
        D = as_matrix(D, "D")
        h = D.shape[0]
        if D.shape != (h, h):
            raise ValueError(f"D must be square (h, h), got shape {D.shape}")
        A = as_matrix(A, "A")
        if A.shape[1] != h:
            raise ValueError(f"A must have shape (p, h) with h = {h} (the order of D), "
                             f"got {A.shape} (or D has the wrong shape {D.shape})")
        p = A.shape[0]
        E = as_matrix(E, "E", allow_empty=True)
        if E.shape[0] != h:
            raise ValueError(f"E must have shape (h, n) with h = {h} (the order of D), "
                             f"got {E.shape} (or D has the wrong shape {D.shape})")
        n = E.shape[1]
        B = as_matrix(B, "B", allow_empty=True)
        if B.shape != (p, n):
            raise ValueError(f"B must have shape (p, n) = {(p, n)} (p from A, n from E), "
                             f"got {B.shape} (or A {A.shape} or E {E.shape} has the "
                             "wrong shape)")
        self.A = np.array(A, dtype=np.float64)
        self.B = np.array(B, dtype=np.float64)
        c = as_vector(c, "c")
        if c.shape[0] != p:
            raise ValueError(f"c must have length p = {p} (the rows of A), got {c.shape[0]} "
                             f"(or A has the wrong shape {A.shape})")
        self.c = np.array(c, dtype=np.float64)
        self.D = np.array(D, dtype=np.float64)
        self.E = np.array(E, dtype=np.float64)
        f = as_vector(f, "f")
        if f.shape[0] != h:
            raise ValueError(f"f must have length h = {h} (the order of D), got {f.shape[0]} "
                             f"(or D has the wrong shape {D.shape})")
        self.f = np.array(f, dtype=np.float64)

    # ------------------------------------------------------------------ sizes
    @property
    def n_inputs(self) -> int:
        """n, the input dimension."""
        return self.E.shape[1]

    @property
    def n_hidden(self) -> int:
        """h, the number of hidden units."""
        return self.D.shape[0]

    @property
    def n_outputs(self) -> int:
        """p, the output dimension."""
        return self.A.shape[0]

    def __repr__(self) -> str:
        return (
            f"ImplicitModel(n_inputs={self.n_inputs}, n_hidden={self.n_hidden}, "
            f"n_outputs={self.n_outputs}, norm2_D={np.linalg.norm(self.D, 2):.4g})"
        )

    def copy(self) -> "ImplicitModel":
        return ImplicitModel(**self.params())

    def params(self) -> Dict[str, np.ndarray]:
        """The six parameter arrays by name."""
        return {k: getattr(self, k) for k in _FIELDS}

    # ------------------------------------------------------------ equilibrium
    def _check_U(self, U: Any) -> np.ndarray:
        return as_matrix(U, "U", shape=(self.n_inputs, None))

    def hidden(
        self, U: Any, tol: float = 1e-10, max_iter: int = 10_000, x0: Optional[Any] = None
    ) -> np.ndarray:
        """The equilibrium hidden states ``X = (D X + E U + f 1ᵀ)₊``.

        Fixed-point iteration, vectorised over the columns. When ``‖D‖₂ < 1`` the map
        is an ℓ2 contraction (ReLU is 1-Lipschitz), so the equilibrium is unique and
        the iteration converges linearly with factor ``‖D‖₂``; it also converges when
        the Perron–Frobenius root of ``|D|`` is below 1.

        Parameters
        ----------
        U : array_like, shape (n, m)
            Inputs, one column per sample.
        tol : float
            Stop when ``max|X_{k+1} − X_k| ≤ tol · max(1, max|X_{k+1}|)``; this step
            length *is* the equilibrium residual ``max|X − (D X + E U + f)₊|`` at ``X_k``.
        max_iter : int
            Iteration budget.
        x0 : array_like, shape (h, m), optional
            Starting point (default zeros).

        Returns
        -------
        numpy.ndarray, shape (h, m)

        Raises
        ------
        EquilibriumError
            If the residual is still above ``tol`` after ``max_iter`` iterations.
        """
        U = self._check_U(U)
        tol = check_nonneg_float(tol, "tol", positive=True)
        max_iter = check_positive_int(max_iter, "max_iter")
        m = U.shape[1]
        if isinstance(x0, np.ndarray) and x0.ndim == 2 and x0.shape != (self.n_hidden, m):
            raise ValueError(f"x0 must have shape ({self.n_hidden}, {m}): n_hidden × the "
                             f"m = {m} columns of U, got {x0.shape}")
        X = np.zeros((self.n_hidden, m)) if x0 is None else as_matrix(
            x0, "x0", shape=(self.n_hidden, m)).copy()
        with np.errstate(over="ignore", invalid="ignore"):
            bias = self.E @ U + self.f[:, None]
        check_finite_result(bias, "E U + f", "the model's E, f and U")
        step = np.inf
        for k in range(max_iter):
            with np.errstate(over="ignore", invalid="ignore"):
                X_new = np.maximum(self.D @ X + bias, 0.0)
            if not np.all(np.isfinite(X_new)):
                wp = self.well_posedness(check=False)
                if min(wp.values()) < 1.0:
                    # A unique, bounded equilibrium exists; it does not fit in float64.
                    raise ValueError(
                        "the equilibrium hidden states overflow float64 (max |E U + f| = "
                        f"{float(np.max(np.abs(bias))):.3g}, ‖D‖₂ = {wp['norm2']:.4g}): U "
                        "(or the model's E, f, or x0) is too large; rescale U")
                raise EquilibriumError(
                    f"equilibrium iteration diverged: non-finite hidden states after {k + 1} "
                    f"iterations (the entries of D, x0, E U + f are too large); "
                    f"well-posedness: ‖D‖₂={wp['norm2']:.4g}, ‖D‖∞={wp['norm_inf']:.4g}, "
                    f"pf(|D|)={wp['pf']:.4g}")
            step = float(np.max(np.abs(X_new - X), initial=0.0))
            X = X_new
            if step <= tol * max(1.0, float(np.max(np.abs(X), initial=0.0))):
                return X
        wp = self.well_posedness(check=False)
        raise EquilibriumError(
            f"equilibrium iteration did not converge in {max_iter} iterations "
            f"(last step {step:.3e} > tol {tol:.1e}); well-posedness: "
            f"‖D‖₂={wp['norm2']:.4g}, ‖D‖∞={wp['norm_inf']:.4g}, pf(|D|)={wp['pf']:.4g} "
            "(convergence is guaranteed when one of them is < 1)"
        )

    def predict(self, U: Any, **kwargs: Any) -> np.ndarray:
        """Equilibrium predictions ``A x + B u + c``, shape (p, m).

        Keyword arguments are passed to :meth:`hidden`.
        """
        U = self._check_U(U)
        X = self.hidden(U, **kwargs)
        with np.errstate(over="ignore", invalid="ignore"):
            out = self.A @ X + self.B @ U + self.c[:, None]
        check_finite_result(out, "the predictions A x + B u + c", "the model's A, B, c and U")
        return out

    def well_posedness(self, check: bool = True) -> Dict[str, float]:
        """Sufficient conditions for a unique equilibrium (each must be < 1).

        Returns
        -------
        dict
            ``norm2`` = ‖D‖₂, ``norm_inf`` = ‖D‖∞ (max row sum of ``|D|``) and ``pf``,
            the Perron–Frobenius root (spectral radius) of ``|D|``. ``pf ≤ ‖D‖∞``, so
            pf < 1 is weaker than the ∞-norm condition, but it is not comparable with
            ‖D‖₂: D = 0.9/√2·[[1, 1], [1, −1]] has ‖D‖₂ = 0.9 and pf ≈ 1.27. Trained
            models are constrained by ‖D‖₂ ≤ 1 − eps, the condition fit enforces.

        Raises
        ------
        ValueError
            With ``check=True`` (default), if a norm overflows float64 (entries of D
            near 1e308); ``check=False`` returns ``inf`` there instead.
        """
        absD = np.abs(self.D)
        with np.errstate(over="ignore", invalid="ignore"):
            try:
                norm2 = float(np.linalg.norm(self.D, 2))
                pf = float(np.max(np.abs(np.linalg.eigvals(absD))))
            except np.linalg.LinAlgError:  # SVD/eig of overflowing entries
                norm2 = pf = np.inf
            out = {"norm2": norm2, "norm_inf": float(absD.sum(axis=1).max()), "pf": pf}
        if check:
            check_finite_result(list(out.values()), "the well-posedness norms of D",
                                "the model's D")
        return out

    # -------------------------------------------------------------------- I/O
    def save(self, path: Union[str, os.PathLike]) -> None:
        """Write the model to a ``.npz`` file (atomically: temporary file, then rename).

        ``path`` is a ``str``, ``os.PathLike`` or ``bytes`` (decoded by ``os.fsdecode``).
        """
        path = as_path(path, "path")
        atomic_write(path, lambda fh: np.savez(
            fh, format_version=np.int64(MODEL_FORMAT_VERSION), **self.params()))

    @classmethod
    def load(cls, path: Union[str, os.PathLike]) -> "ImplicitModel":
        """Read a model written by :meth:`save` (bit-identical round trip).

        Raises ``ValueError`` naming the problem for a file that is not a model file,
        is truncated or corrupted, or has another format version. Never unpickles.
        ``path`` is a ``str``, ``os.PathLike`` or ``bytes`` (decoded by ``os.fsdecode``).
        """
        path = as_path(path, "path")
        arrays = read_npz(path, "model file")
        version = arrays.get("format_version")
        if version is None or version.shape != () or int(version) != MODEL_FORMAT_VERSION:
            raise ValueError(
                f"path {path!r}: unsupported model format_version {version!r} "
                f"(expected {MODEL_FORMAT_VERSION})"
            )
        missing = [k for k in _FIELDS if k not in arrays]
        if missing:
            raise ValueError(f"path {path!r}: model file lacks arrays {missing}")
        return cls(**{k: arrays[k] for k in _FIELDS})


def check_model_sizes(model: Any, n: int, p: int, hidden: int, name: str = "model"):
    """``model`` is an ImplicitModel whose sizes match the training data."""
    if not isinstance(model, ImplicitModel):
        raise TypeError(f"{name} must be an ImplicitModel, got {type(model).__name__}")
    got = (model.n_inputs, model.n_hidden, model.n_outputs)
    if got != (n, hidden, p):
        raise ValueError(
            f"{name} has (n_inputs, n_hidden, n_outputs) = {got}, but the data and "
            f"step need {(n, hidden, p)}"
        )
    return model
