r"""An exact Θ-step whose inner problems do not grow with m: an active-set outer loop.

The only block of the Θ-step that touches every sample is
:math:`\tfrac{1}{2m}\sum_j \lambda_j \sum_k (\theta_j^T\varphi_k)_+^2` (θ_j the j-th row of
[D E f], φ_k = [x_k; u_k; 1]). For active sets S_j = {k : θ_jᵀφ_k > 0} it equals the
quadratic (1/2m)Σ_j λ_j θ_jᵀ K_j θ_j with the Gram matrix K_j = Σ_{k∈S_j} φ_k φ_kᵀ (q × q).
The model q_S built at the current Θ agrees with the true objective f in value and
gradient there (ReLU² is C¹), and f is convex, so:

1. solve the model SDP (same constraints, size independent of m) → Θ̂;
2. d = Θ̂ − Θ is a descent direction with ∇f·d ≤ q_S(Θ̂) − q_S(Θ) ≤ 0; Armijo search
   on the true f along d (every point of the segment is feasible, the set being convex);
3. stop when the active sets of the new point equal S and the full step was taken:
   then ∇f = ∇q_S there and the model's KKT conditions (certified by the inner
   solver) are the true problem's — an exact optimum, reached after finitely many
   iterations once the pieces are identified.

The reported ``kkt_residual`` is ‖∇f(Θ) − ∇q_S(Θ)‖_F, the part of the true KKT
residual not covered by the inner solver's own tolerance (0 at exact termination).
"""
from __future__ import annotations

import time
from typing import Any, Dict, Tuple

import numpy as np
from threadpoolctl import threadpool_limits

from .._solvers import SolverError, check_solver, solve_problem
from .._validation import check_choice
from ..model import ImplicitModel
from ..objective import objective

__all__ = ["solve_theta_active_set"]

_NAMES = ("A", "B", "c", "D", "E", "f")


def _theta2(model: ImplicitModel) -> np.ndarray:
    return np.hstack([model.D, model.E, model.f[:, None]])


def _set_active_sets(Ls, active_rows, lam, Phi, Zpos) -> None:
    """L_jᵀL_j = λ_j Φ diag(S_j) Φᵀ for each active row j."""
    for L, j in zip(Ls, active_rows):
        K = (Phi * Zpos[j][None, :]) @ Phi.T
        w, Q = np.linalg.eigh(0.5 * (K + K.T))
        L.value = (np.sqrt(lam[j] * np.maximum(w, 0.0))[:, None]) * Q.T


def _model_gap(lam, Z, S, m) -> float:
    """f − q_S at a point with pre-activations Z (≥ 0 only matters where S and Z>0 differ)."""
    Zp = np.maximum(Z, 0.0)
    return float(np.sum(lam[:, None] * (Zp * Zp - S * Z * Z))) / (2 * m)


def solve_theta_active_set(
    step, X: Any, model: ImplicitModel, *, inner_solver: str = "CLARABEL",
    max_outer: int = 50, tol: float = 1e-9, first_guess: str = "X", **opts: Any,
) -> Tuple[ImplicitModel, Dict[str, Any]]:
    """Solve the Θ-step of ``step`` (a :class:`~idl_sdp.ParameterStep`) by active sets.

    Parameters
    ----------
    step : ParameterStep
    X : ndarray (h, m)
    model : ImplicitModel
        The current Θ_k (starting point and A_k of the linearized LMI).
    inner_solver : {"CLARABEL", "SCS"}
        Solver of the small model SDPs.
    max_outer : int
        Outer iteration budget; :class:`SolverError` (status ``"max_outer"``) if reached.
    tol : float
        Stop when ‖∇f − ∇q_S‖_F ≤ tol · max(1, ‖∇q_S‖) after a full step.
    first_guess : {"X", "theta"}
        Active sets of the first model: where X > 0 (default; at digits size it saves
        one of six outer iterations of the first round) or where Θ_k's pre-activations
        are positive.
    **opts
        Options for the inner solver.

    Returns
    -------
    (ImplicitModel, dict)
        The new model and an info dict (``status``, ``seconds``, ``objective``,
        ``outer_iterations``, ``kkt_residual``, ``inner_seconds``).
    """
    # Many small (q × q) factorisations: BLAS threads only add contention here.
    first_guess = check_choice(first_guess, "first_guess", ("X", "theta"))
    with threadpool_limits(limits=1, user_api="blas"):
        return _solve(step, X, model, inner_solver, max_outer, tol, first_guess, opts)


