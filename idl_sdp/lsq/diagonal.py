"""Diagonal-constrained least squares: min_s ½‖A diag(s) Bᵀ − C‖²_F.

With a_j, b_j the columns of A (m×k) and B (n×k), A diag(s) Bᵀ = Σ_j s_j a_j b_jᵀ, so
the objective is the convex quadratic

    f(s) = ½ sᵀ H s − dᵀ s + ½‖C‖²_F,   H = AᵀA ⊙ BᵀB,   d_j = a_jᵀ C b_j,

(H_ij = (a_iᵀa_j)(b_iᵀb_j), a Hadamard product of Gram matrices, positive definite
when both Grams are, by the Schur product theorem). Every method works on (H, d):
nothing of size m×n is formed except the final residual, which is evaluated
directly (one product the size of C) for accuracy.

Methods
-------
``normal``
    Solve H s = d (Cholesky). If H is numerically singular (an eigenvalue below
    ``rcond``·λ_max), return the minimum-norm minimiser H⁺d, which is the
    minimum-norm least-squares solution, and emit :class:`RankDeficientWarning`.
    Bounds are not supported (raises ``ValueError``).
``cvxpy``
    The explicit cvxpy problem min ½‖L s‖² − dᵀs (+ constant), HᵀH = LᵀL, with the box
    constraints, solved by Clarabel (or SCS).
``coordinate``
    Cyclic exact coordinate minimisation,
    s_j ← clip( a_jᵀ(C − Σ_{i≠j} s_i a_i b_iᵀ) b_j / (‖a_j‖²‖b_j‖²), lower_j, upper_j ),
    computed as (d_j − Σ_{i≠j} H_ji s_i)/H_jj. Minimising a convex quadratic over an
    interval in one coordinate is exactly clipping the unconstrained minimiser, so
    bounds are handled exactly; for H ≻ 0 the sweeps converge to the box-constrained
    optimum (the box is separable).
``projected_gradient``
    s ← clip(s − (H s − d)/L, lower, upper) with L = λ_max(H): monotone, linear rate
    1 − λ_min/λ_max.

The iterative methods run through :func:`idl_sdp.alternate` (one sweep or gradient
step per round). They stop when a round moves s by at most ``tol``·max(1, ‖s‖_∞),
or after ``rounds`` rounds — not on the decrease of the objective, which near the
minimiser is below rounding long before s is accurate.
"""
from __future__ import annotations

import time
import warnings
from typing import Any, Dict, Tuple

import cvxpy as cp
import numpy as np
import scipy.linalg

from .._solvers import check_solver, solve_problem
from .._validation import (
    as_matrix, as_vector, check_bounds, check_choice, check_finite_result, check_nonneg_float,
    check_positive_int,
)
from ._common import run_rounds, solver_options
from ._result import DiagonalResult

__all__ = [
    "DIAGONAL_METHODS", "RankDeficientWarning", "diagonal_least_squares", "diagonal_gram",
    "coordinate_update", "seed_coordinate_update",
]

DIAGONAL_METHODS = ("normal", "cvxpy", "coordinate", "projected_gradient")


class RankDeficientWarning(UserWarning):
    """H = AᵀA ⊙ BᵀB is numerically singular; the minimum-norm solution is returned."""


def _check_abc(A: Any, B: Any, C: Any) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    A = as_matrix(A, "A")
    B = as_matrix(B, "B", shape=(None, A.shape[1]))
    C = as_matrix(C, "C", shape=(A.shape[0], B.shape[0]))
    return A, B, C


def diagonal_gram(A: Any, B: Any, C: Any) -> Tuple[np.ndarray, np.ndarray, float]:
    """The data of the quadratic f(s) = ½ sᵀHs − dᵀs + ½‖C‖²_F.

    Parameters
    ----------
    A : array_like, shape (m, k)
    B : array_like, shape (n, k)
    C : array_like, shape (m, n)

    Returns
    -------
    H : ndarray, shape (k, k)
        AᵀA ⊙ BᵀB.
    d : ndarray, shape (k,)
        d_j = a_jᵀ C b_j = diag(Aᵀ C B).
    c2 : float
        ‖C‖²_F.
    """
    A, B, C = _check_abc(A, B, C)
    return _gram(A, B, C)


