r"""``verify``: re-check a certificate file independently of the code that made it.

Everything is recomputed here from the stored data with plain
:class:`fractions.Fraction` / integer arithmetic written for this purpose only
(the producer's elimination, float bounds and witness search are not used):

* the stored matrix is exactly symmetric and, when the float inputs are stored
  (``source``), equal to the matrix rebuilt from them for the stated condition;
* ``"certified"`` with an ``ldl`` witness: an LDLᵀ along the stored pivot order
  reproduces the stored pivots, all positive, and leaves an exactly zero Schur
  complement (full rank when strict) — hence the matrix is PSD (PD);
* ``"certified"`` with a ``cholesky`` witness (c, L): ``E = M·2^t − cI − LLᵀ``
  is computed exactly and ``c > min(‖E‖_F, ‖E‖_∞)`` proves ``λ_min(M) > 0``;
* ``"certified"`` with a ``gershgorin`` witness: the exact Gershgorin lower bound
  ``min_i (m_ii − Σ_{j≠i} |m_ij|)`` is recomputed;
* ``"certified"`` with an ``arb-eig`` witness: python-flint ball arithmetic is
  re-run (the only check that relies on a library's arithmetic);
* ``"violated"``: ``vᵀMv`` is recomputed exactly and must be ``< 0`` (``≤ 0`` with
  ``v ≠ 0`` when strict) and equal to the stored value;
* the stored ``margin`` must not exceed the bound its ``margin_proof`` proves.

An ``"undecided"`` certificate proves nothing and does not verify.
"""
from __future__ import annotations

import math
import os
from fractions import Fraction
from typing import Any, Dict, List, Optional, Tuple, Union

from .certificate import Certificate, CertificateBundle, load_certificate
from .conditions import CONDITION_TEXT
from .rational import parse_rational

__all__ = ["verify", "verify_certificate"]

Matrix = List[List[Fraction]]


class _Fail(Exception):
    """A check did not hold (message says which)."""


# ----------------------------------------------------------- small helpers
def _hexq(x: Any, where: str) -> Fraction:
    if not isinstance(x, str):
        raise _Fail(f"{where} must be a float.hex string")
    try:
        f = float.fromhex(x)
    except (ValueError, OverflowError):
        raise _Fail(f"{where} is not a float.hex string: {x[:40]!r}") from None
    if not math.isfinite(f):
        raise _Fail(f"{where} is not finite")
    return Fraction(f)


def _hex_matrix(rows: Any, where: str) -> Matrix:
    if not isinstance(rows, list) or not rows or not all(isinstance(r, list) for r in rows):
        raise _Fail(f"source field {where} must be a list of lists")
    out = [[_hexq(x, f"{where}[{i}][{j}]") for j, x in enumerate(r)] for i, r in enumerate(rows)]
    if len({len(r) for r in out}) != 1:
        raise _Fail(f"source field {where} is ragged")
    return out


def _hex_vector(v: Any, where: str) -> List[Fraction]:
    if not isinstance(v, list):
        raise _Fail(f"source field {where} must be a list")
    return [_hexq(x, f"{where}[{i}]") for i, x in enumerate(v)]


def _matmul_tn(X: Matrix, Y: Matrix) -> Matrix:
    """Xᵀ Y."""
    rows, a, b = len(X), len(X[0]), len(Y[0])
    return [[sum((X[k][i] * Y[k][j] for k in range(rows)), Fraction(0)) for j in range(b)]
            for i in range(a)]


def _core(D: Matrix, lam: List[Fraction]) -> Matrix:
    h = len(lam)
    return [[(lam[i] if i == j else 0) - lam[i] * D[i][j] - D[j][i] * lam[j]
             for j in range(h)] for i in range(h)]


def _add(X: Matrix, Y: Matrix, s: int = 1) -> Matrix:
    return [[x + s * y for x, y in zip(rx, ry)] for rx, ry in zip(X, Y)]


