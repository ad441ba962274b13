r"""Floating-point certification with rigorous error bounds, and float-found witnesses.

**Cholesky of M − cI with an a-priori rounding-error bound.** Let ``Ã`` be a
symmetric binary64 matrix of order ``n`` and suppose the floating-point Cholesky
factorization ``Ã ≈ L Lᵀ`` runs to completion (any summation order, blocked or not,
with or without fused multiply-add; round to nearest; no Strassen-type products).
Demmel's backward error bound (Higham, *Accuracy and Stability of Numerical
Algorithms*, 2nd ed., Thm 10.3) gives

.. math:: L L^T = \tilde A + \Delta, \qquad |\Delta| \le \gamma_{n+1} |L||L^T|,
          \qquad \gamma_k = \frac{k u}{1 - k u},\ u = 2^{-53}.

By Cauchy–Schwarz ``(|L||Lᵀ|)_{ij} ≤ ‖l_i‖‖l_j‖`` and ``‖l_i‖² ≤ ã_ii / (1 − γ_{n+1})``,
so ``‖Δ‖₂ ≤ ‖|Δ|‖₂ ≤ γ_{n+1}/(1 − γ_{n+1}) · Σ_i ã_ii``. As ``LLᵀ ⪰ 0`` this proves
``λ_min(Ã) ≥ −γ_{n+1}/(1 − γ_{n+1}) · tr Ã``. This is the argument of S. M. Rump,
"Verification of positive definiteness", *BIT Numer. Math.* 46 (2006) 433–452: if
the float Cholesky of ``Ã = fl(F − cI)`` succeeds with ``c`` above that bound, the
matrix is positive definite. We apply it to ``F = fl(M·2^t)`` (``t`` makes
``max|F| ∈ [1, 2)``) and account *exactly* for everything else:

.. math:: \lambda_{\min}(M 2^t) \ge -\beta + \min_i\Big[(M2^t - \tilde A)_{ii}
          - \sum_{j \ne i} |(M 2^t - F)_{ij}|\Big],
          \quad \beta = \frac{\gamma_{n+1}}{1-\gamma_{n+1}} \operatorname{tr}\tilde A + \tau,

(Weyl's inequality and Gershgorin's theorem on the exactly known rational matrix
``M2^t − Ã``), where ``τ = 2^-900`` over-covers gradual underflow (each entry of
``Δ`` picks up at most ``n + 2`` underflow errors of size ``≤ 2^-1074`` when the
factor entries are ``≤ 2`` in magnitude). We use ``γ_{n+2}`` in place of
``γ_{n+1}`` so that triangular solves that multiply by a rounded reciprocal of the
pivot (as some optimized BLAS do) are covered too. Every quantity is evaluated in
exact rational arithmetic and the final bound rounded downward.

**A-posteriori exact residual.** The stored proof of a float certificate is the pair
``(c, L)``; anyone can recompute ``E = M2^t − cI − LLᵀ`` exactly and conclude
``λ_min(M) ≥ (c − min(‖E‖_F, ‖E‖_∞)) / 2^t`` without trusting floating point at all
(this is what :func:`idl_sdp.certify.verify` does). :func:`idl_sdp.certify.certify`
says "certified" by this method only when *both* the a-priori bound and this
assumption-free residual bound are positive, and it reports the residual bound as
the margin — so no claim depends on how the platform's LAPACK rounds.

**Ball arithmetic.** :func:`arb_eigen_bounds` encloses all eigenvalues with
python-flint's ``arb_mat.eig`` (FLINT's rigorous eigenvalue enclosures).

**Witnesses.** :func:`eigenvector_witness` rounds float eigenvectors of the most
negative eigenvalues to rationals (floats are rationals) and keeps one whose exact
Rayleigh numerator ``vᵀMv`` is negative.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import List, Optional, Sequence, Tuple

import numpy as np

from .._repr import result_repr
from .rational import ExactMatrix, dyadic_ints, float_to_fraction, int_gram

__all__ = [
    "UNIT_ROUNDOFF",
    "UNDERFLOW_TERM",
    "gamma",
    "FloatView",
    "CholeskyProof",
    "cholesky_bound",
    "rounded_cholesky_bound",
    "exact_residual_bound",
    "eigenvector_witness",
    "arb_eigen_bounds",
]

#: Unit roundoff of binary64, round to nearest.
UNIT_ROUNDOFF = Fraction(1, 2 ** 53)
#: Absolute term covering gradual underflow (see the module docstring).
UNDERFLOW_TERM = Fraction(1, 2 ** 900)


def gamma(k: int) -> Fraction:
    """γ_k = k·u / (1 − k·u), exactly."""
    ku = k * UNIT_ROUNDOFF
    if ku >= 1:
        raise ValueError(f"gamma_{k} is undefined (k·u ≥ 1)")
    return ku / (1 - ku)


@dataclass
class FloatView:
    """A float picture of an exact matrix: ``F = fl(M·2^t)`` and its exact error.

    Attributes
    ----------
    M : ExactMatrix
    F : ndarray
        Nearest floats of ``M·2^t``.
    t : int
        The power-of-two scaling.
    err : list of list of Fraction
        ``M·2^t − F`` exactly.
    eigvals, eigvecs : ndarray
        ``numpy.linalg.eigh(F)`` (estimates only).
    """

    M: ExactMatrix
    F: np.ndarray
    t: int
    eigvals: np.ndarray
    eigvecs: np.ndarray
    _err: Optional[List[List[Fraction]]] = field(default=None, repr=False, compare=False)

    @property
    def err(self) -> List[List[Fraction]]:
        """``M·2^t − F`` exactly (formed on first use: only the a-priori bound needs it)."""
        if self._err is None:
            Mt = self.M.scaled_exact(self.t)
            n = self.M.order
            self._err = [[Fraction(int(Mt.num[i, j]), Mt.den)
                          - float_to_fraction(self.F[i, j]) for j in range(n)]
                         for i in range(n)]
        return self._err

    def __repr__(self) -> str:
        return result_repr("FloatView", [
            ("order", self.M.order), ("t", self.t),
            ("lambda_min_estimate", self.lambda_min_estimate()), ("F", self.F)])

    @classmethod
    def of(cls, M: ExactMatrix) -> "FloatView":
        F, t = M.scaled_floats()
        w, V = np.linalg.eigh(F)
        return cls(M, F, t, w, V)

    def scale(self) -> Fraction:
        """``2^t`` as an exact rational."""
        return Fraction(2) ** self.t

    def lambda_min_estimate(self) -> float:
        """A float *estimate* (not a bound) of λ_min(M)."""
        return math.ldexp(float(self.eigvals[0]), -self.t)


@dataclass
class CholeskyProof:
    """A successful float Cholesky of ``F − cI`` with its proven bound.

    Attributes
    ----------
    shift : float
        ``c`` in the scaled domain (``M·2^t``).
    t : int
        The scaling exponent.
    L : ndarray
        The computed lower-triangular factor of ``fl(F − cI)``.
    lower_bound : Fraction
        Proven lower bound on λ_min(M) (unscaled), from the a-priori bound.
    """

    shift: float
    t: int
    L: np.ndarray
    lower_bound: Fraction

    def __repr__(self) -> str:
        return result_repr("CholeskyProof", [
            ("lower_bound", float(self.lower_bound)), ("shift", self.shift), ("t", self.t),
            ("L", self.L)])


def _gershgorin_lower(diag: Sequence[Fraction], err: List[List[Fraction]]) -> Fraction:
    n = len(diag)
    return min(diag[i] - sum(abs(err[i][j]) for j in range(n) if j != i) for i in range(n))


def cholesky_bound(view: FloatView, shift: float) -> Optional[CholeskyProof]:
    """Try to prove ``λ_min(M) ≥ …`` from a float Cholesky of ``F − shift·I``.

    Parameters
    ----------
    view : FloatView
        The float picture of ``M``.
    shift : float
        ``c`` in the scaled domain; may be negative (to bound λ_min of an
        indefinite matrix from below).

    Returns
    -------
    CholeskyProof or None
        ``None`` when the factorization breaks down or produces non-finite values.
        Otherwise the proven lower bound (possibly negative) on λ_min(M).
    """
    F, n = view.F, view.M.order
    At = F - shift * np.eye(n)  # fl(F_ii − c) on the diagonal, F_ij off it
    try:
        L = np.linalg.cholesky(At)
    except np.linalg.LinAlgError:
        return None
    if not np.all(np.isfinite(L)) or not np.all(np.diag(L) > 0):
        return None
    diag_At = [float_to_fraction(At[i, i]) for i in range(n)]
    if any(d < 0 for d in diag_At):  # impossible after a successful factorization
        return None
    g = gamma(n + 2)
    beta = g / (1 - g) * sum(diag_At) + UNDERFLOW_TERM
    Mt_minus_At = [float_to_fraction(F[i, i]) + view.err[i][i] - diag_At[i] for i in range(n)]
    lb_scaled = _gershgorin_lower(Mt_minus_At, view.err) - beta
    return CholeskyProof(float(shift), view.t, L, lb_scaled / view.scale())


#: Half of the a-priori residual bound is what :func:`rounded_cholesky_bound` keeps
#: in reserve, so that the exact re-check (which bounds ‖E‖_F with a square root rounded
#: up by at most 2^-48 relative) always proves at least the bound reported.
APRIORI_RESERVE = 2.0


def rounded_cholesky_bound(F: np.ndarray, t: int, c: float, eta: float = 2.0 ** -1074
                           ) -> Optional[Tuple[Fraction, np.ndarray]]:
    r"""λ_min(M) ≥ ℓ from a float Cholesky of fl(F − cI), without forming the residual.

    ``F`` holds floats of ``M·2^t`` within ``u·|F_ij| + eta`` of the exact entries
    (u = 2^-53; correctly rounded: ``eta`` = 2^-1074 covers subnormals) and ``c > 0``.
    If the float Cholesky ``L`` of ``Ã = fl(F − cI)`` runs to completion, then
    ``E = M·2^t − cI − LLᵀ`` is the sum of three terms bounded without looking at
    ``M`` again:

    * ``M·2^t − F``: Frobenius norm at most ``u·n·max|F| + n·eta``;
    * ``F − cI − Ã``: diagonal only, within ``u·Ã_ii + 2^-1074`` each;
    * ``Ã − LLᵀ``: at most ``γ_{n+2}/(1 − γ_{n+2})·tr Ã + τ`` (the module docstring).

    The bound is ``ℓ = (c − 2·(their sum))/2^t``: the factor :data:`APRIORI_RESERVE`
    keeps room for the exact re-check, which recomputes ``E`` from ``L`` and bounds
    ``λ_min(M) ≥ (c − ‖E‖_F)/2^t`` with no assumption on the arithmetic. The sum of
    the three terms (a dozen float operations, each within a factor 1 + u) is taken
    times 1 + 2^-40 to cover its own rounding. Cost: the factorization, against O(n³)
    exact integer products for :func:`exact_residual_bound`. Returns ``(ℓ, L)``, or
    ``None`` when the factorization breaks down or ``c ≤ 0``.
    """
    n = F.shape[0]
    if not c > 0 or n == 0:
        return None
    At = F - c * np.eye(n)
    try:
        L = np.linalg.cholesky(At)
    except np.linalg.LinAlgError:
        return None
    if not np.all(np.isfinite(L)):
        return None
    d = np.diag(At)
    if not np.all(d > 0):
        return None
    u = 2.0 ** -53
    tr = math.fsum(d.tolist()) * (1.0 + 2.0 ** -50)        # ≥ tr Ã (fsum: one rounding)
    g = (n + 2) * u / (1.0 - (n + 2) * u)
    resid = (u * n * float(np.max(np.abs(F))) + u * tr + g / (1.0 - g) * tr
             + 2.0 ** -900 + n * (eta + 2.0 ** -1074)) * (1.0 + 2.0 ** -40)
    return (Fraction(c) - Fraction(APRIORI_RESERVE * resid)) / Fraction(2) ** t, L


def _sqrt_upper(q: Fraction) -> Fraction:
    """A rational r with √q·(1 + 2^-60) ≤ r ≤ √q·(1 + 2^-48) (q ≥ 0).

    Deliberately a little loose, so that a verifier computing √q more tightly can
    only obtain a larger (never a smaller) lower bound than the one reported.
    """
    if q <= 0:
        return Fraction(0)
    shift = (q.numerator.bit_length() - q.denominator.bit_length()) // 2
    scaled = q / Fraction(4) ** shift  # in [1/4, 4]: float() cannot under/overflow
    r = float_to_fraction(math.sqrt(float(scaled)))
    while r * r < scaled:
        r *= 1 + Fraction(1, 2 ** 52)
    return r * (1 + Fraction(1, 2 ** 59)) * Fraction(2) ** shift


def exact_residual_bound(M: ExactMatrix, t: int, shift: Fraction, L: np.ndarray) -> Fraction:
    """Proven ``λ_min(M) ≥ (c − ‖E‖₂ upper bound) / 2^t`` with ``E = M2^t − cI − LLᵀ``.

    Everything is exact: ``L`` holds floats (dyadic rationals), ``LLᵀ`` is formed with
    integers, and ``‖E‖₂ ≤ min(‖E‖_F, ‖E‖_∞)`` is evaluated over the rationals.
    """
    n = M.order
    Li, k = dyadic_ints(L)
    LLt = int_gram(Li)  # = L Lᵀ · 4^k
    Mt = M.scaled_exact(t)
    shift = Fraction(shift)
    den = Mt.den * (1 << (2 * k)) * shift.denominator
    a = den // Mt.den
    b = den // (1 << (2 * k))
    c = den // shift.denominator
    # object arrays of Python ints: exact, with numpy doing the looping
    E = np.asarray(Mt.num, dtype=object) * a - np.asarray(LLt, dtype=object) * b
    if n:
        E[np.diag_indices(n)] -= shift.numerator * c
    absE = np.abs(E)
    inf_norm = Fraction(int(max(absE.sum(axis=1), default=0)) if n else 0, den)
    fro = _sqrt_upper(Fraction(int((E * E).sum()) if n else 0, den * den))
    return (shift - min(inf_norm, fro)) / (Fraction(2) ** t)


def eigenvector_witness(
    view: FloatView, strict: bool = False, tries: int = 3
) -> Optional[Tuple[List[Fraction], Fraction]]:
    """Round float eigenvectors of the smallest eigenvalues to rationals and test them.

    Returns ``(v, vᵀMv)`` for the first ``v`` with exact ``vᵀMv < 0`` (``≤ 0`` and
    ``v ≠ 0`` when ``strict``), or ``None``. ``v`` is scaled to integers.
    """
    M = view.M
    for col in range(min(tries, M.order)):
        if view.eigvals[col] > 0 and not strict:
            break
        x = view.eigvecs[:, col]
        if not np.all(np.isfinite(x)) or not np.any(x):
            continue
        v = [float_to_fraction(w) for w in x / np.max(np.abs(x))]  # exact, max |v_i| = 1
        val = M.quad_form(v)
        if val < 0 or (strict and val <= 0):
            return v, val
    return None


def arb_eigen_bounds(M: ExactMatrix, prec: int = 128) -> Optional[Tuple[Fraction, Fraction]]:
    """Rigorous enclosure ``[lo, hi]`` of λ_min(M) by ball arithmetic (python-flint).

    The exact rational entries are converted to balls at ``prec`` bits (enclosing
    them), and ``arb_mat.eig(multiple=True)`` returns balls that provably contain
    every eigenvalue; for a symmetric matrix the eigenvalues are real, so

    ``lo = min_k Re(lower(e_k))`` and ``hi = min_k Re(upper(e_k))`` bound λ_min.

    Returns ``None`` when python-flint is not installed or the enclosure fails.
    """
    try:
        import flint  # noqa: PLC0415
    except ImportError:  # pragma: no cover
        return None
    old = flint.ctx.prec
    try:
        flint.ctx.prec = prec
        n = M.order
        A = flint.arb_mat(n, n, [flint.arb(flint.fmpq(int(v), M.den)) for v in M.num.ravel()])
        eig = A.eig(multiple=True)
        if not eig or len(eig) != n:
            return None
        lows, highs = [], []
        for e in eig:
            re = e.real
            if not re.is_finite():
                return None
            lows.append(_arf_to_fraction(re.lower()))
            highs.append(_arf_to_fraction(re.upper()))
        return min(lows), min(highs)
    except Exception:  # enclosure failure (clusters not separated, etc.)
        return None
    finally:
        flint.ctx.prec = old


def _arf_to_fraction(x) -> Fraction:
    """Exact rational value of an exact (radius-0) arb endpoint."""
    man, exp = x.mid().man_exp()
    man, exp = int(man), int(exp)
    return Fraction(man * 2 ** exp) if exp >= 0 else Fraction(man, 2 ** -exp)
