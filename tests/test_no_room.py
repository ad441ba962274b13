"""Proofs that a side has no feasible point with room ε (ill-posedness to precision ε):
closed-form problems whose primal or dual has no interior, SDPLIB, forged claims."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import cvxpy as cp
import numpy as np
import pytest

import idl_sdp
from idl_sdp.certify.bounds import ExactForm, prove_no_room, value_bounds
from idl_sdp.certify.bounds_check import BoundsCheckError, check_value_bounds
from idl_sdp.conic import conic_form

SDPLIB = Path(__file__).resolve().parents[2] / "shared" / "data" / "sdplib"


def _dual_without_interior(scale: float = 1.0):
    """min x₁ s.t. [[x₁, s], [s, x₂]] ⪰ 0: inf = 0, not attained. Its dual is
    max −2s·Y₁₂ s.t. Y₁₁ = 1, Y₂₂ = 0, Y ⪰ 0: the single point Y = E₁₁, no interior."""
    x = cp.Variable(2)
    return cp.Problem(cp.Minimize(x[0]), [cp.bmat([[x[0], scale], [scale, x[1]]]) >> 0])


def _primal_without_interior(n: int = 3):
    """min tr(CX) s.t. X ⪰ 0, X_nn = 0 (so the last row and column vanish), tr X = 1:
    the primal has no interior; its optimum is λ_min of C's leading block."""
    rng = np.random.default_rng(n)
    G = rng.standard_normal((n, n))
    C = G + G.T
    X = cp.Variable((n, n), symmetric=True)
    prob = cp.Problem(cp.Minimize(cp.trace(C @ X)),
                      [X >> 0, X[n - 1, n - 1] == 0, cp.trace(X) == 1])
    return prob, float(np.linalg.eigvalsh(C[:n - 1, :n - 1])[0])


def _recheck(vb):
    cert = json.loads(json.dumps(vb.certificate))
    assert check_value_bounds(cert) == (vb.status, vb.lower, vb.upper)
    return cert


@pytest.mark.parametrize("scale", [1.0, 0.01, 30.0])
def test_dual_without_interior_is_proven_to_have_no_room(scale):
    vb = value_bounds(_dual_without_interior(scale))
    assert vb.lower == -np.inf and "dual" in vb.no_room
    assert vb.upper >= 0.0            # the infimum 0 is not attained: any upper ≥ 0
    assert "proven: no dual feasible point has room" in vb.reasons["lower"]
    cert = _recheck(vb)
    assert cert["claim"]["no_room"] == {"dual": float(vb.no_room["dual"]).hex()}


@pytest.mark.parametrize("n", [2, 3, 5])
def test_primal_without_interior_is_proven_to_have_no_room(n):
    prob, opt = _primal_without_interior(n)
    vb = value_bounds(prob)
    assert vb.upper == np.inf and "primal" in vb.no_room, vb
    assert vb.lower <= opt + 1e-12
    _recheck(vb)


def test_well_posed_problems_claim_no_such_thing():
    rng = np.random.default_rng(0)
    G = rng.standard_normal((4, 4))
    X = cp.Variable((4, 4), symmetric=True)
    prob = cp.Problem(cp.Minimize(cp.trace((G + G.T) @ X)), [X >> 0, cp.trace(X) == 1])
    vb = value_bounds(prob)
    assert vb.status == "bounded" and vb.no_room == {}
    assert "no_room" not in vb.certificate and "no_room" not in vb.certificate["claim"]
    # and no ray can prove it: the dual has y = (λ+1)… interior points, the primal I/4
    E = ExactForm(conic_form(prob))
    for _ in range(5):
        for side, dim in (("dual", E.form.n), ("primal", E.form.A.shape[0])):
            assert prove_no_room(E, rng.standard_normal(dim), 1e-6, side).bound is None


def test_forged_no_room_claims_are_rejected():
    vb = value_bounds(_dual_without_interior())
    cert = _recheck(vb)
    eps = float.fromhex(cert["claim"]["no_room"]["dual"])

    def rejected(edit):
        bad = copy.deepcopy(cert)
        edit(bad)
        with pytest.raises(BoundsCheckError):
            check_value_bounds(bad)

    def eps_to(value):
        def edit(c):
            c["claim"]["no_room"]["dual"] = c["no_room"]["dual"]["eps"] = value.hex()
        return edit

    rejected(lambda c: c["claim"]["no_room"].update(dual=(eps / 2).hex()))  # ε differs
    rejected(lambda c: c.pop("no_room"))                                     # no proof
    rejected(lambda c: c["claim"].pop("no_room"))                            # unclaimed
    rejected(lambda c: c["claim"]["no_room"].update(primal=cert["claim"]["no_room"]["dual"]))
    rejected(lambda c: c["no_room"]["dual"]["x"].__setitem__(1, (-1.0).hex()))  # not in K
    rejected(eps_to(eps * 1e-12))          # far smaller: the ray's cᵀx is not that small
    # a bigger ε is a weaker (still true) statement
    ok = copy.deepcopy(cert)
    eps_to(eps * 10)(ok)
    assert check_value_bounds(ok) == (vb.status, vb.lower, vb.upper)


