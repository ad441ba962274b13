r"""``certify``: decide ``matrix ⪰ 0`` rigorously and package the proof.

Decision pipeline for a matrix of order n (``method="auto"``):

1. ``n ≤ exact_max_size`` (default :data:`~idl_sdp.certify.exact.EXACT_MAX_SIZE` = 60):
   exact rational LDLᵀ (:func:`~idl_sdp.certify.exact.exact_ldl`) — decides every case,
   including singular PSD matrices and indefinite ones with tiny negative eigenvalues.
   A matrix whose diagonal spans a wide range is first brought to a well-scaled
   ``S M S`` with ``S`` a diagonal of powers of two (same inertia;
   :func:`~idl_sdp.certify.exact.diagonal_scaling`), and the witness stores ``S``.
2. Larger n: exact Gershgorin discs (diagonal dominance) with a positive bound, a
   float Cholesky ``LLᵀ ≈ M·2^t − cI`` for a few shifts ``0 < c < λ_min``, accepted as
   soon as the exact residual bound
   (:func:`~idl_sdp.certify.floating.exact_residual_bound`:
   ``λ_min ≥ (c − ‖M·2^t − cI − LLᵀ‖) / 2^t``, assumption-free) is positive — Rump's
   a-priori bound is not required, it is only recorded; if no shift proves
   ``λ_min > 0``, a float eigenvector rounded to rationals with exact ``vᵀMv < 0``;
   then Gershgorin with a zero bound (PSD, not strict); then exact LDLᵀ if
   ``n ≤ fallback_max_size`` (default 120); otherwise ``"undecided"``.

``method="arb"`` instead encloses all eigenvalues in ball arithmetic (python-flint
``arb_mat.eig``, 128 then 256 bits): it certifies positive definite matrices whose
λ_min is far below float resolution, but it cannot certify a singular PSD matrix
and becomes slow (tens of seconds) beyond order ~100 with clustered eigenvalues,
so ``"auto"`` does not use it.

"certified" is only said with a proof that :func:`~idl_sdp.certify.verify` re-checks
exactly; "violated" only with a rational ``v`` whose ``vᵀMv`` is negative in exact
arithmetic.
"""
from __future__ import annotations

import math
import time
from fractions import Fraction
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from .._validation import check_choice, check_lam, check_positive_int
from .certificate import Certificate, CertificateBundle
from .conditions import CONDITIONS, ConditionMatrix, build_condition, matrix_condition
from .exact import EXACT_MAX_SIZE, LDLResult, diagonal_scaling, exact_ldl, schur_witness
from .floating import (
    FloatView, arb_eigen_bounds, cholesky_bound, eigenvector_witness, exact_residual_bound,
)
from .rational import ExactMatrix, floor_float, ceil_float, format_rational

__all__ = ["certify", "certify_matrix", "METHODS", "WHICH_CHOICES"]

#: Accepted values of ``method``.
METHODS = ("auto", "exact", "cholesky", "arb")
#: Accepted values of ``which`` for a model.
WHICH_CHOICES = CONDITIONS + ("all",)

_Proof = Tuple[Fraction, Dict[str, Any]]


# ------------------------------------------------------------------ proofs
def _cholesky_dict(view: FloatView, shift: float, L: np.ndarray) -> Dict[str, Any]:
    return {
        "kind": "cholesky",
        "scale_exponent": view.t,
        "shift": format_rational(Fraction(*float(shift).as_integer_ratio())),
        "L": [[float(L[i, j]).hex() for j in range(i + 1)] for i in range(L.shape[0])],
    }


def _shift_candidates(view: FloatView) -> List[float]:
    """Shifts c (scaled domain) just below the float estimate of λ_min.

    First ``λ̃ − noise`` variants (a shift the float Cholesky surely survives), then,
    for a positive estimate ``λ̃`` below the noise level, fractions of ``λ̃`` itself:
    the float eigenvalue of a tiny λ_min is often far more accurate than the norm-wise
    noise estimate, and the exact residual bound decides whether the shift proves it.
    """
    n = view.M.order
    lam = float(view.eigvals[0])
    noise = 8.0 * (n + 1) * 2.0 ** -53 * max(1.0, float(np.max(np.abs(view.eigvals))))
    out = []
    for rel in (0.0, 2.0 ** -20, 2.0 ** -8, 0.5):
        for mult in (1.0, 16.0):
            c = lam - abs(lam) * rel - noise * mult
            if c not in out:
                out.append(c)
    if lam > 0:
        for frac in (1 - 2.0 ** -4, 0.5, 0.125):
            c = lam * frac
            if c > 0 and c not in out:
                out.append(c)
    return out


