"""value_bounds: rigorous enclosures against closed forms, exact decisions, SDPLIB, and
the independent exact re-check (including tampered certificates)."""
from __future__ import annotations

import copy
import dataclasses
import json
import math
from decimal import Decimal
from pathlib import Path

import cvxpy as cp
import numpy as np
import pytest

import idl_sdp
from idl_sdp.certify.bounds import value_bounds
from idl_sdp.certify.bounds_check import BoundsCheckError, check_value_bounds
from idl_sdp.conic import conic_form, solve_conic

SDPLIB = Path(__file__).resolve().parents[2] / "shared" / "data" / "sdplib"
SOLVERS = ["CLARABEL", "SCS"]
SCS_TIGHT = {"eps_abs": 1e-9, "eps_rel": 1e-9, "max_iters": 100_000}


def _opts(solver):
    return SCS_TIGHT if solver == "SCS" else None


def _encloses(vb, value, slack=0.0):
    return vb.lower - slack <= value <= vb.upper + slack


def _check(vb):
    """Round-trip the certificate through JSON and re-check it exactly."""
    cert = json.loads(json.dumps(vb.certificate))
    status, lo, up = check_value_bounds(cert)
    assert status == vb.status
    assert (lo, up) == (vb.lower, vb.upper)
    return cert


# ------------------------------------------------------------- closed forms
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("n,seed", [(3, 0), (6, 1), (12, 2)])
def test_lambda_min_as_sdp(solver, n, seed):
    """min ⟨C, X⟩ s.t. tr X = 1, X ⪰ 0 equals λ_min(C) (closed form)."""
    rng = np.random.default_rng(seed)
    B = rng.standard_normal((n, n))
    C = B + B.T
    X = cp.Variable((n, n), symmetric=True)
    prob = cp.Problem(cp.Minimize(cp.trace(C @ X)), [X >> 0, cp.trace(X) == 1])
    vb = value_bounds(prob, solver, solver_options=_opts(solver))
    lam = np.linalg.eigvalsh(C)[0]
    assert vb.status == "bounded", vb.reasons
    assert _encloses(vb, lam, 1e-12 * max(1, abs(lam)))
    # Clarabel's points are accurate; SCS's (first order) need a larger perturbation
    assert vb.width < (1e-6 if solver == "CLARABEL" else 1e-2)
    _check(vb)


@pytest.mark.parametrize("solver", SOLVERS)
def test_max_eigenvalue_maximisation(solver):
    """max t s.t. C − tI ⪰ 0 is λ_min(C): maximisation, a free variable, an LMI."""
    C = np.diag([3.0, 5.0, 7.0]) + 0.5 * np.ones((3, 3))
    t = cp.Variable()
    prob = cp.Problem(cp.Maximize(t), [C - t * np.eye(3) >> 0])
    vb = value_bounds(prob, solver, solver_options=_opts(solver))
    assert vb.status == "bounded", vb.reasons
    assert _encloses(vb, np.linalg.eigvalsh(C)[0], 1e-12)
    cert = _check(vb)
    assert cert["form"]["sense"] == "max"


def test_exact_rational_optimum_two_by_two():
    """min x s.t. [[x, 1], [1, x]] ⪰ 0 has optimum exactly 1."""
    x = cp.Variable()
    vb = value_bounds(cp.Problem(cp.Minimize(x), [cp.bmat([[x, 1], [1, x]]) >> 0]))
    assert vb.status == "bounded"
    assert vb.lower <= 1.0 <= vb.upper and vb.width < 1e-6
    _check(vb)


@pytest.mark.parametrize("solver", SOLVERS)
def test_lp_with_equalities_and_inequalities(solver):
    """A small LP whose optimum is decided by hand: min x0 + 2 x1 + 3 x2, x ≥ 0,
    x0 + x1 + x2 = 1, x0 ≤ 0.25 → optimum 0.25 + 2·0.75 = 1.75."""
    x = cp.Variable(3)
    prob = cp.Problem(cp.Minimize(np.array([1.0, 2.0, 3.0]) @ x),
                      [x >= 0, cp.sum(x) == 1, x[0] <= 0.25])
    vb = value_bounds(prob, solver, solver_options=_opts(solver))
    assert vb.status == "bounded", vb.reasons
    assert _encloses(vb, 1.75)
    assert vb.width < 1e-5
    _check(vb)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("dim", [2, 5])
