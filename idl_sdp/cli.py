"""The ``idl-sdp`` command line.

Subcommands (a registry: add an entry to :data:`SUBCOMMANDS` to add one):

``idl-sdp fit DATA.csv --target COL [--hidden 10] [--lam 1] [--rounds 20] [--out MODEL.npz]``
    Train an implicit model on a CSV file (or ``--dataset NAME``, a scikit-learn
    bundled data set) and save it, with a sidecar ``MODEL.npz.json`` holding the
    feature names, the target name and the class labels. Prints one progress line
    per round. Options: ``--task``, ``--lmi``, ``--eps``, ``--reg``, ``--tol``,
    ``--solver``, ``--seed``, ``--checkpoint``, ``--resume``, ``--certify``,
    ``--cert-out``, ``--plot DIR``, ``--json``, ``--quiet``.
``idl-sdp predict MODEL.npz DATA.csv [--out PREDS.csv]``
    Equilibrium predictions (class labels and scores for a classifier) of a saved
    model on raw inputs; ``--dataset NAME`` instead of a CSV.
``idl-sdp inspect MODEL.npz [--lam L] [--json]``
    Sizes and well-posedness numbers (‖D‖₂, ‖D‖∞, pf(|D|), and λ_min(M)).
``idl-sdp problems (DATA.csv --target COL | --dataset NAME) [--hidden 10] [--json]``
    Build both convex subproblems of a fit on these data and print their sizes, the
    cone dimensions of their conic form and their DCP/DPP/QP flags.
``idl-sdp verify CERT.json [--model MODEL.npz | --matrix M.npy]``
    Re-check a certificate (or bundle) file in exact arithmetic and print the verdict,
    one line per condition: ``VALID PROOF: … HOLDS``, ``VALID REFUTATION: … is
    VIOLATED`` or ``INVALID: …``; with ``--model`` / ``--matrix``, also check that it
    is about that model / matrix by content. Dispatches on the file's ``kind``.
``idl-sdp certify MODEL.npz --lam 1.0 [--eps 0.05] [--which M] [--out CERT.json]``
    Certify a condition of a saved :class:`~idl_sdp.ImplicitModel` and print the
    certificate; optionally save it.

Inputs are standardized for training (mean 0, standard deviation 1 per feature; a
regression target likewise) and the standardization is folded exactly into the saved
parameters, so a saved model maps raw inputs to outputs in the target's units:
``ImplicitModel.load("model.npz").predict(U_raw)`` needs no sidecar (see
:func:`fold_standardization`).

Exit status
-----------
``0``
    Success; for ``verify`` the certificate is valid *and* every condition it states
    holds, for ``certify`` and ``fit --certify`` every condition is certified.
``1``
    Usage or input error (bad flag or value, unreadable or malformed file, missing
    column, non-numeric feature), reported as one line on stderr without a traceback.
``2``
    A solver failure in ``fit`` (one line naming the round and the status; with
    ``--out``, the last good model is saved there, marked incomplete in the sidecar),
    an invalid certificate for ``verify`` (a check fails, it is "undecided", or it is
    not about the given ``--model`` / ``--matrix``), a condition violated or
    undecided for ``certify`` and ``fit --certify``, or a model whose equilibrium
    iteration does not converge.
``3``
    ``verify`` only: a *valid* certificate that proves some condition is VIOLATED (a
    valid refutation; no entry invalid).
``130``
    Interrupted (Ctrl-C); ``fit`` says how to resume when ``--checkpoint`` was given.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import sys
import time
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence, TextIO, Tuple

import numpy as np

from ._io import atomic_write, file_sha256, read_json

__all__ = [
    "main", "build_parser", "SUBCOMMANDS", "Subcommand", "fold_standardization",
    "read_csv", "sidecar_path", "load_sidecar", "describe_problem",
    "EXIT_OK", "EXIT_USAGE", "EXIT_FAILED", "EXIT_VIOLATED", "EXIT_INTERRUPTED",
    "SIDECAR_FORMAT", "SIDECAR_VERSION", "MAX_AUTO_CLASSES",
]

EXIT_OK, EXIT_USAGE, EXIT_FAILED, EXIT_INTERRUPTED = 0, 1, 2, 130
#: ``idl-sdp verify``: the certificate is valid and proves a condition violated.
EXIT_VIOLATED = 3

#: ``format`` tag and version of the sidecar JSON written next to a saved model.
SIDECAR_FORMAT, SIDECAR_VERSION = "idl_sdp.cli.sidecar", 1

#: ``--task auto`` classifies a numeric target only if it has at most this many
#: distinct values, all integers.
MAX_AUTO_CLASSES = 20

SOLVER_CHOICES = ("CLARABEL", "SCS", "FAST")


class _UsageError(Exception):
    """Raised instead of argparse's print-usage-and-exit(2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(f"{self.prog}: {message}")


@dataclass(frozen=True)
class Subcommand:
    """One ``idl-sdp`` subcommand: its help line, its arguments and its action."""

    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


# ------------------------------------------------------------ argument types
def _lam_arg(text: str):
    parts = [s for s in text.replace(" ", "").split(",") if s]
    try:
        vals = [float(s) for s in parts]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--lam must be a number or comma-separated numbers, got {text!r}") from None
    if not vals:
        raise argparse.ArgumentTypeError("--lam must not be empty")
    return vals[0] if len(vals) == 1 else vals


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _nonneg_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a non-negative integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {value}")
    return value


def _nonneg_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"expected a finite number >= 0, got {text!r}")
    return value


def _open_unit(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1), got {text!r}") from None
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1), got {text!r}")
    return value


def _reg_arg(text: str):
    if text.strip().lower() == "auto":
        return "auto"
    try:
        return _nonneg_float(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"--reg must be 'auto' or a number >= 0, got {text!r}") from None


def _solver_arg(text: str) -> str:
    name = text.strip().upper()
    if name not in SOLVER_CHOICES:
        raise argparse.ArgumentTypeError(
            f"--solver must be one of CLARABEL, SCS, fast, got {text!r}")
    return name


