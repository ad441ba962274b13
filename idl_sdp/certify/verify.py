r"""``verify``: re-check a certificate file independently of the code that made it.

Everything is recomputed here from the stored data with plain
:class:`fractions.Fraction` / integer arithmetic written for this purpose only
(the producer's elimination, float bounds and witness search are not used). A
certificate is **valid** when every check below passes; separately, each statement
it makes **holds** (a valid proof) or is **violated** (a valid refutation):

* the file says what it is about, and all of it is checked: ``source`` (the float
  inputs) is required and holds exactly the inputs of ``which``; the matrix rebuilt
  from it for the stated ``which`` must equal the stored matrix; the statement text
  is rebuilt from the checked data (``which``, ``eps``, ``A_ref``, ``strict``) and
  must equal the stored ``condition`` exactly; ``strict`` must be the one ``which``
  implies; ``method`` must be one that produces the stored witness kind;
  ``margin_decimal`` must be the decimal rendering of ``margin``;
* ``"certified"`` with an ``ldl`` witness: an LDLᵀ along the stored pivot order
  (of ``diag(2^e) M diag(2^e)`` when the witness stores a power-of-two ``scaling``
  ``e`` — a congruence, so the inertia is that of M) reproduces the stored pivots,
  all positive, and leaves an exactly zero Schur complement (full rank when
  strict) — hence the matrix is PSD (PD). These are integer identities between
  minors of ``M·den``; they are checked by elimination modulo enough primes that the
  Chinese remainder theorem makes the check exact (see :func:`_check_ldl`);
* ``"certified"`` with a ``cholesky`` witness (c, L): ``E = M·2^t − cI − LLᵀ``
  is computed exactly and ``c > min(‖E‖_F, ‖E‖_∞)`` proves ``λ_min(M) > 0``;
* ``"certified"`` with a ``gershgorin`` witness: the exact Gershgorin lower bound
  ``min_i (m_ii − Σ_{j≠i} |m_ij|)`` is recomputed;
* ``"certified"`` with an ``arb-eig`` witness: python-flint ball arithmetic is
  re-run (the only check that relies on a library's arithmetic);
* ``"violated"``: ``vᵀMv`` is recomputed exactly and must be ``< 0`` (``≤ 0`` with
  ``v ≠ 0`` when strict) and equal to the stored value;
* the stored ``margin`` must not exceed the bound its ``margin_proof`` proves;
* a bundle must list exactly the ``which`` of its entries, in order and without
  repetition, carry the SHA-256 ``digest`` of that list and the entries, and all its
  entries must be about the same model inputs (A, D, λ);
* with ``model=`` (``--model``) or ``matrix=`` (``--matrix``), the certificate must be
  about that object *by content*: the stored inputs equal the object's entries
  exactly, and the matrix rebuilt from the object equals the stored one.

An ``"undecided"`` certificate proves nothing and is not valid. The file's
``informational`` field (float estimates, timings) is not part of the proof and is
not checked; the verdict says so.

The verifiers are registered by the file's top-level ``kind`` in :data:`VERIFIERS`
(``"psd"`` and ``"psd-bundle"``); :func:`verify` and ``idl-sdp verify`` dispatch on it.
"""
from __future__ import annotations

import hashlib
import math
import os
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from .._io import read_npy, read_npz
from .._repr import Raw, result_repr
from .certificate import (
    KIND_PSD,
    KIND_PSD_BUNDLE,
    KIND_MAXCUT_BOUND,
    KIND_VALUE_BOUNDS,
    Certificate,
    CertificateBundle,
    _canonical,
    read_certificate_json,
)
from .conditions import CONDITION_TEXT
from .rational import parse_rational

__all__ = ["KindVerifier", "StatementResult", "VERIFIERS", "VerificationResult",
           "verifier_for", "verify", "verify_certificate"]

Matrix = List[List[Fraction]]


class _Fail(Exception):
    """A check did not hold (message says which)."""


# ------------------------------------------------------------------ results
@dataclass(frozen=True)
class StatementResult:
    """The verdict on one statement ("this matrix is PSD") of a certificate.

    Attributes
    ----------
    which : str
        The condition key (``"M"``, ``"norm"``, …, ``"matrix"``).
    statement : str
        The statement, rebuilt from the checked data (equal to the stored text when
        ``valid``; the stored text otherwise).
    valid : bool
        Whether the certificate of this statement passed every check.
    holds : bool or None
        ``True``: a valid proof that the statement holds; ``False``: a valid
        refutation (it is violated); ``None``: not valid, so nothing is proven.
    margin : float or None
        The proven lower bound on λ_min (only when ``valid``).
    message : str
        One line: ``"VALID PROOF: …HOLDS…"``, ``"VALID REFUTATION: …VIOLATED…"`` or
        ``"INVALID: …"``.
    """

    which: str
    statement: str
    valid: bool
    holds: Optional[bool]
    margin: Optional[float]
    message: str

    def __repr__(self) -> str:
        return result_repr(
            "StatementResult",
            head=[("which", self.which), ("valid", self.valid), ("holds", self.holds)],
            fields=[("statement", self.statement), ("margin", Raw(repr(self.margin))),
                    ("message", self.message)])


#: How a statement's ``holds`` reads in a repr.
_VERDICT = {True: "holds", False: "violated", None: "not proven"}


