r"""``value_bounds``: a rigorous enclosure lower ≤ p* ≤ upper of a conic problem's optimal
value, from a solver's approximate points, with a certificate ``idl-sdp verify``
re-checks in exact arithmetic.

The problem is taken in the form of :mod:`idl_sdp.conic.form`
(min cᵀx + d s.t. s = Ax + b ∈ K; dual max d − bᵀy s.t. Aᵀy = c, y ∈ K*). The method
is VSDP's (Jansson, Chaykin & Keil 2007), with exact rationals in place of intervals:

**Correction lemma.** For an approximate point p̃ and equations M p = t (M with full
row rank), let G = MMᵀ, r = t − M p̃, w̃ ≈ G⁻¹r (floats) and ρ ≥ ‖r − G w̃‖₂ (exact).
If λ_min(G) ≥ g > 0 (proven by a Cholesky certificate) then p* = p̃ + Mᵀw* with
Gw* = r satisfies M p* = t *exactly* and ‖w* − w̃‖₂ ≤ η = ρ/g. The point p* is never
formed: everything below is bounded through p' = p̃ + Mᵀw̃ (dyadic) and η.

**Upper bound** (primal). p̃ = x̃, equations: the zero rows A_Z x + b_Z = 0 (M = A_Z).
‖x* − x'‖₂ ≤ θ = ‖A_Z‖_F·η; each cone block of s' = A x' + b must lie inside K with
room for a perturbation of norm ‖A_block‖_F·θ (nonnegative rows one by one; SOC
blocks t − ‖u‖ ≥ √2·that; PSD blocks λ_min ≥ that, proven). Then
p* ≤ cᵀx* + d ≤ cᵀx' + d + ‖c‖₂θ.

**Lower bound** (dual). p̃ = ỹ, equations Aᵀy = c (M = Aᵀ, G = AᵀA);
‖y* − y'‖ per block ≤ ‖A_block‖_F·η, y' = ỹ + A w̃ must lie in K* with that room
(zero rows are free). Then p* ≥ d − bᵀy* ≥ d − bᵀy' − ‖Aᵀb‖₂·η (weak duality).

**Infeasibility** (Farkas): y* ∈ K* with Aᵀy* = 0 and bᵀy* < 0 (same lemma with
t = 0). **Unboundedness**: a feasible point (upper bound as above) and a ray x* with
A_Z x* = 0, A x* ∈ K on the other rows and cᵀx* < 0.

Solver points on the boundary of K fail the room test by rounding. Before any re-solve,
a failing dual point is moved onto Aᵀy = c in its own metric instead of the least-norm
one (:mod:`~idl_sdp.certify.scaled_correction`), which keeps its tiny eigenvalues
positive; and the primal point is moved along an interior direction of the data
(:func:`interior_direction`). Where these fail, the problem
is re-solved with the cone shrunk by ε·e (e the identity of K: the primal slack
s − εe ∈ K, or the dual y − εe ∈ K* — VSDP's perturbed problems) for a few ε, and the
proof is made on that point. A problem without interior points (ill-posed) keeps an
infinite side: the correct answer, not a failure. A side proven only on a perturbed
point is then blended with a better point that missed the cone (:func:`_blend`), which
recovers most of what the perturbation cost.
"""
from __future__ import annotations

import functools
import math
import time
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import scipy.linalg
import scipy.sparse as sp

from .._repr import Raw, result_repr
from ..conic.adapters import ADAPTERS, ConicSolution, solve_conic
from ..conic.form import ConicForm, conic_form
from ..conic.margins import cone_layout, cone_margin
from .certificate import CERTIFICATE_FORMAT, CERTIFICATE_FORMAT_VERSION, KIND_VALUE_BOUNDS
from .exact_data import DyadicCSR, DyadicVec, psd_float_bound, psd_lower_bound, sqrt_upper
from .rational import ExactMatrix, ceil_float, floor_float
from .scaled_correction import scaled_dual_point

__all__ = ["ValueBounds", "value_bounds", "bounds_from_solution", "prove_upper",
           "prove_lower"]

#: √2 rounded up (SOC room: |e_t| + ‖e_u‖ ≤ √2‖e‖).
SQRT2_UP = Fraction(141421357, 100000000)
#: Sizes of the cone shrinking ε·e tried when the solver's own point fails, in units of
#: the relative change of the optimal value they cause (see _perturbation_scales): the
#: first costs about 1e-10 of |p*|, enough room when the re-solve is accurate.
PERTURBATIONS = (1e-10, 1e-8, 1e-6, 1e-4)
#: Tolerance of the perturbed re-solves, per solver (mapped to settings by the solver's
#: adapter; merged under the user's options). CVXOPT already ends "unknown" at 1e-9 on
#: a small LP, and double-precision SDPA rarely reaches 1e-8: their tightest usable.
TIGHT = {"CLARABEL": 1e-10, "SCS": 1e-9, "CVXOPT": 1e-8, "SDPA": 1e-8}
#: A side proven this far (relative) from the solver's value gets one more re-solve to
#: tighten it (:func:`bounds_from_solution`). A re-solve costs about one solve; below
#: this the side uses less than half of a μ = 1e-6 enclosure (VSDP's 7–8 digits), and
#: the usual cause is the solver's own residual (its price x*ᵀr in a lower bound), so
#: for tighter enclosures solve more tightly (the tight points need no re-solve).
REFINE_ABOVE = 4e-7
#: Largest number of variables (dual side) or zero rows (primal side) whose Gram
#: matrix is proven nonsingular exactly (a dense Cholesky certificate of that order).
MAX_CORRECTION = 2000


@dataclass
class SideProof:
    """A proof of one side: the bound (exact), the certificate part, or why not."""

    bound: Optional[Fraction]
    cert: Optional[Dict[str, Any]]
    reason: str = ""
    shortfall: float = 0.0   # how much room inside the cone was missing (if it was)
    point: Any = None        # the corrected point p' (DyadicVec) the proof is about,
    err: Fraction = Fraction(0)   # and the bound on ‖p* − p'‖ (primal) or ‖v‖ (dual)

    def __repr__(self) -> str:
        return result_repr("SideProof", [
            ("bound", None if self.bound is None else float(self.bound)),
            ("cert", self.cert), ("reason", self.reason), ("shortfall", self.shortfall)])


class ExactForm:
    """The exact data of a :class:`ConicForm` (dyadic integers)."""

    def __init__(self, form: ConicForm):
        self.form = form
        self.A = DyadicCSR(form.A)
        self.b = DyadicVec.of(form.b)
        self.c = DyadicVec.of(form.c)
        self.d = Fraction(form.d)
        self.offsets = form.offsets()
        self._AT: Optional[DyadicCSR] = None
        self._gram: Dict[str, Tuple[Any, ...]] = {}
        self._eq: Dict[str, Tuple[Any, ...]] = {}
        self.penalty = Fraction(0)

    @property
    def AT(self) -> DyadicCSR:
        if self._AT is None:
            self._AT = self.A.transpose()
        return self._AT

    def zero_rows(self) -> Tuple[int, int]:
        hi, leading = 0, True
        for kind, k, r0 in self.offsets:
            if kind == "zero":
                if not leading:
                    raise ValueError("internal: the zero rows must come first")
                hi = r0 + k
            else:
                leading = False
        return 0, hi

    def equations(self, which: str):
        """The equations a correction must satisfy, without exact repeats.

        ``which = "dual"``: Aᵀy = c, one per variable (column of A); ``"primal"``: the
        zero rows A_Z x = −b_Z. An equation whose coefficients and right-hand side
        repeat an earlier one exactly (e.g. the two copies X_ij, X_ji of a
        non-symmetric matrix variable, or a repeated equality row), or that is 0 = 0,
        holds whenever the kept ones do, so only the kept ones enter the Gram matrix.
        Returns (M_K as DyadicCSR with the kept equations as rows, kept indices,
        {dropped: kept index or −1 for 0 = 0}).
        """
        if which not in self._eq:
            if which == "dual":
                M = sp.csr_array(self.form.A.T)
                rhs = self.form.c
            else:
                lo, hi = self.zero_rows()
                M = sp.csr_array(self.form.A[lo:hi])
                rhs = -self.form.b[lo:hi]
            M.sort_indices()
            seen: Dict[Any, int] = {}
            keep, same = [], {}
            for i in range(M.shape[0]):
                a, b = M.indptr[i], M.indptr[i + 1]
                key = (M.indices[a:b].tobytes(), M.data[a:b].tobytes(),
                       np.float64(rhs[i]).tobytes())
                if b == a and rhs[i] == 0:
                    same[i] = -1
                elif key in seen:
                    same[i] = seen[key]
                else:
                    seen[key] = i
                    keep.append(i)
            MK = DyadicCSR(M[keep])
            self._eq[which] = (MK, keep, same)
        return self._eq[which]

    def gram_proof(self, which: str):
        """(G float, proven g ≤ λ_min(G), proof) for G = M_K M_Kᵀ of :meth:`equations`."""
        if which not in self._gram:
            MK, _, _ = self.equations(which)
            G = MK.gram_rows()
            g, proof = psd_lower_bound(G)
            Gf = _floats_over(G.num.ravel().tolist(), G.den).reshape(G.shape)
            self._gram[which] = (Gf, g, proof)
        return self._gram[which]


