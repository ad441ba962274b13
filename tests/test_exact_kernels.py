"""The exact-arithmetic kernels the bounds and certificates rest on, against plain
Fraction references (the fast paths vectorise them; the values must not change)."""
from fractions import Fraction

import numpy as np
import pytest

from idl_sdp.certify.floating import FloatView, exact_residual_bound
from idl_sdp.certify.rational import ExactMatrix, dyadic_ints, int_matmul

RNG = np.random.default_rng(20261202)
EDGE = np.array([0.0, -0.0, 1.0, 8.0, 2.0 ** 60, -3.5, 5e-324, -1e-310, 1e308, 0.1, -2.0 ** -1074])


def _reference_dyadic(arr):
    flat = [float(x).as_integer_ratio() for x in np.asarray(arr, dtype=float).ravel()]
    k = max((q.bit_length() - 1 for _, q in flat), default=0)
    return [p << (k - (q.bit_length() - 1)) for p, q in flat], k


@pytest.mark.parametrize("arr", [
    EDGE, np.zeros(4), np.zeros(0), np.array(3.0), np.arange(-5.0, 5.0),
    RNG.standard_normal((30, 30)),
    RNG.standard_normal(500) * 10.0 ** RNG.integers(-300, 300, 500)])
def test_dyadic_ints_is_the_reduced_exact_ratio(arr):
    ints, k = dyadic_ints(arr)
    ref, k_ref = _reference_dyadic(arr)
    assert k == k_ref and ints.shape == np.shape(arr)
    assert [type(v) for v in ints.ravel()] == [int] * len(ref)
    assert list(ints.ravel()) == ref
    for x, v in zip(np.asarray(arr, float).ravel(), ints.ravel()):
        assert Fraction(v, 1 << k) == Fraction(float(x))


@pytest.mark.parametrize("bad", [np.array([np.inf]), np.array([1.0, np.nan])])
def test_dyadic_ints_refuses_non_finite(bad):
    with pytest.raises((OverflowError, ValueError)):
        dyadic_ints(bad)


@pytest.mark.parametrize("shape", [(3, 4, 5), (1, 1, 1), (40, 17, 23), (5, 0, 3)])
def test_int_matmul_is_exact(shape):
    p, q, r = shape
    X = np.array([[int(v) << 70 for v in row] for row in RNG.integers(-2 ** 40, 2 ** 40, (p, q))],
                 dtype=object).reshape(p, q)
    Y = np.array(RNG.integers(-9, 9, (q, r)).tolist(), dtype=object).reshape(q, r)
    P = int_matmul(X, Y)
    assert P.shape == (p, r)
    for i in range(p):
        for j in range(r):
            assert type(P[i, j]) is int
            assert P[i, j] == sum(int(X[i, s]) * int(Y[s, j]) for s in range(q))


@pytest.mark.parametrize("n", [1, 7, 40])
def test_scaled_floats_are_correctly_rounded_and_err_is_exact(n):
    A = RNG.standard_normal((n, n)) * 3.0 ** RNG.integers(-20, 20, (n, n))
    M = ExactMatrix.from_floats((A + A.T) / 3.0)
    view = FloatView.of(M)
    assert 1 <= np.max(np.abs(view.F)) < 2
    for i in range(n):
        for j in range(n):
            exact = M.entry(i, j) * Fraction(2) ** view.t
            assert view.F[i, j] == float(exact)          # Fraction → float rounds correctly
            assert view.err[i][j] == exact - Fraction(float(view.F[i, j]))


def test_exact_matrix_reduces_and_checks_types():
    M = ExactMatrix(np.array([[2, 4], [6, 8]], dtype=object), 4)
    assert M.den == 2 and M.num.tolist() == [[1, 2], [3, 4]]
    with pytest.raises(TypeError, match="integers"):
        ExactMatrix(np.array([[1.5, 2]], dtype=object), 1)
    with pytest.raises(TypeError, match="integers"):
        ExactMatrix([[True, 2]], 1)


@pytest.mark.parametrize("n", [2, 9, 30])
def test_exact_residual_bound_matches_a_fraction_reference(n):
    B = RNG.standard_normal((n, n))
    M = ExactMatrix.from_floats(B @ B.T / n + np.eye(n))
    view = FloatView.of(M)
    c = 0.25
    L = np.linalg.cholesky(view.F - c * np.eye(n))
    got = exact_residual_bound(M, view.t, Fraction(c), L)
    # reference: E = M·2^t − cI − LLᵀ entry by entry in Fractions
    Lq = [[Fraction(float(L[i, j])) for j in range(n)] for i in range(n)]
    E = [[M.entry(i, j) * Fraction(2) ** view.t - (Fraction(c) if i == j else 0)
          - sum(Lq[i][s] * Lq[j][s] for s in range(n)) for j in range(n)] for i in range(n)]
    inf = max(sum(abs(x) for x in row) for row in E)
    fro2 = sum(x * x for row in E for x in row)
    # got = (c − min(inf, fro_upper))/2^t with fro_upper ≥ √fro2 a little loose
    lo = (Fraction(c) - inf) / Fraction(2) ** view.t
    assert got >= lo
    assert got <= (Fraction(c) - min(inf, Fraction(float(np.sqrt(float(fro2)))) * (1 - Fraction(1, 2 ** 40)))) / Fraction(2) ** view.t
    assert got > 0          # B Bᵀ/n + I ⪰ I: the proof is positive
