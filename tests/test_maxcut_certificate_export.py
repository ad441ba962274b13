"""Max-cut dual bounds exported as certificate files and re-checked exactly by
``verify`` / ``idl-sdp verify`` (kind "maxcut-bound"): round trips, independent
references (dense eigenvalues, cvxpy + Clarabel), tampering, bindings, the CLI."""
import json
import math
from fractions import Fraction

import numpy as np
import pytest
import scipy.sparse as sp

from idl_sdp.certify import verify
from idl_sdp.certify import verify_maxcut as vm
from idl_sdp.cli import EXIT_FAILED, EXIT_OK
from idl_sdp.cli import main as cli_main
from idl_sdp.relax import laplacian, maxcut, maxcut_certificate, write_maxcut_certificate

pytest.importorskip("flint")


def _graph(n, kind, seed=0, degree=6.0):
    rng = np.random.default_rng(seed)
    A = sp.triu(sp.random(n, n, density=min(1.0, degree / n), random_state=seed), 1).tocsr()
    if kind == "unit":
        A.data[:] = 1.0
    elif kind == "pm1":
        A.data = rng.choice([-1.0, 1.0], A.nnz)
    else:
        A.data = rng.standard_normal(A.nnz)
    return (A + A.T).tocsr()


def _edit(path, fn, out=None):
    data = json.loads(path.read_text())
    fn(data)
    out = out or path.with_name("edited.json")
    out.write_text(json.dumps(data))
    return out


def _sdp_value(W):
    cp = pytest.importorskip("cvxpy")
    L = laplacian(W).toarray()
    n = L.shape[0]
    X = cp.Variable((n, n), symmetric=True)
    prob = cp.Problem(cp.Maximize(cp.trace(L @ X) / 4), [cp.diag(X) == 1, X >> 0])
    prob.solve(solver=cp.CLARABEL, tol_gap_abs=1e-11, tol_gap_rel=1e-11, tol_feas=1e-11)
    return float(prob.value)


def _dense_bound(W, nu):
    L = laplacian(W).toarray()
    lam = np.linalg.eigvalsh(np.diag(nu) - L / 4)[0]
    return float(np.sum(nu) - len(nu) * lam)


def _upper(res):
    return next(s for s in res.statements if s.which == "upper")


# ------------------------------------------------------------------ round trips
@pytest.mark.parametrize("n,kind", [(20, "unit"), (20, "float"), (120, "pm1"),
                                    (120, "float"), (400, "unit"), (400, "pm1")])
def test_round_trip(tmp_path, n, kind):
    W = _graph(n, kind, seed=n)
    res = maxcut(W, "bm")
    path = tmp_path / "cut.json"
    res.to_json(path, W)
    out = verify(path)
    assert out.valid and out.ok, out.message
    assert out.kind == "maxcut-bound"
    up = _upper(out)
    assert f"is ≤ {float(res.upper_bound)!r} " in up.statement
    assert "HOLDS" in up.message and up.margin >= res.certificate.lambda_lower - 1e-12
    cut = next(s for s in out.statements if s.which == "cut")
    assert cut.holds and abs(float(cut.statement.split("≥ ")[1].split()[0])
                             - res.cut_value) <= 1e-9 * max(1.0, abs(res.cut_value))
    assert verify(path, graph=W).ok
    assert verify(path, graph=W.toarray()).ok
    # a graph differing in one edge weight
    W2 = W.tolil()
    i, j = W.nonzero()[0][0], W.nonzero()[1][0]
    W2[i, j] = W2[j, i] = W[i, j] + 0.5
    bad = verify(path, graph=W2.tocsr())
    assert not bad.valid and bad.holds is None
    assert "not about the given graph" in bad.message


def test_gset_graph_and_file_binding(tmp_path):
    from idl_sdp.datasets import gset
    W = gset("G14")
    res = maxcut(W, "bm")
    path = tmp_path / "g14.json"
    res.to_json(path, W)
    # the graph as a Gset text file (1-based, "n m" header)
    U = sp.triu(W, 1).tocoo()
    lines = [f"{W.shape[0]} {U.nnz}"] + [f"{i + 1} {j + 1} {int(w)}"
                                          for i, j, w in zip(U.row, U.col, U.data)]
    gfile = tmp_path / "G14.txt"
    gfile.write_text("\n".join(lines) + "\n")
    out = verify(path, graph=gfile)
    assert out.ok, out.message
    assert f"graph {gfile}" in out.message
    assert verify(path, graph=np.c_[U.row, U.col, U.data]).ok  # an edge array
    lines[5] = lines[5].rsplit(" ", 1)[0] + " " + str(-int(lines[5].rsplit(" ", 1)[1]))
    gfile.write_text("\n".join(lines) + "\n")
    assert not verify(path, graph=gfile).valid


