"""A cache of values derived from an object that cannot be hashed (a cvxpy-free
:class:`~idl_sdp.conic.form.ConicForm`, a scipy sparse matrix), for as long as that
object lives.

Keyed by ``id(obj)`` and a tag; a weak reference to the object drops the entry when the
object is collected, so a new object at a reused address never sees an old value.
"""
from __future__ import annotations

import weakref
from typing import Any, Callable, Dict, Hashable, Tuple, TypeVar

T = TypeVar("T")

_CACHE: Dict[Tuple[int, Hashable], Tuple["weakref.ref[Any]", Any]] = {}


def derived(obj: Any, tag: Hashable, build: Callable[[], T]) -> T:
    """``build()`` computed once per (live object, tag) and then returned from cache."""
    key = (id(obj), tag)
    hit = _CACHE.get(key)
    if hit is not None and hit[0]() is obj:
        return hit[1]
    value = build()
    _CACHE[key] = (weakref.ref(obj, lambda _r, key=key: _CACHE.pop(key, None)), value)
    return value