def _gram(A: np.ndarray, B: np.ndarray, C: np.ndarray) -> Tuple[np.ndarray, np.ndarray, float]:
    with np.errstate(all="ignore"):
        H = (A.T @ A) * (B.T @ B)
        d = np.einsum("ij,ij->j", A, C @ B)
        c2 = float(np.sum(C * C))
    check_finite_result((H, d, c2), "H = AᵀA ⊙ BᵀB, d = diag(AᵀCB) or ‖C‖²_F", "A, B, C")
    return H, d, c2


def _quadratic(H: np.ndarray, d: np.ndarray, c2: float, s: np.ndarray) -> float:
    return float(0.5 * s @ (H @ s) - d @ s + 0.5 * c2)


def _column(A: np.ndarray, B: np.ndarray, j: Any) -> Tuple[int, float]:
    k = A.shape[1]
    j = check_positive_int(j, "j", minimum=0)
    if j >= k:
        raise ValueError(f"j must be a column index in [0, {k - 1}], got {j}")
    with np.errstate(all="ignore"):
        denom = float(A[:, j] @ A[:, j]) * float(B[:, j] @ B[:, j])
    check_finite_result(denom, f"‖a_j‖²‖b_j‖² (j = {j})", "A, B")
    if denom == 0.0:
        raise ValueError(f"column j = {j} of A or B is zero: coordinate {j} does not enter")
    return j, denom


def coordinate_update(A: Any, B: Any, C: Any, s: Any, j: int) -> float:
    """The exact minimiser of f over s_j with the other entries of ``s`` fixed.

    s_j = a_jᵀ (C − Σ_{i≠j} s_i a_i b_iᵀ) b_j / (‖a_j‖² ‖b_j‖²), evaluated literally
    (it forms an m×n matrix; a teaching helper, not the solver's inner loop).
    """
    A, B, C = _check_abc(A, B, C)
    s = as_vector(s, "s", size=A.shape[1])
    j, denom = _column(A, B, j)
    others = s.copy()
    others[j] = 0.0
    with np.errstate(all="ignore"):
        rest = (A * others) @ B.T  # Σ_{i≠j} s_i a_i b_iᵀ
        value = float(A[:, j] @ (C - rest) @ B[:, j]) / denom
    check_finite_result(value, "the coordinate update", "A, B, C, s")
    return value


def seed_coordinate_update(A: Any, B: Any, C: Any, s: Any, j: int) -> float:
    """The coordinate formula as printed in the seed text — it is wrong.

    s_j = (a_jᵀ C b_j − a_jᵀ (Σ_{i≠j} s_i a_i b_iᵀ − C) b_j) / (‖a_j‖² ‖b_j‖²).
    Expanding, the numerator is 2·a_jᵀ C b_j − Σ_{i≠j} s_i H_ij: C is counted twice,
    so this value exceeds the exact update :func:`coordinate_update` by
    a_jᵀ C b_j / (‖a_j‖² ‖b_j‖²), and the optimum is not a fixed point of it.
    """
    A, B, C = _check_abc(A, B, C)
    s = as_vector(s, "s", size=A.shape[1])
    j, denom = _column(A, B, j)
    others = s.copy()
    others[j] = 0.0
    aj, bj = A[:, j], B[:, j]
    with np.errstate(all="ignore"):
        rest = (A * others) @ B.T
        value = float(aj @ C @ bj - aj @ (rest - C) @ bj) / denom
    check_finite_result(value, "the coordinate update", "A, B, C, s")
    return value


# --------------------------------------------------------------------------- methods

