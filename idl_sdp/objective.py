r"""The relaxed training objective J of eq 7, evaluated in numpy.

.. math::
   J(\Theta, X) = \frac{1}{2m}\|A X + B U + c 1^T - Y\|_F^2
                + \frac1m \sum_{j,k} \lambda_j F(X_{jk}, Z_{jk}),
   \qquad Z = D X + E U + f 1^T .

This module is independent of cvxpy on purpose: tests compare it with the
objective values the two cvxpy subproblems report.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ._validation import (
    as_matrix, check_finite_result, check_instance, check_lam, check_nonneg_float,
    check_rows, check_same_columns, check_squares_finite,
)
from .fenchel import fenchel_divergence
from .model import ImplicitModel

__all__ = ["objective", "ridge_penalty", "loss_and_divergence"]


def ridge_penalty(model: ImplicitModel) -> float:
    """½(‖A‖² + ‖B‖² + ‖D‖² + ‖E‖²): the ridge on Θ (biases c, f are not penalised)."""
    check_instance(model, ImplicitModel, "model")
    with np.errstate(over="ignore"):
        value = 0.5 * float(
            np.sum(model.A**2) + np.sum(model.B**2) + np.sum(model.D**2) + np.sum(model.E**2)
        )
    check_finite_result(value, "the ridge penalty", "the model's A, B, D, E")
    return value


def _checked(model: ImplicitModel, X: Any, U: Any, Y: Any, lam: Any):
    if not isinstance(model, ImplicitModel):
        raise TypeError(f"model must be an ImplicitModel, got {type(model).__name__}")
    h = model.n_hidden
    U = check_squares_finite(check_rows(as_matrix(U, "U"), model.n_inputs, "U",
                                        "model.n_inputs: one per input of model"), "U")
    X = check_squares_finite(check_rows(as_matrix(X, "X"), h, "X",
                                        "model.n_hidden: one per hidden unit of model"), "X")
    Y = check_squares_finite(check_rows(as_matrix(Y, "Y"), model.n_outputs, "Y",
                                        "model.n_outputs: one per output of model"), "Y")
    check_same_columns([("U", U), ("X", X), ("Y", Y)])
    return X, U, Y, check_lam(lam, h)


def loss_and_divergence(model: ImplicitModel, X: Any, U: Any, Y: Any, lam: Any):
    """The two parts of J: the loss 1/(2m)‖AX+BU+c1ᵀ−Y‖² and (1/m)Σ λ_j F(X_jk, Z_jk)."""
    X, U, Y, lam = _checked(model, X, U, Y, lam)
    m = U.shape[1]
    with np.errstate(over="ignore", invalid="ignore"):
        R = model.A @ X + model.B @ U + model.c[:, None] - Y
        Z = model.D @ X + model.E @ U + model.f[:, None]
    check_finite_result([R, Z], "A X + B U + c − Y or D X + E U + f", "model, X, U, Y")
    try:
        F = fenchel_divergence(X, Z)
    except ValueError:  # X, Z are finite: only an overflow of F itself
        raise ValueError("the Fenchel divergence F(X, D X + E U + f) overflows float64: "
                         "model, X, U are too large; rescale them") from None
    with np.errstate(over="ignore", invalid="ignore"):
        loss = 0.5 * float(np.sum(R * R)) / m
        div = float(np.sum(lam[:, None] * F)) / m
    return loss, div


def objective(model: ImplicitModel, X: Any, U: Any, Y: Any, lam: Any, reg: float = 0.0) -> float:
    """J(Θ, X) of eq 7 (plus ``reg · ridge_penalty(model)`` when ``reg > 0``).

    Parameters
    ----------
    model : ImplicitModel
    X : array_like, shape (h, m)
        Hidden states (the relaxation's variable, not necessarily the equilibrium).
    U : array_like, shape (n, m)
    Y : array_like, shape (p, m)
    lam : float or array_like of shape (h,)
        Nonnegative multipliers λ.
    reg : float, default 0
        Ridge strength; the Θ-step minimises ``J + reg · ridge_penalty``.
    """
    reg = check_nonneg_float(reg, "reg")
    with np.errstate(over="ignore", invalid="ignore"):
        loss, div = loss_and_divergence(model, X, U, Y, lam)
        value = loss + div + (reg * ridge_penalty(model) if reg else 0.0)
    check_finite_result(value, "the objective J", "model, X, U, Y, lam")
    return value
