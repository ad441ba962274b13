"""Files and guarantees: malformed and oversized files, exact certificate checking at
larger orders, model/sidecar pairing, stale temporaries, and the Θ-step check that
every returned model passes ``certify``."""
from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
import time
import tracemalloc
import zipfile
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

import idl_sdp._io as fio
from idl_sdp import ImplicitModel, SolverError, certify, fit, verify
from idl_sdp.certify.certificate import load_certificate
from idl_sdp.checkpoint import load_checkpoint, save_checkpoint
from idl_sdp.cli import load_sidecar, main, sidecar_path
from idl_sdp.datasets import load_split
from idl_sdp.parameter_step import ParameterStep

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def data():
    d = load_split("iris", seed=2)
    return d.U_train, d.Y_train


def _model(rng, n=3, h=4, p=2, norm2=0.5):
    D = rng.standard_normal((h, h))
    D *= norm2 / np.linalg.norm(D, 2)
    return ImplicitModel(rng.standard_normal((p, h)), rng.standard_normal((p, n)),
                         rng.standard_normal(p), D, rng.standard_normal((h, n)),
                         rng.standard_normal(h))


def _zip(path, members, compression=zipfile.ZIP_STORED):
    """A zip file with the given {name: bytes} members."""
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        for name, payload in members.items():
            zf.writestr(name, payload)
    return path


def _npy(arr, allow_pickle=False):
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=allow_pickle)
    return buf.getvalue()


def _model_members(rng):
    m = _model(rng)
    out = {"format_version.npy": _npy(np.int64(1))}
    out.update({f"{k}.npy": _npy(v) for k, v in m.params().items()})
    return out


def _checkpoint_members(tmp_path, rng):
    m = _model(rng)
    ck = tmp_path / "good_ck.npz"
    save_checkpoint(ck, model=m, X=np.ones((4, 5)), lam=np.ones(4), history=[],
                    config={}, initial_objective=1.0)
    with zipfile.ZipFile(ck) as zf:
        return {zi.filename: zf.read(zi) for zi in zf.infolist()}


# ------------------------------------------------------------- 1. malformed files
def _corruptions(members):
    """Each way of breaking one member of a valid .npz: name → members."""
    first = next(k for k in members if k != "format_version.npy")
    raw = members[first]
    return {
        "raw bytes member": {**members, first: b"\x00\x01 raw bytes, not an array"},
        "raw bytes, no .npy name": {**{k: v for k, v in members.items() if k != first},
                                    first[:-4]: b"raw"},
        "truncated data": {**members, first: raw[:-3]},
        "extra data": {**members, first: raw + b"\x00" * 8},
        "pickled object array": {**members, first: _npy(np.array([{"a": 1}], dtype=object),
                                                        allow_pickle=True)},
        "structured dtype": {**members, first: _npy(np.zeros(3, dtype=[("a", "f8")]))},
        "bad npy version": {**members, first: raw[:6] + b"\x09\x00" + raw[8:]},
    }


@pytest.mark.parametrize("case", sorted(_corruptions({"format_version.npy": b"", "A.npy": b""})))
def test_malformed_model_file_is_one_value_error_naming_it(tmp_path, case):
    rng = np.random.default_rng(1)
    path = _zip(tmp_path / "bad_model.npz", _corruptions(_model_members(rng))[case])
    with pytest.raises(ValueError, match="bad_model.npz"):
        ImplicitModel.load(path)
    # verify(model=...) and the CLI read it through the same path: one ValueError
    cert = tmp_path / "c.json"
    certify(np.eye(2)).to_json(cert)
    with pytest.raises(ValueError, match="bad_model.npz"):
        verify(cert, model=path)
    assert main(["inspect", str(path)]) != 0


