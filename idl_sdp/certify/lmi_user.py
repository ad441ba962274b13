"""``certify_lmi``: certify the user's own LMI F(x) = F₀ + Σᵢ xᵢFᵢ ⪰ 0 at a point.

The matrix is formed in exact arithmetic from the given floats (never from a float
evaluation of F(x)), certified as :func:`idl_sdp.certify.certify` certifies any matrix,
and the certificate stores F₀, the Fᵢ, x and the label, from which ``idl-sdp verify``
rebuilds the matrix independently.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from .api import certify_matrix
from .certificate import Certificate
from .conditions import lmi_condition

__all__ = ["certify_lmi", "lmi_data"]


def lmi_data(constraint: Any):
    """(F₀, [F₁…F_m], x) of a cvxpy PSD constraint ``expr >> 0`` whose variables hold
    values: F(x) is the symmetric part of ``expr`` (what cvxpy constrains), x the
    variables' values stacked column-major, Fᵢ the coefficient of xᵢ.

    The coefficients are those cvxpy computes from the expression (its own floats);
    the symmetric part is taken exactly (:mod:`idl_sdp.conic.form`).
    """
    import cvxpy as cp  # noqa: PLC0415

    from ..conic.form import conic_form  # noqa: PLC0415

    if not isinstance(constraint, cp.constraints.PSD):
        raise TypeError(f"constraint must be a cvxpy PSD constraint (expr >> 0), got "
                        f"{type(constraint).__name__}")
    variables = sorted(constraint.variables(), key=lambda v: v.id)
    for v in variables:
        if v.value is None:
            raise ValueError(f"variable {v.name()!r} of the constraint has no value")
        if v.attributes.get("symmetric") or v.attributes.get("PSD") or any(
                v.attributes.get(a) for a in ("nonneg", "nonpos", "diag", "hermitian")):
            raise ValueError(f"variable {v.name()!r} has attributes; certify_lmi needs "
                             "plain variables (their values are the point x)")
    for p in constraint.parameters():
        if p.value is None:
            raise ValueError(f"parameter {p.name()!r} has no value")
    # min 0 s.t. the one constraint; its stuffed form lists the variables in order
    prob = cp.Problem(cp.Minimize(0), [constraint])
    form = conic_form(prob)
    (kind, n), = form.cones
    if kind != "psd":
        raise ValueError("internal: the constraint did not map to one PSD block")
    x = np.concatenate([np.ravel(np.asarray(v.value, dtype=float), order="F")
                        for v in variables]) if variables else np.zeros(0)
    if x.size != form.n:
        raise ValueError("internal: the constraint's variables do not match its conic form")
    A = form.A.toarray()
    F0 = form.b.reshape(n, n, order="F")
    F = [A[:, i].reshape(n, n, order="F") for i in range(form.n)]
    return F0, F, x


def certify_lmi(F0: Any, F: Optional[Sequence[Any]] = None, x: Any = None, *,
                label: str = "F(x)", strict: bool = False, method: str = "auto"
                ) -> Certificate:
    """Decide F(x) = F₀ + Σᵢ xᵢFᵢ ⪰ 0 (≻ 0 if ``strict``) rigorously.

    Parameters
    ----------
    F0 : array_like (n, n) or cvxpy PSD constraint
        The constant term; or a constraint ``expr >> 0`` whose variables hold values
        (then ``F`` and ``x`` are taken from it, see :func:`lmi_data`).
    F : sequence of array_like (n, n)
        The coefficient matrices (exactly symmetric).
    x : array_like (m,)
        The point.
    label : str
        Your name for the LMI; the certified statement reads "label: F(x) … ⪰ 0".
    strict : bool
    method : {"auto", "exact", "cholesky", "arb"}
        As in :func:`idl_sdp.certify.certify`.

    Returns
    -------
    Certificate
        ``status`` "certified" / "violated" / "undecided"; ``.to_json(path)`` writes it
        for ``idl-sdp verify``.
    """
    import cvxpy as cp  # noqa: PLC0415

    if isinstance(F0, cp.constraints.PSD):
        if F is not None or x is not None:
            raise ValueError("give either a cvxpy constraint or (F0, F, x), not both")
        F0, F, x = lmi_data(F0)
    elif F is None or x is None:
        raise ValueError("F and x are required unless F0 is a cvxpy PSD constraint")
    return certify_matrix(lmi_condition(F0, F, x, label, strict), method=method)