def test_a_proven_side_cannot_also_claim_no_room():
    x = cp.Variable(2)
    prob = cp.Problem(cp.Minimize(x[0] + x[1]), [x >= 1])
    vb = value_bounds(prob)
    bad = copy.deepcopy(vb.certificate)
    bad["claim"]["no_room"] = {"dual": (1e-6).hex()}
    bad["no_room"] = {"dual": {"eps": (1e-6).hex(), "x": [(0.0).hex()] * 2,
                               "correction": None, "psd_proofs": []}}
    with pytest.raises(BoundsCheckError, match="has a proven bound"):
        check_value_bounds(bad)


@pytest.mark.skipif(not SDPLIB.is_dir(), reason="../shared/data/sdplib not present")
def test_sdplib_qap5_dual_has_no_room():
    """qap5's published optimum −436 is approached from above by primal points, but
    its dual has no point with room: the lower side is infinite, with that proof."""
    vb = value_bounds(idl_sdp.read_sdpa(SDPLIB / "qap5.dat-s"))
    assert vb.lower == -np.inf and "dual" in vb.no_room
    assert vb.no_room["dual"] <= 1e-4
    assert vb.upper >= -436.0 - 0.05
    _recheck(vb)


def test_a_clarabel_panic_is_a_failed_solve_and_an_interrupt_still_stops(monkeypatch):
    """pyo3 turns a Rust panic into PanicException (a BaseException)."""
    import clarabel

    from idl_sdp.conic import solve_conic

    class PanicException(BaseException):
        pass

    def raiser(exc):
        class Solver:
            def __init__(self, *args):
                pass

            def solve(self):
                raise exc
        return Solver

    form = conic_form(_dual_without_interior())
    monkeypatch.setattr(clarabel, "DefaultSolver", raiser(PanicException("Eigval error")))
    sol = solve_conic(form, "CLARABEL")
    assert sol.status == "failed" and "panic" in sol.raw_status
    assert value_bounds(form).status == "not proven"
    monkeypatch.setattr(clarabel, "DefaultSolver", raiser(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        solve_conic(form, "CLARABEL")


def _gpp_like(n: int, sign: float, seed: int) -> str:
    """SDPA text of min cᵀx s.t. x₀·sJ + Σ x_i E_ii − C ⪰ 0, c = (0, 1, …, 1): the dual
    max ⟨C, Y⟩ s.t. ⟨sJ, Y⟩ = 0, diag Y = 1, Y ⪰ 0 (graph partition, J = 11ᵀ) has
    feasible points, e.g. Y = n/(n−1)·(I − J/n), but no interior (Y·1 = 0)."""
    rng = np.random.default_rng(seed)
    W = np.triu(rng.integers(0, 2, (n, n)), 1)
    lines = [str(n + 1), "1", str(n), "{" + ", ".join(["0"] + ["1"] * n) + "}"]
    lines += [f"0 1 {i + 1} {j + 1} {-float(W[i, j])}" for i in range(n)
              for j in range(i + 1, n) if W[i, j]]
    lines += [f"1 1 {i + 1} {j + 1} {sign}" for i in range(n) for j in range(i, n)]
    lines += [f"{i + 2} 1 {i + 1} {i + 1} 1.0" for i in range(n)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("n,sign,seed", [(3, 1.0, 0), (6, 1.0, 1), (12, -1.0, 2),
                                         (25, 1.0, 3)])
def test_a_column_of_the_data_proves_the_dual_has_no_interior(tmp_path, n, sign, seed):
    """Found from the data alone (no re-solve): the column of x₀ is ±J ⪰ 0 with cost 0."""
    path = tmp_path / f"gpp{n}.dat-s"
    path.write_text(_gpp_like(n, sign, seed))
    prob = idl_sdp.read_sdpa(path)
    vb = value_bounds(prob)
    assert vb.lower == -np.inf and "dual" in vb.no_room
    assert vb.no_room["dual"] <= 1e-8 * max(1.0, abs(vb.reported))
    assert "proven: no dual feasible point has room" in vb.reasons["lower"]
    # the primal has interior points, so p* = d* (attained in the dual): its side is
    # proven, and above d*, computed independently on the dual restricted to its face
    # Y = V Z Vᵀ (V an orthonormal basis of 1⊥), where it has interior points
    F0 = np.zeros((n, n))
    for line in _gpp_like(n, sign, seed).splitlines()[4:]:
        k, _, i, j, v = line.split()
        if k == "0":
            F0[int(i) - 1, int(j) - 1] = F0[int(j) - 1, int(i) - 1] = float(v)
    V = np.linalg.svd(np.ones((1, n)))[2][1:].T
    Z = cp.Variable((n - 1, n - 1), symmetric=True)
    face = cp.Problem(cp.Maximize(cp.trace(V.T @ F0 @ V @ Z)),
                      [Z >> 0, cp.diag(V @ Z @ V.T) == 1])
    face.solve("CLARABEL", tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10)
    assert face.status == "optimal"
    d_star = face.value
    assert np.isfinite(vb.upper)
    assert vb.upper >= d_star - 1e-7 * max(1.0, abs(d_star))
    # and not far above it: with no dual interior an interior-point method reaches
    # only about the square root of its tolerance (1e-8 here) in the primal value
    assert vb.upper <= d_star + 1e-3 * max(1.0, abs(d_star))
    cert = _recheck(vb)
    assert cert["claim"]["no_room"] == {"dual": float(vb.no_room["dual"]).hex()}


@pytest.mark.skipif(not SDPLIB.is_dir(), reason="../shared/data/sdplib not present")
@pytest.mark.parametrize("scaled", [False, True])
def test_a_failed_two_sided_resolve_is_split_into_one_per_side(monkeypatch, scaled):
    """When the re-solve with both cones shrunk fails (as on qap7, whose dual has no
    interior), each side gets a re-solve of its own: a well-posed side is not lost.
    Without the scaled dual correction both sides of truss1 need re-solves; with it
    only the primal does, and the dual is shrunk alongside (a companion) until that
    fails too."""
    import idl_sdp.certify.bounds as B
    from idl_sdp.conic.adapters import ConicSolution

    if not scaled:
        monkeypatch.setattr(B, "scaled_dual_point", lambda *a, **k: None)
    prob = idl_sdp.read_sdpa(SDPLIB / "truss1.dat-s")
    ref = value_bounds(prob)
    needs = {"upper", "lower"} if not scaled else {"upper", "lower_scaled"}
    assert ref.status == "bounded" and needs <= set(ref.perturbations)
    form0 = conic_form(idl_sdp.read_sdpa(SDPLIB / "truss1.dat-s"))
    real = B.solve_conic
    calls = []

    def both_sides_fail(form, solver, opts):
        both = not np.array_equal(form.c, form0.c) and not np.array_equal(form.b, form0.b)
        calls.append(both)
        if both:
            return ConicSolution("failed", "NumericalError", None, None, np.nan, 0, 0.0,
                                 solver, opts)
        return real(form, solver, opts)

    monkeypatch.setattr(B, "solve_conic", both_sides_fail)
    vb = value_bounds(idl_sdp.read_sdpa(SDPLIB / "truss1.dat-s"))
    assert calls.count(True) == 1          # one failed two-sided re-solve, then split
    assert calls.count(False) >= (3 if not scaled else 2)   # the first, one per side
    assert vb.resolves == len(calls) - 1   # every call but the first is a re-solve
    assert 0.0 < vb.seconds["resolves"] <= vb.seconds["bounds"]
    # the same enclosure as without the failure (both contain p*: they overlap), as
    # tight (with the scaled correction, the dual keeps the proof on the solver's own
    # point, μ 4e-8 measured: the failed two-sided re-solve took the better companion
    # point of the reference run with it)
    assert vb.status == "bounded" and vb.lower <= ref.upper and ref.lower <= vb.upper
    assert vb.width <= (max(1e-8, 2 * ref.width) if not scaled else 1e-7)
    _recheck(vb)


@pytest.mark.skipif(not SDPLIB.is_dir(), reason="../shared/data/sdplib not present")
@pytest.mark.parametrize("name", ["qap5", "qap7"])
def test_a_side_proven_without_room_is_not_resolved_again(monkeypatch, name):
    """Once a re-solve's ray proves that the dual has no point with room ε, the dual
    is not shrunk again by a larger ε (on qap7 each such infeasible re-solve took 6×
    the solve and two were wasted)."""
    import idl_sdp.certify.bounds as B

    form0 = conic_form(idl_sdp.read_sdpa(SDPLIB / f"{name}.dat-s"))
    real = B.solve_conic
    dual_runs = []

    def spy(form, solver, opts):
        sol = real(form, solver, opts)
        if not np.array_equal(form.c, form0.c):          # the dual's cone shrunk
            dual_runs.append(sol.status)
        return sol

    monkeypatch.setattr(B, "solve_conic", spy)
    vb = value_bounds(idl_sdp.read_sdpa(SDPLIB / f"{name}.dat-s"))
    assert "dual" in vb.no_room and vb.lower == -np.inf
    first = dual_runs.index("unbounded")
    assert dual_runs[first + 1:] == []                 # none after the proof
    _recheck(vb)