# ----------------------------------------------------- independent references
@pytest.mark.parametrize("kind", ["unit", "pm1", "float"])
def test_against_eigenvalues_and_cvxpy(tmp_path, kind):
    W = _graph(40, kind, seed=3, degree=8.0)
    res = maxcut(W, "bm")
    path = tmp_path / "c.json"
    res.to_json(path, W)
    out = verify(path)
    assert out.ok
    U = res.upper_bound
    assert _dense_bound(W, res.certificate.nu) <= U
    p_star = _sdp_value(W)
    assert U >= p_star - 1e-6 * abs(p_star)
    # U below the true SDP value: never HOLDS
    for low in (_dense_bound(W, res.certificate.nu) - 1.0, p_star - 1e-3):
        bad = _edit(path, lambda d: _set_upper(d, low))
        r = verify(bad)
        assert r.holds is not True and not r.ok


def _set_upper(d, u):
    u = float(u)
    d["upper_bound"] = float.hex(u)
    d["upper_bound_decimal"] = repr(u)
    d["statements"][0] = d["statements"][0].replace(
        d["statements"][0].split("is ≤ ")[1].split(" ")[0], repr(u))


def test_wrong_nu_gives_a_looser_true_bound(tmp_path):
    W = _graph(30, "float", seed=5, degree=8.0)
    L = laplacian(W)
    p_star = _sdp_value(W)
    res = maxcut(W, "bm")
    rng = np.random.default_rng(0)
    for nu in (res.certificate.nu + 0.3 * rng.standard_normal(30), L.diagonal() / 1.0,
               np.zeros(30)):
        b = maxcut_certificate(L, nu)
        path = tmp_path / "w.json"
        b.to_json(path, W)
        out = verify(path, graph=W)
        assert out.ok, out.message
        assert b.upper_bound >= p_star - 1e-9 * abs(p_star)
        assert len(out.statements) == 1  # a bare DualBound stores no cut


# ------------------------------------------------------------------ tampering
@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    W = _graph(60, "float", seed=7, degree=6.0)
    res = maxcut(W, "bm")
    path = tmp_path_factory.mktemp("mc") / "c.json"
    res.to_json(path, W)
    return W, res, path


def _redigest(d):
    d["graph"]["digest"] = vm.graph_digest(d["graph"]["n"], d["graph"]["edges"])


def _bump_weight(d, redigest, V):
    # the edge whose weight counts most at the optimum: raising it raises the SDP value
    edges = d["graph"]["edges"]
    k = int(np.argmin([V[i] @ V[j] for i, j, _ in edges]))
    edges[k][2] = float.hex(float.fromhex(edges[k][2]) + 10.0)
    if redigest:
        old = d["graph"]["digest"]
        _redigest(d)
        d["statements"] = [s.replace(old, d["graph"]["digest"]) for s in d["statements"]]


def _raise_shift(d, W, res):
    """c above λ_min(diag ν − ¼L): M is indefinite and has no Cholesky factor."""
    lam = np.linalg.eigvalsh(np.diag(res.certificate.nu) - laplacian(W).toarray() / 4)[0]
    d["dual"]["shift"] = float.hex(float(lam) + 1e-3)


@pytest.mark.parametrize("case", [
    "nu", "weight", "weight+digest", "truncated-nu", "shift", "cut-zero", "cut-short",
    "cut-value", "statement", "upper-decimal", "upper-lower"])