def _floats_over(nums: List[int], den: int) -> np.ndarray:
    """The nearest floats of the exact ``nums / den`` (int / int rounds correctly)."""
    return np.array([x / den for x in nums], dtype=float)


def _hexes(v: np.ndarray) -> List[str]:
    """``float.hex`` of every entry (how points are stored in a certificate)."""
    return list(map(float.hex, np.asarray(v, dtype=float).ravel().tolist()))


def _to_vec(v: np.ndarray) -> DyadicVec:
    if not np.all(np.isfinite(v)):
        raise ValueError("non-finite entries")
    return DyadicVec.of(v)


def _cone_room(E: ExactForm, v: DyadicVec, beta_of, side: str,
               slack_bound: Optional[Fraction] = None
               ) -> Tuple[bool, List[Dict[str, Any]], str, float]:
    """Check v ∈ K (side "primal") or K* (side "dual") with room beta per block.

    ``beta_of(lo, hi, per_row)`` gives the perturbation bound of rows lo..hi (a list per
    row when ``per_row``). Returns (ok, PSD proofs in block order, reason, missing room).

    With ``slack_bound`` s̄ (dual side: the user's bound on the primal slack, every
    nonnegative entry, SOC head and PSD eigenvalue ≤ s̄ at an optimal point) a block
    without room does not fail: its worst case is added to ``E.penalty``
    (yᵀs ≥ −penalty), VSDP's finite lower bound for duals that are only almost in K*.
    """
    proofs: List[Dict[str, Any]] = []
    den = 1 << v.k
    E.penalty = Fraction(0)
    sb = slack_bound
    # a float look first, all PSD blocks of one order at once: a block whose estimated
    # λ_min is clearly below the room needed (even allowing for the estimate's error)
    # cannot be proven, and the exact proof is the expensive part
    layout = cone_layout(E.form)
    vf = v.floats()
    lam_of: Dict[int, Tuple[float, float, np.ndarray]] = {}  # first row → (λ_min, max
    for k, idx in layout.psd.items():                        # abs, the block's floats)
        S = layout.psd_stack(vf, k)
        for r0, lam, top, Sb in zip(idx[:, 0], np.linalg.eigvalsh(S)[:, 0],
                                    np.max(np.abs(S), axis=(1, 2)), S):
            lam_of[int(r0)] = (float(lam), float(top), Sb)
    for kind, k, r0 in E.offsets:
        if kind == "zero":
            continue                     # primal: exact by the lemma; dual: free
        if kind == "nonneg":
            betas = beta_of(r0, r0 + k, True)
            for i in range(k):
                low = Fraction(v.num[r0 + i], den) - betas[i]
                if low < 0:
                    if sb is not None:
                        E.penalty += -low * sb
                        continue
                    return False, proofs, f"a nonnegative row ({r0 + i}) has no room", \
                        float(-low)
        elif kind == "soc":
            t = Fraction(v.num[r0], den)
            u2 = Fraction(sum(x * x for x in v.num[r0 + 1:r0 + k]), den * den)
            gap = t - sqrt_upper(u2) - SQRT2_UP * beta_of(r0, r0 + k, False)
            if gap < 0 and sb is not None:
                # yᵀs ≥ (t − ‖u‖)·τ for s = (τ, w) ∈ SOC, and τ ≤ s̄
                E.penalty += -gap * sb
            elif gap < 0:
                return False, proofs, f"a second-order cone block (row {r0}) has no room", \
                    float(-gap)
        else:
            n = k
            need = beta_of(r0, r0 + n * n, False)
            lam, top, Sb = lam_of[r0]
            noise = 4.0 * (n + 2) * 2.0 ** -52 * top * n
            if lam + noise < float(need) and sb is None:
                return False, proofs, (f"a PSD block of order {n} (row {r0}) is not inside "
                                       f"the cone with room (λ_min ≈ {lam:.3e}, room "
                                       f"{float(need):.3e})"), float(need) - lam + noise
            # column-major vec: entry (i, j) is row r0 + j·n + i
            block = np.empty(n * n, dtype=object)
            block[:] = v.num[r0:r0 + n * n]
            block = block.reshape(n, n).T
            if not np.all(block == block.T):
                return False, proofs, (f"a PSD block of order {n} (row {r0}) is not an "
                                       "exactly symmetric matrix"), math.inf
            # the rounding-error bound of a float Cholesky first (no exact residual)
            quick = psd_float_bound(Sb, lam, need) if sb is None else None
            if quick is not None:
                proofs.append(quick[1])
                continue
            M = ExactMatrix(block, den)
            lb, proof = psd_lower_bound(M, need)
            if lb is not None and lb < need and sb is not None:
                # ⟨Y*, S⟩ ≥ λ_min(Y*)·tr S ≥ −(need − lb)·n·s̄
                E.penalty += (need - lb) * n * sb
                proofs.append(proof)
                continue
            if lb is None or lb < need:
                short = float(need - lb) if lb is not None else math.inf
                return False, proofs, (f"a PSD block of order {n} (row {r0}) is not proven "
                                       f"inside the cone (λ_min bound "
                                       f"{float(lb) if lb is not None else float('nan'):.3e}"
                                       f" < room {float(need):.3e})"), short
            proofs.append(proof)
    return True, proofs, "", 0.0


def _correction(E: ExactForm, which: str, point: DyadicVec, target: DyadicVec):
    """The correction lemma: (w̃, η, corrected point p', cert part) or a reason str.

    ``target`` holds the right-hand sides of all equations of ``which``; only the kept
    ones (:meth:`ExactForm.equations`) are used.
    """
    MK, keep, same = E.equations(which)
    if not keep:
        return DyadicVec([], 0), Fraction(0), point, {"w": [], "gram_proof": None,
                                                      "keep": [], "same_as": _same(same)}
    Gf, g, gproof = E.gram_proof(which)
    if g is None or g <= 0:
        return ("the equations' Gram matrix is not proven nonsingular (linearly "
                "dependent constraints that are not exact repeats)")
    tK = DyadicVec([target.num[i] for i in keep], target.k)
    r = tK.add(MK.matvec(point), -1)                     # t_K − M_K p̃
    try:
        w = np.linalg.solve(Gf, r.floats())
    except np.linalg.LinAlgError:
        return "the equations' Gram matrix is singular in floating point"
    if not np.all(np.isfinite(w)):
        return "the correction overflowed"
    wq = DyadicVec.of(w)
    step = MK.transpose().matvec(wq)                     # M_Kᵀ w̃
    Gw = MK.matvec(step)
    eta = r.add(Gw, -1).norm2_upper() / g
    return wq, eta, point.add(step), {"w": _hexes(w),
                                      "gram_proof": gproof, "keep": list(map(int, keep)),
                                      "same_as": _same(same)}


def _same(same: Dict[int, int]) -> List[List[int]]:
    return [[int(i), int(j)] for i, j in sorted(same.items())]


def _room_of(E: ExactForm, scale: Fraction):
    """``beta_of`` for :func:`_cone_room`: rows lo..hi of A times ``scale`` (the bound on
    how far the exact point lies from the one proven on), per row or as a block."""
    def beta_of(a: int, b: int, per_row: bool):
        if scale == 0:
            return [Fraction(0)] * (b - a) if per_row else Fraction(0)
        if per_row:
            return [nr * scale for nr in E.A.row_norms_upper(a, b)]
        return E.A.fro_upper(a, b) * scale
    return beta_of


