"""Export a max-cut dual bound as a certificate file (kind ``"maxcut-bound"``).

:func:`write_maxcut_certificate` stores the graph, the dual vector ν, the shift
``c = lambda_lower`` and the claimed upper bound of a certified
:class:`~idl_sdp.relax.DualBound` (and optionally a cut); ``idl-sdp verify CERT.json``
/ :func:`idl_sdp.certify.verify` re-check it in exact arithmetic with code that does
not use this module (:mod:`idl_sdp.certify.verify_maxcut`).
"""
from __future__ import annotations

import math
import os
from fractions import Fraction
from typing import Any, Dict, Mapping, Optional, Union

import numpy as np

from .certificate import (CERTIFICATE_FORMAT, CERTIFICATE_FORMAT_VERSION,
                          KIND_MAXCUT_BOUND, _write_json_atomic)
from .verify_maxcut import graph_digest, graph_edges, statement_texts

__all__ = ["write_maxcut_certificate", "maxcut_certificate_dict"]


def _float_down(q: Fraction) -> float:
    f = float(q)
    if Fraction(f) > q:
        f = math.nextafter(f, -math.inf)
    return f


def _json_safe(v: Any) -> Any:
    if isinstance(v, (bool, str)) or v is None:
        return v
    if isinstance(v, (int, np.integer)):
        return int(v)
    f = float(v)
    return f if math.isfinite(f) else repr(f)


def maxcut_certificate_dict(W: Any, bound: Any, *, cut: Any = None,
                            informational: Optional[Mapping[str, Any]] = None
                            ) -> Dict[str, Any]:
    """The certificate of :func:`write_maxcut_certificate` as a JSON-ready dict."""
    from ..relax._result import DualBound  # noqa: PLC0415
    from ..relax.maxcut import _as_weights  # noqa: PLC0415

    if not isinstance(bound, DualBound):
        raise TypeError(f"bound must be a DualBound (MaxCutResult.certificate or "
                        f"maxcut_certificate(...)), got {type(bound).__name__}")
    if not bound.certified:
        raise ValueError("bound: the dual bound is not certified (certified=False), so "
                         "there is no proof to export")
    if not (math.isfinite(bound.upper_bound) and math.isfinite(bound.lambda_lower)):
        raise ValueError(f"bound: upper_bound = {bound.upper_bound!r} and lambda_lower = "
                         f"{bound.lambda_lower!r} must be finite to be exported")
    Wc = _as_weights(W)
    n = Wc.shape[0]
    nu = np.asarray(bound.nu, dtype=float).ravel()
    if nu.shape != (n,):
        raise ValueError(f"W has {n} vertices, but the bound's nu has {nu.shape[0]} "
                         "entries: W is not the graph of this bound")
    # the verifier's canonical edge list, so that binding to the same W always matches
    _, edges = graph_edges(Wc)
    digest = graph_digest(n, edges)
    upper = float(bound.upper_bound)
    data: Dict[str, Any] = {
        "format": CERTIFICATE_FORMAT,
        "format_version": CERTIFICATE_FORMAT_VERSION,
        "kind": KIND_MAXCUT_BOUND,
        "statements": [],
        "graph": {"n": n, "edges": edges, "digest": digest},
        "dual": {"nu": [float.hex(float(v)) for v in nu.tolist()],
                 "shift": float.hex(float(bound.lambda_lower))},
        "upper_bound": float.hex(upper),
        "upper_bound_decimal": repr(upper),
    }
    cut_value = None
    if cut is not None:
        x = np.asarray(cut).ravel()
        if x.shape != (n,) or not np.all(np.isin(x, (-1, 1))):
            raise ValueError(f"cut must be a vector of {n} entries ±1, got shape {x.shape}")
        xs = [int(v) for v in x.tolist()]
        weight = sum((Fraction(float.fromhex(w)) for i, j, w in edges if xs[i] != xs[j]),
                     Fraction(0))
        cut_value = _float_down(weight)  # the claim never exceeds the exact weight
        data["cut"] = {"x": xs, "cut_value": float.hex(cut_value),
                       "cut_value_decimal": repr(cut_value)}
    data["statements"] = statement_texts(n, len(edges), digest, upper, cut_value)
    info = {"lambda_min_estimate": bound.lambda_min, "lambda_lower": bound.lambda_lower,
            "certificate_seconds": bound.seconds}
    info.update(informational or {})
    data["informational"] = {k: _json_safe(v) for k, v in info.items()}
    return data


def write_maxcut_certificate(path: Union[str, os.PathLike], W: Any, result: Any, *,
                             cut: bool = True) -> None:
    """Write a max-cut bound as a certificate file that ``idl-sdp verify`` re-checks.

    Parameters
    ----------
    path : str or os.PathLike
        The JSON file to write (atomically).
    W : array_like or scipy.sparse matrix, shape (n, n)
        The weight matrix the bound is about (as passed to
        :func:`~idl_sdp.relax.maxcut`); its symmetrised upper triangle is stored.
    result : MaxCutResult or DualBound
        A :func:`~idl_sdp.relax.maxcut` result (its ``certificate`` and its cut) or a
        bare :func:`~idl_sdp.relax.maxcut_certificate` bound (no cut).
    cut : bool
        Store the result's cut and its exact weight (rounded down) as a second
        statement "the maximum cut weighs ≥ cut_value". Ignored for a ``DualBound``.

    Raises
    ------
    TypeError
        ``result`` is neither a MaxCutResult nor a DualBound.
    ValueError
        ``result`` has no certificate, or it is not certified (``certified=False``,
        ``upper_bound`` infinite); ``W`` is not a valid weight matrix or its size is not
        the result's ``n``.

    Notes
    -----
    The file stores the graph (edges ``i < j`` with ``float.hex`` weights and a
    SHA-256 digest), ν, the shift ``c = lambda_lower``, the claimed ``upper_bound``
    and, with ``cut``, the cut; the verifier (:mod:`idl_sdp.certify.verify_maxcut`)
    proves ``λ_min(diag ν − ¼L) ≥ c + δ − ‖E‖_∞`` (δ ≥ 0 a small shift it picks) with
    the exact residual E of its own factor (a dense Cholesky for n ≤ 4000, a sparse
    LDLᵀ above), and the exact weight of the cut.

    Examples
    --------
    >>> res = maxcut(W, "bm")                       # doctest: +SKIP
    >>> res.to_json("cut.json", W)                  # doctest: +SKIP
    >>> verify("cut.json", graph=W).ok              # doctest: +SKIP
    True
    """
    from ..relax._result import DualBound, MaxCutResult  # noqa: PLC0415

    if not isinstance(cut, (bool, np.bool_)):
        raise TypeError(f"cut must be a bool, got {type(cut).__name__}")
    if isinstance(result, MaxCutResult):
        if result.certificate is None:
            raise ValueError("result has no certificate (it was computed with "
                             "certify=False): nothing to export")
        bound, x = result.certificate, (result.cut if cut else None)
        info = {"method": result.method, "value": result.value,
                "solve_seconds": result.solve_seconds, "seconds": result.seconds}
    elif isinstance(result, DualBound):
        bound, x, info = result, None, {}
    else:
        raise TypeError(f"result must be a MaxCutResult or a DualBound, got "
                        f"{type(result).__name__}")
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
    try:
        data = maxcut_certificate_dict(W, bound, cut=x, informational=info)
    except ValueError as exc:
        msg = str(exc)
        raise ValueError(msg.replace("bound:", "result:", 1) if msg.startswith("bound:")
                         else msg) from None
    _write_json_atomic(data, path)
