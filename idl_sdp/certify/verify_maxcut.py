r"""``verify`` for max-cut bound certificates (kind ``"maxcut-bound"``).

The certificate (written by :func:`idl_sdp.certify.maxcut_cert.write_maxcut_certificate`)
stores a weighted graph (``n`` and its edges ``i < j`` with ``float.hex`` weights, plus
a SHA-256 ``digest`` of them), a vector ν and a shift c, the claimed upper bound U on
the max-cut SDP value, and optionally a cut x ∈ {±1}ⁿ with its claimed weight. This
module re-checks it **in exact arithmetic and independently of the producer** (it
imports nothing from :mod:`idl_sdp.relax`; numpy/scipy only find a witness):

* with the Laplacian ``L = Diag(W1) − W`` of the stored graph, the matrix
  ``M = diag ν − ¼L − (c + δ)I`` is formed exactly (all entries are dyadic rationals:
  integers over a common power of two); ``δ ≥ 0`` is a small float chosen here (about
  half an estimate of λ_min of ``diag ν − ¼L − cI``, so that the bound has room for
  the rounding of U);
* the verifier computes its own floating-point Cholesky factor R of fl(M) (any R will
  do: RᵀR ⪰ 0 for every real R), rounds it to integers of at most 60 bits over a power
  of two, and computes ``E = M − RᵀR`` exactly (python-flint ``fmpz_mat`` products);
  since ``M = RᵀR + E`` with ``RᵀR ⪰ 0``, ``λ_min(diag ν − ¼L) ≥ c + δ − ‖E‖_∞``;
* the statement "SDP value ≤ U" holds iff ``Σν − n(c + δ − ‖E‖_∞) ≤ U`` in exact
  rationals (weak duality: ``¼⟨L, X⟩ = Σν − ⟨diag ν − ¼L, X⟩ ≤ Σν − n·λ_min`` for every
  feasible X);
* a stored cut: ``x`` has n entries ±1 and its exact weight ``Σ_{ij ∈ E, x_i ≠ x_j}
  w_ij`` is at least the stored ``cut_value`` (so the maximum cut is ≥ it).

The statements are rebuilt from the checked data and must equal the stored text; the
decimal renderings must be those of the hex values; unknown fields are refused. The
exact residual is dense up to ``n = EXACT_LIMIT`` (4000). Above it the witness is
sparse: SuperLU's LDLᵀ ``PMPᵀ ≈ L̂DL̂ᵀ`` (diagonal pivots, minimum-degree ordering)
computed by the verifier, ``R = L̂D^{1/2}`` rounded to the grid, and the exact sparse
residual ``PMPᵀ − RRᵀ`` (int64 products of 20-bit pieces, combined with Python
integers); when ``RRᵀ`` has more than ``_SPARSE_NNZ_LIMIT`` nonzeros the certificate is
reported INVALID (undecided: nothing proven).
"""
from __future__ import annotations

import hashlib
import math
import os
from fractions import Fraction
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from .certificate import KIND_MAXCUT_BOUND, _canonical, _check_header, _field

__all__ = ["EXACT_LIMIT", "graph_digest", "graph_edges", "statement_texts",
           "verify_maxcut_bound"]

#: Largest ``n`` for which :func:`verify_maxcut_bound` runs the dense exact re-check
#: (above it: the sparse one, while the factor's fill stays below _SPARSE_NNZ_LIMIT).
EXACT_LIMIT = 4000
#: Bits of the fixed-point grid the verifier's Cholesky factor is rounded to.
_GRID_BITS = 60
#: Rows of ``RᵀR`` formed per exact product (bounds the memory of the residual).
_BLOCK = 400
#: Most nonzeros of ``RRᵀ`` the exact sparse check (n > EXACT_LIMIT) handles.
_SPARSE_NNZ_LIMIT = 20_000_000

_TOP_FIELDS = {"format", "format_version", "kind", "statements", "graph", "dual",
               "upper_bound", "upper_bound_decimal", "cut", "informational"}
_TOP_REQUIRED = _TOP_FIELDS - {"cut", "informational"}
_GRAPH_FIELDS = {"n", "edges", "digest"}
_DUAL_FIELDS = {"nu", "shift"}
_CUT_FIELDS = {"x", "cut_value", "cut_value_decimal"}

Edge = Tuple[int, int, str]


class _Fail(Exception):
    """A check of the proof did not pass (the message says which)."""