def _prove_primal(E: ExactForm, x: np.ndarray, ray: bool, label: str) -> SideProof:
    """The primal side: x* with A_Z x* = −b_Z (0 for a ray) exactly and A x* + b (A x*
    for a ray) in K; the bound is cᵀx* + d (cᵀx* for a ray), rounded up."""
    try:
        xq = _to_vec(x)
    except ValueError as exc:
        return SideProof(None, None, f"{label}: {exc}")
    lo, hi = E.zero_rows()
    theta = Fraction(0)
    cert: Dict[str, Any] = {"x": _hexes(x), "correction": None}
    if hi > lo:
        if hi - lo > MAX_CORRECTION:
            return SideProof(None, None, f"{hi - lo} equality rows: more than the exact "
                                          f"correction handles ({MAX_CORRECTION})")
        target = DyadicVec([0] * (hi - lo), 0) if ray else DyadicVec.of(-E.form.b[lo:hi])
        out = _correction(E, "primal", xq, target)
        if isinstance(out, str):
            return SideProof(None, None, out)
        _, eta, xq, part = out
        theta = E.A.fro_upper(lo, hi) * eta
        cert["correction"] = part
    s = E.A.matvec(xq) if ray else E.A.matvec(xq).add(E.b)
    ok, proofs, why, short = _cone_room(E, s, _room_of(E, theta), "primal")
    if not ok:
        return SideProof(None, None, f"{label}: " + why, short)
    cert["psd_proofs"] = proofs
    value = xq.dot(E.c) + (0 if ray else E.d) + E.c.norm2_upper() * theta
    return SideProof(value, cert, point=xq, err=theta)


def prove_upper(E: ExactForm, x: np.ndarray) -> SideProof:
    """Prove p* ≤ cᵀx* + d from an approximate primal point (see the module docstring)."""
    return _prove_primal(E, x, False, "primal point")


def prove_lower(E: ExactForm, y: np.ndarray, ray: bool = False,
                slack_bound: Optional[float] = None,
                ray_limit: Optional[Fraction] = Fraction(0)) -> SideProof:
    """Prove p* ≥ d − bᵀy* (or, with ``ray``, infeasibility: Aᵀy* = 0, bᵀy* < 0).

    With ``slack_bound`` (not for rays) the dual point may lie slightly outside K*:
    the bound is then lowered by the worst case of yᵀs over slacks bounded by it.
    """
    sb = None if slack_bound is None or ray else Fraction(slack_bound)
    n = E.form.n
    if n > MAX_CORRECTION:
        return SideProof(None, None, f"{n} variables: more than the exact correction "
                                      f"handles ({MAX_CORRECTION})")
    try:
        yq = _to_vec(y)
    except ValueError as exc:
        return SideProof(None, None, f"dual point: {exc}")
    target = DyadicVec([0] * n, 0) if ray else E.c
    out = _correction(E, "dual", yq, target)
    if isinstance(out, str):
        return SideProof(None, None, out)
    _, eta, yp, part = out
    ok, proofs, why, short = _cone_room(E, yp, _room_of(E, eta), "dual", sb)
    if not ok:
        return SideProof(None, None, "dual point: " + why, short)
    penalty = E.penalty if sb is not None else Fraction(0)
    Atb = E.AT.matvec(E.b)
    by = E.b.dot(yp)
    slack = Atb.norm2_upper() * eta
    cert = {"y": _hexes(y), "correction": part, "psd_proofs": proofs}
    if sb is not None:
        cert["slack_bound"] = float(slack_bound).hex()
    if ray:
        # ray_limit None only for :func:`prove_no_room`, which tests bᵀy* against εeᵀy*
        if ray_limit is not None and by + slack >= ray_limit:
            return SideProof(None, None, "the Farkas ray has bᵀy ≥ 0 within its error")
        return SideProof(by + slack, cert, point=yp, err=eta)
    return SideProof(E.d - by - slack - penalty, cert, point=yp, err=eta)


def prove_ray(E: ExactForm, x: np.ndarray) -> SideProof:
    """Prove a primal improving ray: A_Z x* = 0, A x* ∈ K elsewhere, cᵀx* < 0."""
    proof = _prove_primal(E, x, True, "ray")
    if proof.bound is not None and proof.bound >= 0:
        return SideProof(None, None, "the ray does not improve the objective within its error")
    return proof


def _e_dot(E: ExactForm, v: DyadicVec) -> Fraction:
    """eᵀv exactly, e the identity of K (:func:`cone_identity`)."""
    total = 0
    for kind, k, r0 in E.offsets:
        if kind == "nonneg":
            total += sum(v.num[r0:r0 + k])
        elif kind == "soc":
            total += v.num[r0]
        elif kind == "psd":
            total += sum(v.num[r0 + i * (k + 1)] for i in range(k))
    return Fraction(total, 1 << v.k)


def prove_no_room(E: ExactForm, ray: np.ndarray, eps: float, side: str) -> SideProof:
    r"""Prove that no feasible point of ``side`` has room ε inside its cone.

    ``side = "dual"``, ``ray`` an x: if A_Z x* = 0, A x* ∈ K and cᵀx* < ε·eᵀA x*, then
    no y with Aᵀy = c has y − εe ∈ K* (else (y − εe)ᵀA x* ≥ 0, i.e. cᵀx* ≥ ε·eᵀAx*).
    ``side = "primal"``, ``ray`` a y: if Aᵀy* = 0, y* ∈ K* and bᵀy* < ε·eᵀy*, then no
    x has A x + b − εe ∈ K (else yᵀ(Ax + b − εe) = bᵀy* − ε·eᵀy* ≥ 0). Such rays come
    from the perturbed re-solves that the solver reports unbounded / infeasible. The
    bound of the proof is the (negative) upper bound of cᵀx* − ε·eᵀAx* (bᵀy* − ε·eᵀy*).
    So the largest room a point of that side can have is below ε: its data lie within
    ε·‖Aᵀe‖ (dual: a change of c) or ε·‖e‖ (primal: of b) of data with no interior.
    """
    q = Fraction(eps)
    if not (math.isfinite(eps) and eps > 0):
        return SideProof(None, None, f"eps must be positive and finite, got {eps!r}")
    Ate = E.AT.matvec(DyadicVec.of(cone_identity(E.form))).norm2_upper()
    if side == "dual":
        proof = _prove_primal(E, ray, True, "no-room ray")
        if proof.bound is None:
            return proof
        e_low = _e_dot(E, E.A.matvec(proof.point)) - Ate * proof.err
    elif side == "primal":
        # bᵀy* < ε·eᵀy* first needs the cone and equation proofs; the test is below
        proof = prove_lower(E, ray, ray=True, ray_limit=None)
        if proof.bound is None:
            return proof
        e_low = _e_dot(E, proof.point) - Ate * proof.err
    else:
        raise ValueError(f"side must be 'primal' or 'dual', got {side!r}")
    gap = proof.bound - q * e_low
    if gap >= 0:
        return SideProof(None, None, f"the ray does not exclude room ε = {eps:.1e}")
    return SideProof(gap, dict(proof.cert, eps=float(eps).hex()))