def _solve_normal(H: np.ndarray, d: np.ndarray, rcond: float) -> Tuple[np.ndarray, Dict[str, Any]]:
    k = H.shape[0]
    w, V = np.linalg.eigh(H)
    wmax = max(float(w[-1]), 0.0)
    keep = w > rcond * wmax
    rank = int(np.count_nonzero(keep))
    info: Dict[str, Any] = {"rank": rank, "cond": float(wmax / w[0]) if w[0] > 0 else np.inf}
    if rank == k:
        try:
            info["solve"] = "cholesky"
            return scipy.linalg.cho_solve(scipy.linalg.cho_factor(H), d), info
        except np.linalg.LinAlgError:  # borderline case: solve through the eigenbasis
            info["solve"] = "eigendecomposition"
    else:
        warnings.warn(
            f"H = AᵀA ⊙ BᵀB has numerical rank {rank} < k = {k} (rcond = {rcond:g}); "
            "returning the minimum-norm solution H⁺d",
            RankDeficientWarning, stacklevel=3,
        )
        info["solve"] = "pseudo-inverse"
    Vk = V[:, keep]
    return Vk @ ((Vk.T @ d) / w[keep]), info


def _solve_cvxpy(H, d, c2, lo, hi, solver) -> Tuple[np.ndarray, Dict[str, Any]]:
    w, V = np.linalg.eigh(H)
    L = np.sqrt(np.clip(w, 0.0, None))[:, None] * V.T  # LᵀL = H (clipped at 0)
    s = cp.Variable(H.shape[0], name="s")
    constraints = []
    if np.any(np.isfinite(lo)):
        idx = np.flatnonzero(np.isfinite(lo))
        constraints.append(s[idx] >= lo[idx])
    if np.any(np.isfinite(hi)):
        idx = np.flatnonzero(np.isfinite(hi))
        constraints.append(s[idx] <= hi[idx])
    problem = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(L @ s) - d @ s + 0.5 * c2), constraints)
    status, solve_seconds = solve_problem(problem, solver, "diagonal least squares (cvxpy)",
                                         **solver_options(solver))
    info = {"status": status, "solver": solver, "solve_seconds": solve_seconds,
            "solver_iterations": problem.solver_stats.num_iters, "problem": problem}
    return np.asarray(s.value, dtype=float).reshape(-1), info


def _iterate(H, d, c2, lo, hi, s0, method, rounds, tol):
    k = H.shape[0]
    diag = np.diag(H).copy()
    if method == "projected_gradient":
        lip = float(np.linalg.eigvalsh(H)[-1])
        step_size = 1.0 / lip if lip > 0 else 0.0

        def step(s):
            new = np.clip(s - step_size * (H @ s - d), lo, hi)
            return new, {"step": float(np.max(np.abs(new - s)))}
    else:
        def step(s):
            new = s.copy()
            for j in range(k):
                if diag[j] == 0.0:  # a_j or b_j is zero: s_j does not enter f
                    new[j] = np.clip(0.0, lo[j], hi[j])
                    continue
                g = d[j] - H[j] @ new + diag[j] * new[j]
                new[j] = min(max(g / diag[j], lo[j]), hi[j])
            return new, {"step": float(np.max(np.abs(new - s)))}

    def small_step(record, s):
        return record["step"] <= tol * max(1.0, float(np.max(np.abs(s))))

    name = "sweep" if method == "coordinate" else "gradient_step"
    # The driver's relative-decrease rule cannot locate s (f is flat near s*, so it
    # stalls at ~√ε relative accuracy); stop on the step length instead.
    run = run_rounds(s0, [(name, step)], lambda s: _quadratic(H, d, c2, s),
                     rounds=rounds, stop=small_step)
    info = {"initial_objective": run.initial_objective}
    if method == "projected_gradient":
        info["step_size"] = step_size
    message = "step below tol" if run.converged else run.message
    return run.state, run.history, run.converged, message, info


