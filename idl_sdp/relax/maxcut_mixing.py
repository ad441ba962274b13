"""The mixing method for the max-cut Burer–Monteiro problem, vectorised by graph colouring.

For ``V ∈ R^{n×r}`` with unit rows ``v_i``, the factored max-cut SDP maximises
``¼⟨L, VVᵀ⟩ = ¼ Σ_ij W_ij (1 − v_i·v_j)`` (sum over ordered pairs), i.e. it minimises
``f(V) = ½ Σ_ij W_ij v_i·v_j``. With every other row fixed, ``f`` is
linear in ``v_i``, ``f = v_i·g_i + const`` with ``g_i = Σ_j W_ij v_j = (WV)_i``, and its
minimiser on the unit sphere is::

    v_i ← −g_i / ‖g_i‖          (if g_i ≠ 0; otherwise v_i is left unchanged).

The mixing method of Wang, Chang & Kolter ("The mixing method: low-rank coordinate descent
for semidefinite programming with diagonal constraints", 2017) cycles this update over the
vertices; each update never increases ``f``. Vertices that are not adjacent do not enter
each other's ``g_i``, so all the vertices of one colour class of a proper vertex colouring
can be updated at once, exactly as the sequential method would: one sparse product
``W[C] @ V`` per class. A toroidal grid is 2-colourable; a greedy colouring uses at most
``max degree + 1`` colours.
"""
from __future__ import annotations

from typing import List, Tuple

import numpy as np
import scipy.sparse as sp

__all__ = ["greedy_colouring", "colour_classes", "mixing_sweeps"]


def greedy_colouring(W: sp.spmatrix) -> np.ndarray:
    """A proper vertex colouring by the greedy rule, vertices in order of decreasing degree.

    Parameters
    ----------
    W : scipy.sparse matrix, shape (n, n)
        Symmetric; ``i`` and ``j`` are adjacent when ``W_ij ≠ 0``.

    Returns
    -------
    ndarray of int, shape (n,)
        ``colour[i] ∈ {0, …, k−1}`` with ``colour[i] ≠ colour[j]`` for every edge; ``k`` is
        at most the largest degree plus one (Welsh & Powell 1967).
    """
    A = sp.csr_matrix(W)
    n = A.shape[0]
    indptr, indices = A.indptr, A.indices
    colour = np.full(n, -1, dtype=np.int64)
    order = np.argsort(-np.diff(indptr), kind="stable")
    for i in order.tolist():
        nb = colour[indices[indptr[i]:indptr[i + 1]]]
        used = np.zeros(len(nb) + 2, dtype=bool)
        nb = nb[(nb >= 0) & (nb < len(used))]
        used[nb] = True
        colour[i] = int(np.argmin(used))   # the smallest colour no neighbour has
    return colour


def colour_classes(W: sp.spmatrix) -> List[Tuple[np.ndarray, sp.csr_matrix]]:
    """The colour classes ``C`` of :func:`greedy_colouring` with the row blocks ``W[C]``."""
    A = sp.csr_matrix(W)
    colour = greedy_colouring(A)
    out = []
    for c in range(int(colour.max(initial=-1)) + 1):
        C = np.flatnonzero(colour == c)
        out.append((C, A[C]))
    return out


def mixing_sweeps(classes: List[Tuple[np.ndarray, sp.csr_matrix]], V: np.ndarray,
                  sweeps: int) -> np.ndarray:
    """``sweeps`` passes of the mixing update ``v_i ← −(WV)_i/‖(WV)_i‖``, one colour
    class at a time (in place on a copy of ``V``; returns it).

    Rows with ``(WV)_i = 0`` (an isolated vertex, or one whose neighbours cancel) are
    kept: any unit vector is then optimal for that row.
    """
    V = np.array(V, dtype=float, copy=True)
    for _ in range(sweeps):
        for C, B in classes:
            G = B @ V
            nrm = np.linalg.norm(G, axis=1)
            ok = nrm > 0
            if np.all(ok):
                V[C] = G / (-nrm[:, None])
            else:
                V[C[ok]] = G[ok] / (-nrm[ok, None])
    return V