@dataclass(frozen=True)
class VerificationResult:
    """The outcome of :func:`verify`: is the certificate valid, and what does it prove?

    Deliberately not usable as a truth value (``if verify(path):`` raises
    ``TypeError``): "the certificate is valid" and "the condition holds" are
    different questions — use :attr:`valid`, :attr:`holds` or :attr:`ok`.

    Attributes
    ----------
    kind : str
        The file's ``kind`` (``"psd"`` or ``"psd-bundle"``).
    valid : bool
        Every statement's certificate is valid and (for a bundle) the list of
        conditions, the digest and the shared inputs check out, and the certificate
        is about the given ``model`` / ``matrix`` if one was given.
    statements : tuple of StatementResult
        One per statement, in file order.
    message : str
        The verdict (several lines: one per statement, the binding, what is unchecked).
    bound_to : str or None
        The object the certificate was checked against (``"model m.npz"``), if any.
    problems : tuple of str
        Failures that concern the file as a whole (bundle list, digest, binding).
    """

    kind: str
    valid: bool
    statements: Tuple[StatementResult, ...]
    message: str
    bound_to: Optional[str] = None
    problems: Tuple[str, ...] = ()

    @property
    def holds(self) -> Optional[bool]:
        """``True`` if valid and every statement holds, ``False`` if valid and some
        statement is proven violated, ``None`` if not valid."""
        if not self.valid:
            return None
        return all(s.holds for s in self.statements)

    @property
    def ok(self) -> bool:
        """``valid and holds``: the only outcome that proves every condition."""
        return self.valid and self.holds is True

    @property
    def violated(self) -> Tuple[str, ...]:
        """The ``which`` of the statements validly proven violated."""
        return tuple(s.which for s in self.statements if s.valid and s.holds is False)

    def __bool__(self) -> bool:
        raise TypeError("a VerificationResult has no truth value: use .valid (the "
                        "certificate checks out), .holds (what it proves) or .ok (both)")

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return result_repr(
            "VerificationResult",
            head=[("kind", self.kind), ("valid", self.valid), ("holds", self.holds)],
            fields=[("ok", self.ok), ("violated", self.violated),
                    ("statements", Raw(f"{len(self.statements)}: " + ", ".join(
                        f"{s.which} ({_VERDICT[s.holds]})" for s in self.statements)[:90])),
                    ("bound_to", self.bound_to), ("problems", self.problems),
                    ("message", self.message.splitlines()[0] if self.message else "")])


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
    if len({len(r) for r in out}) != 1 or not out[0]:
        raise _Fail(f"source field {where} is ragged or empty")
    return out


def _hex_vector(v: Any, where: str) -> List[Fraction]:
    if not isinstance(v, list) or not v:
        raise _Fail(f"source field {where} must be a non-empty list")
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


def _fmt(q: Any) -> str:
    """A short decimal rendering of an exact rational (never overflows)."""
    q = Fraction(q)
    try:
        f = float(q)
    except OverflowError:
        f = math.inf
    if q == 0 or (math.isfinite(f) and f != 0):
        return f"{f:.6g}"
    e = round((abs(q.numerator).bit_length() - q.denominator.bit_length()) * math.log10(2))
    return f"{'-' if q < 0 else ''}~1e{e:+d}"


def _pow2(e: int) -> Fraction:
    return Fraction(1 << e) if e >= 0 else Fraction(1, 1 << -e)


# ------------------------------------------------- what a statement is about
#: The inputs of each condition: (required, optional) source fields.
_INPUTS: Dict[str, Tuple[Tuple[str, ...], Tuple[str, ...]]] = {
    "M": (("A", "D", "lam"), ()),
    "linearized": (("A", "D", "lam"), ("A_ref",)),
    "eq5": (("D", "lam"), ()),
    "schur": (("A", "D", "lam"), ()),
    "norm": (("D", "eps"), ()),
    "wellposed": (("D",), ()),
    "matrix": (("matrix",), ()),
    "lmi": (("F0", "F", "x", "label"), ()),
}
#: The source fields that are entries of a model (the rest are parameters).
_MODEL_FIELDS = ("A", "D")


def _parse_source(which: str, src: Mapping[str, Any]) -> Dict[str, Any]:
    """The stored inputs of ``which`` as exact rationals, with their shapes checked."""
    if not src:
        raise _Fail("the certificate does not store its 'source' (the float inputs the "
                    "matrix was built from), so what it is about cannot be checked")
    required, optional = _INPUTS[which]
    missing = [k for k in required if k not in src]
    if missing:
        raise _Fail(f"source lacks {missing}, needed to rebuild condition {which!r}")
    extra = sorted(set(src) - set(required) - set(optional))
    if extra:
        raise _Fail(f"source field {extra[0]!r} is not an input of condition {which!r}")
    if which == "matrix":
        M = _hex_matrix(src["matrix"], "matrix")
        if len(M) != len(M[0]):
            raise _Fail("source matrix is not square")
        return {"matrix": M}
    if which == "lmi":
        F0 = _hex_matrix(src["F0"], "F0")
        n = len(F0)
        if len(F0[0]) != n:
            raise _Fail("source F0 is not square")
        if not isinstance(src["F"], list):
            raise _Fail("source F must be a list of matrices")
        F = [_hex_matrix(Fi, f"F[{i}]") for i, Fi in enumerate(src["F"])]
        if any(len(Fi) != n or len(Fi[0]) != n for Fi in F):
            raise _Fail("source F: every F_i must have F0's shape")
        x = _hex_vector(src["x"], "x") if src["x"] else []
        if len(x) != len(F):
            raise _Fail(f"source x has {len(x)} entries for {len(F)} matrices F_i")
        label = src["label"]
        if not isinstance(label, str) or not label.strip() or len(label) > 200:
            raise _Fail("source label must be a non-empty string of at most 200 characters")
        for name, Mi in [("F0", F0)] + [(f"F[{i}]", Fi) for i, Fi in enumerate(F)]:
            if any(Mi[a][b] != Mi[b][a] for a in range(n) for b in range(a)):
                raise _Fail(f"source {name} is not symmetric")
        return {"F0": F0, "F": F, "x": x, "label": label}
    out: Dict[str, Any] = {"D": _hex_matrix(src["D"], "D")}
    h = len(out["D"])
    if len(out["D"][0]) != h:
        raise _Fail("source D is not square")
    if "lam" in required:
        out["lam"] = _hex_vector(src["lam"], "lam")
        if len(out["lam"]) != h:
            raise _Fail(f"source lam has {len(out['lam'])} entries, but D is {h}×{h}")
        if any(x < 0 for x in out["lam"]):
            raise _Fail("source lam has a negative entry (multipliers are ≥ 0)")
    if "A" in required:
        out["A"] = _hex_matrix(src["A"], "A")
        if len(out["A"][0]) != h:
            raise _Fail("source A and D sizes disagree")
    if "A_ref" in src:
        out["A_ref"] = _hex_matrix(src["A_ref"], "A_ref")
        if (len(out["A_ref"]), len(out["A_ref"][0])) != (len(out["A"]), h):
            raise _Fail("source A_ref and A shapes disagree")
    if "eps" in required:
        out["eps"] = _hexq(src["eps"], "source field eps")
        if not 0 <= out["eps"] < 1:
            raise _Fail(f"source eps = {float(out['eps'])!r} is not in [0, 1)")
    return out


