"""Checkpoints of a training run: written atomically after every round, resumable.

A checkpoint is a ``.npz`` file (read with ``allow_pickle=False``) holding the model's
six arrays, the relaxed hidden states X, λ, the round count, the history (as JSON),
the ridge strength and the run's configuration, plus a digest of the training data so
that a resume on other data is refused.
"""
from __future__ import annotations

import hashlib
import json
import os
from typing import Any, Dict, List, Union

import numpy as np

from ._io import atomic_write, parse_json, read_npz
from .model import ImplicitModel

__all__ = ["save_checkpoint", "load_checkpoint", "data_digest", "CHECKPOINT_VERSION"]

CHECKPOINT_VERSION = 1
_MODEL = ("A", "B", "c", "D", "E", "f")


def data_digest(U: np.ndarray, Y: np.ndarray) -> str:
    """SHA-256 of the training data's shapes and bytes."""
    h = hashlib.sha256()
    for arr in (U, Y):
        a = np.ascontiguousarray(arr, dtype=np.float64)
        h.update(repr(a.shape).encode())
        h.update(a.tobytes())
    return h.hexdigest()


def save_checkpoint(
    path: Union[str, os.PathLike], *, model: ImplicitModel, X: np.ndarray, lam: np.ndarray,
    history: List[Dict[str, Any]], config: Dict[str, Any], initial_objective: float,
) -> None:
    """Write a checkpoint atomically: temporary file, fsync, rename over ``path``."""
    payload = {
        "format_version": np.int64(CHECKPOINT_VERSION),
        "kind": np.array("idl_sdp.checkpoint"),
        "X": np.asarray(X, dtype=np.float64),
        "lam": np.asarray(lam, dtype=np.float64),
        "history": np.array(json.dumps(history, default=float)),
        "config": np.array(json.dumps(config, sort_keys=True)),
        "initial_objective": np.float64(initial_objective),
        **{f"model_{k}": v for k, v in model.params().items()},
    }
    atomic_write(path, lambda fh: np.savez(fh, **payload))


def load_checkpoint(path: Union[str, os.PathLike]) -> Dict[str, Any]:
    """Read a checkpoint; ``ValueError`` naming the problem for a bad or foreign file."""
    path = os.fspath(path)
    try:
        arrays = read_npz(path, "checkpoint")
    except ValueError as exc:
        raise ValueError(f"resume: {exc}") from None
    kind = arrays.get("kind")
    if kind is None or kind.shape != () or str(kind) != "idl_sdp.checkpoint":
        raise ValueError(f"resume: {path!r} is not an idl_sdp checkpoint "
                         "(a model file? pass it to ImplicitModel.load instead)")
    version = arrays.get("format_version")
    if version is None or version.shape != () or int(version) != CHECKPOINT_VERSION:
        raise ValueError(f"resume: {path!r} has checkpoint format_version {version!r}, "
                         f"expected {CHECKPOINT_VERSION}")
    needed = ["X", "lam", "history", "config", "initial_objective"] + [f"model_{k}" for k in _MODEL]
    missing = [k for k in needed if k not in arrays]
    if missing:
        raise ValueError(f"resume: {path!r} lacks {missing}")
    parsed = {}
    for name in ("history", "config"):
        if arrays[name].shape != () or arrays[name].dtype.kind != "U":
            raise ValueError(f"resume: {path!r} has a malformed {name} (a JSON string "
                             f"expected, got dtype {arrays[name].dtype}, shape "
                             f"{arrays[name].shape})")
        try:  # bounded nesting (MAX_JSON_DEPTH): never a RecursionError
            parsed[name] = parse_json(str(arrays[name]))
        except Exception as exc:  # _io._Refused: invalid or too deeply nested JSON
            raise ValueError(f"resume: {path!r} has a corrupted {name}: {exc}"[:500]) from None
    history, config = parsed["history"], parsed["config"]
    if not isinstance(history, list) or not all(isinstance(r, dict) for r in history):
        raise ValueError(f"resume: {path!r} has a malformed history (a list of dicts expected)")
    _check_config(config, path)
    for name in ("X", "lam", "initial_objective", *(f"model_{k}" for k in _MODEL)):
        a = arrays[name]
        if a.dtype.kind not in "fiu" or not np.all(np.isfinite(a)):
            raise ValueError(f"resume: {path!r} has a malformed {name} (finite real numbers "
                             f"expected, got dtype {a.dtype})")
    if arrays["initial_objective"].shape != ():
        raise ValueError(f"resume: {path!r} has a malformed initial_objective (a scalar expected)")
    try:
        model = ImplicitModel(**{k: arrays[f"model_{k}"] for k in _MODEL})
    except (TypeError, ValueError) as exc:
        raise ValueError(f"resume: {path!r} holds an invalid model: {exc}"[:500]) from None
    return {
        "model": model,
        "X": np.asarray(arrays["X"], dtype=np.float64),
        "lam": np.asarray(arrays["lam"], dtype=np.float64), "history": history, "config": config,
        "initial_objective": float(arrays["initial_objective"]),
    }


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v)


#: The fields of a checkpoint's config (what :func:`idl_sdp.fit` writes) and their checks.
_CONFIG_FIELDS = {
    "hidden": (_is_int, "an int"),
    "lmi": (lambda v: isinstance(v, str), "a string"),
    "eps": (_is_num, "a number"),
    "solver": (lambda v: isinstance(v, str), "a string"),
    "seed": (_is_int, "an int"),
    "tol": (_is_num, "a number"),
    "dual_step": (lambda v: v is None or _is_num(v), "null or a number"),
    "data": (lambda v: isinstance(v, str), "a string"),
    "lam": (lambda v: isinstance(v, list) and all(_is_num(x) for x in v), "a list of numbers"),
    "reg": (lambda v: _is_num(v) and v >= 0, "a number >= 0"),
    "reg_path": (lambda v: isinstance(v, list) and all(isinstance(x, dict) for x in v),
                 "a list of dicts"),
}


def _check_config(config: Any, path: str) -> None:
    """One ``ValueError`` naming ``path`` for a config with missing, extra or mistyped fields."""
    if not isinstance(config, dict):
        raise ValueError(f"resume: {path!r} has a malformed config (a dict expected, "
                         f"got {type(config).__name__})")
    missing = sorted(set(_CONFIG_FIELDS) - set(config))
    extra = sorted(set(config) - set(_CONFIG_FIELDS))
    wrong = [f"{k} (expected {what})" for k, (ok, what) in _CONFIG_FIELDS.items()
             if k in config and not ok(config[k])]
    problems = ([f"missing {missing}"] if missing else []) + (
        [f"unexpected {extra}"] if extra else []) + ([f"mistyped {wrong}"] if wrong else [])
    if problems:
        raise ValueError(f"resume: {path!r} has a malformed config: "
                         + "; ".join(problems)[:400])
