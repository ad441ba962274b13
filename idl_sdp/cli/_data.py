"""CSV and data-set input of the ``idl-sdp`` subcommands, and the target's encoding.

The encoding itself (class names ↔ one-hot rows, standardization) is
:mod:`idl_sdp.preprocessing`'s, the one the estimators use; this module only turns CSV
cells into typed labels or numbers.
"""
from __future__ import annotations

import argparse
import csv
import math
from dataclasses import dataclass
from typing import Any, List, Optional, Sequence, Tuple

import numpy as np

from .. import preprocessing
from ._common import MAX_AUTO_CLASSES, _delimiter_arg


def read_csv(path: str, delimiter: str = ",") -> Tuple[List[str], List[List[str]], List[int]]:
    """Read a CSV file with a header row.

    Parameters
    ----------
    path : str
        The file (UTF-8, an optional byte-order mark is skipped).
    delimiter : str, default ","
        The field separator (one character; ``idl-sdp --delimiter``).

    Returns
    -------
    header : list of str
        Column names, stripped of surrounding white space.
    rows : list of list of str
        The data rows (stripped cells); blank lines are skipped.
    lines : list of int
        The line number of each data row in the file, for error messages.

    Raises
    ------
    ValueError
        Empty file, no data rows, empty or duplicate column names, or a row whose
        number of fields differs from the header's.
    """
    with open(path, newline="", encoding="utf-8-sig") as fh:
        try:
            reader = csv.reader(fh, delimiter=delimiter)
            header = next(reader, None)
            if header is None:
                raise ValueError(f"{path}: empty file (a header row is required)")
            header = [h.strip() for h in header]
            for k, name in enumerate(header):
                if not name:
                    raise ValueError(f"{path}: the header has an empty name in column {k + 1}")
            dups = sorted({h for h in header if header.count(h) > 1})
            if dups:
                raise ValueError(f"{path}: duplicate column names {dups}")
            rows, lines = [], []
            for row in reader:
                if not row or all(not c.strip() for c in row):
                    continue
                if len(row) != len(header):
                    raise ValueError(f"{path}, line {reader.line_num}: {len(row)} fields, "
                                     f"the header has {len(header)}")
                rows.append([c.strip() for c in row])
                lines.append(reader.line_num)
        except csv.Error as exc:
            raise ValueError(f"{path}: not a readable CSV file: {exc}") from None
    if not rows:
        raise ValueError(f"{path}: no data rows")
    return header, rows, lines


def _parse_float(text: str) -> Optional[float]:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


@dataclass
class _Data:
    """Raw data, one row per sample: features ``X`` (m, n) and the target values ``y``."""

    source: str
    features: List[str]
    X: np.ndarray
    target: Optional[str] = None
    y: Optional[List[Any]] = None  # raw target values (str from a CSV)
    kind: Optional[str] = None  # the data set's own task ("classify"/"regress"), if known


def _csv_columns(path: str, header: List[str], rows: List[List[str]], lines: List[int],
                 names: Sequence[str]) -> np.ndarray:
    """The named columns as a finite float array (m, len(names)); errors name row and column."""
    idx = [header.index(n) for n in names]
    X = np.empty((len(rows), len(idx)))
    for i, row in enumerate(rows):
        for j, k in enumerate(idx):
            value = _parse_float(row[k])
            if value is None:
                what = "an empty value" if not row[k] else f"{row[k]!r}"
                raise ValueError(
                    f"{path}, line {lines[i]}: column {header[k]!r} has {what}; feature "
                    "columns must be finite numbers")
            X[i, j] = value
    return X


def _load_dataset(name: str) -> _Data:
    """A scikit-learn bundled data set, whole, as raw features and target values."""
    from sklearn import datasets as skd

    from ..datasets import _CLASSIFICATION

    bunch = getattr(skd, f"load_{name}")()
    features = [str(f) for f in bunch.feature_names]
    X = np.asarray(bunch.data, dtype=np.float64)
    if name in _CLASSIFICATION:
        names = np.asarray(bunch.target_names)
        y = [_json_label(v) for v in names[np.asarray(bunch.target)]]
        return _Data(f"dataset {name}", features, X, "target", y, "classify")
    y = [float(v) for v in bunch.target]
    return _Data(f"dataset {name}", features, X, "target", y, "regress")


def _load_training_data(args: argparse.Namespace) -> _Data:
    """The data of ``fit`` and ``problems``: a CSV with ``--target`` or ``--dataset``."""
    if args.data is not None and args.dataset is not None:
        raise ValueError("give either DATA.csv or --dataset, not both")
    if args.dataset is not None:
        if args.target is not None:
            raise ValueError("--target applies to a CSV file; a --dataset's target is "
                             "its own")
        return _load_dataset(args.dataset)
    if args.data is None:
        raise ValueError("no data: give DATA.csv (with --target COL) or --dataset NAME")
    if args.target is None:
        raise ValueError("--target COL is required with a CSV file")
    header, rows, lines = read_csv(args.data, getattr(args, "delimiter", ","))
    if args.target not in header:
        raise ValueError(f"{args.data}: no column {args.target!r} (columns: "
                         f"{', '.join(header)})")
    features = [h for h in header if h != args.target]
    if not features:
        raise ValueError(f"{args.data}: no feature columns besides the target "
                         f"{args.target!r}")
    X = _csv_columns(args.data, header, rows, lines, features)
    k = header.index(args.target)
    y = []
    for i, row in enumerate(rows):
        if not row[k]:
            raise ValueError(f"{args.data}, line {lines[i]}: the target column "
                             f"{args.target!r} is empty")
        y.append(row[k])
    return _Data(args.data, features, X, args.target, y, None)


