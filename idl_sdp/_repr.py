"""Helpers shared by the public result records of idl_sdp.

* :func:`result_repr` — the short, uniform ``repr`` of every result: a title line and
  one ``name: value`` line per field, arrays shown by shape and dtype, floats with
  7 significant digits, long strings, lists and dicts summarised, so that printing a
  result never dumps a factor or a history.
* :class:`History` — the per-iteration records of an iterative method, a list of dicts.
* :func:`deprecated_alias` — a read-only property kept under a result's old attribute
  name, warning that it is deprecated.
"""
from __future__ import annotations

import math
import numbers
import warnings
from typing import Any, Dict, Iterable, List, Sequence, Tuple

import numpy as np

__all__ = ["History", "Raw", "deprecated_alias", "format_value", "result_repr"]

#: Longest rendering of one value (characters); longer ones are cut with "…".
VALUE_WIDTH = 96
#: Lists, tuples and dicts with at most this many short items are shown in full.
SHORT_ITEMS = 4


def _cut(text: str, width: int) -> str:
    text = text.replace("\n", " ⏎ ")
    return text if len(text) <= width else text[: width - 1] + "…"


def _fmt_float(x: float) -> str:
    if math.isnan(x) or math.isinf(x):
        return repr(float(x))
    return f"{x:.7g}"


def format_value(value: Any, width: int = VALUE_WIDTH) -> str:
    """A one-line, bounded rendering of ``value`` for :func:`result_repr`.

    Parameters
    ----------
    value : object
        Arrays (numpy or scipy.sparse) are shown as ``array(shape=…, dtype=…)``, floats
        with 7 significant digits, strings quoted, a :class:`History` by its length and
        keys, lists / tuples / dicts in full when short and summarised otherwise, other
        objects by the first line of their ``repr``.
    width : int
        Maximum length of the result.

    Returns
    -------
    str
    """
    if value is None or isinstance(value, (bool, np.bool_)):
        return repr(bool(value)) if value is not None else "None"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return _fmt_float(float(value))
    if isinstance(value, str):
        return repr(_cut(value, width - 2))
    if isinstance(value, np.ndarray):
        return f"array(shape={value.shape}, dtype={value.dtype})"
    if hasattr(value, "nnz") and hasattr(value, "shape"):  # a scipy.sparse matrix / array
        return f"sparse(shape={tuple(value.shape)}, nnz={value.nnz}, dtype={value.dtype})"
    if isinstance(value, History):
        return _cut(value.summary(), width)
    if isinstance(value, dict):
        return _cut(_fmt_dict(value, width), width)
    if isinstance(value, (list, tuple)):
        return _cut(_fmt_sequence(value, width), width)
    text = repr(value).strip().splitlines()
    return _cut(text[0] + (" …" if len(text) > 1 else ""), width) if text else "''"


def _is_short(value: Any) -> bool:
    return value is None or (isinstance(value, (numbers.Number, np.bool_, str))
                             and (not isinstance(value, str) or len(value) <= 24))


def _fmt_sequence(seq: Sequence[Any], width: int) -> str:
    kind = type(seq).__name__
    if len(seq) <= SHORT_ITEMS and all(_is_short(v) for v in seq):
        body = ", ".join(format_value(v, width) for v in seq)
        return f"[{body}]" if isinstance(seq, list) else f"({body}{',' if len(seq) == 1 else ''})"
    if seq and all(isinstance(v, dict) for v in seq):
        return f"{kind} of {len(seq)} dicts (keys: {_keys_text(_union_keys(seq))})"
    return f"{kind} of {len(seq)} items"


def _fmt_dict(d: Dict[Any, Any], width: int) -> str:
    if len(d) <= SHORT_ITEMS and all(_is_short(v) for v in d.values()):
        return "{" + ", ".join(f"{k!s}: {format_value(v, width)}" for k, v in d.items()) + "}"
    return f"dict of {len(d)} keys ({_keys_text(list(d))})"


def _union_keys(records: Iterable[Dict[str, Any]]) -> List[str]:
    keys: Dict[str, None] = {}
    for r in records:
        keys.update(dict.fromkeys(map(str, r)))
    return list(keys)


def _keys_text(keys: Sequence[Any], shown: int = 6) -> str:
    names = [str(k) for k in keys]
    return ", ".join(names[:shown]) + (f", … +{len(names) - shown}" if len(names) > shown else "")