@pytest.mark.parametrize("case", sorted(_corruptions({"format_version.npy": b"", "A.npy": b""})))
def test_malformed_checkpoint_is_one_value_error_naming_it(tmp_path, case):
    rng = np.random.default_rng(2)
    members = _checkpoint_members(tmp_path, rng)
    # corrupt a model array (the first member may be format_version: choose "X")
    members = {"X.npy": members.pop("X.npy"), **members}
    broken = _corruptions(members)[case]
    path = _zip(tmp_path / "bad_ck.npz", broken)
    with pytest.raises(ValueError, match="bad_ck.npz"):
        load_checkpoint(path)


def test_malformed_matrix_file_for_verify_is_a_value_error(tmp_path):
    M = np.eye(3)
    cert = tmp_path / "c.json"
    certify(M).to_json(cert)
    npz = _zip(tmp_path / "bad_matrix.npz", {"M.npy": b"raw bytes"})
    with pytest.raises(ValueError, match="bad_matrix.npz"):
        verify(cert, matrix=npz)
    npy = tmp_path / "bad_matrix.npy"
    npy.write_bytes(b"\x93NUMPY garbage")
    with pytest.raises(ValueError, match="bad_matrix.npy"):
        verify(cert, matrix=npy)
    good = tmp_path / "good.npy"
    np.save(good, M)
    assert verify(cert, matrix=good).ok


@pytest.mark.parametrize("payload", [b"\xff\xfe\x00\x01", b"{\"format\": ", b"PK\x03\x04zip?",
                                     b"[" * 70 + b"]" * 70])
def test_malformed_certificate_file_is_a_value_error_naming_it(tmp_path, payload):
    path = tmp_path / "bad_cert.json"
    path.write_bytes(payload)
    with pytest.raises(ValueError, match="bad_cert.json"):
        verify(path)
    with pytest.raises(ValueError, match="bad_cert.json"):
        load_certificate(path)


def test_fortran_order_and_string_members_still_load(tmp_path):
    """The bounded reader reads what numpy writes: Fortran order, 0-d, strings."""
    rng = np.random.default_rng(3)
    F = np.asfortranarray(rng.standard_normal((3, 4)))
    path = tmp_path / "ok.npz"
    np.savez(path, F=F, s=np.array("text"), z=np.float64(2.5), e=np.zeros((0, 3)))
    got = fio.read_npz(path, "test file")
    assert np.array_equal(got["F"], F) and str(got["s"]) == "text"
    assert got["z"].shape == () and float(got["z"]) == 2.5 and got["e"].shape == (0, 3)
    np.savez_compressed(tmp_path / "c.npz", F=F)
    assert np.array_equal(fio.read_npz(tmp_path / "c.npz", "test file")["F"], F)


def test_model_and_checkpoint_round_trips_unchanged(tmp_path):
    rng = np.random.default_rng(4)
    m = _model(rng)
    m.save(tmp_path / "m.npz")
    back = ImplicitModel.load(tmp_path / "m.npz")
    for k, v in m.params().items():
        assert np.array_equal(getattr(back, k), v)