def _rebuild(which: str, src: Dict[str, Any]) -> Optional[Matrix]:
    """The condition matrix rebuilt from the stored float inputs, or None if not stored."""
    if which == "matrix":
        return _hex_matrix(src["matrix"], "matrix") if "matrix" in src else None
    need = {"M": ("A", "D", "lam"), "linearized": ("A", "A_ref", "D", "lam"),
            "eq5": ("D", "lam"), "schur": ("A", "D", "lam"), "norm": ("D", "eps"),
            "wellposed": ("D",)}.get(which)
    if need is None:
        raise _Fail(f"unknown condition key which={which!r}")
    if not src:
        return None
    missing = [k for k in need if k not in src]
    if missing:
        raise _Fail(f"source lacks {missing} needed to rebuild condition {which!r}")
    D = _hex_matrix(src["D"], "D")
    h = len(D)
    if len(D[0]) != h:
        raise _Fail("source D is not square")
    if which == "norm":
        t = 1 - _hexq(src["eps"], "eps")
        return [[(t if i == j else 0) for j in range(h)] + list(D[i]) for i in range(h)] + \
               [[D[j][i] for j in range(h)] + [(t if i == j else 0) for j in range(h)]
                for i in range(h)]
    if which == "wellposed":
        DtD = _matmul_tn(D, D)
        return [[(1 if i == j else 0) - DtD[i][j] for j in range(h)] for i in range(h)]
    lam = _hex_vector(src["lam"], "lam")
    if len(lam) != h:
        raise _Fail("source lam and D sizes disagree")
    core = _core(D, lam)
    if which == "eq5":
        return core
    A = _hex_matrix(src["A"], "A")
    if len(A[0]) != h:
        raise _Fail("source A and D sizes disagree")
    if which == "M":
        return _add(core, _matmul_tn(A, A))
    if which == "linearized":
        Ak = _hex_matrix(src["A_ref"], "A_ref")
        cross = _matmul_tn(Ak, A)
        crossT = [list(r) for r in zip(*cross)]
        return _add(_add(_add(core, cross), crossT), _matmul_tn(Ak, Ak), -1)
    p = len(A)  # schur
    top = [[Fraction(1 if i == j else 0) for j in range(p)] + list(A[i]) for i in range(p)]
    bottom = [[A[k][i] for k in range(p)] + core[i] for i in range(h)]
    return top + bottom


# ---------------------------------------------------------------- the proofs
def _check_ldl(M: Matrix, w: Dict[str, Any], strict: bool) -> Fraction:
    """Redo LDLᵀ along the stored order; return det of the pivoted block."""
    n = len(M)
    order, rank = w["order"], w["rank"]
    if len(set(order)) != len(order) or not all(0 <= i < n for i in order):
        raise _Fail("ldl witness: 'order' is not a list of distinct row indices")
    if strict and rank != n:
        raise _Fail(f"ldl witness: rank {rank} < {n}, but strict definiteness is claimed")
    S = [row[:] for row in M]
    rest = [i for i in range(n) if i not in set(order)]
    active = list(order) + rest
    det = Fraction(1)
    for k, pk in enumerate(order):
        d = S[pk][pk]
        stored = parse_rational(w["pivots"][k], "pivot")
        if d != stored:
            raise _Fail(f"ldl witness: pivot {k} is {d}, not the stored {stored}")
        if d <= 0:
            raise _Fail(f"ldl witness: pivot {k} = {d} is not positive")
        det *= d
        later = active[k + 1:]
        col = {i: S[i][pk] / d for i in later}
        for i in later:
            ci = col[i]
            if ci:
                Si, Spk = S[i], S[pk]
                for j in later:
                    Si[j] -= ci * Spk[j]
    for i in rest:
        for j in rest:
            if S[i][j] != 0:
                raise _Fail("ldl witness: the Schur complement after the stored pivots "
                            f"is not zero (entry ({i}, {j}) = {S[i][j]})")
    return det


def _cholesky_bound(M: Matrix, w: Dict[str, Any]) -> Fraction:
    """Proven lower bound on λ_min(M) from (t, c, L): (c − min(‖E‖_F, ‖E‖_∞)) / 2^t."""
    n = len(M)
    t = w["scale_exponent"]
    if abs(t) > 1 << 16:
        raise _Fail("cholesky witness: scale_exponent out of range")
    c = parse_rational(w["shift"], "shift")
    L = [[parse_rational(x, "L") for x in row] for row in w["L"]]
    # integers: L = Li / 2^k
    k = max((q.denominator.bit_length() - 1 for row in L for q in row), default=0)
    if any(q.denominator & (q.denominator - 1) for row in L for q in row):
        raise _Fail("cholesky witness: L entries must be binary floats")
    Li = [[int(q * (1 << k)) for q in row] + [0] * (n - len(row)) for row in L]
    scale = Fraction(2) ** t
    den = 1 << (2 * k)
    E = []
    for i in range(n):
        ri = Li[i]
        row = []
        for j in range(n):
            rj = Li[j]
            m = min(i, j) + 1
            llt = sum(ri[q] * rj[q] for q in range(m))
            row.append(M[i][j] * scale - (c if i == j else 0) - Fraction(llt, den))
        E.append(row)
    # λ_min(M·2^t) = λ_min(cI + LLᵀ + E) ≥ c − ‖E‖₂ ≥ c − min(‖E‖_∞, ‖E‖_F)
    inf_norm = max(sum(abs(x) for x in row) for row in E)
    return (c - min(inf_norm, _sqrt_upper(sum(x * x for row in E for x in row)))) / scale


