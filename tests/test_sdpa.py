"""SDPA sparse format (.dat-s): reader, writer, cvxpy problems, SDPLIB."""
import json
import pickle
import time
from pathlib import Path

import cvxpy as cp
import numpy as np
import pytest
import scipy.sparse as sp

import idl_sdp
from idl_sdp import SDPAData, SDPAFormatError, read_sdpa, read_sdpa_data, write_sdpa

SDPLIB = Path(__file__).resolve().parents[2] / "shared" / "data" / "sdplib"
SDPLIB_FILES = sorted(SDPLIB.glob("*.dat-s")) if SDPLIB.is_dir() else []
needs_sdplib = pytest.mark.skipif(not SDPLIB_FILES, reason=f"SDPLIB data not found at {SDPLIB}")


def write(tmp_path, text, name="p.dat-s"):
    path = tmp_path / name
    path.write_text(text)
    return path


# A 2-variable problem with a 2x2 matrix block and a diagonal block of order 2:
#   F1 = [[1, 0], [0, 0]] | diag(1, 0),  F2 = [[0, 1], [1, 2]] | diag(0, 1),
#   F0 = [[-1, 0.5], [0.5, 0]] | diag(0, 0.25)
SMALL_ENTRIES = [(1, 1, 1, 1, 1.0), (1, 2, 1, 1, 1.0), (2, 1, 1, 2, 1.0), (2, 1, 2, 2, 2.0),
                 (2, 2, 2, 2, 1.0), (0, 1, 1, 1, -1.0), (0, 1, 1, 2, 0.5), (0, 2, 2, 2, 0.25)]


def small_reference():
    F1 = [sp.csr_matrix([[1.0, 0], [0, 0]]), sp.csr_matrix(np.diag([1.0, 0]))]
    F2 = [sp.csr_matrix([[0, 1.0], [1, 2]]), sp.csr_matrix(np.diag([0, 1.0]))]
    F0 = [sp.csr_matrix([[-1.0, 0.5], [0.5, 0]]), sp.csr_matrix(np.diag([0, 0.25]))]
    return SDPAData(c=np.array([1.0, -2.5]), block_sizes=(2, -2), F=[F0, F1, F2])


def entries(sep=" ", fmt=lambda e: e):
    return "\n".join(sep.join(str(t) for t in fmt(e)) for e in SMALL_ENTRIES) + "\n"


STYLES = {
    "spaces": "2\n2\n2 -2\n1.0 -2.5\n" + entries(),
    "tabs": "2\t\n\t2\n2\t-2\n1.0\t-2.5\n" + entries("\t"),
    "braces_commas": "2\n2\n{2, -2}\n{1.0, -2.5}\n" + entries(", "),
    "parentheses": "2\n2\n(2,-2)\n(1.0,-2.5)\n" + "".join(
        f"({k},{b}) ({i},{j}) {v}\n" for k, b, i, j, v in SMALL_ENTRIES),
    "mixed": "  2 \n2\n{ 2 ,\t-2 }\n+1.0e+00,-2.5\r\n" + entries(" ,\t"),
    "comments": ('"An example" with m = 2\n* another comment line\n\n'
                 "2 = mDIM\n2 information: nBLOCK\n{2, -2} = bLOCKsTRUCT\n1.0 -2.5 \"costs\"\n"
                 + "* a comment among the entries\n" + entries().replace("\n", " * trailing\n", 1)),
    "fortran": "2\n2\n2 -2\n1.0D+00 -25.0d-1\n" + "".join(
        f"{k} {b} {i} {j} {v:.3E}\n".replace("E", "D") for k, b, i, j, v in SMALL_ENTRIES),
    "header_stream": "2 2\n2 -2\n1.0\n-2.5\n" + entries(),
    "lower_triangle": "2\n2\n2 -2\n1.0 -2.5\n" + entries().replace("2 1 1 2 1.0", "2 1 2 1 1.0")
                      .replace("0 1 1 2 0.5", "0 1 2 1 0.5"),
}


