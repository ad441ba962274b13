"""Rigorous LMI certificates: adversarial borderline matrices, JSON, verify, CLI."""
import json
from fractions import Fraction

import numpy as np
import pytest

import idl_sdp
from idl_sdp.certify import Certificate, CertificateBundle, ExactMatrix, certify, verify
from idl_sdp.cli import main as cli_main

flint = pytest.importorskip("flint")


# ------------------------------------------------------------------ oracles
def oracle_psd(M: np.ndarray) -> bool:
    """Ground truth for the exact rational matrix of the stored floats.

    A different code path from the package: the characteristic polynomial
    det(tI − M) = Σ c_k t^k of a symmetric matrix has only real roots, and they are
    all ≥ 0 iff the coefficients alternate in sign: (−1)^(n−k) c_k ≥ 0 for every k.
    """
    n = M.shape[0]
    A = flint.fmpq_mat(n, n, [flint.fmpq(*float(x).as_integer_ratio()) for x in M.ravel()])
    return all((-1) ** (n - k) * c >= 0 for k, c in enumerate(A.charpoly().coeffs()))


def exact_quad(M: np.ndarray, v) -> Fraction:
    """vᵀMv with Fractions (M's floats taken exactly)."""
    n = len(v)
    return sum(Fraction(float(M[i, j])) * v[i] * v[j] for i in range(n) for j in range(n))


def model_matrix_exact(model, lam, v) -> Fraction:
    """vᵀ(AᵀA + Λ − ΛD − DᵀΛ)v = ‖Av‖² + Σλ_i v_i² − 2 Σ_i λ_i v_i (Dv)_i, exactly."""
    A = [[Fraction(float(x)) for x in row] for row in model.A]
    D = [[Fraction(float(x)) for x in row] for row in model.D]
    lam = [Fraction(float(x)) for x in np.broadcast_to(lam, (model.n_hidden,))]
    Av = [sum(a * b for a, b in zip(row, v)) for row in A]
    Dv = [sum(a * b for a, b in zip(row, v)) for row in D]
    return (sum(x * x for x in Av) + sum(l_ * x * x for l_, x in zip(lam, v))
            - 2 * sum(l_ * x * y for l_, x, y in zip(lam, v, Dv)))


def test_oracle_sanity():
    assert oracle_psd(np.diag([1.0, 0.0, 2.0]))
    assert not oracle_psd(np.diag([1.0, -1e-300, 2.0]))
    assert not oracle_psd(np.array([[0.0, 1.0], [1.0, 0.0]]))


def _gram(rng, n, rank):
    R = rng.integers(-3, 4, (rank, n)).astype(float)
    return R.T @ R


def _check_claim(c, truth):
    """Never certified when false, never violated when true; witnesses hold exactly."""
    if c.status == "certified":
        assert truth
    elif c.status == "violated":
        assert not truth
        v = c.witness_vector
        M = np.array([[float(c.matrix.entry(i, j)) for j in range(c.order)]
                      for i in range(c.order)])
        assert c.matrix == ExactMatrix.from_floats(M)  # stored exactly
        assert exact_quad(M, v) < 0
        assert exact_quad(M, v) == c.witness_value


# ------------------------------------------------------- borderline matrices
@pytest.mark.parametrize("method", ["auto", "cholesky", "arb"])
def test_shifted_singular_gram(method):
    """RᵀR (integer, rank-deficient: exactly PSD and singular) ± 2^-k I, k = 10..45."""
    rng = np.random.default_rng(1)
    counts = {}
    for n, rank in ((6, 3), (8, 5)):
        G = _gram(rng, n, rank)
        assert np.linalg.matrix_rank(G) == rank
        for k in range(10, 46):
            for sign in (1, -1, 0):
                shift = sign * 2.0 ** -k
                M = G + shift * np.eye(n)
                assert np.all(M - G == shift * np.eye(n))  # the shift is exact
                c = certify(M, method=method)
                _check_claim(c, truth=sign >= 0)
                counts[c.status] = counts.get(c.status, 0) + 1
                if c.margin is not None:  # λ_min of G + sI is exactly s
                    assert Fraction(c.margin) <= Fraction(shift)
                if method == "auto":  # exact LDLᵀ decides every case
                    assert c.status == ("violated" if sign < 0 else "certified")
                    assert c.method in ("exact-ldl",)
                    if sign > 0:
                        assert c.margin > 0
    if method != "auto":
        assert counts.get("violated", 0) == 2 * 36  # every −shift refuted by a witness
        assert counts.get("certified", 0) >= 2 * 30


