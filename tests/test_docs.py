"""The documentation site builds with warnings as errors (what `make docs` runs).

One build (module fixture) serves the tests below. It runs every example of the
sphinx-gallery: 65-100 s in all on a shared 2-core machine, of which the examples take
about 45 s (30 s of it ``examples/train_iris.py``, the demo). The built pages are then
checked for remote scripts and stylesheets and for the gallery.
"""
import re
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted(p.stem for p in (ROOT / "examples").glob("*.py"))


@pytest.fixture(scope="module")
def html(tmp_path_factory):
    """The site built with ``-W`` into a temporary directory, every example re-run."""
    pytest.importorskip("sphinx")
    pytest.importorskip("sphinx_gallery")
    out = tmp_path_factory.mktemp("docs") / "html"
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html",
         # sphinx-gallery skips examples whose source is unchanged since the last
         # build in docs/auto_examples; re-run them so that the build tests the code.
         "-D", "sphinx_gallery_conf.run_stale_examples=1",
         str(ROOT / "docs"), str(out)],
        capture_output=True, text=True, timeout=900, check=False,
    )
    seconds = time.perf_counter() - t0
    assert proc.returncode == 0, proc.stderr[-4000:]
    print(f"docs build: {seconds:.1f} s")
    return out


def test_docs_build_without_warnings(html):
    assert (html / "formulation.html").exists()


# The attribute through which each tag loads a resource.
LOADS = {"script": "src", "link": "href", "img": "src", "iframe": "src", "source": "src",
         "embed": "src", "object": "data"}


# In an inline script or style: a CDN address, or a stylesheet imported from a host.
INLINE_REMOTE = re.compile(r"//cdn|(@import\s+(url\()?|url\()\s*['\"]?(https?:)?//",
                           re.IGNORECASE)


class _RemoteResources(HTMLParser):
    """Collects scripts, stylesheets, images and frames a page loads from another host."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []
        self.inline = None  # "script" or "style" while inside one

    @staticmethod
    def remote(url):
        return bool(re.match(r"\s*(https?:)?//", url, re.IGNORECASE))

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        url = attrs.get(LOADS.get(tag, ""))
        rel = (attrs.get("rel") or "").lower()
        if url and self.remote(url) and not (tag == "link" and rel == "canonical"):
            self.found.append(f"<{tag} {LOADS[tag]}={url!r}>")
        if tag in ("script", "style"):
            self.inline = tag
        if INLINE_REMOTE.search(attrs.get("style") or ""):
            self.found.append(f"<{tag} style={attrs['style']!r}>")

    def handle_endtag(self, tag):
        if tag == self.inline:
            self.inline = None

    def handle_data(self, data):
        if self.inline:
            for m in INLINE_REMOTE.finditer(data):
                snippet = data[max(0, m.start() - 60):m.end() + 40].strip()
                self.found.append(f"inline <{self.inline}>: ...{snippet!r}...")


def test_built_pages_load_nothing_remote(html):
    """Offline, every page must work: no script, stylesheet or font from a CDN."""
    problems = []
    pages = sorted(html.rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        text = page.read_text(encoding="utf-8")
        parser = _RemoteResources()
        parser.feed(text)
        where = page.relative_to(html).as_posix()
        problems += [f"{where}: {item}" for item in parser.found]
    for css in sorted((html / "_static").rglob("*.css")):
        text = css.read_text(encoding="utf-8", errors="replace")
        problems += [f"{css.relative_to(html).as_posix()}: {m.group(0)!r}"
                     for m in INLINE_REMOTE.finditer(text)]
    assert not problems, "remote resources in the built site:\n" + "\n".join(problems)


def test_math_is_rendered_by_the_bundled_mathjax(html):
    index = (html / "index.html").read_text(encoding="utf-8")
    scripts = re.findall(r'<script[^>]*src="([^"]*mathjax[^"]*)"', index, re.IGNORECASE)
    assert scripts == ["_static/mathjax/tex-chtml.js"], scripts
    assert (html / "_static" / "mathjax" / "tex-chtml.js").is_file()
    # The CommonHTML output's web fonts are local too.
    assert list((html / "_static" / "mathjax" / "output" / "chtml" / "fonts").rglob("*.woff"))


def test_gallery_pages_show_the_examples_output(html):
    gallery = html / "auto_examples"
    index = (gallery / "index.html").read_text(encoding="utf-8")
    for name in EXAMPLES:
        assert f'href="{name}.html"' in index, name
        page = (gallery / f"{name}.html").read_text(encoding="utf-8")
        assert 'class="sphx-glr-script-out' in page, f"{name}: no captured output"
        assert f"{name}.ipynb" in page and f"{name}.py" in page, f"{name}: no downloads"
    # Captured output and a captured figure of one example.
    page = (gallery / "lsq_diagonal.html").read_text(encoding="utf-8")
    assert "problem 1: m = 300, n = 200, k = 30" in page
    assert "50 sweeps of the seed formula" in page
    assert "sphx_glr_lsq_diagonal_001.png" in page
    assert (html / "_images" / "sphx_glr_lsq_diagonal_001.png").is_file()
    # The shell script stays out of the gallery.
    assert 'href="cli_tour' not in index
    assert not list(gallery.glob("cli_tour*"))


def test_every_docs_page_is_in_the_toctree():
    index = (ROOT / "docs" / "index.rst").read_text(encoding="utf-8")
    pages = {p.stem for p in (ROOT / "docs").glob("*.rst")} - {"index"}
    # sphinx-gallery's timing page, if a build with write_computation_times left one.
    pages -= {"sg_execution_times"}
    missing = [p for p in sorted(pages) if f"   {p}\n" not in index]
    assert not missing, f"pages not in the toctree: {missing}"
    assert "   auto_examples/index\n" in index, "the examples gallery is not in the toctree"
