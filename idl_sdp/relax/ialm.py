"""A generic nonconvex (inexact or linearized) augmented Lagrangian method.

Problem::

    minimise f(x) + g(x)   subject to   A(x) = 0,

with ``f`` smooth (possibly nonconvex), ``A`` smooth and vector valued, and ``g``
proper, closed, convex with a cheap proximal map (typically the indicator of a
simple convex set, in which case the prox is a projection). ``x`` may be an array of
any shape (a factor ``V`` of a Burer–Monteiro factorisation, say).

The augmented Lagrangian with multiplier ``y`` and penalty ``β`` is::

    L_β(x, y) = f(x) + g(x) + ⟨y, A(x)⟩ + β/2 ‖A(x)‖²,

whose smooth part ``h = f + ⟨y, A⟩ + β/2‖A‖²`` has gradient
``∇f(x) + DA(x)ᵀ (y + β A(x))``.

**iALM** (``linearized=False``; Sahin et al., NeurIPS 2019): the outer iteration ``k``
minimises ``L_{β_k}(·, y_k)`` *inexactly*, with an accelerated proximal-gradient method
(FISTA with backtracking and function-value restart), until the norm of the
gradient mapping is at most ``ε_k``; then ``y_{k+1} = y_k + σ_k A(x_{k+1})``,
``β_{k+1} = min(β_max, growth · β_k)`` and ``ε_{k+1} = max(tol, ε_k / growth)``.

**Linearized AL** (``linearized=True``): each outer iteration takes *one* proximal
gradient step (with backtracking) on ``L_{β_k}(·, y_k)``, then updates ``y`` and ``β``
(a slowly increasing penalty: a homotopy in ``β``).

The dual step ``σ_k`` is ``β_k`` (``dual_step="penalty"``, the classical method of
multipliers) or Sahin et al.'s bounded rule ``σ_k = σ_0 · min(1, ‖A(x_1)‖ log²2 /
(‖A(x_k)‖ k log²(k+1)))`` (``dual_step="bounded"``), which keeps ``y`` bounded.
"""
from __future__ import annotations

import inspect
import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional

import numpy as np

from .._repr import History, deprecated_alias, result_repr
from .._solvers import SolverError
from .._validation import (as_finite_array, check_callable, check_choice, check_nonneg_float,
                           check_positive_int)

__all__ = ["augmented_lagrangian", "ALMResult", "accelerated_proximal_gradient", "AL_OPTIONS"]

Array = np.ndarray


@dataclass
class ALMResult:
    """Result of :func:`augmented_lagrangian`.

    Attributes
    ----------
    x : ndarray
        The last iterate (same shape as ``x0``).
    y : ndarray
        The last multiplier.
    beta : float
        The last penalty parameter.
    history : list of dict
        One dict per outer iteration: ``feasibility`` (‖A(x)‖₂), ``objective``
        (f(x), without g), ``stationarity`` (norm of the gradient mapping of the
        augmented Lagrangian at the last inner step), ``beta``, ``inner``
        (inner iterations used) and ``time`` (wall-clock seconds since the start,
        at the end of the iteration; differences give the time per iteration).
    n_iter : int
        Outer iterations (``len(history)``; formerly ``outer_iterations``).
    n_inner : int
        Inner iterations over all outer ones (formerly ``inner_iterations``).
    converged : bool
        True when ‖A(x)‖ ≤ ``tol`` and the stationarity measure ≤ ``stationarity_tol``.
    message : str
    seconds : float
        Total wall-clock time.
    """

    x: Array
    y: Array
    beta: float
    history: History = field(default_factory=History)
    converged: bool = False
    message: str = ""
    seconds: float = 0.0

    outer_iterations = deprecated_alias("n_iter", "outer_iterations")
    inner_iterations = deprecated_alias("n_inner", "inner_iterations")

    def __post_init__(self) -> None:
        if isinstance(self.history, dict):  # the solver loop's columns
            self.history = History.from_columns(self.history)
        elif not isinstance(self.history, History):
            self.history = History(self.history)

    @property
    def n_iter(self) -> int:
        # documented in the class's Attributes
        return len(self.history)

    @property
    def n_inner(self) -> int:
        # documented in the class's Attributes
        return int(sum(self.history.column("inner")))

    def __repr__(self) -> str:
        return result_repr("ALMResult", head=[("converged", self.converged)], fields=[
            ("message", self.message),
            ("feasibility", (self.history[-1].get("feasibility", float("nan"))
                             if self.history else float("nan"))),
            ("objective", (self.history[-1].get("objective", float("nan"))
                           if self.history else float("nan"))),
            ("n_iter", self.n_iter), ("n_inner", self.n_inner), ("beta", self.beta),
            ("seconds", self.seconds), ("x", self.x), ("y", self.y)])