def test_second_order_cone_distance(solver, dim):
    """min ‖x − a‖₂ s.t. Σx = 0: the distance of a to the hyperplane, |Σa|/√dim."""
    a = np.arange(1.0, dim + 1)
    x = cp.Variable(dim)
    prob = cp.Problem(cp.Minimize(cp.norm(x - a)), [cp.sum(x) == 0])
    vb = value_bounds(prob, solver, solver_options=_opts(solver))
    want = abs(a.sum()) / math.sqrt(dim)
    assert vb.status == "bounded", vb.reasons
    assert _encloses(vb, want, 1e-12 * want)
    _check(vb)


def test_quadratic_objective_is_brought_to_conic_form():
    """min ‖x − a‖² over x ≥ 0 (a QP): the optimum is ‖min(a, 0)‖²."""
    a = np.array([1.0, -2.0, 0.5, -0.25])
    x = cp.Variable(4)
    vb = value_bounds(cp.Problem(cp.Minimize(cp.sum_squares(x - a)), [x >= 0]))
    assert vb.status == "bounded", vb.reasons
    assert _encloses(vb, float(np.sum(np.minimum(a, 0) ** 2)))
    _check(vb)


def test_constant_offset_is_carried():
    x = cp.Variable()
    vb = value_bounds(cp.Problem(cp.Minimize(x + 10.0), [x >= 2]))
    assert vb.lower <= 12.0 <= vb.upper and vb.upper - vb.lower < 1e-6
    _check(vb)


def test_nonsymmetric_matrix_variable():
    """X >> 0 on a plain (non-symmetric) variable constrains its symmetric part; the
    repeated equations of X_ij and X_ji must not break the dual correction."""
    C = np.array([[2.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 4.0]])
    X = cp.Variable((3, 3))
    prob = cp.Problem(cp.Minimize(cp.trace(C @ X)), [X >> 0, cp.trace(X) == 1])
    vb = value_bounds(prob)
    assert vb.status == "bounded", vb.reasons
    assert _encloses(vb, np.linalg.eigvalsh(C)[0], 1e-12)


# ------------------------------------------------------------- infeasible / unbounded
@pytest.mark.parametrize("solver", SOLVERS)
def test_infeasible_lp_gets_a_farkas_certificate(solver):
    x = cp.Variable(2)
    prob = cp.Problem(cp.Minimize(x[0]), [x >= 1, x[0] + x[1] <= 0])
    vb = value_bounds(prob, solver, solver_options=_opts(solver))
    assert vb.status == "infeasible"
    assert vb.lower == vb.upper == math.inf
    _check(vb)


def test_infeasible_maximisation_bounds_are_minus_inf():
    x = cp.Variable()
    vb = value_bounds(cp.Problem(cp.Maximize(x), [x >= 1, x <= 0]))
    assert vb.status == "infeasible" and vb.lower == vb.upper == -math.inf
    _check(vb)


def test_infeasible_lmi():
    """[[x, 1], [1, −x]] ⪰ 0 has no solution (its determinant is −x² − 1 < 0)."""
    x = cp.Variable()
    vb = value_bounds(cp.Problem(cp.Minimize(0 * x), [cp.bmat([[x, 1], [1, -x]]) >> 0]))
    assert vb.status == "infeasible"
    _check(vb)


@pytest.mark.parametrize("solver", SOLVERS)
def test_unbounded_lp(solver):
    x = cp.Variable(2)
    prob = cp.Problem(cp.Minimize(x[0]), [x[1] >= 1, x[0] + x[1] <= 0])
    vb = value_bounds(prob, solver, solver_options=_opts(solver))
    assert vb.status == "unbounded"
    assert vb.lower == vb.upper == -math.inf
    _check(vb)


# ------------------------------------------------------------- no wrong finite number
def test_ill_posed_problem_gets_an_infinite_side():
    """min x s.t. [[x, 1], [1, 0]] ⪰ 0 is infeasible but only asymptotically
    (no interior, the value is not attained): no side may be a wrong finite number."""
    x = cp.Variable()
    prob = cp.Problem(cp.Minimize(x), [cp.bmat([[x, 1.0], [1.0, 0.0]]) >> 0])
    vb = value_bounds(prob)
    # the problem is infeasible: a finite upper bound would be a false claim
    assert vb.upper == math.inf
    if vb.status != "infeasible":
        assert vb.status == "not proven"


