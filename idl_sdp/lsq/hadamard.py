"""Hadamard-product least squares: min_{u,v} ‖y − (A u) ∘ (B v)‖².

Row i of (A u) ∘ (B v) is (A_i u)(B_i v) = (A_i ⊗ B_i)(u ⊗ v) = ⟨H_i, vec(u vᵀ)⟩ with
the Khatri–Rao rows H_i = A_i ⊗ B_i (row-major vec). The problem is biconvex (a
linear least-squares problem in u for fixed v and vice versa) and is linear least
squares in the lifted W = u vᵀ under the nonconvex constraint rank W ≤ 1.

Scale ambiguity: (u, v) and (t u, v/t) give the same fit for every t ≠ 0. Every
method returns the normalised pair of :func:`normalize_pair`: ‖u‖ = ‖v‖ and the
entry of u of largest magnitude (the first one, on ties) is positive. The scale-free
quantity to compare is the product u vᵀ.

Methods
-------
``als``
    Alternating least squares through :func:`idl_sdp.alternate`: v ← argmin over v
    with u fixed, then u ← argmin over u (minimum-norm ``lstsq`` solutions).
``lifted_svd``
    Minimum-norm lifted OLS x = H⁺y, W = reshape(x), best rank-one part of W by SVD.
    This is *not* a minimiser in general (see :data:`COUNTEREXAMPLE`).
``gauss_newton``
    Levenberg–Marquardt-damped Gauss–Newton on (u, v) jointly (the damping also
    removes the rank deficiency of the Jacobian along the scaling direction
    (u, −v)); a step is accepted only if it decreases the objective, otherwise the
    damping grows and the step is retried.
``convex``
    Nuclear-norm relaxation in cvxpy: among the minimisers of the lifted least
    squares ‖H vec W − y‖² (for consistent data: among all W with H vec W = y) take
    one of least nuclear norm ‖W‖_*; with ``reg`` > 0 instead minimise
    ½‖H vec W − y‖² + reg·‖W‖_*. Then the rank-one part of W. ``exact`` is True when
    W is numerically rank one (σ₂ ≤ rank_tol·σ₁) and its rank-one part fits y to
    ‖r‖² ≤ fit_tol·‖y‖²: the residual then sits at its lower bound 0, so (u, v) is a
    global minimiser. This is a floating-point certificate (tolerances), not a proof;
    when it fails nothing is claimed. The SDP is solved to the package-default
    tolerances (1e-8; tighter ones are not attainable on it, see ``_convex``) and
    anything but an ``optimal`` status raises :class:`~idl_sdp.SolverError`.
"""
from __future__ import annotations

import time
from typing import Any, Dict, Optional, Tuple

import cvxpy as cp
import numpy as np

from .._solvers import SolverError, check_solver, solve_problem
from .._validation import (
    as_matrix, as_vector, check_choice, check_finite_result, check_nonneg_float,
    check_positive_int,
)
from ..alternate import alternate
from ._result import HadamardResult

__all__ = [
    "HADAMARD_METHODS", "COUNTEREXAMPLE", "hadamard_least_squares", "khatri_rao_rows",
    "normalize_pair", "hadamard_residual",
]

HADAMARD_METHODS = ("als", "lifted_svd", "gauss_newton", "convex")

#: The counterexample to lifted OLS + best rank one: A = B = [[1, 1], [1, 0]], y = [1, 2].
#: The minimum-norm lifted solution is [[2, −1/3], [−1/3, −1/3]]; its rank-one part
#: leaves ‖r‖² ≈ 0.2347, while u = (1, 1), v = (2, −1.5) fits exactly.
COUNTEREXAMPLE = {
    "A": np.array([[1.0, 1.0], [1.0, 0.0]]),
    "B": np.array([[1.0, 1.0], [1.0, 0.0]]),
    "y": np.array([1.0, 2.0]),
}