# ------------------------------------------------------------------ CSV input
def read_csv(path: str) -> Tuple[List[str], List[List[str]], List[int]]:
    """Read a CSV file with a header row.

    Parameters
    ----------
    path : str
        The file (UTF-8, an optional byte-order mark is skipped).

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
            reader = csv.reader(fh)
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

    from .datasets import _CLASSIFICATION

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
    header, rows, lines = read_csv(args.data)
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


def _encode_targets(y: List[Any], task: str, target: str):
    """Targets as (m, p) rows and their description for the sidecar.

    Classification: one-hot rows over the sorted distinct labels (numeric labels are
    sorted by value). Regression: the target standardized by its mean and standard
    deviation (scale 1 for a constant target), as :class:`ImplicitRegressor` does.
    """
    if task == "classify":
        numbers = [v if isinstance(v, (int, float)) else _parse_float(str(v)) for v in y]
        if all(v is not None for v in numbers):
            values = np.asarray(numbers, dtype=np.float64)
            classes_arr, codes = np.unique(values, return_inverse=True)
            classes = [_json_label(c) for c in classes_arr]
        else:
            classes_arr, codes = np.unique(np.asarray([str(v) for v in y]), return_inverse=True)
            classes = [str(c) for c in classes_arr]
        if len(classes) < 2:
            raise ValueError(f"target {target!r} has a single class {classes[0]!r}; "
                             "classification needs at least 2")
        T = (codes.reshape(-1, 1) == np.arange(len(classes))).astype(np.float64)
        return T, {"classes": classes}, codes
    values = np.asarray([float(v) for v in y], dtype=np.float64).reshape(-1, 1)
    mean = values.mean(axis=0)
    scale = values.std(axis=0)
    scale[~(scale > 1e-12 * np.maximum(1.0, np.abs(mean)))] = 1.0
    T = (values - mean) / scale
    return T, {"target_mean": float(mean[0]), "target_scale": float(scale[0])}, values[:, 0]


def fold_standardization(model, mean: Any, scale: Any, y_mean: Any = None,
                         y_scale: Any = None):
    r"""The model on raw inputs (and raw targets) of a model trained on standardized ones.

    With :math:`u_s = (u - \mu)/\sigma` (elementwise) and :math:`y = s\,y_s + t`, a model
    :math:`y_s = A x + B u_s + c`, :math:`x = (D x + E u_s + f)_+` equals

    .. math::
       y = (sA) x + (s B \operatorname{diag}(1/\sigma)) u + s(c - B(\mu/\sigma)) + t,
       \qquad x = (D x + E \operatorname{diag}(1/\sigma) u + f - E(\mu/\sigma))_+ ,

    the same equilibrium ``x`` for every input. ``D`` is unchanged, so are ‖D‖₂ and
    every well-posedness number. ``A`` is scaled by ``s``, so
    :math:`A^TA + \Lambda - \Lambda D - D^T\Lambda` of the folded model with
    multipliers :math:`s^2\lambda` is exactly :math:`s^2` times that of the trained
    model with :math:`\lambda` (for a single output, ``s`` a scalar).

    Parameters
    ----------
    model : ImplicitModel
        Trained on standardized inputs (and targets).
    mean, scale : array_like, shape (n,)
        Input standardization: ``u_s = (u − mean) / scale``.
    y_mean, y_scale : array_like, shape (p,), optional
        Target standardization ``y_s = (y − y_mean) / y_scale`` (default none).

    Returns
    -------
    ImplicitModel
    """
    from .model import ImplicitModel

    mean = np.asarray(mean, dtype=np.float64).reshape(-1)
    scale = np.asarray(scale, dtype=np.float64).reshape(-1)
    p = model.n_outputs
    s = np.ones(p) if y_scale is None else np.broadcast_to(
        np.asarray(y_scale, dtype=np.float64), (p,))
    t = np.zeros(p) if y_mean is None else np.broadcast_to(
        np.asarray(y_mean, dtype=np.float64), (p,))
    B = model.B / scale[None, :]
    E = model.E / scale[None, :]
    return ImplicitModel(
        A=s[:, None] * model.A, B=s[:, None] * B, c=s * (model.c - B @ mean) + t,
        D=model.D, E=E, f=model.f - E @ mean)


# ------------------------------------------------------------------ sidecar
def sidecar_path(model_path: str) -> str:
    """The sidecar of a model file: ``MODEL.npz`` → ``MODEL.npz.json``."""
    return os.fspath(model_path) + ".json"


def _write_text_atomic(path: str, text: str) -> None:
    atomic_write(path, lambda fh: fh.write(text), text=True)


def load_sidecar(model_path: str) -> Optional[Dict[str, Any]]:
    """The sidecar of ``model_path`` if it exists, checked to belong to that model file.

    A sidecar records ``model_sha256``, the SHA-256 of the model file's bytes written
    with it; a model file with other bytes (rewritten without its sidecar, e.g. by a
    ``fit --out`` that failed between the two writes) is refused: the sidecar's class
    names and feature columns would be another model's. A sidecar without the field
    (written before it existed) is accepted with a ``UserWarning``.

    Raises
    ------
    ValueError
        For a malformed sidecar, naming it; for a pair that does not belong together,
        naming both files.
    """
    path = sidecar_path(model_path)
    if not os.path.exists(path):
        return None
    try:  # bounded: MAX_FILE_BYTES, MAX_JSON_DEPTH (idl_sdp._io)
        data = read_json(path, "sidecar")
    except ValueError as exc:
        raise ValueError(f"sidecar {path}: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != SIDECAR_FORMAT:
        raise ValueError(f"sidecar {path}: not an idl-sdp sidecar (format "
                         f"{data.get('format') if isinstance(data, dict) else None!r})")
    if data.get("version") != SIDECAR_VERSION:
        raise ValueError(f"sidecar {path}: unsupported version {data.get('version')!r}")
    for key, typ in (("task", str), ("features", list)):
        if not isinstance(data.get(key), typ):
            raise ValueError(f"sidecar {path}: field {key!r} missing or malformed")
    if data["task"] == "classify" and not isinstance(data.get("classes"), list):
        raise ValueError(f"sidecar {path}: field 'classes' missing or malformed")
    recorded = data.get("model_sha256")
    if recorded is None:
        warnings.warn(f"sidecar {path} records no model_sha256 (written by an older "
                      f"idl-sdp): it cannot be checked to belong to {model_path}",
                      UserWarning, stacklevel=2)
    elif not (isinstance(recorded, str) and len(recorded) == 64):
        raise ValueError(f"sidecar {path}: field 'model_sha256' malformed (64 hex "
                         "digits expected)")
    else:
        actual = file_sha256(model_path)
        if actual != recorded.lower():
            raise ValueError(
                f"sidecar {path} does not belong to model {model_path}: it was written "
                f"with a model file of SHA-256 {recorded[:16]}…, the model file's is "
                f"{actual[:16]}… (the model was rewritten without its sidecar, e.g. by "
                "an interrupted or failed fit --out); refit, or remove the sidecar to "
                "use the model without it")
    return data


# ------------------------------------------------------------------ JSON out
def _jsonable(obj: Any) -> Any:
    """Plain JSON values: non-finite floats become null, numpy values Python ones."""
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return float(obj) if math.isfinite(float(obj)) else None
    if obj is None or isinstance(obj, str):
        return obj
    return str(obj)


def _dump_json(obj: Any) -> None:
    print(json.dumps(_jsonable(obj), indent=2, allow_nan=False))


# ------------------------------------------------------------------ progress
def _fmt_seconds(x: Any) -> str:
    return f"{x:.3f}" if isinstance(x, (int, float)) else "-"


def _fmt(x: Any, spec: str = ".6g") -> str:
    return format(x, spec) if isinstance(x, (int, float)) else "-"


def _status_text(record: Dict[str, Any]) -> str:
    status = str(record.get("solver_status", "-"))
    if any(k.endswith("_fallback") for k in record):
        status += " (fallback)"
    return status


_COLUMNS = ("round", "J", "X-step s", "Θ-step s", "status", "‖D‖₂")


def _row(record: Dict[str, Any], total: int) -> Tuple[str, ...]:
    return (f"{record.get('round', '?')}/{total}", _fmt(record.get("J"), ".6e"),
            _fmt_seconds(record.get("x_step_seconds")),
            _fmt_seconds(record.get("theta_step_seconds")), _status_text(record),
            _fmt(record.get("norm2_D"), ".4f"))


class _PlainProgress:
    """One line per round on a stream (used when it is not a terminal or rich is absent)."""

    widths = (8, 13, 9, 9, 10, 7)

    def __init__(self, stream: TextIO, total: int):
        self.stream, self.total, self.count = stream, total, 0
        self._line(_COLUMNS)

    def _line(self, cells: Sequence[str]) -> None:
        text = "  ".join(c.rjust(w) if k in (0, 1, 2, 3, 5) else c.ljust(w)
                         for k, (c, w) in enumerate(zip(cells, self.widths)))
        print(text.rstrip(), file=self.stream, flush=True)

    def update(self, record: Dict[str, Any]) -> None:
        self.count += 1
        self._line(_row(record, self.total))

    def close(self) -> None:
        pass


class _RichProgress:
    """A live table (rich) on a terminal."""

    def __init__(self, stream: TextIO, total: int):
        from rich.console import Console
        from rich.live import Live
        from rich.table import Table

        self._Table, self.total, self.count, self.rows = Table, total, 0, []
        self.live = Live(self._table(), console=Console(file=stream), auto_refresh=False)
        self.live.start()

    def _table(self):
        table = self._Table(title="idl-sdp fit")
        for k, name in enumerate(_COLUMNS):
            table.add_column(name, justify="left" if k == 4 else "right")
        for row in self.rows:
            table.add_row(*row)
        return table

    def update(self, record: Dict[str, Any]) -> None:
        self.count += 1
        self.rows.append(_row(record, self.total))
        self.live.update(self._table(), refresh=True)

    def close(self) -> None:
        self.live.stop()


def _make_progress(stream: TextIO, total: int):
    """A rich live table when ``stream`` is a terminal and rich is installed, else lines."""
    isatty = getattr(stream, "isatty", None)
    if isatty is not None and isatty():
        try:
            return _RichProgress(stream, total)
        except ImportError:
            pass
    return _PlainProgress(stream, total)


class _NoProgress:
    count = 0

    def update(self, record: Dict[str, Any]) -> None:
        self.count += 1

    def close(self) -> None:
        pass


# ---------------------------------------------------------------------- fit
def _data_args(p: argparse.ArgumentParser, *, target: bool = True) -> None:
    from .datasets import DATASETS

    p.add_argument("data", nargs="?", metavar="DATA.csv", default=None,
                   help="CSV file with a header row and numeric feature columns")
    p.add_argument("--dataset", choices=DATASETS, default=None,
                   help="a scikit-learn bundled data set (the whole set) instead of a CSV")
    if target:
        p.add_argument("--target", metavar="COL", default=None,
                       help="the target column of the CSV (every other column is a feature)")
        p.add_argument("--task", choices=("auto", "classify", "regress"), default="auto",
                       help="auto (default): classify if the target is non-numeric or has at "
                       f"most {MAX_AUTO_CLASSES} distinct integer values, else regress")


def _model_args(p: argparse.ArgumentParser) -> None:
    from .lmi import LMI_CHOICES

    p.add_argument("--hidden", type=_positive_int, default=10, help="hidden units h (10)")
    p.add_argument("--lam", type=_lam_arg, default=1.0,
                   help="multipliers λ: one number or h comma-separated numbers (1)")
    p.add_argument("--lmi", choices=LMI_CHOICES, default="linearized",
                   help="the convexity LMI of the Θ-step (linearized)")
    p.add_argument("--eps", type=_open_unit, default=0.05,
                   help="well-posedness margin, ‖D‖₂ ≤ 1 − eps (0.05)")


def _fit_args(p: argparse.ArgumentParser) -> None:
    _data_args(p)
    _model_args(p)
    p.add_argument("--rounds", type=_positive_int, default=20,
                   help="maximum alternating rounds (20)")
    p.add_argument("--tol", type=_nonneg_float, default=1e-6,
                   help="stop when the objective decreases by less than this, relative (1e-6)")
    p.add_argument("--reg", type=_reg_arg, default="auto",
                   help="ridge strength, a number or 'auto' (default: chosen on a 75/25 "
                   "validation split)")
    p.add_argument("--solver", type=_solver_arg, default="CLARABEL",
                   help="CLARABEL (default), SCS or fast")
    p.add_argument("--seed", type=_nonneg_int, default=0, help="seed (0)")
    p.add_argument("--out", metavar="MODEL.npz", default=None,
                   help="save the model here (raw-input model) and its sidecar MODEL.npz.json")
    p.add_argument("--checkpoint", metavar="CKPT.npz", default=None,
                   help="write a resumable checkpoint after every round")
    p.add_argument("--resume", metavar="CKPT.npz", default=None,
                   help="continue the run saved in this checkpoint (same data and settings)")
    p.add_argument("--certify", action="store_true",
                   help="certify M ⪰ 0, ‖D‖₂ ≤ 1 − eps and ‖D‖₂ < 1 of the saved model "
                   "in exact arithmetic (exit 2 unless all are certified)")
    p.add_argument("--cert-out", metavar="CERT.json", default=None,
                   help="write the certificate bundle here (implies --certify)")
    p.add_argument("--plot", metavar="DIR", default=None,
                   help="write diagnostic PNGs into DIR (needs matplotlib)")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object on stdout (progress goes to stderr)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress lines")


def _check_dir_of(path: Optional[str], flag: str) -> None:
    if path is None:
        return
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise ValueError(f"{flag}: directory {parent} does not exist")
    if os.path.isdir(path):
        raise ValueError(f"{flag}: {path} is a directory")


def _scores(model, X: np.ndarray) -> np.ndarray:
    """Equilibrium outputs of a raw-input model for rows ``X``: shape (m, p)."""
    return model.predict(X.T).T


def _train_metric(task: str, model, X: np.ndarray, codes_or_values: np.ndarray):
    out = _scores(model, X)
    if task == "classify":
        return "train_accuracy", float(np.mean(np.argmax(out, axis=1) == codes_or_values))
    return "train_rmse", float(np.sqrt(np.mean((out[:, 0] - codes_or_values) ** 2)))


def _save_model(path: str, model, sidecar: Dict[str, Any]) -> None:
    """Save the model, then its sidecar recording the model file's SHA-256.

    Two files cannot be replaced in one atomic step; the digest makes the pair
    checkable instead: if the sidecar write fails (full disk, kill), the new model
    next to the previous sidecar is refused by :func:`load_sidecar`.
    """
    model.save(path)
    sidecar = {**sidecar, "model_sha256": file_sha256(path)}
    _write_text_atomic(sidecar_path(path), json.dumps(_jsonable(sidecar), indent=2) + "\n")


def _fit_run(args: argparse.Namespace) -> int:
    from ._solvers import SolverError
    from .driver import fit as _fit

    if args.cert_out:
        args.certify = True
    for path, flag in ((args.out, "--out"), (args.cert_out, "--cert-out"),
                       (args.checkpoint, "--checkpoint")):
        _check_dir_of(path, flag)
    if args.resume is not None and not os.path.isfile(args.resume):
        raise FileNotFoundError(2, "no such file", args.resume)
    if args.plot is not None:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            raise ValueError("--plot needs matplotlib: pip install 'idl_sdp[plot]'") from None
        if os.path.exists(args.plot) and not os.path.isdir(args.plot):
            raise ValueError(f"--plot: {args.plot} exists and is not a directory")

    data = _load_training_data(args)
    task = _decide_task(data.y, args.task, data.kind, data.target)
    T, target_info, truth = _encode_targets(data.y, task, data.target)

    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(data.X)
    U, Y = scaler.transform(data.X).T, T.T  # one column per sample, as the estimators do
    m, n, p = data.X.shape[0], data.X.shape[1], Y.shape[0]

    info = sys.stderr if args.json else sys.stdout
    say = (lambda *a: None) if args.quiet else (lambda text: print(text, file=info, flush=True))
    what = (f"{len(target_info['classes'])} classes" if task == "classify"
            else "regression")
    say(f"fit: {data.source}: {m} samples, {n} inputs, target {data.target!r} ({what}); "
        f"hidden={args.hidden} lam={args.lam} lmi={args.lmi} eps={args.eps} "
        f"reg={args.reg} solver={args.solver}")
    if args.reg == "auto" and args.resume is None:
        say("choosing reg on a 75/25 validation split (one short fit per candidate) ...")
    progress = _NoProgress() if args.quiet else _make_progress(info, args.rounds)

    def callback(record, model):
        progress.update(record)
        return False

    y_mean = target_info.get("target_mean")
    y_scale = target_info.get("target_scale")
    lam_factor = 1.0 if y_scale is None else float(y_scale) ** 2

    def fold(model):
        return fold_standardization(model, scaler.mean_, scaler.scale_, y_mean, y_scale)

    def sidecar(result, complete: bool, message: str) -> Dict[str, Any]:
        lam = np.asarray(result.lam, dtype=float)
        lam_out = float(lam[0]) if np.all(lam == lam[0]) else lam.tolist()
        model_lam = (float(lam[0]) * lam_factor if np.all(lam == lam[0])
                     else (lam * lam_factor).tolist())
        return {
            "format": SIDECAR_FORMAT, "version": SIDECAR_VERSION, "task": task,
            "features": data.features, "target": data.target, **target_info,
            "input_mean": scaler.mean_, "input_scale": scaler.scale_,
            "lam": lam_out, "model_lam": model_lam, "eps": args.eps, "hidden": args.hidden,
            "lmi": args.lmi, "reg": result.reg, "solver": args.solver, "seed": args.seed,
            "rounds_run": sum("J" in r for r in result.history), "complete": complete,
            "message": message, "source": data.source,
        }

    settings = {"hidden": args.hidden, "lam": args.lam, "rounds": args.rounds, "tol": args.tol,
                "lmi": args.lmi, "eps": args.eps, "reg": args.reg, "solver": args.solver,
                "seed": args.seed}
    data_info = {"source": data.source, "samples": m, "inputs": n, "outputs": p,
                 "task": task, "target": data.target, "features": data.features,
                 **({"classes": target_info["classes"]} if task == "classify" else {})}
    try:
        result = _fit(U, Y, args.hidden, lam=args.lam, rounds=args.rounds, tol=args.tol,
                      lmi=args.lmi, eps=args.eps, reg=args.reg, solver=args.solver,
                      seed=args.seed, callback=callback, checkpoint=args.checkpoint,
                      resume=args.resume)
    except SolverError as err:
        progress.close()
        partial = err.result
        done = sum("J" in r for r in partial.history) if partial is not None else 0
        where = (f"round {len(partial.history)}" if partial is not None
                 else "the reg selection")
        line = (f"idl-sdp fit: solver failure in {where} ({err.step}: status "
                f"{err.status!r})")
        saved = None
        if args.out and partial is not None and done > 0:
            _save_model(args.out, fold(partial.model),
                        sidecar(partial, False, f"stopped: solver failure in {where}"))
            saved = args.out
            line += f"; the last good model (round {done}) was saved to {args.out}"
        elif args.out:
            line += "; no round completed, nothing saved"
        if args.json:
            _dump_json({"command": "fit", "status": "solver_failed", "error": str(err),
                        "failed_round": len(partial.history) if partial else None,
                        "solver_status": err.status, "step": err.step, "model": saved,
                        "data": data_info, "settings": settings,
                        "history": partial.history if partial else []})
        print(line, file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        progress.close()
        if args.checkpoint and (progress.count > 0 or args.resume):
            print(f"idl-sdp fit: interrupted; the last completed round is saved in "
                  f"{args.checkpoint}: resume with the same command plus --resume "
                  f"{args.checkpoint}", file=sys.stderr)
        else:
            print("idl-sdp fit: interrupted; nothing saved (give --checkpoint CKPT.npz to "
                  "make a run resumable)", file=sys.stderr)
        return EXIT_INTERRUPTED
    progress.close()

    model = fold(result.model)
    metric, value = _train_metric(task, model, data.X, truth)
    last = next((r for r in reversed(result.history) if "J" in r), {})
    final = {k: last.get(k) for k in ("J", "objective", "loss", "mean_divergence",
                                       "norm2_D", "lambda_min_M")}
    final[metric] = value
    if args.out:
        _save_model(args.out, model, sidecar(result, True, result.message))

    cert = None
    status = EXIT_OK
    if args.certify:
        from .certify import certify

        side = sidecar(result, True, result.message)
        cert = certify(model, lam=side["model_lam"], eps=args.eps,
                       which=("M", "norm", "wellposed"))
        if args.cert_out:
            cert.to_json(args.cert_out)
        if cert.status != "certified":
            status = EXIT_FAILED
    plots: List[str] = []
    if args.plot is not None:
        from .plots import save_all

        plots = [str(p_) for p_ in save_all(result, U, args.plot)]

    if args.json:
        _dump_json({
            "command": "fit", "status": "ok" if status == EXIT_OK else "certificate_failed",
            "data": data_info, "settings": settings, "reg": result.reg,
            "reg_path": result.reg_path, "rounds_run": result.n_rounds,
            "converged": result.converged, "message": result.message,
            "seconds": result.seconds, "initial_objective": result.initial_objective,
            "final": final, "history": result.history,
            "model": args.out, "sidecar": sidecar_path(args.out) if args.out else None,
            "certificate": None if cert is None else {
                "status": cert.status, "path": args.cert_out,
                "conditions": {k: {"status": c.status, "condition": c.condition,
                                   "margin": c.margin, "method": c.method}
                               for k, c in cert.items()}},
            "plots": plots,
        })
    else:
        out = sys.stdout
        score = (f"train accuracy {value:.4f}" if task == "classify"
                 else f"train RMSE {value:.6g}")
        reg_text = (f"reg={result.reg:g} (chosen by validation MSE)" if result.reg_path
                    else f"reg={result.reg:g}")
        print(f"done: {result.n_rounds} rounds in {result.seconds:.2f} s ({result.message}); "
              f"J={_fmt(final['J'])}, ‖D‖₂={_fmt(final['norm2_D'], '.4g')}, "
              f"λ_min(M)={_fmt(final['lambda_min_M'], '.4g')}, {reg_text}; {score}",
              file=out)
        if args.out:
            maps_to = "class scores" if task == "classify" else f"{data.target!r}"
            print(f"saved {args.out} (raw inputs → {maps_to}) and {sidecar_path(args.out)}",
                  file=out)
        else:
            print("model not saved (give --out MODEL.npz)", file=out)
        if cert is not None:
            print(cert, file=out)
            if args.cert_out:
                print(f"certificate written to {args.cert_out}", file=out)
        for path in plots:
            print(f"plot: {path}", file=out)
    return status


# ------------------------------------------------------------------ predict
def _predict_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", metavar="MODEL.npz",
                   help="a model saved by fit (or by ImplicitModel.save)")
    _data_args(p, target=False)
    p.add_argument("--out", metavar="PREDS.csv", default=None,
                   help="write the predictions here (default: stdout)")


def _predict_run(args: argparse.Namespace) -> int:
    from .model import ImplicitModel

    model = ImplicitModel.load(args.model)
    side = load_sidecar(args.model)
    if side is not None and side.get("complete") is False:
        print(f"warning: {args.model} is the last good model of an incomplete fit "
              f"({side.get('message')})", file=sys.stderr)
    if args.data is not None and args.dataset is not None:
        raise ValueError("give either DATA.csv or --dataset, not both")
    if args.data is None and args.dataset is None:
        raise ValueError("no data: give DATA.csv or --dataset NAME")
    _check_dir_of(args.out, "--out")

    truth = None
    if args.dataset is not None:
        data = _load_dataset(args.dataset)
        columns = data.features
        if side is not None:
            missing = [f for f in side["features"] if f not in columns]
            if missing:
                raise ValueError(f"dataset {args.dataset} lacks the model's feature columns "
                                 f"{missing}")
            idx = [columns.index(f) for f in side["features"]]
            X = data.X[:, idx]
            truth = data.y
        else:
            X = data.X
    else:
        header, rows, lines = read_csv(args.data)
        if side is not None:
            missing = [f for f in side["features"] if f not in header]
            if missing:
                raise ValueError(f"{args.data}: no column(s) {missing}, which the model was "
                                 f"trained on (columns: {', '.join(header)})")
            X = _csv_columns(args.data, header, rows, lines, side["features"])
            target = side.get("target")
            if target in header:
                k = header.index(target)
                truth = [row[k] for row in rows]
        else:
            X = _csv_columns(args.data, header, rows, lines, header)
    if X.shape[1] != model.n_inputs:
        raise ValueError(f"the model has {model.n_inputs} inputs, the data {X.shape[1]} "
                         "feature columns (without a sidecar every column is an input)")

    out = _scores(model, X)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    summary = None
    if side is not None and side["task"] == "classify":
        classes = side["classes"]
        if len(classes) != model.n_outputs:
            raise ValueError(f"sidecar has {len(classes)} classes, the model "
                             f"{model.n_outputs} outputs")
        pred = [classes[k] for k in np.argmax(out, axis=1)]
        writer.writerow(["prediction"] + [f"score_{c}" for c in classes])
        for label, row in zip(pred, out):
            writer.writerow([label] + [repr(float(v)) for v in row])
        if truth is not None:
            acc = float(np.mean([_label_key(a) == _label_key(b) for a, b in zip(pred, truth)]))
            summary = f"accuracy {acc:.4f} on {len(pred)} samples (target {side['target']!r})"
    elif side is not None:
        writer.writerow(["prediction"])
        for v in out[:, 0]:
            writer.writerow([repr(float(v))])
        if truth is not None:
            values = [_parse_float(str(v)) for v in truth]
            if all(v is not None for v in values):
                rmse = float(np.sqrt(np.mean((out[:, 0] - np.asarray(values)) ** 2)))
                summary = f"RMSE {rmse:.6g} on {len(values)} samples (target {side['target']!r})"
    else:
        writer.writerow([f"y{k}" for k in range(model.n_outputs)])
        for row in out:
            writer.writerow([repr(float(v)) for v in row])

    if args.out:
        _write_text_atomic(args.out, buf.getvalue())
        print(f"wrote {out.shape[0]} predictions to {args.out}")
        if summary:
            print(summary)
    else:
        sys.stdout.write(buf.getvalue())
        if summary:
            print(summary, file=sys.stderr)
    return EXIT_OK


# ------------------------------------------------------------------ inspect
def _inspect_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", metavar="MODEL.npz", help="a saved model")
    p.add_argument("--lam", type=_lam_arg, default=None,
                   help="multipliers for λ_min(M) (default: the sidecar's model_lam, if any)")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def _inspect_run(args: argparse.Namespace) -> int:
    from ._validation import check_lam
    from .lmi import convexity_matrix
    from .model import ImplicitModel

    model = ImplicitModel.load(args.model)
    side = load_sidecar(args.model)
    wp = model.well_posedness()
    lam = args.lam
    lam_source = "--lam"
    if lam is None and side is not None and side.get("model_lam") is not None:
        lam, lam_source = side["model_lam"], "sidecar model_lam"
    lam_min = None
    if lam is not None:
        lam_vec = check_lam(lam, model.n_hidden)
        M = convexity_matrix(model.A, model.D, lam_vec)
        lam_min = float(np.linalg.eigvalsh(0.5 * (M + M.T))[0])
    report = {
        "model": args.model, "n_inputs": model.n_inputs, "n_hidden": model.n_hidden,
        "n_outputs": model.n_outputs, "norm2_D": wp["norm2"], "norm_inf_D": wp["norm_inf"],
        "pf_abs_D": wp["pf"], "well_posed": bool(min(wp.values()) < 1.0),
        "lam": lam, "lam_source": lam_source if lam is not None else None,
        "lambda_min_M": lam_min, "sidecar": side,
    }
    if args.json:
        _dump_json({"command": "inspect", **report})
        return EXIT_OK
    print(f"{args.model}: implicit model, n={model.n_inputs} inputs, h={model.n_hidden} "
          f"hidden units, p={model.n_outputs} outputs")
    print(f"  ‖D‖₂     = {wp['norm2']:.6g}")
    print(f"  ‖D‖∞     = {wp['norm_inf']:.6g}")
    print(f"  pf(|D|)  = {wp['pf']:.6g}")
    verdict = ("well-posed: a unique equilibrium (one of the three is < 1)"
               if report["well_posed"] else
               "no sufficient well-posedness condition holds (none is < 1)")
    print(f"  {verdict}")
    if lam_min is not None:
        print(f"  λ_min(M) = {lam_min:.6g} with λ = {lam} ({lam_source}); "
              "M = AᵀA + Λ − ΛD − DᵀΛ ⪰ 0 makes the X-step convex "
              "(floating point; `idl-sdp certify` proves it)")
    if side is not None:
        what = (f"classes {', '.join(str(c) for c in side['classes'])}"
                if side["task"] == "classify" else "regression")
        print(f"  sidecar: {side['task']} target {side.get('target')!r} ({what}); "
              f"features: {', '.join(side['features'])}")
        print(f"  trained: hidden={side.get('hidden')} lam={side.get('lam')} "
              f"lmi={side.get('lmi')} eps={side.get('eps')} reg={side.get('reg')} "
              f"solver={side.get('solver')} rounds={side.get('rounds_run')}"
              + ("" if side.get("complete", True) else " (INCOMPLETE: "
                 + str(side.get("message")) + ")"))
    return EXIT_OK


# ----------------------------------------------------------------- problems
def _problems_args(p: argparse.ArgumentParser) -> None:
    _data_args(p)
    _model_args(p)
    p.add_argument("--reg", type=_nonneg_float, default=1e-3,
                   help="ridge strength (a parameter; does not change the sizes) (1e-3)")
    p.add_argument("--solver", type=_solver_arg, default="CLARABEL",
                   help="the solver whose conic form is shown: CLARABEL (default) or SCS")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def describe_problem(problem, solver: str = "CLARABEL") -> Dict[str, Any]:
    """Sizes, flags and the conic form's dimensions of a cvxpy problem (JSON-ready)."""
    t0 = time.perf_counter()
    data, _, _ = problem.get_problem_data(solver)
    seconds = time.perf_counter() - t0
    dims = data["dims"]
    A = data["A"]
    P = data.get("P")
    return {
        "variables": [{"name": v.name(), "shape": list(v.shape)} for v in problem.variables()],
        "variable_scalars": int(sum(v.size for v in problem.variables())),
        "parameters": [{"name": q.name(), "shape": list(q.shape)} for q in problem.parameters()],
        "parameter_scalars": int(sum(q.size for q in problem.parameters())),
        "constraints": [{"type": type(c).__name__, "shape": list(c.shape)}
                        for c in problem.constraints],
        "is_dcp": bool(problem.is_dcp()), "is_dpp": bool(problem.is_dpp()),
        "is_qp": bool(problem.is_qp()),
        "conic_form": {
            "solver": solver, "rows": int(A.shape[0]), "columns": int(A.shape[1]),
            "nonzeros": int(A.nnz), "quadratic_nonzeros": None if P is None else int(P.nnz),
            "cones": {"zero": int(dims.zero), "nonneg": int(dims.nonneg),
                      "soc": [int(s) for s in dims.soc], "psd": [int(s) for s in dims.psd],
                      "exp": int(dims.exp)},
            "compile_seconds": seconds,
        },
    }