def test_solver_failure_is_reported_not_proven():
    X = cp.Variable((4, 4), symmetric=True)
    C = np.diag([1.0, 2.0, 3.0, 4.0])
    prob = cp.Problem(cp.Minimize(cp.trace(C @ X)), [X >> 0, cp.trace(X) == 1])
    vb = value_bounds(prob, "SCS", solver_options={"max_iters": 2, "eps_abs": 1e-12,
                                                   "eps_rel": 1e-12})
    # two iterations cannot solve it; whatever is claimed must still be true
    assert vb.lower <= 1.0 <= vb.upper


def test_bad_arguments():
    with pytest.raises(TypeError, match="problem"):
        value_bounds("not a problem")
    x = cp.Variable()
    prob = cp.Problem(cp.Minimize(x), [x >= 0])
    with pytest.raises(TypeError, match="perturb"):
        value_bounds(prob, perturb=1)
    with pytest.raises(ValueError, match="solver"):
        value_bounds(prob, "MOSEK_NOT_HERE")
    with pytest.raises(ValueError, match="DCP"):
        value_bounds(cp.Problem(cp.Maximize(cp.square(x)), [x <= 1]))
    with pytest.raises(ValueError, match="ExpCone|cone"):
        value_bounds(cp.Problem(cp.Minimize(cp.exp(x)), [x >= 0]))


def test_conic_form_keeps_psd_blocks_whole():
    X = cp.Variable((3, 3), symmetric=True)
    form = conic_form(cp.Problem(cp.Minimize(cp.trace(X)), [X >> np.eye(3)]))
    assert ("psd", 3) in form.cones
    sol = solve_conic(form, "CLARABEL")
    assert sol.status == "optimal" and abs(sol.objective - 3.0) < 1e-6


# ------------------------------------------------------------- tampering
@pytest.fixture(scope="module")
def lmi_cert():
    C = np.array([[2.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 4.0]])
    X = cp.Variable((3, 3), symmetric=True)
    prob = cp.Problem(cp.Minimize(cp.trace(C @ X)), [X >> 0, cp.trace(X) == 1, X[0, 1] >= 0])
    vb = value_bounds(prob)
    assert vb.status == "bounded"
    return json.loads(json.dumps(vb.certificate))


def _hex_bump(s, factor=1 + 2 ** -40):
    return (float.fromhex(s) * factor + (1e-300 if float.fromhex(s) == 0 else 0)).hex()


@pytest.mark.parametrize("edit", [
    "claim_upper", "claim_lower", "status", "data_b", "data_c", "data_A", "digest_only",
    "point_x", "point_y", "correction_w", "psd_L", "psd_shift", "cones", "sense",
    "drop_proof", "extra_field", "asymmetric_y", "side_value", "source",
])
def test_tampered_certificate_is_rejected(lmi_cert, edit):
    cert = copy.deepcopy(lmi_cert)
    if edit == "claim_upper":
        cert["claim"]["upper"] = cert["claim"]["upper"] - 1e-6
    elif edit == "claim_lower":
        cert["claim"]["lower"] = cert["claim"]["lower"] + 1e-6
    elif edit == "status":
        cert["claim"]["status"] = "infeasible"
    elif edit == "data_b":
        cert["form"]["b"][-1] = _hex_bump(cert["form"]["b"][-1], 2.0)
    elif edit == "data_c":
        i = next(i for i, v in enumerate(cert["form"]["c"]) if float.fromhex(v) != 0)
        cert["form"]["c"][i] = _hex_bump(cert["form"]["c"][i], 0.5)
    elif edit == "data_A":
        cert["form"]["A"]["data"][0] = _hex_bump(cert["form"]["A"]["data"][0], 3.0)
    elif edit == "digest_only":
        cert["digest"] = "0" * 64
    elif edit == "point_x":
        cert["upper"]["x"] = [_hex_bump(v, 1.5) for v in cert["upper"]["x"]]
    elif edit == "point_y":
        cert["lower"]["y"] = [_hex_bump(v, 1.5) for v in cert["lower"]["y"]]
    elif edit == "correction_w":
        cert["lower"]["correction"]["w"] = [_hex_bump(v, 1e6) for v in
                                            cert["lower"]["correction"]["w"]]
    elif edit == "psd_L":
        L = cert["lower"]["psd_proofs"][0]["L"]
        L[0][0] = _hex_bump(L[0][0], 2.0)
    elif edit == "psd_shift":
        cert["lower"]["psd_proofs"][0]["shift"] = "one"
    elif edit == "cones":
        cert["form"]["cones"][-1][1] += 1
    elif edit == "sense":
        cert["form"]["sense"] = "max"
    elif edit == "drop_proof":
        cert["lower"]["psd_proofs"] = []
    elif edit == "extra_field":
        cert["note"] = "trust me"
    elif edit == "side_value":
        cert["lower"]["value"] = cert["lower"]["value"] + 1e-3
    elif edit == "source":
        cert["source"] = {"sdpa_file": "x.dat-s", "note": "unchecked text"}
    elif edit == "asymmetric_y":
        # the last block is PSD of order 3 (rows −9 … −1): make Y₀₁ ≠ Y₁₀
        y = cert["lower"]["y"]
        y[-8] = _hex_bump(y[-8], 1.001)
    with pytest.raises(BoundsCheckError,
                       match="symmetric" if edit == "asymmetric_y" else None):
        check_value_bounds(cert)


