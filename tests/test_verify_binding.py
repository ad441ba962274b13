"""`verify` says exactly what a certificate proves, checks everything it states, and
binds it to the object it is about (regressions: valid refutations read as success,
relabelled / re-texted / trimmed certificates verified, no --model / --matrix)."""
import json
from fractions import Fraction

import numpy as np
import pytest

import idl_sdp
from idl_sdp.certify import VerificationResult, certify, verify, verify_certificate
from idl_sdp.certify.conditions import CONDITION_TEXT
from idl_sdp.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, EXIT_VIOLATED
from idl_sdp.cli import main as cli_main

pytest.importorskip("flint")


def _model(A, D):
    A = np.atleast_2d(np.asarray(A, dtype=float))
    D = np.atleast_2d(np.asarray(D, dtype=float))
    p, h = A.shape
    return idl_sdp.ImplicitModel(A, np.zeros((p, 1)), np.zeros(p), D, np.zeros((h, 1)),
                                 np.zeros(h))


def _edit(path, fn):
    data = json.loads(path.read_text())
    fn(data)
    path.write_text(json.dumps(data))


def _write(obj, path):
    obj.to_json(path)
    return path


@pytest.fixture
def mixed(tmp_path):
    """A bundle of 5 conditions of which 3 (M, eq5, schur) are violated."""
    rng = np.random.default_rng(0)
    model = _model(0.01 * rng.standard_normal((2, 3)), 0.9 * np.eye(3))
    b = certify(model, lam=1.0, eps=0.05, which="all")
    assert {k: c.status for k, c in b.items()} == {
        "M": "violated", "eq5": "violated", "schur": "violated", "norm": "certified",
        "wellposed": "certified"}
    model.save(tmp_path / "m.npz")
    return model, _write(b, tmp_path / "b.json")


@pytest.fixture
def d2(tmp_path):
    """‖D‖₂ = 2 but M = AᵀA + Λ − ΛD − DᵀΛ = I ≻ 0: a true M certificate to relabel."""
    model = _model(2 * np.eye(3), 2 * np.eye(3))
    c = certify(model, lam=1.0)
    assert c.certified and c.margin == 1.0
    return model, _write(c, tmp_path / "m_cert.json")


# ---------------------------------------------- 1. validity vs. what holds
def test_valid_refutations_are_not_success(mixed, capsys):
    _, path = mixed
    res = verify(path)
    assert res.valid and res.holds is False and not res.ok
    assert res.violated == ("M", "eq5", "schur")
    assert [s.holds for s in res.statements] == [False, False, False, True, True]
    assert "all hold" not in res.message.lower() and "VERIFIED" not in res.message
    assert res.message.count("VALID REFUTATION") == 3 and res.message.count("VALID PROOF") == 2
    assert cli_main(["verify", str(path)]) == EXIT_VIOLATED == 3
    out = capsys.readouterr().out
    assert out.startswith("VALID BUNDLE of 5 conditions: 2 HOLD, 3 VIOLATED")
    with pytest.raises(TypeError, match="valid"):
        bool(res)


def test_bundle_with_every_condition_violated(tmp_path, capsys):
    model = _model([[0.0]], [[0.9]])
    b = certify(model, lam=1.0, which=["M", "eq5"])
    assert b.status == "violated" and all(c.status == "violated" for c in b.values())
    path = _write(b, tmp_path / "b.json")
    res = verify(path)
    assert res.valid and res.holds is False and res.violated == ("M", "eq5")
    assert cli_main(["verify", str(path)]) == EXIT_VIOLATED
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "VALID BUNDLE of 2 conditions: 0 HOLD, 2 VIOLATED (M, eq5)"
    assert "HOLDS" not in out and "VALID PROOF" not in out