# ------------------------------------------------------------------ the graph
def graph_digest(n: int, edges: Sequence[Sequence[Any]]) -> str:
    """``"sha256:<hex>"`` of the canonical JSON ``{"edges": [[i, j, w_hex], ...], "n": n}``
    (sorted keys, separators ``(",", ":")``, UTF-8)."""
    return "sha256:" + hashlib.sha256(
        _canonical({"n": n, "edges": [list(e) for e in edges]})).hexdigest()


def _canon_edges(pairs: Mapping[Tuple[int, int], float]) -> List[List[Any]]:
    return [[i, j, float.hex(float(w))] for (i, j), w in sorted(pairs.items()) if w != 0.0]


def _read_gset_edges(path: str) -> Tuple[int, List[List[Any]]]:
    """A minimal strict Gset reader (``n m`` then ``i j w`` lines, 1-based), kept here
    so that the verifier does not import the producer's package."""
    pairs: Dict[Tuple[int, int], float] = {}
    n = m = None
    count = 0
    with open(path, "r", encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            toks = line.split()
            if not toks:
                continue
            where = f"graph {path}, line {lineno}"
            if n is None:
                try:
                    n, m = (int(t) for t in toks) if len(toks) == 2 else (None, None)
                except ValueError:
                    n = None
                if n is None or n < 1 or m < 0:
                    raise ValueError(f"{where}: the header must be 'n m' (integers n ≥ 1, "
                                     "m ≥ 0)")
                continue
            if len(toks) != 3:
                raise ValueError(f"{where}: an edge line must be 'i j w'")
            try:
                i, j, w = int(toks[0]), int(toks[1]), float(toks[2])
            except ValueError:
                raise ValueError(f"{where}: an edge line must be 'i j w' (integers i, j "
                                 "and a number w)") from None
            if not (1 <= i <= n and 1 <= j <= n) or i == j or not math.isfinite(w):
                raise ValueError(f"{where}: vertices must be distinct in 1..{n} and the "
                                 "weight finite")
            key = (min(i, j) - 1, max(i, j) - 1)
            if key in pairs:
                raise ValueError(f"{where}: edge {(key[0] + 1, key[1] + 1)} repeats")
            pairs[key] = w
            count += 1
    if n is None or count != m:
        raise ValueError(f"graph {path}: expected the header 'n m' and m edge lines")
    return n, _canon_edges(pairs)


def graph_edges(graph: Any) -> Tuple[int, List[List[Any]]]:
    """``(n, edges)`` in the certificate's canonical form for the graph a user names.

    Parameters
    ----------
    graph : str or os.PathLike or array_like or scipy.sparse matrix
        A Gset text file (first line ``n m``, then ``i j w`` lines, 1-based); an
        ``n × n`` weight matrix W (dense or sparse; its symmetrised upper triangle
        ``½(W_ij + W_ji)``, ``i < j``, as :func:`idl_sdp.relax.maxcut` uses it; a square
        array is always a weight matrix); or an edge array of shape (m, 2) or (m, 3) /
        a sequence of ``(i, j[, w])`` tuples, with 0-based vertices (weight 1 when
        absent; repeated edges add; ``n`` = largest index + 1).

    Returns
    -------
    n : int
    edges : list of [i, j, w_hex]
        Sorted, ``i < j``, nonzero weights as ``float.hex`` strings.
    """
    if isinstance(graph, (str, os.PathLike)):
        return _read_gset_edges(os.fspath(graph))
    import scipy.sparse as sp  # noqa: PLC0415

    pairs: Dict[Tuple[int, int], float] = {}
    if isinstance(graph, (list, tuple)) and graph and all(isinstance(e, tuple)
                                                          for e in graph):
        graph = np.array(graph, dtype=float)  # a sequence of tuples: an edge list
        if graph.ndim != 2 or graph.shape[1] not in (2, 3):
            raise ValueError("graph: an edge list must hold (i, j) or (i, j, w) tuples")
        square = False
    elif sp.issparse(graph):
        square = True
    else:
        graph = np.asarray(graph)
        if graph.dtype == object or np.iscomplexobj(graph) or not (
                np.issubdtype(graph.dtype, np.number) or graph.dtype == bool):
            raise TypeError("graph must be a Gset file path, a real weight matrix or an "
                            f"edge array, got {type(graph).__name__}")
        if graph.ndim != 2 or graph.size == 0:
            raise ValueError(f"graph: must be a 2-D array, got shape {graph.shape}")
        square = graph.shape[0] == graph.shape[1]
    if square:
        W = sp.csr_matrix(graph, dtype=float)
        if W.shape[0] != W.shape[1] or W.shape[0] == 0:
            raise ValueError(f"graph: a weight matrix must be square and non-empty, got "
                             f"shape {W.shape}")
        if not np.all(np.isfinite(W.data)):
            raise ValueError("graph: the weights must be finite")
        U = sp.triu(0.5 * (W + W.T), k=1).tocoo()  # as idl_sdp.relax.maxcut reads W
        for i, j, w in zip(U.row.tolist(), U.col.tolist(), U.data.tolist()):
            pairs[(i, j)] = w
        n = W.shape[0]
    else:
        A = np.asarray(graph, dtype=float)
        if A.shape[1] not in (2, 3) or not np.all(np.isfinite(A)):
            raise ValueError(f"graph: an edge array must have shape (m, 2) or (m, 3) and "
                             f"finite entries, got shape {A.shape}")
        ij = A[:, :2]
        if np.any(ij != np.round(ij)) or np.any(ij < 0):
            raise ValueError("graph: edge vertices must be nonnegative integers")
        w = A[:, 2] if A.shape[1] == 3 else np.ones(A.shape[0])
        for a, b, x in zip(ij[:, 0].astype(int).tolist(), ij[:, 1].astype(int).tolist(),
                           w.tolist()):
            if a != b:
                key = (min(a, b), max(a, b))
                pairs[key] = pairs.get(key, 0.0) + x
        n = int(ij.max()) + 1
    return n, _canon_edges(pairs)


# ---------------------------------------------------------- parsing helpers
def _hex(x: Any, where: str) -> float:
    """A canonical ``float.hex`` string of a finite float."""
    if not isinstance(x, str):
        raise ValueError(f"{where} must be a float.hex string, got {type(x).__name__}")
    try:
        f = float.fromhex(x)
    except (ValueError, OverflowError):
        raise ValueError(f"{where} is not a float.hex string: {x[:40]!r}") from None
    if not math.isfinite(f) or float.hex(f) != x:
        raise ValueError(f"{where} must be the canonical float.hex of a finite float, "
                         f"got {x[:40]!r}")
    return f


def _exact_fields(d: Any, where: str, allowed: set, required: set) -> Dict[str, Any]:
    if not isinstance(d, dict):
        raise ValueError(f"{where} must be a JSON object, got {type(d).__name__}")
    unknown = sorted(set(d) - allowed)
    if unknown:
        raise ValueError(f"{where}: unknown field {unknown[0]!r}")
    missing = sorted(required - set(d))
    if missing:
        raise ValueError(f"{where}: missing field {missing[0]!r}")
    return d


def _int(x: Any, where: str) -> int:
    if isinstance(x, bool) or not isinstance(x, int):
        raise ValueError(f"{where} must be an integer, got {type(x).__name__}")
    return x


def _parse(data: Dict[str, Any], where: str) -> Dict[str, Any]:
    """Structure and types (ValueError naming the field); no mathematics."""
    _check_header(data, where, KIND_MAXCUT_BOUND)
    _exact_fields(data, where, _TOP_FIELDS, _TOP_REQUIRED)
    g = _exact_fields(data["graph"], f"{where}.graph", _GRAPH_FIELDS, _GRAPH_FIELDS)
    n = _int(g["n"], f"{where}.graph.n")
    if n < 1:
        raise ValueError(f"{where}.graph.n must be ≥ 1, got {n}")
    edges = _field(g, "edges", list, f"{where}.graph")
    _field(g, "digest", str, f"{where}.graph")
    parsed: List[Tuple[int, int, float]] = []
    last = (-1, -1)
    for k, e in enumerate(edges):
        ew = f"{where}.graph.edges[{k}]"
        if not isinstance(e, list) or len(e) != 3:
            raise ValueError(f"{ew} must be a list [i, j, w_hex]")
        i, j = _int(e[0], f"{ew}[0]"), _int(e[1], f"{ew}[1]")
        w = _hex(e[2], f"{ew}[2]")
        if not 0 <= i < j < n:
            raise ValueError(f"{ew}: needs 0 ≤ i < j < n = {n}, got i = {i}, j = {j}")
        if (i, j) <= last:
            raise ValueError(f"{ew}: edges must be sorted by (i, j) without repeats")
        if w == 0.0:
            raise ValueError(f"{ew}: a zero weight is not stored")
        last = (i, j)
        parsed.append((i, j, w))
    dual = _exact_fields(data["dual"], f"{where}.dual", _DUAL_FIELDS, _DUAL_FIELDS)
    nu_raw = _field(dual, "nu", list, f"{where}.dual")
    nu = [_hex(x, f"{where}.dual.nu[{k}]") for k, x in enumerate(nu_raw)]
    shift = _hex(dual["shift"], f"{where}.dual.shift")
    upper = _hex(data["upper_bound"], f"{where}.upper_bound")
    _field(data, "upper_bound_decimal", str, where)
    st = _field(data, "statements", list, where)
    if not all(isinstance(s, str) for s in st):
        raise ValueError(f"{where}: field 'statements' must be a list of strings")
    cut = None
    if "cut" in data:
        c = _exact_fields(data["cut"], f"{where}.cut", _CUT_FIELDS, _CUT_FIELDS)
        x = _field(c, "x", list, f"{where}.cut")
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in x):
            raise ValueError(f"{where}.cut.x must be a list of integers")
        cut = {"x": x, "value": _hex(c["cut_value"], f"{where}.cut.cut_value"),
               "decimal": _field(c, "cut_value_decimal", str, f"{where}.cut")}
    if "informational" in data and not isinstance(data["informational"], dict):
        raise ValueError(f"{where}: field 'informational' must be a JSON object")
    return {"n": n, "edges": edges, "parsed": parsed, "digest": g["digest"], "nu": nu,
            "shift": shift, "upper": upper, "statements": st, "cut": cut}


