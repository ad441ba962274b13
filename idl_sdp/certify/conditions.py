r"""The matrices whose positive semidefiniteness is certified, formed *exactly*.

Each condition is built in exact rational arithmetic from the stored float entries
of ``A``, ``D``, ``λ`` (and ``eps``, ``A_ref``) — never from floating-point products —
so the certified matrix is exactly the one the model defines.

======================  ===========================================================
``which``               matrix required to be PSD (``≻ 0`` for ``"wellposed"``)
======================  ===========================================================
``"M"``                 M = AᵀA + Λ − ΛD − DᵀΛ  (the X-step is convex iff M ⪰ 0)
``"linearized"``        Λ − ΛD − DᵀΛ + A_kᵀA + AᵀA_k − A_kᵀA_k  (A_k = ``A_ref``)
``"eq5"``               Λ − ΛD − DᵀΛ
``"schur"``             [[I_p, A], [Aᵀ, Λ − ΛD − DᵀΛ]]  (sign-corrected Schur form)
``"norm"``              [[(1−ε)I, D], [Dᵀ, (1−ε)I]]  ⇔  ‖D‖₂ ≤ 1 − ε
``"wellposed"``         I − DᵀD ≻ 0  ⇔  ‖D‖₂ < 1 (the equilibrium map is a contraction)
======================  ===========================================================
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Tuple

import numpy as np

from .._validation import as_matrix, check_choice, check_lam, check_nonneg_float
from .rational import ExactMatrix, dyadic_ints

__all__ = ["CONDITIONS", "CONDITION_TEXT", "ConditionMatrix", "build_condition",
           "matrix_condition", "lmi_condition", "lmi_statement"]

#: The conditions :func:`build_condition` knows, in the order ``which="all"`` uses.
CONDITIONS = ("M", "linearized", "eq5", "schur", "norm", "wellposed")

#: Human-readable statement of each condition.
CONDITION_TEXT = {
    "M": "M = AᵀA + Λ − ΛD − DᵀΛ ⪰ 0",
    "linearized": "Λ − ΛD − DᵀΛ + A_kᵀA + AᵀA_k − A_kᵀA_k ⪰ 0",
    "eq5": "Λ − ΛD − DᵀΛ ⪰ 0",
    "schur": "[[I_p, A], [Aᵀ, Λ − ΛD − DᵀΛ]] ⪰ 0",
    "norm": "‖D‖₂ ≤ 1 − eps ⇔ [[(1 − eps)I, D], [Dᵀ, (1 − eps)I]] ⪰ 0",
    "wellposed": "‖D‖₂ < 1 ⇔ I − DᵀD ≻ 0 (the equilibrium map x ↦ (Dx + Eu + f)₊ "
                 "is a contraction)",
    "matrix": "matrix ⪰ 0",
    "matrix-strict": "matrix ≻ 0",
    "lmi": "F(x) = F₀ + Σᵢ xᵢFᵢ ⪰ 0",
    "lmi-strict": "F(x) = F₀ + Σᵢ xᵢFᵢ ≻ 0",
}


def lmi_statement(label: str, strict: bool, n: int, m: int) -> str:
    """The statement of a user LMI, rebuilt the same way by the verifier."""
    return (f"{label}: {CONDITION_TEXT['lmi-strict' if strict else 'lmi']} "
            f"(order {n}, {m} variables)")


@dataclass
class ConditionMatrix:
    """An exactly formed matrix together with what its definiteness means.

    Attributes
    ----------
    which : str
        The condition key (see :data:`CONDITIONS`, or ``"matrix"``).
    condition : str
        The condition as a human-readable string.
    matrix : ExactMatrix
        The symmetric rational matrix that must be PSD (PD when ``strict``).
    strict : bool
        Whether strict definiteness (``≻ 0``) is required.
    source : dict
        The float inputs (as ``float.hex`` strings) the matrix was formed from, so
        that a verifier can rebuild it independently: exactly the inputs of
        ``which`` (``A``, ``D``, ``lam``, ``eps``, ``A_ref`` when given, or ``matrix``).
    """

    which: str
    condition: str
    matrix: ExactMatrix
    strict: bool = False
    source: Dict[str, Any] = field(default_factory=dict)


def _hex(arr: np.ndarray) -> Any:
    a = np.asarray(arr, dtype=float)
    if a.ndim == 0:
        return float(a).hex()
    return [_hex(x) for x in a]


class _Sum:
    """Accumulate ``Σ ± ints / 2^k`` terms into one :class:`ExactMatrix`."""

    def __init__(self, shape: Tuple[int, int]):
        self.shape = shape
        self.terms: List[Tuple[np.ndarray, int]] = []

    def add(self, ints: np.ndarray, k: int, sign: int = 1, at: Tuple[int, int] = (0, 0)):
        full = np.zeros(self.shape, dtype=object)
        full[:] = 0
        r, c = at
        full[r:r + ints.shape[0], c:c + ints.shape[1]] = ints * sign
        self.terms.append((full, k))

    def result(self) -> ExactMatrix:
        K = max((k for _, k in self.terms), default=0)
        total = np.zeros(self.shape, dtype=object)
        total[:] = 0
        for ints, k in self.terms:
            total = total + ints * (1 << (K - k))
        return ExactMatrix(total, 1 << K)


def _eye(n: int) -> np.ndarray:
    out = np.zeros((n, n), dtype=object)
    out[:] = 0
    for i in range(n):
        out[i, i] = 1
    return out


def _core_terms(acc: _Sum, D: np.ndarray, lam: np.ndarray, at: Tuple[int, int] = (0, 0)):
    """Add Λ − ΛD − DᵀΛ at block offset ``at``."""
    NL, kl = dyadic_ints(lam)
    ND, kd = dyadic_ints(D)
    h = len(lam)
    Lam = np.zeros((h, h), dtype=object)
    Lam[:] = 0
    for i in range(h):
        Lam[i, i] = NL[i]
    LD = NL[:, None] * ND  # (Λ D) · 2^(kl+kd)
    acc.add(Lam, kl, 1, at)
    acc.add(LD, kl + kd, -1, at)
    acc.add(LD.T, kl + kd, -1, at)


def build_condition(
    model: Any, which: str, lam: Any = None, eps: Any = None, A_ref: Any = None,
) -> ConditionMatrix:
    """Form the exact matrix of condition ``which`` for an :class:`~idl_sdp.ImplicitModel`.

    Parameters
    ----------
    model : ImplicitModel
    which : {"M", "linearized", "eq5", "schur", "norm", "wellposed"}
    lam : float or array_like of shape (h,), optional
        Nonnegative multipliers λ; required by ``"M"``, ``"linearized"``, ``"eq5"``
        and ``"schur"``.
    eps : float, optional
        ``0 ≤ eps < 1``; required by ``"norm"``.
    A_ref : array_like of shape (p, h), optional
        The reference ``A_k`` of the linearized LMI (default: ``model.A``, where the
        linearized matrix equals M).

    Returns
    -------
    ConditionMatrix
    """
    which = check_choice(which, "which", CONDITIONS)
    A, D = model.A, model.D
    p, h = A.shape
    source: Dict[str, Any] = {}
    if which in ("M", "linearized", "eq5", "schur"):
        if lam is None:
            raise ValueError(f"lam is required for which={which!r} (a nonnegative float "
                             f"or a length-{h} vector)")
        lam = check_lam(lam, h)
        source["lam"] = _hex(lam)
        source["D"] = _hex(D)
    text = CONDITION_TEXT[which]
    if which == "M":
        acc = _Sum((h, h))
        NA, ka = dyadic_ints(A)
        acc.add(NA.T @ NA, 2 * ka)
        _core_terms(acc, D, lam)
        source["A"] = _hex(A)
    elif which == "linearized":
        Ak = A if A_ref is None else as_matrix(A_ref, "A_ref", shape=(p, h))
        acc = _Sum((h, h))
        _core_terms(acc, D, lam)
        NA, ka = dyadic_ints(A)
        NK, kk = dyadic_ints(Ak)
        cross = NK.T @ NA
        acc.add(cross, ka + kk)
        acc.add(cross.T, ka + kk)
        acc.add(NK.T @ NK, 2 * kk, -1)
        source["A"] = _hex(A)
        if A_ref is not None:  # absent: A_k is the model's A (so the verifier knows)
            source["A_ref"] = _hex(Ak)
        text += " (A_k = the model's A)" if A_ref is None else " (A_k = A_ref)"
    elif which == "eq5":
        acc = _Sum((h, h))
        _core_terms(acc, D, lam)
    elif which == "schur":
        acc = _Sum((p + h, p + h))
        acc.add(_eye(p), 0)
        NA, ka = dyadic_ints(A)
        acc.add(NA, ka, 1, (0, p))
        acc.add(NA.T, ka, 1, (p, 0))
        _core_terms(acc, D, lam, (p, p))
        source["A"] = _hex(A)
    elif which == "norm":
        if eps is None:
            raise ValueError("eps is required for which='norm' (0 <= eps < 1)")
        eps = check_nonneg_float(eps, "eps")
        if eps >= 1:
            raise ValueError(f"eps must satisfy 0 <= eps < 1, got {eps}")
        acc = _Sum((2 * h, 2 * h))
        ne, ke = dyadic_ints(np.array([eps]))
        t = (1 << ke) - ne[0]  # (1 − eps)·2^ke
        acc.add(_eye(h) * t, ke, 1, (0, 0))
        acc.add(_eye(h) * t, ke, 1, (h, h))
        ND, kd = dyadic_ints(D)
        acc.add(ND, kd, 1, (0, h))
        acc.add(ND.T, kd, 1, (h, 0))
        source["D"], source["eps"] = _hex(D), float(eps).hex()
        text = f"{text} (eps = {eps!r})"
    else:  # wellposed
        acc = _Sum((h, h))
        acc.add(_eye(h), 0)
        ND, kd = dyadic_ints(D)
        acc.add(ND.T @ ND, 2 * kd, -1)
        source["D"] = _hex(D)
    return ConditionMatrix(which, text, acc.result(), which == "wellposed", source)


def matrix_condition(matrix: Any, name: str = "matrix", strict: bool = False) -> ConditionMatrix:
    """A plain symmetric float matrix, certified as given (``⪰ 0``, or ``≻ 0`` if strict).

    Raises
    ------
    TypeError, ValueError
        Naming ``name`` for a non-numeric, non-finite, non-square or non-symmetric
        argument (symmetry is required exactly: the certified matrix is the one given).
    """
    M = as_matrix(matrix, name)
    if M.shape[0] != M.shape[1]:
        raise ValueError(f"{name} must be square, got shape {M.shape}")
    if not np.array_equal(M, M.T):
        i, j = np.argwhere(M != M.T)[0]
        raise ValueError(
            f"{name} must be exactly symmetric, but {name}[{i},{j}] = {M[i, j]!r} != "
            f"{name}[{j},{i}] = {M[j, i]!r} (symmetrise it first, e.g. (M + M.T) / 2)"
        )
    key = "matrix-strict" if strict else "matrix"
    return ConditionMatrix("matrix", CONDITION_TEXT[key], ExactMatrix.from_floats(M), strict,
                           {"matrix": _hex(M)})


def lmi_condition(F0: Any, F: Any, x: Any, label: str = "F(x)",
                  strict: bool = False) -> ConditionMatrix:
    """The user's LMI F(x) = F₀ + Σᵢ xᵢFᵢ, formed *exactly* from the given floats.

    Parameters
    ----------
    F0 : array_like (n, n)
        Exactly symmetric.
    F : sequence of array_like (n, n), or array_like (m, n, n)
        Exactly symmetric each.
    x : array_like (m,)
        The point (e.g. a solver's values).
    label : str
        The user's name for the LMI, part of the certified statement.
    strict : bool
        Certify ≻ 0 instead of ⪰ 0.

    Raises
    ------
    TypeError, ValueError
        Naming the argument: non-numeric or non-finite entries, shapes that disagree,
        non-symmetric matrices, an empty or non-string label.
    """
    if not isinstance(label, str) or not label.strip() or len(label) > 200:
        raise ValueError(f"label must be a non-empty string of at most 200 characters, "
                         f"got {label!r}")
    if not isinstance(strict, (bool, np.bool_)):
        raise TypeError(f"strict must be a bool, got {type(strict).__name__}")
    F0 = as_matrix(F0, "F0")
    n = F0.shape[0]
    if F0.shape != (n, n):
        raise ValueError(f"F0 must be square, got shape {F0.shape}")
    try:
        Fs = np.asarray(F, dtype=float)
    except (TypeError, ValueError):
        raise TypeError("F must be a sequence of numeric (n, n) matrices") from None
    if Fs.ndim == 2 and Fs.size == 0:
        Fs = Fs.reshape(0, n, n)
    if Fs.ndim != 3 or Fs.shape[1:] != (n, n):
        raise ValueError(f"F must have shape (m, {n}, {n}) like F0, got {Fs.shape}")
    if not np.all(np.isfinite(Fs)):
        raise ValueError("F has non-finite entries")
    xv = np.asarray(x, dtype=float).ravel() if np.ndim(x) else np.asarray([x], dtype=float)
    if xv.shape != (Fs.shape[0],):
        raise ValueError(f"x must have {Fs.shape[0]} entries (one per F_i), got {xv.size}")
    if not np.all(np.isfinite(xv)):
        raise ValueError("x has non-finite entries")
    for name, Mi in [("F0", F0)] + [(f"F[{i}]", Fs[i]) for i in range(Fs.shape[0])]:
        if not np.array_equal(Mi, Mi.T):
            raise ValueError(f"{name} must be exactly symmetric")
    # exact: every product x_i·F_i[j, k] and the sum are formed over the integers
    N0, k0 = dyadic_ints(F0)
    NF, kF = dyadic_ints(Fs)
    Nx, kx = dyadic_ints(xv)
    k = max(k0, kF + kx)
    acc = np.empty((n, n), dtype=object)
    for a in range(n):
        for b in range(n):
            v = int(N0[a, b]) << (k - k0)
            sh = k - kF - kx
            for i in range(Fs.shape[0]):
                if NF[i, a, b] and Nx[i]:
                    v += (int(NF[i, a, b]) * int(Nx[i])) << sh
            acc[a, b] = v
    M = ExactMatrix(acc.tolist(), 1 << k)
    source = {"F0": _hex(F0), "F": [_hex(Fi) for Fi in Fs], "x": [float(v).hex() for v in xv],
              "label": label}
    return ConditionMatrix("lmi", lmi_statement(label, bool(strict), n, Fs.shape[0]), M,
                           bool(strict), source)
