"""The scaled dual correction: a solver's dual point moved onto Aᵀy = c in its own
metric stays inside K*, where the least-norm correction leaves it — so the lower bound
needs no re-solve. Checked against closed-form optima and SDPLIB's published values."""
from __future__ import annotations

import json
from pathlib import Path

import cvxpy as cp
import numpy as np
import pytest

import idl_sdp
import idl_sdp.certify.bounds as B
import idl_sdp.certify.scaled_correction as SC
from idl_sdp.certify.bounds import ExactForm, dual_inward, prove_lower, value_bounds
from idl_sdp.certify.bounds_check import check_value_bounds
from idl_sdp.conic import conic_form, solve_conic
from idl_sdp.conic.margins import cone_margin

SDPLIB = Path(__file__).resolve().parents[2] / "shared" / "data" / "sdplib"


def _min_eig_problem(n: int, seed: int):
    """min ⟨C, X⟩ s.t. tr X = 1, X ⪰ 0 (+ a nonnegative and a second-order piece that
    do not bind): optimum λ_min(C), attained by a rank-one X; the dual slack
    C − λ_min(C)·I is singular, so the dual optimum lies on the boundary of K*."""
    rng = np.random.default_rng(seed)
    G = rng.standard_normal((n, n))
    C = G + G.T
    X = cp.Variable((n, n), symmetric=True)
    t = cp.Variable(2)
    prob = cp.Problem(cp.Minimize(cp.trace(C @ X) + t[0]),
                      [X >> 0, cp.trace(X) == 1, t >= 0, cp.SOC(t[0], t[1:])])
    return prob, float(np.linalg.eigvalsh(C)[0])


def _least_norm(form, E, y):
    """The exact correction's move in floating point: y + A_K G⁻¹(c_K − A_Kᵀy)."""
    return B._float_corrected(E, "dual", y)


@pytest.mark.parametrize("n,seed", [(4, 0), (8, 1), (15, 2), (25, 3)])
def test_scaled_point_satisfies_the_equations_and_stays_in_the_cone(n, seed):
    prob, opt = _min_eig_problem(n, seed)
    form = conic_form(prob)
    sol = solve_conic(form, "CLARABEL", {})
    assert sol.status == "optimal"
    E = ExactForm(form)
    _, keep, _ = E.equations("dual")
    y0 = dual_inward(form, sol.y, 0.0)[0]
    y1 = SC.scaled_dual_point(form, y0, keep)
    assert y1 is not None
    A_K = form.A.T.tocsr()[keep]
    r0 = np.linalg.norm(form.c[keep] - A_K @ y0)
    r1 = np.linalg.norm(form.c[keep] - A_K @ y1)
    assert r1 <= 1e-6 * r0 + 1e-15
    # the point stays inside K* (its tiny eigenvalues keep their sign) ...
    assert cone_margin(form, y1) >= 0.5 * cone_margin(form, y0) > 0
    # ... and the exact proof on it bounds the closed-form optimum from below, closely
    proof = prove_lower(E, y1)
    assert proof.bound is not None
    assert float(proof.bound) <= opt + 1e-12 * max(1.0, abs(opt))
    assert float(proof.bound) >= opt - 1e-6 * max(1.0, abs(opt))


@pytest.mark.parametrize("n,seed", [(8, 1), (25, 3)])
def test_value_bounds_uses_it_without_a_resolve(n, seed, monkeypatch):
    prob, opt = _min_eig_problem(n, seed)
    vb = value_bounds(prob)
    assert vb.status == "bounded" and vb.lower <= opt <= vb.upper
    cert = json.loads(json.dumps(vb.certificate))
    assert check_value_bounds(cert) == (vb.status, vb.lower, vb.upper)


@pytest.mark.skipif(not SDPLIB.is_dir(), reason="../shared/data/sdplib not present")
@pytest.mark.parametrize("name", ["theta1", "truss7", "truss4", "hinf9"])
def test_sdplib_lower_bounds_need_fewer_resolves(name, monkeypatch):
    """On these the least-norm correction of the solver's dual point leaves K* (each
    needed perturbed re-solves before); the scaled one proves a lower bound directly."""
    published = json.loads((SDPLIB / "optimal_values.json").read_text())[name]["optimum"]
    prob = idl_sdp.read_sdpa(SDPLIB / f"{name}.dat-s")
    form = conic_form(prob)
    sol = solve_conic(form, "CLARABEL", {})
    E = ExactForm(form)
    y0 = dual_inward(form, sol.y, 0.0)[0]
    assert cone_margin(form, _least_norm(form, E, y0)) < 0      # the old way fails
    _, keep, _ = E.equations("dual")
    y1 = SC.scaled_dual_point(form, y0, keep)
    proof = prove_lower(E, y1)
    assert proof.bound is not None
    assert float(proof.bound) <= float(published) + 5e-6 * max(1.0, abs(float(published)))
    # end to end: fewer re-solves than with the scaled correction switched off
    with_it = B.bounds_from_solution(form, sol, "CLARABEL", {})
    monkeypatch.setattr(B, "scaled_dual_point", lambda *a, **k: None)
    without = B.bounds_from_solution(form, sol, "CLARABEL", {})
    # (theta1, truss7: the re-solves were all for the lower side; truss4, hinf9: the
    # primal side needs re-solves either way, and the dual rides along in them)
    assert with_it.resolves <= without.resolves
    if name in ("theta1", "truss7"):
        assert with_it.resolves < without.resolves
    assert "lower_scaled" in with_it.perturbations
    assert with_it.lower <= float(published) + 5e-6 * max(1.0, abs(float(published)))
    assert with_it.width <= max(2e-6, 1.5 * without.width)
    cert = json.loads(json.dumps(with_it.certificate))
    assert check_value_bounds(cert) == (with_it.status, with_it.lower, with_it.upper)


def test_too_large_or_empty_systems_are_declined(monkeypatch):
    prob, _ = _min_eig_problem(6, 0)
    form = conic_form(prob)
    sol = solve_conic(form, "CLARABEL", {})
    y0 = dual_inward(form, sol.y, 0.0)[0]
    assert SC.scaled_dual_point(form, y0, []) is None
    _, keep, _ = ExactForm(form).equations("dual")
    monkeypatch.setattr(SC, "MAX_ENTRIES", 10)
    assert SC.scaled_dual_point(form, y0, keep) is None