# ------------------------------------------------------------ statements
def _graph_text(n: int, m: int, digest: str) -> str:
    return f"the stored graph (n = {n}, {m} edges, {digest})"


def statement_texts(n: int, m: int, digest: str, upper: float,
                    cut_value: Optional[float]) -> List[str]:
    """The statement texts of a certificate (what it proves), in file order."""
    g = _graph_text(n, m, digest)
    out = [f"the max-cut SDP value max ¼⟨L, X⟩ s.t. diag X = 1, X ⪰ 0 of {g} is ≤ "
           f"{upper!r} (hence so is its maximum cut)"]
    if cut_value is not None:
        out.append(f"the maximum cut of {g} weighs ≥ {cut_value!r} (the stored cut x)")
    return out


# ------------------------------------------------------------- exact checks
def _dyadic(x: float) -> Tuple[int, int]:
    """``x = a / 2^e`` with integers a and e ≥ 0."""
    a, d = x.as_integer_ratio()
    return a, d.bit_length() - 1


def _fl(q: Fraction) -> str:
    try:
        return f"{float(q):.10g}"
    except OverflowError:
        return "±huge"


def _float_down(q: Fraction) -> float:
    try:
        f = float(q)
    except OverflowError:
        return -math.inf if q < 0 else math.nextafter(math.inf, 0)
    if Fraction(f) > q:
        f = math.nextafter(f, -math.inf)
    return f


