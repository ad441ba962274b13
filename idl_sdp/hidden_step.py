r"""The X-subproblem (Θ fixed): a convex QP in the hidden states, X ≥ 0.

Collecting the terms of J for fixed Θ,

.. math::
   J = \frac{1}{2m}\operatorname{tr}(X^T M X) + \frac1m\langle G, X\rangle
     + \frac{1}{2m}\sum_{j,k}\lambda_j (Z_{jk})_+^2 + \frac{1}{2m}\|BU + c1^T - Y\|_F^2,

with :math:`M = A^TA + \Lambda - \Lambda D - D^T\Lambda`,
:math:`G = A^T(BU + c1^T - Y) - \Lambda(EU + f1^T)` and :math:`Z = DX + EU + f1^T`.
It is convex iff M ⪰ 0. In DPP form, with M = LᵀL, D_s = diag(√λ) D, and G, W
written as small matrices times constant data,

.. math::
   G = G_x\Psi,\ \Psi = [U; Y; 1^T],\ G_x = [A^TB - \Lambda E,\ -A^T,\ A^Tc - \Lambda f],
   \qquad W = \mathrm{diag}(\sqrt\lambda)(EU + f1^T) = W_x[U; 1^T],\
   W_x = \mathrm{diag}(\sqrt\lambda)[E,\ f],

L, G_x, D_s, W_x and the constant are computed in numpy and held in ``cp.Parameter``
objects (their sizes do not depend on m; U and Y enter as constants), so the problem
is compiled once and re-solved for every new Θ.
"""
from __future__ import annotations

import time
from typing import Any, Dict, Optional, Tuple, Union

import cvxpy as cp
import numpy as np

from ._repr import deprecated_alias
from ._solvers import SOLVERS, SolverError, check_solver, solve_problem
from ._validation import (
    as_matrix, check_bool, check_client, check_finite_result, check_lam, check_nonneg_float,
    check_options, check_positive_int, check_training_data,
)
from .lmi import convexity_matrix
from .model import ImplicitModel, check_model_sizes
# NotConvexError and psd_factor live with the step data; re-exported here, where
# users of the X-step look for them.
from .step_data import HiddenData, NotConvexError, hidden_step_data, psd_factor

__all__ = ["HiddenStep", "NotConvexError", "psd_factor"]

