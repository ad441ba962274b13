"""Read and write semidefinite programs in the SDPA sparse format (``.dat-s``).

The format (the one SDPLIB is distributed in) holds, after optional comment lines
starting with ``"`` or ``*``:

1. ``m``, the number of variables;
2. ``nblocks``, the number of blocks;
3. the ``nblocks`` block sizes (a negative size ``-n`` is a diagonal block of order ``n``,
   i.e. ``n`` nonnegativity rows);
4. the cost vector ``c`` (``m`` numbers);
5. one entry ``k b i j v`` per line: entry ``(i, j)`` (1-based, upper triangle) of block
   ``b`` of the matrix ``F_k`` is ``v``; ``k = 0`` is the constant matrix ``F_0``.

It states the SDPA "primal" problem

.. math::

    \\min_x\\; c^T x \\quad\\text{s.t.}\\quad
    S_b(x) = \\sum_{k=1}^m x_k F_{k,b} - F_{0,b} \\succeq 0 \\quad\\text{for every block } b

(for a diagonal block, every diagonal entry of ``S_b(x)`` is ``>= 0``).

.. rubric:: What the reader accepts

* Separators: any mix of spaces, tabs, commas, braces and parentheses
  (``{2, -3}``, ``(1,2,3)``, ``1\\t2``).
* Numbers: Python/C decimal notation and the Fortran exponent ``1.0D+00`` (``D``/``d``
  read as ``e``). Integers (``m``, ``nblocks``, the block sizes, ``k b i j``) must be
  written as integers. ``inf``/``nan`` and values overflowing a float are refused.
* Comments: lines whose first non-blank character is ``"`` or ``*`` — anywhere, not only
  before the data. On any line, the numbers end at the first token that is not
  number-like (``3 = mDIM``, ``2 "nblocks"``): the rest of the line is a comment.
* Header layout: the header values are read as one stream, so ``m`` and ``nblocks`` may
  share a line and a long cost vector may span lines; but the block sizes and the cost
  vector must each end where their line ends, so that a wrong count is reported rather
  than silently shifting every later value.
* Lower-triangle entries (``i > j``) are accepted and read as ``(j, i)`` — common
  practice among writers, and harmless since every ``F_{k,b}`` is symmetric.
* Duplicate entries (the same ``k, b, i, j``, also after that swap) are refused: SDPA
  readers disagree on whether to sum them or keep the last one.
* Explicit zero entries are accepted and dropped.

Every defect raises :class:`SDPAFormatError` (a ``ValueError``) whose message names the
file, the 1-based line number and what is wrong.
"""
from __future__ import annotations

import errno
import hashlib
import operator
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Union

import numpy as np
import scipy.sparse as sp

from ._io import atomic_write

__all__ = ["SDPAData", "SDPAFormatError", "read_sdpa", "read_sdpa_data", "write_sdpa"]

PathLike = Union[str, "os.PathLike[str]"]

_SEPARATORS = re.compile(r"[\s,{}()]+")
_INT = re.compile(r"[+-]?\d+\Z")
_FLOAT = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eEdD][+-]?\d+)?\Z")
_NUMBER_LIKE = re.compile(r"[+-]?\.?\d")
_NONFINITE = re.compile(r"[+-]?(?:inf(?:inity)?|nan)\Z", re.IGNORECASE)
_COMMENT_CHARS = ('"', "*")
_MAX_ORDER = 2**31 - 1  # int32 sparse indices


class SDPAFormatError(ValueError):
    """A malformed SDPA file.

    The message reads ``"<path>, line <n>: <what is wrong>"``; the parts are also
    available as the attributes ``path``, ``line`` (1-based) and ``reason``.
    """

    def __init__(self, path: str, line: int, reason: str) -> None:
        self.path = path
        self.line = line
        self.reason = reason
        super().__init__(f"{path}, line {line}: {reason}")

    def __reduce__(self):  # picklable although __init__ takes three arguments
        return (type(self), (self.path, self.line, self.reason))


# --------------------------------------------------------------------------- data


