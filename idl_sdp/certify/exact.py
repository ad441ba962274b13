r"""Exact symmetric LDLᵀ with diagonal pivoting, in integer (fraction-free) arithmetic.

For a symmetric rational matrix ``M = N / den`` the sign pattern of its LDLᵀ pivots
decides positive semidefiniteness *exactly*. We run fraction-free (Bareiss)
symmetric elimination on the integer matrix ``N``: after ``k`` pivots the working
entries are the ``(k+1)``-minors

.. math:: S^{(k)}_{ij} = \det N[\{p_1..p_k, i\}, \{p_1..p_k, j\}],

all integers (Sylvester's identity makes the update division exact), and the true
Schur complement of the pivoted block is ``S^{(k)} / S^{(k-1)}_{p_k p_k}``. With
every chosen pivot positive the signs of the Schur complement are those of
``S^{(k)}``, so at each step:

* a negative diagonal entry of the Schur complement proves ``M`` is not PSD;
* if all remaining diagonal entries are zero, ``M`` is PSD iff the whole remaining
  Schur complement is zero (a PSD matrix with a zero diagonal entry has that whole
  row and column zero); a nonzero off-diagonal entry proves ``M`` is not PSD;
* otherwise the largest positive diagonal entry is the next pivot.

It terminates with a proof either way: PSD with rank ``r`` (the ``r`` pivots
``d_k = S^{(k-1)}_{p_k p_k} / S^{(k-2)}_{p_{k-1} p_{k-1}} > 0`` and a zero
remaining Schur complement) or a vector ``v`` with ``vᵀMv < 0`` built from the
failing step. The cost is ``O(n³)`` big-integer operations; it is the default
certification method up to order :data:`EXACT_MAX_SIZE`.

**Wide dynamic ranges.** The Bareiss minors of ``N`` have about ``k·b`` bits after
``k`` steps, where ``b`` is the bit length of the entries of ``N = M·den``. A matrix
whose diagonal spans 2^±960 (the floats ``2^{±480}·S·2^{±480}``) has ``b`` ≈ 2000 and
takes about a minute at n = 60. :func:`diagonal_scaling` picks powers of two
``S = diag(2^{e_i})`` from the exponents of the diagonal so that ``S M S`` has its
diagonal in ``[1, 4)``; the congruence keeps the inertia (Sylvester's law), so the
elimination of ``S M S`` decides ``M ⪰ 0`` exactly, in well under a second.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import List, Optional, Sequence


from .._repr import Raw, result_repr
from .rational import ExactMatrix

__all__ = ["EXACT_MAX_SIZE", "SCALING_MIN_SPREAD", "LDLResult", "diagonal_scaling",
           "exact_ldl", "schur_witness", "solve_rational"]

#: Matrices of order up to this are decided by exact rational LDLᵀ by default.
EXACT_MAX_SIZE = 60
#: :func:`diagonal_scaling` rescales only when its exponents spread over more than this
#: (a diagonal spanning more than about 2^32); below, the elimination is cheap anyway.
SCALING_MIN_SPREAD = 16


def _log2_floor(num: int, den: int) -> int:
    """⌊log2(num / den)⌋ for positive integers."""
    e = num.bit_length() - den.bit_length()
    return e if (num << max(-e, 0)) >= (den << max(e, 0)) else e - 1


def diagonal_scaling(M: ExactMatrix, min_spread: int = SCALING_MIN_SPREAD
                     ) -> Optional[List[int]]:
    """Exponents ``e`` with ``diag(2^e) M diag(2^e)`` well scaled, or None if not needed.

    For a nonzero diagonal entry ``e_i = −⌊log2|m_ii| / 2⌋`` (so the scaled diagonal
    entry lies in ``[1, 4)`` in magnitude); a zero diagonal entry takes the exponent
    that brings the largest scaled entry of its row to about 1 (0 for a zero row).

    Parameters
    ----------
    M : ExactMatrix
        A symmetric rational matrix.
    min_spread : int
        Return None when ``max(e) − min(e) ≤ min_spread`` (no benefit).

    Returns
    -------
    list of int or None
        The exponents, or None.
    """
    n, den = M.order, M.den
    e: List[Optional[int]] = [None] * n
    for i in range(n):
        d = abs(int(M.num[i, i]))
        if d:
            e[i] = -(_log2_floor(d, den) // 2)
    for i in range(n):
        if e[i] is None:
            cands = [-(_log2_floor(abs(int(M.num[i, j])), den) + e[j])
                     for j in range(n) if e[j] is not None and M.num[i, j] != 0]
            e[i] = min(cands) if cands else 0
    exps = [int(x) for x in e]  # type: ignore[arg-type]
    if not exps or max(exps) - min(exps) <= min_spread:
        return None
    return exps


@dataclass
class LDLResult:
    """The outcome of :func:`exact_ldl`.

    Attributes
    ----------
    psd : bool
        Whether the matrix is positive semidefinite (exact).
    order : list of int
        The pivot indices in elimination order (length ``rank`` when ``psd``).
    pivots : list of Fraction
        The LDLᵀ pivots ``d_k`` of ``M`` (all > 0), one per entry of ``order``.
    rank : int
        The rank when ``psd``; the number of pivots taken before failure otherwise.
    det_pivoted : int
        The last Bareiss pivot: ``det N[order, order]`` (numerator scale ``N``).
    failure : tuple or None
        For a non-PSD matrix, ``("diag", i)`` (negative Schur diagonal at ``i``)
        or ``("offdiag", i, j, sign)`` (zero diagonals, nonzero entry at ``(i, j)``).
    """

    psd: bool
    order: List[int]
    pivots: List[Fraction]
    rank: int
    det_pivoted: int = 1
    failure: Optional[tuple] = None
    remaining: List[int] = field(default_factory=list)

    def __repr__(self) -> str:
        # det_pivoted is an exact integer that can have thousands of digits.
        digits = len(str(abs(self.det_pivoted)))
        return result_repr("LDLResult", head=[("psd", self.psd)], fields=[
            ("rank", self.rank), ("pivots", Raw(f"{len(self.pivots)} exact rationals")),
            ("det_pivoted", Raw(f"integer of {digits} digits" if digits > 20
                                else str(self.det_pivoted))),
            ("failure", Raw(repr(self.failure))), ("remaining", self.remaining)])


def exact_ldl(M: ExactMatrix) -> LDLResult:
    """Decide ``M ⪰ 0`` exactly by fraction-free symmetric LDLᵀ with diagonal pivoting.

    Parameters
    ----------
    M : ExactMatrix
        A symmetric rational matrix.

    Returns
    -------
    LDLResult
    """
    n = M.order
    S = [[int(v) for v in row] for row in M.num]
    remaining = list(range(n))
    order: List[int] = []
    pivots: List[Fraction] = []
    prev = 1
    while remaining:
        best, best_val, neg = None, 0, None
        for i in remaining:
            d = S[i][i]
            if d < 0 and (neg is None or d < S[neg][neg]):
                neg = i
            elif d > best_val:
                best, best_val = i, d
        if neg is not None:
            return LDLResult(False, order, pivots, len(order), prev, ("diag", neg), remaining)
        if best is None:  # all remaining diagonal entries are zero
            for a, i in enumerate(remaining):
                for j in remaining[a + 1:]:
                    if S[i][j] != 0:
                        sign = 1 if S[i][j] > 0 else -1
                        return LDLResult(False, order, pivots, len(order), prev,
                                         ("offdiag", i, j, sign), remaining)
            return LDLResult(True, order, pivots, len(order), prev, None, remaining)
        k = best
        p = S[k][k]
        remaining.remove(k)
        order.append(k)
        pivots.append(Fraction(p, prev * M.den))
        Sk = S[k]
        for a, i in enumerate(remaining):
            Si, sik = S[i], S[i][k]
            for j in remaining[a:]:
                val = (p * Si[j] - sik * Sk[j]) // prev
                Si[j] = val
                S[j][i] = val
        prev = p
    return LDLResult(True, order, pivots, n, prev, None, [])


def solve_rational(Arows: Sequence[Sequence[int]], b: Sequence[Fraction]) -> List[Fraction]:
    """Solve ``A x = b`` exactly for a nonsingular integer (or rational) matrix ``A``.

    Uses python-flint's ``fmpq_mat.solve`` when installed, Gaussian elimination
    over :class:`fractions.Fraction` otherwise.
    """
    k = len(b)
    if k == 0:
        return []
    try:
        import flint  # noqa: PLC0415
    except ImportError:  # pragma: no cover
        flint = None
    if flint is not None:
        A = flint.fmpq_mat(k, k, [flint.fmpq(int(v)) if not isinstance(v, Fraction)
                                  else flint.fmpq(v.numerator, v.denominator)
                                  for row in Arows for v in row])
        B = flint.fmpq_mat(k, 1, [flint.fmpq(Fraction(v).numerator, Fraction(v).denominator)
                                  for v in b])
        X = A.solve(B)
        return [Fraction(int(q.p), int(q.q)) for q in X.entries()]
    aug = [[Fraction(v) for v in row] + [Fraction(b[i])] for i, row in enumerate(Arows)]
    for c in range(k):
        piv = next(r for r in range(c, k) if aug[r][c] != 0)
        aug[c], aug[piv] = aug[piv], aug[c]
        for r in range(k):
            if r != c and aug[r][c] != 0:
                f = aug[r][c] / aug[c][c]
                aug[r] = [x - f * y for x, y in zip(aug[r], aug[c])]
    return [aug[i][k] / aug[i][i] for i in range(k)]


def schur_witness(M: ExactMatrix, res: LDLResult, u_index: Optional[int] = None) -> List[Fraction]:
    """A rational vector ``v`` realising the failing (or zero) Schur complement.

    With the pivoted block ``P = order`` and a vector ``u`` on the remaining
    indices, ``v = [−M_PP⁻¹ M_PR u ; u]`` satisfies ``vᵀ M v = uᵀ S u`` where ``S``
    is the Schur complement. For a failure ``("diag", i)`` take ``u = e_i``
    (``vᵀMv = S_ii < 0``); for ``("offdiag", i, j, s)`` take ``u = e_i − s·e_j``
    (``vᵀMv = −2|S_ij| < 0``); for a PSD but singular matrix pass ``u_index`` (a
    remaining index) to get a null vector (``vᵀMv = 0``).

    Returns
    -------
    list of Fraction
        ``v`` scaled so that ``max|v_i| = 1``.
    """
    n = M.order
    u = [Fraction(0)] * n
    if u_index is not None:
        u[u_index] = Fraction(1)
    elif res.failure is None:
        raise ValueError("schur_witness needs a failed elimination or u_index")
    elif res.failure[0] == "diag":
        u[res.failure[1]] = Fraction(1)
    else:
        _, i, j, s = res.failure
        u[i], u[j] = Fraction(1), Fraction(-s)
    P = res.order
    N = M.num
    rhs = [-sum(int(N[p, r]) * u[r] for r in range(n) if u[r] != 0) for p in P]
    x = solve_rational([[int(N[a, b]) for b in P] for a in P], rhs)
    v = list(u)
    for p, xp in zip(P, x):
        v[p] = xp
    big = max(abs(q) for q in v)
    return [q / big for q in v]
