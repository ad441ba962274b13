r"""The model SDP of the active-set Θ-step, reduced to the constrained blocks (A, D).

Only A and D appear in the constraints (‖D‖₂ ≤ 1 − ε and the LMI of
:mod:`idl_sdp.lmi`); for fixed (A, D) the rest of Θ — (B, c) and (E, f) — minimises a
convex quadratic in closed form. Eliminating it (a Schur complement of each block's
Hessian, see :func:`idl_sdp.fast.theta.reduce_model`) leaves

.. math::
   \min_{A, D}\ \tfrac12\operatorname{tr}(A S_1 A^T) - \langle \hat G_1, A\rangle
   + \sum_j \big(\tfrac12 d_j^T S_{2,j} d_j - \hat g_{2,j}^T d_j\big) + \text{const}

subject to the same constraints, with d_j the j-th row of D. Its size — p·h + h²
variables, PSD blocks of order 2h and h (or p + h) — depends on neither m nor the
input dimension n. This is an explicit DPP ``cvxpy.Problem`` (``.problem``) that a user
can inspect; it is compiled once and re-solved with new parameter values.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple, Union

import cvxpy as cp
import numpy as np

from .._solvers import SolverError, solve_problem
from ..lmi import (NORM_MARGIN, increment_generators, lmi_increment, lmi_matrix,
                   norm_increment, norm_matrix)
from ..step_data import sym_factor
from .lmi_qp import RankTwoLMI, solve_lmi_qp

__all__ = ["ReducedThetaSDP", "KinkRow"]


@dataclass
class KinkRow:
    r"""The samples at the kink of one row j, kept exact in the dense model.

    With a = (Δd_j, Δs) and the row's other blocks (e_j, f_j) eliminated, the row's
    part of the model is ½aᵀ[[S_dd, S_ds], [S_dsᵀ, S_ss]]a + g_dᵀΔd_j + g_sᵀΔs over
    s = s0 + Δs ≥ 0, one s per kink sample (:func:`idl_sdp.fast.theta._kink_rows`);
    S_dd and g_d take the place of the plain model's S2_j and g2_j.

    Attributes
    ----------
    row : int
    S_dd : ndarray (h, h)
    g_d : ndarray (h,)
    S_ds : ndarray (h, K)
    S_ss : ndarray (K, K)
    g_s : ndarray (K,)
    s0 : ndarray (K,)
        s at the current point: (−z)₊ of the kink samples.
    """

    row: int
    S_dd: np.ndarray
    g_d: np.ndarray
    S_ds: np.ndarray
    S_ss: np.ndarray
    g_s: np.ndarray
    s0: np.ndarray


class ReducedThetaSDP:
    r"""The reduced model SDP in (A, D), written in the step (ΔA, ΔD) from the current point.

    With (A₀, D₀) the current point, the problem solved is

    .. math::
       \min_{\Delta A, \Delta D}\ \tfrac1\sigma\Big(\tfrac12\operatorname{tr}(\Delta A\,
       S_1\Delta A^T) + \langle g_1, \Delta A\rangle + \sum_j \tfrac12\Delta d_j^T
       S_{2,j}\Delta d_j + \langle g_2, \Delta D\rangle\Big)
       \ \text{s.t.}\ C_0 + \Delta C(\Delta A, \Delta D) \succeq 0,\
       N_0 + \Delta N(\Delta D) \succeq 0,

    with g the model's gradient at (A₀, D₀), C₀ and N₀ the LMI and norm matrices there
    (margins included; :func:`idl_sdp.lmi.lmi_increment`), and σ the size of the current
    objective. Why the step form: the solver then sees the model *decrease*, whose size
    is that of the remaining error, so its absolute and relative tolerances (1e-10)
    translate into 1e-10 of J. Written in (A, D) itself, the solver's objective is
    the model value minus the large constant ½‖Y‖²/m + …, and its tolerances cost up to
    1e-7 of J (measured).

    Parameters
    ----------
    p, h : int
        Output and hidden sizes.
    lam : ndarray (h,)
        Multipliers (constants of the LMI).
    lmi : {"linearized", "eq5", "schur"}
    eps, margin : float
        ‖D‖₂ ≤ 1 − eps (norm block, with :data:`~idl_sdp.lmi.NORM_MARGIN`) and
        LMI ⪰ margin·I, exactly as in :class:`~idl_sdp.ParameterStep`.
    with_norm : bool
        Whether the ‖D‖₂ block is part of the problem. The fast Θ-step drops it while
        ‖D‖₂ stays clearly inside the ball — a relaxation whose optimum is the
        constrained one whenever it satisfies the dropped constraint (checked).
    """

    def __init__(self, p: int, h: int, lam: np.ndarray, lmi: str, eps: float,
                 margin: float, with_norm: bool = True):
        self.p, self.h, self.with_norm = p, h, with_norm
        self.lmi, self.lam, self.eps, self.margin = lmi, np.asarray(lam, float), eps, margin
        dA = cp.Variable((p, h), name="dA")
        dD = cp.Variable((h, h), name="dD")
        P: Dict[str, cp.Parameter] = {
            "L1": cp.Parameter((h, h), name="L1"),
            "g1": cp.Parameter((p, h), name="g1"),
            "g2": cp.Parameter((h, h), name="g2"),
        }
        Lt = [cp.Parameter((h, h), name=f"L2_{j}") for j in range(h)]
        rows = cp.hstack([Lt[j] @ dD[j, :] for j in range(h)])
        objective = (0.5 * cp.sum_squares(dA @ P["L1"]) + cp.sum(cp.multiply(P["g1"], dA))
                     + 0.5 * cp.sum_squares(rows) + cp.sum(cp.multiply(P["g2"], dD)))
        nC = p + h if lmi == "schur" else h
        P["C0"] = cp.Parameter((nC, nC), name="C0")
        if lmi == "linearized":
            P["A_ref"] = cp.Parameter((p, h), name="A_ref")
        C = P["C0"] + lmi_increment(lmi, dA, dD, self.lam, P.get("A_ref"))
        constraints = [0.5 * (C + C.T) >> 0]
        if with_norm:
            P["N0"] = cp.Parameter((2 * h, 2 * h), name="N0")
            N = P["N0"] + norm_increment(dD)
            constraints.append(0.5 * (N + N.T) >> 0)
        self.dA, self.dD, self.parameters, self._Lt = dA, dD, P, Lt
        self.problem = cp.Problem(cp.Minimize(objective), constraints)

    def solve(
        self, A0: np.ndarray, D0: np.ndarray, S1: np.ndarray, g1: np.ndarray,
        S2: np.ndarray, g2: np.ndarray, A_ref: Optional[np.ndarray], sigma: float,
        solver: str, opts: Union[Dict[str, Any], List[Dict[str, Any]]],
    ) -> Tuple[np.ndarray, np.ndarray, float, float]:
        """Solve from (A0, D0); return (A, D, model decrease, seconds).

        ``S1`` (h, h) and ``S2`` (h, h, h) are the PSD Hessians of the rows of A and of D,
        ``g1`` (p, h) and ``g2`` (h, h) the model gradient at (A0, D0), ``sigma`` > 0 the
        objective scale. ``opts`` is a dict of solver options or a list of them, tried in
        order while the solver reports ``optimal_inaccurate``. The decrease is
        q(A0, D0) − q(A, D) ≥ 0 (up to tolerance).
        """
        P = self.parameters
        r = 1.0 / np.sqrt(sigma)
        P["L1"].value = r * sym_factor(S1).T
        P["g1"].value = g1 / sigma
        P["g2"].value = g2 / sigma
        for Lt, L in zip(self._Lt, sym_factor(S2)):
            Lt.value = r * L
        if "A_ref" in P:
            P["A_ref"].value = A_ref
        P["C0"].value = lmi_matrix(self.lmi, A0, D0, self.lam, A_ref=A_ref, margin=self.margin)
        if "N0" in P:
            P["N0"].value = norm_matrix(D0, self.eps) - NORM_MARGIN * np.eye(2 * self.h)
        seconds = 0.0
        tries = opts if isinstance(opts, list) else [opts]
        for k, o in enumerate(tries):
            try:
                _, secs = solve_problem(self.problem, solver, "Theta-step (reduced model SDP)",
                                        **o)
                seconds += secs
                break
            except SolverError as exc:
                # A tighter try that the solver cannot certify falls back to the next
                # (looser) option set; the last one's failure is reported.
                if exc.status != "optimal_inaccurate" or k == len(tries) - 1:
                    raise
        return (A0 + self.dA.value, D0 + self.dD.value, -sigma * float(self.problem.value),
                seconds)

    def solve_dense(
        self, A0: np.ndarray, D0: np.ndarray, S1: np.ndarray, g1: np.ndarray,
        S2: np.ndarray, g2: np.ndarray, A_ref: Optional[np.ndarray], sigma: float,
        tol: float = 1e-11, kink: Optional[List[KinkRow]] = None,
    ) -> Tuple[np.ndarray, np.ndarray, float, Dict[str, Any]]:
        """The same problem as :meth:`solve`, by the dense interior-point method of
        :mod:`idl_sdp.fast.lmi_qp` (no cvxpy, no conic solver).

        ``kink`` extends the model of some rows j of D by the samples at the ReLU's kink
        (:class:`KinkRow`): their cost ½w(z)₊² is exact in the model through
        variables s ≥ 0 (½(z)₊² = min over s ≥ 0 of ½(z + s)²): that row's Hessian acts
        on (Δd_j, Δs), and its Δd_j block and gradient replace ``S2[j]``, ``g2[j]``.

        Returns (A, D, model decrease, info); ``info`` has the method's ``status``
        (``"optimal"`` or why not), ``iterations``, ``gap``, ``min_eig`` of the blocks
        (and of the bounds s ≥ 0), ``seconds`` and ``kink_s``: per kink row, s at the
        model's minimiser. The caller falls back to :meth:`solve` (without the kink
        rows) when the status is neither ``"optimal"`` nor ``"acceptable"``.
        """
        t0 = time.perf_counter()
        p, h = self.p, self.h
        nA = p * h
        kink = kink or []
        nS = sum(k.s0.size for k in kink)
        nD = nA + h * h
        # Row-major x = [vec ΔA; vec ΔD; Δs]: the model's Hessian is blockdiag(I_p ⊗ S1,
        # S2_1, …, S2_h) with each kink row's (Δd_j, Δs) coupling, all divided by σ
        # (the step form, see the class docstring).
        Q = np.zeros((nD + nS, nD + nS))
        Q[:nA, :nA] = np.kron(np.eye(p), S1)
        for j in range(h):
            Q[nA + j * h:nA + (j + 1) * h, nA + j * h:nA + (j + 1) * h] = S2[j]
        c = np.r_[g1.ravel(), g2.ravel(), np.zeros(nS)]
        at = nD
        for k in kink:
            d = slice(nA + k.row * h, nA + (k.row + 1) * h)
            sl = slice(at, at + k.s0.size)
            Q[d, d] = k.S_dd
            c[d] = k.g_d
            Q[d, sl] = k.S_ds
            Q[sl, d] = k.S_ds.T
            Q[sl, sl] = k.S_ss
            c[sl] = k.g_s
            at += k.s0.size
        Q /= sigma
        c /= sigma
        bounds = (np.arange(nD, nD + nS), np.concatenate([k.s0 for k in kink])) if nS else None
        gens = increment_generators(self.lmi, p, h, self.lam, A_ref)
        C0 = lmi_matrix(self.lmi, A0, D0, self.lam, A_ref=A_ref, margin=self.margin)
        blocks = [RankTwoLMI(C0, *gens[0])]
        if self.with_norm:
            N0 = norm_matrix(D0, self.eps) - NORM_MARGIN * np.eye(2 * h)
            blocks.append(RankTwoLMI(N0, *gens[1]))
        if self.lmi == "eq5":
            # A is unconstrained: its part is ½ tr(ΔA S1 ΔAᵀ) + ⟨g1, ΔA⟩, minimised by
            # ΔA = −g1 S1⁺; the interior-point method sees the D entries only.
            dA = -g1 @ np.linalg.pinv(S1, hermitian=True)
            res = solve_lmi_qp(Q[nA:, nA:], c[nA:], _shifted(blocks, nA),
                               bounds=None if bounds is None else (bounds[0] - nA, bounds[1]),
                               tol=tol)
            x = np.r_[dA.ravel(), res.x]
        else:
            res = solve_lmi_qp(Q, c, blocks, bounds=bounds, tol=tol)
            x = res.x
        decrease = -sigma * (0.5 * float(x @ Q @ x) + float(c @ x))
        s_hat, at = [], nD
        for k in kink:
            s_hat.append(k.s0 + x[at:at + k.s0.size])
            at += k.s0.size
        info = {"status": res.status, "iterations": res.n_iter, "gap": res.gap,
                "min_eig": res.min_eig, "seconds": time.perf_counter() - t0,
                "kink_s": s_hat}
        return (A0 + x[:nA].reshape(p, h), D0 + x[nA:nD].reshape(h, h), decrease, info)


def _shifted(blocks, offset: int):
    """The blocks with their entries of x counted from ``offset``."""
    return [RankTwoLMI(b.F, b.start - offset, b.Pa, b.bi) for b in blocks]