def _witness(Mf: np.ndarray) -> Tuple[float, np.ndarray]:
    """The verifier's own float witness: δ ≥ 0 and an upper-triangular R with
    RᵀR ≈ fl(M) − δI. Raises _Fail when fl(M) has no Cholesky factor."""
    import scipy.linalg as sla  # noqa: PLC0415

    n = Mf.shape[0]

    def chol(A: np.ndarray) -> Optional[np.ndarray]:
        try:
            return sla.cholesky(A, lower=False, check_finite=False)
        except np.linalg.LinAlgError:
            return None

    R = chol(Mf)
    if R is None:
        raise _Fail("the verifier's floating-point Cholesky factorisation of "
                    "M = diag ν − ¼L − cI failed: M is not (numerically) positive "
                    "definite, so the shift c is not proven below λ_min(diag ν − ¼L)")

    def solve(x: np.ndarray) -> np.ndarray:
        return sla.solve_triangular(R, sla.solve_triangular(R, x, trans="T"))

    def shifted(d: float) -> Optional[np.ndarray]:
        Md = Mf.copy()
        Md[np.diag_indices(n)] -= d
        return chol(Md)

    delta, Rd = _pick_delta(n, solve, lambda x: Mf @ x, shifted)
    return (delta, Rd) if Rd is not None else (0.0, R)


