"""The sidecar ``MODEL.npz.json`` of a model saved by ``idl-sdp fit``."""
from __future__ import annotations

import json
import os
import sys
import warnings
from typing import Any, Dict, Optional

from .._io import file_sha256, read_json
from ._common import _jsonable

#: ``format`` tag and version of the sidecar JSON written next to a saved model.
SIDECAR_FORMAT, SIDECAR_VERSION = "idl_sdp.cli.sidecar", 1


def sidecar_path(model_path: str) -> str:
    """The sidecar of a model file: ``MODEL.npz`` → ``MODEL.npz.json``."""
    return os.fspath(model_path) + ".json"


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


def _save_model(path: str, model, sidecar: Dict[str, Any]) -> None:
    """Save the model, then its sidecar recording the model file's SHA-256.

    Two files cannot be replaced in one atomic step; the digest makes the pair
    checkable instead: if the sidecar write fails (full disk, kill), the new model
    next to the previous sidecar is refused by :func:`load_sidecar`.
    """
    from . import _common

    model.save(path)
    sidecar = {**sidecar, "model_sha256": file_sha256(path)}
    # Looked up on the package at call time, so that ``idl_sdp.cli._write_text_atomic``
    # can be replaced (tests simulate a full disk on the second write).
    write = getattr(sys.modules.get("idl_sdp.cli"), "_write_text_atomic",
                    _common._write_text_atomic)
    write(sidecar_path(path), json.dumps(_jsonable(sidecar), indent=2) + "\n")
