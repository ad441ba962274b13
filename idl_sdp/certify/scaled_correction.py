r"""A dual point moved onto its equations *relative to itself*, so that it stays in K*.

A solver's dual point ỹ lies inside K* but misses Aᵀy = c by a residual r of about the
solver's tolerance. The exact correction of :mod:`~idl_sdp.certify.bounds` moves it by
the least-norm A w (‖A w‖ ≈ ‖r‖/σ_min(A)), which pushes the tiny eigenvalues of an
optimal (rank-deficient) Y out of the cone: ỹ's room is about the complementarity
μ/λ_max(S), far below ‖r‖. The usual remedy is a re-solve of a perturbed problem, which
costs about one more solve.

Here the move is measured in the metric of ỹ itself (the Nesterov–Todd idea): with W the
cone's quadratic representation at ỹ — Δ ↦ Ỹ Δ Ỹ on a PSD block, y_i² Δ_i on a
nonnegative entry, Q_ỹ = 2ỹỹᵀ − (ỹᵀJỹ)J on a second-order block (J = diag(1, −1, …)) —
take Δ = W(A_K w) with (A_Kᵀ W A_K) w = r. Then on a PSD block
Ỹ + Δ = Ỹ^{1/2}(I + Ỹ^{1/2} Z Ỹ^{1/2})Ỹ^{1/2} with Z = (A_K w) restricted to the block,
which stays PSD as long as the relative change Ỹ^{1/2}ZỸ^{1/2} is below 1 in norm,
however small λ_min(Ỹ) is (and likewise for the other cones). Its value changes by
bᵀΔ = ⟨s*, Δ⟩ − x*ᵀr ≈ −x*ᵀr: the part ⟨s*, ỸZỸ⟩ vanishes with ỸS* ≈ 0, and −x*ᵀr
is the price of the residual that every correction pays.

All of this is floating point: it only *chooses* the point. The proof is the exact one
of :func:`~idl_sdp.certify.bounds.prove_lower` on the result (whose own residual is
then at rounding level, so the exact correction needs almost no room).
"""
from __future__ import annotations

import warnings
from typing import Optional, Sequence

import numpy as np
import scipy.linalg
import scipy.sparse as sp

from ..conic.form import ConicForm
from ..conic.margins import cone_layout

__all__ = ["scaled_dual_point"]

#: Largest dense (rows of y) × (kept equations) array the correction builds (8 bytes each).
MAX_ENTRIES = 4e7


class _RootMetric:
    """W^{1/2} at y, block by block: Ỹ^{1/2}·Ỹ^{1/2} (PSD), y_i (nonnegative), Q_y^{1/2}
    (second-order), √(free weight) (zero rows: the dual is free there)."""

    def __init__(self, form: ConicForm, y: np.ndarray, free_weight: float):
        self.layout = layout = cone_layout(form)
        self.y = y
        self.free = np.sqrt(free_weight)
        self.roots = {}
        for kind, k, r0 in layout.blocks:
            if kind == "psd":
                w, V = np.linalg.eigh(y[r0:r0 + k * k].reshape(k, k, order="F"))
                self.roots[r0] = (V * np.sqrt(np.maximum(w, 0.0))) @ V.T
            elif kind == "soc":
                t = y[r0:r0 + k]
                J = np.diag(np.concatenate(([1.0], -np.ones(k - 1))))
                Q = 2.0 * np.outer(t, t) - float(t @ J @ t) * J
                w, V = np.linalg.eigh(0.5 * (Q + Q.T))
                self.roots[r0] = (V * np.sqrt(np.maximum(w, 0.0))) @ V.T

    def apply(self, rows: np.ndarray, vals: np.ndarray, size: int) -> np.ndarray:
        """W^{1/2} of the sparse vector (rows, vals), densely (PSD parts symmetrized)."""
        layout = self.layout
        out = np.zeros(size)
        if rows.size == 0:
            return out
        which = np.searchsorted(layout.starts, rows, side="right") - 1
        free = which < 0
        out[rows[free]] = self.free * vals[free]
        for blk in np.unique(which[~free]):
            kind, k, r0 = layout.blocks[blk]
            sel = which == blk
            r, x = rows[sel] - r0, vals[sel]
            if kind == "nonneg":
                out[r0 + r] = self.y[r0 + r] * x
            elif kind == "soc":
                v = np.zeros(k)
                v[r] = x
                out[r0:r0 + k] = self.roots[r0] @ v
            else:
                R = self.roots[r0]
                i, j = r % k, r // k                 # column-major: row i, column j
                # R sym(V) R through the rows and columns V touches only
                idx = np.unique(np.concatenate((i, j)))
                pos = np.searchsorted(idx, i), np.searchsorted(idx, j)
                V = np.zeros((idx.size, idx.size))
                np.add.at(V, pos, 0.5 * x)
                np.add.at(V, (pos[1], pos[0]), 0.5 * x)
                RI = R[:, idx]
                P = RI @ V @ RI.T
                out[r0:r0 + k * k] = (0.5 * (P + P.T)).ravel(order="F")
        return out

    def apply_dense(self, z: np.ndarray) -> np.ndarray:
        rows = np.flatnonzero(z)
        return self.apply(rows, z[rows], z.shape[0])


