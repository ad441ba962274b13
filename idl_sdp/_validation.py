"""One validation layer for every public entry point.

Every function here raises ``ValueError`` or ``TypeError`` whose message names the
argument, what was expected and what was received, so that no NaN, wrong shape or
wrong type ever reaches cvxpy or numpy internals.
"""
from __future__ import annotations

import numbers
from typing import Any, Dict, Iterable, Mapping, Optional, Sequence, Tuple

import numpy as np

__all__ = [
    "as_matrix",
    "as_vector",
    "as_finite_array",
    "check_positive_int",
    "check_nonneg_float",
    "check_open_unit",
    "check_choice",
    "check_lam",
    "check_same_columns",
    "check_bounds",
    "as_probability_vector",
    "check_finite_result",
    "check_instance",
    "check_real",
    "check_callable",
    "as_labels",
    "check_options",
    "check_bool",
    "check_squares_finite",
    "as_path",
    "check_real_value",
    "check_alternation_steps",
    "as_finite_constant",
    "check_client",
    "check_reg_grid",
    "check_rows",
    "MAX_SEED",
    "MAX_HIDDEN",
]


def _describe(x: Any) -> str:
    if isinstance(x, np.ndarray):
        return f"array of shape {x.shape} and dtype {x.dtype}"
    return f"{type(x).__name__} {x!r}"[:120]


def as_finite_array(x: Any, name: str, *, ndim: Optional[int] = None) -> np.ndarray:
    """Convert ``x`` to a finite float64 array, checking its number of dimensions."""
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"{name} must be a numeric array, got {_describe(x)}")
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be a numeric array, got {_describe(x)}: {exc}") from None
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_
    ):
        raise TypeError(f"{name} must be a numeric array, got {_describe(arr)}")
    if np.iscomplexobj(arr):
        raise TypeError(f"{name} must be real, got complex dtype {arr.dtype}")
    arr = arr.astype(np.float64, copy=False)
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got shape {arr.shape}")
    if arr.size and not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name} must be finite, got {bad} NaN/inf entries")
    return arr


def as_matrix(
    x: Any, name: str, *, shape: Tuple[Optional[int], Optional[int]] = (None, None),
    allow_empty: bool = False,
) -> np.ndarray:
    """A finite 2-D float array; ``None`` in ``shape`` means any size."""
    arr = as_finite_array(x, name, ndim=2)
    for axis, want in enumerate(shape):
        if want is not None and arr.shape[axis] != want:
            raise ValueError(
                f"{name} must have shape {tuple('any' if s is None else s for s in shape)}, "
                f"got {arr.shape}"
            )
    if not allow_empty and arr.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    return arr


def as_vector(x: Any, name: str, *, size: Optional[int] = None) -> np.ndarray:
    """A finite 1-D float array of the given size (a (k, 1) column is accepted)."""
    arr = as_finite_array(x, name)
    if arr.ndim == 2 and 1 in arr.shape:
        arr = arr.reshape(-1)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a vector, got shape {arr.shape}")
    if size is not None and arr.shape[0] != size:
        raise ValueError(f"{name} must have length {size}, got {arr.shape[0]}")
    return arr


def as_labels(x: Any, name: str, *, size: Optional[int] = None) -> np.ndarray:
    """A non-empty 1-D array of labels (numbers or strings, sortable) of ``size`` entries."""
    if x is None or isinstance(x, (str, bytes)):
        raise TypeError(f"{name} must be an array of labels, got {_describe(x)}")
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be an array of labels, got {_describe(x)}: {exc}") from None
    if arr.dtype == object or np.iscomplexobj(arr) or not (
            np.issubdtype(arr.dtype, np.number) or arr.dtype.kind in "biuU"):
        raise TypeError(f"{name} must hold numbers or strings, got dtype {arr.dtype}")
    arr = arr.reshape(-1)
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty")
    if size is not None and arr.size != size:
        raise ValueError(f"{name} must have one entry per point ({size}), got {arr.size}")
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must not contain NaN/inf")
    return arr


def check_positive_int(x: Any, name: str, *, minimum: int = 1,
                       maximum: Optional[int] = None) -> int:
    if isinstance(x, bool) or not isinstance(x, numbers.Integral):
        raise TypeError(f"{name} must be an integer >= {minimum}, got {_describe(x)}")
    if x < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {x}")
    if maximum is not None and x > maximum:
        raise ValueError(f"{name} must be an integer <= {maximum}, got {x}")
    return int(x)


#: Largest seed every random generator used here accepts (scikit-learn's limit).
MAX_SEED = 2**32 - 1

