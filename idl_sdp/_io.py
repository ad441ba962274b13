"""Files: atomic writes and bounded reads, shared by models, checkpoints, certificates
and the CLI sidecar.

Models, checkpoints, certificates, CLI sidecars and matrix files are read through
:func:`read_npz`, :func:`read_npy` or :func:`read_json` (data files — CSV, SDPA,
Gset — have readers of their own), which enforce the limits below *before*
allocating: a hostile or corrupted file is refused with one ``ValueError`` naming the
file, never by running out of memory. The limits are generous for real use — a model with h ≈ 5 000 hidden
units (D has h² = 25·10⁶ entries), a certificate of a matrix of order ≈ 3 000 — and
are module attributes, so an application with larger files can raise them.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import time
import uuid
import zipfile
from typing import Any, BinaryIO, Callable, Dict, TextIO, Union

__all__ = ["atomic_write", "read_npz", "read_npy", "read_json", "file_sha256",
           "parse_json", "json_depth_ok", "remove_stale_temporaries", "MAX_FILE_BYTES", "MAX_MEMBER_BYTES",
           "MAX_ARRAY_ELEMENTS", "MAX_JSON_DEPTH", "STALE_TEMP_MIN_AGE"]

#: Largest file read (bytes on disk), and largest total uncompressed size of the
#: members of one ``.npz`` file: 1 GiB.
MAX_FILE_BYTES = 1 << 30
#: Largest uncompressed size of one ``.npz`` member (one array), checked from the zip
#: directory *before* decompressing and enforced again while reading: 256 MiB
#: (a float64 matrix of order 5 792).
MAX_MEMBER_BYTES = 256 << 20
#: Largest number of elements of one array read from a file: 2²⁵ ≈ 33.5·10⁶.
MAX_ARRAY_ELEMENTS = 1 << 25
#: Deepest nesting of JSON arrays/objects read (certificates, sidecars, checkpoint
#: history and config); real files nest fewer than 8 levels.
MAX_JSON_DEPTH = 64
#: A temporary file of a dead writer is removed only when it is at least this old
#: (seconds): a second guard, besides the writer's pid, for directories shared
#: between machines, where a pid says nothing.
STALE_TEMP_MIN_AGE = 60.0

# The temporary name of a write to PATH: PATH.<pid>.<thread id>.<12 hex>.tmp (also the
# older PATH.<pid>.tmp), so that the writer's pid can be read back from the name.
_TMP_SUFFIX = re.compile(r"\.(\d+)(?:\.\d+\.[0-9a-f]{12})?\.tmp\Z")


def atomic_write(path: Union[str, os.PathLike], write: Callable[[Union[BinaryIO, TextIO]], None],
                 *, text: bool = False) -> None:
    """Write ``path`` through ``write(fh)`` atomically: temporary file, fsync, rename.

    On any error — a full disk, a ``KeyboardInterrupt`` — the temporary file is removed
    and an existing ``path`` is left untouched, so no partial file is ever visible.
    After a successful write, temporary files of ``path`` left by writers that were
    killed (``SIGKILL``, power loss) are removed (:func:`remove_stale_temporaries`).
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
    remove_stale_temporaries(path)