def _pick_delta(n: int, solve: Callable[[np.ndarray], np.ndarray],
                matvec: Callable[[np.ndarray], np.ndarray],
                shifted: Callable[[float], Any]) -> Tuple[float, Any]:
    """δ ≥ 0 for the witness: λ_min(fl M) estimated by inverse iteration (``solve``
    applies M⁻¹ through the factor; the estimate only chooses δ), then the largest
    δ = est/2·4⁻ᵏ (k < 12) for which ``shifted(δ)`` (a factor of fl(M) − δI) succeeds.
    Returns (δ, that factor), or (0, None) when no shift is found."""
    x = np.random.default_rng(0).standard_normal(n)
    x /= np.linalg.norm(x)
    for _ in range(40):
        y = solve(x)
        ny = float(np.linalg.norm(y))
        if not (math.isfinite(ny) and ny > 0):
            break
        x = y / ny
    est = float(x @ matvec(x))
    if math.isfinite(est) and est > 0:
        d = est / 2
        for _ in range(12):
            F = shifted(d)
            if F is not None:
                return d, F
            d /= 4
    return 0.0, None


def _residual_norm(R_int: np.ndarray, entries: Dict[Tuple[int, int], int], ka: int,
                   kp: int) -> int:
    """``max_i Σ_j |E_ij|`` for ``E = A·2^ka − (R_intᵀ R_int)·2^kp`` exactly, where A is
    the symmetric integer matrix with the given nonzero entries (``(i, j)``, i ≤ j) and
    ``R_int`` is upper triangular (int64). ``RᵀR`` is formed by rows in blocks of
    ``_BLOCK``: ``P[a:b, a:] = R[:b, a:b]ᵀ R[:b, a:]`` (python-flint ``fmpz_mat``), the
    rest of each row from the symmetry of E."""
    import flint  # noqa: PLC0415

    n = R_int.shape[0]
    rows = [0] * n
    by_row: Dict[int, List[Tuple[int, int]]] = {}
    for (i, j), a in entries.items():
        by_row.setdefault(i, []).append((j, a))
    for a0 in range(0, n, _BLOCK):
        b0 = min(n, a0 + _BLOCK)
        # P[a0:b0, a0:] = R[:b0, a0:b0]ᵀ R[:b0, a0:]  (R upper triangular)
        left = flint.fmpz_mat(np.ascontiguousarray(R_int[:b0, a0:b0].T).tolist())
        right = flint.fmpz_mat(R_int[:b0, a0:].tolist())
        P = left * right
        Pl = P.tolist()
        for r, prow in enumerate(Pl):
            i = a0 + r
            s = sum(map(abs, prow))
            rows[i] += int(s) << kp
            for j, a in by_row.get(i, ()):
                p = int(prow[j - a0])
                e = (a << ka) - (p << kp)
                fix = abs(e) - (abs(p) << kp)
                rows[i] += fix
                if j != i:  # E_ji = E_ij: row j counted |P_ji| (block row or column)
                    rows[j] += fix
        if b0 < n:  # the block's columns b0.. are rows b0.. of the symmetric E
            Pt = P.transpose().tolist()
            for c, pcol in enumerate(Pt[b0 - a0:]):
                rows[b0 + c] += int(sum(map(abs, pcol))) << kp
    return max(rows)


def _sparse_witness(Ms: Any) -> Tuple[float, np.ndarray, Any]:
    """The sparse float witness: δ ≥ 0, a permutation p and a lower-triangular sparse R
    with ``R Rᵀ ≈ B − δI``, ``B[p_i, p_j] = fl(M)_ij`` (SuperLU's LDLᵀ with diagonal
    pivots, ``R = L̂ D^{1/2}``). Raises _Fail when there is none."""
    import scipy.sparse as sp  # noqa: PLC0415
    import scipy.sparse.linalg as spla  # noqa: PLC0415

    n = Ms.shape[0]
    eye = sp.identity(n, format="csc")

    def ldl(A: Any) -> Optional[Any]:
        try:
            lu = spla.splu(A.tocsc(), permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0,
                           options={"SymmetricMode": True})
        except RuntimeError:
            return None
        d = lu.U.diagonal()
        if not (np.array_equal(lu.perm_r, lu.perm_c) and np.all(np.isfinite(d))
                and np.all(d > 0)):
            return None
        return lu

    lu = ldl(Ms)
    if lu is None:
        raise _Fail("the verifier's sparse LDLᵀ factorisation (SuperLU, diagonal pivots) "
                    "of M = diag ν − ¼L − cI failed: M is not (numerically) positive "
                    "definite, so the shift c is not proven below λ_min(diag ν − ¼L)")
    delta, lud = _pick_delta(n, lu.solve, lambda x: Ms @ x, lambda d: ldl(Ms - d * eye))
    if lud is not None:
        lu = lud
    R = (sp.csc_matrix(lu.L) @ sp.diags(np.sqrt(lu.U.diagonal()))).tocsr()
    return delta, np.asarray(lu.perm_r), R