@dataclass(eq=False)
class SDPAData:
    """An SDP in SDPA form: ``min cᵀx`` s.t. ``Σ_k x_k F_k − F_0 ⪰ 0`` blockwise.

    Parameters
    ----------
    c : numpy.ndarray, shape (m,)
        The cost vector (converted to float64).
    block_sizes : tuple of int
        The order of each block; a negative size ``-n`` is a diagonal block of order
        ``n`` (``n`` nonnegativity constraints).
    F : list of list of scipy.sparse.csr_matrix
        ``F[k][b]`` is the block ``b`` (0-based here) of ``F_k``, ``k = 0..m``: a
        symmetric ``(|n_b|, |n_b|)`` matrix, diagonal for a diagonal block. Other sparse
        or dense 2-D inputs are converted to float64 ``csr_matrix``.
    source : str or None
        The file the data was read from, if any.
    sha256 : str or None
        Hex SHA-256 digest of that file's bytes, if any.

    Notes
    -----
    Construction checks the structure (lengths, shapes); :meth:`validate` checks the
    content (finite, symmetric, diagonal where required) and is run by
    :meth:`to_problem` and :func:`write_sdpa`.

    ``==`` compares ``c``, ``block_sizes`` and ``F`` bit for bit (``-0.0`` differs from
    ``0.0``; explicit zeros in ``F`` are ignored); ``source`` and ``sha256`` describe
    provenance and are not compared.
    """

    c: np.ndarray
    block_sizes: tuple[int, ...]
    F: list[list[sp.csr_matrix]]
    source: str | None = None
    sha256: str | None = field(default=None)

    def __post_init__(self) -> None:
        c = np.asarray(self.c)
        if c.dtype == object or not np.issubdtype(c.dtype, np.number) or np.iscomplexobj(c):
            raise TypeError(f"SDPAData: c must be a real numeric vector, got dtype {c.dtype}")
        c = c.astype(np.float64, copy=False)
        if c.ndim != 1 or c.size == 0:
            raise ValueError(f"SDPAData: c must be a nonempty 1-D array, got shape {c.shape}")
        self.c = c
        try:
            sizes = tuple(operator.index(s) for s in self.block_sizes)
        except TypeError:
            raise TypeError(
                f"SDPAData: block_sizes must be a sequence of ints, got {self.block_sizes!r}"
            ) from None
        if not sizes or any(isinstance(s, bool) or s == 0 for s in self.block_sizes):
            raise ValueError(
                f"SDPAData: block_sizes must be a nonempty sequence of nonzero ints, "
                f"got {self.block_sizes!r}"
            )
        self.block_sizes = sizes
        m, nb = c.size, len(sizes)
        if not isinstance(self.F, Sequence) or len(self.F) != m + 1:
            raise ValueError(
                f"SDPAData: F must be a list of m + 1 = {m + 1} lists of blocks (F_0..F_m), "
                f"got {_describe_len(self.F)}"
            )
        F = []
        for k, row in enumerate(self.F):
            if not isinstance(row, Sequence) or len(row) != nb:
                raise ValueError(
                    f"SDPAData: F[{k}] must be a list of {nb} blocks, got {_describe_len(row)}"
                )
            new_row = []
            for b, mat in enumerate(row):
                n = abs(sizes[b])
                if not (isinstance(mat, sp.csr_matrix) and mat.dtype == np.float64):
                    if sp.issparse(mat):
                        mat = sp.csr_matrix(mat, dtype=np.float64)
                    else:
                        arr = np.asarray(mat)
                        if arr.dtype == object or np.iscomplexobj(arr) or arr.ndim != 2:
                            raise TypeError(
                                f"SDPAData: F[{k}][{b}] must be a real 2-D matrix, got "
                                f"{type(mat).__name__}"
                            )
                        mat = sp.csr_matrix(arr, dtype=np.float64)
                if mat.shape != (n, n):
                    raise ValueError(
                        f"SDPAData: F[{k}][{b}] must have shape ({n}, {n}) (block size "
                        f"{sizes[b]}), got {mat.shape}"
                    )
                new_row.append(mat)
            F.append(new_row)
        self.F = F

    # -- sizes
    @property
    def m(self) -> int:
        """Number of variables (the length of ``c``)."""
        return int(self.c.size)

    @property
    def nblocks(self) -> int:
        """Number of blocks."""
        return len(self.block_sizes)

    @property
    def n(self) -> int:
        """Total order of the blocks, ``Σ_b |n_b|`` (SDPLIB's ``n``)."""
        return int(sum(abs(s) for s in self.block_sizes))

    def __repr__(self) -> str:
        nnz = sum(mat.nnz for row in self.F for mat in row)
        return (f"SDPAData(m={self.m}, block_sizes={self.block_sizes!r}, nnz={nnz}, "
                f"source={self.source!r})")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SDPAData):
            return NotImplemented
        if self.block_sizes != other.block_sizes or self.c.shape != other.c.shape:
            return False
        if self.c.tobytes() != other.c.tobytes():
            return False
        for row_a, row_b in zip(self.F, other.F):
            for a, b in zip(row_a, row_b):
                a, b = _canonical(a), _canonical(b)
                if not (np.array_equal(a.indptr, b.indptr)
                        and np.array_equal(a.indices, b.indices)
                        and a.data.tobytes() == b.data.tobytes()):
                    return False
        return True

    __hash__ = None  # mutable

    # -- checks
    def validate(self) -> SDPAData:
        """Check the content: finite values, symmetric blocks, diagonal diagonal-blocks.

        Returns
        -------
        SDPAData
            ``self``, for chaining.

        Raises
        ------
        ValueError
            Naming the offending ``c`` or ``F[k][b]`` (``k`` as in ``F_k``, ``b`` 0-based).
        """
        if not np.all(np.isfinite(self.c)):
            raise ValueError("SDPAData: c has non-finite entries")
        for k, row in enumerate(self.F):
            for b, mat in enumerate(row):
                if mat.nnz == 0:
                    continue
                if not np.all(np.isfinite(mat.data)):
                    raise ValueError(f"SDPAData: F[{k}][{b}] has non-finite entries")
                coo = mat.tocoo()
                off = (coo.row != coo.col) & (coo.data != 0)
                if self.block_sizes[b] < 0:
                    if np.any(off):
                        raise ValueError(
                            f"SDPAData: F[{k}][{b}] has off-diagonal entries but block {b} is "
                            f"diagonal (size {self.block_sizes[b]})"
                        )
                elif np.any(off) and (mat != mat.T).nnz:
                    raise ValueError(f"SDPAData: F[{k}][{b}] is not symmetric")
        return self

    # -- cvxpy
    def to_problem(self):
        """The SDP as a cvxpy problem in one vector variable ``x`` of length ``m``.

        Returns
        -------
        problem : cvxpy.Problem
            ``Minimize(c @ x)`` with one constraint per block, in file order: for a
            matrix block ``reshape(M_b @ x - vec(F_0b), (n, n), order="F") >> 0`` where
            column ``k`` of the sparse ``(n², m)`` matrix ``M_b`` is ``vec(F_kb)`` (so the
            expression is exactly symmetric); for a diagonal block
            ``D_b @ x - diag(F_0b) >= 0``. The data is attached as
            ``problem.sdpa_data``.
        x : cvxpy.Variable
            The variable, shape ``(m,)``, named ``"x"``.
        """
        import cvxpy as cp

        self.validate()
        m = self.m
        x = cp.Variable(m, name="x")
        constraints = []
        for b, size in enumerate(self.block_sizes):
            n = abs(size)
            rows, cols, vals = [], [], []
            for k in range(1, m + 1):
                mat = self.F[k][b]
                if mat.nnz == 0:
                    continue
                r, cc, v = _triplets(mat)
                rows.append(r if size < 0 else r + cc * n)
                cols.append(np.full(r.size, k - 1, dtype=np.int64))
                vals.append(v)
            nrows = n if size < 0 else n * n
            if rows:
                M = sp.csc_matrix(
                    (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                    shape=(nrows, m),
                )
            else:
                M = sp.csc_matrix((nrows, m))
            F0 = self.F[0][b]
            if size < 0:
                f0 = F0.diagonal()
                constraints.append(M @ x - f0 >= 0)
            else:
                f0 = np.asarray(F0.toarray()).ravel(order="F")
                constraints.append(cp.reshape(M @ x - f0, (n, n), order="F") >> 0)
        problem = cp.Problem(cp.Minimize(self.c @ x), constraints)
        problem.sdpa_data = self
        return problem, x


def _describe_len(obj: Any) -> str:
    size = len(obj) if hasattr(obj, "__len__") else "?"
    return f"{type(obj).__name__} of length {size}"


def _canonical(mat: sp.csr_matrix) -> sp.csr_matrix:
    if mat.has_canonical_format and (mat.nnz == 0 or np.all(mat.data != 0)):
        return mat
    mat = mat.copy()
    mat.sum_duplicates()
    mat.eliminate_zeros()
    return mat


def _triplets(mat: sp.csr_matrix):
    """Row, column, value arrays of ``mat`` (int64, int64, float64), zeros dropped."""
    mat = _canonical(mat)
    rows = np.repeat(np.arange(mat.shape[0], dtype=np.int64), np.diff(mat.indptr))
    return rows, mat.indices.astype(np.int64), mat.data


# --------------------------------------------------------------------------- reading


def _check_path(path: Any, name: str = "path") -> str:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{name} must be a str or os.PathLike, got {type(path).__name__}")
    path = os.fspath(path)
    if not isinstance(path, str):
        raise TypeError(f"{name} must be a str or os.PathLike of str, got {type(path).__name__}")
    return path


def _is_number_like(tok: str) -> bool:
    """Starts like a number (``1.5x`` is a bad number), or is ``inf``/``nan``."""
    return _NUMBER_LIKE.match(tok) is not None or _NONFINITE.match(tok) is not None


class _Parser:
    """Line-oriented parser; ``fail`` raises SDPAFormatError at a line."""

    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, line: int, reason: str):
        raise SDPAFormatError(self.path, line, reason)

    def int_(self, tok: str, line: int, what: str) -> int:
        if _INT.match(tok):
            return int(tok)
        if _FLOAT.match(tok.replace("D", "e").replace("d", "e")) or _NONFINITE.match(tok):
            self.fail(line, f"{what} must be an integer, got {tok!r}")
        self.fail(line, f"bad number {tok!r} (expected {what}, an integer)")

    def float_(self, tok: str, line: int, what: str) -> float:
        if _NONFINITE.match(tok):
            self.fail(line, f"non-finite value {tok!r} for {what}")
        if not _FLOAT.match(tok):
            self.fail(line, f"bad number {tok!r} (expected {what})")
        v = float(tok.replace("D", "e").replace("d", "e"))
        if not np.isfinite(v):
            self.fail(line, f"non-finite value {tok!r} for {what} (overflows a float)")
        return v


