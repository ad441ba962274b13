"""A teaching gallery of least-squares and biconvex problems.

* :func:`diagonal_least_squares` — min_s ½‖A diag(s) Bᵀ − C‖²_F (convex), four methods.
* :func:`hadamard_least_squares` — min_{u,v} ‖y − (A u)∘(B v)‖² (biconvex), four methods,
  including lifted OLS + SVD, which is not optimal in general (:data:`COUNTEREXAMPLE`).
* :mod:`idl_sdp.lsq.biconvex` — rank-one approximation, Haverly's pooling problems and
  bilinear programs over simplices, alternated by :func:`idl_sdp.alternate`.

Every ``residual`` here is a squared norm ‖r‖² without a factor ½.
"""
from ._result import BiconvexResult, DiagonalResult, HadamardResult, LSQResult
from .biconvex import (
    POOLING_FLOWS, PoolingInstance, bilinear_simplex, haverly, pooling_alternate,
    pooling_grid_search, pooling_violation, rank_one_als,
)
from .diagonal import (
    DIAGONAL_METHODS, RankDeficientWarning, coordinate_update, diagonal_gram,
    diagonal_least_squares, seed_coordinate_update,
)
from .hadamard import (
    COUNTEREXAMPLE, HADAMARD_METHODS, hadamard_least_squares, hadamard_residual,
    khatri_rao_rows, normalize_pair,
)

__all__ = [
    "BiconvexResult", "COUNTEREXAMPLE", "DIAGONAL_METHODS", "DiagonalResult",
    "HADAMARD_METHODS", "HadamardResult", "LSQResult", "POOLING_FLOWS", "PoolingInstance",
    "RankDeficientWarning", "bilinear_simplex", "coordinate_update", "diagonal_gram",
    "diagonal_least_squares", "hadamard_least_squares", "hadamard_residual", "haverly",
    "khatri_rao_rows", "normalize_pair", "pooling_alternate", "pooling_grid_search",
    "pooling_violation", "rank_one_als", "seed_coordinate_update",
]
