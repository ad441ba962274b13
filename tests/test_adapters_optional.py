"""The optional conic adapters CVXOPT and SDPA: closed-form optima, agreement with
Clarabel's primal and dual (same layout), value_bounds and its certificates, SDPLIB,
infeasible and unbounded problems, settings, and the not-installed message."""
from __future__ import annotations

import json
import math
import sys
from decimal import Decimal
from pathlib import Path

import cvxpy as cp
import numpy as np
import pytest

import idl_sdp
from idl_sdp import _solvers
from idl_sdp.conic import conic_form, solve_conic
from idl_sdp.conic.adapters import ADAPTERS

SDPLIB = Path(__file__).resolve().parents[2] / "shared" / "data" / "sdplib"
MODULES = {"CVXOPT": "cvxopt", "SDPA": "sdpap"}
CLARABEL_TIGHT = {"tol_gap_abs": 1e-11, "tol_gap_rel": 1e-11, "tol_feas": 1e-11}


@pytest.fixture(params=["CVXOPT", "SDPA"])
def solver(request):
    pytest.importorskip(MODULES[request.param])
    return request.param


# ------------------------------------------------------------- problems
def _lp():
    """max x0 + 2 x1 s.t. x ≥ 0, x0 + x1 + x2 ≤ 1, x2 = 1/4: 3/2 at (0, 3/4, 1/4)."""
    x = cp.Variable(3)
    return cp.Problem(cp.Maximize(x[0] + 2 * x[1]),
                      [x >= 0, x[0] + x[1] + x[2] <= 1, x[2] == 0.25]), 1.5


def _socp():
    """min aᵀx s.t. ‖x‖ ≤ 1: −‖a‖."""
    a = np.array([1.0, 2.0, 3.0])
    x = cp.Variable(3)
    return cp.Problem(cp.Minimize(a @ x), [cp.norm(x) <= 1]), -float(np.linalg.norm(a))


def _sdp(n=4, seed=0):
    """min ⟨C, X⟩ s.t. tr X = 1, X ⪰ 0: λ_min(C)."""
    B = np.random.default_rng(seed).standard_normal((n, n))
    C = B + B.T
    X = cp.Variable((n, n), symmetric=True)
    return (cp.Problem(cp.Minimize(cp.trace(C @ X)), [cp.trace(X) == 1, X >> 0]),
            float(np.linalg.eigvalsh(C)[0]))


def _free_max(n=3, seed=1):
    """max t s.t. A − t I − u B ⪰ 0, u = 0.3 (t, u free): λ_min(A − 0.3 B)."""
    rng = np.random.default_rng(seed)
    A, B = (M + M.T for M in (rng.standard_normal((n, n)), rng.standard_normal((n, n))))
    t, u = cp.Variable(), cp.Variable()
    return (cp.Problem(cp.Maximize(t), [A - t * np.eye(n) - u * B >> 0, u == 0.3]),
            float(np.linalg.eigvalsh(A - 0.3 * B)[0]))


PROBLEMS = {"lp": _lp, "socp": _socp, "sdp": _sdp, "free_max": _free_max}


# ------------------------------------------------------------- agreement
@pytest.mark.parametrize("name", list(PROBLEMS))
def test_optimum_and_agreement_with_clarabel(solver, name):
    prob, value = PROBLEMS[name]()
    form = conic_form(prob)
    ref = solve_conic(form, "CLARABEL", CLARABEL_TIGHT)
    sol = solve_conic(form, solver)
    assert sol.solver == solver and sol.status.startswith("optimal"), sol.raw_status
    assert sol.n_iter > 0 and sol.seconds > 0
    canonical = value if form.sense == "min" else -value   # the form minimises
    assert abs(sol.objective - canonical) <= 1e-6 * max(1.0, abs(value))
    assert sol.x.shape == ref.x.shape and sol.y.shape == ref.y.shape
    np.testing.assert_allclose(sol.x, ref.x, atol=1e-5)
    np.testing.assert_allclose(sol.y, ref.y, atol=1e-5)       # same layout and sign
    # the dual in the form's convention: Aᵀy = c, PSD parts symmetric
    np.testing.assert_allclose(form.A.T @ sol.y, form.c, atol=1e-6)
    for kind, n, r0 in form.offsets():
        if kind == "psd":
            Y = sol.y[r0:r0 + n * n].reshape(n, n)
            assert np.array_equal(Y, Y.T)
            assert np.linalg.eigvalsh(Y)[0] > -1e-6


