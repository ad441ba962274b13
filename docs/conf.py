"""Sphinx configuration for the idl_sdp documentation.

Build (warnings are errors)::

    python -m sphinx -W -b html docs docs/_build/html
"""
import os
import sys

# The repository root (the parent of docs/), so that autodoc imports the
# package from the working tree even when it is not installed.
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, ROOT)

import idl_sdp  # noqa: E402  (autodoc needs it importable; fail early if it is not)

# -- Project -----------------------------------------------------------------
project = "idl_sdp"
author = "idl_sdp contributors"
copyright = "idl_sdp contributors"
release = idl_sdp.__version__
version = ".".join(release.split(".")[:2])

# -- General -----------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
]

exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
root_doc = "index"
language = "en"

# Unresolved cross-references to objects outside these pages (numpy, cvxpy,
# "array_like", ...) are not errors; every other warning is.
nitpicky = False

# -- autodoc / napoleon --------------------------------------------------------
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_default_options = {
    "members": True,
    "show-inheritance": True,
}
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_include_init_with_doc = False
napoleon_use_rtype = True
napoleon_use_ivar = True  # Attributes sections as fields: no duplicate targets

# -- HTML ----------------------------------------------------------------------
html_theme = "alabaster"
html_title = f"idl_sdp {release}"
html_theme_options = {
    "description": "Implicit deep learning through its biconvex SDP relaxation, in cvxpy",
    "fixed_sidebar": True,
}


# -- Signatures ------------------------------------------------------------------
def _factory_defaults(app, what, name, obj, options, signature, return_annotation):
    """Render dataclass ``default_factory`` fields as ``= ...``.

    ``inspect`` shows them as ``<factory>``, which is not Python syntax, and Sphinx's
    signature parser then mangles the neighbouring annotations.
    """
    if signature and "<factory>" in signature:
        signature = signature.replace("<factory>", "...")
    return signature, return_annotation


def setup(app):
    app.connect("autodoc-process-signature", _factory_defaults)
