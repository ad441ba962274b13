"""The batched float cone tests (idl_sdp.conic.margins) against a block-by-block
reference, and the solver-data cache of the adapters."""
import numpy as np
import pytest
import scipy.sparse as sp

from idl_sdp.certify.bounds import dual_inward
from idl_sdp.conic.adapters import _solver_rows, solve_conic
from idl_sdp.conic.form import ConicForm
from idl_sdp.conic.margins import cone_layout, cone_margin


def _form(rng, cones, n=5, density=0.3):
    rows = sum(k * k if kind == "psd" else k for kind, k in cones)
    A = sp.random(rows, n, density=density, random_state=rng, format="csr")
    return ConicForm(rng.standard_normal(n), 0.0, sp.csr_array(A),
                     rng.standard_normal(rows), list(cones))


def _reference_margin(form, v, rounding=False):
    """One block at a time, as the cone is defined."""
    worst = np.inf
    for kind, k, r0 in form.offsets():
        if kind == "nonneg" and k:
            worst = min(worst, v[r0:r0 + k].min())
        elif kind == "soc":
            worst = min(worst, v[r0] - np.linalg.norm(v[r0 + 1:r0 + k]))
        elif kind == "psd":
            M = v[r0:r0 + k * k].reshape(k, k, order="F")
            S = 0.5 * (M + M.T)
            lam = np.linalg.eigvalsh(S)[0]
            if rounding:
                lam -= 4.0 * (k + 2) * k * 2.0 ** -52 * np.abs(S).max()
            worst = min(worst, lam)
    return worst


CONE_SETS = [
    [("zero", 2), ("nonneg", 3), ("soc", 4), ("psd", 3)],
    [("psd", 2)] * 7 + [("psd", 4)] * 3,              # many small blocks (truss-like)
    [("nonneg", 5), ("soc", 3), ("soc", 3), ("soc", 5), ("psd", 1), ("psd", 6)],
    [("zero", 3), ("psd", 10)],
]


@pytest.mark.parametrize("cones", CONE_SETS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_margin_matches_block_by_block(cones, seed):
    rng = np.random.default_rng(seed)
    form = _form(rng, cones)
    for scale in (1e-8, 1.0, 1e6):
        v = scale * rng.standard_normal(form.A.shape[0])
        for rounding in (False, True):
            got = cone_margin(form, v, rounding)
            ref = _reference_margin(form, v, rounding)
            assert got == pytest.approx(ref, rel=1e-12, abs=1e-14 * scale)


@pytest.mark.parametrize("cones", CONE_SETS)
def test_column_margins_match_dense_columns(cones):
    rng = np.random.default_rng(7)
    form = _form(rng, cones, n=12, density=0.15)
    lo = sum(k for kind, k in form.cones if kind == "zero")
    A = form.A.tocsc()
    # a column that is inside K (a sum of PSD/nonneg pieces) must show up as such
    plus, minus = cone_layout(form).column_margins(A, skip_rows=lo)
    for j in range(form.n):
        col = A[:, [j]].toarray().ravel()
        col[:lo] = 0.0
        assert plus[j] == pytest.approx(min(0.0, _reference_margin(form, col)), abs=1e-12)
        assert minus[j] == pytest.approx(min(0.0, _reference_margin(form, -col)), abs=1e-12)


def test_column_margins_find_cone_columns():
    # columns: I (in PSD), −I (minus in PSD), a diagonal with a negative entry (neither),
    # a dense PSD matrix, a nonneg column with a negative entry
    k = 3
    cols = [np.eye(k), -np.eye(k), np.diag([1.0, -1.0, 2.0]), np.ones((k, k))]
    data = np.zeros((k * k + 2, 5))
    for j, M in enumerate(cols):
        data[2:, j] = M.ravel(order="F")
    data[:2, 4] = [1.0, -0.5]
    form = ConicForm(np.zeros(5), 0.0, sp.csr_array(data), np.zeros(k * k + 2),
                     [("nonneg", 2), ("psd", k)])
    plus, minus = cone_layout(form).column_margins(form.A.tocsc())
    assert plus[0] >= 0 and minus[0] < 0
    assert plus[1] < 0 and minus[1] >= 0
    assert plus[2] < 0 and minus[2] < 0
    assert plus[3] == pytest.approx(0.0, abs=1e-15) and minus[3] < 0
    assert plus[4] == -0.5 and minus[4] == -1.0


def _reference_dual_inward(form, y, tau):
    out = np.array(y, dtype=float)
    worst = 0.0
    for kind, k, r0 in form.offsets():
        if kind == "nonneg":
            blk = out[r0:r0 + k]
            worst = max(worst, float(-np.min(blk, initial=0.0)))
            out[r0:r0 + k] = np.maximum(blk, 0.0) + tau
        elif kind == "soc":
            t, u = out[r0], out[r0 + 1:r0 + k].copy()
            nu = np.linalg.norm(u)
            worst = max(worst, nu - t)
            if nu > t:
                if nu <= -t:
                    t, u = 0.0, 0.0 * u
                else:
                    a = 0.5 * (t + nu)
                    t, u = a, a * u / nu
            out[r0], out[r0 + 1:r0 + k] = t + tau, u
        elif kind == "psd":
            M = out[r0:r0 + k * k].reshape(k, k, order="F")
            w, V = np.linalg.eigh(0.5 * (M + M.T))
            worst = max(worst, float(-w[0]))
            P = (V * np.maximum(w, 0.0)) @ V.T + tau * np.eye(k)
            out[r0:r0 + k * k] = (0.5 * (P + P.T)).ravel(order="F")
    return out, worst


@pytest.mark.parametrize("cones", CONE_SETS)
def test_dual_inward_batched_matches_reference(cones):
    rng = np.random.default_rng(3)
    form = _form(rng, cones)
    y = rng.standard_normal(form.A.shape[0])
    for tau in (0.0, 1e-6):
        got, worst = dual_inward(form, y, tau)
        ref, ref_worst = _reference_dual_inward(form, y, tau)
        np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-13)
        assert worst == pytest.approx(ref_worst, rel=1e-12)
        assert cone_margin(form, got) >= tau - 1e-12


