r"""Mittelmann's DIMACS error measures of an approximate primal–dual point, in the
conic form of :mod:`idl_sdp.conic.form` (min cᵀx + d, s = Ax + b ∈ K; dual Aᵀy = c,
y ∈ K*).

With s = Ax + b recomputed from x (not the solver's own slack), pobj = cᵀx + d and
dobj = d − bᵀy:

=====  ==========================================================================
err1   ‖s_Z‖₂ / (1 + ‖b‖₁) — the equality rows' residual (primal linear)
err2   max(0, −κ(s)) / (1 + ‖b‖₁) — primal cone violation
err3   ‖Aᵀy − c‖₂ / (1 + ‖c‖₁) — dual linear residual
err4   max(0, −κ(y)) / (1 + ‖c‖₁) — dual cone violation (zero rows are free)
err5   (pobj − dobj) / (1 + |pobj| + |dobj|) — duality gap
err6   sᵀy / (1 + |pobj| + |dobj|) over the cone rows — complementarity
=====  ==========================================================================

κ(v) is the smallest "eigenvalue" of v over the cone blocks: the entry of a
nonnegative row, t − ‖u‖₂ of an SOC block, λ_min of a PSD block (symmetric part).
These are floating-point measures of a point, not proofs: compare them with the
enclosure of :func:`idl_sdp.value_bounds`.
"""
from __future__ import annotations

import math
from typing import Dict

import numpy as np

from .adapters import ConicSolution
from .form import ConicForm

__all__ = ["dimacs_errors", "cone_min"]


def cone_min(form: ConicForm, v: np.ndarray) -> float:
    """κ(v): the smallest cone "eigenvalue" of v over the non-zero cones (+inf if none)."""
    out = math.inf
    for kind, k, r0 in form.offsets():
        if kind == "nonneg":
            out = min(out, float(np.min(v[r0:r0 + k])))
        elif kind == "soc":
            out = min(out, float(v[r0] - np.linalg.norm(v[r0 + 1:r0 + k])))
        elif kind == "psd":
            M = v[r0:r0 + k * k].reshape(k, k, order="F")
            out = min(out, float(np.linalg.eigvalsh(0.5 * (M + M.T))[0]))
    return out


def dimacs_errors(form: ConicForm, sol: ConicSolution) -> Dict[str, float]:
    """The six DIMACS errors (NaN where the solver returned no point)."""
    nan = {f"err{i}": math.nan for i in range(1, 7)}
    if sol.x is None or sol.y is None or not (np.all(np.isfinite(sol.x))
                                              and np.all(np.isfinite(sol.y))):
        return nan
    x, y = sol.x, sol.y
    s = form.A @ x + form.b
    nz = sum(k for kind, k in form.cones if kind == "zero")
    nb, nc = 1.0 + float(np.abs(form.b).sum()), 1.0 + float(np.abs(form.c).sum())
    pobj = float(form.c @ x) + form.d
    dobj = form.d - float(form.b @ y)
    den = 1.0 + abs(pobj) + abs(dobj)
    return {
        "err1": float(np.linalg.norm(s[:nz])) / nb,
        "err2": max(0.0, -cone_min(form, s)) / nb,
        "err3": float(np.linalg.norm(form.A.T @ y - form.c)) / nc,
        "err4": max(0.0, -cone_min(form, y)) / nc,
        "err5": (pobj - dobj) / den,
        "err6": float(s[nz:] @ y[nz:]) / den,
    }