@pytest.mark.parametrize("method", ["auto", "cholesky", "arb", "exact"])
def test_orthogonal_similarity_tiny_eigenvalues(method):
    """Q diag(ev) Qᵀ with one eigenvalue ±10^-k; truth from the exact rational matrix."""
    rng = np.random.default_rng(2)
    false_cert = false_viol = decided = 0
    for trial in range(40):
        n = 5 + trial % 4
        Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
        k = int(rng.integers(4, 18))
        ev = np.concatenate([[rng.choice([-1.0, 1.0]) * 10.0 ** -k],
                             rng.uniform(0.5, 2.0, n - 1)])
        M = (Q * ev) @ Q.T
        M = (M + M.T) / 2
        truth = oracle_psd(M)
        c = certify(M, method=method)
        false_cert += c.status == "certified" and not truth
        false_viol += c.status == "violated" and truth
        decided += c.status != "undecided"
        _check_claim(c, truth)
    assert false_cert == 0 and false_viol == 0
    if method in ("auto", "exact"):
        assert decided == 40


def test_rump_bound_is_subtracted():
    """On an exactly representable matrix with shift 0 the a-priori bound is exactly
    −γ_{n+2}/(1 − γ_{n+2})·tr(F) − τ (all other terms vanish)."""
    from idl_sdp.certify import floating

    F = np.array([[1.0, 0.5, 0.0], [0.5, 1.0, 0.25], [0.0, 0.25, 1.0]])
    view = floating.FloatView.of(ExactMatrix.from_floats(F))
    assert view.t == 0 and all(x == 0 for row in view.err for x in row)
    proof = floating.cholesky_bound(view, 0.0)
    g = floating.gamma(5)
    assert proof.lower_bound == -(g / (1 - g) * 3 + floating.UNDERFLOW_TERM)
    lb = floating.exact_residual_bound(view.M, 0, Fraction(0), proof.L)
    assert lb <= 0 < lb + Fraction(1, 2 ** 40)  # λ_min(F) > 0; residual tiny


def test_float_methods_for_larger_orders():
    """Order 70 > 60: Rump-bounded Cholesky, eigenvector witness, exact fallback."""
    rng = np.random.default_rng(3)
    G = _gram(rng, 70, 66)
    pos = certify(G + 2.0 ** -20 * np.eye(70))
    assert pos.status == "certified" and pos.method == "cholesky"
    assert 0 < pos.margin <= 2.0 ** -20
    neg = certify(G - 2.0 ** -20 * np.eye(70))
    assert neg.status == "violated" and neg.method == "eigenvector"
    sing = certify(G)  # float methods cannot decide a singular matrix: exact fallback
    assert sing.status == "certified" and sing.method == "exact-ldl" and sing.margin == 0
    undecided = certify(G, fallback_max_size=60)
    assert undecided.status == "undecided" and undecided.witness is None


def test_residual_bound_alone_proves_positive_definiteness(tmp_path):
    """n = 121 > fallback: G = BBᵀ (B 121×60 integer, so λ_min(BBᵀ) = 0 exactly) plus
    2^-34·I has λ_min = 2^-34 exactly. Rump's a-priori bound cannot prove it, the exact
    residual bound of a float Cholesky can — that is a proof (it used to be undecided)."""
    rng = np.random.default_rng(12345)
    B = rng.integers(-3, 4, (121, 60)).astype(float)
    M = B @ B.T + 2.0 ** -34 * np.eye(121)
    assert np.all(M - B @ B.T == 2.0 ** -34 * np.eye(121))  # the shift is exact
    c = certify(M)
    assert c.status == "certified" and c.method == "cholesky", c.details
    assert 0 < c.margin <= 2.0 ** -34
    assert c.details["rump_apriori_bound"] < 0  # the a-priori bound alone would not do
    c.to_json(tmp_path / "r.json")
    assert verify(tmp_path / "r.json").ok
    neg = certify(B @ B.T - 2.0 ** -34 * np.eye(121))
    assert neg.status == "violated"