def _numbers(line: str) -> tuple[list[str], str | None]:
    """The number-like tokens at the start of ``line`` and the token ending them."""
    toks = [t for t in _SEPARATORS.split(line) if t]
    for i, t in enumerate(toks):
        if not _is_number_like(t):
            return toks[:i], t
    return toks, None


def _parse(text: str, path: str):
    p = _Parser(path)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    nlines = len(lines)

    # ---- header: m, nblocks, block sizes, c -- one stream of numbers
    m = nblocks = None
    sizes: list[int] = []
    cost: list[float] = []
    section_lines: list[tuple[int, int]] = []  # (line, count) per line of the open section
    section = "m"
    lineno = 0
    while section != "done":
        if lineno >= nlines:
            last = max(nlines, 1)
            if nlines == 0 or all(not ln.strip() or ln.strip()[0] in _COMMENT_CHARS
                                  for ln in lines):
                p.fail(last, "truncated file: no data (expected m, the number of variables)")
            want = {
                "m": "m (the number of variables)",
                "nblocks": "nblocks (the number of blocks)",
                "sizes": f"the block sizes ({len(sizes)} of nblocks = {nblocks} read)",
                "cost": f"the cost vector ({len(cost)} of m = {m} values read)",
            }[section]
            p.fail(last, f"truncated file: end of file while reading {want}")
        line = lines[lineno].rstrip("\r")
        lineno += 1
        s = line.strip()
        if not s or s[0] in _COMMENT_CHARS:
            continue
        toks, stop = _numbers(s)
        if not toks:
            want = {"m": "m (the number of variables)", "nblocks": "nblocks (the number of "
                    "blocks)", "sizes": "block sizes", "cost": "cost values"}[section]
            p.fail(lineno, f"expected {want}, found {stop!r}")
        pos = 0
        while pos < len(toks) and section != "done":
            if section == "m":
                m = p.int_(toks[pos], lineno, "m (the number of variables)")
                if m < 1:
                    p.fail(lineno, f"m (the number of variables) must be >= 1, got {m}")
                pos += 1
                section = "nblocks"
            elif section == "nblocks":
                nblocks = p.int_(toks[pos], lineno, "nblocks (the number of blocks)")
                if nblocks < 1:
                    p.fail(lineno, f"nblocks (the number of blocks) must be >= 1, got {nblocks}")
                pos += 1
                section, section_lines = "sizes", []
            else:
                target = sizes if section == "sizes" else cost
                total = nblocks if section == "sizes" else m
                take = min(total - len(target), len(toks) - pos)
                for tok in toks[pos:pos + take]:
                    if section == "sizes":
                        if section_lines and not _INT.match(tok):
                            p.fail(lineno, f"wrong count of block sizes: expected nblocks = "
                                           f"{nblocks}, {_span(section_lines)} "
                                           f"{len(target)} and line {lineno} continues with "
                                           f"{tok!r}, not a block size")
                        v = p.int_(tok, lineno, "a block size")
                        if v == 0:
                            p.fail(lineno, f"block size {len(target) + 1} is 0")
                        if abs(v) > _MAX_ORDER:
                            p.fail(lineno, f"block size {len(target) + 1} = {v} is too large "
                                           f"(at most {_MAX_ORDER} in absolute value)")
                        target.append(v)
                    else:
                        target.append(p.float_(tok, lineno, f"c[{len(target) + 1}]"))
                pos += take
                section_lines.append((lineno, take))
                if len(target) == total:
                    extra = len(toks) - pos
                    if extra:
                        _count_error(p, section, total, section_lines, lineno, extra)
                    section, section_lines = ("cost", []) if section == "sizes" else ("done", [])

    # ---- entries
    assert m is not None and nblocks is not None
    orders = np.array([abs(s) for s in sizes], dtype=np.int64)
    ks: list[int] = []
    bs: list[int] = []
    iis: list[int] = []
    jjs: list[int] = []
    vs: list[float] = []
    lns: list[int] = []
    last_data = max((i + 1 for i in range(lineno, nlines)
                     if lines[i].strip() and lines[i].strip()[0] not in _COMMENT_CHARS),
                    default=0)
    int_, float_, fail = p.int_, p.float_, p.fail
    for idx in range(lineno, nlines):
        s = lines[idx].strip()
        if not s or s[0] in _COMMENT_CHARS:
            continue
        ln = idx + 1
        toks, stop = _numbers(s)
        if len(toks) != 5:
            if len(toks) > 5:
                fail(ln, f"expected 5 fields 'k b i j v' in an entry, found {len(toks)} numbers")
            got = f"{len(toks)} number{'s' if len(toks) != 1 else ''}"
            got += f" before {stop!r}" if stop is not None else ""
            if ln == last_data and stop is None:
                fail(ln, f"truncated file: the last entry has {got}, expected 5 fields "
                         f"'k b i j v'")
            fail(ln, f"expected 5 fields 'k b i j v' in an entry, found {got}")
        k = int_(toks[0], ln, "k (the matrix index)")
        b = int_(toks[1], ln, "b (the block index)")
        i = int_(toks[2], ln, "i (the row index)")
        j = int_(toks[3], ln, "j (the column index)")
        v = float_(toks[4], ln, "the entry value")
        if not 0 <= k <= m:
            fail(ln, f"k = {k} out of range: matrices are F_0..F_m with m = {m}")
        if not 1 <= b <= nblocks:
            fail(ln, f"block index b = {b} out of range 1..{nblocks}")
        n = orders[b - 1]
        if not 1 <= i <= n:
            fail(ln, f"row index i = {i} out of range 1..{n} for block {b}")
        if not 1 <= j <= n:
            fail(ln, f"column index j = {j} out of range 1..{n} for block {b}")
        if sizes[b - 1] < 0 and i != j:
            fail(ln, f"off-diagonal entry ({i}, {j}) in block {b}, which is diagonal "
                     f"(size {sizes[b - 1]})")
        if i > j:
            i, j = j, i
        ks.append(k)
        bs.append(b)
        iis.append(i)
        jjs.append(j)
        vs.append(v)
        lns.append(ln)

    c = np.array(cost, dtype=np.float64)
    F = _assemble(p, m, sizes, ks, bs, iis, jjs, vs, lns)
    return c, tuple(sizes), F