def _problems_run(args: argparse.Namespace) -> int:
    from sklearn.preprocessing import StandardScaler

    from .hidden_step import HiddenStep
    from .parameter_step import ParameterStep

    if args.solver == "FAST":
        raise ValueError("--solver must be CLARABEL or SCS here (fast has no conic form)")
    data = _load_training_data(args)
    task = _decide_task(data.y, args.task, data.kind, data.target)
    T, _, _ = _encode_targets(data.y, task, data.target)
    U, Y = StandardScaler().fit(data.X).transform(data.X).T, T.T
    xstep = HiddenStep(U, Y, args.hidden, args.lam)
    tstep = ParameterStep(U, Y, args.hidden, args.lam, lmi=args.lmi, eps=args.eps, reg=args.reg)
    report = {
        "data": {"source": data.source, "samples": U.shape[1], "inputs": U.shape[0],
                 "outputs": Y.shape[0], "task": task},
        "hidden": args.hidden, "lam": args.lam, "lmi": args.lmi, "eps": args.eps,
        "problems": {"x_step": describe_problem(xstep.problem, args.solver),
                     "theta_step": describe_problem(tstep.problem, args.solver)},
    }
    if args.json:
        _dump_json({"command": "problems", **report})
        return EXIT_OK
    d = report["data"]
    print(f"{d['source']}: m={d['samples']} samples, n={d['inputs']} inputs, "
          f"p={d['outputs']} outputs ({task}); h={args.hidden}, lmi={args.lmi}")
    titles = {"x_step": "X-step: a QP in the hidden states X ≥ 0 (Θ fixed)",
              "theta_step": f"Θ-step: an SDP in (A, B, c, D, E, f) with the {args.lmi} LMI "
                            "and ‖D‖₂ ≤ 1 − eps (X fixed)"}
    for key, desc in report["problems"].items():
        cf = desc["conic_form"]
        cones = cf["cones"]
        print(titles[key])
        print(f"  variables:   {desc['variable_scalars']} scalars in "
              f"{len(desc['variables'])} ("
              + ", ".join(f"{v['name']} {tuple(v['shape'])}" for v in desc["variables"]) + ")")
        print(f"  parameters:  {desc['parameter_scalars']} scalars in "
              f"{len(desc['parameters'])} ("
              + ", ".join(f"{q['name']} {tuple(q['shape'])}" for q in desc["parameters"]) + ")")
        print(f"  constraints: {len(desc['constraints'])} ("
              + ", ".join(c["type"] for c in desc["constraints"]) + ")")
        print(f"  is_dcp={desc['is_dcp']} is_dpp={desc['is_dpp']} is_qp={desc['is_qp']}")
        print(f"  conic form for {cf['solver']}: {cf['rows']} rows x {cf['columns']} columns, "
              f"{cf['nonzeros']} nonzeros"
              + ("" if cf["quadratic_nonzeros"] is None
                 else f", quadratic objective with {cf['quadratic_nonzeros']} nonzeros")
              + f"; compiled in {cf['compile_seconds']:.2f} s")
        print(f"  cones: zero={cones['zero']}, nonneg={cones['nonneg']}, soc={cones['soc']}, "
              f"psd={cones['psd']}, exp={cones['exp']}")
    return EXIT_OK