# ------------------------------------------------------------- value_bounds
@pytest.mark.parametrize("name", ["lp", "sdp", "free_max"])
def test_value_bounds_encloses_and_its_certificate_verifies(solver, name, tmp_path):
    prob, value = PROBLEMS[name]()
    vb = idl_sdp.value_bounds(prob, solver=solver.lower())
    assert vb.status == "bounded", vb.reasons
    assert vb.solver == solver
    assert vb.lower <= value <= vb.upper
    assert vb.width < 1e-5
    path = tmp_path / "bounds.json"
    vb.to_json(path)
    res = idl_sdp.verify(path, problem=prob)
    assert res.ok, res.message


def _published(name):
    ref = json.loads((SDPLIB / "optimal_values.json").read_text())[name]["optimum"]
    d = Decimal(ref)
    return float(d), float(Decimal(1).scaleb(d.as_tuple().exponent) / 2)


@pytest.mark.skipif(not SDPLIB.is_dir(), reason="../shared/data/sdplib not present")
@pytest.mark.parametrize("name", ["truss1", "control1"])
def test_sdplib_enclosure_contains_the_published_optimum(solver, name):
    vb = idl_sdp.value_bounds(idl_sdp.read_sdpa(SDPLIB / f"{name}.dat-s"), solver=solver)
    opt, half = _published(name)
    assert vb.status == "bounded", vb.reasons
    assert math.isfinite(vb.lower) and math.isfinite(vb.upper)
    assert vb.lower - half <= opt <= vb.upper + half, (vb.lower, vb.upper, opt)


# ------------------------------------------------------------- infeasible, unbounded
def test_infeasible(solver, tmp_path):
    x = cp.Variable(2)
    prob = cp.Problem(cp.Minimize(x[0]), [x >= 0, x[0] + x[1] <= -1])
    form = conic_form(prob)
    sol = solve_conic(form, solver)
    assert sol.status == "infeasible" and math.isnan(sol.objective)
    y = sol.y / np.max(np.abs(sol.y))                 # a Farkas ray: Aᵀy = 0, bᵀy < 0
    assert np.max(np.abs(form.A.T @ y)) < 1e-4 and form.b @ y < -0.1
    vb = idl_sdp.value_bounds(prob, solver=solver)
    assert vb.status == "infeasible" and vb.lower == vb.upper == math.inf
    vb.to_json(tmp_path / "inf.json")
    assert idl_sdp.verify(tmp_path / "inf.json").ok


def test_unbounded(solver, tmp_path):
    X = cp.Variable((2, 2), symmetric=True)
    prob = cp.Problem(cp.Minimize(X[0, 1]), [X >> 0])
    form = conic_form(prob)
    sol = solve_conic(form, solver)
    assert sol.status == "unbounded"
    x = sol.x / np.max(np.abs(sol.x))                 # an improving ray: cᵀx < 0
    assert form.c @ x < -0.1
    vb = idl_sdp.value_bounds(prob, solver=solver)
    assert vb.status == "unbounded" and vb.lower == vb.upper == -math.inf
    vb.to_json(tmp_path / "unb.json")
    assert idl_sdp.verify(tmp_path / "unb.json").ok


