r"""Independent exact re-check of a ``value_bounds`` certificate.

Written separately from :mod:`idl_sdp.certify.bounds` (which produced it): only the
stored data, points and proofs are read; every quantity of the proof is recomputed
with Python integers and :class:`fractions.Fraction` (python-flint's ``fmpz_mat`` is
used only to multiply integer matrices, an exact operation). What is checked:

* the form (c, d, A, b, cones, sense) is well formed; its digest is recomputed (and,
  when an object is given, the form rebuilt from it must equal the stored one);
* each PSD block's rows come in equal (i, j)/(j, i) pairs, so primal slacks and dual
  points are exactly symmetric matrices;
* a correction (w̃, Cholesky proof of λ_min(G) ≥ g > 0 for the Gram matrix G of the
  equations): ρ ≥ ‖r − Gw̃‖₂ and η = ρ/g are recomputed;
* every cone block of the corrected point lies in K (primal) or K* (dual) with room
  for the perturbation the correction may still make; PSD blocks by their Cholesky
  proofs (λ_min ≥ (c − ‖M·2^t − cI − LLᵀ‖)/2^t);
* the bound recomputed from these is at least as strong as the claimed float
  (upper ≥ proven upper, lower ≤ proven lower), and the claimed status follows.
"""
from __future__ import annotations

import hashlib
import math
from fractions import Fraction
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

__all__ = ["check_value_bounds"]

SQRT2_UP = Fraction(141421357, 100000000)


class BoundsCheckError(Exception):
    """The certificate does not prove what it claims."""


def _fail(msg: str):
    raise BoundsCheckError(msg)


def _hexf(s: Any, where: str) -> Fraction:
    if not isinstance(s, str):
        _fail(f"{where}: expected a hex float string")
    try:
        v = float.fromhex(s)
    except (ValueError, OverflowError):
        _fail(f"{where}: not a hex float: {s[:40]!r}")
    if not math.isfinite(v):
        _fail(f"{where}: not finite")
    return Fraction(v)


def _ints(vals: List[Fraction]) -> Tuple[List[int], int]:
    """Dyadic rationals as ints over 2**k."""
    k = 0
    for q in vals:
        d = q.denominator
        if d & (d - 1):
            _fail("internal: a non-dyadic value where a float was expected")
        k = max(k, d.bit_length() - 1)
    return [int(q * (1 << k)) for q in vals], k


class _Vec:
    def __init__(self, num: List[int], k: int):
        self.num, self.k = num, k

    @classmethod
    def hexes(cls, arr: Any, n: int, where: str) -> "_Vec":
        if not isinstance(arr, list) or len(arr) != n:
            _fail(f"{where}: expected {n} entries")
        return cls(*_ints([_hexf(s, where) for s in arr]))

    def plus(self, o: "_Vec", sign: int = 1) -> "_Vec":
        k = max(self.k, o.k)
        return _Vec([(a << (k - self.k)) + sign * (b << (k - o.k))
                     for a, b in zip(self.num, o.num, strict=True)], k)

    def dot(self, o: "_Vec") -> Fraction:
        return Fraction(sum(a * b for a, b in zip(self.num, o.num, strict=True)), 1 << (self.k + o.k))

    def norm_up(self) -> Fraction:
        return _sqrt_up(Fraction(sum(a * a for a in self.num), 1 << (2 * self.k)))

    def at(self, i: int) -> Fraction:
        return Fraction(self.num[i], 1 << self.k)


