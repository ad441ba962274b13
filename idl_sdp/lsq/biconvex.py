"""Textbook biconvex problems with known answers, all run by :func:`idl_sdp.alternate`.

* :func:`rank_one_als` — min ‖M − u vᵀ‖²_F by alternating least squares; saddle
  points, a stopping rule that is fooled by them, and an Eckart–Young certificate.
* :func:`pooling_alternate` — Haverly's pooling problems (bilinear), each block an LP
  in cvxpy; different starts end at different partial optima.
  :func:`pooling_grid_search` computes the global optimum independently.
* :func:`bilinear_simplex` — min xᵀ Q y over two simplices; alternating vertex
  best responses can stall at a non-global vertex pair.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Dict, Optional

import cvxpy as cp
import numpy as np
import scipy.optimize

from .._solvers import check_solver, solve_problem
from .._validation import (
    as_matrix, as_probability_vector, as_vector, check_choice, check_finite_result,
    check_instance, check_nonneg_float, check_positive_int, check_real,
)
from ..alternate import alternate
from ._result import BiconvexResult
from ._common import run_rounds, solver_options

__all__ = [
    "rank_one_als", "PoolingInstance", "haverly", "pooling_alternate", "pooling_grid_search",
    "pooling_violation", "bilinear_simplex", "POOLING_FLOWS",
]


def _finish(problem, run, objective, blocks, t0, info) -> BiconvexResult:
    return BiconvexResult(
        problem=problem, objective=float(objective), blocks=blocks, history=run.history,
        n_iter=run.n_iter, seconds=time.perf_counter() - t0, converged=run.converged,
        message=run.message, info=info,
    )


# ------------------------------------------------------------------ (a) rank-one ALS

def rank_one_als(
    M: Any,
    u0: Any = None,
    *,
    rounds: int = 200,
    tol: float = 0.0,
    stop: str = "objective",
    seed: int = 0,
    cert_tol: float = 1e-6,
) -> BiconvexResult:
    """Best rank-one approximation min_{u,v} ‖M − u vᵀ‖²_F by alternating least squares.

    Each round: v ← Mᵀu/‖u‖², then u ← M v/‖v‖² (exact block minimisers). This is
    the power method on M Mᵀ, so the stationary points are u vᵀ = σ_i x_i y_iᵀ for
    every singular triple of M; all but the largest are saddle points, and a start
    orthogonal to the top left singular vector x_1 never leaves them.

    Parameters
    ----------
    M : array_like, shape (m, n)
    u0 : array_like, shape (m,), optional
        Start (nonzero); default a standard normal vector drawn with ``seed``.
    rounds : int
        Maximum rounds.
    tol : float
        ``stop="objective"``: the driver's rule, stop when the relative decrease of the
        objective in a round is ≤ tol. The default 0 runs until the objective stops
        decreasing in floating point; a looser tol can stop next to a saddle point.
    stop : {"objective", "none"}
        ``"none"`` runs exactly ``rounds`` rounds (the objective is still recorded).
    seed : int
    cert_tol : float
        Tolerance of the certificate's stationarity test, relative to ‖M‖₂.

    Returns
    -------
    BiconvexResult
        ``objective`` = ‖M − u vᵀ‖²_F; ``blocks`` ``u``, ``v``; ``info``:
        ``certified`` (True when (u, v) is numerically stationary and
        ‖M − u vᵀ‖₂ ≤ ‖u‖‖v‖ — by Eckart–Young then u vᵀ is a best rank-one
        approximation), ``stationarity``, ``residual_spectral_norm``, ``sigma``
        (= ‖u‖‖v‖) and ``optimum`` (Σ_{i≥2} σ_i², the known optimal value).
    """
    t0 = time.perf_counter()
    M = as_matrix(M, "M")
    stop = check_choice(stop, "stop", ("objective", "none"))
    rounds = check_positive_int(rounds, "rounds")
    tol = check_nonneg_float(tol, "tol")
    cert_tol = check_nonneg_float(cert_tol, "cert_tol")
    seed = check_positive_int(seed, "seed", minimum=0)
    if u0 is None:
        u = np.random.default_rng(seed).standard_normal(M.shape[0])
    else:
        u = as_vector(u0, "u0", size=M.shape[0])
    if not np.any(u):
        raise ValueError("u0 must be nonzero")

    def v_step(state):
        u, _ = state
        return (u, M.T @ u / (u @ u)), {}

    def u_step(state):
        u, v = state
        vv = float(v @ v)
        return ((M @ v / vv if vv > 0 else u), v), {}

    def objective(state):
        u, v = state
        R = M - np.outer(u, v)
        return float(np.sum(R * R))

    steps = [("v_step", v_step), ("u_step", u_step)]
    state = (u, np.zeros(M.shape[1]))
    if stop == "objective":
        run = alternate(state, steps, objective, rounds=rounds, tol=tol)
    else:
        run = run_rounds(state, steps, objective, rounds=rounds)
    u, v = run.state
    R = M - np.outer(u, v)
    sigma = float(np.linalg.norm(u) * np.linalg.norm(v))
    scale = max(float(np.linalg.norm(M, 2)), np.finfo(float).tiny)
    nu, nv = max(float(np.linalg.norm(u)), 1e-300), max(float(np.linalg.norm(v)), 1e-300)
    stationarity = float(max(np.linalg.norm(R @ v) / nv, np.linalg.norm(R.T @ u) / nu)) / scale
    res2 = float(np.linalg.norm(R, 2))
    sv = np.linalg.svd(M, compute_uv=False)
    info = {
        "certified": bool(stationarity <= cert_tol and res2 <= sigma + cert_tol * scale),
        "stationarity": stationarity, "residual_spectral_norm": res2, "sigma": sigma,
        "optimum": float(np.sum(sv[1:] ** 2)), "initial_objective": run.initial_objective,
    }
    return _finish("rank_one", run, objective(run.state), {"u": u, "v": v}, t0, info)


# ------------------------------------------------------------------ (b) pooling

#: Order of the flow vector of the pooling problems.
POOLING_FLOWS = ("crude_A_to_pool", "crude_B_to_pool", "pool_to_X", "pool_to_Y",
                 "crude_C_to_X", "crude_C_to_Y")


@dataclass(frozen=True)
class PoolingInstance:
    """Haverly's network: crudes A, B go through one pool; crude C bypasses it.

    Products X and Y are blended from the pool and from C, each with a price, a
    maximum demand and a maximum sulphur quality. The pool's quality p is unknown:
    the bilinear terms are p·(pool_to_X) and p·(pool_to_Y).
    """

    name: str
    quality_A: float = 3.0
    quality_B: float = 1.0
    quality_C: float = 2.0
    cost_A: float = 6.0
    cost_B: float = 16.0
    cost_C: float = 10.0
    price_X: float = 9.0
    price_Y: float = 15.0
    demand_X: float = 100.0
    demand_Y: float = 200.0
    max_quality_X: float = 2.5
    max_quality_Y: float = 1.5
    known_optimum: Optional[float] = None  # global maximum profit from the literature

    def profit(self, flows: np.ndarray) -> float:
        fA, fB, xP, yP, cX, cY = flows
        return float(self.price_X * (xP + cX) + self.price_Y * (yP + cY)
                     - self.cost_A * fA - self.cost_B * fB - self.cost_C * (cX + cY))

    @property
    def profit_vector(self) -> np.ndarray:
        return np.array([-self.cost_A, -self.cost_B, self.price_X, self.price_Y,
                         self.price_X - self.cost_C, self.price_Y - self.cost_C])


def haverly(case: int = 1) -> PoolingInstance:
    """Haverly's pooling problems 1, 2 and 3 (global maximum profit 400, 600, 750).

    Case 2 raises the demand for X from 100 to 600; case 3 lowers the cost of
    crude B from 16 to 13.
    """
    if isinstance(case, bool) or case not in (1, 2, 3):
        raise ValueError(f"case must be 1, 2 or 3, got {case!r}")
    if case == 1:
        return PoolingInstance("Haverly 1", known_optimum=400.0)
    if case == 2:
        return PoolingInstance("Haverly 2", demand_X=600.0, known_optimum=600.0)
    return PoolingInstance("Haverly 3", cost_B=13.0, known_optimum=750.0)


def _linear_constraints(inst: PoolingInstance, p: float):
    """For fixed p: A_eq f = 0, A_ub f ≤ b_ub over f = POOLING_FLOWS, f ≥ 0."""
    A_eq = np.array([[1.0, 1.0, -1.0, -1.0, 0.0, 0.0],
                     [inst.quality_A, inst.quality_B, -p, -p, 0.0, 0.0]])
    sx, sy = inst.max_quality_X, inst.max_quality_Y
    A_ub = np.array([[0.0, 0.0, p - sx, 0.0, inst.quality_C - sx, 0.0],
                     [0.0, 0.0, 0.0, p - sy, 0.0, inst.quality_C - sy],
                     [0.0, 0.0, 1.0, 0.0, 1.0, 0.0],
                     [0.0, 0.0, 0.0, 1.0, 0.0, 1.0]])
    b_ub = np.array([0.0, 0.0, inst.demand_X, inst.demand_Y])
    return A_eq, A_ub, b_ub


def pooling_violation(instance: PoolingInstance, p: float, flows: Any) -> float:
    """Largest violation of any constraint of the pooling problem at (p, flows)."""
    check_instance(instance, PoolingInstance, "instance")
    p = check_real(p, "p")
    f = as_vector(flows, "flows", size=6)
    A_eq, A_ub, b_ub = _linear_constraints(instance, p)
    lo, hi = sorted((instance.quality_A, instance.quality_B))
    with np.errstate(all="ignore"):
        value = float(max(np.max(np.abs(A_eq @ f)), np.max(A_ub @ f - b_ub), np.max(-f),
                          lo - p, p - hi, 0.0))
    check_finite_result(value, "the constraint violation", "p, flows")
    return value


def pooling_grid_search(instance: PoolingInstance, n_grid: int = 401) -> Dict[str, Any]:
    """Global optimum by brute force: scan p on a grid, solve the LP in the flows.

    For fixed pool quality p the problem is an LP; it is solved with SciPy's HiGHS
    (independently of cvxpy). The grid ``linspace(q_min, q_max, n_grid)`` contains the
    pooled crudes' qualities and, for the default size, the Haverly optima.

    Returns
    -------
    dict
        ``profit`` (best), ``p``, ``flows`` at the best grid point, and the arrays
        ``grid`` and ``profits`` (NaN where the LP is infeasible).
    """
    check_instance(instance, PoolingInstance, "instance")
    n_grid = check_positive_int(n_grid, "n_grid", minimum=2)
    lo, hi = sorted((instance.quality_A, instance.quality_B))
    grid = np.linspace(lo, hi, n_grid)
    profits = np.full(n_grid, np.nan)
    best = (-np.inf, None, None)
    for i, p in enumerate(grid):
        A_eq, A_ub, b_ub = _linear_constraints(instance, p)
        res = scipy.optimize.linprog(-instance.profit_vector, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq,
                                     b_eq=np.zeros(2), bounds=(0, None), method="highs")
        if res.status == 0:
            profits[i] = -res.fun
            if profits[i] > best[0]:
                best = (profits[i], p, res.x)
    return {"profit": float(best[0]), "p": best[1], "flows": best[2], "grid": grid,
            "profits": profits}


class _PoolingSteps:
    """The two block LPs of the pooling problem, built once (DPP) and re-solved."""

    def __init__(self, inst: PoolingInstance, solver: str, solver_opts: Dict[str, Any]):
        self.inst, self.solver, self.opts = inst, solver, solver_opts
        gain = inst.profit_vector
        q = inst
        # Flow step: pool quality p fixed.
        self.p = cp.Parameter(name="p")
        f = cp.Variable(6, nonneg=True, name="flows")
        fA, fB, xP, yP, cX, cY = (f[i] for i in range(6))
        self.f = f
        self.flow_problem = cp.Problem(cp.Maximize(gain @ f), [
            fA + fB == xP + yP,
            self.p * (xP + yP) == q.quality_A * fA + q.quality_B * fB,
            self.p * xP + q.quality_C * cX <= q.max_quality_X * (xP + cX),
            self.p * yP + q.quality_C * cY <= q.max_quality_Y * (yP + cY),
            xP + cX <= q.demand_X, yP + cY <= q.demand_Y,
        ])
        # Quality step: pool outflows fixed; p, the crude inflows and the bypass move.
        self.out = cp.Parameter(2, nonneg=True, name="pool_outflows")
        self.pv = cp.Variable(name="p")
        g = cp.Variable(4, nonneg=True, name="other_flows")  # fA, fB, cX, cY
        self.g = g
        xo, yo = self.out[0], self.out[1]
        lo, hi = sorted((q.quality_A, q.quality_B))
        self.quality_problem = cp.Problem(
            cp.Maximize(gain[[0, 1, 4, 5]] @ g + q.price_X * xo + q.price_Y * yo), [
                g[0] + g[1] == xo + yo,
                self.pv * (xo + yo) == q.quality_A * g[0] + q.quality_B * g[1],
                self.pv * xo + q.quality_C * g[2] <= q.max_quality_X * (xo + g[2]),
                self.pv * yo + q.quality_C * g[3] <= q.max_quality_Y * (yo + g[3]),
                xo + g[2] <= q.demand_X, yo + g[3] <= q.demand_Y,
                self.pv >= lo, self.pv <= hi,
            ])

    def flow_step(self, state):
        p, _ = state
        self.p.value = p
        status, sec = solve_problem(self.flow_problem, self.solver, "pooling flow LP", **self.opts)
        return (p, np.asarray(self.f.value, dtype=float)), {"flow_status": status,
                                                            "flow_solve_seconds": sec}

    def quality_step(self, state):
        p, flows = state
        out = np.clip(flows[2:4], 0.0, None)
        if out.sum() <= 1e-9 * (self.inst.demand_X + self.inst.demand_Y):
            # Nothing leaves the pool: p does not enter any constraint; keep it.
            return state, {"quality_status": "skipped (pool unused)"}
        self.out.value = out
        status, sec = solve_problem(self.quality_problem, self.solver, "pooling quality LP",
                                    **self.opts)
        g = np.asarray(self.g.value, dtype=float)
        new = np.array([g[0], g[1], out[0], out[1], g[2], g[3]])
        return (float(self.pv.value), new), {"quality_status": status,
                                             "quality_solve_seconds": sec}


def pooling_alternate(
    instance: PoolingInstance,
    p0: float,
    *,
    rounds: int = 50,
    tol: float = 1e-9,
    solver: str = "CLARABEL",
) -> BiconvexResult:
    """Alternate the two LPs of a pooling problem from pool quality ``p0``.

    Round: (1) fix the pool quality p, maximise profit over all flows (an LP);
    (2) fix the pool outflows (the flows multiplying p in the bilinear terms),
    maximise over p, the crude inflows and the bypass flows (an LP). Each step's
    feasible set contains the current point, so profit never decreases. The
    minimised objective is −profit; the driver stops when its relative decrease is
    ≤ ``tol``.

    Returns
    -------
    BiconvexResult
        ``objective`` = −profit; ``blocks`` ``p`` and ``flows`` (ordered as
        :data:`POOLING_FLOWS`); ``info`` ``profit``, ``p0``, ``violation`` (largest
        constraint violation) and ``known_optimum``.
    """
    t0 = time.perf_counter()
    if not isinstance(instance, PoolingInstance):
        raise TypeError(f"instance must be a PoolingInstance, got {type(instance).__name__}")
    p0 = check_nonneg_float(p0, "p0")
    lo, hi = sorted((instance.quality_A, instance.quality_B))
    if not lo <= p0 <= hi:
        raise ValueError(f"p0 must lie in [{lo}, {hi}] (the pooled crudes' qualities), got {p0}")
    rounds = check_positive_int(rounds, "rounds")
    tol = check_nonneg_float(tol, "tol")
    solver = check_solver(solver)
    steps = _PoolingSteps(instance, solver, solver_options(solver))
    run = alternate((p0, np.zeros(6)), [("flow_step", steps.flow_step),
                                        ("quality_step", steps.quality_step)],
                    lambda s: -instance.profit(s[1]), rounds=rounds, tol=tol)
    p, flows = run.state
    profit = instance.profit(flows)
    info = {"profit": profit, "p0": p0, "violation": pooling_violation(instance, p, flows),
            "known_optimum": instance.known_optimum, "instance": instance.name}
    return _finish(f"pooling ({instance.name})", run, -profit, {"p": p, "flows": flows}, t0, info)


# ------------------------------------------------------------------ (c) simplices

def bilinear_simplex(Q: Any, y0: Any = 0, *, rounds: int = 100) -> BiconvexResult:
    """min xᵀ Q y over x ∈ Δ_n, y ∈ Δ_m by alternating best responses.

    Each block problem is an LP over a simplex, min_{x∈Δ} cᵀx = min_i c_i, solved
    exactly by the vertex e_i with i = argmin c (lowest index on ties). The global
    optimum is min_ij Q_ij (a bilinear function attains its minimum over a product
    of polytopes at a pair of vertices), but alternating from a poor start can stop
    at a vertex pair that is a best response to each other and not global.

    Parameters
    ----------
    Q : array_like, shape (n, m)
    y0 : int or array_like of shape (m,)
        The start: a vertex index or a point of the simplex Δ_m.
    rounds : int

    Returns
    -------
    BiconvexResult
        ``objective`` = xᵀQy; ``blocks`` ``x``, ``y``; ``info`` ``global_value``
        (min Q), ``global_pair`` and ``is_global``.
    """
    t0 = time.perf_counter()
    Q = as_matrix(Q, "Q")
    rounds = check_positive_int(rounds, "rounds")
    n, m = Q.shape
    if isinstance(y0, (int, np.integer)) and not isinstance(y0, bool):
        if not 0 <= y0 < m:
            raise ValueError(f"y0 must be a vertex index in [0, {m - 1}], got {y0}")
        y = np.eye(m)[int(y0)]
    else:
        y = as_probability_vector(y0, "y0", size=m)

    def x_step(state):
        _, y = state
        i = int(np.argmin(Q @ y))
        return (np.eye(n)[i], y), {"x_vertex": i}

    def y_step(state):
        x, _ = state
        j = int(np.argmin(Q.T @ x))
        return (x, np.eye(m)[j]), {"y_vertex": j}

    def objective(state):
        x, y = state
        return float(x @ Q @ y)

    x_init = np.full(n, 1.0 / n)
    run = alternate((x_init, y), [("x_step", x_step), ("y_step", y_step)], objective,
                    rounds=rounds, tol=0.0)
    x, y = run.state
    i, j = np.unravel_index(int(np.argmin(Q)), Q.shape)
    value = objective(run.state)
    info = {"global_value": float(Q.min()), "global_pair": (int(i), int(j)),
            "is_global": bool(value <= Q.min()), "initial_objective": run.initial_objective}
    return _finish("bilinear_simplex", run, value, {"x": x, "y": y}, t0, info)