#: Most hidden units a training problem accepts. Far beyond anything solvable (the
#: Θ-step's SDP has a PSD block of order 2h and h × h parameters: 80 GB at this h), it
#: keeps absurd sizes (h = 10**30) from reaching numpy and cvxpy as array shapes.
MAX_HIDDEN = 100_000


def check_nonneg_float(x: Any, name: str, *, positive: bool = False) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {_describe(x)}")
    val = float(x)
    if not np.isfinite(val):
        raise ValueError(f"{name} must be finite, got {val}")
    if positive and val <= 0:
        raise ValueError(f"{name} must be > 0, got {val}")
    if val < 0:
        raise ValueError(f"{name} must be >= 0, got {val}")
    return val


def check_real(x: Any, name: str) -> float:
    """A finite real number of any sign."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {_describe(x)}")
    val = float(x)
    if not np.isfinite(val):
        raise ValueError(f"{name} must be finite, got {val}")
    return val


def check_instance(x: Any, cls: type, name: str) -> Any:
    """``x`` is an instance of ``cls``."""
    if not isinstance(x, cls):
        raise TypeError(f"{name} must be a {cls.__name__}, got {type(x).__name__}")
    return x


def check_callable(x: Any, name: str, what: str = "callable") -> Any:
    """``x`` can be called."""
    if not callable(x):
        raise TypeError(f"{name} must be {what}, got {type(x).__name__}")
    return x


def check_real_value(x: Any, name: str, what: str) -> float:
    """The finite real number returned by a user's callable (``what`` names the call).

    A Python/numpy real or a one-element numeric array is accepted; bool, complex,
    strings, None, longer arrays and NaN/inf are refused naming ``name``.
    """
    val = x
    if isinstance(val, np.ndarray) and val.size == 1 and val.dtype.kind in "fiu":
        val = val.reshape(()).item()
    if isinstance(val, (bool, np.bool_)) or not isinstance(val, numbers.Real):
        raise TypeError(f"{name}: {what} must return a real number, got {_describe(x)}")
    out = float(val)
    if not np.isfinite(out):
        raise ValueError(f"{name}: {what} must return a finite number, got {out}")
    return out


def check_alternation_steps(steps: Any, name: str = "steps"):
    """A sequence of ``(name, callable)`` pairs with string names; returned as a list."""
    if isinstance(steps, (str, bytes, Mapping)) or not isinstance(steps, (list, tuple)):
        raise TypeError(f"{name} must be a list of (name, step) pairs, got {_describe(steps)}")
    out = []
    for i, item in enumerate(steps):
        if not (isinstance(item, (list, tuple)) and len(item) == 2):
            raise TypeError(f"{name}[{i}] must be a (name, step) pair, got {_describe(item)}")
        label, step = item
        if not isinstance(label, str):
            raise TypeError(f"{name}[{i}]: the step's name must be a str, got {_describe(label)}")
        if not callable(step):
            raise TypeError(f"{name}[{i}] ({label!r}): the step must be callable, "
                            f"got {type(step).__name__}")
        out.append((label, step))
    return out


def as_finite_constant(x: Any, name: str) -> np.ndarray:
    """A real, finite numeric constant (scalar or array) whose squares fit in float64."""
    arr = as_finite_array(x, name)
    return check_squares_finite(arr, name)


def check_reg_grid(grid: Any, name: str = "reg_grid") -> list:
    """A non-empty sequence of finite reals >= 0 (ridge candidates) -> list of floats."""
    if isinstance(grid, (str, bytes, Mapping)) or not isinstance(grid, Iterable):
        raise TypeError(f"{name} must be a sequence of numbers >= 0, got {_describe(grid)}")
    values = [check_nonneg_float(r, name) for r in grid]
    if not values:
        raise ValueError(f"{name} must not be empty")
    return values


def check_client(client: Any, name: str = "client") -> Any:
    """``None`` or a Dask ``distributed.Client`` (anything with scatter, submit and gather)."""
    if client is None:
        return None
    missing = [a for a in ("scatter", "submit", "gather") if not callable(getattr(client, a, None))]
    if missing:
        raise TypeError(f"{name} must be None or a dask distributed.Client, got "
                        f"{_describe(client)} (no {', '.join(missing)})")
    return client


def check_options(x: Any, name: str, allowed: Optional[Iterable[str]] = None) -> Dict[str, Any]:
    """``None`` or a dict of keyword options (string keys, all in ``allowed`` if given)."""
    if x is None:
        return {}
    if not isinstance(x, Mapping):
        raise TypeError(f"{name} must be a dict, got {type(x).__name__}")
    bad = [k for k in x if not isinstance(k, str)]
    if bad:
        raise TypeError(f"{name} must have string keys, got {bad!r}"[:200])
    if allowed is None:
        return dict(x)
    allowed = tuple(allowed)
    unknown = [k for k in x if k not in allowed]
    if unknown:
        raise ValueError(f"{name} has unknown keys {unknown!r}"[:200]
                         + f"; allowed: {', '.join(allowed)}")
    return dict(x)


def check_open_unit(x: Any, name: str) -> float:
    """A float strictly inside (0, 1)."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name} must be a real number in (0, 1), got {_describe(x)}")
    val = float(x)
    if not (0.0 < val < 1.0):
        raise ValueError(f"{name} must lie in the open interval (0, 1), got {val}")
    return val


