r"""The Θ-subproblem (X fixed): a convex SDP in Θ = (A, B, c, D, E, f).

With Φ = [X; U; 1ᵀ] (q × m, q = h + n + 1), Θ₁ = [A B c] and Θ₂ = [D E f],

.. math::
   J + \text{reg}\cdot R(\Theta) = \frac{1}{2m}\big(\|\Theta_1 L_\Phi\|_F^2
      - 2\langle Y\Phi^T, \Theta_1\rangle + \|Y\|_F^2\big)
      + \frac1m\Big(\tfrac12\sum_{j,k}\lambda_j(\Theta_2\Phi)_{jk,+}^2
      - \langle \Lambda X\Phi^T, \Theta_2\rangle + \tfrac12\sum_{j,k}\lambda_j X_{jk}^2\Big)
      + \frac{\text{reg}}{2}\big(\|A\|^2 + \|B\|^2 + \|D\|^2 + \|E\|^2\big),

where :math:`L_\Phi L_\Phi^T = \Phi\Phi^T` (the Gram matrix). Everything but the
½λ(Z)₊² block depends on the data only through q × q and p × q matrices. Constraints:
‖D‖₂ ≤ 1 − ε (a PSD block of size 2h) and the chosen LMI of :mod:`idl_sdp.lmi`.
"""
from __future__ import annotations

from typing import Any, Dict, Optional

import cvxpy as cp
import numpy as np

from ._solvers import SOLVERS, check_solver, solve_problem
from ._validation import (
    as_matrix, check_choice, check_lam, check_model_sizes, check_nonneg_float,
    check_open_unit, check_training_data,
)
from .lmi import LMI_CHOICES, default_margin, lmi_constraints, norm_constraint
from .model import ImplicitModel

__all__ = ["ParameterStep", "gram_factor"]


def gram_factor(Phi: np.ndarray) -> np.ndarray:
    """A factor L with L Lᵀ = Φ Φᵀ (from an eigendecomposition; Φ may be rank deficient)."""
    K = Phi @ Phi.T
    w, Q = np.linalg.eigh(0.5 * (K + K.T))
    return Q * np.sqrt(np.maximum(w, 0.0))[None, :]