def _sparse_residual_norm(R_int: Any, entries: Dict[Tuple[int, int], int], perm: np.ndarray,
                          ka: int, kp: int) -> int:
    """``max_i Σ_j |E_ij|`` for ``E = B·2^ka − (R_int R_intᵀ)·2^kp`` exactly: B is the
    symmetric integer matrix with ``B[perm_i, perm_j] = A_ij`` (A given by its nonzero
    entries ``(i, j)``, i ≤ j) and ``R_int`` a sparse int64 matrix (entries < 2⁶¹).

    ``R_int R_intᵀ`` is exact: ``R_int`` is split into three signed 20-bit pieces, each
    of the nine sparse int64 products sums products below 2⁴⁰ (no overflow for
    n < 2²¹), and they are combined with Python integers on the product's pattern."""
    import scipy.sparse as sp  # noqa: PLC0415

    n = R_int.shape[0]
    if n >= 1 << 21:
        raise _Fail(f"n = {n} is too large for the exact sparse product (n < 2^21)")
    R_int = sp.csr_matrix(R_int, dtype=np.int64)
    R_int.sum_duplicates()
    mag = np.abs(R_int.data)
    if mag.size and int(mag.max()) >= 1 << 60:
        raise _Fail("the rounded factor has an entry of 61 bits or more")
    sign = np.sign(R_int.data)
    pieces = [sp.csr_matrix((sign * ((mag >> (20 * t)) & ((1 << 20) - 1)), R_int.indices,
                             R_int.indptr), shape=(n, n)) for t in range(3)]
    pat = sp.csr_matrix((np.ones_like(mag), R_int.indices, R_int.indptr), shape=(n, n))
    pat = (pat @ pat.T).tocsr()
    pat.sort_indices()
    if pat.nnz > _SPARSE_NNZ_LIMIT:
        raise _Fail(f"undecided: the verifier's factor R has an RRᵀ of {pat.nnz} nonzeros, "
                    f"more than the exact sparse check handles "
                    f"(idl_sdp.certify.verify_maxcut._SPARSE_NNZ_LIMIT = "
                    f"{_SPARSE_NNZ_LIMIT}); nothing is proven")
    prow = np.repeat(np.arange(n, dtype=np.int64), np.diff(pat.indptr))
    lin = prow * n + pat.indices.astype(np.int64)
    vals = np.zeros(pat.nnz, dtype=object)
    vals[:] = 0
    for a in range(3):
        for b in range(3):
            C = (pieces[a] @ pieces[b].T).tocoo()
            C.sum_duplicates()
            pos = np.searchsorted(lin, C.row.astype(np.int64) * n + C.col)
            vals[pos] += C.data.astype(object) * (1 << (20 * (a + b)))
    absv = np.abs(vals)
    rows = [int(sum(absv[pat.indptr[i]:pat.indptr[i + 1]])) << kp for i in range(n)]
    for (i, j), aij in entries.items():
        pi, pj = int(perm[i]), int(perm[j])
        key = pi * n + pj
        k = int(np.searchsorted(lin, key))
        pv = int(vals[k]) if k < len(lin) and lin[k] == key else 0
        fix = abs((aij << ka) - (pv << kp)) - (abs(pv) << kp)
        rows[pi] += fix
        if pi != pj:
            rows[pj] += fix
    return max(rows)