def test_single_certificate_words_and_codes(tmp_path, capsys):
    ok = _write(certify(np.eye(2)), tmp_path / "ok.json")
    bad = _write(certify(-np.eye(2)), tmp_path / "bad.json")
    res = verify(ok)
    assert (res.valid, res.holds, res.ok) == (True, True, True)
    assert res.message.startswith("VALID PROOF: condition 'matrix': matrix ⪰ 0 HOLDS")
    res = verify(bad)
    assert (res.valid, res.holds, res.ok) == (True, False, False)
    assert res.message.startswith("VALID REFUTATION: condition 'matrix': matrix ⪰ 0 is "
                                  "VIOLATED")
    assert cli_main(["verify", str(ok)]) == EXIT_OK
    assert cli_main(["verify", str(bad)]) == EXIT_VIOLATED
    _edit(bad, lambda d: d["witness"].__setitem__("value", "-7"))
    res = verify(bad)
    assert (res.valid, res.holds) == (False, None) and res.message.startswith("INVALID")
    assert cli_main(["verify", str(bad)]) == EXIT_FAILED
    capsys.readouterr()
    assert cli_main(["verify", "--help"]) == 0
    help_text = capsys.readouterr().out
    for code in ("0 ", "1 ", "2 ", "3 "):
        assert f"\n  {code}" in help_text
    assert "VALID REFUTATION" in help_text


def test_undecided_is_invalid(tmp_path):
    rng = np.random.default_rng(3)
    R = rng.integers(-3, 4, (66, 70)).astype(float)
    c = certify(R.T @ R, fallback_max_size=60)
    assert c.status == "undecided"
    res = verify(_write(c, tmp_path / "u.json"))
    assert not res.valid and res.holds is None and "proves nothing" in res.message


# ------------------------------------- 2. the certificate says what it is about
def _relabel(which, keep):
    def fn(d):
        d["which"] = which
        d["strict"] = which == "wellposed"
        d["condition"] = CONDITION_TEXT[which]
        if keep is None:
            d.pop("source")
        else:
            d["source"] = {k: v for k, v in d["source"].items() if k in keep}
    return fn


@pytest.mark.parametrize("which, keep", [
    ("wellposed", None), ("wellposed", ("D",)), ("wellposed", ("A", "D", "lam")),
    ("eq5", None), ("eq5", ("D", "lam")), ("eq5", ("A", "D", "lam")),
])
def test_relabelled_certificate_fails(d2, which, keep):
    model, path = d2
    assert verify(path, model=model).ok
    _edit(path, _relabel(which, keep))
    res = verify(path)
    assert not res.valid, res.message
    assert any(w in res.message for w in ("source", "rebuilt")), res.message


@pytest.mark.parametrize("edit, words", [
    (lambda d: d.__setitem__("condition", d["condition"].replace("(eps = 0.05)",
                                                                 "(eps = 0.5)")),
     "condition text"),
    (lambda d: d.__setitem__("condition", d["condition"] + " and much more"),
     "condition text"),
    (lambda d: (d.__setitem__("condition", d["condition"].replace("0.05", "0.5")),
                d["source"].__setitem__("eps", (0.5).hex())), "rebuilt"),
    (lambda d: d["source"].__setitem__("note", (1.0).hex()), "not an input"),
    (lambda d: d.__setitem__("margin_decimal", "0.5"), "margin_decimal"),
    (lambda d: d.__setitem__("margin_decimal", None), "margin"),
    (lambda d: d.__setitem__("method", "cholesky"), "method"),
    (lambda d: d.__setitem__("method", "eigenvector"), "method"),
    (lambda d: (d.__setitem__("margin", None), d.__setitem__("margin_decimal", None)),
     "margin_proof"),
])
def test_every_stated_field_is_checked(tmp_path, edit, words):
    model = _model([[1.0, 0.5]], np.diag([0.2, 0.1]))
    path = _write(certify(model, eps=0.05, which="norm"), tmp_path / "n.json")
    assert verify(path).ok
    _edit(path, edit)
    res = verify(path)
    assert not res.valid and words in res.message, res.message


def test_method_must_match_a_refutation(tmp_path):
    path = _write(certify(-np.eye(2)), tmp_path / "neg.json")
    for method in ("gershgorin", "cholesky", "arb-eig", "none"):
        _edit(path, lambda d, m=method: d.__setitem__("method", m))
        res = verify(path)
        assert not res.valid and "method" in res.message