#: At most this many successful shifted factorizations are tried for a proof.
_MAX_CHOLESKY_TRIES = 4


def _cholesky_proofs(view: FloatView, need_positive: bool, first_only: bool = True):
    """Yield ``(apriori_lb, residual_lb, shift, L)`` for successful shifted Choleskys.

    With ``need_positive`` only shifts ``c > 0`` are tried (a positive residual bound
    needs ``c > 0``), at most :data:`_MAX_CHOLESKY_TRIES` successful ones.
    """
    tries = 0
    for c in _shift_candidates(view):
        if need_positive and c <= 0:
            continue
        proof = cholesky_bound(view, c)
        if proof is None:
            continue
        resid = exact_residual_bound(view.M, view.t, Fraction(*c.as_integer_ratio()), proof.L)
        yield proof.lower_bound, resid, c, proof.L
        tries += 1
        if first_only or tries >= _MAX_CHOLESKY_TRIES:
            return


def _gershgorin(M: ExactMatrix) -> Fraction:
    n = M.order
    return min(Fraction(int(M.num[i, i]) - sum(abs(int(M.num[i, j])) for j in range(n) if j != i),
                        M.den) for i in range(n))


def _determinant_bound(M: ExactMatrix, res: LDLResult,
                       scaling: Optional[List[int]] = None) -> Optional[Fraction]:
    """λ_min ≥ det M / ‖M‖_∞^(n−1) for a positive definite M (product of the pivots).

    ``res`` may be the elimination of ``S M S`` with ``S = diag(2^scaling)``; then
    ``det M = det(S M S) / 4^Σe``.
    """
    n = M.order
    if not res.psd or res.rank != n:
        return None
    det = Fraction(1)
    for p in res.pivots:
        det *= p
    if scaling is not None:
        det /= Fraction(2) ** (2 * sum(scaling))
    norm_inf = Fraction(max(sum(abs(int(x)) for x in row) for row in M.num), M.den)
    return det / norm_inf ** (n - 1) if n > 1 else det


def _best_margin(view: FloatView, candidates: List[_Proof]) -> Tuple[Optional[float], Optional[Dict]]:
    candidates = list(candidates)
    for _, resid, c, L in _cholesky_proofs(view, need_positive=False):
        candidates.append((resid, _cholesky_dict(view, c, L)))
    candidates = [(v, p) for v, p in candidates if math.isfinite(floor_float(v))]
    if not candidates:
        return None, None
    value, proof = max(candidates, key=lambda vp: vp[0])
    return floor_float(value), proof


def _vector_witness(v: List[Fraction], val: Fraction) -> Dict[str, Any]:
    return {"kind": "vector", "v": [format_rational(x) for x in v], "value": format_rational(val)}