def test_cvxopt_dependent_equalities_fall_back_to_regularised_ldl():
    pytest.importorskip("cvxopt")
    x = cp.Variable(2)
    prob = cp.Problem(cp.Minimize(x[0] + x[1]), [x >= 0, x[1] == 1, 2 * x[1] == 2])
    sol = solve_conic(conic_form(prob), "CVXOPT")
    assert sol.status == "optimal" and abs(sol.objective - 1.0) < 1e-6
    assert sol.options["kktsolver"] == "ldl"


# ------------------------------------------------------------- settings
def test_bad_option_key_is_named(solver):
    form = conic_form(_lp()[0])
    with pytest.raises(ValueError, match="no_such_setting"):
        solve_conic(form, solver, {"no_such_setting": 1})


def test_tolerance_options_mapping():
    from idl_sdp.lab import tolerance_options

    assert ADAPTERS["CVXOPT"].tolerance_options(1e-9) == {
        "abstol": 1e-9, "reltol": 1e-9, "feastol": 1e-9}
    assert ADAPTERS["SDPA"].tolerance_options(1e-9) == {
        "epsilonStar": 1e-9, "epsilonDash": 1e-9}
    assert tolerance_options("cvxopt", 1e-9) == ADAPTERS["CVXOPT"].tolerance_options(1e-9)
    assert tolerance_options("SDPA", 1e-9) == ADAPTERS["SDPA"].tolerance_options(1e-9)
    for name in ("CVXOPT", "SDPA"):
        assert set(_solvers.DEFAULT_OPTIONS[name]) == set(ADAPTERS[name].TOLERANCE_KEYS)
        with pytest.raises(ValueError, match="tol"):
            ADAPTERS[name].tolerance_options(1.5)


def test_the_steps_solvers_are_unchanged():
    assert _solvers.SOLVERS == ("CLARABEL", "SCS")
    with pytest.raises(ValueError, match="solver"):
        _solvers.check_solver("CVXOPT")          # the steps take CLARABEL and SCS only


# ------------------------------------------------------------- not installed
@pytest.mark.parametrize("name,module,extra", [("CVXOPT", "cvxopt", "cvxopt"),
                                               ("SDPA", "sdpap", "sdpa")])
def test_not_installed_message(monkeypatch, name, module, extra):
    form = conic_form(_lp()[0])
    message = f"solver '{name}' is not installed: pip install 'idl_sdp\\[{extra}\\]'"
    # the package cannot be imported (cvxpy's list, cached, may still name it)
    monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(ValueError, match=message):
        ADAPTERS[name].solve(form, {})
    # cvxpy does not list it: solve_conic and value_bounds say so before solving
    monkeypatch.setattr(_solvers, "_installed", lambda: ("CLARABEL", "SCS"))
    with pytest.raises(ValueError, match=message):
        solve_conic(form, name.lower())
    with pytest.raises(ValueError, match=message):
        idl_sdp.value_bounds(_lp()[0], solver=name)


# ------------------------------------------------------------- CLI and lab
def test_cli_bound_accepts_the_optional_solvers(solver, tmp_path, capsys):
    from idl_sdp.cli import main

    f = tmp_path / "p.dat-s"
    f.write_text("2\n1\n2\n1.0 1.0\n0 1 1 2 -1.0\n1 1 1 1 1.0\n2 1 2 2 1.0\n")
    assert main(["bound", str(f), "--solver", solver.lower(), "--tol", "1e-8",
                 "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["solver"] == solver and res["lower"] <= 2.0 <= res["upper"]


def test_lab_compare_bounds_with_the_optional_solvers():
    pytest.importorskip("cvxopt")
    pytest.importorskip("sdpap")
    from idl_sdp.lab import compare_bounds

    prob, value = _sdp(3, 2)
    table = compare_bounds(prob, ["CVXOPT", "SDPA"], [1e-8], optimum=value)
    assert [row["solver"] for row in table] == ["CVXOPT", "SDPA"]
    assert all(row["inside"] is True for row in table)