def check_choice(x: Any, name: str, choices: Iterable[str], *, upper: bool = False) -> str:
    choices = tuple(choices)
    if not isinstance(x, str):
        raise TypeError(f"{name} must be one of {choices}, got {_describe(x)}")
    key = x.upper() if upper else x
    if key not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {x!r}")
    return key


def check_lam(lam: Any, hidden: int, name: str = "lam", *, positive: bool = False) -> np.ndarray:
    """λ: a nonnegative float or a length-``hidden`` nonnegative vector -> vector.

    With ``positive=True`` (training: :func:`idl_sdp.fit`, the two steps) λ must not be
    all zero: a scalar λ must be > 0 and a vector needs at least one λ_j > 0. At λ = 0
    the Fenchel term vanishes, X is no longer tied to the model and the Θ-step's LMI
    degenerates (its problem has no divergence variables left). Single units with
    λ_j = 0 are supported (that unit simply has no divergence term). Evaluating
    matrices or J (certify, :func:`idl_sdp.objective`, :func:`idl_sdp.convexity_matrix`)
    accepts any λ ≥ 0.
    """
    if isinstance(lam, bool):
        raise TypeError(f"{name} must be a nonnegative float or vector, got bool")
    if isinstance(lam, numbers.Real):
        val = check_nonneg_float(lam, name)
        if positive and val <= 0:
            raise ValueError(
                f"{name} must be > 0 (at λ = 0 the Fenchel term vanishes and the LMI "
                f"degenerates), got {val}")
        return np.full(hidden, val)
    arr = as_vector(lam, name, size=hidden)
    if np.any(arr < 0):
        raise ValueError(f"{name} must be nonnegative, got min {arr.min()!r}")
    if positive and not np.any(arr > 0):
        raise ValueError(
            f"{name} must be > 0 in at least one entry (at λ = 0 the Fenchel term "
            f"vanishes and the LMI degenerates), got all {arr.size} entries zero")
    return arr.copy()