def method_options(base: dict, linearized: bool, overrides: dict,
                   linearized_max_outer: int = 1_000_000) -> dict:
    """Options for :func:`augmented_lagrangian`: a problem's scaled ``base`` settings,
    the linearized variant's slow penalty growth (β ← 1.0001·β, one step per update,
    hence many outer iterations) when ``linearized``, then the caller's ``overrides``."""
    opts = dict(base)
    if linearized:
        opts.update(beta_growth=1.0001, max_outer=linearized_max_outer)
    opts.update(overrides)
    return opts


def memo_last(op: Callable[[Array], Array]) -> Callable[[Array], Array]:
    """Wrap ``op`` so that a repeated call on the *same array object* reuses the result.

    The augmented-Lagrangian loops evaluate the objective and the gradient at the same
    point; instances use this to compute an expensive product such as ``L @ V`` once.
    (The arrays passed around by the loops are never modified in place.)
    """
    last: list = [None, None]

    def wrapped(x: Array) -> Array:
        if last[0] is not x:
            last[0], last[1] = x, op(x)
        return last[1]

    return wrapped


def _inner(a: Array, b: Array) -> float:
    return float(np.vdot(a, b))


def accelerated_proximal_gradient(
    h: Callable[[Array], float],
    grad_h: Callable[[Array], Array],
    prox: Callable[[Array, float], Array],
    x0: Array,
    *,
    lipschitz0: float = 1.0,
    tol: float = 1e-6,
    max_iter: int = 1000,
    deadline: Optional[float] = None,
) -> tuple:
    """FISTA with backtracking and function-value restart, for nonconvex ``h``.

    Minimises ``h(x) + g(x)`` where ``prox(v, t)`` is the proximal map of ``t·g``.
    Stops when the gradient-mapping norm ``L‖x⁺ − z‖`` (at the extrapolated point ``z``)
    is at most ``tol``. The restart test compares values of ``h`` alone (``g`` is not
    evaluated), which is exact when ``g`` is the indicator of a set, as in every
    instance here.

    Returns
    -------
    x, lipschitz, iterations, gradient_mapping_norm

    Raises
    ------
    TypeError, ValueError
        For invalid arguments (the message names the argument), or ``h(x0)`` not finite.
    idl_sdp.SolverError
        If backtracking cannot find a step (``h`` returns NaN or overflows); status
        ``"backtracking_failed"``.
    """
    for name, fn in (("h", h), ("grad_h", grad_h), ("prox", prox)):
        check_callable(fn, name)
    x = as_finite_array(x0, "x0")
    lipschitz0 = check_nonneg_float(lipschitz0, "lipschitz0", positive=True)
    tol = check_nonneg_float(tol, "tol")
    max_iter = check_positive_int(max_iter, "max_iter")
    if deadline is not None:
        deadline = check_nonneg_float(deadline, "deadline")
    hx = h(x)
    if not math.isfinite(hx):
        raise ValueError(f"h(x0) must be finite, got {hx}: x0 or the problem data are too "
                         "large for float64 arithmetic")
    z, hz, gz = x, hx, grad_h(x)
    t = 1.0
    lip = max(float(lipschitz0), 1e-12)
    gm = math.inf
    it = 0
    while it < max_iter:
        it += 1
        while True:  # backtracking on the quadratic upper model at z
            x_new = prox(z - gz / lip, 1.0 / lip)
            d = x_new - z
            h_new = h(x_new)
            if h_new <= hz + _inner(gz, d) + 0.5 * lip * _inner(d, d) + 1e-12 * abs(hz):
                break
            lip *= 2.0
            if lip > 1e20:
                raise SolverError("accelerated proximal gradient: backtracking failed (the "
                                  "step size underflowed; is the objective NaN or badly "
                                  "scaled?)", status="backtracking_failed",
                                  step="proximal gradient")
        gm = lip * math.sqrt(_inner(d, d))
        if h_new > hx and z is not x:
            # Momentum made things worse: restart from x with a plain step.
            t = 1.0
            z, hz, gz = x, hx, grad_h(x)
            continue
        t_new = 0.5 * (1.0 + math.sqrt(1.0 + 4.0 * t * t))
        z = x_new + ((t - 1.0) / t_new) * (x_new - x)
        x, hx, t = x_new, h_new, t_new
        if gm <= tol or (deadline is not None and time.perf_counter() > deadline):
            break
        hz, gz = h(z), grad_h(z)
        lip *= 0.9  # let the step grow again
    return x, lip, it, gm


