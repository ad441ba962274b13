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

from typing import Any, Dict, Optional, Tuple, Union

import cvxpy as cp
import numpy as np

from ._repr import deprecated_alias
from ._solvers import SOLVERS, SolverError, check_solver, solve_problem
from ._validation import (
    as_matrix, check_bool, check_choice, check_lam, check_nonneg_float,
    check_open_unit, check_squares_finite, check_training_data,
)
from .lmi import LMI_CHOICES, default_margin, lmi_constraints, norm_constraint
from .model import ImplicitModel, check_model_sizes
from .step_data import ThetaData, gram_factor, sym_factor, theta_step_data

__all__ = ["ParameterStep", "gram_factor"]

_NAMES = ("A", "B", "c", "D", "E", "f")

#: ``solver="fast"`` with ``method="auto"`` solves the cvxpy problem (Clarabel) when
#: m ≤ SMALL_DATA_FACTOR · q (q = h + n + 1), or when h ≤ SMALL_HIDDEN and
#: m·h·q ≤ SMALL_PROBLEM: see :meth:`ParameterStep.solve` (the crossover is measured by
#: ``benchmarks/bench_theta.py --parts crossover``).
SMALL_DATA_FACTOR = 2
SMALL_HIDDEN = 8
SMALL_PROBLEM = 15000
_FAST_ONLY = ("inner_solver", "tol", "max_outer")


def _split(model: ImplicitModel):
    """Θ₁ = [A B c] and Θ₂ = [D E f] as arrays."""
    return (np.hstack([model.A, model.B, model.c[:, None]]),
            np.hstack([model.D, model.E, model.f[:, None]]))


def _join(theta1: np.ndarray, theta2: np.ndarray, h: int, n: int) -> ImplicitModel:
    return ImplicitModel(theta1[:, :h], theta1[:, h:h + n], theta1[:, -1],
                         theta2[:, :h], theta2[:, h:h + n], theta2[:, -1])


