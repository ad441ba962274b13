"""Atomic file writes, shared by models, checkpoints, certificates and the CLI sidecar."""
from __future__ import annotations

import os
import threading
import uuid
from typing import BinaryIO, Callable, TextIO, Union

__all__ = ["atomic_write"]


def atomic_write(path: Union[str, os.PathLike], write: Callable[[Union[BinaryIO, TextIO]], None],
                 *, text: bool = False) -> None:
    """Write ``path`` through ``write(fh)`` atomically: temporary file, fsync, rename.

    On any error — a full disk, a ``KeyboardInterrupt`` — the temporary file is removed
    and an existing ``path`` is left untouched, so no partial file is ever visible.
    """
    path = os.fspath(path)
    # Unique per writer (process, thread and call), so that concurrent writers of one
    # path never share, truncate or remove each other's temporary file; the last
    # rename wins and every reader sees one complete file.
    tmp = f"{path}.{os.getpid()}.{threading.get_ident()}.{uuid.uuid4().hex[:12]}.tmp"
    # "x": exclusive creation, never someone else's file (then there is nothing to remove).
    fh = open(tmp, "x" if text else "xb", **({"encoding": "utf-8"} if text else {}))
    try:
        with fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        try:  # only this writer's file; gone already after a successful rename
            os.remove(tmp)
        except FileNotFoundError:
            pass


def read_npz(path: Union[str, os.PathLike], what: str) -> dict:
    """All arrays of a ``.npz`` file, never unpickling (``allow_pickle=False``).

    ``FileNotFoundError`` passes through; any other failure to read (not a zip,
    truncated, object arrays) becomes ``ValueError: '<path>' is not a readable <what>``.
    """
    import numpy as np

    path = os.fspath(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except FileNotFoundError:
        raise
    except Exception as exc:
        raise ValueError(f"{path!r} is not a readable {what}: {exc}") from None