def _solve(step, X, model, inner_solver, max_outer, tol, first_guess, opts):
    t0 = time.perf_counter()
    inner_solver = check_solver(inner_solver)
    step.set_data(X, model)
    problem, Ls = step.active_set_problem()
    _, _, _, active_rows = step._shared
    U, Y, lam, reg = step.U, step.Y, step.lam, step.reg
    m = U.shape[1]
    Phi = step.parameters["Phi"].value
    X = np.asarray(X, dtype=float)

    def f(mod: ImplicitModel) -> float:
        return objective(mod, X, U, Y, lam, reg=reg)

    current = model
    f_cur = f(current)
    inner = 0.0
    kkt = np.inf
    for it in range(1, max_outer + 1):
        Z = _theta2(current) @ Phi
        # The first model is only used for a full step, so any active set will do: the
        # units X says are on (X > 0, where a small divergence forces Z ≈ X > 0) are a
        # far better guess of the optimum's active set than Θ_k's own.
        S = ((X > 0) if (it == 1 and first_guess == "X") else (Z > 0)).astype(float)
        _set_active_sets(Ls, active_rows, lam, Phi, S)
        for name, var in step.variables.items():
            var.value = getattr(current, name)
        _, secs = solve_problem(problem, inner_solver, "Theta-step (active-set model)", **opts)
        inner += secs
        cand = ImplicitModel(**{k: step.variables[k].value for k in _NAMES})
        q_cur = f_cur - _model_gap(lam, Z, S, m)
        q_hat = float(problem.value)
        predicted = max(q_cur - q_hat, 0.0)
        # The first model solution is taken whole: Θ_k itself may violate the LMI by
        # the solver tolerance of the previous step, so the segment is not known feasible.
        alpha = 1.0
        f_new = f(cand)
        if it > 1:
            while f_new > f_cur - 1e-4 * alpha * predicted + 1e-15 * abs(f_cur) and alpha > 1e-10:
                alpha *= 0.5
                cand = ImplicitModel(**{k: getattr(current, k) + alpha * (
                    getattr(step.variables[k], "value") - getattr(current, k)) for k in _NAMES})
                f_new = f(cand)
        Znew = _theta2(cand) @ Phi
        # ∇f − ∇q_S with respect to Θ₂ at the new point (the rest of f is identical).
        mismatch = (lam[:, None] * (np.maximum(Znew, 0.0) - S * Znew)) @ Phi.T / m
        grad_model = (lam[:, None] * (S * Znew)) @ Phi.T / m
        kkt = float(np.linalg.norm(mismatch))
        current, f_prev, f_cur = cand, f_cur, f_new
        if alpha == 1.0 and kkt <= tol * max(1.0, float(np.linalg.norm(grad_model))):
            break
        if it > 1 and abs(f_prev - f_cur) <= 1e-15 * abs(f_cur) and alpha < 1.0:
            break  # no representable progress left
    else:
        raise SolverError(
            f"Theta-step (fast): no convergence in {max_outer} outer iterations "
            f"(kkt_residual {kkt:.2e})", status="max_outer", step="Theta-step")
    info = {"status": "optimal", "seconds": time.perf_counter() - t0, "objective": f_cur,
            "outer_iterations": it, "kkt_residual": kkt, "inner_seconds": inner}
    return current, info
