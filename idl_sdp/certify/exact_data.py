"""Exact (dyadic-integer) views of float vectors and sparse matrices, and the
rigorous lower bound of λ_min of an exact symmetric matrix, for :mod:`value_bounds`.

A float is a dyadic rational, so a float array is exactly ``ints / 2**k``; sums and
products of such arrays stay dyadic and are computed here with Python integers.
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Dict, List, Optional, Tuple

import numpy as np
import scipy.sparse as sp

from .floating import _sqrt_upper, exact_residual_bound, rounded_cholesky_bound
from .rational import ExactMatrix, dyadic_ints, format_rational

__all__ = ["DyadicVec", "DyadicCSR", "sqrt_upper", "psd_lower_bound", "psd_float_bound"]


class DyadicVec:
    """An exact vector ``num / 2**k`` (Python ints)."""

    __slots__ = ("num", "k")

    def __init__(self, num: List[int], k: int):
        self.num, self.k = num, k

    @classmethod
    def of(cls, v: np.ndarray) -> "DyadicVec":
        ints, k = dyadic_ints(np.asarray(v, float).ravel())
        return cls([int(x) for x in ints], k)

    def __len__(self) -> int:
        return len(self.num)

    def fraction(self, i: int) -> Fraction:
        return Fraction(self.num[i], 1 << self.k)

    def to_k(self, k: int) -> List[int]:
        """Numerators over 2**k (k ≥ self.k)."""
        s = k - self.k
        return [x << s for x in self.num]

    def add(self, other: "DyadicVec", sign: int = 1) -> "DyadicVec":
        k = max(self.k, other.k)
        a, b = self.to_k(k), other.to_k(k)
        return DyadicVec([x + sign * y for x, y in zip(a, b)], k)

    def dot(self, other: "DyadicVec") -> Fraction:
        return Fraction(sum(x * y for x, y in zip(self.num, other.num)),
                        1 << (self.k + other.k))

    def slice(self, lo: int, hi: int) -> "DyadicVec":
        return DyadicVec(self.num[lo:hi], self.k)

    def norm2_upper(self) -> Fraction:
        return sqrt_upper(Fraction(sum(x * x for x in self.num), 1 << (2 * self.k)))

    def floats(self) -> np.ndarray:
        """Nearest floats (for estimates only)."""
        den = 1 << self.k
        return np.array([x / den for x in self.num], dtype=float)


class DyadicCSR:
    """An exact sparse matrix: a CSR pattern with integer values over 2**k."""

    def __init__(self, A: sp.csr_array):
        A = sp.csr_array(A)
        A.sort_indices()
        self.shape = A.shape
        self.indptr = A.indptr.astype(np.int64)
        self.indices = A.indices.astype(np.int64)
        ints, k = dyadic_ints(A.data)
        self.vals = [int(x) for x in ints]
        self.k = k
        self._float = A

    def matvec(self, x: DyadicVec, rows: Optional[Tuple[int, int]] = None) -> DyadicVec:
        lo, hi = rows or (0, self.shape[0])
        ip = self.indptr[lo:hi + 1]
        out = np.zeros(hi - lo, dtype=object)
        a, b = int(ip[0]), int(ip[-1])
        if b > a:
            # exact products and row sums with numpy's object loops (Python ints, no
            # rounding): several times faster than a generator per row
            xn = np.empty(len(x.num), dtype=object)
            xn[:] = x.num
            prod = self._vals_obj()[a:b] * xn[self.indices[a:b]]
            starts = ip[:-1] - a
            full = ip[1:] > ip[:-1]
            out[full] = np.add.reduceat(prod, starts[full])
        return DyadicVec(out.tolist(), self.k + x.k)

    def _vals_obj(self) -> np.ndarray:
        """The values as an object array of Python ints (built once: the matrix is
        treated as immutable)."""
        if getattr(self, "_vals_o", None) is None:
            arr = np.empty(len(self.vals), dtype=object)
            arr[:] = self.vals
            self._vals_o = arr
        return self._vals_o

    def rmatvec(self, y: DyadicVec) -> DyadicVec:
        """Aᵀ y."""
        ip, ix, v, yn = self.indptr, self.indices, self.vals, y.num
        out = [0] * self.shape[1]
        for i in range(self.shape[0]):
            yi = yn[i]
            if yi:
                for p in range(ip[i], ip[i + 1]):
                    out[ix[p]] += v[p] * yi
        return DyadicVec(out, self.k + y.k)

    def row_block(self, lo: int, hi: int) -> "DyadicCSR":
        sub = DyadicCSR.__new__(DyadicCSR)
        a, b = self.indptr[lo], self.indptr[hi]
        sub.shape = (hi - lo, self.shape[1])
        sub.indptr = self.indptr[lo:hi + 1] - a
        sub.indices = self.indices[a:b]
        sub.vals = self.vals[a:b]
        sub.k = self.k
        sub._float = self._float[lo:hi]
        return sub

    def fro_upper(self, lo: int = 0, hi: Optional[int] = None) -> Fraction:
        """An upper bound on the Frobenius norm of rows lo..hi."""
        hi = self.shape[0] if hi is None else hi
        a, b = self.indptr[lo], self.indptr[hi]
        return sqrt_upper(Fraction(sum(x * x for x in self.vals[a:b]), 1 << (2 * self.k)))

    def row_norms_upper(self, lo: int, hi: int) -> List[Fraction]:
        ip, v = self.indptr, self.vals
        return [sqrt_upper(Fraction(sum(v[p] * v[p] for p in range(ip[i], ip[i + 1])),
                                    1 << (2 * self.k))) for i in range(lo, hi)]

    def gram(self) -> ExactMatrix:
        """AᵀA exactly (n × n), accumulated over the rows' nonzero pairs."""
        n = self.shape[1]
        G = np.zeros(n * n, dtype=object)
        ip, ix = self.indptr, self.indices
        counts = np.diff(ip)
        if counts.sum():
            # every pair (p, q) of nonzeros in one row, as index arrays: p repeated
            # once per nonzero of its row, q running over that row
            row_of = np.repeat(np.arange(self.shape[0]), counts)
            rep = counts[row_of]
            P = np.repeat(np.arange(len(row_of)), rep)
            first = np.cumsum(rep) - rep
            Q = np.repeat(ip[row_of], rep) + (np.arange(len(P)) - np.repeat(first, rep))
            vals = self._vals_obj()
            prod = vals[P] * vals[Q]                  # exact: Python ints
            keys = ix[P] * n + ix[Q]
            order = np.argsort(keys, kind="stable")
            keys, prod = keys[order], prod[order]
            heads = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
            G[keys[heads]] = np.add.reduceat(prod, heads)
        return ExactMatrix(G.reshape(n, n), 1 << (2 * self.k))

    def gram_rows(self) -> ExactMatrix:
        """AAᵀ exactly (rows × rows)."""
        return self.transpose().gram()

    def transpose(self) -> "DyadicCSR":
        T = DyadicCSR.__new__(DyadicCSR)
        At = sp.csr_array(self._float.T)
        At.sort_indices()
        # rebuild integer values in the transposed order exactly
        coo = sp.coo_array((np.arange(1, len(self.vals) + 1, dtype=np.float64),
                            (np.repeat(np.arange(self.shape[0]), np.diff(self.indptr)),
                             self.indices)), shape=self.shape)
        idx = sp.csr_array(coo.T)
        idx.sort_indices()
        T.shape = (self.shape[1], self.shape[0])
        T.indptr = idx.indptr.astype(np.int64)
        T.indices = idx.indices.astype(np.int64)
        T.vals = [self.vals[int(p) - 1] for p in idx.data]
        T.k = self.k
        T._float = At
        return T