def _rebuild(which: str, inp: Mapping[str, Any]) -> Matrix:
    """The condition matrix rebuilt from checked inputs."""
    if which == "matrix":
        return [list(r) for r in inp["matrix"]]
    if which == "lmi":
        M = [list(r) for r in inp["F0"]]
        for xi, Fi in zip(inp["x"], inp["F"]):
            if xi:
                M = [[M[a][b] + xi * Fi[a][b] for b in range(len(M))] for a in range(len(M))]
        return M
    D = inp["D"]
    h = len(D)
    if which == "norm":
        t = 1 - inp["eps"]
        return [[(t if i == j else 0) for j in range(h)] + list(D[i]) for i in range(h)] + \
               [[D[j][i] for j in range(h)] + [(t if i == j else 0) for j in range(h)]
                for i in range(h)]
    if which == "wellposed":
        DtD = _matmul_tn(D, D)
        return [[(1 if i == j else 0) - DtD[i][j] for j in range(h)] for i in range(h)]
    core = _core(D, inp["lam"])
    if which == "eq5":
        return core
    A = inp["A"]
    if which == "M":
        return _add(core, _matmul_tn(A, A))
    if which == "linearized":
        Ak = inp.get("A_ref", A)
        cross = _matmul_tn(Ak, A)
        crossT = [list(r) for r in zip(*cross)]
        return _add(_add(_add(core, cross), crossT), _matmul_tn(Ak, Ak), -1)
    p = len(A)  # schur
    top = [[Fraction(1 if i == j else 0) for j in range(p)] + list(A[i]) for i in range(p)]
    bottom = [[A[k][i] for k in range(p)] + core[i] for i in range(h)]
    return top + bottom


def _statement(which: str, inp: Mapping[str, Any], strict: bool) -> str:
    """The statement text of ``which`` for these (checked) inputs."""
    if which == "matrix":
        return CONDITION_TEXT["matrix-strict" if strict else "matrix"]
    if which == "lmi":
        return (f"{inp['label']}: {CONDITION_TEXT['lmi-strict' if strict else 'lmi']} "
                f"(order {len(inp['F0'])}, {len(inp['F'])} variables)")
    text = CONDITION_TEXT[which]
    if which == "norm":
        text = f"{text} (eps = {float(inp['eps'])!r})"
    elif which == "linearized":
        text += " (A_k = A_ref)" if "A_ref" in inp else " (A_k = the model's A)"
    return text


def _describe_inputs(which: str, inp: Mapping[str, Any]) -> str:
    """A short description of the checked inputs, for the verdict."""
    if which == "matrix":
        n = len(inp["matrix"])
        return f"the stored {n}×{n} matrix"
    if which == "lmi":
        return (f"the stored F₀, F₁…F_{len(inp['F'])} ({len(inp['F0'])}×{len(inp['F0'])}) "
                "and point x")
    parts = [f"h = {len(inp['D'])}"]
    if "A" in inp:
        parts.append(f"p = {len(inp['A'])}")
    if "lam" in inp:
        lam = inp["lam"]
        parts.append(f"λ = {float(lam[0])!r}" if len(set(lam)) == 1
                     else f"λ ∈ [{float(min(lam)):.6g}, {float(max(lam)):.6g}]")
    if "eps" in inp:
        parts.append(f"eps = {float(inp['eps'])!r}")
    return "the stored inputs (" + ", ".join(parts) + ")"


# ---------------------------------------------------------------- the proofs
def _scaled(M: Matrix, scaling: Sequence[int]) -> Matrix:
    """diag(2^e) M diag(2^e), exactly."""
    if any(abs(e) > 1 << 14 for e in scaling):
        raise _Fail("ldl witness: a scaling exponent is out of range")
    return [[x * _pow2(scaling[i] + scaling[j]) if x else x for j, x in enumerate(row)]
            for i, row in enumerate(M)]


# ---- exact LDLᵀ check by modular arithmetic (Chinese remainder theorem)
#
# An LDLᵀ of an integer matrix P along its given order has pivots d_k = Δ_k / Δ_{k-1}
# (Δ_k: leading k×k minor), and after r pivots its Schur complement is
# S_ij = Δ_r^{-1} · det P[{1..r, i}, {1..r, j}]. So "these are the pivots and the rest
# is zero" is a set of integer identities Δ_k = c_k and (r+1)-minors = 0, every
# integer involved bounded by Hadamard's bound H. Checking an identity x = y modulo
# primes whose product exceeds 2H proves it exactly (|x − y| ≤ 2H); Gaussian
# elimination modulo each prime, vectorised over many primes in int64, costs O(n³)
# machine operations per prime instead of O(n³) operations on big rationals.

#: Bits of the primes: a product of two residues is below 2⁵², so up to 2¹⁰ rank-one
#: updates can be accumulated in int64 (|x| < 2⁶³) before reducing modulo p again.
_PRIME_BITS = 26
#: Rank-one updates between two reductions of the working block (see _PRIME_BITS).
_REDUCE_EVERY = 1 << 10
#: Primes below 2^_PRIME_BITS, largest first (each is > 2^(_PRIME_BITS − 1)).
_PRIMES: List[int] = []


def _is_prime(q: int) -> bool:
    """Deterministic Miller–Rabin, exact for q < 3 215 031 751 (bases 2, 3, 5, 7)."""
    if q < 2:
        return False
    for p in (2, 3, 5, 7):
        if q % p == 0:
            return q == p
    d, s = q - 1, 0
    while d % 2 == 0:
        d //= 2
        s += 1
    for a in (2, 3, 5, 7):
        x = pow(a, d, q)
        if x in (1, q - 1):
            continue
        for _ in range(s - 1):
            x = x * x % q
            if x == q - 1:
                break
        else:
            return False
    return True