def _wide(n, rank, shift, seed=7):
    """diag(2^±480)·(RᵀR + shift·I)·diag(2^±480), exactly (powers of two)."""
    rng = np.random.default_rng(seed)
    R = rng.integers(-3, 4, (rank, n)).astype(float)
    S = R.T @ R + shift * np.eye(n)
    d = 2.0 ** np.where(rng.random(n) < 0.5, 480, -480)
    M = (d[:, None] * S) * d[None, :]
    assert np.all(np.isfinite(M)) and np.array_equal(M, M.T)
    assert np.array_equal((M / d[:, None]) / d[None, :], S)  # exact congruence
    return M


@pytest.mark.parametrize("shift, status", [(2.0 ** -20, "certified"), (0.0, "certified"),
                                           (-2.0 ** -20, "violated")])
def test_wide_dynamic_range_is_fast_and_verifies(tmp_path, shift, status):
    """An order-60 matrix with entries from 2^-960 to 2^970: exact LDLᵀ of the integer
    matrix took about a minute; the power-of-two congruence makes it well under 1 s."""
    import time

    M = _wide(60, 40, shift)
    t0 = time.perf_counter()
    c = certify(M)
    seconds = time.perf_counter() - t0
    assert c.status == status and c.method == "exact-ldl"
    assert seconds < 10, seconds
    assert c.details["ldl_seconds"] < 5
    if status == "certified":
        assert len(c.witness["scaling"]) == 60
        assert c.witness["rank"] == (60 if shift > 0 else 40)
    else:
        assert exact_quad(M, c.witness_vector) < 0
    path = tmp_path / "wide.json"
    c.to_json(path)
    res = verify(path, matrix=M)
    assert res.valid and res.holds is (status == "certified"), res.message
    if status == "certified":  # the scaling is part of the proof
        def bump(d):  # (any scaling is a congruence: change one the pivots depend on)
            k = d["witness"]["order"][0]
            d["witness"]["scaling"][k] += 1
        _edit(path, bump)
        assert not verify(path).valid
        _edit(path, lambda d: d["witness"].pop("scaling"))
        assert not verify(path).valid


def test_diagonal_scaling_choice():
    from idl_sdp.certify.exact import diagonal_scaling

    assert diagonal_scaling(ExactMatrix.from_floats(np.diag([1.0, 2.0 ** 20]))) is None
    e = diagonal_scaling(ExactMatrix.from_floats(np.diag([2.0 ** 100, 2.0 ** -100, 3.0])))
    assert e == [-50, 50, 0]
    M = np.array([[2.0 ** 80, 0.0, 1.0], [0.0, 0.0, 2.0 ** -40], [1.0, 2.0 ** -40, 1.0]])
    e = diagonal_scaling(ExactMatrix.from_floats(M))
    assert e[0] == -40 and e[2] == 0 and e[1] == 40  # zero diagonal: from its row
    S = ExactMatrix.from_floats(M).congruence_pow2(e)
    assert S.entry(0, 0) == 1 and S.entry(1, 2) == 1 and S.entry(1, 1) == 0


def test_ball_arithmetic_beyond_float_resolution(tmp_path):
    M = np.ones((3, 3)) + 2.0 ** -52 * np.eye(3)  # λ_min = 2^-52, below float resolution
    assert certify(M, method="cholesky").status in ("undecided", "certified")
    arb = certify(M, method="arb")
    assert arb.status == "certified" and arb.method == "arb-eig" and arb.margin > 0
    arb.to_json(tmp_path / "arb.json")
    assert verify(tmp_path / "arb.json").ok
    exact = certify(M, method="exact")
    assert exact.status == "certified" and 0 < exact.margin <= 2.0 ** -52
    assert arb.margin <= 2.0 ** -52