def test_data_edits_that_keep_the_digest_consistent_are_still_caught(lmi_cert):
    """An attacker who changes b and recomputes the digest: the proof must fail."""
    from idl_sdp.certify.bounds_check import form_digest
    cert = copy.deepcopy(lmi_cert)
    cert["form"]["d"] = (float.fromhex(cert["form"]["d"]) - 1.0).hex()
    cert["digest"] = form_digest(cert["form"])
    with pytest.raises(BoundsCheckError):
        check_value_bounds(cert)


def test_certificate_bound_to_a_different_problem_is_rejected(lmi_cert):
    from idl_sdp.certify.bounds import _form_json
    x = cp.Variable()
    other = _form_json(conic_form(cp.Problem(cp.Minimize(x), [x >= 1])))
    with pytest.raises(BoundsCheckError, match="different problem"):
        check_value_bounds(lmi_cert, form_json=other)


def test_to_json_writes_the_certificate(tmp_path, lmi_cert):
    x = cp.Variable()
    vb = value_bounds(cp.Problem(cp.Minimize(x), [x >= 1]))
    path = tmp_path / "b.json"
    vb.to_json(path)
    assert check_value_bounds(json.loads(path.read_text()))[0] == "bounded"


# ------------------------------------------------------------- SDPLIB
def _published(name):
    ref = json.loads((SDPLIB / "optimal_values.json").read_text())[name]["optimum"]
    d = Decimal(ref)
    half = Decimal(1).scaleb(d.as_tuple().exponent) / 2
    return float(d), float(half)


@pytest.mark.skipif(not SDPLIB.is_dir(), reason="../shared/data/sdplib not present")
@pytest.mark.parametrize("name", ["truss1", "truss3", "truss4", "control1", "hinf1",
                                  "qap5"])
def test_sdplib_enclosures_contain_the_published_optimum(name):
    prob = idl_sdp.read_sdpa(SDPLIB / f"{name}.dat-s")
    vb = value_bounds(prob)
    opt, half = _published(name)
    assert vb.lower - half <= opt <= vb.upper + half, (vb, opt)
    if name.startswith("truss"):
        assert vb.status == "bounded", vb.reasons
    _check(vb)


@pytest.mark.skipif(not SDPLIB.is_dir(), reason="../shared/data/sdplib not present")
def test_sdplib_control1_optimal_report_is_not_the_optimum():
    """Clarabel says "optimal" at 18.056; the enclosure must not exclude 17.78463."""
    vb = value_bounds(idl_sdp.read_sdpa(SDPLIB / "control1.dat-s"))
    assert vb.reported > 18.0
    assert vb.lower <= 17.78463 + 5e-6


@pytest.mark.skipif(not SDPLIB.is_dir(), reason="../shared/data/sdplib not present")
@pytest.mark.parametrize("name,status", [("infp1", "infeasible"), ("infd1", "unbounded")])
def test_sdplib_infeasible_and_unbounded(name, status):
    vb = value_bounds(idl_sdp.read_sdpa(SDPLIB / f"{name}.dat-s"))
    assert vb.status == status
    _check(vb)