class _CSR:
    def __init__(self, rows: int, cols: int, indptr, indices, vals: List[int], k: int):
        self.rows, self.cols = rows, cols
        self.indptr, self.indices, self.vals, self.k = indptr, indices, vals, k

    def sub(self, lo: int, hi: int) -> "_CSR":
        a, b = self.indptr[lo], self.indptr[hi]
        return _CSR(hi - lo, self.cols, [p - a for p in self.indptr[lo:hi + 1]],
                    self.indices[a:b], self.vals[a:b], self.k)

    def mv(self, x: _Vec) -> _Vec:
        out = []
        for i in range(self.rows):
            out.append(sum(self.vals[p] * x.num[self.indices[p]]
                           for p in range(self.indptr[i], self.indptr[i + 1])))
        return _Vec(out, self.k + x.k)

    def tmv(self, y: _Vec) -> _Vec:
        out = [0] * self.cols
        for i in range(self.rows):
            yi = y.num[i]
            if yi:
                for p in range(self.indptr[i], self.indptr[i + 1]):
                    out[self.indices[p]] += self.vals[p] * yi
        return _Vec(out, self.k + y.k)

    def fro_up(self, lo: int = 0, hi: Optional[int] = None) -> Fraction:
        hi = self.rows if hi is None else hi
        a, b = self.indptr[lo], self.indptr[hi]
        return _sqrt_up(Fraction(sum(v * v for v in self.vals[a:b]), 1 << (2 * self.k)))

    def row_up(self, i: int) -> Fraction:
        a, b = self.indptr[i], self.indptr[i + 1]
        return _sqrt_up(Fraction(sum(v * v for v in self.vals[a:b]), 1 << (2 * self.k)))

    def gram_cols(self) -> Tuple[List[List[int]], int]:
        """AᵀA as ints over 2**(2k)."""
        G = [[0] * self.cols for _ in range(self.cols)]
        for i in range(self.rows):
            idx = range(self.indptr[i], self.indptr[i + 1])
            for p in idx:
                a, va = self.indices[p], self.vals[p]
                for q in idx:
                    G[a][self.indices[q]] += va * self.vals[q]
        return G, 2 * self.k

    def gram_rows(self) -> Tuple[List[List[int]], int]:
        """AAᵀ as ints over 2**(2k)."""
        rowmaps = [{self.indices[p]: self.vals[p]
                    for p in range(self.indptr[i], self.indptr[i + 1])}
                   for i in range(self.rows)]
        G = [[sum(v * rowmaps[j].get(c, 0) for c, v in rowmaps[i].items())
              for j in range(self.rows)] for i in range(self.rows)]
        return G, 2 * self.k