# ------------------------------------------------------------------- verify
_VERIFY_EPILOG = """\
exit status:
  0    the certificate is valid and every condition it states HOLDS
  1    usage or input error: bad option, missing or unreadable file, a file that is
       not a well-formed certificate (truncated, corrupted, a field missing or of
       the wrong type, unknown kind or format version)
  2    INVALID: a check fails, the certificate is 'undecided', or it is not about
       the given --model / --matrix
  3    VALID REFUTATION: the certificate is valid and proves some condition VIOLATED
"""

#: The options of ``idl-sdp verify`` that bind a certificate to an object, by the
#: keyword of :func:`idl_sdp.certify.verify` they set. A certificate kind accepts the
#: ones listed in its :data:`idl_sdp.certify.verify.VERIFIERS` entry.
_VERIFY_BINDINGS = {"model": "--model", "matrix": "--matrix", "problem": "--problem"}


def _verify_args(p: argparse.ArgumentParser) -> None:
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.epilog = _VERIFY_EPILOG
    p.add_argument("certificate", metavar="CERT.json", help="certificate or bundle file")
    p.add_argument("--model", metavar="MODEL.npz", default=None,
                   help="check that the certificate is about this saved model: its A and "
                   "D must equal the certificate's inputs and rebuild the stored matrices")
    p.add_argument("--matrix", metavar="M.npy", default=None,
                   help="check that a single certificate is about this matrix (.npy, or "
                   ".npz holding one array): it must equal the stored matrix exactly")
    p.add_argument("--problem", metavar="FILE.dat-s", default=None,
                   help="check that a value-bounds certificate (idl-sdp bound) is about "
                   "this SDPA problem: its conic form must equal the certificate's data")