def column_no_room(form: ConicForm, E: ExactForm, eps_list: Sequence[float]
                   ) -> Optional[Tuple[float, SideProof]]:
    r"""Look for a proof that the dual has no room ε among the columns of A.

    A column k with A_Z e_k = 0, A e_k ∈ K and c_k ≤ 0 (or the same for −e_k) makes
    every dual feasible y satisfy y ∈ K*, yᵀA e_k = c_k ≤ 0: y lies on a face of K*, so
    the dual has no interior point at all (e.g. the constraint ⟨J, Y⟩ = 0 of the gpp
    problems, J = 11ᵀ). A ray on the boundary of K has no room for an exact cone
    proof, so the ray proven is x = s·e_k + δ·Σ_j s_j e_j over all columns in K (their
    sum is interior where they span K), δ = ε/4 scaled so that cᵀx < ε·eᵀA x still
    holds; :func:`prove_no_room` then proves it exactly. Found without a solve: the
    re-solves with a shrunk dual cone (infeasible for every ε) are skipped.
    Returns (ε, proof) for the smallest ε of ``eps_list`` that is proven, or None.
    """
    lo, hi = E.zero_rows()
    A = form.A.tocsc()
    e = cone_identity(form)
    cone_cols: List[Tuple[int, float, float]] = []   # column, sign, eᵀ(sign·A e_k)
    # in K in floating point with a relative slack of 1e-12 (a filter: the proof is
    # exact); a column touching the zero rows is out
    plus, minus = cone_layout(form).column_margins(A, skip_rows=hi)
    touches_zero = np.zeros(form.n, dtype=bool)
    if hi > lo:
        touches_zero = np.asarray(np.abs(A[lo:hi]).sum(axis=0)).ravel() > 0
    top = np.maximum(1.0, np.asarray(abs(A).max(axis=0).toarray()).ravel()) \
        if A.nnz else np.ones(form.n)
    eA = A.T @ e
    for k in np.flatnonzero(~touches_zero):
        for sgn, marg in ((1.0, plus[k]), (-1.0, minus[k])):
            if marg >= -1e-12 * top[k]:
                cone_cols.append((int(k), sgn, float(sgn * eA[k])))
                break
    core = [(k, sg, t) for k, sg, t in cone_cols if sg * form.c[k] <= 0.0 and t > 0.0]
    if not core:
        return None
    k0, s0, _ = min(core, key=lambda kst: kst[1] * form.c[kst[0]] / kst[2])
    base = np.zeros(form.n)
    base[k0] = s0
    spread = np.zeros(form.n)
    for k, sg, _ in cone_cols:
        spread[k] = sg
    t_base = float(e @ (A @ base))
    # δ·(cᵀspread) ≤ ε·t_base/4 and δ ≤ ε/4 per unit of the base's trace
    scale = max(1.0, abs(float(form.c @ spread)), float(e @ (A @ spread)))
    for eps in eps_list:
        delta = 0.25 * eps * t_base / scale
        x = base + delta * spread
        proof = prove_no_room(E, x, eps, "dual")
        if proof.bound is not None:
            return eps, proof
    return None


# ------------------------------------------------------------------ perturbations
def cone_identity(form: ConicForm) -> np.ndarray:
    """e ∈ int K (0 on zero rows): ones, (1, 0, …) per SOC block, vec(I) per PSD block."""
    e = np.zeros(form.A.shape[0])
    for kind, k, r0 in form.offsets():
        if kind == "nonneg":
            e[r0:r0 + k] = 1.0
        elif kind == "soc":
            e[r0] = 1.0
        elif kind == "psd":
            e[r0 + np.arange(k) * (k + 1)] = 1.0
    return e


def _shrunk(form: ConicForm, e: np.ndarray, eps: Dict[str, float]) -> ConicForm:
    """The problem with the primal cone shrunk by ε_p·e (b − ε_p e) and the dual's by
    ε_d·e (c − ε_d Aᵀe), for the sides in ``eps``."""
    return ConicForm(form.c - eps.get("dual", 0.0) * (form.A.T @ e), form.d, form.A,
                     form.b - eps.get("primal", 0.0) * e, form.cones, form.sense)


def _perturbed(form: ConicForm, side: str, eps: float) -> ConicForm:
    """One side shrunk (:func:`_shrunk`): primal s − εe ∈ K, or dual y = y' + εe with
    y' ∈ K* (Aᵀy' = c − εAᵀe)."""
    return _shrunk(form, cone_identity(form), {side: eps})


def dual_inward(form: ConicForm, y: np.ndarray, tau: float) -> Tuple[np.ndarray, float]:
    """(Π_K*(y) + τe, the largest cone violation removed), in floating point.

    A dual point is the variable itself, so it can be moved into K* directly (clip the
    negative eigenvalues of PSD blocks, negative entries, project SOC blocks) and then
    τ inside; the exact correction then restores Aᵀy = c, and the proof needs the room
    τ to exceed what the correction moves. (Solvers' dual points can lie outside K* by
    about their tolerance even when the problem was perturbed.)
    """
    out = np.array(y, dtype=float)
    worst = 0.0
    layout = cone_layout(form)
    if layout.nonneg.size:
        blk = out[layout.nonneg]
        worst = max(worst, float(-np.min(blk)))
        out[layout.nonneg] = np.maximum(blk, 0.0) + tau
    for kind, k, r0 in layout.blocks:
        if kind != "soc":
            continue
        blk = out[r0:r0 + k]
        t, u = blk[0], blk[1:]
        nu = float(np.linalg.norm(u))
        worst = max(worst, nu - t)
        if nu > t:
            if nu <= -t:
                blk[:] = 0.0
            else:
                a = 0.5 * (t + nu)
                blk[0], blk[1:] = a, a * u / nu
        blk[0] += tau
    for k, idx in layout.psd.items():
        # all blocks of one order in one batched eigendecomposition
        w, V = np.linalg.eigh(layout.psd_stack(out, k))
        worst = max(worst, float(-np.min(w[:, 0])))
        P = np.einsum("bij,bj,bkj->bik", V, np.maximum(w, 0.0), V) + tau * np.eye(k)
        P = 0.5 * (P + np.swapaxes(P, 1, 2))
        out[idx] = np.swapaxes(P, 1, 2).reshape(len(idx), k * k)   # column-major vec
    return out, worst


def interior_direction(form: ConicForm, e: np.ndarray) -> Optional[np.ndarray]:
    """A direction d with A_Z d ≈ 0 and A d well inside K (margin ≥ ½), or None.

    The least-squares solution of A d = e (e the identity of K, 0 on the zero rows;
    LSQR on the sparse A). It exists whenever e is in the range of A — for SDPA
    problems whose matrices span I (a free multiple of the identity, as in theta, or
    the diagonal of max-cut). Then x + τd moves the slack s = Ax + b by τ·Ad ≈ τe:
    the primal analogue of :func:`dual_inward`, without a re-solve.
    """
    import scipy.sparse.linalg as sla

    lo = sum(k for kind, k in form.cones if kind == "zero")
    d = sla.lsqr(form.A, e, atol=1e-14, btol=1e-14, iter_lim=2000)[0]
    if not np.all(np.isfinite(d)):
        return None
    Ad = form.A @ d
    if lo and float(np.max(np.abs(Ad[:lo]))) > 1e-12 * max(1.0, float(np.max(np.abs(d)))):
        return None
    return d if cone_margin(form, Ad) >= 0.5 else None


def _perturbation_scales(form: ConicForm, sol: ConicSolution, e: np.ndarray
                         ) -> Dict[str, float]:
    """ε per unit of relative change of the optimal value, per side.

    Shrinking the primal cone by εe (b − εe) moves the optimal value by about ε·eᵀy*,
    shrinking the dual's (c − εAᵀe) by about ε·eᵀs* (first-order sensitivity), so
    ε = rel·max(1, |p|)/max(1, eᵀy) costs about rel of the value. Estimated from the
    solver's points; a point missing falls back to |point|∞.
    """
    size = max(1.0, abs(sol.objective) if math.isfinite(sol.objective) else 1.0)
    out = {}
    for side, other in (("primal", sol.y), ("dual", None if sol.x is None
                                            else form.A @ sol.x + form.b)):
        weight = float(e @ np.abs(other)) if other is not None and np.all(
            np.isfinite(other)) else 1.0
        out[side] = size / max(1.0, weight)
    return out


def _float_corrected(E: ExactForm, which: str, point: np.ndarray) -> np.ndarray:
    """The correction of :func:`_correction` in floating point (to choose a point, not
    to prove one): the kept equations M_K p = t_K restored by p + M_Kᵀ G⁻¹ (t_K − M_K p)."""
    _, keep, _ = E.equations(which)
    if not keep:
        return point
    key = "float_" + which
    if key not in E._eq:
        Gf, _, _ = E.gram_proof(which)
        if which == "dual":
            M, rhs = sp.csr_array(E.form.A.T)[keep], E.form.c[keep]
        else:
            lo, hi = E.zero_rows()
            M, rhs = sp.csr_array(E.form.A[lo:hi])[keep], -E.form.b[lo:hi][keep]
        E._eq[key] = (M, rhs, scipy.linalg.cho_factor(Gf))
    M, rhs, G = E._eq[key]
    return point + M.T @ scipy.linalg.cho_solve(G, rhs - M @ point)