@pytest.mark.parametrize("M", [
    [[0.0, 1.0], [1.0, 0.0]],
    [[2.0, 0.0, 0.0], [0.0, 0.0, -3.0], [0.0, -3.0, 0.0]],
    [[1.0, 1.0, 2.0], [1.0, 1.0, 2.0 + 2.0 ** -40], [2.0, 2.0 + 2.0 ** -40, 4.0]],
])
def test_zero_pivot_with_nonzero_row_is_indefinite(M):
    """A PSD matrix with a zero diagonal entry has that row zero; otherwise indefinite."""
    M = np.array(M)
    assert not oracle_psd(M)
    c = certify(M, method="exact")
    assert c.status == "violated"
    assert exact_quad(M, c.witness_vector) < 0


def test_strict_and_singular():
    assert certify(np.zeros((3, 3))).status == "certified"
    c = certify(np.zeros((3, 3)), strict=True)
    assert c.status == "violated" and c.witness_value == 0 and any(c.witness_vector)
    assert certify(np.diag([1.0, 5e-324]), strict=True).status == "certified"


# ------------------------------------------------------------------ models
def _model(A, D, h=None):
    A = np.atleast_2d(np.asarray(A, dtype=float))
    D = np.atleast_2d(np.asarray(D, dtype=float))
    p, h = A.shape
    return idl_sdp.ImplicitModel(A, np.zeros((p, 1)), np.zeros(p), D, np.zeros((h, 1)),
                                 np.zeros(h))


def test_model_with_zero_D_is_certified_with_margin():
    rng = np.random.default_rng(4)
    lam = rng.uniform(0.5, 2.0, 7)
    model = _model(rng.standard_normal((3, 7)), np.zeros((7, 7)))
    c = certify(model, lam=lam)
    assert c.status == "certified" and c.which == "M"
    assert c.condition == "M = AᵀA + Λ − ΛD − DᵀΛ ⪰ 0"
    assert 0.99 * lam.min() <= c.margin  # λ_min(AᵀA + Λ) ≥ min λ, proven nearly tight
    w = np.linalg.eigvalsh(model.A.T @ model.A + np.diag(lam))[0]
    assert c.margin <= w * (1 + 1e-12)


def test_indefinite_model_gives_exact_witness():
    # the h = p = 1 example of the docs: a = 0, d = 0.9, λ = 1 gives M = −0.8
    c = certify(_model([[0.0]], [[0.9]]), lam=1.0)
    assert c.status == "violated"
    assert model_matrix_exact(_model([[0.0]], [[0.9]]), 1.0, c.witness_vector) < 0
    rng = np.random.default_rng(5)
    model = _model(0.1 * rng.standard_normal((2, 6)), 0.9 * np.eye(6) + 0.01 * rng.random((6, 6)))
    lam = rng.uniform(0.5, 1.5, 6)
    c = certify(model, lam=lam)
    assert c.status == "violated" and c.margin < 0
    v = c.witness_vector
    val = model_matrix_exact(model, lam, v)
    assert val < 0 and val == c.witness_value
    assert "violated" in str(c).lower()


def test_all_conditions_and_exact_formation():
    rng = np.random.default_rng(6)
    D = rng.standard_normal((5, 5))
    D *= 0.5 / np.linalg.norm(D, 2)
    model = _model(rng.standard_normal((2, 5)), D)
    b = certify(model, lam=2.0, eps=0.05, which="all")
    assert isinstance(b, CertificateBundle)
    assert list(b) == ["M", "eq5", "schur", "norm", "wellposed"]
    assert b["norm"].status == "certified" and b["norm"].order == 10
    assert b["wellposed"].status == "certified" and b["wellposed"].strict
    assert 0.74 < b["wellposed"].margin <= 0.75  # 1 − ‖D‖² = 0.75 up to rounding of D
    lin = certify(model, lam=2.0, which="linearized", A_ref=model.A)
    assert lin.matrix == b["M"].matrix  # tight at A = A_k
    # entries formed exactly: compare with a Fraction computation, entry by entry
    A = [[Fraction(float(x)) for x in r] for r in model.A]
    Dq = [[Fraction(float(x)) for x in r] for r in model.D]
    for i in range(5):
        for j in range(5):
            want = (sum(A[k][i] * A[k][j] for k in range(2)) + (2 if i == j else 0)
                    - 2 * Dq[i][j] - 2 * Dq[j][i])
            assert b["M"].matrix.entry(i, j) == want


