"""Result objects print short and uniform; one naming convention with deprecated aliases;
the names that are both a module and a function; edge lists for max-cut."""
import importlib
import inspect
import json
import pickle
import re
import subprocess
import sys
import warnings

import cvxpy as cp
import numpy as np
import pytest
import scipy.sparse as sp

import idl_sdp
from idl_sdp import lab, lsq, relax
from idl_sdp._repr import History, format_value, result_repr
from idl_sdp.certify import certify_lmi  # noqa: F401  (a name of the subpackage)
from idl_sdp.certify.exact import exact_ldl
from idl_sdp.certify.floating import FloatView, cholesky_bound
from idl_sdp.certify.rational import ExactMatrix
from idl_sdp.fast.lmi_qp import RankTwoLMI, solve_lmi_qp

from conftest import random_model

MAX_LINES, MAX_CHARS = 15, 1500


def _graph(n, p=0.05, seed=0):
    rng = np.random.default_rng(seed)
    W = np.triu((rng.random((n, n)) < p).astype(float), 1)
    return W + W.T


def _tiny_sdp():
    C = np.array([[2.0, 1.0, 0.0], [1.0, 2.0, 1.0], [0.0, 1.0, 2.0]])
    X = cp.Variable((3, 3), symmetric=True, name="X")
    return cp.Problem(cp.Minimize(cp.trace(C @ X)), [cp.trace(X) == 1, X >> 0])