def _primes_from(index: int, count: int) -> List[int]:
    """``count`` primes of the fixed descending list, starting at position ``index``."""
    q = _PRIMES[-1] - 2 if _PRIMES else (1 << _PRIME_BITS) - 1
    while len(_PRIMES) < index + count:
        if _is_prime(q):
            _PRIMES.append(q)
        q -= 2
    return _PRIMES[index:index + count]


def _residues(N: List[List[int]], primes: np.ndarray) -> np.ndarray:
    """``N mod p`` for every prime: an int64 array (len(primes), n, n), exactly.

    The magnitudes are split into bytes; Σ_j byte_j·(256^j mod p) is a float64 matrix
    product that is exact while every partial sum stays below 2⁵³ (chunks of ≤ 2¹³
    bytes: 2¹³ · 2⁸ · 2²⁶ < 2⁵³), reduced modulo p after each chunk.
    """
    n = len(N)
    flat = [x for row in N for x in row]
    nbytes = max(1, (max(abs(x).bit_length() for x in flat) + 7) // 8)
    B = np.frombuffer(b"".join(abs(x).to_bytes(nbytes, "little") for x in flat),
                      dtype=np.uint8).reshape(len(flat), nbytes)
    neg = np.array([x < 0 for x in flat], dtype=bool)
    out = np.zeros((len(flat), len(primes)), dtype=np.int64)
    chunk = 1 << 13
    for lo in range(0, nbytes, chunk):
        hi = min(nbytes, lo + chunk)
        pw = np.array([[pow(256, j, int(p)) for p in primes] for j in range(lo, hi)],
                      dtype=np.float64)
        part = (B[:, lo:hi].astype(np.float64) @ pw).astype(np.int64) % primes
        out = (out + part) % primes
    out = np.where(neg[:, None], (primes - out) % primes, out)
    return np.ascontiguousarray(out.T.reshape(len(primes), n, n))


def _inverse_mod(a: np.ndarray, p: np.ndarray) -> np.ndarray:
    """a^(p−2) mod p (the inverse of a ≢ 0 modulo the prime p), elementwise in int64."""
    result = np.ones_like(a)
    base = a % p
    e = p - 2
    while np.any(e > 0):
        odd = (e & 1) == 1
        result = np.where(odd, result * base % p, result)
        base = base * base % p
        e = e >> 1
    return result


def _check_ldl(M: Matrix, w: Dict[str, Any], strict: bool) -> Fraction:
    """Check the LDLᵀ witness exactly; return the det of the pivoted block (of M).

    The witness says: along ``order``, the LDLᵀ pivots of M are the stored positive
    rationals d_1..d_r and the Schur complement of the pivoted block is zero. With
    M = N/den (N integer), that is Δ_k(N[order]) = c_k := den^k·d_1⋯d_k for k ≤ r and
    every bordered (r+1)-minor zero; both are checked modulo primes whose product
    exceeds twice Hadamard's bound (see the comment above), i.e. exactly.
    """
    n = len(M)
    order, rank = w["order"], w["rank"]
    if len(set(order)) != len(order) or not all(0 <= i < n for i in order):
        raise _Fail("ldl witness: 'order' is not a list of distinct row indices")
    if strict and rank != n:
        raise _Fail(f"ldl witness: rank {rank} < {n}, but strict definiteness is claimed")
    r = len(order)
    pivots = [parse_rational(x, "pivot") for x in w["pivots"]]
    if len(pivots) != r:
        raise _Fail(f"ldl witness: {len(pivots)} pivots for an order of length {r}")
    for k, d in enumerate(pivots):
        if d <= 0:
            raise _Fail(f"ldl witness: pivot {k} = {_fmt(d)} is not positive")
    rest = [i for i in range(n) if i not in set(order)]
    perm = list(order) + rest
    den = 1
    for row in M:
        for q in row:
            den = math.lcm(den, q.denominator)
    N = [[M[i][j].numerator * (den // M[i][j].denominator) for j in perm] for i in perm]
    if r == 0:  # nothing pivoted: the whole matrix must be zero
        for a, row in enumerate(N):
            for b, x in enumerate(row):
                if x:
                    raise _Fail("ldl witness: the Schur complement after the stored pivots "
                                f"is not zero (entry ({perm[a]}, {perm[b]}) = "
                                f"{_fmt(Fraction(x, den))})")
        return Fraction(1)
    # Hadamard: |any minor of N| ≤ Π_i ‖N_i‖₂ ≤ 2^hbits (each factor rounded up to a
    # power of two, rows of norm < 1 counted as 1).
    hbits = sum((sum(x * x for x in row).bit_length() + 1) // 2 for row in N)
    claims, c = [], Fraction(1)
    for k, d in enumerate(pivots):
        c = c * den * d
        if c.denominator != 1 or c.numerator.bit_length() > hbits:
            raise _Fail(f"ldl witness: pivot {k} is not the LDLᵀ pivot of the matrix "
                        "(den^k·d_1⋯d_k must be a leading minor of the integer matrix "
                        "M·den, an integer within Hadamard's bound)")
        claims.append(c.numerator)
    need = hbits + 2  # the primes' product must exceed 2^(hbits+1) ≥ 2H
    batch = max(1, min(256, (1 << 22) // (n * n)))
    used, index = 0, 0
    while used < need:
        primes = _primes_from(index, batch)
        index += batch
        # A prime dividing some claim c_k cannot check the pivots (c_k would have to be
        # inverted): skip it. Only the primes kept count towards the product.
        primes = [p for p in primes if all(ck % p for ck in claims)]
        if not primes:
            continue
        # The bits actually proven: Σ log2(p) over the kept primes, each p > 2^30.
        take = []
        for p in primes:
            if used >= need:
                break
            if p <= 1 << (_PRIME_BITS - 1):  # each prime contributes > _PRIME_BITS − 1 bits
                raise _Fail("ldl witness: the matrix is too large for the modular check")
            take.append(p)
            used += _PRIME_BITS - 1
        P = np.array(take, dtype=np.int64)
        T = _residues(N, P)
        want = np.array([[ck % p for p in take] for ck in claims], dtype=np.int64)
        det = np.ones(len(take), dtype=np.int64)
        Pc = P[:, None]
        for k in range(r):
            # row and column k are reduced before use; the trailing block is reduced
            # every _REDUCE_EVERY updates (its entries stay below 2⁶³ in between)
            T[:, k, k:] %= Pc
            T[:, k + 1:, k] %= Pc
            piv = T[:, k, k].copy()
            det = det * piv % P
            bad = np.nonzero(det != want[k])[0]
            if bad.size:
                raise _Fail(f"ldl witness: pivot {k} is not the LDLᵀ pivot of the matrix "
                            f"along the stored order (the leading {k + 1}×{k + 1} minor "
                            f"differs modulo the prime {take[int(bad[0])]})")
            if k + 1 < n:  # Gaussian elimination modulo each prime (piv ≢ 0: c_k ≢ 0)
                inv = _inverse_mod(piv, P)
                col = T[:, k + 1:, k] * inv[:, None] % Pc
                T[:, k + 1:, k + 1:] -= col[:, :, None] * T[:, k, None, k + 1:]
                if (k + 1) % _REDUCE_EVERY == 0:
                    T[:, k + 1:, k + 1:] %= P[:, None, None]
        if r < n:
            T[:, r:, r:] %= P[:, None, None]
            nz = np.argwhere(T[:, r:, r:] != 0)
            if nz.size:
                _, a, b = (int(v) for v in nz[0])
                raise _Fail("ldl witness: the Schur complement after the stored pivots "
                            f"is not zero (entry ({perm[r + a]}, {perm[r + b]}))")
    return Fraction(claims[-1], den ** r)


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


def _status_bound(M: Matrix, w: Dict[str, Any], strict: bool
                  ) -> Tuple[Fraction, Optional[Fraction], str]:
    """Check a certified witness: (proven λ_min lower bound, det M if PD by ldl, how)."""
    kind = w["kind"]
    n = len(M)
    if kind == "ldl":
        scaling = w.get("scaling")
        Ms = M if scaling is None else _scaled(M, scaling)
        det = _check_ldl(Ms, w, strict)
        if scaling is not None:  # det(SMS) = det(M)·4^Σe
            det /= _pow2(2 * sum(scaling))
        how = f"exact LDLᵀ, {w['rank']} positive pivots" + (
            ", zero remaining Schur complement" if w["rank"] < n else "") + (
            ", of diag(2^e)·M·diag(2^e) (a power-of-two congruence)" if scaling else "")
        return Fraction(0), det if w["rank"] == n else None, how
    if kind == "cholesky":
        return _cholesky_bound(M, w), None, "exact residual of a float Cholesky factor"
    if kind == "arb-eig":
        return _arb_bound(M, w["prec"]), None, "ball-arithmetic eigenvalue enclosure"
    if kind == "gershgorin":
        return _gershgorin(M), None, "exact Gershgorin discs"
    raise _Fail(f"a 'certified' certificate cannot rest on a {kind!r} witness")


#: (status, method) → the witness kind that method produces.
_METHOD_WITNESS: Dict[Tuple[str, str], Optional[str]] = {
    ("certified", "exact-ldl"): "ldl",
    ("certified", "cholesky"): "cholesky",
    ("certified", "arb-eig"): "arb-eig",
    ("certified", "gershgorin"): "gershgorin",
    ("violated", "exact-ldl"): "vector",
    ("violated", "eigenvector"): "vector",
    ("undecided", "none"): None,
}


# ------------------------------------------------------------- the objects
@dataclass
class _Objects:
    """What the certificate must be about (given by the caller), if anything."""

    model: Any = None
    model_label: str = ""
    matrix: Optional[np.ndarray] = None
    matrix_label: str = ""

    @property
    def label(self) -> Optional[str]:
        if self.model is not None:
            return f"model {self.model_label}"
        if self.matrix is not None:
            return f"matrix {self.matrix_label}"
        return None


def _load_matrix_file(path: str) -> np.ndarray:
    # Bounded reads (size limits of idl_sdp._io, never unpickling); ValueError naming path.
    lower = path.lower()
    if lower.endswith(".npy"):
        return read_npy(path, "matrix file")
    if lower.endswith(".npz"):
        arrays = read_npz(path, "matrix file")
        if len(arrays) != 1:
            raise ValueError(f"matrix file {path!r} must hold exactly one array, "
                             f"holds {sorted(arrays)}")
        return next(iter(arrays.values()))
    raise ValueError(f"matrix file {path!r}: expected a .npy file (or a .npz file "
                     "holding one array)")


def _objects(model: Any, matrix: Any) -> _Objects:
    from ..model import ImplicitModel  # local: keeps the import graph acyclic

    obj = _Objects()
    if model is not None and matrix is not None:
        raise ValueError("give model or matrix, not both: a certificate is about one object")
    if model is not None:
        if isinstance(model, (str, os.PathLike)):
            obj.model, obj.model_label = ImplicitModel.load(model), os.fspath(model)
        elif isinstance(model, ImplicitModel):
            obj.model, obj.model_label = model, "(ImplicitModel object)"
        else:
            raise TypeError("model must be an ImplicitModel or the path of a model file, "
                            f"got {type(model).__name__}")
    if matrix is not None:
        if isinstance(matrix, (str, os.PathLike)):
            arr, label = _load_matrix_file(os.fspath(matrix)), os.fspath(matrix)
        else:
            arr, label = matrix, "(array)"
        try:
            arr = np.asarray(arr, dtype=float)
        except (TypeError, ValueError):
            raise TypeError("matrix must be a numeric array_like or the path of a .npy "
                            "file") from None
        if arr.ndim != 2 or arr.shape[0] != arr.shape[1] or not np.all(np.isfinite(arr)):
            raise ValueError(f"matrix {label} must be a finite square 2-D array, got "
                             f"shape {arr.shape}")
        obj.matrix, obj.matrix_label = arr, label
    return obj


def _exact(arr: np.ndarray) -> Matrix:
    return [[Fraction(float(x)) for x in row] for row in np.atleast_2d(arr)]


def _first_difference(X: Matrix, Y: Matrix) -> Optional[Tuple[int, int]]:
    for i, (rx, ry) in enumerate(zip(X, Y)):
        for j, (x, y) in enumerate(zip(rx, ry)):
            if x != y:
                return i, j
    return None


def _check_binding(which: str, inp: Mapping[str, Any], M: Matrix, obj: _Objects) -> None:
    """The certificate is about ``obj`` by content (raises _Fail otherwise)."""
    if obj.model is not None:
        if which in ("matrix", "lmi"):
            raise _Fail(f"not about {obj.label}: the certificate is about a "
                        f"{'plain matrix' if which == 'matrix' else 'user LMI'}")
        mine = dict(inp)
        for name in _MODEL_FIELDS:
            if name not in inp:
                continue
            theirs = _exact(getattr(obj.model, name))
            shape = (len(theirs), len(theirs[0]))
            if (len(inp[name]), len(inp[name][0])) != shape:
                raise _Fail(f"not about {obj.label}: the certificate's {name} is "
                            f"{len(inp[name])}×{len(inp[name][0])}, the model's "
                            f"{shape[0]}×{shape[1]}")
            at = _first_difference(inp[name], theirs)
            if at is not None:
                raise _Fail(f"not about {obj.label}: the certificate's {name}{list(at)} = "
                            f"{float(inp[name][at[0]][at[1]])!r}, the model's is "
                            f"{float(theirs[at[0]][at[1]])!r}")
            mine[name] = theirs
        if _rebuild(which, mine) != M:
            raise _Fail(f"not about {obj.label}: the matrix rebuilt from the model "
                        "differs from the stored one")
    if obj.matrix is not None:
        theirs = _exact(obj.matrix)
        if len(theirs) != len(M):
            raise _Fail(f"not about {obj.label}: it is {len(theirs)}×{len(theirs)}, "
                        f"the certificate's matrix {len(M)}×{len(M)}")
        at = _first_difference(M, theirs)
        if at is not None:
            raise _Fail(f"not about {obj.label}: entry {list(at)} is "
                        f"{float(theirs[at[0]][at[1]])!r}, the certificate's "
                        f"{_fmt(M[at[0]][at[1]])}")


# --------------------------------------------------------- one statement
def _verify_statement(raw: Mapping[str, Any], cert: Certificate, obj: _Objects
                      ) -> Tuple[str, bool, Optional[float], str]:
    """Check one ``"psd"`` entry: (statement, holds, margin, how) or raise _Fail."""
    which, strict = cert.which, cert.strict
    if which not in _INPUTS:
        raise _Fail(f"unknown condition key which={which!r}")
    if which == "wellposed" and not strict:
        raise _Fail("condition 'wellposed' requires strict definiteness, but strict is false")
    if which not in ("wellposed", "matrix", "lmi") and strict:
        raise _Fail(f"condition {which!r} is not strict, but strict is true")
    inp = _parse_source(which, cert.source)
    statement = _statement(which, inp, strict)
    if cert.condition != statement:
        raise _Fail(f"the stored condition text {cert.condition[:300]!r} is not the statement "
                    f"of the checked data, {statement!r}")

    # every field is checked: margin, its decimal rendering and its proof go together
    decimal = raw.get("margin_decimal")
    if cert.margin is None:
        if decimal is not None or cert.margin_proof is not None:
            raise _Fail("margin_decimal / margin_proof are given without a margin")
    elif cert.margin_proof is None:
        raise _Fail("a margin is stated without a margin_proof")
    elif decimal != repr(cert.margin):
        raise _Fail(f"margin_decimal {decimal!r} is not the decimal rendering "
                    f"{repr(cert.margin)!r} of margin {raw.get('margin')!r}")
    key = (cert.status, cert.method)
    if key not in _METHOD_WITNESS:
        raise _Fail(f"method {cert.method!r} cannot produce a {cert.status!r} certificate")
    want = _METHOD_WITNESS[key]
    got = None if cert.witness is None else cert.witness["kind"]
    if got != want:
        raise _Fail(f"method {cert.method!r} produces a {want!r} witness for a "
                    f"{cert.status!r} certificate, but the witness is {got!r}")

    M = cert.matrix.to_fractions()
    n = len(M)
    for i in range(n):
        for j in range(i + 1, n):
            if M[i][j] != M[j][i]:
                raise _Fail(f"the stored matrix is not symmetric at ({i}, {j})")
    if _rebuild(which, inp) != M:
        raise _Fail(f"the stored matrix differs from the one rebuilt from the stored "
                    f"inputs for condition {which!r}")
    _check_binding(which, inp, M, obj)

    if cert.status == "undecided":
        raise _Fail("the certificate is 'undecided': it proves nothing")
    w = cert.witness
    status_lb: Optional[Fraction] = None
    det: Optional[Fraction] = None
    if cert.status == "certified":
        status_lb, det, how = _status_bound(M, w, strict)
        if status_lb < 0 or (strict and status_lb == 0 and det is None):
            raise _Fail(f"the witness proves only λ_min ≥ {_fmt(status_lb)}")
        definite = strict or det is not None or status_lb > 0
        how = f"positive {'definite' if definite else 'semidefinite'} by {how}"
    else:  # violated
        v = [parse_rational(x, "v") for x in w["v"]]
        if not any(v):
            raise _Fail("the witness vector is zero")
        val = sum(v[i] * sum(M[i][j] * v[j] for j in range(n) if v[j]) for i in range(n) if v[i])
        if val != parse_rational(w["value"], "value"):
            raise _Fail(f"vᵀMv = {_fmt(val)}, not the stored value")
        if val > 0 or (val == 0 and not strict):
            raise _Fail(f"vᵀMv = {_fmt(val)} is not negative")
        how = (f"a rational v with exact vᵀMv = {_fmt(val)} "
               + ("≤ 0" if val == 0 else "< 0"))

    if cert.margin is not None:
        mp = cert.margin_proof
        kind = mp["kind"]
        if kind in ("psd", "witness"):
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
        if not Fraction(cert.margin) <= proven:
            raise _Fail(f"the stated margin {cert.margin!r} exceeds the proven bound "
                        f"{_fmt(proven)}")
        how += f"; λ_min ≥ {cert.margin:.6g}"
    return statement, cert.status == "certified", cert.margin, \
        f"{how} (for {_describe_inputs(which, inp)})"


def _statement_result(raw: Mapping[str, Any], cert: Certificate, obj: _Objects
                      ) -> StatementResult:
    try:
        statement, holds, margin, how = _verify_statement(raw, cert, obj)
    except _Fail as exc:
        return StatementResult(cert.which, cert.condition, False, None, None,
                               f"INVALID: {cert.which}: {exc}")
    except (ArithmeticError, ValueError) as exc:
        # A tampered proof can hold numbers no genuine one has (e.g. an entry of
        # 1.8e308 whose square overflows a float bound): it proves nothing.
        return StatementResult(cert.which, cert.condition, False, None, None,
                               f"INVALID: {cert.which}: the proof data cannot be "
                               f"evaluated ({exc})")
    if holds:
        msg = f"VALID PROOF: condition {cert.which!r}: {statement} HOLDS — {how}"
    else:
        msg = f"VALID REFUTATION: condition {cert.which!r}: {statement} is VIOLATED — {how}"
    return StatementResult(cert.which, statement, True, holds, margin, msg)


_UNCHECKED = ("not checked: the 'informational' fields (float estimates, timings, notes) "
              "are not part of the proof")


def _binding_line(obj: _Objects, kind: str, valid: bool) -> str:
    if obj.label is None:
        spec = VERIFIERS.get(kind)
        opts = spec.bindings if spec else ()
        how = " or ".join(f"--{b} (verify(..., {b}=))" for b in opts)
        return ("not bound to an object: the statements are about the inputs stored in the "
                f"certificate (pass {how} to check that it is about yours)")
    if not valid:
        return f"checked against {obj.label}"
    if obj.model is not None:
        return (f"bound to {obj.label}: its A and D equal the certificate's inputs entry by "
                "entry, and each condition matrix rebuilt from it equals the stored one")
    return f"bound to {obj.label}: it equals the certificate's matrix entry by entry"


def _result(kind: str, statements: List[StatementResult], problems: List[str],
            obj: _Objects, head: Optional[str]) -> VerificationResult:
    valid = not problems and all(s.valid for s in statements)
    lines = ([head] if head else []) + [f"INVALID: {p}" for p in problems]
    lines += [("  " if head else "") + s.message for s in statements]
    lines += [_binding_line(obj, kind, valid), _UNCHECKED]
    return VerificationResult(kind, valid, tuple(statements), "\n".join(lines),
                              obj.label, tuple(problems))


def _verify_psd(data: Dict[str, Any], where: str, bindings: Mapping[str, Any]
                ) -> VerificationResult:
    obj = _objects(bindings.get("model"), bindings.get("matrix"))
    cert = Certificate.from_dict(data, where)
    return _result(KIND_PSD, [_statement_result(data, cert, obj)], [], obj, None)


def _verify_bundle(data: Dict[str, Any], where: str, bindings: Mapping[str, Any]
                   ) -> VerificationResult:
    obj = _objects(bindings.get("model"), None)
    bundle = CertificateBundle.from_dict(data, where)  # structure (raises ValueError)
    entries = data["certificates"]
    certs = list(bundle.values())
    names = [c.which for c in certs]
    listed = list(data["conditions"])
    problems: List[str] = []
    if listed != names:
        problems.append(f"the bundle lists the conditions {listed}, but its entries are "
                        f"{names}")
    dup = sorted({w for w in names if names.count(w) > 1})
    if dup:
        problems.append(f"condition(s) {dup} appear more than once")
    stripped = [{k: v for k, v in e.items() if k != "informational"} for e in entries]
    digest = "sha256:" + hashlib.sha256(_canonical(
        {"conditions": listed, "certificates": stripped})).hexdigest()
    if data["digest"] != digest:
        problems.append("the bundle's digest does not match its list of conditions and "
                        "entries (an entry was changed, dropped, added or reordered)")
    if "matrix" in names:
        problems.append("a bundle holds conditions of one model, not a plain matrix")
    shared: Dict[str, Any] = {}
    for c in certs:  # one model: the same A, D and λ wherever they appear
        try:
            inp = _parse_source(c.which, c.source) if c.which in _INPUTS else {}
        except _Fail:
            continue  # reported by the entry itself
        for k in ("A", "D", "lam"):
            if k in inp:
                if k in shared and shared[k] != inp[k]:
                    problems.append(f"the entries are not about the same model: their "
                                    f"source {k} differ")
                shared.setdefault(k, inp[k])
    problems = list(dict.fromkeys(problems))
    statements = [_statement_result(raw, c, obj) for raw, c in zip(entries, certs)]
    n_hold = sum(s.valid and s.holds is True for s in statements)
    n_viol = sum(s.valid and s.holds is False for s in statements)
    n_bad = len(statements) - n_hold - n_viol
    if problems or n_bad:
        head = (f"INVALID BUNDLE of {len(statements)} conditions ({', '.join(names)}): "
                f"{n_bad} invalid" + (f", {len(problems)} bundle-level problem(s)"
                                      if problems else ""))
    elif n_viol:
        head = (f"VALID BUNDLE of {len(statements)} conditions: {n_hold} HOLD, {n_viol} "
                f"VIOLATED ({', '.join(s.which for s in statements if s.holds is False)})")
    else:
        head = f"VALID BUNDLE of {len(statements)} conditions: all HOLD ({', '.join(names)})"
    return _result(KIND_PSD_BUNDLE, statements, problems, obj, head)


# -------------------------------------------------------------- registry
@dataclass(frozen=True)
class KindVerifier:
    """How the certificates of one ``kind`` are verified.

    Attributes
    ----------
    description : str
        What such a certificate states.
    bindings : tuple of str
        The keyword arguments of :func:`verify` (command-line options of
        ``idl-sdp verify``) that bind it to an object, e.g. ``("model", "matrix")``.
    run : callable
        ``run(data, where, bindings) -> VerificationResult``: ``data`` is the parsed
        JSON object (its ``kind`` is this one; the verifier checks everything else,
        format version included), ``where`` names the file for messages, ``bindings``
        maps the given binding keywords (only those in :attr:`bindings`) to values.
        Raises ``ValueError`` for a malformed file.
    """

    description: str
    bindings: Tuple[str, ...]
    run: Callable[[Dict[str, Any], str, Mapping[str, Any]], VerificationResult] = \
        field(repr=False)


#: The verifier of each certificate ``kind`` (the file's top-level field). A new kind
#: registers here (and, for an object to bind it to, adds a keyword to :func:`verify`
#: and an option to ``idl-sdp verify``).
VERIFIERS: Dict[str, KindVerifier] = {
    KIND_PSD: KindVerifier("one matrix (a model condition or a plain matrix) is PSD / PD",
                           ("model", "matrix"), _verify_psd),
    KIND_PSD_BUNDLE: KindVerifier("several PSD conditions of one model", ("model",),
                                  _verify_bundle),
    KIND_VALUE_BOUNDS: KindVerifier(
        "an enclosure lower ≤ p* ≤ upper of a conic problem's optimal value (or its "
        "infeasibility / unboundedness)", ("problem",),
        lambda data, where, bindings: _verify_value_bounds()(data, where, bindings)),
    KIND_MAXCUT_BOUND: KindVerifier(
        "an upper bound on a graph's max-cut SDP value (and a cut), re-checked exactly",
        ("graph",),
        lambda data, where, bindings: _verify_maxcut()(data, where, bindings)),
}


def _verify_maxcut():
    from .verify_maxcut import verify_maxcut_bound  # local, as _verify_value_bounds
    return verify_maxcut_bound


def _verify_value_bounds():
    from .verify_bounds import verify_value_bounds  # local: keeps verify.py's imports small
    return verify_value_bounds


def verifier_for(kind: str, where: str = "certificate") -> KindVerifier:
    """The :class:`KindVerifier` of ``kind``; ``ValueError`` naming the known kinds."""
    spec = VERIFIERS.get(kind)
    if spec is None:
        raise ValueError(f"{where}: unknown certificate kind {kind[:40]!r} (field 'kind'; "
                         f"this version verifies: {', '.join(VERIFIERS)})")
    return spec


def _dispatch(kind: str, data: Dict[str, Any], where: str, **given: Any
              ) -> VerificationResult:
    spec = verifier_for(kind, where)
    bindings = {k: v for k, v in given.items() if v is not None}
    for name in bindings:
        if name not in spec.bindings:
            raise ValueError(f"{name} does not apply to a {kind!r} certificate "
                             f"({spec.description}); it can be bound with: "
                             f"{', '.join(spec.bindings) or 'nothing'}")
    return spec.run(data, where, bindings)


def verify_certificate(cert: Union[Certificate, CertificateBundle], *, model: Any = None,
                       matrix: Any = None) -> VerificationResult:
    """Re-check an in-memory :class:`Certificate` or :class:`CertificateBundle`.

    Same checks and arguments as :func:`verify` (on ``cert.to_dict()``).
    """
    if isinstance(cert, CertificateBundle):
        return _dispatch(KIND_PSD_BUNDLE, cert.to_dict(), "bundle", model=model,
                         matrix=matrix)
    if isinstance(cert, Certificate):
        return _dispatch(KIND_PSD, cert.to_dict(), "certificate", model=model,
                         matrix=matrix)
    raise TypeError(f"cert must be a Certificate or CertificateBundle, got "
                    f"{type(cert).__name__}")


def verify(path: Union[str, os.PathLike], *, model: Any = None,
           matrix: Any = None, problem: Any = None, graph: Any = None
           ) -> VerificationResult:
    """Re-check a certificate (or bundle) file in exact arithmetic.

    Parameters
    ----------
    path : str or os.PathLike
        A file written by :meth:`Certificate.to_json` or :meth:`CertificateBundle.to_json`.
    model : ImplicitModel or str or os.PathLike, optional
        Check that the certificate is about this model (or model file, as written by
        :meth:`~idl_sdp.ImplicitModel.save`) *by content*: its ``A`` and ``D`` must
        equal the certificate's inputs exactly, and every condition matrix rebuilt
        from them (with the certificate's λ, eps, A_ref) must equal the stored one.
    matrix : array_like or str or os.PathLike, optional
        Check that a single certificate is about this matrix (or ``.npy`` file): it
        must equal the stored matrix exactly. Not together with ``model``.
    problem : str or os.PathLike or cvxpy.Problem, optional
        For a value-bounds certificate (:func:`idl_sdp.value_bounds`): check that it is
        about this problem (an SDPA file or a cvxpy problem) — its conic form must
        equal the certificate's data exactly.
    graph : str or os.PathLike or array_like or scipy.sparse matrix, optional
        For a max-cut certificate (:func:`idl_sdp.relax.write_maxcut_certificate`):
        check that it is about this graph — a Gset text file, a weight matrix W or an
        edge array (see :func:`idl_sdp.certify.verify_maxcut.graph_edges`); its edge
        list must equal the stored one exactly.

    Returns
    -------
    VerificationResult
        ``.valid``: every check passed; ``.holds``: ``True`` (every statement proven
        to hold), ``False`` (a valid proof that some statement is violated) or
        ``None`` (not valid); ``.ok`` = valid and holds; ``.statements``: one
        :class:`StatementResult` per condition; ``.message``: the verdict, one line
        per statement (``VALID PROOF: … HOLDS``, ``VALID REFUTATION: … is VIOLATED``,
        ``INVALID: …``). It has no truth value: test ``.ok`` (or ``.valid``).

    Raises
    ------
    FileNotFoundError
        If ``path`` (or the model / matrix file) does not exist.
    ValueError
        If the file is not a well-formed certificate (truncated or corrupted JSON,
        wrong format version, unknown ``kind``, a field missing, unknown or of the
        wrong type; the message names the field), or ``model`` / ``matrix`` does not
        apply to the certificate's kind or is not a valid model / matrix file.
    TypeError
        If ``path``, ``model`` or ``matrix`` is of the wrong type.
    """
    kind, data = read_certificate_json(path)
    where = f"{'bundle' if kind == KIND_PSD_BUNDLE else 'certificate'} {os.fspath(path)!r}"
    return _dispatch(kind, data, where, model=model, matrix=matrix, problem=problem,
                     graph=graph)