def diagonal_least_squares(
    A: Any,
    B: Any,
    C: Any,
    method: str = "normal",
    *,
    lower: Any = None,
    upper: Any = None,
    s0: Any = None,
    rounds: int = 10_000,
    tol: float = 1e-12,
    rcond: float = 1e-12,
    solver: str = "CLARABEL",
) -> DiagonalResult:
    """Solve min_s ½‖A diag(s) Bᵀ − C‖²_F, optionally with lower ≤ s ≤ upper.

    Parameters
    ----------
    A : array_like, shape (m, k)
    B : array_like, shape (n, k)
    C : array_like, shape (m, n)
    method : {"normal", "cvxpy", "coordinate", "projected_gradient"}
        See the module docstring. ``normal`` does not accept bounds.
    lower, upper : None, float or array_like of shape (k,)
        Box constraints on s (``-inf``/``inf`` entries mean unbounded).
    s0 : array_like, shape (k,), optional
        Start of the iterative methods (default 0, projected onto the box). Not
        accepted by the direct methods.
    rounds : int
        Maximum sweeps / gradient steps of the iterative methods.
    tol : float
        Iterative methods stop when a round changes s by ≤ tol·max(1, ‖s‖_∞).
    rcond : float
        ``normal``: eigenvalues of H below rcond·λ_max(H) count as zero.
    solver : {"CLARABEL", "SCS"}
        ``cvxpy`` only.

    Returns
    -------
    DiagonalResult
        ``s``, ``residual`` = ‖A diag(s) Bᵀ − C‖²_F (no ½), ``objective`` = residual/2,
        ``history`` (``objective`` per round), ``method``, ``seconds``, ``info``.

    Raises
    ------
    ValueError, TypeError
        Bad shapes, NaN/inf, empty input, unknown method, bounds with ``normal``.
    idl_sdp.SolverError
        ``cvxpy``: the solver did not report ``optimal``.
    """
    t0 = time.perf_counter()
    A, B, C = _check_abc(A, B, C)
    method = check_choice(method, "method", DIAGONAL_METHODS)
    k = A.shape[1]
    lo, hi = check_bounds(lower, upper, k)
    bounded = bool(np.any(np.isfinite(lo)) or np.any(np.isfinite(hi)))
    rounds = check_positive_int(rounds, "rounds")
    tol = check_nonneg_float(tol, "tol")
    rcond = check_nonneg_float(rcond, "rcond")
    iterative = method in ("coordinate", "projected_gradient")
    if bounded and method == "normal":
        raise ValueError(
            "method='normal' solves the unconstrained normal equations and does not accept "
            "lower/upper; use 'coordinate', 'projected_gradient' or 'cvxpy' for bounds"
        )
    if s0 is not None and not iterative:
        raise ValueError(f"s0 is only used by the iterative methods, not method={method!r}")
    if method == "cvxpy":
        solver = check_solver(solver)

    H, d, c2 = _gram(A, B, C)
    converged, message, n_iter = True, "direct solve", 1
    if method == "normal":
        s, info = _solve_normal(H, d, rcond)
        history = [{"round": 1, "objective": _quadratic(H, d, c2, s)}]
    elif method == "cvxpy":
        s, info = _solve_cvxpy(H, d, c2, lo, hi, solver)
        n_iter = int(info["solver_iterations"] or 0)
        history = [{"round": 1, "objective": _quadratic(H, d, c2, s), "status": info["status"]}]
    else:
        start = np.zeros(k) if s0 is None else as_vector(s0, "s0", size=k)
        start = np.clip(start, lo, hi)
        s, history, converged, message, info = _iterate(H, d, c2, lo, hi, start, method,
                                                        rounds, tol)
        n_iter = len(history)
    R = (A * s) @ B.T - C
    residual = float(np.sum(R * R))
    return DiagonalResult(
        method=method, s=s, residual=residual, objective=0.5 * residual, history=history,
        n_iter=n_iter, seconds=time.perf_counter() - t0, converged=converged,
        message=message, info=info,
    )