def test_informational_fields_are_not_part_of_the_proof(tmp_path):
    path = _write(certify(np.eye(3)), tmp_path / "c.json")
    data = json.loads(path.read_text())
    assert "details" not in data and "lambda_min_estimate" in data["informational"]
    _edit(path, lambda d: d["informational"].update(lambda_min_estimate=-5.0, seconds=1e9))
    res = verify(path)
    assert res.ok and "not checked: the 'informational' fields" in res.message
    _edit(path, lambda d: d.__setitem__("claims", "also PD"))  # unknown field: malformed
    with pytest.raises(ValueError, match="unknown field 'claims'"):
        verify(path)


def _drop(i):
    def fn(d):
        del d["certificates"][i]
    return fn


@pytest.mark.parametrize("edit, words", [
    (_drop(0), "lists the conditions"),
    (lambda d: (_drop(0)(d), d["conditions"].pop(0)), "digest"),
    (lambda d: d["certificates"].append(d["certificates"][3]), "lists the conditions"),
    (lambda d: (d["certificates"].append(d["certificates"][3]),
                d["conditions"].append("norm")), "more than once"),
    (lambda d: d["certificates"].reverse(), "lists the conditions"),
    (lambda d: (d["certificates"].reverse(), d["conditions"].reverse()), "digest"),
    (lambda d: d["certificates"][4].__setitem__("margin_decimal", "1e-300"), "digest"),
    (lambda d: d.__setitem__("digest", "sha256:" + "0" * 64), "digest"),
])
def test_bundle_binds_its_entries(mixed, edit, words, capsys):
    _, path = mixed
    _edit(path, edit)
    res = verify(path)
    assert not res.valid and words in res.message, res.message
    assert res.message.startswith("INVALID BUNDLE")
    assert cli_main(["verify", str(path)]) == EXIT_FAILED


def test_bundle_of_two_models_is_rejected(tmp_path):
    rng = np.random.default_rng(5)
    m1 = _model(rng.standard_normal((2, 3)), 0.1 * np.eye(3))
    m2 = _model(rng.standard_normal((2, 3)), 0.2 * np.eye(3))
    b1 = certify(m1, lam=1.0, which=["M", "wellposed"])
    b2 = certify(m2, lam=1.0, which=["M", "wellposed"])
    b1.certificates["wellposed"] = b2["wellposed"]  # the digest is made for the mix
    res = verify(_write(b1, tmp_path / "mix.json"))
    assert not res.valid and "same model" in res.message