# ---------------------------------------------------------------- decision
def _decide(cm: ConditionMatrix, method: str, exact_max_size: int,
            fallback_max_size: int) -> Certificate:
    M, strict, n = cm.matrix, cm.strict, cm.matrix.order
    t0 = time.perf_counter()
    view = FloatView.of(M)
    try:
        est = view.lambda_min_estimate()
    except OverflowError:  # |λ̃|·2^-t beyond the float range (informational only)
        est = math.inf
    details: Dict[str, Any] = {"lambda_min_estimate": est if math.isfinite(est) else None,
                               "order": n}
    gersh: _Proof = (_gershgorin(M), {"kind": "gershgorin"})
    notes: List[str] = []

    def done(status, meth, witness, margin_cands, extra_margin=None):
        margin, mproof = _best_margin(view, margin_cands)
        if (extra_margin is not None and math.isfinite(extra_margin[0])
                and (margin is None or extra_margin[0] > margin)):
            margin, mproof = extra_margin
        if status == "violated" and witness and witness.get("kind") == "vector":
            vv = sum(x * x for x in (Fraction(s) for s in witness["v"]))
            upper = ceil_float(Fraction(witness["value"]) / vv)
            details["lambda_min_upper"] = upper if math.isfinite(upper) else None
        details["seconds"] = time.perf_counter() - t0
        if notes:
            details["notes"] = notes
        return Certificate(status, cm.condition, cm.which, meth, margin, witness, M, strict,
                           mproof, dict(cm.source), details)

    def run_exact():
        scaling = diagonal_scaling(M)  # None unless the diagonal spans a wide range
        Ms = M if scaling is None else M.congruence_pow2(scaling)
        t_ldl = time.perf_counter()
        res = exact_ldl(Ms)
        details["ldl_seconds"] = time.perf_counter() - t_ldl
        if res.psd and (res.rank == n or not strict):
            cands = [gersh, (Fraction(0), {"kind": "psd"})]
            det = _determinant_bound(M, res, scaling)
            if det is not None:
                cands.append((det, {"kind": "determinant"}))
            witness = {"kind": "ldl", "order": list(res.order), "rank": res.rank,
                       "pivots": [format_rational(p) for p in res.pivots]}
            if scaling is not None:  # the LDLᵀ is of diag(2^e) M diag(2^e)
                witness["scaling"] = list(scaling)
            return done("certified", "exact-ldl", witness, cands)
        found = eigenvector_witness(view, strict)
        if found is None:
            v = schur_witness(Ms, res, res.remaining[0] if res.psd else None)
            if scaling is not None:  # (Sv)ᵀ M (Sv) = vᵀ (SMS) v
                v = [q * Fraction(2) ** e for q, e in zip(v, scaling)]
                big = max(abs(q) for q in v)
                v = [q / big for q in v]
            found = (v, M.quad_form(v))
        return done("violated", "exact-ldl", _vector_witness(*found), [gersh])

    if method == "exact" or (method == "auto" and n <= exact_max_size):
        return run_exact()

    def by_gershgorin():  # exact diagonal dominance
        return done("certified", "gershgorin", {"kind": "gershgorin"}, [],
                    (floor_float(gersh[0]), {"kind": "witness"}))

    if gersh[0] > 0:
        return by_gershgorin()
    if method in ("auto", "cholesky"):
        for apriori, resid, c, L in _cholesky_proofs(view, need_positive=True,
                                                     first_only=False):
            # The exact residual bound alone is a complete proof (and what verify
            # re-checks); Rump's a-priori bound is informational.
            if resid > 0 and floor_float(resid) > 0:
                rump = floor_float(apriori)
                details["rump_apriori_bound"] = rump if math.isfinite(rump) else None
                proof = _cholesky_dict(view, c, L)
                return done("certified", "cholesky", proof, [gersh],
                            (floor_float(resid), {"kind": "witness"}))
        notes.append("no shifted float Cholesky gave a positive exact residual bound")
        found = eigenvector_witness(view, strict)
        if found is not None:
            return done("violated", "eigenvector", _vector_witness(*found), [gersh])
    if method == "arb":
        for prec in (128, 256):
            enc = arb_eigen_bounds(M, prec)
            if enc is None:
                notes.append(f"ball-arithmetic eigenvalue enclosure failed at {prec} bits")
                continue
            lo, hi = enc
            if lo > 0 or (lo == 0 and not strict):
                return done("certified", "arb-eig", {"kind": "arb-eig", "prec": prec}, [gersh],
                            (floor_float(lo), {"kind": "witness"}))
            if hi < 0:
                found = eigenvector_witness(view, strict, tries=n)
                if found is not None:
                    return done("violated", "eigenvector", _vector_witness(*found), [gersh],
                                (floor_float(lo), {"kind": "arb-eig", "prec": prec}))
                notes.append("ball arithmetic proves an eigenvalue < 0 but no float "
                             "eigenvector gave a rational witness")
                break
        found = eigenvector_witness(view, strict)
        if found is not None:
            return done("violated", "eigenvector", _vector_witness(*found), [gersh])
    if gersh[0] == 0 and not strict:
        return by_gershgorin()
    if method == "auto" and n <= fallback_max_size:
        return run_exact()
    notes.append(f"order {n}: no method at the configured cost decided it "
                 "(try method='exact')")
    return done("undecided", "none", None, [gersh])


# -------------------------------------------------------------------- API
def certify_matrix(cm: ConditionMatrix, *, method: str = "auto",
                   exact_max_size: int = EXACT_MAX_SIZE,
                   fallback_max_size: int = 2 * EXACT_MAX_SIZE) -> Certificate:
    """Certify an already formed :class:`~idl_sdp.certify.conditions.ConditionMatrix`."""
    return _decide(cm, method, exact_max_size, fallback_max_size)