def _count_error(p: _Parser, section: str, total: int, section_lines, lineno: int,
                 extra: int) -> None:
    what, name = (("block sizes", "nblocks") if section == "sizes" else ("cost values", "m"))
    if len(section_lines) == 1:
        p.fail(lineno, f"wrong count of {what}: expected {name} = {total}, the line holds "
                       f"{total + extra}")
    before = sum(cnt for _, cnt in section_lines[:-1])
    hint = " (missing cost entries?)" if section == "cost" else ""
    p.fail(lineno, f"wrong count of {what}: expected {name} = {total}, "
                   f"{_span(section_lines[:-1])} {before} and line {lineno} would add "
                   f"{total - before + extra} more{hint}")


def _span(section_lines) -> str:
    first, last = section_lines[0][0], section_lines[-1][0]
    return f"line {first} holds" if first == last else f"lines {first}-{last} hold"


def _assemble(p: _Parser, m: int, sizes: Sequence[int], ks, bs, iis, jjs, vs, lns):
    nb = len(sizes)
    k = np.asarray(ks, dtype=np.int64)
    b = np.asarray(bs, dtype=np.int64) - 1
    i = np.asarray(iis, dtype=np.int64) - 1
    j = np.asarray(jjs, dtype=np.int64) - 1
    v = np.asarray(vs, dtype=np.float64)
    line = np.asarray(lns, dtype=np.int64)
    group = k * nb + b
    order = np.lexsort((j, i, group))  # stable: equal entries stay in file order
    g, r, cc = group[order], i[order], j[order]
    same = (g[1:] == g[:-1]) & (r[1:] == r[:-1]) & (cc[1:] == cc[:-1])
    dup = np.flatnonzero(same)
    if dup.size:
        second = order[dup + 1]
        worst = second[np.argmin(line[second])]
        first = np.flatnonzero((group == group[worst]) & (i == i[worst]) & (j == j[worst]))[0]
        p.fail(int(line[worst]),
               f"duplicate entry k = {k[worst]}, block {b[worst] + 1}, ({i[worst] + 1}, "
               f"{j[worst] + 1}) (first given on line {line[first]}; entries are not summed)")

    # symmetric storage: mirror the strict upper triangle, drop zeros
    keep = v != 0
    off = keep & (i != j)
    G = np.concatenate([group[keep], group[off]])
    R = np.concatenate([i[keep], j[off]])
    C = np.concatenate([j[keep], i[off]])
    V = np.concatenate([v[keep], v[off]])
    order = np.lexsort((C, R, G))
    G, R, C, V = G[order], R[order], C[order].astype(np.int32), V[order]
    starts = np.searchsorted(G, np.arange(nb * (m + 1) + 1))

    F: list[list[sp.csr_matrix]] = []
    empty_ind = np.zeros(0, dtype=np.int32)
    empty_val = np.zeros(0, dtype=np.float64)
    for kk in range(m + 1):
        row = []
        for bb in range(nb):
            n = abs(sizes[bb])
            g = kk * nb + bb
            lo, hi = starts[g], starts[g + 1]
            if lo == hi:
                mat = sp.csr_matrix((empty_val, empty_ind, np.zeros(n + 1, dtype=np.int32)),
                                    shape=(n, n))
            else:
                indptr = np.searchsorted(R[lo:hi], np.arange(n + 1)).astype(np.int32)
                mat = sp.csr_matrix((V[lo:hi], C[lo:hi], indptr), shape=(n, n))
            mat.has_sorted_indices = True
            mat.has_canonical_format = True
            row.append(mat)
        F.append(row)
    return F


