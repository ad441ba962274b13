r"""The Fenchel divergence of the IDL relaxation.

.. math:: F(a, b) = \tfrac12 a\odot a + \tfrac12 (b)_+\odot(b)_+ - a\odot b .

For :math:`a \ge 0`, :math:`F(a, b) \ge \tfrac12 (a - (b)_+)^2 \ge 0`, with equality to
zero iff :math:`a = (b)_+`: the divergence vanishes exactly on the ReLU equilibrium.
"""
from __future__ import annotations

from typing import Any

import cvxpy as cp
import numpy as np

from ._validation import as_finite_array, as_finite_constant

__all__ = ["fenchel_divergence", "fenchel_divergence_expr"]


def fenchel_divergence(a: Any, b: Any) -> np.ndarray:
    """Elementwise Fenchel divergence ``F(a, b) = ½a² + ½(b)₊² − a·b``.

    Parameters
    ----------
    a, b : array_like
        Arrays of the same shape (``a`` is the hidden state, ``b`` the pre-activation).

    Returns
    -------
    numpy.ndarray
        ``F(a, b)``, same shape as the inputs; nonnegative wherever ``a >= 0``.

    Raises
    ------
    ValueError
        If a value of F exceeds the float64 range (e.g. ``|b| ≈ 1e154``).

    Notes
    -----
    Evaluated as ½(a − b)² where b > 0 and a(½a − b) elsewhere: algebraically the same,
    but free of the cancellation between ½a² + ½b² and ab when a ≈ b ≫ 1, and of
    intermediate overflow.
    """
    a = as_finite_array(a, "a")
    b = as_finite_array(b, "b")
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    with np.errstate(over="ignore", invalid="ignore"):
        F = np.where(b > 0, 0.5 * (a - b) ** 2, a * (0.5 * a - b))
    if not np.all(np.isfinite(F)):
        raise ValueError("fenchel_divergence overflows float64 for these a, b "
                         f"(max |a| = {np.max(np.abs(a)):.3g}, max |b| = {np.max(np.abs(b)):.3g})")
    return F


def fenchel_divergence_expr(a: Any, b: Any) -> cp.Expression:
    """The cvxpy counterpart of :func:`fenchel_divergence` (elementwise expression).

    The result is DCP-convex when the product ``a·b`` is: ``a`` constant (or a
    parameter) and ``b`` affine, as in the Θ-step, or ``b`` constant and ``a``
    affine. With both affine in the same variable the bilinear term is not DCP
    and cvxpy will say so when the problem is built.

    ``a`` and ``b`` are cvxpy expressions or real numeric constants (scalars or
    arrays). Raises ``TypeError`` for anything else (strings, None, object or complex
    data, complex expressions) and ``ValueError`` for NaN/inf constants, constants
    whose squares overflow float64, or different shapes, naming the argument.
    """
    a = _expr_arg(a, "a")
    b = _expr_arg(b, "b")
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    return 0.5 * cp.square(a) + 0.5 * cp.square(cp.pos(b)) - cp.multiply(a, b)


def _expr_arg(x: Any, name: str) -> cp.Expression:
    """A real cvxpy expression, or a finite real constant cast to one."""
    if isinstance(x, cp.Expression):
        if x.is_complex():
            raise TypeError(f"{name} must be a real expression, got a complex one")
        if isinstance(x, cp.Constant):
            as_finite_constant(x.value, name)
        return x
    return cp.Constant(as_finite_constant(x, name))
