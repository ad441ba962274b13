"""Reading graphs in the Gset format (Helmberg & Rendl's max-cut benchmark).

Format: a first line ``n m`` (vertices, edges), then ``m`` lines ``i j w`` with 1-based
vertices ``i ≠ j`` and a numeric weight ``w``; each undirected edge appears once.
Blank lines are ignored.
"""
from __future__ import annotations

import math
import os
from typing import Dict, Optional, Tuple, Union

import numpy as np
import scipy.sparse as sp

__all__ = ["read_gset", "toroidal_grid"]


def toroidal_grid(rows: int, cols: int, *, signed: bool = True,
                  seed: Optional[int] = 0) -> sp.csr_matrix:
    """The weight matrix of a ``rows × cols`` toroidal grid, like Gset's G11, G32, G57–G77.

    Each vertex ``(i, j)`` (index ``i·cols + j``) is joined to its right and lower
    neighbour, wrapping around, so every vertex has degree 4 (for ``rows, cols ≥ 3``).

    Parameters
    ----------
    rows, cols : int
        Grid size, each ≥ 3.
    signed : bool
        Independent ±1 weights (a spin glass, the hard Gset type) if True, else all +1.
    seed : int or None
        Seed of the ±1 weights.

    Returns
    -------
    scipy.sparse.csr_matrix
        Symmetric, zero diagonal, shape ``(rows·cols, rows·cols)``.
    """
    for value, name in ((rows, "rows"), (cols, "cols")):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 3:
            raise ValueError(f"{name} must be an integer ≥ 3, got {value!r}")
    rng = np.random.default_rng(seed)
    idx = np.arange(rows * cols).reshape(rows, cols)
    i = np.concatenate([idx.ravel(), idx.ravel()])
    j = np.concatenate([np.roll(idx, -1, axis=1).ravel(), np.roll(idx, -1, axis=0).ravel()])
    w = rng.choice([-1.0, 1.0], size=i.size) if signed else np.ones(i.size)
    n = rows * cols
    W = sp.coo_matrix((w, (i, j)), shape=(n, n)).tocsr()
    return (W + W.T).tocsr()


def _int_token(tok: str, what: str, path: str, lineno: int) -> int:
    try:
        return int(tok)
    except ValueError:
        raise ValueError(
            f"{path}, line {lineno}: {what} must be an integer, got {tok!r}") from None


def read_gset(path: Union[str, os.PathLike]) -> sp.csr_matrix:
    """Read a Gset graph as a symmetric sparse weight matrix.

    Parameters
    ----------
    path : str or path-like
        The file.

    Returns
    -------
    scipy.sparse.csr_matrix
        The ``n × n`` symmetric weight matrix ``W`` (float64, zero diagonal),
        ``W[i-1, j-1] = W[j-1, i-1] = w`` for each line ``i j w``.

    Raises
    ------
    ValueError
        For a malformed file, naming the line: a header that is not two integers
        ``n ≥ 1``, ``0 ≤ m ≤ n(n−1)/2``; an edge line without exactly three tokens, a
        non-integer vertex or non-numeric (or non-finite) weight; a vertex outside
        ``1..n``; a self loop; a repeated edge; more or fewer than ``m`` edge lines.
    TypeError
        If ``path`` is not a path.
    OSError
        If the file cannot be opened (``FileNotFoundError``, ``IsADirectoryError``, ...).
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
    path = os.fspath(path)
    rows, cols, vals = [], [], []
    seen: Dict[Tuple[int, int], int] = {}
    n = m = None
    header_line = 0
    with open(path, "r", encoding="utf-8") as fh:
        lineno = 0
        for lineno, line in enumerate(fh, start=1):
            toks = line.split()
            if not toks:
                continue
            if n is None:
                if len(toks) != 2:
                    raise ValueError(
                        f"{path}, line {lineno}: the header must be 'n m' (two integers), "
                        f"got {len(toks)} tokens")
                n = _int_token(toks[0], "the number of vertices n", path, lineno)
                m = _int_token(toks[1], "the number of edges m", path, lineno)
                if n < 1:
                    raise ValueError(f"{path}, line {lineno}: n must be >= 1, got {n}")
                if m < 0 or m > n * (n - 1) // 2:
                    raise ValueError(
                        f"{path}, line {lineno}: m must lie in [0, n(n-1)/2 = "
                        f"{n * (n - 1) // 2}], got {m}")
                header_line = lineno
                continue
            if len(rows) == m:
                raise ValueError(
                    f"{path}, line {lineno}: more edge lines than the m = {m} announced "
                    f"on line {header_line}")
            if len(toks) != 3:
                raise ValueError(
                    f"{path}, line {lineno}: an edge line must be 'i j w' (three tokens), "
                    f"got {len(toks)}")
            i = _int_token(toks[0], "vertex i", path, lineno)
            j = _int_token(toks[1], "vertex j", path, lineno)
            try:
                w = float(toks[2])
            except ValueError:
                raise ValueError(
                    f"{path}, line {lineno}: the weight must be a number, got {toks[2]!r}"
                ) from None
            if not math.isfinite(w):
                raise ValueError(f"{path}, line {lineno}: the weight must be finite, got {w}")
            for v, name in ((i, "i"), (j, "j")):
                if not 1 <= v <= n:
                    raise ValueError(
                        f"{path}, line {lineno}: vertex {name} = {v} is out of range 1..{n}")
            if i == j:
                raise ValueError(f"{path}, line {lineno}: self loop on vertex {i}")
            key = (min(i, j), max(i, j))
            if key in seen:
                raise ValueError(
                    f"{path}, line {lineno}: edge {key} repeats line {seen[key]}")
            seen[key] = lineno
            rows.append(i - 1)
            cols.append(j - 1)
            vals.append(w)
    if n is None:
        raise ValueError(f"{path}, line {lineno + 1}: empty file, expected the header 'n m'")
    if len(rows) < m:
        raise ValueError(
            f"{path}, line {lineno + 1}: end of file after {len(rows)} edge lines, but the "
            f"header on line {header_line} announces m = {m}")
    r = np.asarray(rows, dtype=np.int64)
    c = np.asarray(cols, dtype=np.int64)
    v = np.asarray(vals, dtype=np.float64)
    W = sp.coo_matrix((np.concatenate([v, v]), (np.concatenate([r, c]), np.concatenate([c, r]))),
                      shape=(n, n)).tocsr()
    W.sum_duplicates()
    return W
