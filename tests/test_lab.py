"""Tests of the solver-accuracy lab (idl_sdp.lab)."""
import math

import cvxpy as cp
import numpy as np
import pytest

import idl_sdp
from idl_sdp import lab
from idl_sdp.lab import (ComparisonTable, ReferenceSolution, compare_solvers, lmi_margins,
                         step_problem, tolerance_options)

from conftest import random_model

C3 = np.array([[2.0, 1.0, 0.0], [1.0, 2.0, 1.0], [0.0, 1.0, 2.0]])
OPT3 = 2.0 - math.sqrt(2.0)  # min ⟨C, X⟩ s.t. tr X = 1, X ⪰ 0 is λ_min(C) = 2 − √2

ROW_KEYS = {"solver", "tol", "status", "solver_status", "error", "seconds", "iterations",
            "objective", "objective_gap", "primal_residual", "conic_primal_residual",
            "dual_residual", "duality_gap", "lmi_margin", "lmi_upper", "lmi_status",
            "lmi_certified", "lmi", "distance"}


def tiny_sdp():
    X = cp.Variable((3, 3), symmetric=True, name="X")
    return cp.Problem(cp.Minimize(cp.trace(C3 @ X)), [cp.trace(X) == 1, X >> 0]), X


@pytest.fixture(scope="module")
def tiny_table():
    prob, _ = tiny_sdp()
    return compare_solvers(prob, ("CLARABEL", "SCS"), (1e-6, 1e-7, 1e-9), optimum=OPT3,
                           name="tiny")


def test_one_row_per_solver_and_tolerance(tiny_table):
    assert isinstance(tiny_table, ComparisonTable) and len(tiny_table) == 6
    assert [(r["solver"], r["tol"]) for r in tiny_table] == [
        (s, t) for s in ("CLARABEL", "SCS") for t in (1e-6, 1e-7, 1e-9)]
    for r in tiny_table:
        assert ROW_KEYS <= set(r)
        assert r["status"] == cp.OPTIMAL and r["seconds"] > 0
        assert r["lmi_status"] in ("certified", "violated", "undecided")
        assert len(r["lmi"]) == 1 and r["lmi"][0]["order"] == 3
        assert math.isfinite(r["distance"]) and math.isfinite(r["dual_residual"])
    text = str(tiny_table)
    assert "tiny" in text and "reference CLARABEL" in text and text.count("\n") >= 8
    md = tiny_table.to_markdown()
    assert md.count("| CLARABEL |") == 3 and md.count("| SCS |") == 3
    assert isinstance(tiny_table.reference, ReferenceSolution)
    assert tiny_table.reference.status == cp.OPTIMAL


def test_clarabel_matches_closed_form_and_lmi_certified(tiny_table):
    for r in tiny_table.rows_for("CLARABEL"):
        assert abs(r["objective"] - OPT3) <= 1e-6 * OPT3
        assert r["objective_gap"] <= 1e-6
        assert r["lmi_margin"] >= -1e-9
    tight = tiny_table.rows_for("CLARABEL")[-1]
    assert tight["lmi_certified"] and tight["lmi_margin"] >= 0
    ref = tiny_table.reference
    assert abs(ref.objective - OPT3) <= 1e-9 and ref.row["objective_gap"] <= 1e-9


def test_tolerance_buys_accuracy(tiny_table):
    gaps = [r["objective_gap"] for r in tiny_table.rows_for("CLARABEL")]
    assert gaps[-1] < gaps[0]


def test_problem_state_is_restored():
    prob, X = tiny_sdp()
    compare_solvers(prob, "CLARABEL", 1e-6)
    assert X.value is None and prob.status is None
    prob.solve(solver="CLARABEL")
    before, status = X.value.copy(), prob.status
    dual = prob.constraints[1].dual_value.copy()
    compare_solvers(prob, ("CLARABEL", "SCS"), 1e-3)
    np.testing.assert_array_equal(X.value, before)
    np.testing.assert_array_equal(prob.constraints[1].dual_value, dual)
    assert prob.status == status


def test_infeasible_problem_status_is_a_row():
    X = cp.Variable((2, 2), symmetric=True)
    prob = cp.Problem(cp.Minimize(cp.trace(X)), [X >> 0, X[0, 0] <= -1])
    table = compare_solvers(prob, ("CLARABEL", "SCS"), (1e-6,))
    assert len(table) == 2
    assert {r["status"] for r in table} <= {cp.INFEASIBLE, cp.INFEASIBLE_INACCURATE}
    for r in table:
        assert math.isnan(r["objective"]) and r["lmi_status"] == "n/a"
    assert "infeasible" in str(table)


def test_solver_exception_becomes_solver_error_row(monkeypatch):
    real = lab.compare._call_solver

    def flaky(solver_obj, data, opts):
        if "eps_abs" in opts:  # SCS
            raise RuntimeError("boom")
        return real(solver_obj, data, opts)

    monkeypatch.setattr(lab.compare, "_call_solver", flaky)
    prob, _ = tiny_sdp()
    table = compare_solvers(prob, ("CLARABEL", "SCS"), (1e-6,))
    scs = table.rows_for("SCS")[0]
    assert scs["status"] == cp.SOLVER_ERROR and "boom" in scs["error"]
    assert table.rows_for("CLARABEL")[0]["status"] == cp.OPTIMAL
    assert "solver_error" in str(table)