@pytest.mark.parametrize("style", sorted(STYLES))
def test_separator_and_comment_styles_read_the_same_data(tmp_path, style):
    data = read_sdpa_data(write(tmp_path, STYLES[style]))
    assert data == small_reference()
    assert data.m == 2 and data.nblocks == 2 and data.n == 4
    assert data.block_sizes == (2, -2)
    for row in data.F:
        for mat in row:
            assert isinstance(mat, sp.csr_matrix) and mat.dtype == np.float64
            assert (mat != mat.T).nnz == 0


def test_source_and_sha256(tmp_path):
    import hashlib

    path = write(tmp_path, STYLES["spaces"])
    data = read_sdpa_data(path)
    assert data.source == str(path)
    assert data.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert "m=2" in repr(data)


def test_diagonal_block_is_diagonal_and_becomes_a_vector_inequality(tmp_path):
    data = read_sdpa_data(write(tmp_path, STYLES["spaces"]))
    np.testing.assert_array_equal(data.F[2][1].toarray(), np.diag([0.0, 1.0]))
    problem, x = data.to_problem()
    assert problem.sdpa_data is data
    assert x.shape == (2,) and problem.variables() == [x]
    psd, lin = problem.constraints
    assert isinstance(psd, cp.constraints.PSD) and psd.args[0].shape == (2, 2)
    assert isinstance(lin, cp.constraints.Inequality) and lin.shape == (2,)
    # S(x) evaluated at a point: Σ x_k F_k − F_0
    x.value = np.array([0.3, -0.7])
    np.testing.assert_allclose(psd.args[0].value,
                               0.3 * np.array([[1, 0], [0, 0]]) - 0.7 * np.array([[0, 1], [1, 2]])
                               - np.array([[-1, 0.5], [0.5, 0]]))
    np.testing.assert_allclose(lin.args[1].value, [0.3, -0.7 - 0.25])


def test_lower_triangle_entries_are_swapped(tmp_path):
    data = read_sdpa_data(write(tmp_path, "1\n1\n3\n1\n1 1 3 1 2.5\n0 1 2 2 1\n"))
    np.testing.assert_array_equal(data.F[1][0].toarray(),
                                  [[0, 0, 2.5], [0, 0, 0], [2.5, 0, 0]])


def test_explicit_zeros_are_dropped(tmp_path):
    data = read_sdpa_data(write(tmp_path, "1\n1\n2\n1\n1 1 1 2 0\n1 1 1 1 -0.0\n0 1 2 2 3\n"))
    assert data.F[1][0].nnz == 0 and data.F[0][0].nnz == 1


# ----------------------------------------------------------------------------- errors

