"""Exact rational matrices and exact rounding of rationals to floats.

Every binary64 float is a dyadic rational, so a matrix formed from stored float
entries by sums and products is a rational matrix that can be held *exactly*.
:class:`ExactMatrix` keeps it as Python integers over one positive common
denominator, ``M = num / den``, which makes exact elimination and exact quadratic
forms fast and simple.
"""
from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Any, List, Optional, Sequence, Tuple

import numpy as np

__all__ = [
    "ExactMatrix",
    "float_to_fraction",
    "parse_rational",
    "format_rational",
    "floor_float",
    "ceil_float",
    "dyadic_ints",
    "int_gram",
    "int_matmul",
]

_RATIONAL_RE = re.compile(r"^[+-]?\d+(/\d+)?$")
_HEX_RE = re.compile(r"^[+-]?0[xX][0-9a-fA-F]*\.?[0-9a-fA-F]*[pP][+-]?\d+$")


def float_to_fraction(x: float) -> Fraction:
    """The exact rational value of a finite float."""
    return Fraction(*float(x).as_integer_ratio())


def parse_rational(text: Any, name: str) -> Fraction:
    """Parse an exact rational written as ``"p"``, ``"p/q"`` or a ``float.hex`` string.

    Raises
    ------
    ValueError
        Naming ``name`` when ``text`` is not a string of one of these forms (NaN
        and infinities are refused; a zero denominator is refused).
    """
    if not isinstance(text, str):
        raise ValueError(f"{name} must be a string holding an exact rational, got "
                         f"{type(text).__name__}")
    s = text.strip()
    if _RATIONAL_RE.match(s):
        num, _, den = s.partition("/")
        if den and int(den) == 0:
            raise ValueError(f"{name} has a zero denominator: {text!r}")
        return Fraction(int(num), int(den) if den else 1)
    if _HEX_RE.match(s):
        try:
            value = float.fromhex(s)
        except (ValueError, OverflowError) as exc:  # "0x.p1"; "0x1p99999" overflows
            raise ValueError(f"{name} is not a finite float.hex string: {text[:60]!r} "
                             f"({exc})") from None
        return float_to_fraction(value)
    raise ValueError(f"{name} must be an exact rational 'p/q' or a float.hex string, "
                     f"got {text[:60]!r}")


def format_rational(q: Fraction) -> str:
    """``"p/q"`` (or ``"p"``) for an exact rational."""
    return str(Fraction(q))


def floor_float(q: Fraction) -> float:
    """The largest float ≤ q (−inf if q is below −max float)."""
    q = Fraction(q)
    try:
        f = q.numerator / q.denominator  # correctly rounded
    except OverflowError:
        return math.inf if q > 0 else -math.inf
    if math.isinf(f):
        return f if f < 0 else np.nextafter(f, -math.inf).item()
    if float_to_fraction(f) > q:
        f = float(np.nextafter(f, -math.inf))
    return f


def ceil_float(q: Fraction) -> float:
    """The smallest float ≥ q (+inf if q is above max float)."""
    return -floor_float(-Fraction(q))


def dyadic_ints(arr: np.ndarray) -> Tuple[np.ndarray, int]:
    """Write a finite float array exactly as ``ints / 2**k``.

    Returns an object array of Python ints of the same shape and ``k ≥ 0``.
    """
    a = np.asarray(arr, dtype=float)
    flat = a.ravel()
    if not np.all(np.isfinite(flat)):
        for x in flat:               # raises as float.as_integer_ratio does (inf, nan)
            float(x).as_integer_ratio()
    # x = m·2^e with |m| in [1/2, 1), so m·2^53 is an exact int64 mantissa; dividing out
    # its trailing zero bits gives x = p·2^-q with p odd (q may be negative), i.e. the
    # reduced ratio float.as_integer_ratio returns
    m, e = np.frexp(flat)
    mant = (m * 2.0 ** 53).astype(np.int64)
    nz = mant != 0
    tz = np.zeros(flat.shape, dtype=np.int64)
    if nz.any():
        low = mant[nz] & -mant[nz]                       # lowest set bit, a power of 2
        tz[nz] = np.frexp(low.astype(float))[1] - 1
    p = mant >> tz
    q = np.where(nz, 53 - e.astype(np.int64) - tz, 0)
    k = int(max(q.max(initial=0), 0))
    # Python ints shifted in numpy's object loop (about twice a list comprehension)
    out = p.astype(object) << (k - q).astype(object)
    return out.reshape(np.shape(arr)), k