def augmented_lagrangian(
    f: Callable[[Array], float],
    grad_f: Callable[[Array], Array],
    constraint: Callable[[Array], Array],
    jacobian_transpose: Callable[[Array, Array], Array],
    prox_g: Optional[Callable[[Array, float], Array]],
    x0: Any,
    *,
    y0: Any = None,
    beta0: float = 1.0,
    beta_growth: Optional[float] = None,
    beta_max: float = 1e6,
    linearized: bool = False,
    dual_step: str = "penalty",
    sigma0: Optional[float] = None,
    inner_tol0: float = 1e-1,
    max_outer: Optional[int] = None,
    max_inner: int = 500,
    tol: float = 1e-6,
    stationarity_tol: Optional[float] = None,
    time_limit: Optional[float] = None,
    callback: Optional[Callable[[int, Array, Array], Any]] = None,
) -> ALMResult:
    """Minimise ``f(x) + g(x)`` subject to ``A(x) = 0`` by an augmented Lagrangian method.

    Parameters
    ----------
    f, grad_f : callable
        The smooth objective ``f(x) -> float`` and its gradient (same shape as ``x``).
    constraint : callable
        ``A(x) -> 1-D array``; the constraint is ``A(x) = 0``.
    jacobian_transpose : callable
        ``jacobian_transpose(x, y) -> DA(x)ᵀ y`` (same shape as ``x``).
    prox_g : callable or None
        ``prox_g(v, t)``: the proximal map of ``t·g`` at ``v`` (a projection when ``g``
        is an indicator). ``None`` means ``g = 0``.
    x0 : array_like
        Initial point (any shape).
    y0 : array_like, optional
        Initial multiplier (default zero).
    beta0 : float
        Initial penalty ``β_0 > 0``.
    beta_growth : float, optional
        Factor ``> 1`` by which ``β`` grows after each outer iteration (capped at
        ``beta_max``). Default 2 for the iALM, 1.0001 for the linearized variant (which
        updates ``β`` after every single proximal-gradient step).
    beta_max : float
        Cap on the penalty.
    linearized : bool
        False: iALM (inexact inner solves by accelerated proximal gradient).
        True: one proximal-gradient step per penalty/dual update.
    dual_step : {"penalty", "bounded"}
        ``σ_k = β_k``, or Sahin et al.'s bounded dual step (see the module docstring).
    sigma0 : float, optional
        ``σ_0`` of the bounded rule (default ``beta0``).
    inner_tol0 : float
        Initial inner tolerance ``ε_0`` (iALM); divided by ``beta_growth`` each outer
        iteration, never below ``min(tol, stationarity_tol)``.
    max_outer : int, optional
        Maximum outer iterations (default 200 for the iALM, 20000 linearized).
    max_inner : int
        Maximum inner iterations per subproblem (iALM).
    tol : float
        Feasibility tolerance: stop when ‖A(x)‖₂ ≤ tol and the stationarity measure
        (the norm of the gradient mapping of the augmented Lagrangian) is at most
        ``stationarity_tol``.
    stationarity_tol : float, optional
        Default ``tol``. Also the floor of the inner tolerances ``ε_k``.
    time_limit : float, optional
        Stop (unconverged) after this many seconds.
    callback : callable, optional
        ``callback(k, x, y)`` after each outer iteration; a truthy return stops.

    Returns
    -------
    ALMResult

    Raises
    ------
    TypeError, ValueError
        For invalid arguments; the message names the argument.
    idl_sdp.SolverError
        If an inner proximal-gradient solve cannot backtrack (the augmented Lagrangian
        is NaN or too badly scaled for float64); status ``"backtracking_failed"``.
    """
    x = as_finite_array(x0, "x0").copy()
    if x.size == 0:
        raise ValueError("x0 must not be empty")
    for name, fn in (("f", f), ("grad_f", grad_f), ("constraint", constraint),
                     ("jacobian_transpose", jacobian_transpose)):
        check_callable(fn, name)
    if prox_g is not None:
        check_callable(prox_g, "prox_g", "callable or None")
    beta = check_nonneg_float(beta0, "beta0", positive=True)
    if beta_growth is None:
        beta_growth = 1.0001 if linearized else 2.0
    growth = check_nonneg_float(beta_growth, "beta_growth", positive=True)
    if growth < 1.0:
        raise ValueError(f"beta_growth must be >= 1, got {growth}")
    beta_max = max(check_nonneg_float(beta_max, "beta_max", positive=True), beta)
    dual_step = check_choice(dual_step, "dual_step", ("penalty", "bounded"))
    sigma0 = beta if sigma0 is None else check_nonneg_float(sigma0, "sigma0", positive=True)
    eps = check_nonneg_float(inner_tol0, "inner_tol0", positive=True)
    tol = check_nonneg_float(tol, "tol", positive=True)
    stol = tol if stationarity_tol is None else check_nonneg_float(
        stationarity_tol, "stationarity_tol", positive=True)
    if max_outer is None:
        max_outer = 20000 if linearized else 200
    max_outer = check_positive_int(max_outer, "max_outer")
    max_inner = check_positive_int(max_inner, "max_inner")
    if time_limit is not None:
        time_limit = check_nonneg_float(time_limit, "time_limit", positive=True)
    prox = prox_g if prox_g is not None else (lambda v, t: v)

    a = np.asarray(constraint(x), dtype=float).reshape(-1)
    y = np.zeros_like(a) if y0 is None else as_finite_array(y0, "y0").reshape(-1).copy()
    if y.shape != a.shape:
        raise ValueError(f"y0 must have length {a.size} (the number of constraints), got {y.size}")
    x = prox(x, 1.0)  # start inside dom g

    t0 = time.perf_counter()
    deadline = None if time_limit is None else t0 + time_limit
    hist: Dict[str, List[float]] = {k: [] for k in (
        "feasibility", "objective", "stationarity", "beta", "inner", "time")}
    lip = 1.0
    first_feas = None
    converged, message = False, "maximum number of outer iterations reached"

    for k in range(1, max_outer + 1):
        yk, bk = y, beta

        def h(v: Array) -> float:
            av = np.asarray(constraint(v), dtype=float).reshape(-1)
            return float(f(v)) + _inner(yk, av) + 0.5 * bk * _inner(av, av)

        def grad_h(v: Array) -> Array:
            av = np.asarray(constraint(v), dtype=float).reshape(-1)
            return grad_f(v) + jacobian_transpose(v, yk + bk * av)

        if linearized:
            x, lip, n_inner, gm = accelerated_proximal_gradient(
                h, grad_h, prox, x, lipschitz0=lip, tol=0.0, max_iter=1)
        else:
            x, lip, n_inner, gm = accelerated_proximal_gradient(
                h, grad_h, prox, x, lipschitz0=lip, tol=eps, max_iter=max_inner,
                deadline=deadline)
        a = np.asarray(constraint(x), dtype=float).reshape(-1)
        feas = float(np.linalg.norm(a))
        if first_feas is None:
            first_feas = max(feas, 1e-300)
        if dual_step == "penalty":
            sigma = beta
        else:
            sigma = sigma0 * min(1.0, first_feas * math.log(2) ** 2
                                 / (max(feas, 1e-300) * k * math.log(k + 1) ** 2))
        y = y + sigma * a
        hist["feasibility"].append(feas)
        hist["objective"].append(float(f(x)))
        hist["stationarity"].append(float(gm))
        hist["beta"].append(beta)
        hist["inner"].append(n_inner)
        hist["time"].append(time.perf_counter() - t0)
        if not np.all(np.isfinite(x)):
            message = "iterates diverged (non-finite values)"
            break
        if feas <= tol and gm <= stol:
            converged, message = True, "converged"
            break
        if callback is not None and callback(k, x, y):
            message = "stopped by callback"
            break
        if deadline is not None and time.perf_counter() > deadline:
            message = f"time limit of {time_limit:g} s reached"
            break
        beta = min(beta_max, beta * growth)
        if growth > 1.0:
            lip *= growth if beta < beta_max else 1.0  # the AL's curvature grows with β
        eps = max(min(tol, stol), eps / growth) if not linearized else eps

    return ALMResult(x=x, y=y, beta=beta, history=hist, converged=converged,
                     message=message, seconds=time.perf_counter() - t0)


#: The keyword options of :func:`augmented_lagrangian` a caller may pass through
#: ``al_options`` (all keyword-only ones except ``linearized``, which the method sets).
AL_OPTIONS = tuple(name for name, par in inspect.signature(augmented_lagrangian).parameters.items()
                   if par.kind is par.KEYWORD_ONLY and name != "linearized")