HEAD = "2\n2\n2 -2\n1.0 -2.5\n"  # entries start on line 5
ERRORS = {
    "bad_number_entry": (HEAD + "1 1 1 1 1.0x\n", 5, "bad number '1.0x'"),
    "bad_number_cost": ("2\n1\n2\n1.0 2..0\n", 4, "bad number '2..0'"),
    "bad_m": ("mDIM = 2\n1\n2\n", 1, "expected m"),
    "non_integer_index": (HEAD + "1 1.0 1 1 1.0\n", 5, "must be an integer"),
    "non_integer_m": ("2.5\n1\n2\n1 2\n", 1, "must be an integer"),
    "too_many_block_sizes": ("2\n2\n2 -2 3\n1 2\n", 3, "wrong count of block sizes"),
    "too_few_block_sizes": ("2\n3\n2 -2\n1.0 2.0\n", 4, "wrong count of block sizes"),
    "huge_block_size": ("2\n1\n-3000000000\n1 2\n", 3, "too large"),
    "zero_block_size": ("2\n2\n2 0\n1 2\n", 3, "block size 2 is 0"),
    "too_many_costs": ("2\n1\n2\n1 2 3\n", 4, "wrong count of cost values"),
    "missing_cost_entries": ("2\n1\n2\n1.0\n1 1 1 1 1.0\n", 5, "missing cost entries"),
    "k_out_of_range": (HEAD + "3 1 1 1 1.0\n", 5, "k = 3 out of range"),
    "k_negative": (HEAD + "1 1 1 1 1.0\n-1 1 1 1 1.0\n", 6, "k = -1 out of range"),
    "block_out_of_range": (HEAD + "1 3 1 1 1.0\n", 5, "block index b = 3 out of range 1..2"),
    "block_zero": (HEAD + "1 0 1 1 1.0\n", 5, "block index b = 0 out of range"),
    "i_out_of_range": (HEAD + "1 1 3 3 1.0\n", 5, "row index i = 3 out of range 1..2"),
    "j_out_of_range": (HEAD + "1 1 1 3 1.0\n", 5, "column index j = 3 out of range 1..2"),
    "off_diagonal_in_diagonal_block": (HEAD + "1 2 1 2 1.0\n", 5, "off-diagonal entry (1, 2)"),
    "truncated_header": ("2\n2\n2 -2\n1.0\n", 4, "truncated file"),
    "truncated_before_sizes": ('" comment\n2\n2\n', 3, "truncated file"),
    "empty_file": ("", 1, "truncated file"),
    "comments_only": ('" just a comment\n* and another\n', 2, "truncated file"),
    "truncated_entry": (HEAD + "1 1 1 1 1.0\n1 1 2\n", 6, "truncated file"),
    "short_entry": (HEAD + "1 1 2\n1 1 1 1 1.0\n", 5, "expected 5 fields"),
    "long_entry": (HEAD + "1 1 1 1 1.0 2.0\n", 5, "expected 5 fields"),
    "inf_value": (HEAD + "1 1 1 1 inf\n", 5, "non-finite value"),
    "nan_value": (HEAD + "1 1 1 1 -NaN\n", 5, "non-finite value"),
    "overflow_value": (HEAD + "1 1 1 1 1e999\n", 5, "non-finite value"),
    "nonfinite_cost": ("2\n1\n2\n1.0 inf\n", 4, "non-finite value"),
    "duplicate_entry": (HEAD + "1 1 1 2 1.0\n0 1 1 1 2\n1 1 1 2 1.0\n", 7,
                        "duplicate entry k = 1, block 1, (1, 2) (first given on line 5"),
    "duplicate_after_swap": (HEAD + "1 1 1 2 1.0\n1 1 2 1 1.0\n", 6, "duplicate entry"),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_malformed_files_name_the_file_and_the_line(tmp_path, case):
    text, line, what = ERRORS[case]
    path = write(tmp_path, text, name=f"bad_{case}.dat-s")
    with pytest.raises(SDPAFormatError) as info:
        read_sdpa_data(path)
    msg = str(info.value)
    assert f"bad_{case}.dat-s" in msg
    assert f"line {line}:" in msg
    assert what in msg
    assert info.value.line == line and info.value.path == str(path)
    assert isinstance(info.value, ValueError)
    with pytest.raises(SDPAFormatError):  # read_sdpa goes through the same reader
        read_sdpa(path)


def test_format_error_pickles():
    err = SDPAFormatError("f.dat-s", 3, "bad number 'x'")
    back = pickle.loads(pickle.dumps(err))
    assert str(back) == str(err) == "f.dat-s, line 3: bad number 'x'" and back.line == 3


def test_missing_file_and_bad_path_types(tmp_path):
    missing = tmp_path / "nowhere.dat-s"
    for reader in (read_sdpa, read_sdpa_data):
        with pytest.raises(FileNotFoundError, match="nowhere.dat-s"):
            reader(missing)
        with pytest.raises(TypeError, match="path"):
            reader(42)
        with pytest.raises(TypeError, match="path"):
            reader(None)
    with pytest.raises(TypeError, match="path"):
        write_sdpa(small_reference(), 3.5)
    with pytest.raises(TypeError, match="data_or_problem"):
        write_sdpa("not data", tmp_path / "x.dat-s")


def test_sdpadata_checks_structure_and_content(tmp_path):
    ref = small_reference()
    with pytest.raises(ValueError, match="m \\+ 1 = 3"):
        SDPAData(c=ref.c, block_sizes=ref.block_sizes, F=ref.F[:2])
    with pytest.raises(ValueError, match=r"F\[1\]\[0\] must have shape \(2, 2\)"):
        SDPAData(c=ref.c, block_sizes=ref.block_sizes,
                 F=[ref.F[0], [sp.csr_matrix((3, 3)), ref.F[1][1]], ref.F[2]])
    with pytest.raises(ValueError, match="block_sizes"):
        SDPAData(c=ref.c, block_sizes=(2, 0), F=ref.F)
    # dense input is converted
    dense = SDPAData(c=[1.0, -2.5], block_sizes=[2, -2],
                     F=[[m.toarray() for m in row] for row in ref.F])
    assert dense == ref and isinstance(dense.F[1][0], sp.csr_matrix)
    nonsym = SDPAData(c=ref.c, block_sizes=ref.block_sizes,
                      F=[ref.F[0], [sp.csr_matrix([[0, 1.0], [0, 0]]), ref.F[1][1]], ref.F[2]])
    with pytest.raises(ValueError, match=r"F\[1\]\[0\] is not symmetric"):
        write_sdpa(nonsym, tmp_path / "x.dat-s")
    offdiag = SDPAData(c=ref.c, block_sizes=ref.block_sizes,
                       F=[ref.F[0], [ref.F[1][0], sp.csr_matrix(np.ones((2, 2)))], ref.F[2]])
    with pytest.raises(ValueError, match="diagonal"):
        offdiag.to_problem()
    assert not (tmp_path / "x.dat-s").exists()


# ----------------------------------------------------------------------------- writing


def test_round_trip_is_bit_identical(tmp_path):
    data = read_sdpa_data(write(tmp_path, STYLES["comments"]))
    data.c = np.array([0.1 + 0.2, -0.0])  # awkward floats survive: repr round-trips
    data.F[1][0] = sp.csr_matrix([[np.pi, 1 / 3], [1 / 3, 1e-300]])
    write_sdpa(data, tmp_path / "out.dat-s", comment="two\nlines")
    back = read_sdpa_data(tmp_path / "out.dat-s")
    assert back == data
    assert np.signbit(back.c[1]) and back.c[0] == 0.1 + 0.2
    text = (tmp_path / "out.dat-s").read_text().splitlines()
    assert text[:2] == ['" two', '" lines']
    write_sdpa(back, tmp_path / "again.dat-s", comment="two\nlines")
    assert (tmp_path / "again.dat-s").read_bytes() == (tmp_path / "out.dat-s").read_bytes()


def test_write_problem_in_sdpa_form(tmp_path):
    x = cp.Variable(2)
    S = cp.bmat([[x[0], 1 + x[1]], [1 + x[1], 2 * x[0] - 3]])
    problem = cp.Problem(cp.Minimize(3 * x[0] - x[1]),
                         [S >> 0, x >= np.array([0.5, -1.0]), 4 - x[1] >= 0])
    write_sdpa(problem, tmp_path / "p.dat-s")
    data = read_sdpa_data(tmp_path / "p.dat-s")
    assert data.block_sizes == (2, -2, -1)
    np.testing.assert_array_equal(data.c, [3, -1])
    np.testing.assert_array_equal(data.F[1][0].toarray(), [[1, 0], [0, 2]])
    np.testing.assert_array_equal(data.F[2][0].toarray(), [[0, 1], [1, 0]])
    np.testing.assert_array_equal(data.F[0][0].toarray(), [[0, -1], [-1, 3]])
    np.testing.assert_array_equal(data.F[0][1].diagonal(), [0.5, -1.0])
    np.testing.assert_array_equal(data.F[2][2].diagonal(), [-1.0])
    np.testing.assert_array_equal(data.F[0][2].diagonal(), [-4.0])
    # same optimum both ways
    assert read_sdpa(tmp_path / "p.dat-s").solve(solver=cp.CLARABEL) == pytest.approx(
        problem.solve(solver=cp.CLARABEL), abs=1e-7)


def test_write_problem_from_to_problem_is_exact(tmp_path):
    data = read_sdpa_data(write(tmp_path, STYLES["spaces"]))
    data.F[1][0] = sp.csr_matrix([[np.pi, 1 / 3], [1 / 3, 1e-300]])
    write_sdpa(data.to_problem()[0], tmp_path / "p.dat-s")
    assert read_sdpa_data(tmp_path / "p.dat-s") == data


def test_write_problem_symmetrises_a_nonsymmetric_psd_argument(tmp_path):
    x = cp.Variable(1)
    A = cp.bmat([[x[0], 2.0], [0.0, x[0]]])  # cvxpy constrains (A + Aᵀ)/2
    write_sdpa(cp.Problem(cp.Minimize(x[0]), [A >> 0]), tmp_path / "p.dat-s")
    data = read_sdpa_data(tmp_path / "p.dat-s")
    np.testing.assert_array_equal(data.F[0][0].toarray(), [[0, -1], [-1, 0]])


def matrix_variable_problem():
    X = cp.Variable((2, 2))
    return cp.Problem(cp.Minimize(cp.trace(X)), [X >> 0])


@pytest.mark.parametrize("make, why", [
    (lambda x, y: cp.Problem(cp.Maximize(x[0]), [x >= 0]), "Minimize"),
    (lambda x, y: cp.Problem(cp.Minimize(x[0] + y[0]), [x >= 0, y >= 0]), "one variable"),
    (lambda x, y: cp.Problem(cp.Minimize(x[0]), [x == 1]), "Equality"),
    (lambda x, y: cp.Problem(cp.Minimize(x[0] + 1), [x >= 0]), "constant term"),
    (lambda x, y: cp.Problem(cp.Minimize(cp.sum_squares(x)), [x >= 0]), "not affine"),
    (lambda x, y: cp.Problem(cp.Minimize(x[0]), [cp.norm(x) <= 1]), "not affine"),
    (lambda x, y: cp.Problem(cp.Minimize(x[0])), "no constraints"),
    (lambda x, y: cp.Problem(cp.Minimize(cp.Variable(2, nonneg=True)[0]),
                             [x >= 0]), "one variable"),
    (lambda x, y: matrix_variable_problem(), "must be a vector"),
    (lambda x, y: cp.Problem(cp.Minimize(cp.Parameter(value=1.0) * x[0]), [x >= 0]),
     "parameters"),
])
def test_write_problem_not_in_sdpa_form(tmp_path, make, why):
    problem = make(cp.Variable(2), cp.Variable(2))
    with pytest.raises(ValueError, match=why):
        write_sdpa(problem, tmp_path / "p.dat-s")
    assert not (tmp_path / "p.dat-s").exists()


def test_write_problem_refuses_variable_attributes(tmp_path):
    x = cp.Variable(2, nonneg=True)
    with pytest.raises(ValueError, match="attributes"):
        write_sdpa(cp.Problem(cp.Minimize(x[0]), [x <= 1]), tmp_path / "p.dat-s")


# ----------------------------------------------------------------------------- solving


def test_small_sdp_known_optimum(tmp_path):
    # min x s.t. [[x, 1], [1, x]] ⪰ 0: S = x·I − F0 with F0 = [[0, -1], [-1, 0]]; optimum 1
    path = write(tmp_path, '" min x s.t. [[x,1],[1,x]] psd\n1\n1\n2\n1.0\n'
                           "1 1 1 1 1.0\n1 1 2 2 1.0\n0 1 1 2 -1.0\n")
    problem = read_sdpa(path)
    problem.solve(solver=cp.CLARABEL)
    assert problem.status == cp.OPTIMAL
    assert problem.value == pytest.approx(1.0, abs=1e-7)
    assert problem.variables()[0].value[0] == pytest.approx(1.0, abs=1e-7)


def test_lp_in_diagonal_blocks_known_optimum(tmp_path):
    # min 2 x1 + 3 x2 s.t. x1 + x2 ≥ 4, x1 + 3 x2 ≥ 6, x1 ≥ 0, x2 ≥ 0
    # vertices (0, 4): 12, (3, 1): 9, (6, 0): 12 -> optimum 9 at (3, 1)
    path = write(tmp_path, "2\n2\n{-2, -2}\n2 3\n"
                           "1 1 1 1 1\n1 1 2 2 1\n2 1 1 1 1\n2 1 2 2 3\n0 1 1 1 4\n0 1 2 2 6\n"
                           "1 2 1 1 1\n2 2 2 2 1\n")
    problem = read_sdpa(path)
    assert all(isinstance(c, cp.constraints.Inequality) for c in problem.constraints)
    problem.solve(solver=cp.CLARABEL)
    assert problem.status == cp.OPTIMAL
    assert problem.value == pytest.approx(9.0, abs=1e-7)
    np.testing.assert_allclose(problem.variables()[0].value, [3.0, 1.0], atol=1e-7)


@needs_sdplib
def test_control1_solves_with_clarabel():
    # Clarabel on SDPA's primal form of control1 is known to stop at ~18.06 (README of the
    # data): within 2% of the published 17.78463.
    problem = read_sdpa(SDPLIB / "control1.dat-s")
    problem.solve(solver=cp.CLARABEL)
    assert problem.status in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE)
    assert problem.value == pytest.approx(17.78463, rel=0.02)