def _verify_run(args: argparse.Namespace) -> int:
    from .certify.certificate import read_certificate_json
    from .certify.verify import verifier_for, verify

    kind, _ = read_certificate_json(args.certificate)
    spec = verifier_for(kind, args.certificate)  # unknown kind: ValueError, exit 1
    given = {key: getattr(args, key) for key in _VERIFY_BINDINGS
             if getattr(args, key) is not None}
    for key in given:
        if key not in spec.bindings:
            accepted = ", ".join(_VERIFY_BINDINGS[b] for b in spec.bindings) or "none"
            raise ValueError(f"{_VERIFY_BINDINGS[key]} does not apply to a {kind!r} "
                             f"certificate ({spec.description}; options: {accepted})")
    if len(given) > 1:
        raise ValueError("give one of " + " / ".join(_VERIFY_BINDINGS[k] for k in given))
    result = verify(args.certificate, **given)
    print(result.message)
    if not result.valid:
        return EXIT_FAILED
    return EXIT_OK if result.holds else EXIT_VIOLATED


# ------------------------------------------------------------------ certify
def _certify_args(p: argparse.ArgumentParser) -> None:
    from .certify import METHODS, WHICH_CHOICES

    p.add_argument("model", metavar="MODEL.npz", help="a model saved by ImplicitModel.save")
    p.add_argument("--lam", type=_lam_arg, default=None,
                   help="multiplier λ: one number or h comma-separated numbers")
    p.add_argument("--eps", type=float, default=None, help="margin of ‖D‖₂ ≤ 1 − eps")
    p.add_argument("--which", default="M", choices=WHICH_CHOICES,
                   help="condition to certify (default M; 'all' for every applicable one)")
    p.add_argument("--method", default="auto", choices=METHODS, help="default auto")
    p.add_argument("--out", metavar="CERT.json", default=None,
                   help="write the certificate (bundle for --which all) as JSON")