# ------------------------------------------------------------------ targets
def _json_label(value: Any) -> Any:
    """A class label as a JSON-ready value: int for integer-like numbers, else float/str."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return int(value) if value.is_integer() else value
    return str(value)


def _label_key(value: Any) -> str:
    """Comparison key of a label: numbers compare by value ("1", "1.0", 1 agree)."""
    number = _parse_float(str(value)) if not isinstance(value, (int, float)) else float(value)
    if number is not None:
        return repr(int(number)) if float(number).is_integer() else repr(float(number))
    return str(value)


def _decide_task(y: List[Any], requested: str, kind: Optional[str], target: str) -> str:
    """``classify`` or ``regress`` (see the ``--task`` help and docs/cli.rst)."""
    numbers = [v if isinstance(v, (int, float)) else _parse_float(str(v)) for v in y]
    numeric = all(v is not None for v in numbers)
    if requested == "regress":
        if not numeric:
            bad = next(v for v, x in zip(y, numbers) if x is None)
            raise ValueError(f"target {target!r} is not numeric ({bad!r}); regression needs "
                             "numbers (use --task classify)")
        return "regress"
    if requested == "classify":
        return "classify"
    if kind is not None:
        return kind
    if not numeric:
        return "classify"
    integer_like = all(float(v).is_integer() for v in numbers)
    if integer_like and len(set(numbers)) <= MAX_AUTO_CLASSES:
        return "classify"
    return "regress"


def _class_labels(y: List[Any]) -> np.ndarray:
    """CSV labels as an array: numbers by value if every label is one, else strings."""
    numbers = [v if isinstance(v, (int, float)) else _parse_float(str(v)) for v in y]
    if all(v is not None for v in numbers):
        return np.asarray(numbers, dtype=np.float64)
    return np.asarray([str(v) for v in y])


def _prepare_targets(y: List[Any], task: str, target: str):
    """What the estimator is fitted to, the sidecar's target fields and the truth.

    Classification: the integer codes of the sorted classes
    (:func:`idl_sdp.preprocessing.encode_labels`; numeric labels sort by value) and
    ``{"classes": [...]}``; regression: the values as floats and ``{}`` (the
    estimator standardizes them).
    """
    if task == "classify":
        classes_arr, _, codes = preprocessing.encode_labels(_class_labels(y))
        classes = ([_json_label(c) for c in classes_arr] if classes_arr.dtype.kind == "f"
                   else [str(c) for c in classes_arr])
        if len(classes) < 2:
            raise ValueError(f"target {target!r} has a single class {classes[0]!r}; "
                             "classification needs at least 2")
        return codes, {"classes": classes}, codes
    values = np.asarray([float(v) for v in y], dtype=np.float64)
    return values, {}, values


def _encode_targets(y: List[Any], task: str, target: str):
    """Targets as (m, p) rows, their description for the sidecar and the truth.

    Classification: one-hot rows over the sorted distinct labels (numeric labels are
    sorted by value). Regression: the target standardized by its mean and standard
    deviation (scale 1 for a constant target), as :class:`ImplicitRegressor` does;
    both by :mod:`idl_sdp.preprocessing`.
    """
    y_fit, info, truth = _prepare_targets(y, task, target)
    if task == "classify":
        return preprocessing.one_hot(y_fit, np.arange(len(info["classes"]))), info, truth
    mean, scale = preprocessing.fit_standardization(y_fit)
    T = preprocessing.standardize(y_fit.reshape(-1, 1), mean, scale)
    return T, {"target_mean": float(mean[0]), "target_scale": float(scale[0])}, truth


def _data_args(p: argparse.ArgumentParser, *, target: bool = True) -> None:
    from ..datasets import DATASETS

    p.add_argument("data", nargs="?", metavar="DATA.csv", default=None,
                   help="CSV file with a header row and numeric feature columns")
    p.add_argument("--dataset", choices=DATASETS, default=None,
                   help="a scikit-learn bundled data set (the whole set) instead of a CSV")
    p.add_argument("--delimiter", type=_delimiter_arg, default=",", metavar="CHAR",
                   help="field separator of DATA.csv: one character, or 'tab' (default ,)")
    if target:
        p.add_argument("--target", metavar="COL", default=None,
                       help="the target column of the CSV (every other column is a feature)")
        p.add_argument("--task", choices=("auto", "classify", "regress"), default="auto",
                       help="auto (default): classify if the target is non-numeric or has at "
                       f"most {MAX_AUTO_CLASSES} distinct integer values, else regress")
