"""Bundled real data sets (scikit-learn's), in the formulation's orientation.

Each loader returns standardized inputs and targets with **one column per sample**
(U of shape (n, m), Y of shape (p, m)), split into train and test parts.

:func:`gset` loads the few Gset max-cut graphs shipped inside the package (see
``idl_sdp/data/gset/README`` for their origin and license) from any working directory.
"""
from __future__ import annotations

import gzip
from dataclasses import dataclass
from importlib import resources
from typing import Optional

import numpy as np
import scipy.sparse as sp

from ._validation import MAX_SEED, check_choice, check_positive_int

__all__ = ["DATASETS", "GSET_NAMES", "Split", "gset", "gset_names", "load_split"]

DATASETS = ("iris", "diabetes", "digits", "wine", "breast_cancer")
_CLASSIFICATION = {"iris", "digits", "wine", "breast_cancer"}


@dataclass
class Split:
    """A train/test split; ``U_*`` standardized with the training mean and scale.

    Encoding and standardization are :mod:`idl_sdp.preprocessing`'s (the estimators'
    rules; a constant target or feature gets scale 1).

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

    from .preprocessing import encode_labels, fit_input_scaler, fit_standardization, one_hot

    name = check_choice(name, "name", DATASETS)
    seed = check_positive_int(seed, "seed", minimum=0, maximum=MAX_SEED)
    X, y = getattr(datasets, f"load_{name}")(return_X_y=True)
    if max_samples is not None:
        k = check_positive_int(max_samples, "max_samples")
        X, y = X[:k], y[:k]
    clf = name in _CLASSIFICATION
    Xtr, Xte, ytr, yte = train_test_split(
        X, y, test_size=test_size, random_state=seed, stratify=y if clf else None)
    scaler = fit_input_scaler(Xtr)  # idl_sdp.preprocessing: as the estimators do
    Utr, Ute = scaler.transform(Xtr).T, scaler.transform(Xte).T
    if clf:
        classes, Ttr, _ = encode_labels(ytr)
        return Split(Utr, Ttr.T, Ute, one_hot(yte, classes).T, ytr, yte, True, name)
    mean, scale = fit_standardization(ytr)  # a constant target gets scale 1
    mu, sd = float(mean[0]), float(scale[0])
    Ytr, Yte = ((ytr - mu) / sd)[None, :], ((yte - mu) / sd)[None, :]
    return Split(Utr, Ytr, Ute, Yte, ytr, yte, False, name, mu, sd)


# --------------------------------------------------------------------------- Gset graphs

GSET_NAMES: tuple[str, ...] = ("G1", "G11", "G14")
"""The Gset graphs shipped in ``idl_sdp/data/gset`` (one per type: random, toroidal, planar)."""


def gset_names() -> tuple[str, ...]:
    """The names accepted by :func:`gset`: ``("G1", "G11", "G14")``."""
    return GSET_NAMES


def gset(name: str) -> sp.csr_matrix:
    """Load a Gset max-cut graph shipped with the package, from any working directory.

    Parameters
    ----------
    name : {"G1", "G11", "G14"}
        The graph (case-insensitive: ``"g14"`` works too). :func:`gset_names` lists them.

        ======  =====  ======  ==================  ==============================
        name    n      m       type                best known cut
        ======  =====  ======  ==================  ==============================
        G1      800    19176   random, w = +1      11624
        G11     800    1600    toroidal, w = ±1    564
        G14     800    4694    planar, w = +1      3064
        ======  =====  ======  ==================  ==============================

    Returns
    -------
    scipy.sparse.csr_matrix
        The ``n × n`` symmetric weight matrix ``W`` (float64, zero diagonal), exactly
        what :func:`idl_sdp.relax.read_gset` returns for the same graph's text file.

    Raises
    ------
    TypeError
        If ``name`` is not a str.
    ValueError
        If ``name`` is not one of the shipped graphs (the message lists them); read
        other Gset files with :func:`idl_sdp.relax.read_gset`.

    Notes
    -----
    The Gset graphs were generated with G. Rinaldi's ``rudy`` and used by C. Helmberg
    and F. Rendl, "A spectral bundle method for semidefinite programming", SIAM J.
    Optim. 10(3), 2000; they are distributed by Y. Ye
    (http://web.stanford.edu/~yyye/yyye/Gset/). The copies shipped here come from
    the repository NicolasBoumal/maxcut (folder ``Gset/``, BSD 3-Clause license,
    Copyright (c) 2024, Nicolas Boumal), stored as gzipped text in the format of
    :func:`~idl_sdp.relax.read_gset`; ``idl_sdp/data/gset/README`` carries the full
    license text. Best known cuts: Benlic & Hao, "Breakout local search for the
    Max-Cut problem", 2013.

    Examples
    --------
    >>> from idl_sdp.datasets import gset
    >>> W = gset("G14")
    >>> W.shape, W.nnz // 2
    ((800, 800), 4694)
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, one of {GSET_NAMES}, got {type(name).__name__}")
    key = name.upper()
    if key not in GSET_NAMES:
        raise ValueError(
            f"unknown Gset graph {name!r}: the graphs shipped with idl_sdp are "
            f"{', '.join(GSET_NAMES)} (read other Gset files with idl_sdp.relax.read_gset)")
    resource = resources.files("idl_sdp") / "data" / "gset" / f"{key}.txt.gz"
    return _parse_gset_text(gzip.decompress(resource.read_bytes()).decode("ascii"), key)


def _parse_gset_text(text: str, what: str) -> sp.csr_matrix:
    """The shipped (trusted) Gset text -> W, built exactly as ``read_gset`` builds it."""
    header, _, body = text.lstrip().partition("\n")
    n, m = (int(t) for t in header.split())
    tokens = body.split()
    if len(tokens) != 3 * m:  # a damaged installation, not a user error
        raise RuntimeError(
            f"shipped Gset graph {what}: {len(tokens)} tokens after the header 'n m', "
            f"expected 3m = {3 * m}")
    edges = np.asarray(tokens, dtype=object).reshape(m, 3)
    r = edges[:, 0].astype(np.int64) - 1
    c = edges[:, 1].astype(np.int64) - 1
    v = edges[:, 2].astype(np.float64)
    W = sp.coo_matrix((np.concatenate([v, v]), (np.concatenate([r, c]), np.concatenate([c, r]))),
                      shape=(n, n)).tocsr()
    W.sum_duplicates()
    return W
