r"""The X-subproblem (Θ fixed): a convex QP in the hidden states, X ≥ 0.

Collecting the terms of J for fixed Θ,

.. math::
   J = \frac{1}{2m}\operatorname{tr}(X^T M X) + \frac1m\langle G, X\rangle
     + \frac{1}{2m}\sum_{j,k}\lambda_j (Z_{jk})_+^2 + \frac{1}{2m}\|BU + c1^T - Y\|_F^2,

with :math:`M = A^TA + \Lambda - \Lambda D - D^T\Lambda`,
:math:`G = A^T(BU + c1^T - Y) - \Lambda(EU + f1^T)` and :math:`Z = DX + EU + f1^T`.
It is convex iff M ⪰ 0. Written in DPP form with M = LᵀL, D_s = diag(√λ) D and
W = diag(√λ)(EU + f1ᵀ) computed in numpy and held in ``cp.Parameter`` objects,
the problem is compiled once and re-solved for every new Θ.
"""
from __future__ import annotations

import time
from typing import Any, Dict, Optional

import cvxpy as cp
import numpy as np

from ._solvers import SOLVERS, SolverError, check_solver, solve_problem
from ._validation import check_lam, check_model_sizes, check_nonneg_float, check_training_data
from .lmi import convexity_matrix
from .model import ImplicitModel

__all__ = ["HiddenStep", "NotConvexError", "psd_factor"]


class NotConvexError(ValueError):
    """M = AᵀA + Λ − ΛD − DᵀΛ is not PSD, so the X-step is not a convex problem."""


def psd_factor(M: np.ndarray, tol: float, name: str = "M") -> tuple:
    """L with LᵀL = M for symmetric PSD M, and λ_min(M).

    Eigenvalues in [−tol·max(1, ‖M‖₂), 0) are rounding noise and are set to 0; a
    more negative eigenvalue raises :class:`NotConvexError`.
    """
    w, Q = np.linalg.eigh(0.5 * (M + M.T))
    lam_min = float(w[0])
    scale = max(1.0, float(np.max(np.abs(w))))
    if lam_min < -tol * scale:
        raise NotConvexError(
            f"{name} is not positive semidefinite: λ_min({name}) = {lam_min:.3e} < "
            f"-{tol:.1e}·{scale:.3g}; the X-step would not be convex"
        )
    return np.sqrt(np.maximum(w, 0.0))[:, None] * Q.T, lam_min