class ParameterStep:
    """The Θ-step of eq 7 as a DPP ``cvxpy.Problem``.

    Parameters
    ----------
    U : array_like, shape (n, m)
    Y : array_like, shape (p, m)
    hidden : int
    lam : float or array_like of shape (h,)
        Multipliers λ ≥ 0, not all zero (λ = 0 is refused). They enter the problem as constants, so
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
    info : dict
        The info of the last :meth:`solve`, kept for interactive use; programs should
        ask :meth:`solve` for it (``return_info=True``).
        (``last_info`` is its deprecated former name.)
    """

    last_info = deprecated_alias("info", "last_info")

    def __init__(
        self, U: Any, Y: Any, hidden: int, lam: Any, lmi: str = "linearized",
        eps: float = 0.05, reg: float = 0.0, margin: Optional[float] = None,
    ):
        self.U, self.Y, self.hidden, self.lam = check_training_data(U, Y, hidden, lam)
        self.lmi = check_choice(lmi, "lmi", LMI_CHOICES)
        self.eps = check_open_unit(eps, "eps")
        self._margin_arg = None if margin is None else check_nonneg_float(margin, "margin")
        self._reg = cp.Parameter(nonneg=True, name="reg", value=check_nonneg_float(reg, "reg"))
        self.info: Dict[str, Any] = {}
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
        self.lam = check_lam(lam, self.hidden, positive=True)
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
        self._workspace = None  # the fast path's compiled model SDPs, built on first use

    def _checked_X(self, X: Any) -> np.ndarray:
        X = check_squares_finite(as_matrix(X, "X", shape=(self.hidden, self.U.shape[1])), "X")
        if np.any(X < 0):
            raise ValueError(f"X must be nonnegative, got min {X.min():.3e}")
        return X

    def _checked(self, X: Any, model: ImplicitModel) -> np.ndarray:
        check_model_sizes(model, self.U.shape[0], self.Y.shape[0], self.hidden)
        return self._checked_X(X)

    def data(self, X: Any) -> ThetaData:
        """The numpy data of this Θ-step for hidden states X.

        See :func:`idl_sdp.step_data.theta_step_data`.
        """
        return theta_step_data(self._checked_X(X), self.U, self.Y, self.lam)

    def _load(self, data: ThetaData, model: ImplicitModel) -> None:
        P = self.parameters
        P["Lphi"].value = sym_factor(data.K).T   # Lphi Lphiᵀ = K = ΦΦᵀ
        P["YPhiT"].value = data.YPhiT
        P["LamXPhiT"].value = data.LamXPhiT
        P["Phi"].value = data.Phi
        P["const"].value = data.const
        if self.lmi == "linearized":
            P["A_ref"].value = model.A
            AtA = model.A.T @ model.A
            P["AtA_ref"].value = 0.5 * (AtA + AtA.T)

    def set_data(self, X: Any, model: ImplicitModel) -> None:
        """Load X (and, for the linearized LMI, A_k = ``model.A``) into the parameters."""
        X = self._checked(X, model)
        self._load(theta_step_data(X, self.U, self.Y, self.lam), model)

    def _solve_cvxpy(self, data: ThetaData, model: ImplicitModel, solver: str,
                     opts: Dict[str, Any]):
        self._load(data, model)
        for k, var in self.variables.items():
            var.value = getattr(model, k)
        status, seconds = solve_problem(self.problem, solver, "Theta-step", **opts)
        V = self.variables
        new = ImplicitModel(**{k: V[k].value for k in _NAMES})
        return new, {"status": status, "seconds": seconds,
                     "objective": float(self.problem.value)}

    def _solve_active_set(self, data: ThetaData, model: ImplicitModel,
                          opts: Dict[str, Any]):
        from .fast.theta import ThetaWorkspace, solve_theta_fast

        if self._workspace is None:
            self._workspace = ThetaWorkspace(self.Y.shape[0], self.hidden, self.lam,
                                             self.lmi, self.eps, self.margin)
        theta1, theta2 = _split(model)
        t1, t2, info = solve_theta_fast(
            data, theta1, theta2, reg=self.reg, lmi=self.lmi, eps=self.eps,
            margin=self.margin, A_ref=model.A if self.lmi == "linearized" else None,
            workspace=self._workspace, **opts)
        return _join(t1, t2, self.hidden, self.U.shape[0]), info

    def solve(
        self, X: Any, model: ImplicitModel, solver: str = "CLARABEL", *,
        return_info: bool = False, **opts: Any
    ) -> Union[ImplicitModel, Tuple[ImplicitModel, Dict[str, Any]]]:
        """Solve the Θ-step for hidden states X; return the new :class:`ImplicitModel`.

        ``model`` is the current Θ_k: it supplies A_k for the linearized LMI and the
        starting point (SCS warm start; the fast path starts there). ``solver="fast"``
        runs the exact active-set method of :mod:`idl_sdp.fast.theta` (model SDPs in
        (A, D) only, whose size grows with neither m nor n); its options are those of
        :func:`idl_sdp.fast.theta.solve_theta_fast` (``inner_solver``, ``tol``,
        ``max_outer`` and inner-solver options), plus ``method``: ``"active-set"``,
        ``"cvxpy"`` (this step's own problem with Clarabel) or ``"auto"`` (default:
        ``"cvxpy"`` when m ≤ 2q, q = h + n + 1 — with so few samples per parameter
        the active-set models are degenerate and need several SDP solves, each as
        costly as the full problem — or when h ≤ 8 and m·h·q ≤ 15 000, where one solve
        of the full problem (its PSD cone is small, its cost grows like m·h·q) costs
        less than the several small ones; ``"active-set"`` otherwise; when the
        first choice fails — Clarabel not ``optimal``, or an active-set model found
        unbounded — the other is tried). ``info["method"]`` says which ran and why.

        With ``return_info=True`` return ``(model, info)``: ``status``, ``seconds``,
        ``objective`` (J + reg·R at the new model) and, for the fast path,
        ``outer_iterations``, ``polish_iterations``, ``kkt_residual``, ``inner_seconds``.

        Raises
        ------
        idl_sdp.SolverError
            If the solver does not return ``optimal``.
        """
        solver = check_solver(solver, SOLVERS + ("FAST",))
        return_info = check_bool(return_info, "return_info")
        X = self._checked(X, model)
        data = theta_step_data(X, self.U, self.Y, self.lam)
        if solver != "FAST":
            new, info = self._solve_cvxpy(data, model, solver, opts)
            info["method"] = "cvxpy"
        else:
            method = check_choice(opts.pop("method", "auto"), "method",
                                  ("auto", "active-set", "cvxpy"))
            if method == "auto":
                m = self.U.shape[1]
                q = data.Phi.shape[0]
                small = (m <= SMALL_DATA_FACTOR * q
                         or (self.hidden <= SMALL_HIDDEN
                             and m * self.hidden * q <= SMALL_PROBLEM))
                # Few samples per parameter: the active sets leave the model SDPs
                # degenerate and several are needed, while the full problem is barely
                # larger than one of them (measured in benchmarks/bench_theta.py). Either
                # method is exact; where the first fails the other is tried.
                order = ["cvxpy", "active-set"] if small else ["active-set", "cvxpy"]
            else:
                order = [method]
            failures = []
            for k, meth in enumerate(order):
                try:
                    if meth == "cvxpy":
                        new, info = self._solve_cvxpy(
                            data, model, "CLARABEL",
                            {key: v for key, v in opts.items() if key not in _FAST_ONLY})
                    else:
                        new, info = self._solve_active_set(data, model, opts)
                except SolverError as exc:
                    if k == len(order) - 1:
                        raise
                    failures.append(f"{meth} returned {exc.status}")
                    continue
                info["method"] = meth + (f" ({'; '.join(failures)})" if failures else "")
                break
        self.info = info
        return (new, info) if return_info else new