#: A rational r ≥ √q, a little loose on purpose (see floating._sqrt_upper): the
#: independent verifier, computing √q more tightly, then never proves less than claimed.
sqrt_upper = _sqrt_upper


def psd_lower_bound(M: ExactMatrix, need: Fraction = Fraction(0)
                    ) -> Tuple[Optional[Fraction], Optional[Dict]]:
    """A proven lower bound ℓ ≤ λ_min(M) with its proof, trying to reach ℓ ≥ ``need``.

    The proof is a float Cholesky L of fl(M·2^t) − cI. Its bound is first taken from
    the rounding-error analysis of the factorization (:func:`rounded_cholesky_bound`:
    O(n) exact operations); only where that falls short of ``need`` is the residual
    ‖M·2^t − cI − LLᵀ‖ formed exactly (:func:`exact_residual_bound`: O(n³) integer
    products). Either way the verifier recomputes the residual exactly from L and
    proves at least ℓ. Returns (None, None) when every shift tried fails.
    """
    # the eigenvalues only (no eigenvectors: a third of eigh's time at order 250)
    F, t = M.scaled_floats()
    w = np.linalg.eigvalsh(F)
    top = max(abs(float(w[0])), abs(float(w[-1])), 1e-300)
    lam = float(w[0])
    noise = 4.0 * (M.order + 2) * 2.0 ** -52 * top
    quick = _rounded_shifts(F, t, lam, need, 2.0 ** -1074)
    if quick is not None:
        return quick
    best: Tuple[Optional[Fraction], Optional[Dict]] = (None, None)
    for frac in (0.5, 0.9, 0.99, 0.0):
        c = lam * frac if lam > 0 else lam - abs(lam) * (1 - frac) - noise
        c -= noise if frac == 0.0 else 0.0
        try:
            L = np.linalg.cholesky(F - c * np.eye(M.order))
        except np.linalg.LinAlgError:
            continue
        if not np.all(np.isfinite(L)):
            continue
        lb = exact_residual_bound(M, t, Fraction(c), L)
        if best[0] is None or lb > best[0]:
            best = (lb, _cholesky_proof(t, c, L))
        if lb >= need:
            break
    return best