#: The options of ``solve(solver="fast")`` (see :meth:`HiddenStep._solve_fast`).
_FAST_OPTIONS = ("client", "chunk_size", "tol", "max_iter")


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
        Multipliers λ ≥ 0, not all zero (λ = 0 is refused: the Fenchel term would
        vanish and the LMI degenerate; single units with λ_j = 0 are allowed).
    psd_tol : float, default 1e-9
        Relative tolerance below which a negative eigenvalue of M counts as
        rounding noise (see :func:`psd_factor`).

    Attributes
    ----------
    problem : cvxpy.Problem
        ``minimize J(Θ, X)`` over the variable ``X`` (shape (h, m)) subject to X ≥ 0,
        with the linear term (1/m)⟨G, X⟩ = (1/m)⟨G_x, XΨᵀ⟩ carried by the scalar ``gx``
        (constraint ``gx == vec(Gx) @ vec(X @ Ψᵀ) / m``). Its parameters are only the
        small matrices below, so compiling it takes memory and time linear in m
        (measured up to m = 50 000, h = 20: benchmarks/results/xstep_memory.md);
        ``problem.is_dpp()`` and ``problem.is_qp()`` are True.
    X : cvxpy.Variable
    gx : cvxpy.Variable
        Scalar, equal to (1/m)⟨G, X⟩ at the solution (to the solver's tolerance).
    Psi : ndarray, shape (n + p + 1, m)
        The constant [U; Y; 1ᵀ], with G = G_x Ψ; W = W_x [U; 1ᵀ] uses its U and 1ᵀ rows.
    parameters : dict
        The problem's ``cp.Parameter`` objects ``L`` (h, h) (LᵀL = M), ``Gx``
        (h, n + p + 1), ``Ds`` (h, h), ``Wx`` (h, n + 1) and ``const`` (see the module
        docstring). G and W themselves (h × m) are in :meth:`data`.
    info : dict
        Status, seconds and λ_min(M) of the last :meth:`solve`.
        (``last_info`` is its deprecated former name.)
    """

    last_info = deprecated_alias("info", "last_info")

    def __init__(self, U: Any, Y: Any, hidden: int, lam: Any, *, psd_tol: float = 1e-9):
        self.U, self.Y, self.hidden, self.lam = check_training_data(U, Y, hidden, lam)
        self.psd_tol = check_nonneg_float(psd_tol, "psd_tol")
        h, m = self.hidden, self.U.shape[1]
        self.X = cp.Variable((h, m), name="X")
        n, p = self.U.shape[0], self.Y.shape[0]
        self.Psi = np.vstack([self.U, self.Y, np.ones((1, m))])
        Psi_u = np.vstack([self.U, np.ones((1, m))])
        P = self.parameters = {
            "L": cp.Parameter((h, h), name="L"),
            "Gx": cp.Parameter((h, n + p + 1), name="Gx"),
            "Ds": cp.Parameter((h, h), name="Ds"),
            "Wx": cp.Parameter((h, n + 1), name="Wx"),
            "const": cp.Parameter(nonneg=True, name="const"),
        }
        # Why this form (memory and time linear in m; benchmarks/bench_xstep_memory.py,
        # results in benchmarks/results/xstep_memory.md, h = 20):
        # * No parameter grows with m. G = Gx Ψ and W = Wx [U; 1ᵀ] with Ψ = [U; Y; 1ᵀ]
        #   constant, so the parameters are 2h² + h(n+p+1) + h(n+1) + 1 scalars. With
        #   (h, m) parameters G and W, cvxpy's DPP tensor, whose index space
        #   rows·(columns+1)·(parameter scalars+1) it multiplies in int64, grew like m³
        #   and overflowed it at m ≈ 30 000 (OverflowError at m = 50 000); now it grows
        #   like m² (≈ 2e-3 · 2^63 at m = 50 000).
        # * The linear term (1/m)<G, X> = (1/m)<Gx, X Ψᵀ> is still a scalar variable
        #   ``gx`` tied to X by one equality row, not a term of the objective. There,
        #   cvxpy's quadratic-coefficient extraction (coeff_extractor:
        #   ``param_coeffs.toarray()``) densifies the objective's affine part: (variables
        #   in it) x (parameter scalars + 1) floats. With G an (h, m) parameter that was
        #   (hm) x (2hm + ...), quadratic in m (6.1 GiB at m = 1000, the legacy rows);
        #   with Gx it is hm x 1062 float64 (h = 20, n = 5, p = 1), linear in m but
        #   3.4 GB at m = 20 000, mostly
        #   never-touched pages that peak RSS hides and RLIMIT_AS counts (measured peak
        #   address space at m = 5000: 1373 MiB against 1047 MiB with gx). With gx and
        #   the two squared terms' placeholders, that array has 4 rows.
        # * In the constraint, vec(Gx) @ vec(X @ Ψᵀ) (X times a constant, then a
        #   parameter row times a vector) compiled leanest of the forms tried (m = 5000,
        #   RSS after compile: 735 MiB; sum(multiply(Gx, X @ Ψᵀ)) 790 MiB and slower;
        #   vec(Gx @ Ψ) @ vec(X) 778 MiB; vec(Gx) @ (kron(Ψ, I) @ vec(X)) 807 MiB). A
        #   variable T == X Ψᵀ with <Gx, T>/m in the objective compiles as small, but its
        #   h(n+p+1) dense rows of m entries made Clarabel ~6x slower (m = 2000: 26 s
        #   against 4 s).
        # * The price: each coefficient of X in <Gx, X Ψᵀ> depends on n+p+1 parameter
        #   scalars and each entry of Wx [U; 1ᵀ] on n+1, so the DPP tensor holds
        #   h(n+p+1)m + h(n+1)m entries for them where the (h, m) parameters needed 2hm
        #   (next to the 2h²m of L@X and Ds@X). Measured against that form at
        #   m = 5000-20 000: RSS after compile +11-15 %, peak RSS (reached in the
        #   solve) and peak address space +2-3 %, compile time -30 to +25 % over three
        #   runs on a loaded machine (noise), solve time unchanged; it is the only one of
        #   the two that compiles at m = 50 000 (41-81 s, 11.0 GiB peak RSS).
        # The squared terms stay as written: cvxpy already moves L@X and pos(Ds@X + W)
        # into auxiliary variables with a constant identity P. Declaring them ourselves
        # (T == L@X, S >= Ds@X + W, S >= 0) compiles to the same size, but problem.value
        # is then evaluated on T, S, which meet their constraints only to the solver's
        # tolerance (measured 1e-7 relative off J); evaluated on X it is J(X) exactly.
        # Only gx's equality residual separates problem.value from J(X): ~1e-14 with
        # CLARABEL at tight tolerances (1e-14 to 9e-11 relative at its defaults, the
        # larger at m = 20 000-50 000), ~1e-9 absolute (≲ 3e-8 relative to J) with SCS.
        self.gx = cp.Variable(name="gx")
        J = (
            cp.sum_squares(P["L"] @ self.X) / (2 * m)
            + self.gx
            + cp.sum_squares(cp.pos(P["Ds"] @ self.X + P["Wx"] @ Psi_u)) / (2 * m)
            + P["const"]
        )
        linear = cp.vec(P["Gx"], order="F") @ cp.vec(self.X @ self.Psi.T, order="F") / m
        self.problem = cp.Problem(cp.Minimize(J), [self.X >= 0, self.gx == linear])
        self.info: Dict[str, Any] = {}

    def set_lam(self, lam: Any) -> None:
        """Change λ (takes effect at the next :meth:`set_model`; no recompilation)."""
        self.lam = check_lam(lam, self.hidden, positive=True)

    def data(self, model: ImplicitModel) -> HiddenData:
        """The numpy data of this X-step for Θ = ``model``.

        See :func:`idl_sdp.step_data.hidden_step_data`.

        Raises
        ------
        NotConvexError
            If M is not PSD beyond ``psd_tol`` (relative).
        """
        check_model_sizes(model, self.U.shape[0], self.Y.shape[0], self.hidden)
        with np.errstate(over="ignore", invalid="ignore"):
            M = convexity_matrix(model.A, model.D, self.lam)
        check_finite_result(M, "M = AᵀA + Λ − ΛD − DᵀΛ", "model (its A, D) and lam")
        with np.errstate(over="ignore", invalid="ignore"):
            data = hidden_step_data(model.A, model.B, model.c, model.D, model.E, model.f,
                                    self.U, self.Y, self.lam, self.psd_tol)
        check_finite_result([data.G, data.W, data.Gx, data.Wx, data.Ds, data.const],
                            "the X-step data G, W", "model, U, Y and lam")
        return data

    def _load(self, data: HiddenData) -> None:
        P = self.parameters
        P["L"].value = data.L
        P["Gx"].value = data.Gx
        P["Ds"].value = data.Ds
        P["Wx"].value = data.Wx
        P["const"].value = data.const

    def set_model(self, model: ImplicitModel) -> float:
        """Load Θ into the parameters; return λ_min(M).

        Raises
        ------
        NotConvexError
            If M is not PSD beyond ``psd_tol`` (relative).
        """
        data = self.data(model)
        self._load(data)
        return data.lambda_min_M

    def solve(
        self, model: ImplicitModel, solver: str = "CLARABEL", x0: Optional[Any] = None, *,
        return_info: bool = False, **opts: Any,
    ) -> Union[np.ndarray, Tuple[np.ndarray, Dict[str, Any]]]:
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
            Initial value of X, shape (h, m), used by solvers that warm start (SCS, fast).
        return_info : bool, default False
            Return ``(X, info)``: ``status``, ``seconds``, ``lambda_min_M``,
            ``objective``, ``x_violation`` and, for the fast path, ``kkt_residual`` and
            ``iterations``.
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
        return_info = check_bool(return_info, "return_info")
        if solver == "FAST":
            opts = check_options(opts, "solver options (solver_options) of solver='fast'",
                                 _FAST_OPTIONS)
            if "client" in opts:
                check_client(opts["client"], "client")
            if "chunk_size" in opts:
                check_positive_int(opts["chunk_size"], "chunk_size")
        if x0 is not None:
            x0 = as_matrix(x0, "x0", shape=(self.hidden, self.U.shape[1]))
        data = self.data(model)
        if solver == "FAST":
            X, info = self._solve_fast(data, x0, **opts)
        else:
            self._load(data)
            if x0 is not None:
                self.X.value = x0
            status, seconds = solve_problem(self.problem, solver, "X-step", **opts)
            X = self.X.value
            # X >= 0 holds to the solver's feasibility tolerance; report, then project.
            info = {
                "status": status, "seconds": seconds, "lambda_min_M": data.lambda_min_M,
                "objective": float(self.problem.value),
                "x_violation": float(max(0.0, -np.min(X))),
            }
            X = np.maximum(X, 0.0)
        self.info = info
        return (X, info) if return_info else X

    def _solve_fast(self, data: HiddenData, x0: Optional[np.ndarray], client: Any = None,
                    chunk_size: int = 256, tol: float = 1e-10,
                    max_iter: int = 200) -> Tuple[np.ndarray, Dict[str, Any]]:
        from .fast import solve_hidden_qp
        from .fast.distributed import solve_hidden_qp_dask

        args = (data.M, data.Ds, data.G, data.W)
        t0 = time.perf_counter()
        if client is None:
            res = solve_hidden_qp(*args, tol=tol, max_iter=max_iter, x0=x0)
        else:
            res = solve_hidden_qp_dask(client, *args, chunk_size=chunk_size, tol=tol,
                                       max_iter=max_iter, x0=x0)
        seconds = time.perf_counter() - t0
        if not res.converged:
            raise SolverError(
                f"X-step (fast): KKT residual {res.kkt:.2e} after {res.n_iter} "
                "iterations", status="max_iter", step="X-step")
        return res.X, {
            "status": "optimal", "seconds": seconds, "lambda_min_M": data.lambda_min_M,
            "objective": None, "x_violation": 0.0, "kkt_residual": res.kkt,
            "iterations": res.n_iter,
        }