@pytest.mark.skipif(not SDPLIB.is_dir(), reason="../shared/data/sdplib not present")
@pytest.mark.parametrize("name,opts,side,mu_max", [
    # μ measured without blending → with it: truss2 tight 4.9e-8 → 1.5e-9, truss7 tight
    # 1.4e-5 → 8.8e-7, hinf9 6.3e-4 → 3.5e-6, control2 2.9e-5 → 6.1e-6
    ("truss2", "tight", "upper", 5e-9),
    ("truss7", "tight", "lower", 1.5e-6),
    ("hinf9", None, "lower", 1e-5),
    ("control2", None, "lower", 1.5e-5),
])
def test_blended_points_tighten_perturbed_bounds(name, opts, side, mu_max, monkeypatch):
    """A side proven only on a perturbed point pays ε·eᵀ(other point); the blend with
    the solver's own point recovers most of it, and is proven like any point. (With
    the scaled dual correction these lower sides need no perturbed point at all: it is
    switched off to test the blend, and the default run must be as tight.)"""
    import idl_sdp.certify.bounds as B

    prob = idl_sdp.read_sdpa(SDPLIB / f"{name}.dat-s")
    tight = {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10}
    opts_ = tight if opts == "tight" else None
    default = value_bounds(prob, solver_options=opts_)
    monkeypatch.setattr(B, "scaled_dual_point", lambda *a, **k: None)
    vb = value_bounds(prob, solver_options=opts_)
    opt, half = _published(name)
    for got in (vb, default):
        assert got.status == "bounded", got.reasons
        assert got.lower - half <= opt <= got.upper + half, (got, opt)
        assert got.width <= mu_max, got
        _check(got)
    assert 0.0 < vb.perturbations[f"{side}_blend"] < 0.5


@pytest.mark.skipif(not SDPLIB.is_dir(), reason="../shared/data/sdplib not present")
def test_blend_of_a_maximisation_is_reported_on_the_users_side(monkeypatch):
    """max −cᵀx: the primal side bounds the user's lower value; keys flip with it."""
    # (truss7: its lower side is blended; truss2, used before, no longer needs a blend
    # since a bound far from the solver's value gets one more re-solve)
    import idl_sdp.certify.bounds as B

    prob = idl_sdp.read_sdpa(SDPLIB / "truss7.dat-s")
    maxed = cp.Problem(cp.Maximize(-prob.objective.expr), prob.constraints)
    for scaled in (True, False):
        # (with the scaled dual correction truss7's lower side is "lower_scaled";
        # without it, it is perturbed and blended)
        if not scaled:
            monkeypatch.setattr(B, "scaled_dual_point", lambda *a, **k: None)
        vb_min = value_bounds(prob)
        vb_max = value_bounds(maxed)
        assert ("lower_scaled" if scaled else "lower_blend") in vb_min.perturbations
        assert set(vb_max.perturbations) == {
            {"upper": "lower", "lower": "upper"}[k.split("_")[0]] + k[5:]
            for k in vb_min.perturbations}
        assert vb_max.lower == pytest.approx(-vb_min.upper, rel=1e-9)
        assert vb_max.upper == pytest.approx(-vb_min.lower, rel=1e-9)
        _check(vb_max)


# ------------------------------------------------------------- the lab
def test_dimacs_errors_of_an_accurate_and_a_perturbed_point():
    from idl_sdp.conic.dimacs import dimacs_errors
    C = np.diag([1.0, 2.0, 3.0])
    X = cp.Variable((3, 3), symmetric=True)
    form = conic_form(cp.Problem(cp.Minimize(cp.trace(C @ X)), [X >> 0, cp.trace(X) == 1]))
    sol = solve_conic(form, "CLARABEL", {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10,
                                         "tol_feas": 1e-10})
    err = dimacs_errors(form, sol)
    assert max(abs(v) for v in err.values()) < 1e-8
    sol.y = sol.y + 1e-3            # a wrong dual: err3 must see it
    assert dimacs_errors(form, sol)["err3"] > 1e-4


def test_compare_bounds_rows():
    from idl_sdp.lab import compare_bounds
    C = np.array([[2.0, 1.0], [1.0, 2.0]])
    X = cp.Variable((2, 2), symmetric=True)
    prob = cp.Problem(cp.Minimize(cp.trace(C @ X)), [X >> 0, cp.trace(X) == 1])
    table = compare_bounds(prob, ["CLARABEL", "SCS"], [1e-4, 1e-8], optimum=1.0)
    assert len(table) == 4
    for row in table:
        assert row["inside"] is True
        assert row["lower"] <= 1.0 <= row["upper"]
        assert {"err1", "err6", "t_bounds", "width"} <= set(row)
    assert "μ" in table.to_markdown()
    with pytest.raises(ValueError, match="solvers"):
        compare_bounds(prob, ["NOPE"])


