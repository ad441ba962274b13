"""idl_sdp.datasets.gset: the Gset graphs shipped inside the package."""
from __future__ import annotations

import gzip
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from idl_sdp import datasets
from idl_sdp.datasets import GSET_NAMES, gset, gset_names
from idl_sdp.relax import read_gset

SHARED_GSET = Path(__file__).resolve().parents[2] / "shared" / "data" / "gset"

# (n, m) from each file's header line.
HEADERS = {"G1": (800, 19176), "G11": (800, 1600), "G14": (800, 4694)}


def test_names():
    assert gset_names() == GSET_NAMES == ("G1", "G11", "G14")
    assert set(HEADERS) == set(GSET_NAMES)
    assert {"gset", "gset_names", "GSET_NAMES"} <= set(datasets.__all__)


@pytest.mark.parametrize("name", GSET_NAMES)
def test_shape_and_edge_count_match_header(name):
    n, m = HEADERS[name]
    W = gset(name)
    assert isinstance(W, sp.csr_matrix)
    assert W.shape == (n, n)
    assert W.dtype == np.float64
    assert W.nnz == 2 * m
    assert W.diagonal().max() == 0 == W.diagonal().min()
    assert (W != W.T).nnz == 0
    text = gzip.decompress(
        (resources.files("idl_sdp") / "data" / "gset" / f"{name}.txt.gz").read_bytes()).decode()
    assert tuple(int(t) for t in text.split("\n", 1)[0].split()) == (n, m)


@pytest.mark.skipif(not SHARED_GSET.is_dir(), reason="../shared/data/gset not beside the repo")
@pytest.mark.parametrize("name", GSET_NAMES)
def test_equals_read_gset_of_shared_file(name):
    W = gset(name)
    R = read_gset(SHARED_GSET / name)
    assert W.shape == R.shape and W.dtype == R.dtype
    assert np.array_equal(W.indptr, R.indptr)
    assert np.array_equal(W.indices, R.indices)
    assert np.array_equal(W.data, R.data)


@pytest.mark.skipif(not SHARED_GSET.is_dir(), reason="../shared/data/gset not beside the repo")
@pytest.mark.parametrize("name", GSET_NAMES)
def test_shipped_text_is_the_shared_file(name):
    packed = (resources.files("idl_sdp") / "data" / "gset" / f"{name}.txt.gz").read_bytes()
    assert gzip.decompress(packed) == (SHARED_GSET / name).read_bytes()


def test_loads_from_another_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    W = gset("G14")
    assert W.shape == (800, 800) and W.nnz == 2 * 4694
    G11 = gset("G11")
    assert set(np.unique(G11.data)) == {-1.0, 1.0}   # the signed-weight graph


def test_case_insensitive():
    W, V = gset("g11"), gset("G11")
    assert (W != V).nnz == 0


@pytest.mark.parametrize("bad", ["G2", "G99", "", "G1.txt.gz", "../G1"])
def test_unknown_name_lists_the_shipped_ones(bad):
    with pytest.raises(ValueError) as exc:
        gset(bad)
    msg = str(exc.value)
    assert repr(bad) in msg
    for name in GSET_NAMES:
        assert name in msg
    assert "read_gset" in msg


@pytest.mark.parametrize("bad", [1, None, b"G1", Path("G1"), ["G1"]])
def test_non_str_name_is_type_error(bad):
    with pytest.raises(TypeError, match="name must be a str"):
        gset(bad)
