"""The documentation site builds with warnings as errors (what `make docs` runs)."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_docs_build_without_warnings(tmp_path):
    pytest.importorskip("sphinx")
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html", str(ROOT / "docs"),
         str(tmp_path / "html")],
        capture_output=True, text=True, timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert (tmp_path / "html" / "formulation.html").exists()


def test_every_docs_page_is_in_the_toctree():
    index = (ROOT / "docs" / "index.rst").read_text(encoding="utf-8")
    pages = {p.stem for p in (ROOT / "docs").glob("*.rst")} - {"index"}
    missing = [p for p in sorted(pages) if f"   {p}\n" not in index]
    assert not missing, f"pages not in the toctree: {missing}"