class HiddenStep:
    """The X-step of eq 7 as a DPP ``cvxpy.Problem``.

    Parameters
    ----------
    U : array_like, shape (n, m)
        Inputs, one column per sample.
    Y : array_like, shape (p, m)
        Targets, one column per sample.
    hidden : int
        Number of hidden units h.
    lam : float or array_like of shape (h,)
        Nonnegative multipliers λ.
    psd_tol : float, default 1e-9
        Relative tolerance below which a negative eigenvalue of M counts as
        rounding noise (see :func:`psd_factor`).

    Attributes
    ----------
    problem : cvxpy.Problem
        ``minimize J(Θ, X)`` over the variable ``X`` (shape (h, m)) subject to X ≥ 0,
        with the linear term (1/m)⟨G, X⟩ carried by the scalar ``gx`` (constraint
        ``gx == vec(G) @ vec(X) / m``), so that compiling it takes memory and time
        linear in m; ``problem.is_dpp()`` and ``problem.is_qp()`` are True.
    X : cvxpy.Variable
    gx : cvxpy.Variable
        Scalar, equal to (1/m)⟨G, X⟩ at the solution (to the solver's tolerance).
    parameters : dict of cvxpy.Parameter
        ``L`` (LᵀL = M), ``G``, ``Ds``, ``W`` and ``const`` (see module docstring).
    last_info : dict
        Status, seconds and λ_min(M) of the last :meth:`solve`.
    """

    def __init__(self, U: Any, Y: Any, hidden: int, lam: Any, *, psd_tol: float = 1e-9):
        self.U, self.Y, self.hidden, self.lam = check_training_data(U, Y, hidden, lam)
        self.psd_tol = check_nonneg_float(psd_tol, "psd_tol")
        h, m = self.hidden, self.U.shape[1]
        self.X = cp.Variable((h, m), name="X")
        P = self.parameters = {
            "L": cp.Parameter((h, h), name="L"),
            "G": cp.Parameter((h, m), name="G"),
            "Ds": cp.Parameter((h, h), name="Ds"),
            "W": cp.Parameter((h, m), name="W"),
            "const": cp.Parameter(nonneg=True, name="const"),
        }
        # Why this form (memory and time linear in m; benchmarks/bench_xstep_memory.py):
        # the linear term (1/m)<G, X> is a scalar variable ``gx`` tied to X by one
        # equality row, not ``sum(multiply(G, X)) / m`` in the objective. There, cvxpy's
        # quadratic-coefficient extraction (coeff_extractor: ``param_coeffs.toarray()``)
        # densified the objective's affine part: (variables in it, hm) x (parameter
        # scalars, 2hm + 2h² + 1) floats, 6.1 GiB at m = 1000 and 24.1 GiB at m = 2000
        # for h = 20. With only gx and the two squared terms' placeholders in it, that
        # array has 4 rows. In the constraint, <G, X> is vec(G) @ vec(X): with > 1000
        # parameter scalars cvxpy compiles with its COO backend, whose parametrised
        # ``multiply(G, X)`` builds an index array of (hm)² rows (11.9 GiB at m = 2000);
        # the row-times-vector product is stored with hm nonzeros.
        # The squared terms stay as written: cvxpy already moves L@X and pos(Ds@X + W)
        # into auxiliary variables with a constant identity P. Declaring them ourselves
        # (T == L@X, S >= Ds@X + W, S >= 0) compiles to the same size, but problem.value
        # is then evaluated on T, S, which meet their constraints only to the solver's
        # tolerance (measured 1e-7 relative off J); evaluated on X it is J(X) exactly.
        # Only gx's equality residual separates problem.value from J(X): ~1e-14 with
        # CLARABEL, ~1e-9 absolute (≲ 3e-8 relative to J) with SCS.
        self.gx = cp.Variable(name="gx")
        J = (
            cp.sum_squares(P["L"] @ self.X) / (2 * m)
            + self.gx
            + cp.sum_squares(cp.pos(P["Ds"] @ self.X + P["W"])) / (2 * m)
            + P["const"]
        )
        linear = cp.vec(P["G"], order="F") @ cp.vec(self.X, order="F") / m
        self.problem = cp.Problem(cp.Minimize(J), [self.X >= 0, self.gx == linear])
        self.last_info: Dict[str, Any] = {}

    def set_lam(self, lam: Any) -> None:
        """Change λ (takes effect at the next :meth:`set_model`; no recompilation)."""
        self.lam = check_lam(lam, self.hidden)

    def set_model(self, model: ImplicitModel) -> float:
        """Load Θ into the parameters; return λ_min(M).

        Raises
        ------
        NotConvexError
            If M is not PSD beyond ``psd_tol`` (relative).
        """
        n, p = self.U.shape[0], self.Y.shape[0]
        check_model_sizes(model, n, p, self.hidden)
        m = self.U.shape[1]
        lam, sq = self.lam, np.sqrt(self.lam)
        L, lam_min = psd_factor(convexity_matrix(model.A, model.D, lam), self.psd_tol)
        R = model.B @ self.U + model.c[:, None] - self.Y
        W0 = model.E @ self.U + model.f[:, None]
        P = self.parameters
        P["L"].value = L
        P["G"].value = model.A.T @ R - lam[:, None] * W0
        P["Ds"].value = sq[:, None] * model.D
        P["W"].value = sq[:, None] * W0
        P["const"].value = 0.5 * float(np.sum(R * R)) / m
        return lam_min

    def solve(
        self, model: ImplicitModel, solver: str = "CLARABEL", x0: Optional[Any] = None,
        **opts: Any,
    ) -> np.ndarray:
        """Solve the X-step for the parameters of ``model``; return X (shape (h, m)).

        Parameters
        ----------
        model : ImplicitModel
        solver : {"CLARABEL", "SCS", "fast"}
            ``"fast"`` solves the m column QPs at once in numpy by projected Newton
            (:func:`idl_sdp.fast.solve_hidden_qp`), to a KKT tolerance
            ``tol`` (default 1e-10, relative); pass ``client=`` (a Dask client) and
            ``chunk_size=`` to spread column blocks over workers.
        x0 : array_like, optional
            Initial value of X, used by solvers that warm start (SCS, fast).
        **opts
            Solver options, overriding :data:`idl_sdp._solvers.DEFAULT_OPTIONS`.

        Raises
        ------
        NotConvexError
            If M is not PSD.
        idl_sdp.SolverError
            If the solver does not return ``optimal``.
        """
        solver = check_solver(solver, SOLVERS + ("FAST",))
        lam_min = self.set_model(model)
        if solver == "FAST":
            return self._solve_fast(model, lam_min, x0, **opts)
        if x0 is not None:
            self.X.value = np.asarray(x0, dtype=float)
        status, seconds = solve_problem(self.problem, solver, "X-step", **opts)
        X = self.X.value
        # X >= 0 holds to the solver's feasibility tolerance; report, then project.
        violation = float(max(0.0, -np.min(X)))
        self.last_info = {
            "status": status, "seconds": seconds, "lambda_min_M": lam_min,
            "objective": float(self.problem.value), "x_violation": violation,
        }
        return np.maximum(X, 0.0)

    def _solve_fast(self, model: ImplicitModel, lam_min: float, x0: Optional[Any],
                    client: Any = None, chunk_size: int = 256, tol: float = 1e-10,
                    max_iter: int = 200) -> np.ndarray:
        from .fast import solve_hidden_qp
        from .fast.distributed import solve_hidden_qp_dask

        P = self.parameters
        M = convexity_matrix(model.A, model.D, self.lam)
        args = (M, P["Ds"].value, P["G"].value, P["W"].value)
        x0 = None if x0 is None else np.asarray(x0, dtype=float)
        t0 = time.perf_counter()
        if client is None:
            res = solve_hidden_qp(*args, tol=tol, max_iter=max_iter, x0=x0)
        else:
            res = solve_hidden_qp_dask(client, *args, chunk_size=chunk_size, tol=tol,
                                       max_iter=max_iter, x0=x0)
        seconds = time.perf_counter() - t0
        if not res.converged:
            raise SolverError(
                f"X-step (fast): KKT residual {res.kkt:.2e} after {res.iterations} "
                "iterations", status="max_iter", step="X-step")
        self.last_info = {
            "status": "optimal", "seconds": seconds, "lambda_min_M": lam_min,
            "objective": None, "x_violation": 0.0, "kkt_residual": res.kkt,
            "iterations": res.iterations,
        }
        return res.X