# ------------------------------------------------------------- the user's slack bound
@pytest.mark.skipif(not SDPLIB.is_dir(), reason="../shared/data/sdplib not present")
def test_slack_bound_gives_a_finite_lower_bound_where_the_dual_has_no_room():
    prob = idl_sdp.read_sdpa(SDPLIB / "qap5.dat-s")
    plain = value_bounds(prob, perturb=False)
    assert plain.lower == -math.inf                       # no room: nothing claimed
    vb = value_bounds(prob, slack_bound=1e3, perturb=False)
    assert vb.assumptions == {"slack_bound": 1e3}
    assert math.isfinite(vb.lower) and vb.lower <= -436.0 + 0.05
    cert = _check(vb)
    assert "slack_bound" in cert["lower"]
    # the assumption must be stated in the claim: dropping it is rejected
    bad = copy.deepcopy(cert)
    bad["claim"]["assumptions"] = {}
    with pytest.raises(BoundsCheckError, match="assumptions"):
        check_value_bounds(bad)
    # a smaller bound in the proof than in the claim is rejected too
    bad = copy.deepcopy(cert)
    bad["lower"]["slack_bound"] = (1.0).hex()
    with pytest.raises(BoundsCheckError):
        check_value_bounds(bad)


@pytest.mark.parametrize("bad", [0.0, -1.0, math.inf, math.nan, True, "1"])
def test_slack_bound_must_be_positive_finite(bad):
    x = cp.Variable()
    with pytest.raises(ValueError, match="slack_bound"):
        value_bounds(cp.Problem(cp.Minimize(x), [x >= 0]), slack_bound=bad)


@pytest.mark.skipif(not SDPLIB.is_dir(), reason="../shared/data/sdplib not present")
def test_hinf12_large_entries_strictly_feasible_point_is_proven():
    """hinf12's slack blocks have entries ~1e10 and λ_min ~1e-5: the float pre-check
    must not reject a point its exact proof accepts (the proven upper bound, ~4e-5, is
    below SDPLIB's published 2e-1 for this ill-posed problem).

    Clarabel's own point on this ill-posed problem is feasible or infeasible by ~1e-5
    depending on the library versions, so the point tested is Clarabel's moved by δ in
    the objective's direction (x₀, which enters the slack blocks as a multiple of the
    identity): a point at that scale either way."""
    from idl_sdp.certify.bounds import bounds_from_solution

    form = conic_form(idl_sdp.read_sdpa(SDPLIB / "hinf12.dat-s"))
    sol = solve_conic(form, "CLARABEL", {})
    assert sol.status == "optimal"
    (g,) = np.flatnonzero(form.c)
    for delta in (3e-5, 1e-4):
        x = sol.x.copy()
        x[g] += delta * np.sign(form.c[g])      # worse objective, strictly feasible
        vb = bounds_from_solution(form, dataclasses.replace(sol, x=x), "CLARABEL", {},
                                  perturb=False)
        assert math.isfinite(vb.upper) and vb.upper < 1e-3
        assert vb.upper >= float(form.c @ x + form.d) * (1 - 1e-12)
        _check(vb)


@pytest.mark.skipif(not SDPLIB.is_dir(), reason="../shared/data/sdplib not present")
def test_a_refined_point_is_blended_even_when_alone_it_bounds_worse():
    """hinf12 (Clarabel defaults): the upper side is first proven on a point shrunk by
    ε ≈ 101 and blended to 0.108; the refining re-solve's point (ε ≈ 1.01) alone bounds
    only 1.013, but blended towards the solver's own point it proves 0.0072. Keeping
    the best of the three matters: without the refined point's blend the upper bound
    stays at 0.108 (measured)."""
    vb = value_bounds(idl_sdp.read_sdpa(SDPLIB / "hinf12.dat-s"))
    assert vb.upper < 0.02, vb
    assert vb.upper >= vb.reported - 1e-9
    assert 0.0 < vb.perturbations["upper_blend"] < 0.5
    _check(vb)