def _float_cone_vector(E: ExactForm, side: str, point: np.ndarray) -> np.ndarray:
    """The vector whose cone membership a proof of ``side`` tests, in floating point:
    the corrected dual point, or the corrected primal point's slack A x + b."""
    v = _float_corrected(E, side, point)
    return E.form.A @ v + E.form.b if side == "primal" else v


def _float_margin(E: ExactForm, side: str, point: np.ndarray) -> float:
    """min over the cone blocks of the corrected point's (primal: slack's) smallest
    entry, t − ‖u‖ or λ_min, in floating point, less the size of its rounding."""
    return cone_margin(E.form, _float_cone_vector(E, side, point), rounding=True)


def _blend_weight(E: ExactForm, side: str, p_near: np.ndarray, room_pt: np.ndarray,
                  target: float) -> float:
    """The smallest t whose p_t = (1 − t)·p_near + t·room_pt has float margin ≥
    ``target`` (to about 1e-9). The correction is affine, so the cone vector of p_t is
    the same blend of the endpoints' and :meth:`ConeLayout.blend_weight` finds the
    crossing in closed form; confirmed with a margin or two, else bisected."""
    va, vb = (_float_cone_vector(E, side, p) for p in (p_near, room_pt))
    t = cone_layout(E.form).blend_weight(va, vb, target, rounding=True)
    for rel in (1e-6, 1e-4, 1e-2) if t is not None else ():
        # just above the crossing: the margin at the crossing is computed with an error
        # of order n·u·max abs(S), which near a margin of 1e-11 is a relative 1e-6–1e-3
        # of t (mcp250-1); a t that much larger costs nothing measurable in the bound
        tt = min(1.0, t * (1.0 + rel) + 1e-15)
        if _float_margin(E, side, (1.0 - tt) * p_near + tt * room_pt) >= target:
            return tt
    lo, hi = 0.0, 1.0
    for _ in range(30):
        mid = 0.5 * (lo + hi)
        if _float_margin(E, side, (1.0 - mid) * p_near + mid * room_pt) >= target:
            hi = mid
        else:
            lo = mid
    return hi


def _scaled_dual(E: ExactForm, y: np.ndarray) -> Optional[Tuple[np.ndarray, float]]:
    """(y moved onto Aᵀy = c by :func:`scaled_dual_point` after clipping it into K*,
    the relative residual that removed) or None where that does not apply."""
    _, keep, _ = E.equations("dual")
    if not keep or len(keep) > MAX_CORRECTION or not np.all(np.isfinite(y)):
        return None
    # Clipped into K*, and lifted by the resolution of a double-precision Cholesky
    # proof (64·n·2⁻⁵²·max abs(y)): an eigenvalue that the correction keeps positive
    # but below that cannot be proven (arch0: λ_min ≈ 1e-13 of a block of order 161).
    # The lift costs about τ·tr(S*) of the bound; the scaled correction takes it back
    # out along the large eigenvalues only.
    n_max = max([k for kind, k, _ in E.offsets if kind == "psd"], default=1)
    tau = 64.0 * n_max * 2.0 ** -52 * float(np.max(np.abs(y), initial=0.0))
    y0 = dual_inward(E.form, y, tau)[0]
    moved = scaled_dual_point(E.form, y0, keep)
    if moved is None:
        return None
    c = E.form.c[keep]
    r = float(np.linalg.norm(c - E.form.A.T.tocsr()[keep] @ y0))
    return moved, r / max(1.0, float(np.linalg.norm(c)))


def _float_value(E: ExactForm, side: str, point: np.ndarray) -> float:
    """The objective a point would bound, in floating point (cᵀx + d or d − bᵀy)."""
    v = _float_corrected(E, side, point)
    return float(E.form.c @ v + E.form.d) if side == "primal" else \
        float(E.form.d - E.form.b @ v)


def _blend(side: str, proven: SideProof, room_pt: np.ndarray,
           near: List[np.ndarray], prove, E: ExactForm
           ) -> Optional[Tuple[SideProof, float]]:
    """A better bound from p_t = (1 − t)·p_near + t·p_room, or None.

    A point proven only with room ε (a perturbed re-solve, or a dual moved inside K*)
    pays about ε·(eᵀ of the other side's point) in its bound (on SDPLIB truss7, 1.4e-5
    of the value). An unproven point p_near (the solver's own, or that of a smaller ε)
    is better in value but misses the cone. The cone margin of the corrected p_t is
    concave in t (the correction is linear), so a small t restores it: t is the
    smallest (:func:`_blend_weight`, in floating point) whose margin is a thousandth of
    p_room's; of the (up to three latest) near points the one whose p_t has the best
    value in floating point is proven exactly like any other point (t doubled while the
    proof fails, at most three tries); the better proven bound is kept. Choosing the
    point is all the floating point does.
    """
    if proven.bound is None or not near:
        return None
    try:
        m1 = _float_margin(E, side, room_pt)
    except (np.linalg.LinAlgError, ValueError):
        return None     # a Gram matrix not definite in floating point: keep the proof
    if not m1 > 0.0:
        return None
    sign = 1.0 if side == "primal" else -1.0     # smaller (primal) / larger (dual) wins
    target = 1e-3 * m1
    cands = []
    for p_near in near[-3:]:
        if _float_margin(E, side, p_near) >= target:
            continue                               # failed for another reason
        hi = _blend_weight(E, side, p_near, room_pt, target)
        p_t = (1.0 - hi) * p_near + hi * room_pt
        cands.append((sign * _float_value(E, side, p_t), hi, p_near))
    if not cands:
        return None
    _, t, p_near = min(cands, key=lambda c: c[0])   # the best value predicted
    best: Optional[Tuple[SideProof, float]] = None
    for _ in range(3):
        if t >= 0.5:
            break
        proof = prove(E, (1.0 - t) * p_near + t * room_pt)
        if proof.bound is not None:
            if sign * (proof.bound - proven.bound) < 0:
                best = (proof, t)
            break
        t *= 2.0
    return best


# ------------------------------------------------------------------ result
@dataclass
class ValueBounds:
    """A rigorous enclosure ``lower ≤ p* ≤ upper`` of a problem's optimal value.

    Attributes
    ----------
    lower, upper : float
        Rounded outward; ±inf where no proof was found (never a wrong finite number).
    status : {"bounded", "infeasible", "unbounded", "not proven"}
        ``"bounded"``: both sides finite; ``"infeasible"``: a Farkas certificate
        (``lower = upper = +inf`` for a minimisation, −inf for a maximisation);
        ``"unbounded"``: a feasible point and an improving ray; ``"not proven"``:
        at least one side infinite (the other may still be finite).
    reported : float
        The value the solver reported (not proven).
    width : float
        μ = (upper − lower)/max(1, (abs(upper) + abs(lower))/2) (VSDP's measure).
    solver, solver_status : str
    seconds : dict
        ``solve`` (the solver's solve), ``bounds`` (everything after it: the exact
        proofs and any re-solves of perturbed problems) and ``resolves`` (the part of
        ``bounds`` spent in those re-solves).
    resolves : int
        How many re-solves the bounds needed (each costs about one solve: the time of
        a bound is mostly theirs wherever one is needed).
    reasons : dict
        Why a side is infinite.
    perturbations : dict
        For each side proven on the point of a perturbed re-solve (or a dual moved
        inside K*), the ε used, and ``lower_blend`` / ``upper_blend``: the weight t of
        that point in the blend that was proven instead, and ``lower_scaled``: the
        relative residual of Aᵀy = c that the scaled dual correction removed, when a
        dual point was proven that way (how the point was found; not part of the
        proof). An ε of 0 marks the original problem re-solved at tight tolerance.
    assumptions : dict
        What the bounds assume beyond the data (``{"slack_bound": s̄}`` when the lower
        bound used the user's slack bound; empty: nothing).
    no_room : dict
        ``{"primal": ε}`` / ``{"dual": ε}`` for an infinite side whose problem was
        *proven* to have no feasible point with room ε in its cone (s − εe ∈ K, or
        y − εe ∈ K*; :func:`prove_no_room`): the side is within ε of having no interior
        (ill-posed to that precision), so no bound from interior points exists there.
        Part of the proof (the certificate's ``no_room``).
    certificate : dict
        The proof (:meth:`to_json`).
    """

    lower: float
    upper: float
    status: str
    reported: float
    solver: str
    solver_status: str
    seconds: Dict[str, float]
    reasons: Dict[str, str] = field(default_factory=dict)
    certificate: Dict[str, Any] = field(default_factory=dict, repr=False)
    assumptions: Dict[str, float] = field(default_factory=dict)
    perturbations: Dict[str, float] = field(default_factory=dict)
    no_room: Dict[str, float] = field(default_factory=dict)
    resolves: int = 0

    @property
    def width(self) -> float:
        if not (math.isfinite(self.lower) and math.isfinite(self.upper)):
            return math.inf
        return (self.upper - self.lower) / max(1.0, (abs(self.upper) + abs(self.lower)) / 2)

    def __repr__(self) -> str:
        # The bounds are proven: show every digit (7 could not tell them apart).
        return result_repr("ValueBounds", head=[("status", self.status)], fields=[
            ("lower", Raw(repr(self.lower))), ("upper", Raw(repr(self.upper))),
            ("width", self.width), ("reported", Raw(repr(self.reported))),
            ("solver", Raw(f"{self.solver} ({self.solver_status})")),
            ("seconds", self.seconds), ("reasons", self.reasons),
            ("assumptions", self.assumptions), ("perturbations", self.perturbations),
            ("no_room", self.no_room)])

    def to_json(self, path) -> None:
        """Write the certificate for ``idl-sdp verify`` (atomic write)."""
        from .certificate import _write_json_atomic  # noqa: PLC0415
        _write_json_atomic(self.certificate, path)