def _sqrt_up(q: Fraction) -> Fraction:
    if q < 0:
        _fail("internal: square root of a negative number")
    if q == 0:
        return Fraction(0)
    e = (140 - (q.numerator.bit_length() - q.denominator.bit_length())) // 2
    X = q * Fraction(4) ** e if e >= 0 else q / Fraction(4) ** (-e)
    s = math.isqrt(X.numerator // X.denominator) + 1
    return Fraction(s, 1) / Fraction(2) ** e if e >= 0 else Fraction(s) * Fraction(2) ** (-e)


def _intmul(X: List[List[int]], Y: List[List[int]]) -> List[List[int]]:
    try:
        import flint  # noqa: PLC0415
        return [[int(v) for v in row] for row in (flint.fmpz_mat(X) * flint.fmpz_mat(Y)).tolist()]
    except ImportError:  # pragma: no cover
        arr = np.array(X, dtype=object) @ np.array(Y, dtype=object)
        return [[int(v) for v in row] for row in arr]


def _psd_bound(Mnum: List[List[int]], kM: int, proof: Any, where: str) -> Fraction:
    """λ_min(M) ≥ (c − min(‖E‖_F, ‖E‖_∞))/2^t, E = M·2^t − cI − LLᵀ (M = Mnum/2^kM)."""
    if not isinstance(proof, dict) or set(proof) != {"t", "shift", "L"}:
        _fail(f"{where}: a PSD proof has fields t, shift, L")
    n = len(Mnum)
    t = proof["t"]
    if not isinstance(t, int) or isinstance(t, bool) or abs(t) > 1 << 14:
        _fail(f"{where}: t must be an integer of moderate size")
    try:
        c = Fraction(proof["shift"])
    except (ValueError, TypeError, ZeroDivisionError):
        _fail(f"{where}: shift is not a rational")
    L = proof["L"]
    if not isinstance(L, list) or len(L) != n or any(
            not isinstance(row, list) or len(row) != i + 1 for i, row in enumerate(L)):
        _fail(f"{where}: L must be lower triangular of order {n}")
    Lq = [[_hexf(s, where) for s in row] + [Fraction(0)] * (n - i - 1)
          for i, row in enumerate(L)]
    Li, kL = _ints([q for row in Lq for q in row])
    Li = [Li[i * n:(i + 1) * n] for i in range(n)]
    LLt = _intmul(Li, [list(col) for col in zip(*Li)])        # over 2^(2kL)
    # E over a common denominator D = 2^K · den(c) with M·2^t = Mnum·2^(t−kM)
    cd = c.denominator
    K = max(2 * kL, kM - t, 0)
    D = (1 << K) * cd
    sM = t - kM + K                                              # Mnum·2^sM / 2^K
    E = []
    for i in range(n):
        row = []
        for j in range(n):
            m = Mnum[i][j] << sM if sM >= 0 else Fraction(Mnum[i][j], 1 << -sM)
            v = m * cd - (LLt[i][j] << (K - 2 * kL)) * cd - (c.numerator * (1 << K)
                                                               if i == j else 0)
            row.append(v)
        E.append(row)
    if any(isinstance(v, Fraction) for row in E for v in row):
        _fail(f"{where}: scale exponent t too small for the matrix")
    inf = Fraction(max(sum(abs(v) for v in row) for row in E), D)
    fro = _sqrt_up(Fraction(sum(v * v for row in E for v in row), D * D))
    return (c - min(inf, fro)) / Fraction(2) ** t


def _parse_form(F: Any) -> Dict[str, Any]:
    if not isinstance(F, dict) or set(F) != {"c", "d", "A", "b", "cones", "sense"}:
        _fail("form: fields c, d, A, b, cones, sense required")
    A = F["A"]
    if not isinstance(A, dict) or set(A) != {"shape", "indptr", "indices", "data"}:
        _fail("form.A: fields shape, indptr, indices, data required")
    rows, cols = A["shape"]
    if not all(isinstance(v, int) and v >= 0 for v in (rows, cols)):
        _fail("form.A.shape must be two nonnegative integers")
    indptr, indices = A["indptr"], A["indices"]
    if (len(indptr) != rows + 1 or indptr[0] != 0 or indptr[-1] != len(indices)
            or any(indptr[i] > indptr[i + 1] for i in range(rows))
            or any(not 0 <= j < cols for j in indices) or len(A["data"]) != len(indices)):
        _fail("form.A is not a valid CSR matrix")
    for i in range(rows):
        seg = indices[indptr[i]:indptr[i + 1]]
        if any(seg[p] >= seg[p + 1] for p in range(len(seg) - 1)):
            _fail("form.A: column indices must be sorted and unique per row")
    vals, kA = _ints([_hexf(s, "form.A.data") for s in A["data"]])
    csr = _CSR(rows, cols, list(indptr), list(indices), vals, kA)
    c = _Vec.hexes(F["c"], cols, "form.c")
    b = _Vec.hexes(F["b"], rows, "form.b")
    d = _hexf(F["d"], "form.d")
    cones, r = [], 0
    for item in F["cones"]:
        if (not isinstance(item, list) or len(item) != 2 or item[0] not in
                ("zero", "nonneg", "soc", "psd") or not isinstance(item[1], int)
                or item[1] < 1):
            _fail(f"form.cones: bad entry {item!r}")
        kind, k = item
        if kind == "zero" and cones and cones[-1][0] != "zero":
            _fail("form.cones: zero cones must come first")
        cones.append((kind, k, r))
        r += k * k if kind == "psd" else k
    if r != rows:
        _fail(f"form.cones cover {r} rows, A has {rows}")
    if F["sense"] not in ("min", "max"):
        _fail("form.sense must be 'min' or 'max'")
    # PSD rows in equal (i, j)/(j, i) pairs: slacks and duals are symmetric matrices
    for kind, n, r0 in cones:
        if kind != "psd":
            continue
        for j in range(n):
            for i in range(j + 1, n):
                p, q = r0 + j * n + i, r0 + i * n + j
                rp = (indices[indptr[p]:indptr[p + 1]], vals[indptr[p]:indptr[p + 1]])
                rq = (indices[indptr[q]:indptr[q + 1]], vals[indptr[q]:indptr[q + 1]])
                if rp != rq or b.num[p] != b.num[q]:
                    _fail(f"form: PSD block at row {r0} is not symmetric (entry {i}, {j})")
    zhi = sum(k for kind, k, _ in cones if kind == "zero")
    return {"A": csr, "b": b, "c": c, "d": d, "cones": cones, "sense": F["sense"],
            "zero": zhi}


def _room(F, v: _Vec, beta, proofs: Any, side: str, where: str,
          sb: Optional[Fraction] = None) -> Fraction:
    """Check the cone membership with room; with a slack bound s̄ (dual side) return the
    penalty that the blocks without room cost instead (yᵀs ≥ −penalty)."""
    if not isinstance(proofs, list):
        _fail(f"{where}: psd_proofs must be a list")
    it = iter(proofs)
    used = 0
    penalty = Fraction(0)
    for kind, k, r0 in F["cones"]:
        if kind == "zero":
            continue
        if kind == "nonneg":
            for i in range(r0, r0 + k):
                low = v.at(i) - beta(i, i + 1, True)
                if low < 0 and sb is not None:
                    penalty += -low * sb
                elif low < 0:
                    _fail(f"{where}: nonnegative row {i} is not inside the cone with room")
        elif kind == "soc":
            t = v.at(r0)
            u2 = Fraction(sum(x * x for x in v.num[r0 + 1:r0 + k]), 1 << (2 * v.k))
            gap = t - _sqrt_up(u2) - SQRT2_UP * beta(r0, r0 + k, False)
            if gap < 0 and sb is not None:
                penalty += -gap * sb
            elif gap < 0:
                _fail(f"{where}: second-order block at row {r0} has no room")
        else:
            n = k
            M = [[v.num[r0 + j * n + i] for j in range(n)] for i in range(n)]
            # ⟨Y, S⟩ ≥ 0 for S ⪰ 0 needs Y itself symmetric (the data make S symmetric)
            if any(M[i][j] != M[j][i] for i in range(n) for j in range(i)):
                _fail(f"{where}: PSD block at row {r0} is not a symmetric matrix")
            try:
                proof = next(it)
            except StopIteration:
                _fail(f"{where}: a PSD proof is missing")
            used += 1
            lb = _psd_bound(M, v.k, proof, f"{where} (PSD block at row {r0})")
            need = beta(r0, r0 + n * n, False)
            if lb < need and sb is not None:
                penalty += (need - lb) * n * sb
            elif lb < need:
                _fail(f"{where}: PSD block at row {r0}: proven λ_min {float(lb):.3e} "
                      "does not cover the correction's room")
    if used != len(proofs):
        _fail(f"{where}: {len(proofs) - used} PSD proofs too many")
    return penalty


def _equations(F, which: str, target: _Vec) -> Tuple[_CSR, _Vec]:
    """All equations of ``which`` as rows (dual: Aᵀy = c; primal: A_Z x = −b_Z)."""
    A: _CSR = F["A"]
    M = _transpose(A) if which == "dual" else A.sub(0, F["zero"])
    return M, target


def _row(M: _CSR, i: int):
    a, b = M.indptr[i], M.indptr[i + 1]
    return M.indices[a:b], M.vals[a:b]


def _correction(F, which: str, point: _Vec, target: _Vec, part: Any, where: str):
    """Returns (η, corrected point): the exact point p* = p' + M_Kᵀ(w* − w̃) satisfies
    every equation, and ‖w* − w̃‖ ≤ η."""
    if not isinstance(part, dict) or set(part) != {"w", "gram_proof", "keep", "same_as"}:
        _fail(f"{where}: a correction has fields w, gram_proof, keep, same_as")
    M, t = _equations(F, which, target)
    keep, same = part["keep"], part["same_as"]
    if (not isinstance(keep, list) or any(not isinstance(i, int) or isinstance(i, bool)
                                          for i in keep)
            or keep != sorted(set(keep)) or any(not 0 <= i < M.rows for i in keep)):
        _fail(f"{where}.keep: sorted distinct equation indices required")
    if not isinstance(same, list) or any(not isinstance(p, list) or len(p) != 2 for p in same):
        _fail(f"{where}.same_as: pairs [dropped, kept or -1] required")
    dropped = {p[0] for p in same}
    if len(dropped) != len(same) or dropped & set(keep) or \
            dropped | set(keep) != set(range(M.rows)):
        _fail(f"{where}: kept and dropped equations must partition all {M.rows}")
    for i, j in same:
        # a dropped equation holds whenever the kept ones do: an exact repeat, or 0 = 0
        if j == -1:
            if _row(M, i)[0] or t.num[i]:
                _fail(f"{where}: equation {i} is not 0 = 0")
        elif j not in keep or _row(M, i) != _row(M, j) or t.num[i] != t.num[j]:
            _fail(f"{where}: equation {i} does not repeat equation {j}")
    if not keep:
        if part["w"] != [] or part["gram_proof"] is not None:
            _fail(f"{where}: no equations, no correction")
        return Fraction(0), point
    rows = [_row(M, i) for i in keep]
    indptr = [0]
    for idx, _ in rows:
        indptr.append(indptr[-1] + len(idx))
    MK = _CSR(len(keep), M.cols, indptr, [c for idx, _ in rows for c in idx],
              [v for _, vals in rows for v in vals], M.k)
    Gn, kG = MK.gram_rows()
    w = _Vec.hexes(part["w"], MK.rows, where + ".w")
    tK = _Vec([t.num[i] for i in keep], t.k)
    r = tK.plus(MK.mv(point), -1)
    step = _transpose(MK).mv(w)
    Gw = MK.mv(step)
    g = _psd_bound(Gn, kG, part["gram_proof"], where + ".gram_proof")
    if g <= 0:
        _fail(f"{where}: the Gram matrix is not proven nonsingular")
    eta = r.plus(Gw, -1).norm_up() / g
    return eta, point.plus(step)


def _transpose(M: _CSR) -> _CSR:
    cols: List[List[Tuple[int, int]]] = [[] for _ in range(M.cols)]
    for i in range(M.rows):
        for p in range(M.indptr[i], M.indptr[i + 1]):
            cols[M.indices[p]].append((i, M.vals[p]))
    indptr, indices, vals = [0], [], []
    for col in cols:
        for i, v in col:
            indices.append(i)
            vals.append(v)
        indptr.append(len(indices))
    return _CSR(M.cols, M.rows, indptr, indices, vals, M.k)


def _primal(F, part: Any, ray: bool, where: str, out: Optional[Dict[str, Any]] = None,
            extra: frozenset = frozenset()) -> Fraction:
    """The proven upper bound cᵀx* + d (ray: cᵀx* < 0 bound) of a primal part
    (``out`` receives the corrected point x′ and θ ≥ ‖x* − x′‖)."""
    if not isinstance(part, dict):
        _fail(f"{where}: missing")
    keys = {"x", "correction", "psd_proofs"} | ({"value"} & set(part)) | extra
    if set(part) != keys:
        _fail(f"{where}: unexpected fields {sorted(set(part) - keys)}")
    A: _CSR = F["A"]
    x = _Vec.hexes(part["x"], A.cols, where + ".x")
    theta = Fraction(0)
    if F["zero"]:
        if part["correction"] is None:
            _fail(f"{where}: equality rows need a correction")
        zero_b = F["b"].num[:F["zero"]]
        target = _Vec([0] * F["zero"], 0) if ray else _Vec([-v for v in zero_b], F["b"].k)
        eta, x = _correction(F, "primal", x, target, part["correction"], where)
        theta = A.sub(0, F["zero"]).fro_up() * eta
    elif part["correction"] is not None:
        _fail(f"{where}: a correction without equality rows")
    s = A.mv(x) if ray else A.mv(x).plus(F["b"])

    def beta(lo, hi, per_row):
        return A.row_up(lo) * theta if per_row else A.fro_up(lo, hi) * theta

    _room(F, s, beta, part["psd_proofs"], "primal", where)
    if out is not None:
        out.update(point=x, err=theta)
    return x.dot(F["c"]) + (0 if ray else F["d"]) + F["c"].norm_up() * theta


def _dual(F, part: Any, ray: bool, where: str, out: Optional[Dict[str, Any]] = None,
          extra: frozenset = frozenset()) -> Fraction:
    """The proven lower bound d − bᵀy* (ray: the bound of bᵀy*) of a dual part
    (``out`` receives the corrected y′ and η, y* = y′ + A v with ‖v‖ ≤ η)."""
    if not isinstance(part, dict):
        _fail(f"{where}: missing")
    keys = {"y", "correction", "psd_proofs"} | ({"value", "slack_bound"} & set(part)) | extra
    if set(part) != keys:
        _fail(f"{where}: unexpected fields {sorted(set(part) - keys)}")
    A: _CSR = F["A"]
    y = _Vec.hexes(part["y"], A.rows, where + ".y")
    target = _Vec([0] * A.cols, 0) if ray else F["c"]
    eta, yp = _correction(F, "dual", y, target, part["correction"], where)

    def beta(lo, hi, per_row):
        return A.row_up(lo) * eta if per_row else A.fro_up(lo, hi) * eta

    sb = None
    if "slack_bound" in part:
        if ray:
            _fail(f"{where}: a Farkas ray takes no slack bound")
        sb = _hexf(part["slack_bound"], where + ".slack_bound")
        if sb <= 0:
            _fail(f"{where}: slack_bound must be positive")
        if F.get("assumed") != {"slack_bound": part["slack_bound"]}:
            _fail(f"{where}: the slack bound used is not stated in claim.assumptions")
    penalty = _room(F, yp, beta, part["psd_proofs"], "dual", where, sb)
    if out is not None:
        out.update(point=yp, err=eta)
    slack = A.tmv(F["b"]).norm_up() * eta
    by = F["b"].dot(yp)
    return by + slack if ray else F["d"] - by - slack - penalty


def _e_dot(F, v: _Vec) -> Fraction:
    """eᵀv, e the identity of K: ones (nonnegative), (1, 0, …) (SOC), vec(I) (PSD)."""
    total = 0
    for kind, k, r0 in F["cones"]:
        if kind == "nonneg":
            total += sum(v.num[r0:r0 + k])
        elif kind == "soc":
            total += v.num[r0]
        elif kind == "psd":
            total += sum(v.num[r0 + i * (k + 1)] for i in range(k))
    return Fraction(total, 1 << v.k)


def _no_room(F, side: str, part: Any, eps_hex: Any) -> float:
    """Check that no feasible point of ``side`` has room ε (ε from the claim).

    dual: x* with A_Z x* = 0, A x* ∈ K and cᵀx* − ε·eᵀAx* < 0 (then (y − εe)ᵀAx* ≥ 0
    fails for every y with Aᵀy = c); primal: y* with Aᵀy* = 0, y* ∈ K* and
    bᵀy* − ε·eᵀy* < 0. eᵀ of the exact point is bounded below through ‖Aᵀe‖ and the
    correction's error bound.
    """
    where = f"no_room.{side}"
    eps = _hexf(eps_hex, f"claim.no_room.{side}")
    if not eps > 0:
        _fail(f"claim.no_room.{side}: ε must be positive")
    if not isinstance(part, dict) or part.get("eps") != eps_hex:
        _fail(f"{where}: its ε differs from the claim's")
    A: _CSR = F["A"]
    e = [0] * A.rows
    for kind, k, r0 in F["cones"]:
        if kind == "nonneg":
            e[r0:r0 + k] = [1] * k
        elif kind == "soc":
            e[r0] = 1
        elif kind == "psd":
            for i in range(k):
                e[r0 + i * (k + 1)] = 1
    Ate = A.tmv(_Vec(e, 0)).norm_up()
    out: Dict[str, Any] = {}
    body = {k: v for k, v in part.items() if k != "eps"}
    if side == "dual":
        up = _primal(F, body, True, where, out)
        e_low = _e_dot(F, A.mv(out["point"])) - Ate * out["err"]
    else:
        up = _dual(F, body, True, where, out)
        e_low = _e_dot(F, out["point"]) - Ate * out["err"]
    if up - eps * e_low >= 0:
        _fail(f"{where}: the ray does not exclude room ε = {float(eps):.3e}")
    return float(eps)


def _claim_float(v: Any, where: str) -> float:
    if v in ("inf", "-inf"):
        return float(v)
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        _fail(f"{where}: expected a finite number or 'inf'/'-inf'")
    return float(v)


def form_digest(F: Dict[str, Any]) -> str:
    """SHA-256 of the stored form, recomputed the way the producer's ConicForm does."""
    A = F["A"]
    h = hashlib.sha256()
    for arr in ([float.fromhex(s) for s in F["c"]], [float.fromhex(F["d"])],
                [float.fromhex(s) for s in A["data"]], [float.fromhex(s) for s in F["b"]]):
        h.update(np.asarray(arr, dtype="<f8").tobytes())
    for arr in (A["indptr"], A["indices"]):
        h.update(np.asarray(arr, dtype="<i8").tobytes())
    h.update(repr((tuple(A["shape"]), [tuple(c) for c in F["cones"]], F["sense"])).encode())
    return h.hexdigest()


def check_value_bounds(cert: Any, form_json: Optional[Dict[str, Any]] = None
                       ) -> Tuple[str, float, float]:
    """Re-check a value-bounds certificate; return (status, lower, upper) it proves
    (under ``cert["claim"]["assumptions"]`` when that is not empty).

    ``form_json`` (the ``_form_json`` of the object the user says it is about), when
    given, must equal the stored form exactly. Raises :class:`BoundsCheckError`.
    """
    if not isinstance(cert, dict) or cert.get("kind") != "value-bounds":
        _fail("not a value-bounds certificate")
    if cert.get("format") != "idl_sdp-certificate" or cert.get("format_version") != 2:
        _fail("unsupported certificate format or version")
    allowed = {"format", "format_version", "kind", "form", "digest", "source", "claim",
               "upper", "lower", "farkas", "ray", "feasible", "no_room"}
    if not set(cert) <= allowed:
        _fail(f"unexpected fields {sorted(set(cert) - allowed)}")
    F = _parse_form(cert.get("form"))
    if cert.get("digest") != form_digest(cert["form"]):
        _fail("the digest does not match the stored problem data")
    src = cert.get("source")
    if not isinstance(src, dict) or not set(src) <= {"sdpa_file", "sha256"} or not all(
            isinstance(v, (str, type(None))) for v in src.values()):
        _fail("source: only 'sdpa_file' and 'sha256' (strings) may be recorded")
    if form_json is not None and form_json != cert["form"]:
        _fail("the certificate is about a different problem (its data differ from the "
              "given problem's)")
    claim = cert.get("claim")
    if not isinstance(claim, dict) or set(claim) - {"no_room"} != {
            "status", "lower", "upper", "assumptions"}:
        _fail("claim: fields status, lower, upper, assumptions required (and no_room "
              "only)")
    claimed_room = claim.get("no_room", {})
    if not isinstance(claimed_room, dict) or not set(claimed_room) <= {"primal", "dual"} \
            or ("no_room" in claim and not claimed_room):
        _fail("claim.no_room: a dict with 'primal' and/or 'dual'")
    parts = cert.get("no_room", {})
    if not isinstance(parts, dict) or set(parts) != set(claimed_room) or (
            "no_room" in cert and not parts):
        _fail("no_room: one proof per side the claim names, no others")
    assumed = claim["assumptions"]
    if not isinstance(assumed, dict) or not set(assumed) <= {"slack_bound"}:
        _fail("claim.assumptions: only 'slack_bound' is known")
    F["assumed"] = dict(assumed)
    if assumed and "slack_bound" not in cert.get("lower", {}):
        _fail("claim.assumptions: an assumption that no proof uses")
    status = claim["status"]
    lower = _claim_float(claim["lower"], "claim.lower")
    upper = _claim_float(claim["upper"], "claim.upper")
    inf = math.inf
    maxi = F["sense"] == "max"
    if claimed_room and status not in ("bounded", "not proven"):
        _fail("claim.no_room: only with a side left unproven")
    if status == "infeasible":
        if set(cert) & {"upper", "lower", "ray", "feasible"}:
            _fail("an infeasibility certificate carries only the Farkas ray")
        if _dual(F, cert.get("farkas"), True, "farkas") >= 0:
            _fail("farkas: bᵀy is not proven negative")
        want = (-inf, -inf) if maxi else (inf, inf)
        if (lower, upper) != want:
            _fail("claim: an infeasible problem's bounds are both infinite")
        return status, lower, upper
    if status == "unbounded":
        if set(cert) & {"upper", "lower", "farkas"}:
            _fail("an unboundedness certificate carries a ray and a feasible point")
        if _primal(F, cert.get("ray"), True, "ray") >= 0:
            _fail("ray: cᵀx is not proven negative")
        # the feasible point is checked against the same constraints (objective 0)
        _primal(F, cert.get("feasible"), False, "feasible")
        want = (inf, inf) if maxi else (-inf, -inf)
        if (lower, upper) != want:
            _fail("claim: an unbounded problem's bounds are both infinite")
        return status, lower, upper
    if status not in ("bounded", "not proven"):
        _fail(f"claim: unknown status {status!r}")
    if set(cert) & {"farkas", "ray", "feasible"}:
        _fail("a bounds certificate carries no rays")
    c_up = _primal(F, cert["upper"], False, "upper") if "upper" in cert else None
    c_lo = _dual(F, cert["lower"], False, "lower") if "lower" in cert else None
    for side in claimed_room:
        if (side == "primal" and c_up is not None) or (side == "dual" and c_lo is not None):
            _fail(f"no_room.{side}: that side has a proven bound")
        _no_room(F, side, parts[side], claimed_room[side])
    # each side's stored value (the form's own sense) must be what it proves, outward
    for side, proven, ok in (("upper", c_up, lambda v, q: Fraction(v) >= q),
                             ("lower", c_lo, lambda v, q: Fraction(v) <= q)):
        if proven is None:
            continue
        if "value" not in cert[side]:
            _fail(f"{side}: the proven value is missing")
        v = cert[side]["value"]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) \
                or not ok(v, proven):
            _fail(f"{side}.value is not a valid {side} bound of what the proof shows")
    if status == "bounded" and (c_up is None or c_lo is None):
        _fail("claim: 'bounded' needs both sides")
    if status == "not proven" and c_up is not None and c_lo is not None:
        _fail("claim: both sides are proven, the status must be 'bounded'")
    # the user's sense: value = ±(cᵀx + d)
    u_lo = (-c_up if c_up is not None else -inf) if maxi else (
        c_lo if c_lo is not None else -inf)
    u_up = (-c_lo if c_lo is not None else inf) if maxi else (
        c_up if c_up is not None else inf)
    if math.isfinite(lower) and (not math.isfinite(u_lo) or Fraction(lower) > u_lo):
        _fail("claim.lower is above the proven lower bound")
    if math.isfinite(upper) and (not math.isfinite(u_up) or Fraction(upper) < u_up):
        _fail("claim.upper is below the proven upper bound")
    if (not math.isfinite(lower) and lower > 0) or (not math.isfinite(upper) and upper < 0):
        _fail("claim: infinite bounds on the wrong side")
    return status, lower, upper