def test_solver_rows_cache_follows_b_and_is_not_shared_mutably():
    rng = np.random.default_rng(5)
    form = _form(rng, [("nonneg", 2), ("psd", 3)])
    A1, b1, _ = _solver_rows(form, upper=True)
    shifted = ConicForm(form.c, form.d, form.A, form.b + 1.0, form.cones)
    A2, b2, _ = _solver_rows(shifted, upper=True)
    assert (A1 != A2).nnz == 0 and A1 is not A2
    assert not np.allclose(b1, b2)
    A1.data[:] = 0.0          # a solver scaling its copy must not reach the cache
    A3, _, _ = _solver_rows(form, upper=True)
    assert (A3 != A2).nnz == 0
    # and a re-solve of a form sharing A gives the solution of its own b
    lp = ConicForm(np.array([1.0]), 0.0, sp.csr_array(np.array([[1.0]])),
                   np.array([-2.0]), [("nonneg", 1)])
    lp2 = ConicForm(lp.c, 0.0, lp.A, np.array([-5.0]), lp.cones)
    assert solve_conic(lp, "CLARABEL", {}).objective == pytest.approx(2.0, abs=1e-7)
    assert solve_conic(lp2, "CLARABEL", {}).objective == pytest.approx(5.0, abs=1e-7)


def _inside(form, rng, room):
    """A vector with every (non-zero) cone block at margin about ``room`` or more."""
    v = np.zeros(form.A.shape[0])
    for kind, k, r0 in form.offsets():
        if kind == "nonneg":
            v[r0:r0 + k] = room + rng.random(k)
        elif kind == "soc":
            u = rng.standard_normal(k - 1)
            v[r0] = np.linalg.norm(u) + room + rng.random()
            v[r0 + 1:r0 + k] = u
        elif kind == "psd":
            G = rng.standard_normal((k, k))
            v[r0:r0 + k * k] = (G @ G.T + room * np.eye(k)).ravel(order="F")
    return v


@pytest.mark.parametrize("cones", CONE_SETS)
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("rounding", [False, True])
def test_blend_weight_is_the_bisections_crossing(cones, seed, rounding):
    """The closed-form crossing of the margin along a segment against a 60-step
    bisection of the block-by-block margin, from points outside the cone by 1e-6 to
    10 and from inside."""
    rng = np.random.default_rng(seed)
    form = _form(rng, cones)
    layout = cone_layout(form)
    for near_scale in (1e-6, 1e-2, 10.0, 0.0):
        vb = _inside(form, rng, room=0.5)
        va = vb + near_scale * rng.standard_normal(vb.size) - 2 * near_scale
        target = 1e-3 * cone_margin(form, vb, rounding)
        got = layout.blend_weight(va, vb, target, rounding)
        assert got is not None
        lo, hi = 0.0, 1.0
        if _reference_margin(form, va, rounding) >= target:
            hi = 0.0
        for _ in range(60):
            mid = 0.5 * (lo + hi)
            if _reference_margin(form, (1 - mid) * va + mid * vb, rounding) >= target:
                hi = mid
            else:
                lo = mid
        assert got == pytest.approx(hi, rel=1e-6, abs=1e-12)
        assert _reference_margin(form, (1 - got) * va + got * vb, rounding) >= \
            target - 1e-9 * max(1.0, abs(target))


def test_blend_weight_declines_when_the_room_end_is_not_inside():
    rng = np.random.default_rng(3)
    form = _form(rng, [("psd", 3)])
    vb = -_inside(form, rng, room=0.5)
    assert cone_layout(form).blend_weight(vb + 1.0, vb, 0.1) is None