def result_repr(title: str, fields: Iterable[Tuple[str, Any]],
                head: Iterable[Tuple[str, Any]] = ()) -> str:
    """The repr shared by the result records: a title line, then ``name: value`` lines.

    Parameters
    ----------
    title : str
        Usually the class name.
    fields : iterable of (str, object)
        The fields to show, one per line, in order; each value is rendered by
        :func:`format_value` (a :class:`Raw` string is shown verbatim).
    head : iterable of (str, object)
        A few identifying fields (the method, the status) shown on the title line as
        ``title(name=value, …)``.

    Returns
    -------
    str
        Multi-line text, names right-aligned as in ``scipy.optimize.OptimizeResult``.
    """
    def text(v: Any) -> str:
        return v if isinstance(v, Raw) else format_value(v)

    first = title
    head = list(head)
    if head:
        first += "(" + ", ".join(f"{name}={text(v)}" for name, v in head) + ")"
    items = [(name, text(v)) for name, v in fields]
    if not items:
        return first
    pad = max(len(name) for name, _ in items)
    return "\n".join([first] + [f"  {name:>{pad}}: {value}" for name, value in items])


class Raw(str):
    """A value :func:`result_repr` prints as is (already formatted by the caller)."""


class History(list):
    """The per-iteration records of an iterative method: a list with one dict per iteration.

    ``history[k]`` is the record of iteration ``k`` and ``history.column(key)`` the
    values of one key over the iterations. For code written when these histories were
    dicts of lists, ``history[key]``, ``history.get(key)``, ``history.keys()`` and
    ``key in history`` still work on the columns and warn that they are deprecated.
    """

    @classmethod
    def from_columns(cls, columns: Dict[str, Sequence[Any]]) -> "History":
        """Records built from a dict of equally long lists (record ``k`` takes entry ``k``
        of every list that has one)."""
        n = max((len(v) for v in columns.values()), default=0)
        return cls({k: v[i] for k, v in columns.items() if i < len(v)} for i in range(n))

    def column(self, key: str) -> List[Any]:
        """The value of ``key`` in every record that has it, in iteration order."""
        return [r[key] for r in self if key in r]

    def columns(self) -> List[str]:
        """Every key of the records, in order of first appearance."""
        return _union_keys(self)

    def summary(self) -> str:
        """One line: the number of records and their keys."""
        return f"{len(self)} records (keys: {_keys_text(self.columns())})"

    # -------------------------------------------------- the former dict-of-lists API
    @staticmethod
    def _warn(what: str) -> None:
        warnings.warn(f"history{what} treats the history as a dict of lists, which is "
                      "deprecated: it is a list of per-iteration dicts; use "
                      "history.column(key)", DeprecationWarning, stacklevel=3)

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, str):
            self._warn(f"[{index!r}]")
            if not any(index in r for r in self):
                raise KeyError(index)
            return self.column(index)
        return super().__getitem__(index)

    def __contains__(self, item: object) -> bool:
        if isinstance(item, str):  # a record is a dict, never a str: the old key test
            self._warn(f" {item!r} in history")
            return any(item in r for r in self)
        return super().__contains__(item)

    def get(self, key: str, default: Any = None) -> Any:
        """Deprecated: the column ``key`` (``default`` if no record has it)."""
        self._warn(f".get({key!r})")
        return self.column(key) if any(key in r for r in self) else default

    def keys(self) -> List[str]:
        """Deprecated: :meth:`columns`."""
        self._warn(".keys()")
        return self.columns()

    def __repr__(self) -> str:
        return f"History({self.summary()})"


def deprecated_alias(new: str, old: str) -> property:
    """A read-only property ``old`` returning attribute ``new`` with a DeprecationWarning.

    Parameters
    ----------
    new : str
        The attribute's current name.
    old : str
        The former name, kept so that existing code keeps working.

    Returns
    -------
    property
    """
    def getter(self: Any) -> Any:
        warnings.warn(f"{type(self).__name__}.{old} is deprecated; "
                      f"use .{new}", DeprecationWarning, stacklevel=2)
        return getattr(self, new)

    getter.__name__ = old
    return property(getter, doc=f"Deprecated alias of ``{new}`` (read-only).")

