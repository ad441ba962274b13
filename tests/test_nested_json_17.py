"""Deeply nested JSON in a certificate or a sidecar is one clear ValueError naming the
file (not a RecursionError), and the CLI prints one line."""
from __future__ import annotations

import pytest

from idl_sdp.certify import verify
from idl_sdp.cli import load_sidecar, main, sidecar_path


@pytest.mark.parametrize("depth", [5_000, 100_000])
def test_deep_certificate_json(tmp_path, capsys, depth):
    path = tmp_path / "deep.json"
    path.write_text("[" * depth + "]" * depth)
    with pytest.raises(ValueError, match="deep.json"):
        verify(path)
    assert main(["verify", str(path)]) == 1
    err = capsys.readouterr().err
    assert "deep.json" in err and len(err.strip().splitlines()) == 1


def test_deep_nested_object_certificate(tmp_path):
    path = tmp_path / "deep2.json"
    path.write_text('{"a": ' * 50_000 + "1" + "}" * 50_000)
    with pytest.raises(ValueError, match="deep2.json"):
        verify(path)


def test_deep_sidecar_json(tmp_path):
    model = tmp_path / "m.npz"
    side = sidecar_path(str(model))
    with open(side, "w", encoding="utf-8") as fh:
        fh.write("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ValueError, match="sidecar"):
        load_sidecar(str(model))