def _rounded_shifts(F: np.ndarray, t: int, lam: float, need: Fraction, eta: float
                    ) -> Optional[Tuple[Fraction, Dict]]:
    """The first shift c = 0.5, 0.9, 0.99 × ``lam`` (an estimate of λ_min(F) > 0) whose
    :func:`rounded_cholesky_bound` reaches ``need``, as (bound, proof); else None."""
    if not lam > 0:
        return None
    for frac in (0.5, 0.9, 0.99):
        c = lam * frac
        quick = rounded_cholesky_bound(F, t, c, eta)
        if quick is not None and quick[0] >= need:
            return quick[0], _cholesky_proof(t, c, quick[1])
    return None


def _cholesky_proof(t: int, c: float, L: np.ndarray) -> Dict:
    """The stored form of a Cholesky proof (what the verifier reads)."""
    rows = L.tolist()
    return {"t": int(t), "shift": format_rational(Fraction(c)),
            "L": [list(map(float.hex, row[:i + 1])) for i, row in enumerate(rows)]}


def psd_float_bound(S: np.ndarray, lam: float, need: Fraction
                    ) -> Optional[Tuple[Fraction, Dict]]:
    """:func:`psd_lower_bound` from the nearest floats ``S`` of an exactly symmetric
    matrix M, when the rounding-error bound alone reaches ``need``; else ``None``.

    ``S`` must be the correctly rounded floats of M (each within u·|S_ij| + 2^-1075)
    and ``lam`` an estimate of λ_min(S). ``F = S·2^t`` (``max|F| ∈ [1, 2)``) is exact
    unless it underflows, so F is within u·|F_ij| + 2^(max(t, 0) − 1074) of M·2^t;
    the proof is the one :func:`psd_lower_bound` writes (t, shift, L), which the
    verifier checks against M exactly. Nothing here is O(n²) in exact arithmetic, so
    a block costs one float factorization.
    """
    top = float(np.max(np.abs(S))) if S.size else 0.0
    if not (lam > 0 and top > 0 and math.isfinite(top)):
        return None
    t = 1 - math.frexp(top)[1]
    return _rounded_shifts(np.ldexp(S, t), t, math.ldexp(lam, t), need,
                           2.0 ** (max(t, 0) - 1074))
