"""Basis pursuit ``min ‖z‖₁ s.t. Bz = b``: the LP, a factorisation, and Chambolle–Pock.

Methods of :func:`basis_pursuit`:

``"lp"``
    The convex problem in cvxpy (an LP after cvxpy's reformulation).
``"ialm"`` / ``"linearized_al"``
    Writing ``z = u₁∘u₁ − u₂∘u₂`` (so ``|z_i| ≤ u₁ᵢ² + u₂ᵢ²`` with equality when one of
    the two is zero), basis pursuit is equivalent to the smooth nonconvex problem::

        minimise ‖x‖²   subject to   B̄ (x∘x) = b,   x = (u₁, u₂) ∈ R^{2d},  B̄ = [B, −B],

    solved by :func:`idl_sdp.relax.augmented_lagrangian` (``g = 0``;
    ``DA(x)ᵀy = 2 x∘(B̄ᵀy)``).
``"chambolle_pock"``
    The primal–dual method of Chambolle & Pock (2011) on ``‖z‖₁ + δ_{{b}}(Bz)``:
    ``y ← y + σ(Bz̄ − b)``, ``z⁺ = soft(z − τBᵀy, τ)``, ``z̄ = 2z⁺ − z``, with
    ``στ‖B‖² < 1``. Its multiplier gives the dual bound ``bᵀλ`` with
    ``λ = −y / max(1, ‖Bᵀy‖_∞)`` (dual feasible: ``‖Bᵀλ‖_∞ ≤ 1``), so ``‖z‖₁ − bᵀλ`` is a
    duality gap.
"""
from __future__ import annotations

import math
import time
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
from threadpoolctl import threadpool_limits

from .._solvers import SOLVERS, SolverError, check_solver, solve_problem
from .._validation import (as_matrix, as_vector, check_choice, check_nonneg_float,
                           check_options, check_positive_int)
from ._result import BasisPursuitResult
from .ialm import AL_OPTIONS, augmented_lagrangian, method_options

__all__ = ["basis_pursuit", "BP_METHODS", "sparse_instance"]

BP_METHODS = ("lp", "ialm", "linearized_al", "chambolle_pock")