def test_unknown_kind_and_old_version_are_clear_errors(tmp_path, capsys):
    path = _write(certify(np.eye(2)), tmp_path / "c.json")
    _edit(path, lambda d: d.__setitem__("kind", "value-bound"))
    with pytest.raises(ValueError, match="kind 'value-bound'.*psd"):
        verify(path)
    assert cli_main(["verify", str(path)]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "value-bound" in err and err.count("\n") == 1
    _edit(path, lambda d: (d.__setitem__("kind", "psd"), d.__setitem__("format_version", 1)))
    with pytest.raises(ValueError, match="format_version.*re-create"):
        verify(path)


# ------------------------------------------------ binding to the object
def test_model_binding_by_content(mixed, tmp_path, capsys):
    model, path = mixed
    res = verify(path, model=tmp_path / "m.npz")
    assert res.valid and res.bound_to == f"model {tmp_path / 'm.npz'}"
    assert "bound to model" in res.message
    assert verify(path, model=model).valid
    assert cli_main(["verify", str(path), "--model", str(tmp_path / "m.npz")]) == EXIT_VIOLATED
    capsys.readouterr()
    # edit the model file: the old certificate is no longer about it
    for name in ("D", "A"):
        params = model.params()
        params[name] = params[name].copy()
        params[name][0, 1] += 2.0 ** -30
        idl_sdp.ImplicitModel(**params).save(tmp_path / "edited.npz")
        res = verify(path, model=tmp_path / "edited.npz")
        assert not res.valid and res.holds is None
        assert f"not about model {tmp_path / 'edited.npz'}" in res.message
        assert f"{name}[0, 1]" in res.message
        assert cli_main(["verify", str(path), "--model",
                         str(tmp_path / "edited.npz")]) == EXIT_FAILED
        assert "INVALID" in capsys.readouterr().out
    other = _model(np.zeros((2, 4)), np.zeros((4, 4)))  # other sizes
    res = verify(path, model=other)
    assert not res.valid and "not about model" in res.message


def test_model_binding_of_a_valid_proof(tmp_path, capsys):
    model = _model([[1.0, 0.5]], np.diag([0.2, 0.1]))
    model.save(tmp_path / "m.npz")
    path = _write(certify(model, lam=1.0, eps=0.1, which=["M", "norm", "wellposed"]),
                  tmp_path / "b.json")
    assert cli_main(["verify", str(path), "--model", str(tmp_path / "m.npz")]) == EXIT_OK
    out = capsys.readouterr().out
    assert out.startswith("VALID BUNDLE of 3 conditions: all HOLD") and "bound to model" in out
    # a true certificate about another model does not bind to this one
    c = certify(_model([[1.0, 0.5]], np.diag([0.2, 0.25])), lam=1.0)
    single = _write(c, tmp_path / "other.json")
    assert verify(single).ok
    assert not verify(single, model=model).valid


def test_matrix_binding_by_content(tmp_path, capsys):
    rng = np.random.default_rng(9)
    R = rng.standard_normal((5, 5))
    M = R @ R.T
    M = (M + M.T) / 2
    np.save(tmp_path / "M.npy", M)
    np.savez(tmp_path / "M.npz", M=M)
    path = _write(certify(M), tmp_path / "c.json")
    assert verify(path, matrix=M).ok
    assert verify(path, matrix=tmp_path / "M.npz").ok
    assert cli_main(["verify", str(path), "--matrix", str(tmp_path / "M.npy")]) == EXIT_OK
    assert "bound to matrix" in capsys.readouterr().out
    M2 = M.copy()
    M2[1, 2] = M2[2, 1] = np.nextafter(M[1, 2], 2.0)
    np.save(tmp_path / "M2.npy", M2)
    res = verify(path, matrix=M2)
    assert not res.valid and "entry [1, 2]" in res.message
    assert cli_main(["verify", str(path), "--matrix", str(tmp_path / "M2.npy")]) == EXIT_FAILED
    capsys.readouterr()
    # a model-condition certificate can be checked against its matrix too
    model = _model([[1.0, 0.5]], np.diag([0.25, 0.125]))  # M has float entries
    c = certify(model, lam=1.0)
    Mf = np.array([[float(q) for q in row] for row in c.matrix.to_fractions()])
    assert [[Fraction(x) for x in row] for row in Mf] == c.matrix.to_fractions()
    assert verify_certificate(c, matrix=Mf).ok
    # a plain-matrix certificate is not about a model
    model.save(tmp_path / "m.npz")
    res = verify(path, model=tmp_path / "m.npz")
    assert not res.valid and "plain matrix" in res.message


def test_binding_usage_errors(mixed, tmp_path, capsys):
    _, path = mixed
    np.save(tmp_path / "M.npy", np.eye(3))
    with pytest.raises(ValueError, match="matrix does not apply to a 'psd-bundle'"):
        verify(path, matrix=np.eye(3))
    assert cli_main(["verify", str(path), "--matrix", str(tmp_path / "M.npy")]) == EXIT_USAGE
    assert "--matrix does not apply" in capsys.readouterr().err
    single = _write(certify(np.eye(3)), tmp_path / "c.json")
    assert cli_main(["verify", str(single), "--matrix", str(tmp_path / "M.npy"),
                     "--model", str(tmp_path / "m.npz")]) == EXIT_USAGE
    assert cli_main(["verify", str(single), "--model", str(tmp_path / "nope.npz")]) == EXIT_USAGE
    assert cli_main(["verify", str(single), "--matrix", str(tmp_path / "m.npz")]) == EXIT_USAGE
    with pytest.raises(TypeError, match="model"):
        verify(single, model=42)
    capsys.readouterr()


def test_result_object():
    c = certify(np.diag([1.0, 2.0]))
    res = verify_certificate(c)
    assert isinstance(res, VerificationResult) and res.kind == "psd"
    assert res.ok and res.statements[0].margin == 1.0
    assert str(res) == res.message
    assert Fraction(res.statements[0].margin) <= 1


def test_linearized_statement_says_which_A_k(tmp_path):
    rng = np.random.default_rng(4)
    model = _model(rng.standard_normal((2, 3)), 0.1 * np.eye(3))
    own = certify(model, lam=1.0, which="linearized")
    given = certify(model, lam=1.0, which="linearized", A_ref=rng.standard_normal((2, 3)))
    assert "A_ref" not in own.source and "A_ref" in given.source
    assert own.condition.endswith("(A_k = the model's A)")
    assert given.condition.endswith("(A_k = A_ref)")
    for c, other in ((own, given), (given, own)):
        path = _write(c, tmp_path / "lin.json")
        assert verify(path, model=model).valid
        _edit(path, lambda d, t=other.condition: d.__setitem__("condition", t))
        res = verify(path)
        assert not res.valid and "condition text" in res.message
    # dropping A_ref from the source makes it a statement about A_k = A: rebuilt differs
    path = _write(given, tmp_path / "lin.json")
    _edit(path, lambda d: (d["source"].pop("A_ref"),
                           d.__setitem__("condition", own.condition)))
    res = verify(path)
    assert not res.valid and "rebuilt" in res.message


def test_cli_certify_then_verify_with_model(tmp_path, capsys):
    model = _model([[1.0, 0.5]], np.diag([0.2, 0.1]))
    model.save(tmp_path / "m.npz")
    out = tmp_path / "c.json"
    assert cli_main(["certify", str(tmp_path / "m.npz"), "--lam", "1", "--out", str(out)]) == 0
    assert f"idl-sdp verify {out} --model {tmp_path / 'm.npz'}" in capsys.readouterr().out
    assert cli_main(["verify", str(out), "--model", str(tmp_path / "m.npz")]) == EXIT_OK
    assert "bound to model" in capsys.readouterr().out


def test_dispatch_on_kind_is_the_extension_point(tmp_path, monkeypatch, capsys):
    """A file of another kind (no psd format fields at all) reaches its own verifier;
    an unregistered kind is a clear input error, before any psd field is looked at."""
    import importlib

    verify_module = importlib.import_module("idl_sdp.certify.verify")  # (the module)

    path = tmp_path / "other.json"
    path.write_text(json.dumps({"kind": "value_bounds", "version": 1}))
    with pytest.raises(ValueError, match="unknown certificate kind 'value_bounds'"):
        verify(path)
    assert cli_main(["verify", str(path)]) == EXIT_USAGE
    assert "unknown certificate kind 'value_bounds'" in capsys.readouterr().err
    seen = {}

    def run(data, where, bindings):
        seen.update(data=data, bindings=dict(bindings))
        st = verify_module.StatementResult("value", "v ≤ 1", True, True, None,
                                           "VALID PROOF: v ≤ 1 HOLDS")
        return verify_module.VerificationResult("value_bounds", True, (st,), st.message)

    monkeypatch.setitem(verify_module.VERIFIERS, "value_bounds",
                        verify_module.KindVerifier("a value bound", ("model",), run))
    assert verify(path).ok and seen["bindings"] == {}
    assert cli_main(["verify", str(path)]) == EXIT_OK
    assert capsys.readouterr().out.startswith("VALID PROOF")
    with pytest.raises(ValueError, match="matrix does not apply to a 'value_bounds'"):
        verify(path, matrix=np.eye(2))
    path.write_text(json.dumps({"version": 1}))
    with pytest.raises(ValueError, match="missing field 'kind'"):
        verify(path)
