"""Bundled real data sets (scikit-learn's), in the formulation's orientation.

Each loader returns standardized inputs and targets with **one column per sample**
(U of shape (n, m), Y of shape (p, m)), split into train and test parts.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from ._validation import MAX_SEED, check_choice, check_positive_int

__all__ = ["Split", "load_split", "DATASETS"]

DATASETS = ("iris", "diabetes", "digits", "wine", "breast_cancer")
_CLASSIFICATION = {"iris", "digits", "wine", "breast_cancer"}


@dataclass
class Split:
    """A train/test split; ``U_*`` standardized with the training mean and scale.

    For classification ``Y_*`` is one-hot (p = number of classes) and ``y_*`` the labels.
    For regression ``Y_*`` is the target standardized with the training mean and
    standard deviation, as a (1, m) row, and ``y_*`` the raw values; :meth:`unscale`
    maps predictions back. (The relaxation weighs the loss against λ·F, so targets
    in units of 100s would make λ = 1 negligible; standardizing keeps defaults sane.)
    """

    U_train: np.ndarray
    Y_train: np.ndarray
    U_test: np.ndarray
    Y_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    classification: bool
    name: str
    y_mean: float = 0.0
    y_scale: float = 1.0

    def unscale(self, Y: np.ndarray) -> np.ndarray:
        """Predictions in the units of ``y_*`` (identity for classification)."""
        return np.asarray(Y) * self.y_scale + self.y_mean


def load_split(name: str, seed: int = 0, test_size: float = 0.3,
               max_samples: Optional[int] = None) -> Split:
    """Load a scikit-learn bundled data set and split it (stratified for classification).

    Parameters
    ----------
    name : {"iris", "diabetes", "digits", "wine", "breast_cancer"}
    seed : int
        ``random_state`` of the split.
    test_size : float
        Fraction held out.
    max_samples : int, optional
        Keep only the first ``max_samples`` rows (for quick runs).
    """
    from sklearn import datasets
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    name = check_choice(name, "name", DATASETS)
    seed = check_positive_int(seed, "seed", minimum=0, maximum=MAX_SEED)
    X, y = getattr(datasets, f"load_{name}")(return_X_y=True)
    if max_samples is not None:
        k = check_positive_int(max_samples, "max_samples")
        X, y = X[:k], y[:k]
    clf = name in _CLASSIFICATION
    Xtr, Xte, ytr, yte = train_test_split(
        X, y, test_size=test_size, random_state=seed, stratify=y if clf else None)
    scaler = StandardScaler().fit(Xtr)
    Utr, Ute = scaler.transform(Xtr).T, scaler.transform(Xte).T
    if clf:
        classes = np.unique(ytr)
        Ytr = (ytr[None, :] == classes[:, None]).astype(float)
        Yte = (yte[None, :] == classes[:, None]).astype(float)
        return Split(Utr, Ytr, Ute, Yte, ytr, yte, True, name)
    mu, sd = float(np.mean(ytr)), float(np.std(ytr)) or 1.0
    Ytr, Yte = ((ytr - mu) / sd)[None, :], ((yte - mu) / sd)[None, :]
    return Split(Utr, Ytr, Ute, Yte, ytr, yte, False, name, mu, sd)