def test_tampering_rejected(cert, case):
    W, res, path = cert
    edits = {
        "nu": lambda d: d["dual"]["nu"].__setitem__(0, float.hex(
            float.fromhex(d["dual"]["nu"][0]) - 0.5)),
        "weight": lambda d: _bump_weight(d, False, res.V),
        "weight+digest": lambda d: _bump_weight(d, True, res.V),
        "truncated-nu": lambda d: d["dual"]["nu"].pop(),
        "shift": lambda d: _raise_shift(d, W, res),
        "cut-zero": lambda d: d["cut"]["x"].__setitem__(2, 0),
        "cut-short": lambda d: d["cut"]["x"].pop(),
        "cut-value": lambda d: _inflate_cut(d),
        "statement": lambda d: d["statements"].__setitem__(
            0, d["statements"][0].replace("≤", "<")),
        "upper-decimal": lambda d: d.__setitem__("upper_bound_decimal", "1.0"),
        "upper-lower": lambda d: _set_upper(d, res.upper_bound - 1.0),
    }
    bad = _edit(path, edits[case])
    out = verify(bad)
    assert not out.valid and out.holds is None and not out.ok, case
    assert "INVALID" in out.message
    if case == "shift":
        assert "Cholesky" in out.message
    if case == "weight+digest":  # a different graph, correctly described: U fails
        assert "exceeds the claimed upper_bound" in out.message or \
            "Cholesky" in out.message
    if case == "cut-value":
        assert "less than the claimed cut_value" in out.message


def _inflate_cut(d):
    v = float.fromhex(d["cut"]["cut_value"]) + 1.0
    old = d["cut"]["cut_value_decimal"]
    d["cut"]["cut_value"] = float.hex(v)
    d["cut"]["cut_value_decimal"] = repr(v)
    d["statements"][1] = d["statements"][1].replace(old, repr(v))


@pytest.mark.parametrize("case", ["extra-top", "extra-graph", "missing", "bad-hex",
                                  "unsorted", "bool-cut"])
def test_malformed_refused(cert, case):
    _, _, path = cert
    edits = {
        "extra-top": lambda d: d.__setitem__("note", "trust me"),
        "extra-graph": lambda d: d["graph"].__setitem__("weights", []),
        "missing": lambda d: d.pop("dual"),
        "bad-hex": lambda d: d["dual"]["nu"].__setitem__(0, "1.5"),
        "unsorted": lambda d: d["graph"]["edges"].reverse(),
        "bool-cut": lambda d: d["cut"]["x"].__setitem__(0, True),
    }
    bad = _edit(path, edits[case])
    with pytest.raises(ValueError, match="certificate"):
        verify(bad)
    assert cli_main(["verify", str(bad)]) != EXIT_OK


def test_informational_is_not_checked(cert):
    _, _, path = cert
    bad = _edit(path, lambda d: d["informational"].__setitem__("value", -1.0))
    out = verify(bad)
    assert out.ok and "informational" in out.message and "not checked" in out.message


def test_sparse_path_above_exact_limit(cert, monkeypatch):
    """Above EXACT_LIMIT the verifier's witness is a sparse LDLᵀ: still an exact proof;
    a fill beyond the sparse limit is reported undecided (INVALID), not crashed on."""
    W, res, path = cert
    monkeypatch.setattr(vm, "EXACT_LIMIT", 10)
    out = verify(path, graph=W)
    assert out.ok, out.message
    assert "sparse LDLᵀ" in out.message
    bad = _edit(path, lambda d: _set_upper(d, res.upper_bound - 1e-3))
    assert not verify(bad).valid
    monkeypatch.setattr(vm, "_SPARSE_NNZ_LIMIT", 100)
    out = verify(path)
    assert not out.valid and out.holds is None
    assert "undecided" in out.message and "_SPARSE_NNZ_LIMIT" in out.message


def test_sparse_residual_matches_fractions():
    rng = np.random.default_rng(2)
    n = 17
    R = sp.random(n, n, density=0.3, random_state=3, format="csr")
    R = sp.csr_matrix((rng.integers(-2**60 + 1, 2**60, R.nnz, dtype=np.int64), R.indices,
                       R.indptr), shape=(n, n))  # 60-bit entries, any pattern
    perm = rng.permutation(n)
    entries = {(i, j): int(rng.integers(-2**62, 2**62)) << 5
               for i in range(n) for j in range(i, n) if i == j or rng.random() < 0.2}
    Rd = [[0] * n for _ in range(n)]
    for i in range(n):
        for k in range(R.indptr[i], R.indptr[i + 1]):
            Rd[i][int(R.indices[k])] = int(R.data[k])
    B = [[0] * n for _ in range(n)]
    for (i, j), v in entries.items():
        B[perm[i]][perm[j]] = B[perm[j]][perm[i]] = v
    ka, kp = 0, 4
    want = max(sum(abs((B[i][j] << ka) - (sum(Rd[i][k] * Rd[j][k] for k in range(n)) << kp))
                   for j in range(n)) for i in range(n))
    assert vm._sparse_residual_norm(R, entries, perm, ka, kp) == want


