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


def _sparse_exact(rows, cols, density, seed):
    import scipy.sparse as sp
    rng = np.random.default_rng(seed)
    A = sp.random(rows, cols, density=density, random_state=rng, format="csr")
    A.data = rng.standard_normal(A.nnz) * 10.0 ** rng.integers(-20, 20, A.nnz)
    dense = [[Fraction(float(v)) for v in row] for row in A.toarray()]
    return A, dense


@pytest.mark.parametrize("rows,cols,density,seed", [
    (40, 7, 0.3, 0), (12, 3, 0.0, 1), (30, 30, 0.05, 2), (6, 5, 1.0, 3), (1, 1, 1.0, 4)])
def test_dyadic_csr_products_are_exact(rows, cols, density, seed):
    """matvec (all rows and a row range, empty rows included), rmatvec, gram (AᵀA)
    and gram_rows (AAᵀ) against Fraction sums."""
    from idl_sdp.certify.exact_data import DyadicCSR, DyadicVec

    A, dense = _sparse_exact(rows, cols, density, seed)
    D = DyadicCSR(A)
    rng = np.random.default_rng(seed + 100)
    x = DyadicVec.of(rng.standard_normal(cols) * 10.0 ** rng.integers(-10, 10, cols))
    y = DyadicVec.of(rng.standard_normal(rows))
    ax = D.matvec(x)
    ref = [sum((dense[i][j] * x.fraction(j) for j in range(cols)), Fraction(0))
           for i in range(rows)]
    assert [Fraction(v, 1 << ax.k) for v in ax.num] == ref
    assert all(type(v) is int for v in ax.num)
    lo, hi = rows // 3, rows - rows // 4
    part = D.matvec(x, rows=(lo, hi))
    assert [Fraction(v, 1 << part.k) for v in part.num] == ref[lo:hi]
    aty = D.rmatvec(y)
    assert [Fraction(v, 1 << aty.k) for v in aty.num] == [
        sum((dense[i][j] * y.fraction(i) for i in range(rows)), Fraction(0))
        for j in range(cols)]
    G = D.gram()
    assert G.to_fractions() == [[sum((dense[i][a] * dense[i][b] for i in range(rows)),
                                     Fraction(0)) for b in range(cols)] for a in range(cols)]
    GR = D.gram_rows()
    assert GR.to_fractions() == [[sum((dense[a][j] * dense[b][j] for j in range(cols)),
                                      Fraction(0)) for b in range(rows)] for a in range(rows)]


@pytest.mark.parametrize("shape", [(5, 3), (1, 1), (4, 0), (30, 30)])
def test_int_gram_is_exact(shape):
    from idl_sdp.certify.rational import int_gram

    X = dyadic_ints(RNG.standard_normal(shape) * 10.0 ** RNG.integers(-30, 30, shape))[0]
    X = X.reshape(shape)
    ref = [[sum(int(X[i, k]) * int(X[j, k]) for k in range(shape[1]))
            for j in range(shape[0])] for i in range(shape[0])]
    got = int_gram(X)
    assert got.shape == (shape[0], shape[0])
    assert [[int(v) for v in row] for row in got] == ref