def test_exact_matrices_agree_with_the_float_lmi_helpers():
    from idl_sdp import lmi

    rng = np.random.default_rng(8)
    D = 0.3 * rng.standard_normal((4, 4))
    model = _model(rng.standard_normal((3, 4)), D)
    lam, A_ref = rng.uniform(0.5, 2, 4), rng.standard_normal((3, 4))
    want = {
        "M": lmi.convexity_matrix(model.A, D, lam),
        "linearized": lmi.lmi_matrix("linearized", model.A, D, lam, A_ref=A_ref),
        "eq5": lmi.lmi_matrix("eq5", model.A, D, lam),
        "schur": lmi.lmi_matrix("schur", model.A, D, lam),
        "norm": lmi.norm_matrix(D, 0.05),
        "wellposed": np.eye(4) - D.T @ D,
    }
    for which, W in want.items():
        c = certify(model, lam=lam, eps=0.05, which=which, A_ref=A_ref)
        got = np.array([[float(c.matrix.entry(i, j)) for j in range(c.order)]
                        for i in range(c.order)])
        assert got.shape == W.shape and np.allclose(got, W, rtol=0, atol=1e-12), which
        assert (c.status == "certified") == (np.linalg.eigvalsh(W)[0] > 1e-9), which


def test_norm_and_wellposed_borderline():
    D = np.diag([0.5, 0.25])
    at = certify(_model(np.ones((1, 2)), D), eps=0.5, which="norm")
    assert at.status == "certified" and at.margin == 0  # ‖D‖₂ = 1 − eps exactly
    over = certify(_model(np.ones((1, 2)), D), eps=0.5 + 2.0 ** -40, which="norm")
    assert over.status == "violated"
    unit = certify(_model(np.ones((1, 2)), np.diag([1.0, 0.5])), which="wellposed")
    assert unit.status == "violated" and unit.witness_value == 0  # ‖D‖₂ = 1: not < 1


# --------------------------------------------------------- JSON and verify
@pytest.fixture(scope="module")
def fresh_texts():
    """JSON text of a few certificates (made once per module)."""
    rng = np.random.default_rng(7)
    G = _gram(rng, 6, 4)
    mats = {"psd": G, "pd": G + 2.0 ** -30 * np.eye(6), "neg": G - 2.0 ** -30 * np.eye(6),
            "chol": _gram(rng, 64, 60) + 2.0 ** -10 * np.eye(64)}
    texts = {}
    for name, M in mats.items():
        c = certify(M)
        assert c.method == ("cholesky" if name == "chol" else "exact-ldl")
        texts[name] = json.dumps(c.to_dict())
    return texts


@pytest.fixture
def fresh(tmp_path, fresh_texts):
    """Fresh certificate files, one per kind, in a per-test directory."""
    paths = {}
    for name, text in fresh_texts.items():
        paths[name] = tmp_path / f"{name}.json"
        paths[name].write_text(text)
    return paths


def test_verify_fresh_certificates_and_round_trip(fresh):
    for name, path in fresh.items():
        res = verify(path)
        assert res.valid, res.message
        assert res.holds is (name != "neg")  # "neg" is a valid refutation
        c = Certificate.from_json(path)
        assert c.to_dict() == json.loads(path.read_text())
        c.to_json(path.with_suffix(".again.json"))
        assert Certificate.from_json(path.with_suffix(".again.json")).to_dict() == c.to_dict()
        assert verify(path.with_suffix(".again.json")).valid
        assert str(c).splitlines()[0].startswith("Certificate: ")
    assert Certificate.from_json(fresh["neg"]).status == "violated"


def _edit(path, fn):
    data = json.loads(path.read_text())
    fn(data)
    path.write_text(json.dumps(data))


def _set_entry(data, i, j, value):
    data["matrix"][i][j] = data["matrix"][j][i] = value