def _check(obj, *keys):
    """The repr is short, names the key fields, never prints an array's entries."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)  # no alias used by a repr
        text, plain = repr(obj), str(obj)
    lines = text.splitlines()
    assert len(lines) <= MAX_LINES and len(text) <= MAX_CHARS, text
    assert lines[0].startswith(type(obj).__name__), text
    for key in keys:
        assert key in text, (key, text)
    assert not re.search(r"(\d[\d.e+-]*[,\s]+){8}", text), text  # never an array's entries
    assert isinstance(plain, str) and plain
    return text


# ------------------------------------------------------------------- the reprs
@pytest.fixture(scope="module")
def big_maxcut():
    return relax.maxcut(_graph(300), max_iter=30, rounds=5)


def test_maxcut_result_repr_is_short_for_n_300(big_maxcut):
    text = _check(big_maxcut, "method='bm'", "converged", "value", "upper_bound",
                  "relative_gap", "cut_value", "n_iter", "seconds", "shape=(300,")
    assert "history" not in text.split("V:")[0] or "records" in text
    _check(big_maxcut.certificate, "upper_bound", "certified", "shape=(300,)")


def test_kmeans_basis_pursuit_and_alm_reprs():
    X, labels = relax.stochastic_balls(k=3, per_ball=40, seed=1)
    km = relax.kmeans_sdp(X, 3, "bm", labels=labels, max_iter=5)
    _check(km, "method='bm'", "kmeans_cost", "lower_bound", "n_iter", "shape=(120, 120)")
    B, b, _, _ = relax.sparse_instance(n=40, d=120, k=4)
    bp = relax.basis_pursuit(B, b, "ialm", max_iter=20)
    _check(bp, "method='ialm'", "objective", "residual", "converged", "n_iter", "shape=(120,)")
    alm = relax.augmented_lagrangian(
        lambda x: float(x @ x), lambda x: 2 * x, lambda x: np.array([x.sum() - 1.0]),
        lambda x, y: y[0] * np.ones_like(x), None, np.zeros(500), max_outer=5)
    _check(alm, "ALMResult(converged=", "feasibility", "n_iter", "n_inner", "shape=(500,)")


def test_lsq_reprs():
    rng = np.random.default_rng(0)
    A, B = rng.standard_normal((200, 30)), rng.standard_normal((150, 30))
    C = (A * rng.standard_normal(30)) @ B.T
    d = lsq.diagonal_least_squares(A, B, C, "coordinate", rounds=3)
    _check(d, "DiagonalResult(method='coordinate')", "residual", "n_iter", "shape=(30,)",
           "history")
    A, B = rng.standard_normal((300, 20)), rng.standard_normal((300, 10))
    y = (A @ rng.standard_normal(20)) * (B @ rng.standard_normal(10))
    h = lsq.hadamard_least_squares(A, B, y, "als", rounds=5)
    _check(h, "HadamardResult(method='als')", "residual", "exact", "shape=(20,)")
    r1 = lsq.rank_one_als(rng.standard_normal((200, 100)), rounds=5)
    _check(r1, "BiconvexResult(problem=", "objective", "n_iter", "blocks")


def test_fit_result_repr():
    rng = np.random.default_rng(2)
    U, Y = rng.standard_normal((3, 40)), rng.standard_normal((2, 40))
    res = idl_sdp.fit(U, Y, hidden=3, reg=1e-2, rounds=2)
    _check(res, "FitResult(converged=", "n_iter", "J", "reg", "h=3", "shape=(3, 40)")


@pytest.fixture(scope="module")
def model():
    return random_model(np.random.default_rng(5), n=3, h=4, p=2, norm2=0.3)


def test_certificate_and_verification_reprs(model, tmp_path):
    cert = idl_sdp.certify(model, lam=1.0, which="norm", eps=0.05)
    _check(cert, "Certificate(status=", "which='norm'", "margin", "order")
    assert str(cert).startswith("Certificate: ")  # the verdict text is unchanged
    bundle = idl_sdp.certify(model, lam=1.0, eps=0.05, which="all")
    _check(bundle, "CertificateBundle(status=", "certified", "conditions")
    bundle.to_json(tmp_path / "b.json")
    res = idl_sdp.verify(tmp_path / "b.json")
    _check(res, "VerificationResult(kind=", "valid=", "holds=", "statements")
    _check(res.statements[0], "StatementResult(which=", "valid=True", "margin")


def test_value_bounds_and_exact_proof_reprs():
    vb = idl_sdp.value_bounds(_tiny_sdp())
    text = _check(vb, "ValueBounds(status='bounded')", "lower", "upper", "width", "CLARABEL")
    assert repr(vb.lower) in text  # proven bounds keep every digit
    rng = np.random.default_rng(3)
    G = rng.standard_normal((40, 40))
    M = ExactMatrix.from_floats(G @ G.T + 40 * np.eye(40))
    _check(exact_ldl(M), "LDLResult(psd=True)", "rank", "pivots")
    proof = cholesky_bound(FloatView.of(M), 0.0)
    _check(proof, "lower_bound", "shape=(40, 40)")
    _check(FloatView.of(M), "order", "shape=(40, 40)")


def test_lmi_qp_result_repr():
    block = RankTwoLMI(np.eye(1), 0, np.array([[-0.5]]), np.array([0]))
    res = solve_lmi_qp(np.eye(1), np.array([-3.0]), [block])
    _check(res, "LMIQPResult(status='optimal')", "objective", "n_iter", "gap")


def test_lab_table_reprs():
    table = lab.compare_solvers(_tiny_sdp(), "CLARABEL", (1e-6,), name="tiny")
    _check(table, "ComparisonTable(name='tiny')", "rows", "CLARABEL")
    _check(table.reference, "ReferenceSolution(solver=", "objective", "status")
    bt = lab.compare_bounds(_tiny_sdp(), "CLARABEL", (1e-6,), name="tiny")
    _check(bt, "BoundsTable(name='tiny')", "rows", "status")


def test_format_value_bounds_everything():
    assert format_value(np.zeros((1000, 1000))) == "array(shape=(1000, 1000), dtype=float64)"
    assert format_value(sp.eye(5000, format="csr")).startswith("sparse(shape=(5000, 5000)")
    assert format_value(1 / 3) == "0.3333333"
    assert format_value(list(range(10 ** 5))) == "list of 100000 items"
    assert format_value({f"k{i}": i for i in range(50)}).startswith("dict of 50 keys")
    assert len(format_value("x" * 10 ** 5)) <= 96
    assert format_value([{"a": 1}, {"a": 2, "b": 3}]) == "list of 2 dicts (keys: a, b)"
    text = result_repr("R", [("a", 1.0), ("long_name", "s")], head=[("m", "x")])
    assert text.splitlines() == ["R(m='x')", "          a: 1", "  long_name: 's'"]


# ----------------------------------------------------------- naming convention
def test_history_is_a_list_of_records_with_deprecated_columns(big_maxcut):
    h = big_maxcut.history
    assert isinstance(h, list) and all(isinstance(r, dict) for r in h)
    assert big_maxcut.n_iter == len(h) and {"value", "time"} <= set(h[0])
    times = h.column("time")
    assert len(times) == len(h) and times == sorted(times)
    with pytest.warns(DeprecationWarning, match="history.column"):
        assert big_maxcut.history["time"] == times
    with pytest.warns(DeprecationWarning):
        assert "gradnorm" in h
    with pytest.warns(DeprecationWarning):
        assert h.get("nothing", 7) == 7
    with pytest.warns(DeprecationWarning):
        assert "value" in h.keys()  # noqa: SIM118  (the deprecated dict API under test)
    assert History.from_columns({"a": [1, 2], "b": [3]}) == [{"a": 1, "b": 3}, {"a": 2}]
    assert pickle.loads(pickle.dumps(h)) == h


def test_results_default_to_not_converged():
    z = np.zeros(2)
    assert not relax.MaxCutResult("bm", 0.0, 0.0, z, 0.0, z).converged
    assert not relax.KMeansResult("bm", z, z, 0.0, 0.0).converged
    assert not relax.BasisPursuitResult("lp", z, 0.0, 0.0).converged
    assert not lsq.DiagonalResult(method="normal", residual=0.0, s=z, objective=0.0).converged
    assert not lsq.BiconvexResult(problem="p", objective=0.0, blocks={}).converged


def test_renamed_attributes_keep_working_with_a_warning(model):
    bp = relax.BasisPursuitResult("lp", np.zeros(2), 0.0, 0.0, info={"k": 1})
    with pytest.warns(DeprecationWarning, match=r"BasisPursuitResult.extra .*\.info"):
        assert bp.extra == {"k": 1}
    alm = relax.ALMResult(np.zeros(1), np.zeros(1), 1.0,
                          history={"feasibility": [1.0, 0.5], "inner": [3, 4]})
    assert alm.n_iter == 2 and alm.n_inner == 7 and alm.history[1] == {"feasibility": 0.5,
                                                                      "inner": 4}
    with pytest.warns(DeprecationWarning):
        assert alm.outer_iterations == 2
    with pytest.warns(DeprecationWarning):
        assert alm.inner_iterations == 7
    cert = idl_sdp.certify(model, lam=1.0, which="norm", eps=0.05)
    assert "seconds" in cert.info
    with pytest.warns(DeprecationWarning, match="details"):
        assert cert.details is cert.info
    fit_result = idl_sdp.FitResult(model=model, X=np.zeros((4, 1)), lam=np.ones(4), reg=0.0,
                                   history=[{"J": 1.0}, {"J": 0.5}])
    assert fit_result.n_iter == 2
    with pytest.warns(DeprecationWarning, match="n_rounds"):
        assert fit_result.n_rounds == 2
    with pytest.raises(AttributeError):  # read-only
        fit_result.n_rounds = 3


# --------------------------------------------- module names that are also functions
def test_certify_is_callable_and_the_subpackage(model):
    import idl_sdp.certify as pkg  # the subpackage, not the function
    import idl_sdp.certify.bounds as bounds  # noqa: PLR0402  (the spelling under test)
    from idl_sdp.certify import Certificate, certify

    assert pkg is idl_sdp.certify and isinstance(pkg, type(sys))
    assert bounds.ValueBounds is idl_sdp.ValueBounds
    assert inspect.isfunction(certify) and pkg.certify is certify
    assert pkg.verify is idl_sdp.verify
    cert = idl_sdp.certify(model, lam=1.0, which="norm", eps=0.05)
    assert isinstance(cert, Certificate) and cert.certified
    again = pkg(model, lam=1.0, which="norm", eps=0.05)
    assert (again.status, again.margin) == (cert.status, cert.margin)
    assert inspect.signature(idl_sdp.certify) == inspect.signature(certify)
    assert pickle.loads(pickle.dumps(idl_sdp.certify)) is idl_sdp.certify


def test_alternate_and_objective_are_callable_modules(model):
    import idl_sdp.alternate as alt_module
    from idl_sdp.alternate import AlternationResult

    assert alt_module is idl_sdp.alternate and alt_module.AlternationResult is AlternationResult
    run = idl_sdp.alternate(1.0, [("halve", lambda s: (s / 2, {}))], lambda s: s, rounds=3,
                            tol=0)
    assert isinstance(run, AlternationResult) and run.state == 0.125
    rng = np.random.default_rng(0)
    U, Y = rng.standard_normal((3, 5)), rng.standard_normal((2, 5))
    X = np.abs(rng.standard_normal((4, 5)))
    value = idl_sdp.objective(model, X, U, Y, np.ones(4))
    assert value == importlib.import_module("idl_sdp.objective").objective(
        model, X, U, Y, np.ones(4))


def test_fresh_interpreter_import_forms():
    """Each spelling in a new process, where import order cannot hide a difference."""
    code = ("import idl_sdp.certify.bounds as b, idl_sdp.certify as c, idl_sdp;"
            "from idl_sdp import certify;"
            "from idl_sdp.certify.verify import VerificationResult;"
            "assert certify is c is idl_sdp.certify and callable(c) and b.value_bounds;"
            "assert c.verify is idl_sdp.verify;"
            "print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=False)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


# ----------------------------------------------------------- max-cut edge lists
def test_maxcut_refuses_an_edge_list_given_as_W():
    with pytest.raises(ValueError, match=r"W looks like an edge list.*edges="):
        relax.maxcut([(0, 1), (1, 2)])  # would otherwise be the 2×2 matrix [[0,1],[1,2]]
    with pytest.raises(ValueError, match=r"W must be a square.*\(5, 2\).*edges="):
        relax.maxcut(np.array([[0, 1], [1, 2], [2, 3], [3, 4], [4, 0]]))
    with pytest.raises(ValueError, match="W must be square"):
        relax.maxcut(np.ones((3, 4)))
    with pytest.raises(ValueError, match="W must be symmetric"):
        relax.maxcut(np.array([[0.0, 1.0], [2.0, 0.0]]))
    with pytest.raises(TypeError, match="exactly one of W"):
        relax.maxcut()
    with pytest.raises(TypeError, match="got both"):
        relax.maxcut(np.zeros((2, 2)), edges=[(0, 1)])


def test_maxcut_from_an_edge_list_matches_the_matrix():
    n = 30
    W = _graph(n, p=0.3, seed=4) * np.random.default_rng(4).uniform(1, 2, (n, n))
    W = np.triu(W, 1)
    W = W + W.T
    i, j = np.nonzero(np.triu(W, 1))
    weighted = [(a, b, W[a, b]) for a, b in zip(i, j, strict=True)]
    np.testing.assert_array_equal(relax.weights_from_edges(weighted).toarray(), W)
    by_edges = relax.maxcut(edges=weighted, seed=1)
    by_matrix = relax.maxcut(W, seed=1)
    assert by_edges.value == pytest.approx(by_matrix.value, rel=1e-9)
    assert by_edges.cut_value == pytest.approx(by_matrix.cut_value)
    # unweighted (m, 2) array; duplicates add up, loops are dropped, n pads isolated vertices
    Wu = relax.weights_from_edges(np.array([[0, 1], [1, 0], [2, 2]]), n=4).toarray()
    assert Wu.shape == (4, 4) and Wu[0, 1] == Wu[1, 0] == 2 and not Wu.diagonal().any()
    triangle = relax.maxcut(edges=[(0, 1), (1, 2), (2, 0)], method="sdp")
    assert triangle.value == pytest.approx(2.25, rel=1e-6) and triangle.cut_value == 2


@pytest.mark.parametrize("edges, match", [
    (np.zeros((0, 2)), "shape"), (np.ones((3, 4)), "shape"), ([(0, 1.5)], "integers"),
    ([(-1, 0)], "integers"), ([(0, 1, np.inf)], "edges"),
])
def test_weights_from_edges_names_the_argument(edges, match):
    with pytest.raises(ValueError, match=match):
        relax.weights_from_edges(edges)
    with pytest.raises(ValueError, match="out of range"):
        relax.weights_from_edges([(0, 3)], n=3)


def test_history_records_are_json_ready(big_maxcut):
    json.dumps(list(big_maxcut.history))