def read_sdpa_data(path: PathLike) -> SDPAData:
    """Read an SDPA sparse file (``.dat-s``) into an :class:`SDPAData`.

    Parameters
    ----------
    path : str or os.PathLike
        The file. Its bytes are hashed (``SDPAData.sha256``) and decoded as UTF-8
        (undecodable bytes, e.g. in comments, are replaced).

    Returns
    -------
    SDPAData
        With ``source`` the path as given (as a str).

    Raises
    ------
    TypeError
        If ``path`` is not a str or path-like.
    FileNotFoundError
        If there is no file at ``path``.
    SDPAFormatError
        If the file is malformed; the message names the file, the line and the defect.
    """
    path = _check_path(path)
    if not os.path.exists(path):
        raise FileNotFoundError(errno.ENOENT, f"no SDPA file at {path!r}", path)
    with open(path, "rb") as fh:
        raw = fh.read()
    digest = hashlib.sha256(raw).hexdigest()
    c, sizes, F = _parse(raw.decode("utf-8", errors="replace"), path)
    return SDPAData(c=c, block_sizes=sizes, F=F, source=path, sha256=digest)


def read_sdpa(path: PathLike):
    """Read an SDPA sparse file as a cvxpy problem.

    Equivalent to ``read_sdpa_data(path).to_problem()[0]``: the problem
    ``Minimize(c @ x)`` subject to one constraint per block (see
    :meth:`SDPAData.to_problem`). The data read is attached as ``problem.sdpa_data``
    and the variable is ``problem.variables()[0]``.

    Parameters
    ----------
    path : str or os.PathLike
        The file.

    Returns
    -------
    cvxpy.Problem

    Raises
    ------
    TypeError, FileNotFoundError, SDPAFormatError
        As :func:`read_sdpa_data`.
    """
    return read_sdpa_data(path).to_problem()[0]