def test_iteration_limit_shows_inaccurate_status():
    prob, _ = tiny_sdp()
    table = compare_solvers(prob, "SCS", 1e-9, solver_options={"SCS": {"max_iters": 3}})
    assert table[0]["status"] == cp.OPTIMAL_INACCURATE
    assert table[0]["iterations"] == 3


def test_steps_and_step_problem(small_problem, rng):
    U, Y, h = small_problem
    model = random_model(rng, U.shape[0], h, Y.shape[0], norm2=0.3)
    hs = idl_sdp.HiddenStep(U, Y, h, lam=1.0)
    with pytest.raises(ValueError, match="step_problem"):
        compare_solvers(hs)  # parameters not set
    assert step_problem(hs, model) is hs.problem
    t = compare_solvers(hs, "CLARABEL", (1e-6,))
    assert t[0]["status"] == cp.OPTIMAL and t[0]["lmi_status"] == "n/a"
    assert hs.X.value is None  # nothing left behind
    X = np.abs(rng.standard_normal((h, U.shape[1])))
    ps = idl_sdp.ParameterStep(U, Y, h, lam=1.0, lmi="eq5")
    step_problem(ps, model, X)
    t = compare_solvers(ps, "CLARABEL", (1e-7,))
    assert t.info["psd_orders"] == [2 * h, h]
    assert t[0]["lmi_margin"] > -1e-6
    with pytest.raises(ValueError, match="X is required"):
        step_problem(ps, model)
    with pytest.raises(ValueError, match="X applies only"):
        step_problem(hs, model, X)
    with pytest.raises(TypeError, match="step"):
        step_problem("not a step", model)


def test_reference_reuse_and_rigorous_margins():
    prob, X = tiny_sdp()
    first = compare_solvers(prob, "CLARABEL", 1e-5)
    again = compare_solvers(prob, "SCS", 1e-5, reference=first.reference)
    assert again.reference is first.reference and math.isfinite(again[0]["distance"])
    X.value = np.diag([1.0, 0.0, -1e-12])  # indefinite by 1e-12: proven violated
    res = lmi_margins(prob)
    assert res[0]["status"] == "violated" and res[0]["upper"] < 0 <= res[0]["upper"] + 2e-12
    X.value = np.eye(3) * 1e-3
    assert lmi_margins(prob)[0]["status"] == "certified"
    X.value = None


def test_asymmetric_psd_expression_is_symmetrised_rigorously():
    Z = cp.Variable((2, 2))
    prob = cp.Problem(cp.Minimize(0), [Z >> 0])
    Z.value = np.array([[1.0, 0.1 + 2.0**-40], [0.1, 1.0]])
    res = lmi_margins(prob)
    assert res[0]["status"] == "certified" and 0.89 < res[0]["margin"] < 0.91


def test_tolerance_options_mapping():
    assert tolerance_options("clarabel", 1e-6) == {
        "tol_gap_abs": 1e-6, "tol_gap_rel": 1e-6, "tol_feas": 1e-6}
    scs = tolerance_options("SCS", 1e-4)
    assert scs["eps_abs"] == scs["eps_rel"] == 1e-4 and "max_iters" in scs


@pytest.mark.parametrize("kwargs, exc, word", [
    (dict(problem_or_step=42), TypeError, "problem_or_step"),
    (dict(solvers=("CLARABEL", "MOSEK")), ValueError, "solvers"),
    (dict(solvers=()), ValueError, "solvers"),
    (dict(solvers=("SCS", "scs")), ValueError, "solvers"),
    (dict(solvers=3), TypeError, "solvers"),
    (dict(tolerances=(1e-3, 0.0)), ValueError, "tolerances"),
    (dict(tolerances=(-1e-6,)), ValueError, "tolerances"),
    (dict(tolerances=(float("nan"),)), ValueError, "tolerances"),
    (dict(tolerances=(2.0,)), ValueError, "tolerances"),
    (dict(tolerances=()), ValueError, "tolerances"),
    (dict(tolerances="1e-3"), TypeError, "tolerances"),
    (dict(reference_tol=float("nan")), ValueError, "reference_tol"),
    (dict(reference="GUROBI"), ValueError, "reference"),
    (dict(reference=1.0), TypeError, "reference"),
    (dict(optimum=float("nan")), ValueError, "optimum"),
    (dict(optimum="0.5"), TypeError, "optimum"),
    (dict(solver_options={"SCS": {"eps_abs": 1e-3}}), ValueError, "solver_options"),
    (dict(solver_options=[1]), TypeError, "solver_options"),
    (dict(time_limit=0), ValueError, "time_limit"),
    (dict(certify_method="guess"), ValueError, "certify_method"),
    (dict(repeat=0), ValueError, "repeat"),
])
def test_bad_input_names_the_argument(kwargs, exc, word):
    prob, _ = tiny_sdp()
    kw = {"problem_or_step": prob, **kwargs}
    with pytest.raises(exc, match=word):
        compare_solvers(**kw)