def _form_json(form: ConicForm) -> Dict[str, Any]:
    A = form.A.tocsr()
    A.sort_indices()
    return {"c": _hexes(form.c), "d": float(form.d).hex(),
            "A": {"shape": list(A.shape), "indptr": A.indptr.astype(int).tolist(),
                  "indices": A.indices.astype(int).tolist(), "data": _hexes(A.data)},
            "b": _hexes(form.b),
            "cones": [[k, int(s)] for k, s in form.cones], "sense": form.sense}


def value_bounds(problem: Any, solver: str = "CLARABEL", *,
                 solver_options: Optional[Dict[str, Any]] = None,
                 perturb: bool = True, source: Optional[Dict[str, Any]] = None,
                 slack_bound: Optional[float] = None,
                 refine_above: float = REFINE_ABOVE) -> ValueBounds:
    """A rigorous enclosure of the optimal value of a conic problem, with its proof.

    Parameters
    ----------
    problem : cvxpy.Problem or ConicForm
        Any DCP problem cvxpy brings to zero, nonnegative, second-order and PSD cones
        (minimise or maximise; free variables, equalities, inequalities). Parameters
        must have values. It is solved here (its conic form, by ``solver``'s adapter);
        ``problem`` itself is not modified.
    solver : {"CLARABEL", "SCS", "CVXOPT", "SDPA"} (CVXOPT, SDPA: optional packages)
    solver_options : dict, optional
        Passed to the solver (e.g. tolerances); defaults as in ``idl_sdp._solvers``.
    perturb : bool
        When the solver's point cannot be proven inside the cone, move it first (the
        scaled dual correction, the primal interior direction, the dual moved inside
        K*: no re-solve), then re-solve with the cone shrunk (ε·e, ε = 1e-10 … 1e-4
        relative to the point's size, or four times the room that was missing; a side
        already proven is shrunk alongside and keeps the better of its proofs).
        ``False``: only the solver's own points are tried. A dual whose data already
        prove that it has no
        interior (a column of A in K with cost ≤ 0, :func:`column_no_room`) is not
        re-solved: every shrunk dual is infeasible.
    source : dict, optional
        Recorded in the certificate (e.g. the SDPA file name and its SHA-256).
    slack_bound : float, optional
        An *assumption* the user asserts: at an optimal point, every entry of a
        nonnegative block, the head t of every second-order block and every eigenvalue
        of every PSD block of the primal slack s = Ax + b is at most this. With it, a
        dual point that is only almost in K* still gives a finite lower bound (VSDP's
        bound: yᵀs ≥ Σ_j n_j·min(0, λ_min(Y_j))·s̄); the certificate records it and
        its lower bound is valid under it. Without it such a lower bound is −inf.
    refine_above : float
        A proven side that lies more than this (relative to max(1, abs(value))) from
        the solver's value gets one more re-solve to tighten it (default
        :data:`REFINE_ABOVE` = 4e-7: a re-solve costs about one solve; ``0`` always,
        ``inf`` never). For enclosures much tighter than that, tighter solver
        tolerances are the cheaper way: their points need fewer re-solves.

    Returns
    -------
    ValueBounds

    Notes
    -----
    Assumptions: none beyond the data, unless ``slack_bound`` is given. The upper
    bound needs a primal point with room inside K (a strictly feasible point near the
    optimum); the lower bound needs a dual point with room inside K* and equations
    whose Gram matrix is nonsingular once exact repeats are dropped. A problem whose
    primal or dual has no interior keeps that side infinite: on SDPLIB it is mostly
    the lower bound of the ill-posed problems (their duals have no interior), which
    ``slack_bound`` can make finite under the user's assumption. Exact corrections
    are limited to :data:`MAX_CORRECTION` equations.
    """
    import cvxpy as cp  # noqa: PLC0415

    if isinstance(problem, ConicForm):
        form = problem
    elif isinstance(problem, cp.Problem):
        form = conic_form(problem)
    else:
        raise TypeError(f"problem must be a cvxpy.Problem or ConicForm, got "
                        f"{type(problem).__name__}")
    if not isinstance(perturb, bool):
        raise TypeError(f"perturb must be a bool, got {type(perturb).__name__}")
    opts = dict(solver_options or {})
    if slack_bound is not None and not (isinstance(slack_bound, (int, float))
                                        and not isinstance(slack_bound, bool)
                                        and math.isfinite(slack_bound) and slack_bound > 0):
        raise ValueError(f"slack_bound must be a positive finite number, got {slack_bound!r}")
    if isinstance(refine_above, bool) or not isinstance(refine_above, (int, float)) or \
            math.isnan(refine_above) or refine_above < 0:
        raise ValueError(f"refine_above must be a number ≥ 0 (inf: never), got "
                         f"{refine_above!r}")
    return bounds_from_solution(form, solve_conic(form, solver, opts), solver, opts,
                                perturb=perturb, source=source, slack_bound=slack_bound,
                                refine_above=float(refine_above))