# --------------------------------------------------------------------------- writing


def _format_data(data: SDPAData, comment: str | None) -> str:
    r = float.__repr__
    out: list[str] = []
    if comment:
        for line in str(comment).splitlines():
            out.append('" ' + line.replace("\r", ""))
    out.append(str(data.m))
    out.append(str(data.nblocks))
    out.append(" ".join(str(s) for s in data.block_sizes))
    out.append(" ".join(r(v) for v in data.c.tolist()))
    for k, row in enumerate(data.F):
        for b, mat in enumerate(row):
            if mat.nnz == 0:
                continue
            rows, cols, vals = _triplets(mat)
            up = rows <= cols
            for i, j, v in zip(rows[up].tolist(), cols[up].tolist(), vals[up].tolist()):
                out.append(f"{k} {b + 1} {i + 1} {j + 1} {r(v)}")
    out.append("")
    return "\n".join(out)


def write_sdpa(data_or_problem: Any, path: PathLike, *, comment: str | None = None) -> None:
    """Write an SDP in the SDPA sparse format (``.dat-s``), atomically.

    Parameters
    ----------
    data_or_problem : SDPAData or cvxpy.Problem
        The SDP. A cvxpy problem must already be in SDPA form: a single vector variable
        ``x`` (shape ``(m,)``, no attributes such as ``nonneg``), no parameters,
        ``Minimize`` of an affine function of ``x`` without constant term, and
        constraints each either ``E >> 0`` / ``E << 0`` (``PSD``) with ``E`` an affine
        square matrix expression — a matrix block; cvxpy constrains the symmetric part
        ``(E + Eᵀ)/2``, and that is what is written — or an affine (vector/matrix)
        inequality ``lhs >= rhs`` / ``lhs <= rhs`` or ``NonNeg``/``NonPos`` — a diagonal
        block, its entries in column-major order. The coefficients are extracted exactly
        (no numerical evaluation), so ``write_sdpa(data.to_problem()[0], ...)`` writes
        the same entries as ``write_sdpa(data, ...)``.
    path : str or os.PathLike
        The file to write (replaced atomically if it exists).
    comment : str, optional
        Written first, each of its lines as a ``"`` comment line.

    Raises
    ------
    TypeError
        If ``data_or_problem`` is neither, or ``path`` is not a str or path-like.
    ValueError
        If the data is invalid (:meth:`SDPAData.validate`) or the problem is not in SDPA
        form; the message says why.

    Notes
    -----
    Floats are written with ``repr`` (shortest round-trip form), so reading the file back
    gives bit-identical ``c`` and ``F``. Entries are written in the order ``k``, ``b``,
    ``i``, ``j``, upper triangle only; zero entries are omitted.
    """
    path = _check_path(path)
    if isinstance(data_or_problem, SDPAData):
        data = data_or_problem
    else:
        import cvxpy as cp

        if not isinstance(data_or_problem, cp.Problem):
            raise TypeError(
                f"data_or_problem must be an SDPAData or a cvxpy.Problem, got "
                f"{type(data_or_problem).__name__}"
            )
        data = _data_from_problem(data_or_problem)
    data.validate()
    text = _format_data(data, comment)
    atomic_write(path, lambda fh: fh.write(text), text=True)