def _check_aby(A: Any, B: Any, y: Any) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    A = as_matrix(A, "A")
    B = as_matrix(B, "B", shape=(A.shape[0], None))
    y = as_vector(y, "y", size=A.shape[0])
    return A, B, y


def khatri_rao_rows(A: Any, B: Any) -> np.ndarray:
    """The lifted design H with rows H_i = A_i ⊗ B_i, shape (n, p·k)."""
    A = as_matrix(A, "A")
    B = as_matrix(B, "B", shape=(A.shape[0], None))
    with np.errstate(all="ignore"):
        H = _kr(A, B)
    check_finite_result(H, "the lifted design A_i ⊗ B_i", "A, B")
    return H


def _kr(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    return (A[:, :, None] * B[:, None, :]).reshape(A.shape[0], -1)


def normalize_pair(u: Any, v: Any) -> Tuple[np.ndarray, np.ndarray]:
    """Pick the representative of {(t u, v/t) : t ≠ 0} with ‖u‖ = ‖v‖ and a sign.

    The entry of u of largest magnitude (the first, on ties) is made positive. If
    u or v is zero (so u vᵀ = 0), both are returned as zeros.
    """
    u = as_vector(u, "u")
    v = as_vector(v, "v")
    with np.errstate(all="ignore"):
        nu, nv = float(np.linalg.norm(u)), float(np.linalg.norm(v))
        if not (0.0 < nu < np.inf and 0.0 < nv < np.inf):  # the squares over/underflowed
            nu, nv = _safe_norm(u), _safe_norm(v)
        if nu == 0.0 or nv == 0.0:
            return np.zeros_like(u), np.zeros_like(v)
        t = np.sqrt(nv / nu)
        if 0.0 < t < np.inf:
            u, v = u * t, v / t
        else:  # nv/nu out of range; ‖u‖ = ‖v‖ = √(‖u‖‖v‖) still is in range
            root = np.sqrt(nu) * np.sqrt(nv)
            u, v = (u / nu) * root, (v / nv) * root
    if u[int(np.argmax(np.abs(u)))] < 0:
        u, v = -u, -v
    return u, v


def _safe_norm(x: np.ndarray) -> float:
    """‖x‖₂ without overflow or underflow of the squares."""
    big = float(np.max(np.abs(x), initial=0.0))
    return 0.0 if big == 0.0 else big * float(np.linalg.norm(x / big))


def hadamard_residual(A: Any, B: Any, y: Any, u: Any, v: Any) -> float:
    """‖y − (A u) ∘ (B v)‖²."""
    A, B, y = _check_aby(A, B, y)
    u = as_vector(u, "u", size=A.shape[1])
    v = as_vector(v, "v", size=B.shape[1])
    with np.errstate(all="ignore"):
        value = _res(A, B, y, u, v)
    check_finite_result(value, "the residual ‖y − (A u)∘(B v)‖²", "A, B, y, u, v")
    return value


def _res(A, B, y, u, v) -> float:
    r = y - (A @ u) * (B @ v)
    return float(r @ r)


def _lstsq(M: np.ndarray, y: np.ndarray) -> np.ndarray:
    # Iterates of a badly scaled problem can overflow; LAPACK then fails (LinAlgError).
    check_finite_result(M, "a least-squares system of the iteration", "A, B, y (or u0, v0)")
    try:
        x = np.linalg.lstsq(M, y, rcond=None)[0]
    except np.linalg.LinAlgError as exc:
        raise SolverError(f"Hadamard least squares: lstsq failed ({exc}); rescale A, B, y",
                          status="lstsq_failed", step="least squares") from None
    check_finite_result(x, "a least-squares solution of the iteration", "A, B, y (or u0, v0)")
    return x


def _rank_one(W: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    U, sv, Vt = np.linalg.svd(W)
    root = np.sqrt(sv[0])
    u, v = normalize_pair(root * U[:, 0], root * Vt[0])
    return u, v, sv


# --------------------------------------------------------------------------- methods

def _als(A, B, y, u0, v0, u_first, rounds, tol):
    def v_step(state):
        u, _ = state
        return (u, _lstsq((A @ u)[:, None] * B, y)), {}

    def u_step(state):
        _, v = state
        u = _lstsq((B @ v)[:, None] * A, y)
        return normalize_pair(u, v), {}

    # With only v0 given, the u-step goes first so that v0 is used.
    steps = [("u_step", u_step), ("v_step", v_step)] if u_first \
        else [("v_step", v_step), ("u_step", u_step)]
    return alternate((u0, v0), steps, lambda s: _res(A, B, y, *s), rounds=rounds, tol=tol)


def _gauss_newton(A, B, y, u0, v0, rounds, tol):
    p, k = A.shape[1], B.shape[1]

    def lm_step(state):
        u, v, mu = state
        a, b = A @ u, B @ v
        r = y - a * b
        f = float(r @ r)
        J = np.hstack([b[:, None] * A, a[:, None] * B])  # Jacobian of (Au)∘(Bv)
        if mu is None:
            mu = 1e-3 * max(float(np.max(np.sum(J * J, axis=0))), 1e-300)
        for tries in range(1, 41):
            lhs = np.vstack([J, np.sqrt(mu) * np.eye(p + k)])
            delta = _lstsq(lhs, np.concatenate([r, np.zeros(p + k)]))
            u_new, v_new = u + delta[:p], v + delta[p:]
            if _res(A, B, y, u_new, v_new) < f:
                u_new, v_new = normalize_pair(u_new, v_new)
                return (u_new, v_new, max(mu / 3.0, 1e-15)), {"damping": mu, "tries": tries}
            mu *= 4.0
        return (u, v, mu), {"damping": mu, "tries": tries}  # no decrease: the driver stops

    return alternate((u0, v0, None), [("lm_step", lm_step)],
                     lambda s: _res(A, B, y, s[0], s[1]), rounds=rounds, tol=tol)


def _convex(A, B, y, reg, solver, rank_tol, fit_tol):
    """The nuclear-norm relaxation and the rank-one part of its solution W.

    Notes
    -----
    cvxpy writes ‖W‖_* as min ½(tr P + tr Q) s.t. [[P, W], [Wᵀ, Q]] ⪰ 0, a
    (p+k)-sized PSD block whose optimum has rank one whenever the relaxation is exact.
    An interior-point method approaches such a rank-deficient optimum through an
    increasingly ill-conditioned scaling, which caps the primal residual it can
    certify at about 1e-8 (measured with Clarabel on planted 60×5×4 instances with a
    condition number of H ≈ 4: the residual stalls near 8e-9 and the step length
    falls to 0). The gallery's tighter LP/QP tolerances (1e-10,
    :func:`~idl_sdp.lsq._common.solver_options`) are therefore unreachable here and
    end in ``optimal_inaccurate``; the package defaults (1e-8) are used instead.
    Those feasibility tolerances are relative to max(1, ‖data‖), i.e. absolute for
    small data, so the constrained problem is solved for W/‖W_ls‖_F (W_ls the
    minimum-norm lifted solution): its answer then does not depend on the units of y.
    Exactness is still judged afterwards in numpy on the unscaled (u, v) (``fits``,
    ``rank_one``), never from the solver's status.
    """
    p, k = A.shape[1], B.shape[1]
    H = _kr(A, B)
    W = cp.Variable((p, k), name="W")
    w = cp.vec(W, order="C")
    info: Dict[str, Any] = {}
    if reg is None:
        # The minimisers of ‖H w − y‖² are {w : V_rᵀ w = S_r⁻¹ U_rᵀ y} (thin SVD of H,
        # numerical rank r): independent, well-conditioned equality constraints, which
        # reduce to H w = y whenever that system is consistent.
        Uh, sh, Vth = np.linalg.svd(H, full_matrices=False)
        r = int(np.count_nonzero(sh > max(H.shape) * np.finfo(float).eps * sh[0]))
        rhs = (Uh[:, :r].T @ y) / sh[:r]
        # ‖rhs‖ = ‖W_ls‖_F, the minimum-norm lifted solution (the rows of V_rᵀ are
        # orthonormal); solve for W / scale, whose feasible set then has norm-one points.
        scale = float(np.linalg.norm(rhs))
        scale = scale if 0.0 < scale < np.inf else 1.0  # y ⟂ range(H): W = 0, no scaling
        problem = cp.Problem(cp.Minimize(cp.normNuc(W)), [Vth[:r] @ w == rhs / scale])
        value_scale = scale  # ‖W‖_* is homogeneous of degree one
        info["lifted_rank"] = r
    else:
        # The curvature HᵀH of ½‖Hw − y‖² must be representable: SCS never returns on
        # data whose squares overflow.
        with np.errstate(over="ignore"):
            check_finite_result(float(np.sum(H * H)), "‖H‖²_F (H = the lifted design)", "A, B")
        # Not rescaled: with y/‖y‖ the objective is ≤ ½, where Clarabel's gap test is
        # absolute, and W came out less accurate (σ₂/σ₁ of a rank-one optimum 9.6e-7
        # instead of 1.0e-7 on the gallery's n = 200, p = 5, k = 4 instance).
        scale = value_scale = 1.0
        problem = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(H @ w - y) + reg * cp.normNuc(W)))
    info["scale"] = scale
    # Package-default tolerances (see Notes), not solver_options(solver).
    status, solve_seconds = solve_problem(problem, solver, "Hadamard nuclear-norm relaxation")
    Wv = scale * np.asarray(W.value, dtype=float)
    u, v, sv = _rank_one(Wv)
    residual = _res(A, B, y, u, v)
    rank_one = bool(sv.size < 2 or sv[1] <= rank_tol * sv[0])
    fits = bool(residual <= fit_tol * max(float(y @ y), np.finfo(float).tiny))
    info.update({"status": status, "solver": solver, "solve_seconds": solve_seconds,
                 "relaxation_value": value_scale * float(problem.value), "W": Wv,
                 "rank_one": rank_one, "fits": fits,
                 "solver_iterations": problem.solver_stats.num_iters, "problem": problem})
    return u, v, sv, rank_one and fits, info