def _sqrt_upper(q: Fraction) -> Fraction:
    """A rational r ≥ √q, within about 2^-100 relative (q ≥ 0)."""
    if q == 0:
        return Fraction(0)
    e = (200 - (q.numerator.bit_length() - q.denominator.bit_length())) // 2
    X = q * Fraction(4) ** e  # ≈ 2^200
    s = math.isqrt(X.numerator // X.denominator)  # s ≤ √⌊X⌋, and X < (s + 1)²
    return Fraction(s + 1) / Fraction(2) ** e


def _arb_bound(M: Matrix, prec: int) -> Fraction:
    try:
        import flint  # noqa: PLC0415
    except ImportError:
        raise _Fail("arb-eig proof needs python-flint to re-check") from None
    if not 53 <= prec <= 4096:
        raise _Fail("arb-eig proof: prec out of range")
    old = flint.ctx.prec
    try:
        flint.ctx.prec = prec
        n = len(M)
        A = flint.arb_mat(n, n, [flint.arb(flint.fmpq(q.numerator, q.denominator))
                                 for row in M for q in row])
        eig = A.eig(multiple=True)
        if len(eig) != n:
            raise _Fail("arb-eig proof: the enclosure failed on re-check")
        lows = []
        for e in eig:
            man, exp = e.real.lower().mid().man_exp()
            lows.append(Fraction(int(man)) * Fraction(2) ** int(exp))
        return min(lows)
    except _Fail:
        raise
    except Exception as exc:
        raise _Fail(f"arb-eig proof: re-check failed ({exc})") from None
    finally:
        flint.ctx.prec = old


def _gershgorin(M: Matrix) -> Fraction:
    n = len(M)
    return min(M[i][i] - sum(abs(M[i][j]) for j in range(n) if j != i) for i in range(n))


def _status_bound(M: Matrix, w: Dict[str, Any], strict: bool) -> Tuple[Fraction, Optional[Fraction]]:
    """Check a certified witness. Returns (proven λ_min lower bound, det if ldl/PD)."""
    kind = w["kind"]
    if kind == "ldl":
        det = _check_ldl(M, w, strict)
        return Fraction(0), det if w["rank"] == len(M) else None
    if kind == "cholesky":
        return _cholesky_bound(M, w), None
    if kind == "arb-eig":
        return _arb_bound(M, w["prec"]), None
    if kind == "gershgorin":
        return _gershgorin(M), None
    raise _Fail(f"a 'certified' certificate cannot rest on a {kind!r} witness")


def _floor_ok(margin: float, proven: Fraction) -> bool:
    return Fraction(margin) <= proven


def verify_certificate(cert: Certificate) -> Tuple[bool, str]:
    """Re-check a loaded :class:`Certificate`; see :func:`verify`."""
    try:
        return True, _verify(cert)
    except _Fail as exc:
        return False, f"{cert.which}: FAILS — {exc}"
    except (ArithmeticError, ValueError) as exc:
        # A tampered proof can hold numbers no genuine one has (e.g. an entry of
        # 1.8e308 whose square overflows a float bound): it proves nothing.
        return False, f"{cert.which}: FAILS — the proof data cannot be evaluated ({exc})"


def _verify(cert: Certificate) -> str:
    M = cert.matrix.to_fractions()
    n = len(M)
    strict = cert.strict
    if cert.which == "wellposed" and not strict:
        raise _Fail("condition 'wellposed' requires strict definiteness, but strict is false")
    if cert.which not in ("wellposed", "matrix") and strict:
        raise _Fail(f"condition {cert.which!r} is not strict, but strict is true")
    expected = CONDITION_TEXT.get(
        "matrix-strict" if (cert.which == "matrix" and strict) else cert.which)
    if expected is None or not cert.condition.startswith(expected):
        raise _Fail(f"condition text {cert.condition!r} does not state condition "
                    f"{cert.which!r}")
    for i in range(n):
        for j in range(i + 1, n):
            if M[i][j] != M[j][i]:
                raise _Fail(f"the stored matrix is not symmetric at ({i}, {j})")
    rebuilt = _rebuild(cert.which, cert.source)
    if rebuilt is not None and rebuilt != M:
        raise _Fail("the stored matrix differs from the one rebuilt from the stored inputs")

    if cert.status == "undecided":
        raise _Fail("the certificate is 'undecided': it proves nothing")
    status_lb: Optional[Fraction] = None
    det: Optional[Fraction] = None
    w = cert.witness
    if w is None:
        raise _Fail(f"a {cert.status!r} certificate must carry a witness")
    if cert.status == "certified":
        status_lb, det = _status_bound(M, w, strict)
        if status_lb < 0 or (strict and status_lb == 0 and det is None):
            raise _Fail(f"the witness proves only λ_min ≥ {float(status_lb):.3e}")
        verdict = ("positive definite" if strict or det is not None or status_lb > 0
                   else "positive semidefinite")
    else:  # violated
        if w["kind"] != "vector":
            raise _Fail("a 'violated' certificate must carry a vector witness")
        v = [parse_rational(x, "v") for x in w["v"]]
        if not any(v):
            raise _Fail("the witness vector is zero")
        val = sum(v[i] * sum(M[i][j] * v[j] for j in range(n) if v[j]) for i in range(n) if v[i])
        if val != parse_rational(w["value"], "value"):
            raise _Fail(f"vᵀMv = {val}, not the stored value")
        if val > 0 or (val == 0 and not strict):
            raise _Fail(f"vᵀMv = {float(val):.6g} is not negative")
        verdict = f"violated: exact vᵀMv = {float(val):.6g}"

    if cert.margin is not None:
        mp = cert.margin_proof
        if mp is None:
            raise _Fail("a margin is stated without a margin_proof")
        kind = mp["kind"]
        if kind == "psd" or kind == "witness":
            if cert.status != "certified":
                raise _Fail(f"margin_proof {kind!r} needs a certified status")
            proven = status_lb
        elif kind == "gershgorin":
            proven = _gershgorin(M)
        elif kind == "determinant":
            if det is None:
                raise _Fail("margin_proof 'determinant' needs a full-rank ldl witness")
            norm_inf = max(sum(abs(x) for x in row) for row in M)
            proven = det / norm_inf ** (n - 1) if n > 1 else det
        elif kind == "cholesky":
            proven = _cholesky_bound(M, mp)
        elif kind == "arb-eig":
            proven = _arb_bound(M, mp["prec"])
        else:
            raise _Fail(f"margin_proof kind {kind!r} is not a lower-bound proof")
        if not _floor_ok(cert.margin, proven):
            raise _Fail(f"the stated margin {cert.margin!r} exceeds the proven bound "
                        f"{float(proven):.6g}")
        verdict += f"; λ_min ≥ {cert.margin:.6g}"
    if cert.status == "certified":
        verdict = f"certified {verdict}"
    return f"{cert.which}: holds — {verdict} ({cert.condition})"


def verify(path: Union[str, os.PathLike]) -> Tuple[bool, str]:
    """Re-check a certificate (or bundle) file in exact arithmetic.

    Parameters
    ----------
    path : str or os.PathLike
        A file written by :meth:`Certificate.to_json` or :meth:`CertificateBundle.to_json`.

    Returns
    -------
    (bool, str)
        ``True`` only if every claim in the file holds; a one-line verdict.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not a well-formed certificate (truncated or corrupted JSON,
        wrong format version, a field missing or of the wrong type); the message
        names the field.
    """
    obj = load_certificate(path)
    if isinstance(obj, CertificateBundle):
        results = [verify_certificate(c) for c in obj.values()]
        ok = all(r[0] for r in results)
        fails = [m for good, m in results if not good]
        msg = (f"bundle of {len(results)}: all hold" if ok
               else f"bundle of {len(results)}: {len(fails)} fail — " + "; ".join(fails))
        return ok, msg
    return verify_certificate(obj)
