"""Result records shared by the least-squares and biconvex gallery solvers."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from .._repr import result_repr

__all__ = ["LSQResult", "DiagonalResult", "HadamardResult", "BiconvexResult"]


@dataclass(kw_only=True)
class LSQResult:
    """Fields common to every least-squares solver here.

    Attributes
    ----------
    method : str
        The method that produced the result.
    residual : float
        The squared residual norm ‖r‖² (no factor ½), evaluated directly from the
        returned solution.
    history : list of dict
        One record per iteration (round); every record has ``objective``, the value
        of the function the method minimises, evaluated after that iteration.
        Direct methods (``normal``, ``lifted_svd``, ``cvxpy``, ``convex``) have one record.
    n_iter : int
        Iterations (rounds) for iterative methods, solver iterations for cvxpy.
    seconds : float
        Wall-clock time of the whole call.
    converged : bool
        Whether the stopping rule was met (always True for direct methods; False until
        a solver sets it).
    message : str
        Why the method stopped.
    info : dict
        Method-specific details (solver status, rank, ...).
    """

    method: str
    residual: float
    history: List[Dict[str, Any]] = field(default_factory=list)
    n_iter: int = 0
    seconds: float = 0.0
    converged: bool = False
    message: str = ""
    info: Dict[str, Any] = field(default_factory=dict)

    def _repr_fields(self) -> List[Tuple[str, Any]]:
        return [("converged", self.converged), ("message", self.message),
                ("residual", self.residual),
                ("n_iter", self.n_iter), ("seconds", self.seconds)]

    def __repr__(self) -> str:
        return result_repr(type(self).__name__, self._repr_fields() + [
            ("history", self.history), ("info", self.info)], head=[("method", self.method)])


@dataclass(kw_only=True, repr=False)
class DiagonalResult(LSQResult):
    """Result of :func:`idl_sdp.lsq.diagonal_least_squares`.

    Attributes
    ----------
    s : ndarray, shape (k,)
        The diagonal.
    objective : float
        ½‖A diag(s) Bᵀ − C‖²_F, i.e. ``residual / 2``.
    """

    s: np.ndarray
    objective: float

    def _repr_fields(self) -> List[Tuple[str, Any]]:
        return super()._repr_fields() + [("objective", self.objective), ("s", self.s)]


@dataclass(kw_only=True, repr=False)
class HadamardResult(LSQResult):
    """Result of :func:`idl_sdp.lsq.hadamard_least_squares`.

    Attributes
    ----------
    u, v : ndarray
        The factors, normalised so that ‖u‖ = ‖v‖ and the largest-magnitude entry
        of ``u`` is positive (see :func:`idl_sdp.lsq.normalize_pair`).
    exact : bool or None
        ``convex`` only: True when the relaxation certifies (numerically) that
        (u, v) is a global minimiser; None for the other methods.
    singular_values : ndarray or None
        ``lifted_svd`` and ``convex``: singular values of the lifted matrix W.
    """

    u: np.ndarray
    v: np.ndarray
    exact: Optional[bool] = None
    singular_values: Optional[np.ndarray] = None

    def _repr_fields(self) -> List[Tuple[str, Any]]:
        return super()._repr_fields() + [("exact", self.exact), ("u", self.u), ("v", self.v)]

    @property
    def product(self) -> np.ndarray:
        """The scale-free rank-one matrix u vᵀ."""
        return np.outer(self.u, self.v)


@dataclass(kw_only=True)
class BiconvexResult:
    """Result of the textbook biconvex problems in :mod:`idl_sdp.lsq.biconvex`.

    Attributes
    ----------
    problem : str
        Which problem.
    objective : float
        Final value of the minimised objective.
    blocks : dict
        The final blocks (e.g. ``{"u": ..., "v": ...}``).
    history : list of dict
        The round records of :func:`idl_sdp.alternate`.
    n_iter : int
        Rounds run.
    seconds : float
        Wall-clock time.
    converged : bool
        Whether the driver's stopping rule fired (as opposed to running out of rounds).
    message : str
    info : dict
        Problem-specific facts (certificates, profit, global value, ...).
    """

    problem: str
    objective: float
    blocks: Dict[str, Any]
    history: List[Dict[str, Any]] = field(default_factory=list)
    n_iter: int = 0
    seconds: float = 0.0
    converged: bool = False
    message: str = ""
    info: Dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return result_repr("BiconvexResult", head=[("problem", self.problem)], fields=[
            ("converged", self.converged),
            ("message", self.message), ("objective", self.objective),
            ("n_iter", self.n_iter), ("seconds", self.seconds),
            ("blocks", {k: getattr(v, "shape", v) for k, v in self.blocks.items()}),
            ("history", self.history), ("info", self.info)])