def _set_both(data, i, j, value):
    """Change a plain-matrix entry in the matrix *and* its source (so the rebuild
    agrees): only the proof can catch it."""
    _set_entry(data, i, j, str(Fraction(value)))
    data["source"]["matrix"][i][j] = data["source"]["matrix"][j][i] = float(value).hex()


TAMPERS = {
    "matrix entry (source kept)": ("pd", lambda d: _set_entry(d, 0, 1, "1000")),
    "matrix entry, no source": ("psd", lambda d: (d.pop("source"),
                                                  _set_entry(d, 0, 0, "-1"))),
    "matrix entry, source changed too": ("psd", lambda d: _set_both(d, 0, 0, -1.0)),
    "diag no longer PSD, source changed too": ("pd", lambda d: _set_both(d, 2, 2, 0.0)),
    "pivot": ("pd", lambda d: d["witness"]["pivots"].__setitem__(0, "12345/7")),
    "pivot order": ("pd", lambda d: d["witness"]["order"].reverse()),
    "witness vector": ("neg", lambda d: d["witness"]["v"].__setitem__(
        0, str(Fraction(d["witness"]["v"][0]) + 1))),
    "witness value": ("neg", lambda d: d["witness"].__setitem__("value", "-1")),
    "status flipped": ("neg", lambda d: d.__setitem__("status", "certified")),
    "margin inflated": ("pd", lambda d: d.__setitem__("margin", (1.0).hex())),
    "condition text": ("pd", lambda d: d.__setitem__("condition", "something else ⪰ 0")),
    "cholesky factor": ("chol", lambda d: d["witness"]["L"][5].__setitem__(2, (0.5).hex())),
    "cholesky shift": ("chol", lambda d: d["witness"].__setitem__("shift", "0")),
    "undecided": ("pd", lambda d: d.__setitem__("status", "undecided")),
    "non-pivoted entry, source changed too": ("psd", lambda d: _bump_rest(d)),
    "null vector as violation": ("psd", lambda d: _null_vector_violation(d)),
}


def _bump_rest(data):
    """Lower a diagonal entry outside the pivoted block: pivots unchanged, Schur ≠ 0."""
    r = next(i for i in range(data["order"]) if i not in data["witness"]["order"])
    _set_both(data, r, r, Fraction(data["matrix"][r][r]) - 1)


def _null_vector_violation(data):
    """Claim 'violated' with a null vector of the PSD matrix (vᵀMv = 0 is no violation)."""
    n = data["order"]
    M = flint.fmpq_mat(n, n, [flint.fmpq(*Fraction(x).as_integer_ratio())
                              for row in data["matrix"] for x in row])
    X, nullity = M.numer_denom()[0].nullspace()
    assert nullity > 0
    v = [str(X[i, 0]) for i in range(n)]
    data.update(status="violated", margin=None, margin_proof=None,
                witness={"kind": "vector", "v": v, "value": "0"})


@pytest.mark.parametrize("case", sorted(TAMPERS))
def test_tampered_certificate_fails_verify(fresh, case):
    name, fn = TAMPERS[case]
    assert verify(fresh[name]).valid
    _edit(fresh[name], fn)
    res = verify(fresh[name])
    assert not res.valid and res.holds is None and not res.ok
    assert res.message.startswith("INVALID"), res.message
    assert "VALID PROOF" not in res.message and "VALID REFUTATION" not in res.message


def test_certificate_about_another_matrix_fails(tmp_path):
    """The stored matrix must be the one the stored model inputs define."""
    rng = np.random.default_rng(11)
    c1 = certify(_model(rng.standard_normal((2, 3)), np.zeros((3, 3))), lam=1.0)
    c2 = certify(_model(rng.standard_normal((2, 3)), np.zeros((3, 3))), lam=1.0)
    assert c1.certified and c2.certified
    d = c2.to_dict()
    d["source"] = c1.to_dict()["source"]  # a valid proof, but about another matrix
    (tmp_path / "x.json").write_text(json.dumps(d))
    res = verify(tmp_path / "x.json")
    assert not res.valid and "rebuilt" in res.message