def sparse_instance(
    n: int = 100, d: int = 256, k: int = 10, noise_var: float = 1e-6, seed: int = 0,
) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A Gaussian compressed-sensing instance (the seed's setup).

    ``B`` has i.i.d. N(0, 1) entries; ``z*`` has ``k`` nonzeros at a uniformly random
    support with N(0, 1) amplitudes; ``b = Bz* + ε`` with ``ε ~ N(0, noise_var·I)``.

    Returns
    -------
    B : (n, d), b : (n,), z_star : (d,), noise : (n,)
    """
    n = check_positive_int(n, "n")
    d = check_positive_int(d, "d")
    k = check_positive_int(k, "k")
    if k > d:
        raise ValueError(f"k must be <= d = {d}, got {k}")
    noise_var = check_nonneg_float(noise_var, "noise_var")
    rng = np.random.default_rng(check_positive_int(seed, "seed", minimum=0))
    B = rng.standard_normal((n, d))
    z = np.zeros(d)
    z[rng.choice(d, size=k, replace=False)] = rng.standard_normal(k)
    eps = math.sqrt(noise_var) * rng.standard_normal(n)
    return B, B @ z + eps, z, eps


def _lp(B, b, solver, opts):
    import cvxpy as cp

    z = cp.Variable(B.shape[1])
    prob = cp.Problem(cp.Minimize(cp.norm1(z)), [B @ z == b])
    _, seconds = solve_problem(prob, solver, "basis pursuit LP", **opts)
    return np.asarray(z.value, dtype=float), seconds


def _chambolle_pock(B, b, tol, max_iter, time_limit, ratio):
    n, d = B.shape
    norm_b = float(np.linalg.norm(B, 2)) or 1.0  # B = 0: every step satisfies στ‖B‖² < 1
    tau = 0.99 / (norm_b * ratio)
    sigma = 0.99 * ratio / norm_b
    z = np.zeros(d)
    zbar = z.copy()
    y = np.zeros(n)
    t0 = time.perf_counter()
    deadline = math.inf if time_limit is None else t0 + time_limit
    hist: Dict[str, List[float]] = {"feasibility": [], "objective": [], "gap": [], "time": []}
    bnorm = max(1.0, float(np.linalg.norm(b)))
    converged, message = False, "maximum number of iterations reached"
    for it in range(1, max_iter + 1):
        y += sigma * (B @ zbar - b)
        v = z - tau * (B.T @ y)
        z_new = np.sign(v) * np.maximum(np.abs(v) - tau, 0.0)
        zbar = 2.0 * z_new - z
        z = z_new
        if it % 10 == 0 or it == max_iter:
            feas = float(np.linalg.norm(B @ z - b))
            obj = float(np.abs(z).sum())
            lam = -y / max(1.0, float(np.abs(B.T @ y).max()))
            gap = obj - float(b @ lam)
            hist["feasibility"].append(feas)
            hist["objective"].append(obj)
            hist["gap"].append(gap)
            hist["time"].append(time.perf_counter() - t0)
            if feas <= tol * bnorm and abs(gap) <= tol * max(1.0, obj):
                converged, message = True, "converged"
                break
            if time.perf_counter() > deadline:
                message = f"time limit of {time_limit:g} s reached"
                break
    return z, hist, converged, message


def _factored_al(B, b, x0, linearized, tol, time_limit, al_options):
    Bbar = np.hstack([B, -B])

    def f(x):
        return float(x @ x)

    def grad_f(x):
        return 2.0 * x

    def constraint(x):
        return Bbar @ (x * x) - b

    def jac_t(x, y):
        return 2.0 * x * (Bbar.T @ y)

    bscale = max(1.0, float(np.linalg.norm(b)))
    opts = method_options(dict(
        beta0=1.0, beta_max=1e4, tol=tol * bscale, stationarity_tol=math.sqrt(tol) * bscale,
        inner_tol0=1.0, max_inner=5000, time_limit=time_limit), linearized, al_options,
        linearized_max_outer=500_000)
    return augmented_lagrangian(f, grad_f, constraint, jac_t, None, x0,
                                linearized=linearized, **opts)


def basis_pursuit(
    B: Any,
    b: Any,
    method: str = "lp",
    *,
    tol: float = 1e-7,
    max_iter: Optional[int] = None,
    time_limit: Optional[float] = None,
    seed: int = 0,
    solver: str = "CLARABEL",
    solver_options: Optional[Dict[str, Any]] = None,
    al_options: Optional[Dict[str, Any]] = None,
    step_ratio: float = 1.0,
    x0: Any = None,
) -> BasisPursuitResult:
    """Solve ``min ‖z‖₁ s.t. Bz = b``.

    Parameters
    ----------
    B : array (n, d)
    b : array (n,)
    method : {"lp", "ialm", "linearized_al", "chambolle_pock"}
        See the module docstring.
    tol : float
        Relative tolerance of the iterative methods: ``‖Bz − b‖ ≤ tol·max(1, ‖b‖)`` and,
        for Chambolle–Pock, duality gap ``≤ tol·max(1, ‖z‖₁)``; for the AL methods the
        stationarity measure ``≤ √tol·max(1, ‖b‖)`` (it converges slowly: the
        factorised problem is flat along ``u_i`` where ``z_i = 0``).
    max_iter : int, optional
        Iteration cap (Chambolle–Pock default 200000; AL: outer iterations).
    time_limit : float, optional
        Seconds for the iterative methods.
    seed : int
        Seeds the initial point of the AL methods.
    solver : {"CLARABEL", "SCS"}
        Conic solver for ``"lp"``.
    solver_options, al_options : dict, optional
    step_ratio : float
        Chambolle–Pock: ``σ/τ = step_ratio²`` with ``στ‖B‖² = 0.99²``.
    x0 : array (2d,), optional
        Initial ``(u₁, u₂)`` for the AL methods (default: small random).

    Returns
    -------
    BasisPursuitResult

    Raises
    ------
    TypeError, ValueError
        Invalid arguments (the message names the argument), or data too badly scaled
        for float64.
    idl_sdp.SolverError
        ``"lp"``: the solver did not report ``optimal`` or its point violates ``Bz = b``;
        the AL methods: an inner solve could not backtrack.
    """
    t_start = time.perf_counter()
    B = as_matrix(B, "B")
    n, d = B.shape
    b = as_vector(b, "b", size=n)
    method = check_choice(method, "method", BP_METHODS)
    tol = check_nonneg_float(tol, "tol", positive=True)
    if max_iter is not None:
        max_iter = check_positive_int(max_iter, "max_iter")
    if time_limit is not None:
        time_limit = check_nonneg_float(time_limit, "time_limit", positive=True)
    step_ratio = check_nonneg_float(step_ratio, "step_ratio", positive=True)
    seed = check_positive_int(seed, "seed", minimum=0)
    if al_options is not None:
        al_options = check_options(al_options, "al_options", AL_OPTIONS)
    solver_options = check_options(solver_options, "solver_options")
    with threadpool_limits(limits=1, user_api="blas"):  # small products: one thread
        return _solve(B, b, method, tol, max_iter, time_limit, seed, solver,
                      solver_options, al_options, step_ratio, x0, t_start)


def _solve(B, b, method, tol, max_iter, time_limit, seed, solver, solver_options,
           al_options, step_ratio, x0, t_start) -> BasisPursuitResult:
    n, d = B.shape
    converged, message = True, ""
    if method == "lp":
        name = check_solver(solver, SOLVERS)
        opts = dict(solver_options or {})
        if name == "SCS":
            opts.setdefault("eps_abs", 1e-8)
            opts.setdefault("eps_rel", 1e-8)
        z, secs = _lp(B, b, name, opts)
        history: Dict[str, List[float]] = {"time": [secs]}
        message = f"{name}: optimal"
        # An "optimal" status on badly scaled data can come with a point far from Bz = b.
        scale = 1.0 + float(np.abs(b).sum()) + float(np.abs(B).max()) * float(np.abs(z).sum())
        if not (np.all(np.isfinite(z)) and np.linalg.norm(B @ z - b) <= 1e-6 * scale):
            raise SolverError(f"basis pursuit LP: {name} reported optimal, but its point "
                              "violates Bz = b (badly scaled B, b? rescale them)",
                              status="infeasible_point", step="basis pursuit LP")
    elif method == "chambolle_pock":
        z, history, converged, message = _chambolle_pock(
            B, b, tol, max_iter or 200_000, time_limit, step_ratio)
    else:
        if x0 is None:
            x0 = 0.1 * np.random.default_rng(seed).standard_normal(2 * d)
        else:
            x0 = as_vector(x0, "x0", size=2 * d)
        opts = dict(al_options or {})
        if max_iter is not None:
            opts["max_outer"] = max_iter
        res = _factored_al(B, b, x0, method == "linearized_al", tol, time_limit, opts)
        x = res.x
        z = x[:d] ** 2 - x[d:] ** 2
        history = res.history
        converged, message = res.converged, res.message
    return BasisPursuitResult(
        method=method, z=z, objective=float(np.abs(z).sum()),
        residual=float(np.linalg.norm(B @ z - b)), history=history,
        seconds=time.perf_counter() - t_start, converged=converged, message=message)