def _affine_coefficients(expr, x_id: int, m: int):
    """``(A, b)`` with ``vec(expr) = A @ x + b`` (column-major vec), exactly."""
    from cvxpy.cvxcore.python import canonInterface
    from cvxpy.lin_ops.lin_op import CONSTANT_ID as const_id

    op = expr.canonical_form[0]
    tensor = canonInterface.get_problem_matrix(
        [op], m, {x_id: 0}, {const_id: 1}, {const_id: 0}, expr.size,
    )
    A, b = canonInterface.get_matrix_from_tensor(tensor, None, m)
    A = sp.csc_matrix(A)
    A.sum_duplicates()
    A.eliminate_zeros()
    return A, np.atleast_1d(np.asarray(b, dtype=np.float64)).ravel()


def _data_from_problem(problem) -> SDPAData:
    import cvxpy as cp
    from cvxpy.constraints import PSD, Inequality, NonNeg, NonPos

    def bad(why: str):
        raise ValueError(f"write_sdpa: the problem is not in SDPA form: {why}")

    if not isinstance(problem.objective, cp.Minimize):
        bad("the objective must be Minimize (SDPA minimises cᵀx; negate a Maximize)")
    if problem.parameters():
        bad("it has parameters; give them values and build the problem with constants")
    variables = problem.variables()
    if len(variables) != 1:
        bad(f"it must have exactly one variable, it has {len(variables)}")
    x = variables[0]
    if x.ndim != 1:
        bad(f"the variable must be a vector (shape (m,)), got shape {x.shape}")
    attrs = [k for k, val in x.attributes.items()
             if val is not None and val is not False and not (hasattr(val, "__len__")
                                                              and len(val) == 0)]
    if attrs:
        bad(f"the variable has attributes {attrs} (state them as constraints)")
    m = x.size

    obj = problem.objective.expr
    if not obj.is_affine():
        bad("the objective is not affine in x")
    A, b0 = _affine_coefficients(obj, x.id, m)
    if b0.size != 1:
        bad("the objective is not scalar")
    if b0[0] != 0:
        bad(f"the objective has a constant term {b0[0]!r}, which SDPA cannot represent")
    c = np.asarray(A.toarray(), dtype=np.float64).ravel()

    sizes: list[int] = []
    blocks: list[tuple[sp.csc_matrix, np.ndarray]] = []  # vec(S_b) = A x + b
    for idx, con in enumerate(problem.constraints):
        where = f"constraint {idx} ({type(con).__name__})"
        if isinstance(con, PSD):
            E = con.args[0]
            if E.ndim != 2 or E.shape[0] != E.shape[1]:
                bad(f"{where}: expected a square matrix expression, got shape {E.shape}")
            if not E.is_affine():
                bad(f"{where}: the expression is not affine in x")
            n = E.shape[0]
            A, bb = _affine_coefficients(E, x.id, m)
            perm = np.arange(n * n).reshape((n, n), order="F").ravel(order="C")
            At, bt = A[perm], bb[perm]
            if (A != At).nnz or not np.array_equal(bb, bt):
                A, bb = (A + At) * 0.5, (bb + bt) * 0.5
                A = sp.csc_matrix(A)
                A.eliminate_zeros()
            sizes.append(n)
            blocks.append((A, bb))
        elif isinstance(con, (Inequality, NonNeg, NonPos)):
            if isinstance(con, Inequality):
                E = con.args[1] - con.args[0]
            elif isinstance(con, NonNeg):
                E = con.args[0]
            else:
                E = -con.args[0]
            if not E.is_affine():
                bad(f"{where}: the expression is not affine in x")
            if E.size == 0:
                continue
            A, bb = _affine_coefficients(E, x.id, m)
            sizes.append(-E.size)
            blocks.append((A, bb))
        else:
            bad(f"{where}: only PSD constraints (E >> 0) and inequalities (E >= 0) have an "
                f"SDPA form")
    if not sizes:
        bad("it has no constraints")

    F: list[list[sp.csr_matrix]] = [[None] * len(sizes) for _ in range(m + 1)]  # type: ignore
    for b, (size, (A, bb)) in enumerate(zip(sizes, blocks)):
        n = abs(size)
        A = sp.csc_matrix(A)
        for k in range(m + 1):
            if k == 0:
                nz = np.flatnonzero(bb)
                r, v = nz, -bb[nz]
            else:
                lo, hi = A.indptr[k - 1], A.indptr[k]
                r, v = A.indices[lo:hi].astype(np.int64), A.data[lo:hi]
            if size < 0:
                rr, cc = r, r
            else:
                rr, cc = r % n, r // n
            F[k][b] = sp.csr_matrix((v, (rr, cc)), shape=(n, n)) if r.size else \
                sp.csr_matrix((n, n))
    return SDPAData(c=c, block_sizes=tuple(sizes), F=F)