def _certify_run(args: argparse.Namespace) -> int:
    from .certify import certify
    from .model import ImplicitModel

    model = ImplicitModel.load(args.model)
    cert = certify(model, lam=args.lam, eps=args.eps, which=args.which, method=args.method)
    print(cert)
    if args.out:
        cert.to_json(args.out)
        print(f"written to {args.out}; re-check it with: idl-sdp verify {args.out} "
              f"--model {args.model}")
    return EXIT_OK if cert.status == "certified" else EXIT_FAILED


#: The registry of subcommands, by name.
SUBCOMMANDS: Dict[str, Subcommand] = {
    "fit": Subcommand("train an implicit model on a CSV file or a bundled data set",
                      _fit_args, _fit_run),
    "predict": Subcommand("equilibrium predictions of a saved model on raw inputs",
                          _predict_args, _predict_run),
    "inspect": Subcommand("sizes and well-posedness numbers of a saved model",
                          _inspect_args, _inspect_run),
    "problems": Subcommand("print the sizes and cones of both convex subproblems",
                           _problems_args, _problems_run),
    "verify": Subcommand("re-check a certificate file in exact arithmetic",
                         _verify_args, _verify_run),
    "certify": Subcommand("certify an LMI of a saved model (prints the certificate)",
                          _certify_args, _certify_run),
    "bound": Subcommand("rigorous bounds on the optimal value of an SDPA problem",
                        lambda p: _bound().bound_args(p), lambda a: _bound().bound_run(a)),
}