def check_bool(x: Any, name: str) -> bool:
    """A real boolean (``bool`` or ``numpy.bool_``), not merely a truthy value."""
    if not isinstance(x, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool (True or False), got {_describe(x)}")
    return bool(x)


def check_squares_finite(arr: np.ndarray, name: str) -> np.ndarray:
    """Refuse a finite array whose squares (or their sum) overflow float64.

    Least-squares objectives square the data; ``1e200`` is finite but ``1e400`` is not,
    and the overflow would surface as ``inf`` or as a solver's "must be real".
    """
    if arr.size:
        with np.errstate(over="ignore", invalid="ignore"):
            big = float(np.max(np.abs(arr)))
            total = float(np.sum(np.square(arr / big))) * big * big if big > 0 else 0.0
        if not (np.isfinite(big * big) and np.isfinite(total)):
            raise ValueError(
                f"{name} is too large: the sum of its squared entries overflows float64 "
                f"(max |entry| = {big:.3g}); rescale {name}")
    return arr


def as_path(x: Any, name: str = "path") -> str:
    """A file path: ``str``, ``os.PathLike`` or ``bytes`` (decoded by ``os.fsdecode``)."""
    import os

    if isinstance(x, (bytes, bytearray)):
        x = bytes(x)
    try:
        if not isinstance(x, (str, bytes, os.PathLike)):
            raise TypeError
        path = os.fsdecode(os.fspath(x))
    except (TypeError, UnicodeDecodeError):
        raise TypeError(f"{name} must be a str, bytes or os.PathLike path, got {_describe(x)}") from None
    if not path or "\x00" in path:
        raise ValueError(f"{name} must be a non-empty path without NUL characters, got {path!r}")
    return path


def check_rows(arr: np.ndarray, rows: int, name: str, what: str) -> np.ndarray:
    """``arr`` (2-D) has ``rows`` rows; ``what`` says where that number comes from."""
    if arr.shape[0] != rows:
        raise ValueError(f"{name} must have {rows} rows ({what}), got shape {arr.shape}")
    return arr


def check_same_columns(arrays: Sequence[Tuple[str, np.ndarray]]) -> int:
    """All arrays have the same number of columns (samples); return it."""
    (first_name, first), *rest = arrays
    m = first.shape[1]
    for name, arr in rest:
        if arr.shape[1] != m:
            raise ValueError(
                f"{name} must have one column per sample like {first_name} "
                f"({m} columns), got shape {arr.shape}"
            )
    return m


def check_training_data(U: Any, Y: Any, hidden: Any, lam: Any):
    """Validate (U, Y, hidden, lam) of a training problem, one column per sample.

    Returns ``(U, Y, hidden, lam_vector)`` as float64 arrays and an int.
    """
    U = check_squares_finite(as_matrix(U, "U"), "U")
    Y = check_squares_finite(as_matrix(Y, "Y"), "Y")
    check_same_columns([("U", U), ("Y", Y)])
    hidden = check_positive_int(hidden, "hidden", maximum=MAX_HIDDEN)
    return U, Y, hidden, check_lam(lam, hidden, positive=True)


def check_bounds(lower: Any, upper: Any, size: int) -> Tuple[np.ndarray, np.ndarray]:
    """Box bounds ``lower ≤ x ≤ upper`` on a length-``size`` vector.

    Each bound is ``None`` (unbounded), a scalar or a length-``size`` vector; ``-inf``
    is allowed in ``lower`` and ``+inf`` in ``upper``, NaN nowhere. Returns two float
    vectors with ``lower ≤ upper`` checked entrywise.
    """
    out = []
    for value, name, free in ((lower, "lower", -np.inf), (upper, "upper", np.inf)):
        if value is None:
            out.append(np.full(size, free))
            continue
        if isinstance(value, (str, bytes, bool)):
            raise TypeError(f"{name} must be None, a real number or a vector, got {_describe(value)}")
        try:
            arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(
                f"{name} must be None, a real number or a vector, got {_describe(value)}"
            ) from None
        if arr.ndim == 0:
            arr = np.full(size, float(arr))
        elif arr.ndim != 1 or arr.shape[0] != size:
            raise ValueError(f"{name} must be a scalar or have length {size}, got shape {arr.shape}")
        if np.any(np.isnan(arr)) or np.any(arr == -free):
            raise ValueError(f"{name} must not contain NaN or {-free}, got {arr!r}"[:200])
        out.append(arr.copy())
    lo, hi = out
    if np.any(lo > hi):
        j = int(np.argmax(lo > hi))
        raise ValueError(f"lower must be <= upper, got lower[{j}] = {lo[j]} > upper[{j}] = {hi[j]}")
    return lo, hi


def as_probability_vector(x: Any, name: str, *, size: int, atol: float = 1e-9) -> np.ndarray:
    """A point of the probability simplex of dimension ``size`` (nonnegative, sums to 1)."""
    arr = as_vector(x, name, size=size)
    if np.any(arr < -atol) or abs(arr.sum() - 1.0) > atol * max(1, size):
        raise ValueError(
            f"{name} must lie in the probability simplex (entries >= 0, sum 1), "
            f"got min {arr.min():.3g} and sum {arr.sum():.12g}"
        )
    return np.clip(arr, 0.0, None) / np.clip(arr, 0.0, None).sum()


def check_feature_scale(U: np.ndarray, name: str = "U", max_ratio: float = 1e8) -> None:
    """Refuse features whose scales differ by more than ``max_ratio``.

    The conic solvers work to relative tolerances of about 1e-8; features whose
    standard deviations span more than that cannot all be resolved, and the solve
    fails late with an obscure status. Constant rows (std 0) are ignored.
    """
    std = U.std(axis=1)
    std = std[(std > 0) & (np.ptp(U, axis=1) > 0)]  # a constant row's std may round to > 0
    if std.size and std.max() > max_ratio * std.min():
        raise ValueError(
            f"{name} has rows (features) with standard deviations from {std.min():.1e} to "
            f"{std.max():.1e} (ratio > {max_ratio:.0e}); standardize the features first "
            "(ImplicitRegressor / ImplicitClassifier do so by default)"
        )


def check_finite_result(values: Any, what: str, inputs: str) -> None:
    """Refuse a NaN/inf computed from finite inputs: the inputs overflow float64.

    ``values`` is an array, a float or a sequence of them; ``what`` names the computed
    quantity and ``inputs`` the arguments it came from (named in the message, which
    asks to rescale them). Keeps a silently non-finite answer from being returned.
    """
    parts = values if isinstance(values, (tuple, list)) else (values,)
    with np.errstate(all="ignore"):
        if all(np.all(np.isfinite(np.asarray(v, dtype=float))) for v in parts):
            return
    raise ValueError(
        f"{what} is not finite: {inputs} are too large (or too small) for float64 "
        f"arithmetic; rescale {inputs}"
    )
