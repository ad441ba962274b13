"""The primal point moved along an interior direction of the data (no re-solve), and
the dual move skipped where it cannot gain room (e in the range of A)."""
from __future__ import annotations

import json
from pathlib import Path

import cvxpy as cp
import numpy as np
import pytest

import idl_sdp
import idl_sdp.certify.bounds as B
from idl_sdp.certify.bounds import cone_identity, interior_direction, value_bounds
from idl_sdp.certify.bounds_check import check_value_bounds
from idl_sdp.conic import conic_form

SDPLIB = Path(__file__).resolve().parents[2] / "shared" / "data" / "sdplib"


def _maxcut(n: int, seed: int):
    """max ¼⟨L, X⟩ s.t. diag X = 1, X ⪰ 0, as cvxpy writes it; its dual slack
    diag(ν) − ¼L lives in the span of the E_ii, which sum to I."""
    rng = np.random.default_rng(seed)
    W = np.triu(rng.random((n, n)) < 0.4, 1).astype(float)
    W = W + W.T
    L = np.diag(W.sum(1)) - W
    X = cp.Variable((n, n), symmetric=True)
    return cp.Problem(cp.Maximize(cp.trace(L @ X) / 4), [X >> 0, cp.diag(X) == 1])


def _solves(monkeypatch):
    calls = []
    real = B.solve_conic

    def counting(form, solver, opts):
        calls.append(1)
        return real(form, solver, opts)

    monkeypatch.setattr(B, "solve_conic", counting)
    return calls


@pytest.mark.parametrize("name", ["mcp100", "theta1", "qap5"])
@pytest.mark.skipif(not SDPLIB.is_dir(), reason="../shared/data/sdplib not present")
def test_sdplib_problems_whose_matrices_span_the_identity_have_a_direction(name):
    form = conic_form(idl_sdp.read_sdpa(SDPLIB / f"{name}.dat-s"))
    e = cone_identity(form)
    d = interior_direction(form, e)
    assert d is not None
    assert np.linalg.norm(form.A @ d - e) <= 1e-9 * np.linalg.norm(e)


@pytest.mark.skipif(not SDPLIB.is_dir(), reason="../shared/data/sdplib not present")
def test_no_direction_where_the_data_have_none():
    # truss1: A d = e has no solution with A d inside K (residual ≈ 1.85)
    form = conic_form(idl_sdp.read_sdpa(SDPLIB / "truss1.dat-s"))
    assert interior_direction(form, cone_identity(form)) is None
    # x ≥ −5 with x₀ + x₁ = 1: no direction keeps the equation and raises both
    x = cp.Variable(2)
    form = conic_form(cp.Problem(cp.Minimize(x[0]), [x[0] + x[1] == 1, x >= -5]))
    assert interior_direction(form, cone_identity(form)) is None


@pytest.mark.skipif(not SDPLIB.is_dir(), reason="../shared/data/sdplib not present")
def test_mcp100_upper_bound_needs_no_resolve(monkeypatch):
    calls = _solves(monkeypatch)
    vb = value_bounds(idl_sdp.read_sdpa(SDPLIB / "mcp100.dat-s"))
    assert len(calls) == 1                   # the first solve only
    assert vb.status == "bounded" and vb.width <= 1e-7
    assert vb.lower <= 226.157 + 5e-4 and vb.upper >= 226.157 - 5e-4   # published 226.157
    cert = json.loads(json.dumps(vb.certificate))
    assert check_value_bounds(cert) == (vb.status, vb.lower, vb.upper)


@pytest.mark.parametrize("n,seed", [(8, 0), (15, 1), (30, 2)])
def test_maxcut_enclosures_from_the_direction_are_tight_and_valid(n, seed, monkeypatch):
    prob = _maxcut(n, seed)
    ref = _maxcut(n, seed)
    ref.solve("CLARABEL", tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10)
    assert ref.status == "optimal"
    calls = _solves(monkeypatch)
    vb = value_bounds(prob)
    assert vb.status == "bounded"
    assert vb.lower <= ref.value + 1e-7 * abs(ref.value)
    assert vb.upper >= ref.value - 1e-7 * abs(ref.value)
    assert vb.width <= 1e-6
    assert len(calls) <= 2                   # at most one re-solve, for one side
    cert = json.loads(json.dumps(vb.certificate))
    assert check_value_bounds(cert) == (vb.status, vb.lower, vb.upper)


@pytest.mark.skipif(not SDPLIB.is_dir(), reason="../shared/data/sdplib not present")
def test_a_bound_far_from_the_solvers_value_gets_one_more_resolve():
    """truss2: the first-order price estimate says its ε is cheap, but the proven bounds
    lie ~1e-7 from the solver's value; with ``refine_above=1e-7`` one more re-solve at
    ε/100 recovers μ ≈ 1e-8. At the default (4e-7) that re-solve is not made, and the
    enclosure stays within twice the threshold."""
    prob = idl_sdp.read_sdpa(SDPLIB / "truss2.dat-s")
    default = value_bounds(prob)
    assert default.status == "bounded" and default.width <= 8e-7, default
    vb = value_bounds(prob, refine_above=1e-7)
    assert vb.status == "bounded" and vb.width <= 5e-8, vb
    assert vb.resolves >= default.resolves and vb.width < default.width
    with pytest.raises(ValueError, match="refine_above"):
        value_bounds(prob, refine_above=-1.0)
    assert vb.lower <= -123.38036 + 5e-6 and vb.upper >= -123.38036 - 5e-6  # published
    cert = json.loads(json.dumps(vb.certificate))
    assert check_value_bounds(cert) == (vb.status, vb.lower, vb.upper)