def _bound():
    from . import cli_bound
    return cli_bound


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one subparser per entry of :data:`SUBCOMMANDS`."""
    parser = _Parser(prog="idl-sdp", description="idl_sdp command line tools")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name, cmd in SUBCOMMANDS.items():
        cmd.add_arguments(sub.add_parser(name, help=cmd.help, description=cmd.help))
    return parser


def _one_line(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, FileNotFoundError) and exc.filename:
        text = f"no such file: {exc.filename}"
    elif isinstance(exc, IsADirectoryError) and exc.filename:
        text = f"is a directory, not a file: {exc.filename}"
    elif isinstance(exc, PermissionError) and exc.filename:
        text = f"permission denied: {exc.filename}"
    return " ".join(text.split())


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the ``idl-sdp`` command line.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after the program name (default ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status: 0 success, 1 usage or input error (one line on stderr),
        2 solver failure, an invalid certificate (``verify``) or a condition not
        certified (``certify``), 3 a valid certificate proving a condition violated
        (``verify``), 130 interrupted.
    """
    from ._solvers import SolverError
    from .model import EquilibriumError

    parser = build_parser()
    try:
        args = parser.parse_args(None if argv is None else list(argv))
    except _UsageError as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    try:
        return SUBCOMMANDS[args.command].run(args)
    except BrokenPipeError:
        # The reader of stdout went away (``| head``): stop quietly.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError, io.UnsupportedOperation):
            pass
        return EXIT_USAGE
    except (ValueError, TypeError, OSError, ImportError) as exc:
        print(f"idl-sdp {args.command}: error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except (SolverError, EquilibriumError) as exc:
        print(f"idl-sdp {args.command}: failed: {_one_line(exc)}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("idl-sdp: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