def _upper_check(n: int, parsed: List[Tuple[int, int, float]], nu: List[float],
                 shift: float, upper: float) -> Tuple[Fraction, Fraction, float, Fraction, str]:
    """Prove ``λ_min(diag ν − ¼L) ≥ lam``; return (lam, bound = Σν − n·lam, δ, β, how)."""
    import scipy.sparse as sp  # noqa: PLC0415
    from threadpoolctl import threadpool_limits  # noqa: PLC0415

    nu_arr = np.array(nu, dtype=float)
    I = np.array([e[0] for e in parsed], dtype=np.int64)
    J = np.array([e[1] for e in parsed], dtype=np.int64)
    Wv = np.array([e[2] for e in parsed], dtype=float)
    dense = n <= EXACT_LIMIT
    with np.errstate(all="ignore"):  # fl(M): only to find a witness
        deg_f = np.bincount(I, Wv, minlength=n) + np.bincount(J, Wv, minlength=n)
        diag = nu_arr - 0.25 * deg_f - shift
        Ms = sp.coo_matrix((np.concatenate([0.25 * Wv, 0.25 * Wv, diag]),
                            (np.concatenate([I, J, np.arange(n)]),
                             np.concatenate([J, I, np.arange(n)]))), shape=(n, n))
        Mf = Ms.toarray() if dense else Ms.tocsc()
    if not np.all(np.isfinite(diag)) or not np.all(np.isfinite(0.25 * Wv)):
        raise _Fail("M = diag ν − ¼L − cI cannot be formed in float64 (overflow): the "
                    "verifier finds no factor")
    with threadpool_limits(limits=1, user_api="blas"):  # small dense factorisations
        if dense:
            delta, R = _witness(Mf)
        else:
            delta, perm, R = _sparse_witness(Mf)
    # exact M·2^S over a common power of two: off-diagonal +¼w, diagonal ν − ¼deg − c − δ
    dy_w = [_dyadic(w) for _, _, w in parsed]
    dy_nu = [_dyadic(v) for v in nu]
    c_a, c_e = _dyadic(shift)
    d_a, d_e = _dyadic(delta)
    S = max([c_e, d_e] + [e for _, e in dy_nu] + [e + 2 for _, e in dy_w])
    entries: Dict[Tuple[int, int], int] = {}
    deg = [0] * n
    for (i, j, _), (a, e) in zip(parsed, dy_w):
        q = a << (S - 2 - e)          # ¼w·2^S
        entries[(i, j)] = q
        deg[i] += q
        deg[j] += q
    cshift = (c_a << (S - c_e)) + (d_a << (S - d_e))
    for i, (a, e) in enumerate(dy_nu):
        entries[(i, i)] = (a << (S - e)) - deg[i] - cshift
    # the witness on the grid 2^-s (entries of at most _GRID_BITS bits)
    big = float(np.max(np.abs(R))) if dense else float(np.max(np.abs(R.data), initial=0))
    if not (math.isfinite(big) and big > 0):
        raise _Fail("the verifier's factor is not finite")
    s = _GRID_BITS - math.frexp(big)[1]
    T = max(S, 2 * s)
    if dense:
        # upper triangular by construction (the blocked product relies on it): whatever
        # its entries, P = R_intᵀR_int is then exactly the Gram matrix of one matrix
        R_int = np.triu(np.rint(np.ldexp(R, s)).astype(np.int64))
        beta_num = _residual_norm(R_int, entries, T - S, T - 2 * s)
        how = "the verifier's own dense Cholesky factor R, E = M − RᵀR"
    else:
        R_int = sp.csr_matrix((np.rint(np.ldexp(R.data, s)).astype(np.int64), R.indices,
                               R.indptr), shape=R.shape)
        beta_num = _sparse_residual_norm(R_int, entries, perm, T - S, T - 2 * s)
        how = ("the verifier's own sparse LDLᵀ factor R (SuperLU), E = PMPᵀ − RRᵀ "
               "(P a permutation)")
    beta = Fraction(beta_num, 1 << T)
    lam = Fraction(shift) + Fraction(delta) - beta
    bound = sum((Fraction(v) for v in nu), Fraction(0)) - n * lam
    return lam, bound, delta, beta, how


def _cut_weight(n: int, parsed: List[Tuple[int, int, float]], x: List[int]) -> Fraction:
    if len(x) != n:
        raise _Fail(f"the cut x has {len(x)} entries, but the graph has n = {n} vertices")
    bad = [k for k, v in enumerate(x) if v not in (-1, 1)]
    if bad:
        raise _Fail(f"the cut x has entry x[{bad[0]}] = {x[bad[0]]}, not ±1")
    return sum((Fraction(w) for i, j, w in parsed if x[i] != x[j]), Fraction(0))