@pytest.mark.parametrize("key", ["reg", "hidden", "seed", "lam"])
def test_checkpoint_config_without_a_key_names_file_and_key(data, tmp_path, key):
    U, Y = data
    ck = tmp_path / "run.npz"
    fit(U, Y, 3, reg=1e-2, rounds=1, checkpoint=ck)
    with np.load(ck, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    config = json.loads(str(arrays["config"]))
    config.pop(key)
    bad = tmp_path / "nokey.npz"
    np.savez(bad, **{**arrays, "config": np.array(json.dumps(config))})
    with pytest.raises(ValueError, match="nokey.npz") as info:
        load_checkpoint(bad)
    assert info.match(rf"missing \['{key}'\]")


# ------------------------------------------------------------------ 2. size limits
def _patch_sizes(path, size):
    """Make the zip's headers claim ``size`` uncompressed bytes for every member."""
    raw = bytearray(Path(path).read_bytes())
    for sig, off in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (i := raw.find(sig, start)) >= 0:
            raw[i + off:i + off + 4] = struct.pack("<I", size)
            start = i + 4
    Path(path).write_bytes(bytes(raw))


@pytest.mark.parametrize("reader", ["model", "checkpoint", "matrix"])
def test_member_claiming_more_than_the_limit_is_refused_before_reading(tmp_path, reader):
    path = tmp_path / "bomb.npz"
    _zip(path, {"A.npy": _npy(np.zeros(1000))}, zipfile.ZIP_DEFLATED)
    _patch_sizes(path, fio.MAX_MEMBER_BYTES + 1)  # within MAX_FILE_BYTES, above the member cap
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        with pytest.raises(ValueError, match="bomb.npz.*MAX_MEMBER_BYTES"):
            {"model": ImplicitModel.load, "checkpoint": load_checkpoint,
             "matrix": lambda p: fio.read_npz(p, "matrix file")}[reader](path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20 and time.perf_counter() - t0 < 2.0


def test_compressed_zeros_bomb_is_refused_without_allocating(tmp_path, monkeypatch):
    """A real bomb (zeros, ~1000:1) whose member exceeds the cap: refused from the zip
    directory, before any decompression (the limit is lowered to keep the test fast)."""
    monkeypatch.setattr(fio, "MAX_MEMBER_BYTES", 2 << 20)
    path = tmp_path / "zeros.npz"
    np.savez_compressed(path, format_version=np.int64(1), A=np.zeros((1024, 1024)))  # 8 MiB
    assert path.stat().st_size < 64 << 10
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="zeros.npz.*MAX_MEMBER_BYTES"):
            ImplicitModel.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20, peak


def test_lying_zip_header_cannot_inflate_past_the_npy_header(tmp_path, monkeypatch):
    """A member that decompresses to more than its .npy header says is refused while
    reading; the reader never holds more than the header's size."""
    monkeypatch.setattr(fio, "MAX_MEMBER_BYTES", 1 << 20)
    header = _npy(np.zeros(8))  # claims 8 float64
    path = _zip(tmp_path / "liar.npz", {"A.npy": header + b"\x00" * (4 << 20)},
                zipfile.ZIP_DEFLATED)
    _patch_sizes(path, len(header))  # the directory claims the small size
    with pytest.raises(ValueError, match="liar.npz"):
        fio.read_npz(path, "model file")


@pytest.mark.parametrize("limit, members, match", [
    ("MAX_ARRAY_ELEMENTS", {"A": np.zeros(101)}, "MAX_ARRAY_ELEMENTS"),
    ("MAX_FILE_BYTES", {f"A{i}": np.zeros(100) for i in range(4)}, "MAX_FILE_BYTES"),
])
def test_element_and_total_limits(tmp_path, monkeypatch, limit, members, match):
    path = tmp_path / "big.npz"
    np.savez(path, **members)
    fio.read_npz(path, "test file")  # fine at the real limits
    monkeypatch.setattr(fio, limit, 100 if limit == "MAX_ARRAY_ELEMENTS" else 2000)
    with pytest.raises(ValueError, match=f"big.npz.*{match}"):
        fio.read_npz(path, "test file")


def test_file_size_limit_applies_to_json(tmp_path, monkeypatch):
    cert = tmp_path / "c.json"
    certify(np.eye(2)).to_json(cert)
    monkeypatch.setattr(fio, "MAX_FILE_BYTES", cert.stat().st_size - 1)
    with pytest.raises(ValueError, match="c.json.*MAX_FILE_BYTES"):
        verify(cert)


def test_json_depth_limit(tmp_path):
    d = fio.MAX_JSON_DEPTH
    assert fio.parse_json("[" * d + "]" * d) is not None
    with pytest.raises(Exception, match="MAX_JSON_DEPTH"):
        fio.parse_json("[" * (d + 1) + "]" * (d + 1))
    # brackets inside strings (escaped quotes too) are text, not nesting
    text = json.dumps({"name": "[" * 500 + '\\"{' * 300, "v": [[1]]})
    assert fio.json_depth_ok(text) and fio.parse_json(text)["v"] == [[1]]
    path = tmp_path / "side.json"
    path.write_text('{"a": ' * (d + 1) + "1" + "}" * (d + 1))
    with pytest.raises(ValueError, match="side.json.*MAX_JSON_DEPTH"):
        fio.read_json(path, "sidecar")


def test_limits_are_documented_with_their_values():
    text = (ROOT / "docs" / "reliability.rst").read_text(encoding="utf-8")
    for name in ("MAX_FILE_BYTES", "MAX_MEMBER_BYTES", "MAX_ARRAY_ELEMENTS", "MAX_JSON_DEPTH",
                 "STALE_TEMP_MIN_AGE"):
        assert name in text, name
    assert "1 GiB" in text and "256 MiB" in text and "2²⁵" in text
    assert f"{fio.MAX_JSON_DEPTH}" in text
    assert fio.MAX_FILE_BYTES == 1 << 30 and fio.MAX_MEMBER_BYTES == 256 << 20
    assert fio.MAX_ARRAY_ELEMENTS == 1 << 25


# ------------------------------------------------ 3. exact certificates, fast and sound
def _reference_ldl_ok(M, order, pivots):
    """The textbook check in Fractions: pivots along ``order`` and a zero remainder."""
    n = len(M)
    S = [row[:] for row in M]
    rest = [i for i in range(n) if i not in order]
    active = list(order) + rest
    for k, pk in enumerate(order):
        d = S[pk][pk]
        if d != pivots[k] or d <= 0:
            return False
        later = active[k + 1:]
        for i in later:
            ci = S[i][pk] / d
            for j in later:
                S[i][j] -= ci * S[pk][j]
    return all(S[i][j] == 0 for i in rest for j in rest)


def _psd_matrix(rng, n, rank=None, scale_spread=0):
    """PD (random), or PSD of the given rank exactly (a Gram matrix of small integers)."""
    if rank is None:
        G = rng.standard_normal((n, n))
        M = G @ G.T / n + 1e-3 * np.eye(n)
    else:
        G = rng.integers(-3, 4, (n, rank)).astype(float)
        M = G @ G.T  # exact in float64
    if scale_spread:
        s = 2.0 ** rng.integers(-scale_spread, scale_spread + 1, n)
        M = s[:, None] * M * s[None, :]
    return (M + M.T) / 2


@pytest.mark.parametrize("n, rank, spread", [(6, None, 0), (9, 4, 0), (12, None, 40),
                                             (7, 1, 0), (10, 9, 3)])
def test_ldl_check_agrees_with_the_fraction_reference(tmp_path, n, rank, spread):
    """Honest witnesses verify; every single-pivot change, a reordering and a changed
    non-pivoted entry are refused — exactly as the plain Fraction elimination decides."""
    from idl_sdp.certify.rational import parse_rational
    from idl_sdp.certify.verify import _Fail, _check_ldl

    rng = np.random.default_rng(n * 7 + (rank or 0))
    A = _psd_matrix(rng, n, rank, spread)
    c = certify(A, method="exact")
    assert c.status == "certified"
    w = dict(c.witness)
    w.pop("scaling", None)
    M = [[Fraction(float(x)) for x in row] for row in A]
    piv = [parse_rational(x, "p") for x in w["pivots"]]
    if "scaling" not in c.witness:
        assert _reference_ldl_ok(M, w["order"], piv)
        assert _check_ldl(M, w, strict=False) == np.prod(piv, dtype=object)
    path = tmp_path / "c.json"
    c.to_json(path)
    assert verify(path, matrix=A).ok
    if "scaling" in c.witness:
        return
    for k in range(len(piv)):
        for delta in (Fraction(1, 10 ** 30), -piv[k] / 3, Fraction(1)):
            bad = dict(w, pivots=[str(p + delta) if i == k else str(p)
                                  for i, p in enumerate(piv)])
            assert not _reference_ldl_ok(M, w["order"], [parse_rational(x, "p")
                                                          for x in bad["pivots"]])
            with pytest.raises(_Fail):
                _check_ldl(M, bad, strict=False)
    if len(w["order"]) > 1:
        swapped = dict(w, order=w["order"][::-1])
        assert _reference_ldl_ok(M, swapped["order"], piv) == (
            _try(_check_ldl, M, swapped) is not None)
    rest = [i for i in range(n) if i not in w["order"]]
    if rest:  # perturb the remainder: pivots unchanged, Schur complement ≠ 0
        M2 = [row[:] for row in M]
        M2[rest[0]][rest[0]] += Fraction(1, 2 ** 60)
        assert not _reference_ldl_ok(M2, w["order"], piv)
        with pytest.raises(_Fail, match="Schur"):
            _check_ldl(M2, w, strict=False)


def _try(fn, M, w):
    from idl_sdp.certify.verify import _Fail
    try:
        return fn(M, w, strict=False)
    except _Fail:
        return None


def test_modular_helpers_are_exact():
    from idl_sdp.certify.verify import _PRIME_BITS, _inverse_mod, _primes_from, _residues

    rng = np.random.default_rng(5)
    primes = _primes_from(0, 40)
    assert len(set(primes)) == 40
    assert all(2 ** (_PRIME_BITS - 1) < p < 2 ** _PRIME_BITS for p in primes)
    assert all(all(p % q for q in range(3, 2000, 2)) for p in primes[:5])
    N = [[int(rng.integers(-2 ** 62, 2 ** 62)) * (1 << int(rng.integers(0, 300)))
          * int(rng.choice([1, -1])) for _ in range(5)] for _ in range(5)]
    N[0][0] = 0
    P = np.array(primes, dtype=np.int64)
    R = _residues(N, P)
    for q, p in enumerate(primes):
        assert [[int(R[q, i, j]) for j in range(5)] for i in range(5)] == \
               [[x % p for x in row] for row in N]
    a = np.array([int(x) for x in rng.integers(1, 2 ** (_PRIME_BITS - 1), 40)],
                 dtype=np.int64)
    inv = _inverse_mod(a, P)
    assert all(int(x) * int(y) % p == 1 for x, y, p in zip(a, inv, primes))


@pytest.mark.parametrize("n, budget", [(40, 5.0), (80, 12.0)])
def test_verifying_an_honest_exact_certificate_is_fast(tmp_path, n, budget):
    """Order 80: was 8.7 s (Fraction elimination), under 1 s now; order 120: 68 s → 2 s."""
    rng = np.random.default_rng(n)
    A = _psd_matrix(rng, n)
    c = certify(A, method="exact")
    path = tmp_path / "big.json"
    c.to_json(path)
    t0 = time.perf_counter()
    res = verify(path, matrix=A)
    seconds = time.perf_counter() - t0
    assert res.ok, res.message
    assert seconds < budget, seconds
    d = json.loads(path.read_text())  # and the last pivot is still part of the proof
    last = Fraction(d["witness"]["pivots"][-1])
    d["witness"]["pivots"][-1] = str(last * (1 + Fraction(1, 10 ** 40)))
    path.write_text(json.dumps(d))
    assert not verify(path).valid


# --------------------------------------------------- 4. model and sidecar as one unit
@pytest.fixture
def csv_data(tmp_path):
    d = load_split("iris", seed=0)
    path = tmp_path / "iris.csv"
    names = ["setosa", "versicolor", "virginica"]
    rows = ["a,b,c,d,species"] + [
        ",".join(f"{v:.4f}" for v in d.U_train[:, j]) + "," + names[int(np.argmax(d.Y_train[:, j]))]
        for j in range(d.U_train.shape[1])]
    path.write_text("\n".join(rows) + "\n")
    return path


def _fit_cli(csv, out, *extra):
    return main(["fit", str(csv), "--target", "species", "--hidden", "3", "--rounds", "1",
                 "--reg", "0.1", "--quiet", "--out", str(out), *extra])


def test_sidecar_records_the_model_digest_and_the_pair_loads(tmp_path, csv_data, capsys):
    out = tmp_path / "m.npz"
    assert _fit_cli(csv_data, out) == 0
    side = json.loads(Path(sidecar_path(str(out))).read_text())
    assert side["model_sha256"] == fio.file_sha256(out)
    assert load_sidecar(str(out))["classes"] == ["setosa", "versicolor", "virginica"]
    assert main(["predict", str(out), str(csv_data)]) == 0


@pytest.mark.parametrize("how", ["model rewritten alone", "sidecar write fails"])
def test_model_without_its_own_sidecar_is_refused(tmp_path, csv_data, monkeypatch, capsys, how):
    out = tmp_path / "m.npz"
    assert _fit_cli(csv_data, out) == 0  # pair A
    if how == "model rewritten alone":  # model B written, then the run died
        _model(np.random.default_rng(9), n=4, h=3, p=3).save(out)
    else:  # a full disk on the second write of a new fit
        import idl_sdp.cli as cli
        real = cli._write_text_atomic

        def full(path, text):
            if path.endswith(".npz.json"):
                raise OSError(28, "No space left on device", path)
            return real(path, text)

        monkeypatch.setattr(cli, "_write_text_atomic", full)
        assert main(["fit", str(csv_data), "--target", "species", "--hidden", "3",
                     "--rounds", "2", "--reg", "0.01", "--seed", "3", "--quiet",
                     "--out", str(out)]) != 0
        assert "No space left" in capsys.readouterr().err
        monkeypatch.setattr(cli, "_write_text_atomic", real)
    with pytest.raises(ValueError) as info:
        load_sidecar(str(out))
    msg = str(info.value)
    assert "m.npz.json" in msg and str(out) in msg and "does not belong" in msg
    capsys.readouterr()
    assert main(["predict", str(out), str(csv_data)]) != 0
    err = capsys.readouterr().err
    assert "does not belong" in err and "prediction" not in capsys.readouterr().out
    assert main(["inspect", str(out)]) != 0


def test_old_sidecar_without_digest_is_accepted_with_a_warning(tmp_path, csv_data, capsys):
    out = tmp_path / "m.npz"
    assert _fit_cli(csv_data, out) == 0
    side_path = Path(sidecar_path(str(out)))
    side = json.loads(side_path.read_text())
    side.pop("model_sha256")
    side_path.write_text(json.dumps(side))
    with pytest.warns(UserWarning, match="model_sha256"):
        assert load_sidecar(str(out))["task"] == "classify"
    side["model_sha256"] = "not a digest"
    side_path.write_text(json.dumps(side))
    with pytest.raises(ValueError, match="model_sha256"):
        load_sidecar(str(out))


# ------------------------------------------------------------ 5. stale temporaries
def _dead_pid():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@pytest.mark.skipif(os.name != "posix", reason="pid liveness is checked on POSIX")
@pytest.mark.parametrize("writer", ["atomic_write", "model.save", "save_checkpoint"])
def test_stale_temporaries_of_dead_writers_are_removed(tmp_path, writer):
    target = tmp_path / "ck.npz"
    dead = _dead_pid()
    old = time.time() - 2 * fio.STALE_TEMP_MIN_AGE
    live_other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        files = {
            "dead": tmp_path / f"ck.npz.{dead}.140000.0123456789ab.tmp",
            "dead legacy": tmp_path / f"ck.npz.{dead}.tmp",
            "dead but recent": tmp_path / f"ck.npz.{dead}.140001.0123456789ac.tmp",
            "live other process": tmp_path / f"ck.npz.{live_other.pid}.1.0123456789ad.tmp",
            "this process": tmp_path / f"ck.npz.{os.getpid()}.2.0123456789ae.tmp",
            "other path": tmp_path / f"other.npz.{dead}.3.0123456789af.tmp",
            "prefix path": tmp_path / f"ck.npz.bak.{dead}.tmp",
            "not a temp": tmp_path / "ck.npz.notes.tmp",
        }
        for name, path in files.items():
            path.write_bytes(b"partial")
            if name != "dead but recent":
                os.utime(path, (old, old))
        rng = np.random.default_rng(6)
        m = _model(rng)
        if writer == "atomic_write":
            fio.atomic_write(target, lambda fh: fh.write(b"new"))
        elif writer == "model.save":
            m.save(target)
        else:
            save_checkpoint(target, model=m, X=np.ones((4, 2)), lam=np.ones(4), history=[],
                            config={}, initial_objective=0.0)
        gone = {name for name, path in files.items() if not path.exists()}
        assert gone == {"dead", "dead legacy"}
        assert target.exists()
    finally:
        live_other.kill()
        live_other.wait()


def test_failed_write_removes_nothing_but_its_own_temporary(tmp_path):
    dead = _dead_pid()
    stale = tmp_path / f"x.bin.{dead}.1.0123456789ab.tmp"
    stale.write_bytes(b"partial")
    old = time.time() - 2 * fio.STALE_TEMP_MIN_AGE
    os.utime(stale, (old, old))

    def boom(fh):
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        fio.atomic_write(tmp_path / "x.bin", boom)
    assert sorted(p.name for p in tmp_path.iterdir()) == [stale.name]  # cleaned on success only


# --------------------------------------- 6. every returned model passes certify
def _indefinite_model(U, Y, hidden, lam_min, lam=1.0):
    """A model with ‖D‖₂ = 0.5 and λ_min(M) = lam_min exactly (to float precision)."""
    rng = np.random.default_rng(7)
    n, p = U.shape[0], Y.shape[0]
    A = 0.1 * rng.standard_normal((p, hidden))
    D0 = 0.3 * np.eye(hidden)
    M0 = A.T @ A + lam * np.eye(hidden) - 2 * lam * D0
    w, Q = np.linalg.eigh(M0)
    v = Q[:, 0]
    D = D0 + ((w[0] - lam_min) / (2 * lam)) * np.outer(v, v)
    return ImplicitModel(A, rng.standard_normal((p, n)), np.zeros(p), D,
                         rng.standard_normal((hidden, n)), np.zeros(hidden))


def _inject(monkeypatch, make):
    def solve(self, X, model, solver="CLARABEL", return_info=False, **opts):
        bad = make(model)
        return (bad, {"status": "optimal", "seconds": 0.0}) if return_info else bad

    monkeypatch.setattr(ParameterStep, "solve", solve)


@pytest.mark.parametrize("lam_min", [-5e-10, -1e-13, -1e-6])
@pytest.mark.parametrize("fallback", [False, True])
def test_slightly_indefinite_theta_point_is_never_returned(data, monkeypatch, lam_min, fallback):
    U, Y = data
    bad = _indefinite_model(U, Y, 3, lam_min)
    lam_exact = certify(bad, lam=1.0, which="M")
    assert lam_exact.status == "violated"  # what the project certifies
    _inject(monkeypatch, lambda model: bad)
    with pytest.raises(SolverError) as info:
        fit(U, Y, 3, reg=1e-2, rounds=2, fallback=fallback)
    err = info.value
    assert err.status == "infeasible_point" and err.step == "Theta-step"
    assert "λ_min(M)" in str(err)
    good = err.result.model  # the last good model (here the initial one) is certifiable
    assert certify(good, lam=err.result.lam, eps=0.05,
                   which=["M", "norm", "wellposed"]).status == "certified"


def test_norm_just_above_one_minus_eps_is_repaired_and_certified(data, monkeypatch):
    U, Y = data
    eps = 0.05

    def over(model):
        rng = np.random.default_rng(8)
        D = rng.standard_normal((3, 3))
        D *= (1 - eps + 3e-9) / np.linalg.norm(D, 2)  # a solver's tolerance above the bound
        return ImplicitModel(0.01 * model.A, model.B, model.c, D, model.E, model.f)

    _inject(monkeypatch, over)
    res = fit(U, Y, 3, lam=50.0, reg=1e-2, rounds=1, eps=eps, fallback=False)
    assert np.linalg.norm(res.model.D, 2) <= 1 - eps
    assert "theta_step_repair" in res.history[-1]
    bundle = certify(res.model, lam=res.lam, eps=eps, which=["M", "norm", "wellposed"])
    assert bundle.status == "certified", str(bundle)


def test_norm_far_above_the_bound_is_refused(data, monkeypatch):
    U, Y = data

    def over(model):
        D = (1 - 0.05 + 1e-3) * np.eye(3)
        return ImplicitModel(model.A, model.B, model.c, D, model.E, model.f)

    _inject(monkeypatch, over)
    with pytest.raises(SolverError) as info:
        fit(U, Y, 3, reg=1e-2, rounds=1, fallback=False)
    assert info.value.status == "infeasible_point" and "‖D‖₂" in str(info.value)


@pytest.mark.parametrize("solver, lmi", [("CLARABEL", "linearized"), ("fast", "linearized"),
                                         ("CLARABEL", "schur")])
def test_models_fit_returns_pass_certify(data, solver, lmi):
    U, Y = data
    eps = 0.05
    res = fit(U, Y, 4, lam=1.0, reg=1e-2, rounds=2, eps=eps, solver=solver, lmi=lmi)
    bundle = certify(res.model, lam=res.lam, eps=eps, which=["M", "norm", "wellposed"])
    assert bundle.status == "certified", str(bundle)


@pytest.mark.parametrize("every", [1, 3])
def test_ldl_check_with_frequent_reductions(monkeypatch, every):
    """The periodic reduction of the working block (needed beyond 1024 pivots) is exact."""
    import importlib

    from idl_sdp.certify.rational import parse_rational

    V = importlib.import_module("idl_sdp.certify.verify")  # (idl_sdp.certify is a function)

    monkeypatch.setattr(V, "_REDUCE_EVERY", every)
    rng = np.random.default_rng(every)
    for rank in (None, 5):
        A = _psd_matrix(rng, 11, rank)
        c = certify(A, method="exact")
        w = dict(c.witness)
        M = [[Fraction(float(x)) for x in row] for row in A]
        piv = [parse_rational(x, "p") for x in w["pivots"]]
        assert V._check_ldl(M, w, strict=False) == np.prod(piv, dtype=object)
        bad = dict(w, pivots=[str(p) for p in piv[:-1]] + [str(piv[-1] * 2)])
        with pytest.raises(V._Fail):
            V._check_ldl(M, bad, strict=False)


@pytest.mark.parametrize("shift, returned", [(0.0, True), (2.0 ** -50, False)])
def test_sign_below_float_resolution_is_decided_exactly(data, monkeypatch, shift, returned):
    """M = Λ − 2ΛD with D = (1/2 + shift)·I: exactly 0 (PSD, returned) or exactly
    −2^-49·I (λ_min far inside the float rounding bound, refused because certify says
    violated)."""
    U, Y = data
    p = Y.shape[0]

    def edge(model):
        return ImplicitModel(np.zeros((p, 3)), model.B, model.c, (0.5 + shift) * np.eye(3),
                             model.E, model.f)

    _inject(monkeypatch, edge)
    if returned:
        res = fit(U, Y, 3, lam=1.0, reg=1e-2, rounds=1, fallback=False)
        assert certify(res.model, lam=res.lam, eps=0.05,
                       which=["M", "norm", "wellposed"]).status == "certified"
    else:
        with pytest.raises(SolverError, match="violated") as info:
            fit(U, Y, 3, lam=1.0, reg=1e-2, rounds=1, fallback=False)
        assert info.value.status == "infeasible_point"