def test_exact_residual_matches_fractions(monkeypatch):
    rng = np.random.default_rng(1)
    n = 23
    R = np.triu(rng.integers(-2**59, 2**59, (n, n), dtype=np.int64))
    entries = {(i, j): int(rng.integers(-2**62, 2**62)) << 8 if rng.random() < 0.3 else 0
               for i in range(n) for j in range(i, n)}
    entries = {k: v for k, v in entries.items() if v or k[0] == k[1]}
    ka, kp = 3, 0
    P = [[sum(int(R[k, i]) * int(R[k, j]) for k in range(n)) for j in range(n)]
         for i in range(n)]
    A = [[0] * n for _ in range(n)]
    for (i, j), v in entries.items():
        A[i][j] = A[j][i] = v
    want = max(sum(abs((A[i][j] << ka) - (P[i][j] << kp)) for j in range(n))
               for i in range(n))
    for block in (5, 7, 100):
        monkeypatch.setattr(vm, "_BLOCK", block)
        assert vm._residual_norm(R, entries, ka, kp) == want


# ------------------------------------------------------------------ producer API
def test_export_refuses_bad_input(tmp_path):
    W = _graph(20, "unit")
    res = maxcut(W, "bm", certify=False)
    with pytest.raises(ValueError, match="result"):
        res.to_json(tmp_path / "x.json", W)
    res = maxcut(W, "bm")
    with pytest.raises(ValueError, match="W"):
        res.to_json(tmp_path / "x.json", _graph(21, "unit"))
    bad = maxcut_certificate(laplacian(W), res.certificate.nu)
    bad.certified, bad.upper_bound = False, math.inf
    with pytest.raises(ValueError, match="certified"):
        write_maxcut_certificate(tmp_path / "x.json", W, bad)
    with pytest.raises(TypeError, match="result"):
        write_maxcut_certificate(tmp_path / "x.json", W, object())
    assert not (tmp_path / "x.json").exists()
    res.to_json(tmp_path / "nocut.json", W, cut=False)
    out = verify(tmp_path / "nocut.json")
    assert out.ok and [s.which for s in out.statements] == ["upper"]


def test_stored_cut_value_never_exceeds_exact_weight(tmp_path):
    W = _graph(50, "float", seed=11)
    res = maxcut(W, "bm")
    res.to_json(tmp_path / "c.json", W)
    d = json.loads((tmp_path / "c.json").read_text())
    x = d["cut"]["x"]
    exact = sum((Fraction(float.fromhex(w)) for i, j, w in d["graph"]["edges"]
                 if x[i] != x[j]), Fraction(0))
    assert Fraction(float.fromhex(d["cut"]["cut_value"])) <= exact


# ------------------------------------------------------------------------ CLI
def test_cli(cert, tmp_path, capsys):
    W, res, path = cert
    assert cli_main(["verify", str(path)]) == EXIT_OK
    assert "HOLDS" in capsys.readouterr().out
    bad = _edit(path, lambda d: _set_upper(d, res.upper_bound - 1.0), tmp_path / "b.json")
    assert cli_main(["verify", str(bad)]) == EXIT_FAILED == 2
    U = sp.triu(W, 1).tocoo()
    g = tmp_path / "g.txt"
    g.write_text(f"{W.shape[0]} {U.nnz}\n" + "".join(
        f"{i + 1} {j + 1} {float(w)!r}\n" for i, j, w in zip(U.row, U.col, U.data)))
    assert cli_main(["verify", str(path), "--graph", str(g)]) == EXIT_OK
    assert "bound to graph" in capsys.readouterr().out
    g.write_text(g.read_text().replace("\n1 ", "\n1 ", 1).replace(
        f"{float(U.data[0])!r}", f"{float(U.data[0]) * 2!r}", 1))
    assert cli_main(["verify", str(path), "--graph", str(g)]) == EXIT_FAILED