def int_gram(X: np.ndarray) -> np.ndarray:
    """Exact ``X Xᵀ`` of an integer (object) matrix (X converted to flint once)."""
    return _int_product(X, None)


def int_matmul(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """Exact product of two integer (object) matrices.

    Uses python-flint's ``fmpz_mat`` when installed, numpy object arithmetic otherwise.
    """
    return _int_product(X, Y)


def _int_product(X: np.ndarray, Y: Optional[np.ndarray]) -> np.ndarray:
    """X·Y exactly, or X·Xᵀ when ``Y`` is None (then X goes to flint once)."""
    X = np.asarray(X, dtype=object)
    cols = X.shape[0] if Y is None else Y.shape[1]
    try:
        import flint  # noqa: PLC0415
    except ImportError:  # pragma: no cover - flint is a declared extra
        return X @ (X.T if Y is None else np.asarray(Y, dtype=object))
    if X.shape[1] == 0:
        return np.zeros((X.shape[0], cols), dtype=object) * 0

    def to_flint(Z: np.ndarray):
        Z = np.asarray(Z, dtype=object)
        return flint.fmpz_mat(Z.shape[0], Z.shape[1], list(map(int, Z.ravel().tolist())))

    Xf = to_flint(X)
    P = Xf * (Xf.transpose() if Y is None else to_flint(Y))
    out = np.empty(X.shape[0] * cols, dtype=object)
    out[:] = list(map(int, P.entries()))
    return out.reshape(X.shape[0], cols)


class ExactMatrix:
    """A rational matrix held exactly as ``num / den`` (Python ints, ``den > 0``).

    Parameters
    ----------
    num : sequence of sequences of int, or 2-D object array of int
        Numerators over the common denominator.
    den : int
        The common positive denominator.

    Instances are treated as immutable.
    """

    __slots__ = ("num", "den")

    def __init__(self, num: Any, den: int = 1):
        arr = np.empty((len(num), len(num[0]) if len(num) else 0), dtype=object)
        for i, row in enumerate(num):
            if isinstance(row, np.ndarray) and row.dtype == object and all(
                    type(v) is int for v in row):
                arr[i, :] = row          # already Python ints (the common, fast case)
                continue
            for j, v in enumerate(row):
                if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
                    raise TypeError(f"numerators must be integers, got {type(v).__name__}")
                arr[i, j] = int(v)
        if isinstance(den, bool) or not isinstance(den, (int, np.integer)) or den <= 0:
            raise ValueError(f"den must be a positive integer, got {den!r}")
        den = int(den)
        g = math.gcd(den, *arr.ravel().tolist())
        if g > 1:
            arr = arr // g if arr.size else arr
            den //= g
        self.num = arr
        self.den = den

    # ---------------------------------------------------------------- builders
    @classmethod
    def from_floats(cls, arr: np.ndarray) -> "ExactMatrix":
        """The exact rational matrix of a finite float array."""
        ints, k = dyadic_ints(arr)
        return cls(ints, 1 << k)

    @classmethod
    def from_fractions(cls, rows: Sequence[Sequence[Fraction]]) -> "ExactMatrix":
        """From a square or rectangular list of rationals."""
        den = 1
        for row in rows:
            for q in row:
                den = den * q.denominator // math.gcd(den, q.denominator)
        num = [[q.numerator * (den // q.denominator) for q in row] for row in rows]
        return cls(num, den)

    @classmethod
    def from_strings(cls, rows: Any, name: str = "matrix") -> "ExactMatrix":
        """Parse a list of lists of exact-rational strings (see :func:`parse_rational`)."""
        if not isinstance(rows, list) or not rows:
            raise ValueError(f"{name} must be a non-empty list of rows")
        width = None
        out: List[List[Fraction]] = []
        for i, row in enumerate(rows):
            if not isinstance(row, list):
                raise ValueError(f"{name}[{i}] must be a list, got {type(row).__name__}")
            if width is None:
                width = len(row)
            if len(row) != width or width == 0:
                raise ValueError(f"{name}[{i}] has {len(row)} entries, expected {width}")
            out.append([parse_rational(x, f"{name}[{i}][{j}]") for j, x in enumerate(row)])
        return cls.from_fractions(out)

    # ---------------------------------------------------------------- access
    @property
    def shape(self) -> Tuple[int, int]:
        return tuple(self.num.shape)  # type: ignore[return-value]

    @property
    def order(self) -> int:
        """n for an n×n matrix."""
        return self.num.shape[0]

    def entry(self, i: int, j: int) -> Fraction:
        return Fraction(self.num[i, j], self.den)

    def to_fractions(self) -> List[List[Fraction]]:
        return [[Fraction(v, self.den) for v in row] for row in self.num]

    def to_strings(self) -> List[List[str]]:
        return [[format_rational(q) for q in row] for row in self.to_fractions()]

    def is_symmetric(self) -> bool:
        n, m = self.shape
        return n == m and all(self.num[i, j] == self.num[j, i]
                              for i in range(n) for j in range(i + 1, n))

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, ExactMatrix) and self.den == other.den
                and self.shape == other.shape and bool(np.all(self.num == other.num)))

    def __repr__(self) -> str:
        return f"ExactMatrix(shape={self.shape}, den={self.den})"

    # ---------------------------------------------------------------- algebra
    def shifted(self, delta: Fraction) -> "ExactMatrix":
        """The exact matrix ``M − delta·I``."""
        delta = Fraction(delta)
        den = self.den * delta.denominator // math.gcd(self.den, delta.denominator)
        a, b = den // self.den, den // delta.denominator
        num = self.num * a
        for i in range(min(self.shape)):
            num[i, i] = num[i, i] - delta.numerator * b
        return ExactMatrix(num, den)

    def quad_form(self, v: Sequence[Fraction]) -> Fraction:
        """The exact value of ``vᵀ M v`` for a rational vector ``v``."""
        n = self.order
        if len(v) != n:
            raise ValueError(f"v must have length {n}, got {len(v)}")
        vd = 1
        for q in v:
            vd = vd * Fraction(q).denominator // math.gcd(vd, Fraction(q).denominator)
        w = np.array([int(Fraction(q) * vd) for q in v], dtype=object)
        total = int(w @ (self.num @ w)) if n else 0
        return Fraction(total, self.den * vd * vd)

    def scaled_floats(self) -> Tuple[np.ndarray, int]:
        """Nearest floats of ``M · 2**t`` with ``t`` chosen so ``max|entry| ∈ [1, 2)``.

        Returns ``(F, t)``; every entry of ``F`` is the correctly rounded value of the
        exact entry (Python's ``int / int`` is correctly rounded). Scaling by a power
        of two keeps the eigenvalue signs and avoids overflow and most underflow.
        """
        big = max((abs(v) for v in self.num.ravel()), default=0)
        if big == 0:
            return np.zeros(self.shape), 0
        # max|M| = big/den ∈ [2^(b-1-dl), 2^(b-dl+1)); choose t so max|M·2^t| ~ [1, 2)
        t = self.den.bit_length() - big.bit_length()
        while Fraction(big << max(t, 0), self.den << max(-t, 0)) >= 2:
            t -= 1
        while Fraction(big << max(t, 0), self.den << max(-t, 0)) < 1:
            t += 1
        # int / int is correctly rounded; numpy applies it entry by entry
        scaled = self.num * (1 << t) if t >= 0 else self.num
        den = self.den if t >= 0 else self.den << -t
        F = np.array((scaled / den).tolist(), dtype=float).reshape(self.shape)
        return F, t

    def scaled_exact(self, t: int) -> "ExactMatrix":
        """The exact matrix ``M · 2**t``."""
        if t >= 0:
            return ExactMatrix(self.num * (1 << t), self.den)
        return ExactMatrix(self.num, self.den << -t)

    def congruence_pow2(self, exponents: Sequence[int]) -> "ExactMatrix":
        """The exact matrix ``S M S`` with ``S = diag(2**e_i)`` (a congruence).

        ``S`` is nonsingular, so ``S M S`` has the inertia of ``M`` (Sylvester's law):
        it is PSD (PD) iff ``M`` is, and ``vᵀ(SMS)v = (Sv)ᵀ M (Sv)``.

        Parameters
        ----------
        exponents : sequence of int
            One exponent per row (length ``n``).
        """
        n = self.order
        if len(exponents) != n:
            raise ValueError(f"exponents must have length {n}, got {len(exponents)}")
        e = [int(x) for x in exponents]
        low = min(e, default=0)
        shift = max(0, -2 * low)  # S M S = num·2^(e_i + e_j + shift) / (den·2^shift)
        num = np.empty(self.shape, dtype=object)
        for i in range(n):
            for j in range(n):
                num[i, j] = int(self.num[i, j]) << (e[i] + e[j] + shift)
        return ExactMatrix(num, self.den << shift)


