"""The rounding-error bound of a float Cholesky (no exact residual) that value_bounds
uses first: it must never claim more than λ_min, and the exact re-check of its proof
(the verifier's own residual) must prove at least what it claims."""
import math
from fractions import Fraction

import numpy as np
import pytest

from idl_sdp.certify.bounds_check import _psd_bound
from idl_sdp.certify.exact_data import psd_float_bound, psd_lower_bound
from idl_sdp.certify.floating import arb_eigen_bounds, rounded_cholesky_bound
from idl_sdp.certify.rational import ExactMatrix, dyadic_ints

RNG = np.random.default_rng(20261204)


def _exact(S: np.ndarray) -> ExactMatrix:
    """The floats S exactly, as integers over 2^k."""
    ints, k = dyadic_ints(S)
    return ExactMatrix(ints, 1 << k)


def _gram_plus(n: int, rank: int, shift: float, scale: float) -> np.ndarray:
    B = RNG.standard_normal((n, rank))
    S = (B @ B.T + shift * np.eye(n)) * scale
    return 0.5 * (S + S.T)


@pytest.mark.parametrize("n,rank,shift,scale", [
    (1, 1, 0.0, 1.0), (3, 3, 1e-3, 1.0), (12, 12, 0.0, 2.0 ** 300),
    (40, 40, 1e-6, 2.0 ** -400), (90, 90, 1e-8, 1.0), (150, 150, 1e-9, 7.0),
    (60, 20, 1e-9, 1.0)])
def test_float_bound_is_below_lambda_min_and_reverified(n, rank, shift, scale):
    S = _gram_plus(n, rank, shift, scale)
    M = _exact(S)
    lam = float(np.linalg.eigvalsh(S)[0])
    got = psd_float_bound(S, lam, Fraction(0))
    enclosure = arb_eigen_bounds(M, prec=256)
    assert enclosure is not None
    if got is None:
        # only where the rounding-error bound cannot reach 0: λ_min at rounding level
        assert lam <= 1e-10 * np.max(np.abs(S)) * n
        return
    lb, proof = got
    assert lb <= enclosure[0], "claimed more than λ_min"
    assert lb >= 0
    # the verifier recomputes E = M·2^t − cI − LLᵀ exactly from the stored L
    ints, k = dyadic_ints(S)
    rechecked = _psd_bound(ints.tolist(), k, proof, "test")
    assert rechecked >= lb
    # and the rounding-error bound is not far below the exact one from the same L
    # (a few (n + 2)²·u of max|M|)
    assert float(rechecked - lb) <= 8.0 * (n + 2) ** 2 * 2.0 ** -53 * np.max(np.abs(S))
    # the exact path reaches further where asked to (shifts up to λ_min − noise)
    exact_lb, _ = psd_lower_bound(M, Fraction(10 ** 9))
    assert lb <= exact_lb <= enclosure[0]


@pytest.mark.parametrize("n", [3, 5, 20, 64, 121])
def test_float_bound_never_proves_a_singular_matrix_positive(n):
    """B Bᵀ with B integer of rank n − 1 has λ_min = 0 exactly: a positive bound would
    be a false claim, whatever the float eigenvalue estimate says."""
    factored = 0
    for _ in range(5):
        B = RNG.integers(-2 ** 20, 2 ** 20, size=(n, n - 1)).astype(float)
        S = B @ B.T
        assert np.all(np.abs(S) < 2 ** 53)          # the floats are the exact integers
        S = S + np.eye(n) * 0.0
        for lam in (float(np.linalg.eigvalsh(S)[0]), 1e-6 * float(np.max(S)), 1.0):
            got = psd_float_bound(S, abs(lam), Fraction(0))
            assert got is None or got[0] <= 0
        # every shift down to rounding level: where the float factorization succeeds
        # (it does for the small shifts), the bound stays ≤ 0
        t = 1 - math.frexp(float(np.max(np.abs(S))))[1]
        for j in range(20, 64):
            res = rounded_cholesky_bound(np.ldexp(S, t), t, 2.0 ** -j)
            factored += res is not None
            assert res is None or res[0] <= 0
    assert factored > 0


def test_float_bound_refuses_nonpositive_shifts_and_breakdowns():
    S = np.diag([1.0, -1.0])
    assert rounded_cholesky_bound(S, 0, 0.5) is None        # not positive definite
    assert rounded_cholesky_bound(np.eye(3), 0, 0.0) is None   # c must be > 0
    assert rounded_cholesky_bound(np.eye(3), 0, -1.0) is None
    assert psd_float_bound(np.eye(3), -1.0, Fraction(0)) is None
    assert psd_float_bound(np.zeros((3, 3)), 0.0, Fraction(0)) is None
    lb, L = rounded_cholesky_bound(np.eye(4), 0, 0.5)
    # λ_min(I) = 1, shift 0.5: the bound is 0.5 minus a few rounding units
    assert Fraction(1, 2) - Fraction(1, 2 ** 40) <= lb < Fraction(1, 2)
    assert np.allclose(L, np.sqrt(0.5) * np.eye(4))


def test_float_bound_stops_short_of_an_unreachable_need():
    S = _gram_plus(30, 30, 1e-3, 1.0)
    lam = float(np.linalg.eigvalsh(S)[0])
    assert psd_float_bound(S, lam, Fraction(lam)) is None      # c ≤ 0.99 λ < need
    got = psd_float_bound(S, lam, Fraction(lam * 0.95))
    assert got is not None and got[0] >= Fraction(lam * 0.95)


@pytest.mark.parametrize("n", [5, 20, 40])
def test_value_bounds_needs_no_exact_residual_on_a_well_posed_sdp(n, monkeypatch):
    """min ⟨C, X⟩ over X ⪰ 0, tr X = 1 has the value λ_min(C) (closed form). Its PSD
    blocks have room, so every proof comes from the rounding-error bound: with the exact
    residual made unavailable the enclosure is still finite, contains λ_min(C) and its
    certificate passes the exact re-check (which forms the residual itself)."""
    import cvxpy as cp

    import idl_sdp
    from idl_sdp.certify import exact_data
    from idl_sdp.certify.bounds_check import check_value_bounds

    B = RNG.standard_normal((n, n))
    C = 0.5 * (B + B.T)
    X = cp.Variable((n, n), symmetric=True)
    problem = cp.Problem(cp.Minimize(cp.trace(C @ X)), [X >> 0, cp.trace(X) == 1])

    def unavailable(*args, **kwargs):
        raise AssertionError("the exact residual was needed")

    monkeypatch.setattr(exact_data, "exact_residual_bound", unavailable)
    vb = idl_sdp.value_bounds(problem)
    lam = arb_eigen_bounds(_exact(C), prec=256)
    assert vb.status == "bounded"
    assert vb.lower <= float(lam[1]) and float(lam[0]) <= vb.upper
    assert vb.upper - vb.lower <= 1e-6 * max(1.0, abs(vb.lower))
    monkeypatch.undo()
    status, lower, upper = check_value_bounds(vb.certificate)
    assert (status, lower, upper) == ("bounded", vb.lower, vb.upper)