# ---------------------------------------------------------------- verifier
def verify_maxcut_bound(data: Dict[str, Any], where: str, bindings: Mapping[str, Any]):
    """Re-check a ``"maxcut-bound"`` certificate (optionally bound to ``graph``)."""
    from .verify import StatementResult, VerificationResult  # noqa: PLC0415

    F = _parse(data, where)
    n, parsed, digest = F["n"], F["parsed"], F["digest"]
    m = len(parsed)
    cut = F["cut"]
    label = None
    graph = bindings.get("graph")
    if graph is not None:
        label = (f"graph {os.fspath(graph)}" if isinstance(graph, (str, os.PathLike))
                 else "the given graph")
        gn, gedges = graph_edges(graph)
    problems: List[str] = []
    if graph_digest(n, F["edges"]) != digest:
        problems.append("the graph's digest does not match its stored n and edge list "
                        "(the graph was changed)")
    if graph is not None and (gn, gedges) != (n, F["edges"]):
        diff = (f"n = {gn}, not {n}" if gn != n else
                f"{len(gedges)} edges, not {m}" if len(gedges) != m else
                "an edge or a weight differs")
        problems.append(f"the certificate is not about {label}: its graph differs ({diff})")
    if len(F["nu"]) != n:
        problems.append(f"dual.nu has {len(F['nu'])} entries, but the graph has n = {n}")
    if data["upper_bound_decimal"] != repr(F["upper"]):
        problems.append("upper_bound_decimal is not the decimal rendering of upper_bound")
    if cut is not None and cut["decimal"] != repr(cut["value"]):
        problems.append("cut.cut_value_decimal is not the decimal rendering of "
                        "cut.cut_value")
    texts = statement_texts(n, m, digest, F["upper"], None if cut is None else cut["value"])
    if F["statements"] != texts:
        problems.append("the stored statements differ from those rebuilt from the checked "
                        "data (graph, upper_bound, cut_value)")
    statements = []
    # --- the upper bound
    text = texts[0]
    try:
        if problems:
            raise _Fail("not checked (see above)")
        lam, bound, delta, beta, via = _upper_check(n, parsed, F["nu"], F["shift"],
                                                    F["upper"])
        if not bound <= Fraction(F["upper"]):
            raise _Fail(f"the proven bound Σν − n·λ = {_fl(bound)} exceeds the claimed "
                        f"upper_bound {F['upper']!r} (λ_min(diag ν − ¼L) ≥ {_fl(lam)} "
                        f"only: shift c = {F['shift']!r}, δ = {delta!r}, ‖E‖_∞ = "
                        f"{_fl(beta)})")
        how = (f"exact: λ_min(diag ν − ¼L) ≥ c + δ − ‖E‖_∞ = {_fl(lam)} for M = "
               f"diag ν − ¼L − (c + δ)I and {via} (c = {F['shift']!r}, δ = {delta:.3g}, "
               f"‖E‖_∞ = {_fl(beta)}), so the SDP value is ≤ Σν − n·λ = {_fl(bound)} ≤ U")
        statements.append(StatementResult("upper", text, True, True, _float_down(lam),
                                          f"VALID PROOF: {text} HOLDS — {how}"))
    except _Fail as exc:
        statements.append(StatementResult("upper", text, False, None, None,
                                          f"INVALID: upper: {exc}"))
    except (ArithmeticError, ValueError, MemoryError) as exc:
        statements.append(StatementResult(
            "upper", text, False, None, None,
            f"INVALID: upper: the proof data cannot be evaluated ({exc})"))
    # --- the cut
    if cut is not None:
        text = texts[1]
        try:
            if problems:
                raise _Fail("not checked (see above)")
            weight = _cut_weight(n, parsed, cut["x"])
            if not weight >= Fraction(cut["value"]):
                raise _Fail(f"the stored cut weighs {_fl(weight)} exactly, less than the "
                            f"claimed cut_value {cut['value']!r}")
            statements.append(StatementResult(
                "cut", text, True, True, None,
                f"VALID PROOF: {text} HOLDS — the cut x (entries ±1) weighs exactly "
                f"{_fl(weight)}"))
        except _Fail as exc:
            statements.append(StatementResult("cut", text, False, None, None,
                                              f"INVALID: cut: {exc}"))
    valid = not problems and all(s.valid for s in statements)
    claims = [f"SDP value ≤ {F['upper']!r}"] + (
        [f"max cut ≥ {cut['value']!r}"] if cut is not None else [])
    head = (f"{'VALID' if valid else 'INVALID'} max-cut certificate (n = {n}, {m} edges, "
            f"{digest[:19]}…): " + ", ".join(claims))
    bind = (f"bound to {label}: its edge list equals the certificate's exactly" if label
            and valid else f"checked against {label}" if label else
            "not bound to a graph (pass --graph FILE / verify(..., graph=) to check that "
            "it is about yours)")
    lines = [head] + [f"INVALID: {p}" for p in problems] + [s.message for s in statements]
    lines += [bind, "not checked: the 'informational' fields (float estimates, timings) "
                    "are not part of the proof"]
    return VerificationResult(KIND_MAXCUT_BOUND, valid, tuple(statements), "\n".join(lines),
                              label, tuple(problems))