def test_negative_pivot_fails(tmp_path):
    d = certify(np.array([[2.0]])).to_dict()
    d.update(matrix=[["-2"]], source={"matrix": [[(-2.0).hex()]]}, margin=None,
             margin_decimal=None, margin_proof=None)
    d["witness"]["pivots"] = ["-2"]
    (tmp_path / "neg.json").write_text(json.dumps(d))
    res = verify(tmp_path / "neg.json")
    assert not res.valid and "not positive" in res.message


@pytest.mark.parametrize("edit, field", [
    (lambda d: d.__setitem__("format_version", 99), "format_version"),
    (lambda d: d.pop("status"), "status"),
    (lambda d: d.__setitem__("status", 3), "status"),
    (lambda d: d.__setitem__("status", "maybe"), "status"),
    (lambda d: d.__setitem__("strict", "no"), "strict"),
    (lambda d: d.__setitem__("matrix", "oops"), "matrix"),
    (lambda d: d["matrix"][0].__setitem__(0, "nan"), "matrix[0][0]"),
    (lambda d: d["matrix"][1].pop(), "matrix[1]"),
    (lambda d: d.__setitem__("order", 5), "order"),
    (lambda d: d.__setitem__("margin", 0.5), "margin"),
    (lambda d: d["witness"].__setitem__("kind", "magic"), "kind"),
    (lambda d: d["witness"].pop("pivots"), "pivots"),
])
def test_malformed_json_raises_naming_the_field(fresh, edit, field):
    _edit(fresh["pd"], edit)
    with pytest.raises(ValueError, match=field.replace("[", r"\[").replace("]", r"\]")):
        verify(fresh["pd"])


