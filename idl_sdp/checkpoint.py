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

from ._io import atomic_write, read_npz
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
    try:
        history = json.loads(str(arrays["history"]))
        config = json.loads(str(arrays["config"]))
    except json.JSONDecodeError as exc:
        raise ValueError(f"resume: {path!r} has a corrupted history/config: {exc}") from None
    if not isinstance(history, list) or not isinstance(config, dict):
        raise ValueError(f"resume: {path!r} has a malformed history/config")
    return {
        "model": ImplicitModel(**{k: arrays[f"model_{k}"] for k in _MODEL}),
        "X": arrays["X"], "lam": arrays["lam"], "history": history, "config": config,
        "initial_objective": float(arrays["initial_objective"]),
    }