def _pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this machine (True when it cannot be told)."""
    if pid <= 0:
        return True
    try:
        import psutil  # noqa: PLC0415 - optional; the only portable way on Windows
    except ImportError:
        psutil = None
    if psutil is not None:
        try:
            return bool(psutil.pid_exists(pid))
        except Exception:  # noqa: BLE001 - unknown: keep the file
            return True
    if os.name != "posix":
        # os.kill(pid, 0) would *signal* the process on Windows: never guess there.
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError, ValueError):  # someone else's process; or unknown
        return True
    return True


def remove_stale_temporaries(path: Union[str, os.PathLike]) -> list:
    """Remove the temporary files of ``path`` whose writer process no longer exists.

    A writer killed between creating its temporary file and renaming it (``SIGKILL``,
    power loss) leaves ``PATH.<pid>.<tid>.<hex>.tmp`` behind. Such a file is removed
    when the pid in its name is not this process, no process with that pid exists
    (``psutil.pid_exists`` if installed, else ``os.kill(pid, 0)`` on POSIX; on other
    systems without psutil nothing is removed), and it was last modified at least
    :data:`STALE_TEMP_MIN_AGE` seconds ago. A live writer's file is never touched.
    Failures to list or remove are ignored: this is housekeeping.

    Returns
    -------
    list of str
        The removed paths.
    """
    path = os.fspath(path)
    folder, base = os.path.split(path)
    removed = []
    try:
        names = os.listdir(folder or ".")
    except OSError:
        return removed
    now = time.time()
    own = os.getpid()
    for name in names:
        if not name.startswith(base + "."):
            continue
        m = _TMP_SUFFIX.fullmatch(name, len(base))
        if m is None:
            continue
        pid = int(m.group(1))
        full = os.path.join(folder, name)
        try:
            if pid == own or _pid_alive(pid):
                continue
            if now - os.stat(full).st_mtime < STALE_TEMP_MIN_AGE:
                continue
            os.remove(full)
            removed.append(full)
        except (OSError, OverflowError, ValueError):  # housekeeping: never fail a write
            continue
    return removed


def file_sha256(path: Union[str, os.PathLike]) -> str:
    """SHA-256 (hex) of a file's bytes, read in chunks."""
    h = hashlib.sha256()
    with open(os.fspath(path), "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# ------------------------------------------------------------------ bounded reads
class _Refused(Exception):
    """A file failed a check; the message says why (wrapped with the path by callers)."""


def _check_file_size(path: str) -> None:
    size = os.stat(path).st_size
    if size > MAX_FILE_BYTES:
        raise _Refused(f"the file has {size} bytes, more than the limit "
                       f"idl_sdp._io.MAX_FILE_BYTES = {MAX_FILE_BYTES}")


def _read_exactly(fh: Any, nbytes: int, what: str) -> bytearray:
    """Exactly ``nbytes`` from ``fh`` into a buffer allocated once (never more)."""
    buf = bytearray(nbytes)
    view = memoryview(buf)
    got = 0
    while got < nbytes:
        n = fh.readinto(view[got:got + (16 << 20)])
        if not n:
            raise _Refused(f"{what} is truncated ({got} of {nbytes} data bytes)")
        got += n
    return buf


def _read_array(fh: Any, what: str, size: int = None):
    """One ``.npy`` array from a binary stream, checked before its data is read.

    The header (magic, version, dtype, shape) is parsed first; object dtypes (pickles),
    structured dtypes, more than :data:`MAX_ARRAY_ELEMENTS` elements or more than
    :data:`MAX_MEMBER_BYTES` bytes are refused. ``size`` (the member's size from the
    zip directory) must equal header + data exactly.
    """
    import numpy as np
    from numpy.lib import format as npf

    try:
        version = npf.read_magic(fh)
    except ValueError:
        raise _Refused(f"{what} is not a .npy array (raw bytes or another format)") from None
    if version == (1, 0):
        shape, fortran, dtype = npf.read_array_header_1_0(fh)
    elif version == (2, 0):
        shape, fortran, dtype = npf.read_array_header_2_0(fh)
    else:
        raise _Refused(f"{what} has .npy format version {version}, expected (1, 0) or (2, 0)")
    if dtype.hasobject or dtype.kind not in "biufcSU" or dtype.fields is not None:
        raise _Refused(f"{what} has dtype {dtype}, not a plain numeric or string type "
                       "(object arrays are never unpickled)")
    count = 1
    for d in shape:
        count *= int(d)
    if count > MAX_ARRAY_ELEMENTS:
        raise _Refused(f"{what} has shape {tuple(shape)} ({count} elements), more than the "
                       f"limit idl_sdp._io.MAX_ARRAY_ELEMENTS = {MAX_ARRAY_ELEMENTS}")
    nbytes = count * dtype.itemsize
    if nbytes > MAX_MEMBER_BYTES:
        raise _Refused(f"{what} holds {nbytes} bytes, more than the limit "
                       f"idl_sdp._io.MAX_MEMBER_BYTES = {MAX_MEMBER_BYTES}")
    if size is not None and fh.tell() + nbytes != size:
        raise _Refused(f"{what} has {size} bytes, but its header describes "
                       f"{fh.tell() + nbytes} (truncated or corrupted)")
    buf = _read_exactly(fh, nbytes, what)
    if fh.read(1):  # also makes zipfile check the member's CRC
        raise _Refused(f"{what} has bytes after its data (corrupted)")
    arr = np.frombuffer(buf, dtype=dtype, count=count)
    if fortran:
        return arr.reshape(tuple(shape)[::-1]).transpose()
    return arr.reshape(tuple(shape))


def read_npz(path: Union[str, os.PathLike], what: str) -> Dict[str, Any]:
    """All arrays of a ``.npz`` file, checked against the size limits before reading.

    Never unpickles. Each member must be a ``.npy`` array (``NAME.npy``, as
    ``numpy.savez`` writes them); its uncompressed size (from the zip directory, checked
    before decompressing, and again while reading) at most :data:`MAX_MEMBER_BYTES`,
    the members' total at most :data:`MAX_FILE_BYTES`, its element count at most
    :data:`MAX_ARRAY_ELEMENTS`.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        ``'<path>' is not a readable <what>: <reason>`` for anything else: not a zip,
        truncated, a member holding raw bytes, object arrays, sizes beyond the limits.
    """
    path = os.fspath(path)
    try:
        _check_file_size(path)
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            names = [zi.filename for zi in infos]
            if len(set(names)) != len(names):
                raise _Refused("it has duplicate member names")
            total = sum(zi.file_size for zi in infos)
            if total > MAX_FILE_BYTES:
                raise _Refused(f"its members hold {total} bytes uncompressed, more than "
                               f"the limit idl_sdp._io.MAX_FILE_BYTES = {MAX_FILE_BYTES}")
            out = {}
            for zi in infos:
                label = f"member {zi.filename!r}"
                if not zi.filename.endswith(".npy"):
                    raise _Refused(f"{label} is not a .npy array")
                if zi.file_size > MAX_MEMBER_BYTES:
                    raise _Refused(
                        f"{label} is {zi.file_size} bytes uncompressed, more than the "
                        f"limit idl_sdp._io.MAX_MEMBER_BYTES = {MAX_MEMBER_BYTES}")
                with zf.open(zi) as fh:
                    out[zi.filename[:-4]] = _read_array(fh, label, zi.file_size)
            return out
    except FileNotFoundError:
        raise
    except _Refused as exc:
        raise ValueError(f"{path!r} is not a readable {what}: {exc}") from None
    except Exception as exc:  # BadZipFile, OSError, zlib.error, EOFError, ...
        raise ValueError(f"{path!r} is not a readable {what}: "
                         f"{type(exc).__name__}: {exc}"[:500]) from None


def read_npy(path: Union[str, os.PathLike], what: str):
    """One array of a ``.npy`` file, with the checks of :func:`read_npz`."""
    path = os.fspath(path)
    try:
        _check_file_size(path)
        with open(path, "rb") as fh:
            return _read_array(fh, "the file", os.fstat(fh.fileno()).st_size)
    except FileNotFoundError:
        raise
    except _Refused as exc:
        raise ValueError(f"{path!r} is not a readable {what}: {exc}") from None
    except Exception as exc:
        raise ValueError(f"{path!r} is not a readable {what}: "
                         f"{type(exc).__name__}: {exc}"[:500]) from None


# Escaped characters (only valid inside JSON strings), and every byte but a bracket.
_JSON_ESCAPE = re.compile(r"\\.", re.S)
_NOT_BRACKET_BYTES = bytes(b for b in range(256) if b not in b"[]{}")


def json_depth_ok(text: str) -> bool:
    """Whether the JSON text nests arrays/objects at most :data:`MAX_JSON_DEPTH` deep.

    A linear scan done before parsing, so that no deep structure is ever built or
    recursed into: escapes are dropped, then every other '"' toggles "inside a string"
    (brackets in strings do not count), and the running bracket balance is maximised.
    """
    import numpy as np

    if "\\" in text:
        text = _JSON_ESCAPE.sub("", text)
    outside = "".join(text.split('"')[::2])
    brackets = outside.encode("utf-8").translate(None, _NOT_BRACKET_BYTES)
    if len(brackets) <= MAX_JSON_DEPTH:
        return True
    codes = np.frombuffer(brackets, dtype=np.uint8)
    steps = np.where((codes == ord("[")) | (codes == ord("{")), 1, -1).astype(np.int64)
    return int(np.max(np.cumsum(steps))) <= MAX_JSON_DEPTH


def parse_json(text: str) -> Any:
    """``json.loads`` with the :data:`MAX_JSON_DEPTH` limit (``_Refused`` / ``ValueError``)."""
    if not json_depth_ok(text):
        raise _Refused(f"its JSON is nested more than idl_sdp._io.MAX_JSON_DEPTH = "
                       f"{MAX_JSON_DEPTH} levels deep")
    try:
        return json.loads(text)
    except RecursionError:  # only with a recursion limit below MAX_JSON_DEPTH
        raise _Refused("its JSON is nested too deeply to read") from None
    except json.JSONDecodeError as exc:
        raise _Refused(f"it is not valid JSON (truncated or corrupted?): {exc}") from None


def read_json(path: Union[str, os.PathLike], what: str) -> Any:
    """A JSON file, at most :data:`MAX_FILE_BYTES` long and :data:`MAX_JSON_DEPTH` deep.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        ``'<path>' is not a readable <what>: <reason>`` for a file that is too large,
        not UTF-8, not JSON or nested too deeply.
    """
    path = os.fspath(path)
    try:
        _check_file_size(path)
        with open(path, "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:  # grew since the stat
            raise _Refused(f"the file has more than idl_sdp._io.MAX_FILE_BYTES = "
                           f"{MAX_FILE_BYTES} bytes")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _Refused(f"it is not UTF-8 text: {exc}") from None
        return parse_json(text)
    except FileNotFoundError:
        raise
    except _Refused as exc:
        raise ValueError(f"{path!r} is not a readable {what}: {exc}") from None
    except OSError as exc:
        raise ValueError(f"{path!r} is not a readable {what}: cannot read it: "
                         f"{exc}") from None