def bounds_from_solution(form: ConicForm, sol: ConicSolution, solver: str,
                         opts: Optional[Dict[str, Any]] = None, *, perturb: bool = True,
                         source: Optional[Dict[str, Any]] = None,
                         slack_bound: Optional[float] = None,
                         refine_above: float = REFINE_ABOVE) -> ValueBounds:
    """:func:`value_bounds` from a solution already computed by ``solve_conic(form,
    solver, opts)`` (the perturbed re-solves use the same solver and options)."""
    opts = dict(opts or {})
    E = ExactForm(form)
    reasons: Dict[str, str] = {}
    assumptions: Dict[str, float] = {}
    perturbations: Dict[str, float] = {}   # ε of the point each side was proven on
    # sides proven to have no point with room ε: side → (ε, proof)
    no_room: Dict[str, Tuple[float, SideProof]] = {}
    seconds = {"solve": sol.seconds, "resolves": 0.0}
    resolves = [0]

    def resolve(f: ConicForm, o: Dict[str, Any]) -> ConicSolution:
        """A re-solve (of a perturbed or auxiliary problem), timed and counted."""
        t1 = time.perf_counter()
        try:
            return solve_conic(f, solver, o)
        finally:
            seconds["resolves"] += time.perf_counter() - t1
            resolves[0] += 1
    cert: Dict[str, Any] = {"format": CERTIFICATE_FORMAT,
                            "format_version": CERTIFICATE_FORMAT_VERSION,
                            "kind": KIND_VALUE_BOUNDS, "form": _form_json(form),
                            "digest": form.digest(), "source": dict(source or {})}
    lo_q: Optional[Fraction] = None
    up_q: Optional[Fraction] = None
    status = "not proven"

    def both_sides():
        """Prove each side on the solver's point; for the sides that fail, re-solve once
        per ε with the cone shrunk on those sides only (the primal's by b − εe, the
        dual's by c − εAᵀe: the two are independent, so one solve serves both)."""
        t0 = time.perf_counter()
        proofs = {"primal": SideProof(None, None, "the solver returned no point"),
                  "dual": SideProof(None, None, "the solver returned no point")}
        tried: Dict[str, List[str]] = {"primal": [], "dual": []}
        firsts = {"primal": sol.x, "dual": sol.y}
        lower = functools.partial(prove_lower, slack_bound=slack_bound)
        provers = {"primal": prove_upper, "dual": lower}
        # unproven points that missed the cone by a finite amount, in the order tried
        near: Dict[str, List[np.ndarray]] = {"primal": [], "dual": []}

        roomy: Dict[str, Tuple[np.ndarray, float]] = {}   # proven point, its ε

        def attempt(side: str, point: np.ndarray) -> Tuple[SideProof, np.ndarray]:
            """Prove ``side`` on ``point``; a dual point that fails is tried once more
            moved onto Aᵀy = c in its own metric (:func:`scaled_dual_point`: no
            re-solve). Returns the proof and the point it was made on."""
            proof = provers[side](E, point)
            if proof.bound is None and 0.0 < proof.shortfall < math.inf:
                near[side].append(point)
            if proof.bound is None and side == "dual" and perturb:
                moved = _scaled_dual(E, point)
                if moved is not None:
                    alt = provers[side](E, moved[0])
                    if alt.bound is not None:
                        perturbations["lower_scaled"] = moved[1]
                        return alt, moved[0]
                    tried[side].append(f"scaled correction: {alt.reason}")
            return proof, point

        for side in provers:
            if firsts[side] is not None:
                proofs[side], pt = attempt(side, firsts[side])
                if proofs[side].bound is not None and pt is not firsts[side]:
                    roomy[side] = (pt, 0.0)      # proven on a moved point: blend, refine
            if proofs[side].bound is None:
                tried[side].append(proofs[side].reason)
        e = cone_identity(form)
        scales = _perturbation_scales(form, sol, e)
        sizes = {side: max(1.0, float(np.max(np.abs(firsts[side]), initial=0.0)))
                 if firsts[side] is not None else 1.0 for side in firsts}
        no_room.clear()
        if proofs["dual"].bound is None:
            # a column of A that proves the dual has no interior needs no re-solve (and
            # makes the re-solves with a shrunk dual cone pointless: all infeasible)
            found = column_no_room(form, E, [rel * scales["dual"] for rel in PERTURBATIONS])
            if found is not None:
                no_room["dual"] = found

        def move_inward(side: str, point_at, worst: float, cone: str, grow: bool) -> None:
            """Prove ``side`` on the solver's point moved inward by τ (no re-solve): τ
            takes room for the solver's cone violation and, with ``grow``, after a
            failed exact proof for four times what it lacked (the correction moves the
            point)."""
            short = 0.0
            for rel in PERTURBATIONS[:2]:
                tau = max(rel * scales[side], 4.0 * worst, 4.0 * short)
                proof, room_pt = attempt(side, point_at(tau))
                if proof.bound is not None:
                    perturbations["upper" if side == "primal" else "lower"] = tau
                    proofs[side] = proof
                    roomy[side] = (room_pt, tau)
                    return
                tried[side].append(f"moved inside {cone} (τ = {tau:.1e}): {proof.reason}")
                if grow and math.isfinite(proof.shortfall):
                    short = proof.shortfall

        # (a least-squares solve: only where a side still needs a move)
        d = interior_direction(form, e) if perturb and (
            proofs["primal"].bound is None or proofs["dual"].bound is None) else None
        if proofs["primal"].bound is None and sol.x is not None and perturb:
            # no re-solve first: move the solver's primal point along a direction into
            # the interior of K, where the data have one (the price: τ·cᵀd)
            if d is not None:
                worst = max(0.0, -cone_margin(form, form.A @ sol.x + form.b))
                move_inward("primal", lambda tau: sol.x + tau * d, worst, "K", True)
        # Moving y by τe gains no room when e is in the range of A (A d = e): the exact
        # correction onto Aᵀy = c removes the move again (it keeps (I − P_A)τe only).
        e_in_range = d is not None and float(np.linalg.norm(form.A @ d - e)) <= \
            1e-9 * max(1.0, float(np.linalg.norm(e)))
        if proofs["dual"].bound is None and sol.y is not None and perturb and \
                not e_in_range:
            # no re-solve first: move the solver's dual point inside K* and correct it
            worst = dual_inward(form, sol.y, 0.0)[1]
            move_inward("dual", lambda tau: dual_inward(form, sol.y, tau)[0], worst, "K*",
                        False)
        # the perturbed problems are solved as tightly as the solver can (their points
        # need room of the size of the solver's residual); the user's options win
        popts = dict(ADAPTERS[sol.solver].tolerance_options(TIGHT[sol.solver]), **opts)
        last_short = {"primal": 0.0, "dual": 0.0}   # from the last perturbed attempt
        last_eps = {"primal": 0.0, "dual": 0.0}
        split = False

        def use_resolve(side: str, alt: ConicSolution, eps_side: float) -> None:
            """Prove ``side`` from a perturbed re-solve (or that it has no room)."""
            ray = {"unbounded": ("dual", alt.x), "infeasible": ("primal", alt.y)}.get(
                alt.status, (None, None))
            if ray[0] == side and ray[1] is not None and np.all(np.isfinite(ray[1])) \
                    and side not in no_room:
                # the shrunk side has no feasible point: prove that none has room ε
                proof = prove_no_room(E, ray[1] / max(1e-300, float(np.max(
                    np.abs(ray[1])))), eps_side, side)
                if proof.bound is not None:
                    no_room[side] = (eps_side, proof)
            if not alt.status.startswith("optimal"):
                tried[side].append(f"perturbed problem (ε = {eps_side:.1e}): solver "
                                   f"{alt.raw_status}")
                return
            pt = alt.x if side == "primal" else dual_inward(form, alt.y, eps_side)[0]
            proof, pt = attempt(side, pt)
            if proof.bound is not None:
                perturbations["upper" if side == "primal" else "lower"] = eps_side
                roomy[side] = (pt, eps_side)
            else:
                tried[side].append(f"perturbed (ε = {eps_side:.1e}): {proof.reason}")
                last_short[side] = proof.shortfall if math.isfinite(proof.shortfall) \
                    else 0.0
            proofs[side] = proof

        def take_point(side: str, alt: ConicSolution, eps_side: float,
                       then_blend: bool = False) -> None:
            """Keep the proof on ``alt``'s point of ``side`` where it is better (a point
            that misses the cone becomes a near end of the blend, in ``attempt``).

            ``then_blend`` (the refining re-solve): a proven point is blended towards
            the near points like the first and the best of the proofs kept (hinf12: the
            refined point alone bounds 1.013, its blend 0.0072, where the first point's
            blend gave 0.108); an unproven one is a new near end of a blend from the
            point already proven."""
            pt = alt.x if side == "primal" else dual_inward(form, alt.y, eps_side)[0]
            proof, pt = attempt(side, pt)
            if proof.bound is None:
                if then_blend:
                    blend([side])
                return
            sign = 1 if side == "primal" else -1
            cands: List[Tuple[SideProof, Optional[float]]] = [(proof, None)]
            blended = _blend(side, proof, pt, near[side], provers[side], E) \
                if then_blend else None
            if blended is not None:
                cands.append(blended)
            best, t = min(cands, key=lambda c: sign * c[0].bound)
            if sign * (best.bound - proofs[side].bound) < 0:
                key = "upper" if side == "primal" else "lower"
                proofs[side], roomy[side] = best, (pt, eps_side)
                perturbations[key] = eps_side
                if t is None:
                    perturbations.pop(key + "_blend", None)
                else:
                    perturbations[key + "_blend"] = t

        for rel in PERTURBATIONS if perturb else ():
            # the solver's own point misses room by about its (default) tolerance; a
            # perturbed point solved tightly needs far less, so only the shortfall of a
            # perturbed attempt sets the next ε
            # ε is at least the re-solve's tolerance times the point's size (the solver's
            # own cone violation, measured to be about that) and at least 4× the room the
            # previous perturbed point lacked
            # and, after a failed attempt, at least 10× its ε (a repeated ε repeats the
            # same solve)
            eps_all = {side: max(rel * scales[side], 4.0 * last_short[side],
                                 TIGHT[sol.solver] * sizes[side], 10.0 * last_eps[side])
                       for side in proofs}
            # a side proven to have no room ε is not re-solved with an ε' ≥ ε (that
            # shrunk side is empty too; seen on qap7: two more infeasible re-solves, each
            # 6× the solve)
            failing = [side for side in proofs if proofs[side].bound is None
                       and not (side in no_room and no_room[side][0] <= eps_all[side])]
            if not failing:
                break
            eps = {side: eps_all[side] for side in failing}
            last_eps.update(eps)
            # A side already proven is shrunk too (its point is not used): a problem
            # shrunk on both sides has a solution inside both cones, whose failing side
            # the solver gets more accurately (hinf9's upper bound: 236.25 with both
            # shrunk, 237.04 then 236.26 after a refine with the primal alone).
            companions = {side: eps_all[side] for side in proofs if side not in failing
                          and proofs[side].bound is not None and side not in no_room}
            # Both sides are shrunk in one re-solve; once such a re-solve fails (an
            # ill-posed dual makes the shrunk problem empty or numerically hopeless, and
            # that loses the primal side too), each side gets a re-solve of its own.
            groups = [failing] if not split else [[side] for side in failing]
            while groups:
                group = groups.pop(0)
                shrink = {side: eps[side] for side in group}
                if not split:
                    shrink.update(companions)
                alt = resolve(_shrunk(form, e, shrink), popts)
                ray_side = {"unbounded": "dual", "infeasible": "primal"}.get(alt.status)
                if len(shrink) == 2 and not alt.status.startswith("optimal") and \
                        ray_side not in group:
                    split = True
                    for side in group:
                        tried[side].append(f"perturbed problem (ε = {eps[side]:.1e}, both "
                                           f"sides): solver {alt.raw_status}")
                    groups = [[side] for side in group]
                    continue
                for side in group:
                    use_resolve(side, alt, eps[side])
                for side in (shrink.keys() - set(group)) if alt.status.startswith(
                        "optimal") else ():
                    take_point(side, alt, shrink[side])  # a companion's point may be better
        ref = sol.objective if math.isfinite(sol.objective) else None

        def blend(sides) -> None:
            """Blend each side proven on a point with room towards the better points
            that missed the cone (:func:`_blend`)."""
            for side in sides:
                pt = roomy[side][0]
                if ref is not None and abs(float(proofs[side].bound) - ref) <= \
                        1e-9 * max(1.0, abs(ref)):
                    continue   # within 1e-9 of the solver's value already: a blend gains less
                blended = _blend(side, proofs[side], pt, near[side], provers[side], E)
                if blended is not None:
                    proofs[side], t = blended
                    perturbations[("upper" if side == "primal" else "lower") + "_blend"] = t

        blend(list(roomy))
        # A side whose (blended) bound still lies more than refine_above (relative) from
        # the solver's value (or, without a value, was proven with an ε that costs more
        # than about 1e-6 of it: ε·eᵀ(other point) ≈ ε/scale): one more re-solve at
        # ε/100 gives a point that either proves a better bound itself or, missing the
        # cone by the re-solve's small residual, is the near end of a new blend (truss2's
        # enclosure μ 5e-7 → 9e-9). Blending first spares that re-solve where the blend
        # alone gets close enough.
        def costly(side: str) -> bool:
            if ref is None:
                return roomy[side][1] / scales[side] > 1e-6
            return abs(float(proofs[side].bound) - ref) > refine_above * max(1.0, abs(ref))

        refine = {side: roomy[side][1] / 100.0 for side in roomy if perturb and costly(side)}
        if refine:
            alt = resolve(_shrunk(form, e, refine), popts)
            for side, eps_r in refine.items() if alt.status.startswith("optimal") else ():
                take_point(side, alt, eps_r, then_blend=True)
        for side in proofs:
            if proofs[side].bound is None:
                if side in no_room:
                    tried[side].append(
                        f"proven: no {side} feasible point has room ε = "
                        f"{no_room[side][0]:.1e} in its cone (the {side} is within that "
                        f"of having no interior)")
                proofs[side].reason = "; ".join(tried[side])
            else:
                no_room.pop(side, None)
        seconds["bounds"] = time.perf_counter() - t0
        return proofs["primal"], proofs["dual"]

    if sol.status in ("optimal", "optimal_inaccurate"):
        up, low = both_sides()
        if up.bound is not None:
            up_q = up.bound
            cert["upper"] = dict(up.cert, value=ceil_float(up.bound))
        else:
            reasons["upper"] = up.reason
        if low.bound is not None:
            lo_q = low.bound
            cert["lower"] = dict(low.cert, value=floor_float(low.bound))
            if "slack_bound" in low.cert:
                assumptions["slack_bound"] = float(slack_bound)
        else:
            reasons["lower"] = low.reason
        status = "bounded" if (lo_q is not None and up_q is not None) else "not proven"
    elif sol.status == "infeasible":
        t0 = time.perf_counter()
        y = sol.y / max(1e-300, float(np.max(np.abs(sol.y)))) if sol.y is not None else None
        far = prove_lower(E, y, ray=True) if y is not None else SideProof(None, None, "no ray")
        seconds["bounds"] = time.perf_counter() - t0
        if far.bound is not None:
            status = "infeasible"
            cert["farkas"] = far.cert
        else:
            reasons["infeasible"] = far.reason
    elif sol.status == "unbounded":
        t0 = time.perf_counter()
        x = sol.x / max(1e-300, float(np.max(np.abs(sol.x)))) if sol.x is not None else None
        ray = prove_ray(E, x) if x is not None else SideProof(None, None, "no ray")
        feas_form = ConicForm(np.zeros_like(form.c), 0.0, form.A, form.b, form.cones)
        feas = resolve(feas_form, opts)
        pt = prove_upper(ExactForm(feas_form), feas.x) if feas.x is not None and \
            feas.status.startswith("optimal") else SideProof(None, None, "no feasible point")
        if pt.bound is None and perturb:
            for rel in PERTURBATIONS:
                alt = resolve(_perturbed(feas_form, "primal", rel), opts)
                if alt.status.startswith("optimal"):
                    pt = prove_upper(ExactForm(feas_form), alt.x)
                    if pt.bound is not None:
                        break
        seconds["bounds"] = time.perf_counter() - t0
        if ray.bound is not None and pt.bound is not None:
            status = "unbounded"
            cert["ray"] = ray.cert
            cert["feasible"] = pt.cert
        else:
            reasons["unbounded"] = "; ".join(r for r in (ray.reason, pt.reason) if r)
    else:
        reasons["solver"] = f"solver {sol.solver} returned {sol.raw_status}"

    # canonical (minimisation) enclosure, then the user's sense
    inf = math.inf
    if status == "infeasible":
        c_lo, c_up = inf, inf
    elif status == "unbounded":
        c_lo, c_up = -inf, -inf
    else:
        c_lo = floor_float(lo_q) if lo_q is not None else -inf
        c_up = ceil_float(up_q) if up_q is not None else inf
    if form.sense == "max":
        lower, upper = -c_up, -c_lo
        reasons = {{"upper": "lower", "lower": "upper"}.get(k, k): v for k, v in reasons.items()}
    else:
        lower, upper = c_lo, c_up
    reported = sol.objective if form.sense == "min" else -sol.objective
    cert["claim"] = {"status": status, "lower": _jfloat(lower), "upper": _jfloat(upper),
                     "assumptions": {k: float(v).hex() for k, v in assumptions.items()}}
    if no_room:
        cert["no_room"] = {side: proof.cert for side, (_, proof) in no_room.items()}
        cert["claim"]["no_room"] = {side: float(eps).hex()
                                    for side, (eps, _) in no_room.items()}
    if form.sense == "max":
        flip = {"upper": "lower", "lower": "upper"}
        perturbations = {flip[k.split("_")[0]] + k[len(k.split("_")[0]):]: v
                         for k, v in perturbations.items()}
    return ValueBounds(lower, upper, status, reported, sol.solver, sol.raw_status, seconds,
                       reasons, cert, assumptions, perturbations,
                       {side: eps for side, (eps, _) in no_room.items()}, resolves[0])


def _jfloat(v: float) -> Any:
    return v if math.isfinite(v) else ("inf" if v > 0 else "-inf")