class ParameterStep:
    """The Θ-step of eq 7 as a DPP ``cvxpy.Problem``.

    Parameters
    ----------
    U : array_like, shape (n, m)
    Y : array_like, shape (p, m)
    hidden : int
    lam : float or array_like of shape (h,)
        Nonnegative multipliers λ. They enter the problem as constants, so
        :meth:`set_lam` rebuilds it (the only change that recompiles).
    lmi : {"linearized", "eq5", "schur"}, default "linearized"
        Which convex sufficient condition for M ⪰ 0 to impose (see :mod:`idl_sdp.lmi`).
    eps : float in (0, 1), default 0.05
        Well-posedness margin: ‖D‖₂ ≤ 1 − eps.
    reg : float, default 0
        Ridge strength (a ``cp.Parameter``: changing it does not recompile).
    margin : float, optional
        δ of the LMI ⪰ δI; default :func:`idl_sdp.lmi.default_margin` (1e-6·max(1, max λ)).

    Attributes
    ----------
    problem : cvxpy.Problem
        DPP; its constraints are ``[norm_constraint, *lmi_constraints]``.
    variables : dict of cvxpy.Variable
        ``A, B, c, D, E, f``.
    parameters : dict of cvxpy.Parameter
        ``Lphi, YPhiT, LamXPhiT, Phi, const, reg`` and, for ``"linearized"``,
        ``A_ref, AtA_ref``.
    last_info : dict
        Status and seconds of the last :meth:`solve`.
    """

    def __init__(
        self, U: Any, Y: Any, hidden: int, lam: Any, lmi: str = "linearized",
        eps: float = 0.05, reg: float = 0.0, margin: Optional[float] = None,
    ):
        self.U, self.Y, self.hidden, self.lam = check_training_data(U, Y, hidden, lam)
        self.lmi = check_choice(lmi, "lmi", LMI_CHOICES)
        self.eps = check_open_unit(eps, "eps")
        self._margin_arg = None if margin is None else check_nonneg_float(margin, "margin")
        self._reg = cp.Parameter(nonneg=True, name="reg", value=check_nonneg_float(reg, "reg"))
        self.last_info: Dict[str, Any] = {}
        self._build()

    @property
    def margin(self) -> float:
        return default_margin(self.lam) if self._margin_arg is None else self._margin_arg

    @property
    def reg(self) -> float:
        return float(self._reg.value)

    def set_reg(self, reg: float) -> None:
        """Change the ridge strength (a parameter: no recompilation)."""
        self._reg.value = check_nonneg_float(reg, "reg")

    def set_lam(self, lam: Any) -> None:
        """Change λ; the problem is rebuilt (λ enters it as a constant)."""
        self.lam = check_lam(lam, self.hidden)
        self._build()

    def _build(self) -> None:
        n, m = self.U.shape
        p, h = self.Y.shape[0], self.hidden
        q = h + n + 1
        V = self.variables = {
            "A": cp.Variable((p, h), name="A"), "B": cp.Variable((p, n), name="B"),
            "c": cp.Variable(p, name="c"), "D": cp.Variable((h, h), name="D"),
            "E": cp.Variable((h, n), name="E"), "f": cp.Variable(h, name="f"),
        }
        P = self.parameters = {
            "Lphi": cp.Parameter((q, q), name="Lphi"),
            "YPhiT": cp.Parameter((p, q), name="YPhiT"),
            "LamXPhiT": cp.Parameter((h, q), name="LamXPhiT"),
            "Phi": cp.Parameter((q, m), name="Phi"),
            "const": cp.Parameter(nonneg=True, name="const"),
            "reg": self._reg,
        }
        theta1 = cp.hstack([V["A"], V["B"], cp.reshape(V["c"], (p, 1), order="F")])
        theta2 = cp.hstack([V["D"], V["E"], cp.reshape(V["f"], (h, 1), order="F")])
        loss = (cp.sum_squares(theta1 @ P["Lphi"])
                - 2 * cp.sum(cp.multiply(P["YPhiT"], theta1))) / (2 * m)
        # Rows with λ_j = 0 carry no divergence; √λ is a constant, so this stays DPP.
        active = np.flatnonzero(self.lam > 0)
        S = np.sqrt(self.lam[active])[:, None] * np.eye(h)[active]
        smooth_div = cp.sum_squares(cp.pos(S @ theta2 @ P["Phi"])) / (2 * m)
        linear_div = cp.sum(cp.multiply(P["LamXPhiT"], theta2)) / m
        ridge = (cp.sum_squares(V["A"]) + cp.sum_squares(V["B"])
                 + cp.sum_squares(V["D"]) + cp.sum_squares(V["E"])) / 2
        constraints = [norm_constraint(V["D"], self.eps)]
        if self.lmi == "linearized":
            P["A_ref"] = cp.Parameter((p, h), name="A_ref")
            P["AtA_ref"] = cp.Parameter((h, h), name="AtA_ref")
        constraints += lmi_constraints(
            self.lmi, V["A"], V["D"], self.lam, self.margin,
            P.get("A_ref"), P.get("AtA_ref"),
        )
        rest = loss - linear_div + P["const"] + P["reg"] * ridge
        self.problem = cp.Problem(cp.Minimize(rest + smooth_div), constraints)
        # Pieces shared with the active-set model problem of the fast path.
        self._shared = (theta2, rest, constraints, active)
        self._active_set = None

    def active_set_problem(self):
        """The fast path's model problem, built on first use and then re-solved (DPP).

        The ½λ(Z)₊² block is replaced by Σ_j (λ_j/2m) θ_jᵀ K_j θ_j with K_j = Σ_{k∈S_j} φ_k φ_kᵀ
        for active sets S_j; each K_j enters through a q × q parameter ``L_j`` with
        L_jᵀL_j = λ_j K_j. The size does not depend on m. Returns ``(problem, [L_j])``.
        """
        if self._active_set is None:
            theta2, rest, constraints, active = self._shared
            q, m = theta2.shape[1], self.U.shape[1]
            Ls = [cp.Parameter((q, q), name=f"L_{j}") for j in active]
            quad = sum(cp.sum_squares(L @ theta2[j, :]) for L, j in zip(Ls, active)) / (2 * m)
            self._active_set = (cp.Problem(cp.Minimize(rest + quad), constraints), Ls)
        return self._active_set

    def set_data(self, X: Any, model: ImplicitModel) -> None:
        """Load X (and, for the linearized LMI, A_k = ``model.A``) into the parameters."""
        n, m = self.U.shape
        p, h = self.Y.shape[0], self.hidden
        X = as_matrix(X, "X", shape=(h, m))
        if np.any(X < 0):
            raise ValueError(f"X must be nonnegative, got min {X.min():.3e}")
        check_model_sizes(model, n, p, h)
        Phi = np.vstack([X, self.U, np.ones((1, m))])
        P = self.parameters
        P["Lphi"].value = gram_factor(Phi)
        P["YPhiT"].value = self.Y @ Phi.T
        P["LamXPhiT"].value = (self.lam[:, None] * X) @ Phi.T
        P["Phi"].value = Phi
        P["const"].value = 0.5 * (float(np.sum(self.Y**2)) + float(self.lam @ np.sum(X**2, axis=1))) / m
        if self.lmi == "linearized":
            P["A_ref"].value = model.A
            AtA = model.A.T @ model.A
            P["AtA_ref"].value = 0.5 * (AtA + AtA.T)

    def solve(
        self, X: Any, model: ImplicitModel, solver: str = "CLARABEL", **opts: Any
    ) -> ImplicitModel:
        """Solve the Θ-step for hidden states X; return the new :class:`ImplicitModel`.

        ``model`` is the current Θ_k: it supplies A_k for the linearized LMI and
        (with SCS) the warm start. ``solver="fast"`` runs the exact active-set method
        of :mod:`idl_sdp.fast.theta` (small SDPs whose size does not grow with m);
        its options are those of :func:`idl_sdp.fast.theta.solve_theta_active_set`.

        Raises
        ------
        idl_sdp.SolverError
            If the solver does not return ``optimal``.
        """
        solver = check_solver(solver, SOLVERS + ("FAST",))
        if solver == "FAST":
            from .fast.theta import solve_theta_active_set

            new, self.last_info = solve_theta_active_set(self, X, model, **opts)
            return new
        self.set_data(X, model)
        for k, var in self.variables.items():
            var.value = getattr(model, k)
        status, seconds = solve_problem(self.problem, solver, "Theta-step", **opts)
        V = self.variables
        new = ImplicitModel(**{k: V[k].value for k in ("A", "B", "c", "D", "E", "f")})
        self.last_info = {"status": status, "seconds": seconds,
                          "objective": float(self.problem.value)}
        return new