def test_truncated_and_wrong_typed_files(fresh, tmp_path):
    text = fresh["pd"].read_text()
    (tmp_path / "cut.json").write_text(text[: len(text) // 2])
    with pytest.raises(ValueError, match="truncated or corrupted"):
        verify(tmp_path / "cut.json")
    (tmp_path / "list.json").write_text("[1, 2]")
    with pytest.raises(ValueError, match="JSON object"):
        Certificate.from_json(tmp_path / "list.json")
    with pytest.raises(FileNotFoundError):
        verify(tmp_path / "missing.json")


def test_bundle_json(tmp_path):
    model = _model([[1.0, 0.5]], np.diag([0.2, 0.1]))
    b = certify(model, lam=1.0, eps=0.1, which="all")
    b.to_json(tmp_path / "b.json")
    res = verify(tmp_path / "b.json")
    assert res.valid and res.holds is (b.status == "certified")
    assert [s.which for s in res.statements] == list(b)
    assert [s.holds for s in res.statements] == [c.certified for c in b.values()]
    again = CertificateBundle.from_json(tmp_path / "b.json")
    assert list(again) == list(b) and again.status == b.status
    with pytest.raises(ValueError, match="bundle"):
        Certificate.from_json(tmp_path / "b.json")


# --------------------------------------------------------------- bad inputs
@pytest.mark.parametrize("arg, kw, exc, words", [
    (np.array([[1.0, 2.0], [0.0, 1.0]]), {}, ValueError, "matrix_or_model.*symmetric"),
    (np.array([[1.0, np.nan], [np.nan, 1.0]]), {}, ValueError, "matrix_or_model.*finite"),
    (np.ones((2, 3)), {}, ValueError, "matrix_or_model.*square"),
    ("matrix", {}, TypeError, "matrix_or_model.*numeric"),
    ([[1.0, "a"], ["a", 1.0]], {}, TypeError, "matrix_or_model"),
    (np.eye(2), {"lam": 1.0}, ValueError, "^lam"),
    (np.eye(2), {"which": "M"}, ValueError, "^which"),
    (np.eye(2), {"method": "magic"}, ValueError, "^method"),
    (np.eye(2), {"strict": "yes"}, TypeError, "^strict"),
    (np.eye(2), {"exact_max_size": -1}, ValueError, "^exact_max_size"),
])
def test_bad_matrix_inputs(arg, kw, exc, words):
    with pytest.raises(exc, match=words):
        certify(arg, **kw)


@pytest.mark.parametrize("kw, exc, words", [
    ({}, ValueError, "lam is required"),
    ({"lam": -1.0}, ValueError, "lam"),
    ({"lam": [1.0, 2.0, 3.0]}, ValueError, "lam"),
    ({"lam": 1.0, "which": "nope"}, ValueError, "which"),
    ({"which": "norm"}, ValueError, "eps"),
    ({"which": "norm", "eps": 1.5}, ValueError, "eps"),
    ({"which": "wellposed", "lam": [1.0]}, ValueError, "lam"),
    ({"which": "norm", "eps": "0.1"}, TypeError, "eps"),
    ({"lam": 1.0, "which": "linearized", "A_ref": np.ones((3, 3))}, ValueError, "A_ref"),
])
def test_bad_model_inputs(kw, exc, words):
    with pytest.raises(exc, match=words):
        certify(_model([[1.0, 0.5]], np.diag([0.2, 0.1])), **kw)


# ---------------------------------------------------------------------- CLI
def test_cli_verify_exit_codes(fresh, tmp_path, capsys):
    assert cli_main(["verify", str(fresh["pd"])]) == 0
    out = capsys.readouterr().out
    assert out.startswith("VALID PROOF") and "HOLDS" in out.splitlines()[0]
    assert cli_main(["verify", str(fresh["neg"])]) == 3  # a valid refutation
    out = capsys.readouterr().out
    assert out.startswith("VALID REFUTATION") and "VIOLATED" in out.splitlines()[0]
    _edit(fresh["neg"], lambda d: d["witness"].__setitem__("value", "-1"))
    assert cli_main(["verify", str(fresh["neg"])]) == 2
    assert capsys.readouterr().out.startswith("INVALID")
    for argv in (["verify", str(tmp_path / "missing.json")], ["verify"], ["frobnicate"]):
        assert cli_main(argv) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Traceback" not in err
    (tmp_path / "cut.json").write_text(fresh["pd"].read_text()[:100])
    assert cli_main(["verify", str(tmp_path / "cut.json")]) == 1
    assert "cut.json" in capsys.readouterr().err


def test_cli_certify(tmp_path, capsys):
    model = _model([[1.0, 0.5]], np.diag([0.2, 0.1]))
    model.save(tmp_path / "m.npz")
    out = tmp_path / "c.json"
    assert cli_main(["certify", str(tmp_path / "m.npz"), "--lam", "1.0", "--out", str(out)]) == 0
    assert "CERTIFIED" in capsys.readouterr().out
    assert cli_main(["verify", str(out)]) == 0
    # the Schur form fails for this model: exit 2; the bundle is a valid certificate
    # that proves one condition violated: verify exits 3, not 0
    assert cli_main(["certify", str(tmp_path / "m.npz"), "--lam", "1,2", "--eps", "0.05",
                     "--which", "all", "--out", str(tmp_path / "b.json")]) == 2
    assert "VIOLATED" in capsys.readouterr().out
    assert cli_main(["verify", str(tmp_path / "b.json")]) == 3
    out = capsys.readouterr().out
    assert out.startswith("VALID BUNDLE") and "VALID REFUTATION: condition 'schur'" in out
    assert cli_main(["verify", str(tmp_path / "b.json"), "--model",
                     str(tmp_path / "m.npz")]) == 3
    capsys.readouterr()
    assert cli_main(["certify", str(tmp_path / "m.npz"), "--lam", "-1"]) == 1
    assert cli_main(["certify", str(tmp_path / "nope.npz"), "--lam", "1"]) == 1
    err = capsys.readouterr().err
    assert "lam" in err and "Traceback" not in err
    bad = _model([[0.0]], [[0.9]])
    bad.save(tmp_path / "bad.npz")
    assert cli_main(["certify", str(tmp_path / "bad.npz"), "--lam", "1"]) == 2


def test_str_summary():
    c = certify(np.eye(3))
    text = str(c)
    for word in ("CERTIFIED", "matrix ⪰ 0", "LDLᵀ", "margin", "1"):
        assert word in text
    assert len(text.splitlines()) <= 6
