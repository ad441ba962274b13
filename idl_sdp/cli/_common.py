"""Shared pieces of the ``idl-sdp`` subcommands: exit codes, argument types, JSON output."""
from __future__ import annotations

import argparse
import json
import math
import os
from dataclasses import dataclass
from typing import Any, Callable, Optional

import numpy as np

from .._io import atomic_write

EXIT_OK, EXIT_USAGE, EXIT_FAILED, EXIT_INTERRUPTED = 0, 1, 2, 130
#: ``idl-sdp verify``: the certificate is valid and proves a condition violated.
EXIT_VIOLATED = 3

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


def _int_at_least(text: str, minimum: int, what: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a {what} integer, got {text!r}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"expected a {what} integer, got {value}")
    return value


def _positive_int(text: str) -> int:
    return _int_at_least(text, 1, "positive")


def _nonneg_int(text: str) -> int:
    return _int_at_least(text, 0, "non-negative")


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
    if text.strip().lower() == "auto":  # any case, as --solver
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


#: Spellings of the tab accepted by ``--delimiter``.
_TAB_NAMES = ("\\t", "tab", "TAB", "\t")


def _delimiter_arg(text: str) -> str:
    if text in _TAB_NAMES:
        return "\t"
    if len(text) != 1 or text in ('"', "\n", "\r"):
        raise argparse.ArgumentTypeError(
            f"--delimiter must be one character (or 'tab' / '\\t'), got {text!r}")
    return text


def _model_args(p: argparse.ArgumentParser) -> None:
    """``--hidden``, ``--lam``, ``--lmi``, ``--eps``: the model of ``fit`` and ``problems``."""
    from ..lmi import LMI_CHOICES

    p.add_argument("--hidden", type=_positive_int, default=10, help="hidden units h (10)")
    p.add_argument("--lam", type=_lam_arg, default=1.0,
                   help="multipliers λ: one number or h comma-separated numbers (1)")
    p.add_argument("--lmi", choices=LMI_CHOICES, default="linearized",
                   help="the convexity LMI of the Θ-step (linearized)")
    p.add_argument("--eps", type=_open_unit, default=0.05,
                   help="well-posedness margin, ‖D‖₂ ≤ 1 − eps (0.05)")


def _check_lam_hidden(lam: Any, hidden: int) -> None:
    """``--lam`` against ``--hidden``, before any data is read (one line, naming both)."""
    from .._validation import check_lam

    if isinstance(lam, list) and len(lam) != hidden:
        raise ValueError(f"--lam has {len(lam)} values but --hidden is {hidden}: give one "
                         f"number or {hidden} comma-separated numbers")
    check_lam(lam, hidden, "--lam", positive=True)


def _check_dir_of(path: Optional[str], flag: str) -> None:
    if path is None:
        return
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise ValueError(f"{flag}: directory {parent} does not exist")
    if os.path.isdir(path):
        raise ValueError(f"{flag}: {path} is a directory")


def _write_text_atomic(path: str, text: str) -> None:
    atomic_write(path, lambda fh: fh.write(text), text=True)


def _one_line(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, FileNotFoundError) and exc.filename:
        text = f"no such file: {exc.filename}"
    elif isinstance(exc, IsADirectoryError) and exc.filename:
        text = f"is a directory, not a file: {exc.filename}"
    elif isinstance(exc, PermissionError) and exc.filename:
        text = f"permission denied: {exc.filename}"
    return " ".join(text.split())


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
