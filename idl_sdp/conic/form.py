r"""The conic form of a cvxpy problem, exactly as its data will be proven on.

:func:`conic_form` brings a cvxpy problem to

.. math::
   p^\star = \min_x\ c^T x + d \quad\text{s.t.}\quad s = A x + b \in K,

K = {0}^z × R₊^l × SOC(q₁) × … × PSD(n₁) × …, with its dual

.. math::
   d^\star = \max_y\ d - b^T y \quad\text{s.t.}\quad A^T y = c,\ y \in K^*,

(K* = R^z × R₊^l × SOC × PSD). Weak duality: for y ∈ K* and any feasible x,
cᵀx + d = d − bᵀy + yᵀs + (c − Aᵀy)ᵀx.

Why not the data cvxpy hands to SCS or Clarabel: those store a PSD block as svec, its
off-diagonal rows multiplied by √2 — irrational, hence rounded — so nothing proven on
them is about the user's problem. Here a PSD block of order n keeps its n² rows (the
column-major vec of the user's affine matrix expression, whose *symmetric part* cvxpy
constrains to be PSD), with the float coefficients cvxpy computed from the user's
expressions and no further rounding. The reductions used (objective flip, DCP to cone,
attribute elimination, matrix stuffing) are exact reformulations, so the optimal value
of this form is the problem's (its sign flipped back for a maximisation).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Dict, List, Tuple

import numpy as np
import scipy.sparse as sp

__all__ = ["ConicForm", "conic_form", "CONE_KINDS"]

#: Cone kinds of a :class:`ConicForm`, in the order their rows appear.
CONE_KINDS = ("zero", "nonneg", "soc", "psd")


@dataclass
class ConicForm:
    """min cᵀx + d s.t. A x + b ∈ K (see the module docstring).

    Attributes
    ----------
    c : ndarray (n,)
    d : float
    A : scipy.sparse.csr_array (rows, n)
    b : ndarray (rows,)
    cones : list of (kind, size)
        ``("zero", k)``, ``("nonneg", k)``, ``("soc", q)`` (t first, then the vector),
        ``("psd", n)`` (n² rows: column-major vec of an n × n matrix, whose symmetric
        part must be PSD). Rows appear in this order.
    sense : {"min", "max"}
        The user's problem's sense: its value is ``cᵀx + d`` for ``"min"`` and
        ``−(cᵀx + d)`` for ``"max"``.
    """

    c: np.ndarray
    d: float
    A: sp.csr_array
    b: np.ndarray
    cones: List[Tuple[str, int]]
    sense: str = "min"
    meta: Dict[str, Any] = field(default_factory=dict)

    @property
    def n(self) -> int:
        """Number of variables."""
        return self.c.shape[0]

    def offsets(self) -> List[Tuple[str, int, int]]:
        """(kind, size, first row) of every cone."""
        out, r = [], 0
        for kind, k in self.cones:
            out.append((kind, k, r))
            r += cone_rows(kind, k)
        return out

    def digest(self) -> str:
        """SHA-256 of the data (exact float bits, structure and sense)."""
        h = hashlib.sha256()
        A = sp.csr_array(self.A)
        A.sort_indices()
        for arr in (self.c, np.array([self.d]), A.data, self.b):
            h.update(np.ascontiguousarray(arr, dtype="<f8").tobytes())
        for arr in (A.indptr, A.indices):
            h.update(np.ascontiguousarray(arr, dtype="<i8").tobytes())
        h.update(repr((A.shape, list(self.cones), self.sense)).encode())
        return h.hexdigest()


def cone_rows(kind: str, k: int) -> int:
    """Rows taken by a cone: k, except k² for a PSD block of order k."""
    return k * k if kind == "psd" else k


def _chain(problem: Any):
    """cvxpy's own reductions up to matrix stuffing, with the PSD cones left whole.

    The svec conversion (``PSDToSvecPSD``, inside ``ExactCone2Cone``) is what rounds;
    it is replaced by a conversion of only the cones the stuffing cannot take itself
    (``x ≤ 0`` rows). Quadratic objectives are brought to conic form (an SOC epigraph)
    so that the form has a linear objective.
    """
    import cvxpy as cp  # noqa: PLC0415
    from cvxpy.reductions.chain import Chain  # noqa: PLC0415
    from cvxpy.reductions.cone2cone.exact import ExactCone2Cone  # noqa: PLC0415

    solving = problem._construct_chain(solver="CLARABEL")
    reductions = []
    for red in solving.reductions[:-1]:          # the last one is the solver's formatting
        if isinstance(red, ExactCone2Cone):
            red = ExactCone2Cone(target_cones={cp.constraints.NonPos},
                                 solver_context=red.solver_context)
        if hasattr(red, "quad_obj"):
            red.quad_obj = False
        reductions.append(red)
    return Chain(problem, reductions)


def conic_form(problem: Any) -> ConicForm:
    """The :class:`ConicForm` of a cvxpy problem (DCP, parameters given values).

    Raises
    ------
    TypeError
        If ``problem`` is not a ``cvxpy.Problem``.
    ValueError
        If the problem is not DCP, has integer variables, or needs cones other than
        zero, nonnegative, second-order and PSD (exponential, power cones).
    """
    import cvxpy as cp  # noqa: PLC0415
    from cvxpy.constraints import PSD, SOC, NonNeg, Zero  # noqa: PLC0415

    if not isinstance(problem, cp.Problem):
        raise TypeError(f"problem must be a cvxpy.Problem, got {type(problem).__name__}")
    if not problem.is_dcp():
        raise ValueError("problem must be DCP (cvxpy's disciplined convex programming)")
    if problem.is_mixed_integer():
        raise ValueError("problem has integer or boolean variables: no conic bound applies")
    for p in problem.parameters():
        if p.value is None:
            raise ValueError(f"parameter {p.name()!r} has no value")
    try:
        prog, _ = _chain(problem).apply(problem)
    except cp.error.SolverError as exc:
        raise ValueError(f"cvxpy could not bring the problem to conic form: {exc}") from None
    c, d, A, b = prog.apply_parameters()
    cones: List[Tuple[str, int]] = []
    for con in prog.constraints:
        if type(con) is Zero:
            cones.append(("zero", con.size))
        elif type(con) is NonNeg:
            cones.append(("nonneg", con.size))
        elif type(con) is SOC:
            if con.axis != 0:
                raise ValueError("internal: SOC constraints must be lowered to axis 0")
            t, X = con.args
            k = t.size
            xdim = X.shape[0] if X.shape else 1
            cones.extend([("soc", xdim + 1)] * k)
            if k > 1:
                # rows are [t_0..t_{k-1}, X[:, 0], X[:, 1], ...]: regroup per cone
                start = sum(cone_rows(kk, s) for kk, s in cones[:-k])
                perm = []
                for i in range(k):
                    perm.append(start + i)
                    perm.extend(start + k + i * xdim + np.arange(xdim))
                A, b = _permute_rows(A, b, start, np.asarray(perm))
        elif type(con) is PSD:
            n = con.args[0].shape[0]
            if con.args[0].ndim != 2 or con.args[0].shape != (n, n):
                raise ValueError("internal: PSD constraints must be on square matrices")
            cones.append(("psd", n))
        else:
            raise ValueError(f"the conic form needs a {type(con).__name__} cone; only zero, "
                             "nonnegative, second-order and PSD cones are supported")
    sense = "max" if isinstance(problem.objective, cp.Maximize) else "min"
    form = ConicForm(np.asarray(c, float).ravel(), float(d), sp.csr_array(A),
                     np.asarray(b, float).ravel(), cones, sense)
    return _symmetrized(form)


def _symmetrized(form: ConicForm) -> ConicForm:
    """Make every PSD block's (i, j) and (j, i) rows equal: their average, which is what
    cvxpy constrains (the symmetric part), when that average is exact in floating point.

    Equal pairs make the slack of every primal point and the PSD part of every dual
    point built from the data exactly symmetric, which the proofs rely on.
    """
    if not any(k == "psd" for k, _ in form.cones):
        return form
    A = sp.csr_array(form.A)
    b = form.b.copy()
    perm = np.arange(A.shape[0])
    for kind, n, r0 in form.offsets():
        if kind == "psd":
            i, j = np.divmod(np.arange(n * n), n)      # row r0 + i·n + j holds entry (j, i)
            perm[r0:r0 + n * n] = r0 + j * n + i
    At = A[perm]
    if (A != At).nnz == 0 and np.array_equal(b, b[perm]):
        return form
    S, bs = A + At, b + b[perm]
    # the average is exact iff each float sum was: (S − A) − At must vanish exactly
    if (S - A - At).count_nonzero() or np.any((bs - b) - b[perm]):
        raise ValueError("a PSD constraint's expression is not symmetric and its symmetric "
                         "part is not exactly representable in floating point; write the "
                         "constraint on an exactly symmetric expression")
    return ConicForm(form.c, form.d, sp.csr_array(S * 0.5), bs * 0.5, form.cones,
                     form.sense, form.meta)


def _permute_rows(A, b, start: int, perm: np.ndarray):
    rows = np.arange(A.shape[0])
    rows[start:start + perm.size] = perm
    A = sp.csr_array(A)[rows]
    return A, b[rows]
