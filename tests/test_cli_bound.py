"""``idl-sdp bound``: enclosure printing, certificate writing, exit codes, bad input."""
from __future__ import annotations

import json


from idl_sdp.certify.bounds_check import check_value_bounds
from idl_sdp.cli import main

SDP = """* min x1 + x2 s.t. [[x1, 1], [1, x2]] >= 0 (optimum 2 at x1 = x2 = 1)
2
1
2
1.0 1.0
0 1 1 2 -1.0
1 1 1 1 1.0
2 1 2 2 1.0
"""


def test_bound_prints_and_writes_a_certificate(tmp_path, capsys):
    f = tmp_path / "p.dat-s"
    f.write_text(SDP)
    out = tmp_path / "c.json"
    assert main(["bound", str(f), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "bounded" in text and "lower" in text and "upper" in text
    status, lo, up = check_value_bounds(json.loads(out.read_text()))
    assert status == "bounded" and lo <= 2.0 <= up and up - lo < 1e-6


def test_bound_json_and_scs(tmp_path, capsys):
    f = tmp_path / "p.dat-s"
    f.write_text(SDP)
    assert main(["bound", str(f), "--solver", "scs", "--tol", "1e-9", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["status"] == "bounded" and res["lower"] <= 2.0 <= res["upper"]


def test_bound_not_proven_exits_2(tmp_path, capsys):
    # min x s.t. [[x, 1], [1, 0]] >= 0: infeasible without an interior, nothing finite
    f = tmp_path / "q.dat-s"
    f.write_text("1\n1\n2\n1.0\n0 1 1 2 -1.0\n1 1 1 1 1.0\n")
    code = main(["bound", str(f), "--no-perturb"])
    out = capsys.readouterr().out
    assert code in (0, 2)
    assert ("not proven" in out) == (code == 2)


def test_bound_bad_input(tmp_path, capsys):
    assert main(["bound", str(tmp_path / "missing.dat-s")]) == 1
    assert "missing.dat-s" in capsys.readouterr().err
    f = tmp_path / "bad.dat-s"
    f.write_text("2\n1\n2\n1.0\n")
    assert main(["bound", str(f)]) == 1
    assert "bad.dat-s" in capsys.readouterr().err
    f.write_text(SDP)
    assert main(["bound", str(f), "--tol", "-1"]) == 1
    assert main(["bound", str(f), "--solver", "MOSEK"]) == 1


def test_verify_value_bounds_certificate_cli(tmp_path, capsys):
    f = tmp_path / "p.dat-s"
    f.write_text(SDP)
    other = tmp_path / "o.dat-s"
    other.write_text(SDP.replace("1.0 1.0\n", "1.0 2.0\n"))
    cert = tmp_path / "c.json"
    assert main(["bound", str(f), "--out", str(cert)]) == 0
    capsys.readouterr()
    assert main(["verify", str(cert), "--problem", str(f)]) == 0
    assert "VALID PROOF" in capsys.readouterr().out
    # about another problem: invalid (exit 2)
    assert main(["verify", str(cert), "--problem", str(other)]) == 2
    assert "different problem" in capsys.readouterr().out
    # a tampered claimed bound: invalid
    data = json.loads(cert.read_text())
    data["claim"]["upper"] = data["claim"]["upper"] - 1e-3
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    assert main(["verify", str(bad)]) == 2
    # --model does not apply to a value-bounds certificate: usage error
    assert main(["verify", str(cert), "--model", str(f)]) == 1


def test_verify_python_api_with_problem_binding(tmp_path):
    import cvxpy as cp

    from idl_sdp import value_bounds, verify
    x = cp.Variable()
    prob = cp.Problem(cp.Minimize(x), [cp.bmat([[x, 1], [1, x]]) >> 0])
    vb = value_bounds(prob)
    path = tmp_path / "b.json"
    vb.to_json(path)
    res = verify(path, problem=prob)
    assert res.valid and res.ok and res.kind == "value-bounds"
    y = cp.Variable()
    res = verify(path, problem=cp.Problem(cp.Minimize(y), [cp.bmat([[y, 2], [2, y]]) >> 0]))
    assert not res.valid


def test_bound_reports_a_proven_lack_of_room(tmp_path, capsys):
    # min x1 s.t. [[x1, 1], [1, x2]] >= 0: inf 0 not attained, the dual is a single
    # point (no interior): the lower side stays infinite, with a proof of why
    f = tmp_path / "r.dat-s"
    f.write_text("2\n1\n2\n1.0 0.0\n0 1 1 2 -1.0\n1 1 1 1 1.0\n2 1 2 2 1.0\n")
    out = tmp_path / "c.json"
    assert main(["bound", str(f), "--json", "--out", str(out)]) == 2
    res = json.loads(capsys.readouterr().out.split("certificate written")[0])
    assert res["lower"] == "-inf" and res["no_room"]["dual"] > 0
    cert = json.loads(out.read_text())
    assert float.fromhex(cert["claim"]["no_room"]["dual"]) == res["no_room"]["dual"]
    check_value_bounds(cert)
    assert main(["bound", str(f)]) == 2
    assert "proven within ε" in capsys.readouterr().out