# ----------------------------------------------------------------------------- SDPLIB


@needs_sdplib
def test_all_31_sdplib_files_are_present():
    assert len(SDPLIB_FILES) == 31


@needs_sdplib
@pytest.mark.parametrize("path", SDPLIB_FILES, ids=[p.stem for p in SDPLIB_FILES])
def test_sdplib_parses_builds_and_round_trips(tmp_path, path):
    ref = json.loads((SDPLIB / "optimal_values.json").read_text())[path.stem]
    data = read_sdpa_data(path)
    assert (data.m, data.n) == (ref["m"], ref["n"])
    assert data.source == str(path) and len(data.sha256) == 64
    t0 = time.perf_counter()
    problem, x = data.to_problem()
    assert time.perf_counter() - t0 < 2.0
    assert x.shape == (data.m,) and len(problem.constraints) == data.nblocks
    assert problem.is_dcp()
    # file round trip: bit-identical data, byte-identical second file
    write_sdpa(data, tmp_path / "a.dat-s")
    back = read_sdpa_data(tmp_path / "a.dat-s")
    assert back == data
    write_sdpa(back, tmp_path / "b.dat-s")
    assert (tmp_path / "b.dat-s").read_bytes() == (tmp_path / "a.dat-s").read_bytes()
    # problem round trip: same F bit for bit; c equal as numbers (cvxpy drops the sign of
    # a zero coefficient, -0.0 -> 0.0)
    write_sdpa(problem, tmp_path / "p.dat-s")
    via_problem = read_sdpa_data(tmp_path / "p.dat-s")
    np.testing.assert_array_equal(via_problem.c, data.c)
    via_problem.c = data.c.copy()
    assert via_problem == data


def test_exports():
    for name in ("read_sdpa", "read_sdpa_data", "write_sdpa", "SDPAData", "SDPAFormatError"):
        assert name in idl_sdp.__all__ and getattr(idl_sdp, name) is getattr(idl_sdp.sdpa, name)