def scaled_dual_point(form: ConicForm, y: np.ndarray, keep: Sequence[int],
                      sweeps: int = 3) -> Optional[np.ndarray]:
    """ỹ (already in K*, e.g. clipped) moved onto the kept equations A_Kᵀy = c_K by the
    scaled correction of the module docstring; None when it does not apply.

    The system (A_Kᵀ W A_K) w = r is solved as the least-norm z with Bᵀz = r,
    B = W^{1/2}A_K, through a QR factorization of B (Δ = W^{1/2} z): the condition
    number that matters is then κ(B) = √κ(A_KᵀWA_K), which is what makes the solve
    accurate while λ_min(Ỹ) is tiny.

    Parameters
    ----------
    form : ConicForm
    y : ndarray
        A dual point inside K* (its PSD blocks symmetric).
    keep : sequence of int
        The equations (columns of A) to satisfy: those kept by
        :meth:`~idl_sdp.certify.bounds.ExactForm.equations`.
    sweeps : int
        Refinement steps with the same factorization (the best iterate is kept).

    Returns
    -------
    ndarray or None
        None when the system is too large (:data:`MAX_ENTRIES`), rank-deficient in W's
        metric, or the correction does not reduce the residual.
    """
    keep = list(keep)
    if not keep:
        return None
    rows = form.A.shape[0]
    if rows * len(keep) > MAX_ENTRIES or not np.all(np.isfinite(y)):
        return None
    layout = cone_layout(form)
    cone_part = np.abs(y[int(layout.starts[0]):]) if layout.starts.size else np.abs(y)
    root = _RootMetric(form, y, max(1.0, float(np.max(cone_part, initial=0.0))) ** 2)
    A = sp.csc_array(form.A)[:, keep]
    A.sort_indices()
    c = form.c[keep]
    B = np.empty((rows, len(keep)))
    for n in range(len(keep)):
        a, b = A.indptr[n], A.indptr[n + 1]
        B[:, n] = root.apply(A.indices[a:b], A.data[a:b], rows)
    if not np.all(np.isfinite(B)):
        return None
    Q, R = np.linalg.qr(B)
    diag = np.abs(np.diag(R))
    if diag.size == 0 or float(np.min(diag)) <= 1e-14 * float(np.max(diag)):
        return None                    # some equation is invisible in W's metric
    best, r_best = np.array(y, dtype=float), float(np.linalg.norm(c - A.T @ y))
    r_first = r_best
    out = best
    for _ in range(max(1, sweeps)):
        r = c - A.T @ out
        u = scipy.linalg.solve_triangular(R, r, trans="T", check_finite=False)
        out = out + root.apply_dense(Q @ u)
        # the same float operations can round the two copies (i, j), (j, i) of a PSD
        # entry differently inside a matrix product: keep each block exactly symmetric
        for k, idx in layout.psd.items():
            out[idx] = layout.psd_stack(out, k).reshape(len(idx), k * k)
        if not np.all(np.isfinite(out)):
            break
        res = float(np.linalg.norm(c - A.T @ out))
        if res < r_best:
            best, r_best = out, res
    return best if r_best < r_first else None
