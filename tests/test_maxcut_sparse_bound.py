"""The max-cut dual bound above the dense limit: a sparse LDLᵀ with a residual bound
is a proof (checked against dense eigenvalues), a wrong ν gives a valid looser bound,
and an unproven bound is +inf, never the Lanczos estimate."""
from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

import importlib

mc = importlib.import_module("idl_sdp.relax.maxcut")  # the module (relax.maxcut is the function)


def _laplacian(n, density, signed, seed):
    rng = np.random.default_rng(seed)
    A = sp.random(n, n, density=density, random_state=seed, format="csr")
    A = sp.triu(A, 1)
    A.data = rng.choice([-1.0, 1.0], A.nnz) if signed else np.ones(A.nnz)
    W = A + A.T
    return (sp.diags(np.asarray(W.sum(axis=1)).ravel()) - W).tocsr()


@pytest.mark.parametrize("n,density,signed,seed", [
    (40, 0.2, False, 0), (150, 0.05, True, 1), (400, 0.01, False, 2), (900, 0.005, True, 3)])
def test_sparse_bound_is_a_lower_bound_on_lambda_min(n, density, signed, seed):
    L = _laplacian(n, density, signed, seed)
    rng = np.random.default_rng(seed + 10)
    nu = 0.25 * L.diagonal() + rng.normal(0.0, 0.2, n)
    cert = mc.maxcut_certificate(L, nu, dense_limit=5)       # force the sparse path
    exact = np.linalg.eigvalsh(np.diag(nu) - 0.25 * L.toarray())[0]
    assert cert.certified
    assert cert.lambda_lower <= exact
    assert exact - cert.lambda_lower <= 1e-7 * max(1.0, abs(exact))
    dense = mc.maxcut_certificate(L, nu)
    assert cert.upper_bound == pytest.approx(dense.upper_bound, rel=1e-8)
    assert cert.upper_bound >= nu.sum() - n * exact


def test_wrong_nu_gives_a_valid_looser_bound():
    L = _laplacian(300, 0.03, False, 4)
    res = mc.maxcut(L, method="bm", seed=0)
    good = mc.maxcut_certificate(L, res.certificate.nu, dense_limit=5)
    bad_nu = res.certificate.nu + np.random.default_rng(0).normal(0, 0.5, 300)
    bad = mc.maxcut_certificate(L, bad_nu, dense_limit=5)
    assert good.certified and bad.certified
    # every bound is ≥ the value of a feasible point, the wrong ν's is looser
    assert bad.upper_bound >= good.upper_bound >= res.value - 1e-9 * res.value


def test_no_proof_means_infinite_bound(monkeypatch):
    L = _laplacian(200, 0.05, False, 5)
    nu = 0.25 * L.diagonal() + 0.5
    monkeypatch.setattr(mc, "_sparse_residual_bound", lambda S, ell0: None)
    cert = mc.maxcut_certificate(L, nu, dense_limit=5)
    assert not cert.certified
    assert cert.upper_bound == math.inf
    assert math.isfinite(cert.estimate)            # the estimate keeps its own name


# ------------------------------------------------------------- local search
def _brute_force_maxcut(L):
    n = L.shape[0]
    Ld = L.toarray()
    best = -math.inf
    for mask in range(1 << (n - 1)):
        x = np.array([1.0 if (mask >> i) & 1 else -1.0 for i in range(n)])
        best = max(best, 0.25 * x @ Ld @ x)
    return best


@pytest.mark.parametrize("n,signed,seed", [(8, False, 0), (10, True, 1), (12, False, 2)])
def test_local_search_improves_and_reaches_a_local_optimum(n, signed, seed):
    L = _laplacian(n, 0.5, signed, seed)
    rng = np.random.default_rng(seed)
    x0 = rng.choice([-1, 1], n)
    v0 = 0.25 * x0 @ (L @ x0)
    x, v, flips = mc.one_flip_search(x0, L)
    assert v >= v0 - 1e-12
    assert v == pytest.approx(0.25 * x.astype(float) @ (L @ x.astype(float)))
    Ld = L.toarray()
    gains = np.diag(Ld) - x * (Ld @ x)
    assert np.all(gains <= 1e-9)                     # no single flip improves it
    assert v <= _brute_force_maxcut(L) + 1e-9


def test_maxcut_reports_rounding_and_improved_cut():
    L = _laplacian(200, 0.05, True, 7)
    res = mc.maxcut(L, method="bm", seed=0)
    assert res.cut_value >= res.rounded_value - 1e-9
    assert res.cut_value <= res.upper_bound
    plain = mc.maxcut(L, method="bm", seed=0, local_search=False)
    assert plain.cut_value == plain.rounded_value
    with pytest.raises(TypeError, match="local_search"):
        mc.maxcut(L, local_search=1)
    with pytest.raises(ValueError, match="cut"):
        mc.one_flip_search(np.zeros(200), L)