def hadamard_least_squares(
    A: Any,
    B: Any,
    y: Any,
    method: str = "als",
    *,
    seed: int = 0,
    rounds: int = 500,
    tol: float = 1e-12,
    u0: Any = None,
    v0: Any = None,
    reg: Optional[float] = None,
    solver: str = "CLARABEL",
    rank_tol: float = 1e-6,
    fit_tol: float = 1e-8,
) -> HadamardResult:
    """Solve min_{u,v} ‖y − (A u) ∘ (B v)‖².

    Parameters
    ----------
    A : array_like, shape (n, p)
    B : array_like, shape (n, k)
    y : array_like, shape (n,)
    method : {"als", "lifted_svd", "gauss_newton", "convex"}
        See the module docstring.
    seed : int
        Seed of the random start u0 ~ N(0, I) of ``als`` and ``gauss_newton``.
    rounds, tol : int, float
        Iterative methods: at most ``rounds`` rounds of :func:`idl_sdp.alternate`,
        which stops when the relative decrease of the objective is ≤ ``tol``.
    u0, v0 : array_like, optional
        Starting point of the iterative methods (default: u0 ~ N(0, I) drawn with
        ``seed``). ``als`` starts with the block that is not given (with both given:
        the v-step); ``gauss_newton`` completes a missing block by its least-squares fit.
    reg : float, optional
        ``convex`` only: None for the constrained relaxation, > 0 for the penalised one.
    solver : {"CLARABEL", "SCS"}
        ``convex`` only.
    rank_tol, fit_tol : float
        ``convex`` only: tolerances of the exactness certificate.

    Returns
    -------
    HadamardResult
        ``u``, ``v`` (normalised), ``residual`` = ‖y − (Au)∘(Bv)‖², ``history``,
        ``method``, ``seconds``; ``exact`` and ``singular_values`` where they apply.

    Raises
    ------
    ValueError, TypeError
        Bad shapes, NaN/inf, wrong types, unknown method; data (or iterates) too badly
        scaled for float64.
    idl_sdp.SolverError
        ``convex``: the solver did not report ``optimal``; the iterative methods: a
        least-squares solve failed.
    """
    t0 = time.perf_counter()
    A, B, y = _check_aby(A, B, y)
    method = check_choice(method, "method", HADAMARD_METHODS)
    p, k = A.shape[1], B.shape[1]
    rounds = check_positive_int(rounds, "rounds")
    tol = check_nonneg_float(tol, "tol")
    seed = check_positive_int(seed, "seed", minimum=0)
    iterative = method in ("als", "gauss_newton")
    if not iterative and (u0 is not None or v0 is not None):
        raise ValueError(f"u0/v0 are only used by 'als' and 'gauss_newton', not {method!r}")
    if method != "convex" and reg is not None:
        raise ValueError(f"reg is only used by method='convex', not {method!r}")
    if method == "convex":
        solver = check_solver(solver)
        rank_tol = check_nonneg_float(rank_tol, "rank_tol")
        fit_tol = check_nonneg_float(fit_tol, "fit_tol")
        if reg is not None:
            reg = check_nonneg_float(reg, "reg", positive=True)

    exact, sv, info = None, None, {}
    converged, message, n_iter = True, "direct solve", 1
    if iterative:
        u_start = None if u0 is None else as_vector(u0, "u0", size=p)
        v_start = None if v0 is None else as_vector(v0, "v0", size=k)
        gn = method == "gauss_newton"
        if u_start is None and v_start is None:
            u_start = np.random.default_rng(seed).standard_normal(p)
        if u_start is None:  # only v0: ALS starts with its u-step; GN with the LS u for v0
            u_start = _lstsq((B @ v_start)[:, None] * A, y) if gn else np.zeros(p)
        if v_start is None:  # ALS starts with its v-step; GN with the LS v for u0
            v_start = _lstsq((A @ u_start)[:, None] * B, y) if gn else np.zeros(k)
        if method == "als":
            run = _als(A, B, y, u_start, v_start, v0 is not None and u0 is None, rounds, tol)
        else:
            if np.any(u_start) and np.any(v_start):  # same start for every (t u, v/t)
                u_start, v_start = normalize_pair(u_start, v_start)
            run = _gauss_newton(A, B, y, u_start, v_start, rounds, tol)
        u, v = normalize_pair(run.state[0], run.state[1])
        history, converged, message = run.history, run.converged, run.message
        n_iter = run.n_iter
        info["initial_objective"] = run.initial_objective
    elif method == "lifted_svd":
        x = _lstsq(_kr(A, B), y)
        u, v, sv = _rank_one(x.reshape(p, k))
        info["lifted_solution"] = x.reshape(p, k)
        info["lifted_residual"] = float(np.sum((y - _kr(A, B) @ x) ** 2))
        history = [{"round": 1, "objective": _res(A, B, y, u, v)}]
    else:
        u, v, sv, exact, info = _convex(A, B, y, reg, solver, rank_tol, fit_tol)
        n_iter = int(info["solver_iterations"] or 0)
        history = [{"round": 1, "objective": _res(A, B, y, u, v),
                    "relaxation_value": info["relaxation_value"]}]
    with np.errstate(all="ignore"):
        residual = _res(A, B, y, u, v)
    check_finite_result((u, v, residual), "the solution (u, v) or its residual", "A, B, y")
    return HadamardResult(
        method=method, u=u, v=v, residual=residual, history=history, n_iter=n_iter,
        seconds=time.perf_counter() - t0, converged=converged, message=message, info=info,
        exact=exact, singular_values=sv,
    )