def certify(
    matrix_or_model: Any,
    *,
    lam: Any = None,
    eps: Any = None,
    which: Union[None, str, Sequence[str]] = None,
    method: str = "auto",
    A_ref: Any = None,
    strict: bool = False,
    exact_max_size: int = EXACT_MAX_SIZE,
    fallback_max_size: int = 2 * EXACT_MAX_SIZE,
) -> Union[Certificate, CertificateBundle]:
    r"""Rigorously certify (or refute) positive semidefiniteness of an LMI.

    Parameters
    ----------
    matrix_or_model : ImplicitModel or array_like of shape (n, n)
        A model (its condition ``which`` is formed in exact arithmetic from the
        stored float entries of A, D, λ) or a plain symmetric float matrix,
        certified as given (``matrix ⪰ 0``; ``≻ 0`` with ``strict=True``).
    lam : float or array_like of shape (h,), optional
        Multipliers λ ≥ 0 (model only; needed by ``"M"``, ``"linearized"``, ``"eq5"``,
        ``"schur"``).
    eps : float, optional
        ``0 ≤ eps < 1`` for ``which="norm"`` (model only).
    which : str, optional
        For a model: ``"M"`` (default; M = AᵀA + Λ − ΛD − DᵀΛ ⪰ 0, the X-step is
        convex), ``"linearized"``, ``"eq5"``, ``"schur"`` (sign-corrected
        [[I_p, A], [Aᵀ, Λ − ΛD − DᵀΛ]] ⪰ 0), ``"norm"`` (‖D‖₂ ≤ 1 − eps),
        ``"wellposed"`` (‖D‖₂ < 1, i.e. I − DᵀD ≻ 0 strictly) or ``"all"`` (each of
        them that the given arguments allow; returns a :class:`CertificateBundle`),
        or a sequence of these names (a :class:`CertificateBundle` of exactly those).
        Must be omitted for a plain matrix.
    method : {"auto", "exact", "cholesky", "arb"}
        ``"auto"``: exact rational LDLᵀ up to order ``exact_max_size`` (default 60);
        beyond, a float Cholesky of M − cI with Rump's rigorous rounding-error bound
        and a float eigenvector rounded to rationals, then exact LDLᵀ again up to
        ``fallback_max_size`` (default 120) when those do not decide.
        ``"exact"``: always exact LDLᵀ (decides every case; big-integer cost growing
        faster than n³). ``"cholesky"``: the float methods only. ``"arb"``:
        ball-arithmetic eigenvalue enclosures (python-flint), then the float witness.
    A_ref : array_like of shape (p, h), optional
        The reference A_k of the linearized LMI (default: the model's A).
    strict : bool
        Plain matrix only: require ``≻ 0``.
    exact_max_size, fallback_max_size : int
        The size limits described under ``method``.

    Returns
    -------
    Certificate or CertificateBundle
        ``.status`` is ``"certified"`` (a proof is attached), ``"violated"`` (a
        rational v with exact vᵀMv < 0 is attached) or ``"undecided"``;
        ``.margin`` is a proven lower bound on λ_min (rounded down).

    Raises
    ------
    TypeError, ValueError
        For invalid arguments; the message names the argument.
    """
    from ..model import ImplicitModel  # local: keeps the import graph acyclic

    method = check_choice(method, "method", METHODS)
    exact_max_size = check_positive_int(exact_max_size, "exact_max_size", minimum=0)
    fallback_max_size = check_positive_int(fallback_max_size, "fallback_max_size", minimum=0)
    if not isinstance(strict, (bool, np.bool_)):
        raise TypeError(f"strict must be a bool, got {type(strict).__name__}")
    kw = dict(method=method, exact_max_size=exact_max_size, fallback_max_size=fallback_max_size)
    if isinstance(matrix_or_model, ImplicitModel):
        if strict:
            raise ValueError("strict applies to a plain matrix; for a model choose `which` "
                             "(e.g. which='wellposed' is strict)")
        if lam is not None:  # validated even where the condition does not use it
            check_lam(lam, matrix_or_model.n_hidden)
        if isinstance(which, (list, tuple)):
            names = [check_choice(w, "which", CONDITIONS) for w in which]
            if not names:
                raise ValueError("which must name at least one condition, got an empty sequence")
            return CertificateBundle({
                k: certify_matrix(build_condition(matrix_or_model, k, lam, eps, A_ref), **kw)
                for k in names})
        which = "M" if which is None else check_choice(which, "which", WHICH_CHOICES)
        if which != "all":
            return certify_matrix(build_condition(matrix_or_model, which, lam, eps, A_ref), **kw)
        keys = [k for k in CONDITIONS
                if (k != "linearized" or A_ref is not None)
                and (k != "norm" or eps is not None)
                and (lam is not None or k in ("norm", "wellposed"))]
        return CertificateBundle({
            k: certify_matrix(build_condition(matrix_or_model, k, lam, eps, A_ref), **kw)
            for k in keys})
    for name, val in (("lam", lam), ("eps", eps), ("which", which), ("A_ref", A_ref)):
        if val is not None:
            raise ValueError(f"{name} only applies when certifying an ImplicitModel; "
                             "a plain matrix is certified as given")
    return certify_matrix(matrix_condition(matrix_or_model, "matrix_or_model", bool(strict)),
                          **kw)
