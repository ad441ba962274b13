r"""Batched floating-point cone tests of a :class:`~idl_sdp.conic.form.ConicForm`.

How far a vector v lies inside K = {0}^z × R₊^l × SOC × … × PSD × …: its smallest
nonnegative entry, t − ‖u‖ per second-order block and λ_min of the symmetric part per
PSD block. These are *filters and estimates* (which point to prove, how far to move
it); every proof is made in exact arithmetic elsewhere.

Why batched: a problem such as SDPLIB's truss7 has 151 PSD blocks of order 2, and a
search (the blend's bisection, the column filter) asks for the margin dozens of times;
one ``eigvalsh`` call per block and per ask cost more than the solve. Blocks of the
same order are stacked and decomposed in one call instead.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple

import numpy as np
import scipy.sparse as sp

from .._objcache import derived
from .form import ConicForm

__all__ = ["ConeLayout", "cone_layout", "cone_margin"]

#: Unit roundoff of IEEE double precision.
_U = 2.0 ** -53


class ConeLayout:
    """The cone blocks of a form, grouped so that each kind and order is one array op.

    Attributes
    ----------
    nonneg : ndarray of int
        The rows of all nonnegative blocks.
    soc : dict
        order q → (number of blocks, q) array of row indices (head first).
    psd : dict
        order n → (number of blocks, n²) array of row indices (column-major vec).
    blocks : list of (kind, size, first row)
        Every cone block that is not a zero block, in row order.
    """

    def __init__(self, form: ConicForm):
        offs = form.offsets()
        self.blocks = [(kind, k, r0) for kind, k, r0 in offs if kind != "zero"]
        nonneg = [np.arange(r0, r0 + k) for kind, k, r0 in offs if kind == "nonneg"]
        self.nonneg = np.concatenate(nonneg) if nonneg else np.zeros(0, dtype=np.int64)
        soc: Dict[int, List[int]] = {}
        psd: Dict[int, List[int]] = {}
        for kind, k, r0 in offs:
            if kind == "soc":
                soc.setdefault(k, []).append(r0)
            elif kind == "psd":
                psd.setdefault(k, []).append(r0)
        self.soc = {k: np.asarray(r0s)[:, None] + np.arange(k)[None, :]
                    for k, r0s in soc.items()}
        self.psd = {k: np.asarray(r0s)[:, None] + np.arange(k * k)[None, :]
                    for k, r0s in psd.items()}
        self.starts = np.array([r0 for _, _, r0 in self.blocks], dtype=np.int64)

    def psd_stack(self, v: np.ndarray, k: int) -> np.ndarray:
        """The symmetric parts of all PSD blocks of order k of v, stacked (nb, k, k)."""
        M = v[self.psd[k]].reshape(-1, k, k)
        return 0.5 * (M + np.swapaxes(M, 1, 2))

    def psd_lambda_min(self, v: np.ndarray) -> Dict[int, np.ndarray]:
        """order → λ_min of each PSD block of that order (symmetric part), in floats."""
        return {k: np.linalg.eigvalsh(self.psd_stack(v, k))[:, 0] for k in self.psd}

    def margin(self, v: np.ndarray, rounding: bool = False) -> float:
        """The smallest cone margin of v (zero rows not looked at); +inf without cones.

        With ``rounding``, each PSD block's λ_min is lowered by 4(n + 2)·n·2⁻⁵²·max abs(M), a
        generous size of the rounding in forming and decomposing the block, so that a
        positive margin is one an exact proof can be expected to confirm.
        """
        worst = np.inf
        if self.nonneg.size:
            worst = min(worst, float(np.min(v[self.nonneg])))
        for k, idx in self.soc.items():
            blk = v[idx]
            worst = min(worst, float(np.min(blk[:, 0] - np.linalg.norm(blk[:, 1:], axis=1))))
        for k in self.psd:
            S = self.psd_stack(v, k)
            lam = np.linalg.eigvalsh(S)[:, 0]
            if rounding:
                lam = lam - 4.0 * (k + 2) * k * (2.0 * _U) * np.max(np.abs(S), axis=(1, 2))
            worst = min(worst, float(np.min(lam)))
        return worst

    def blend_weight(self, va: np.ndarray, vb: np.ndarray, target: float,
                     rounding: bool = False) -> Optional[float]:
        """The smallest t in [0, 1] with ``margin((1 − t)·va + t·vb) ≥ target``, or None.

        Needs ``margin(vb) > target``. The margin is concave in t, so each block has
        one crossing: on a PSD block with B = V_b − θI ≻ 0 (θ = target plus, with
        ``rounding``, the rounding size of :meth:`margin` at the larger endpoint, an
        upper bound of it along the segment), (1 − t)(V_a − θI) + tB ⪰ 0 holds exactly
        when t ≥ g/(g − 1) for g = λ_min(R⁻¹(V_a − θI)R⁻ᵀ) < 0, B = RRᵀ: one
        Cholesky and one ``eigvalsh`` per block order instead of a bisection's dozens.
        A nonnegative entry crosses linearly; second-order blocks are bisected
        (vectorised, no decompositions). None where B is not definite in floating
        point (the caller then bisects on :meth:`margin` itself).
        """
        t = 0.0
        if self.nonneg.size:
            a, b = va[self.nonneg], vb[self.nonneg]
            low = a < target
            if np.any(low):
                t = max(t, float(np.max((target - a[low]) / (b[low] - a[low]))))
        for k, idx in self.soc.items():
            A, B = va[idx], vb[idx]

            def soc_margin(w: np.ndarray) -> np.ndarray:
                M = (1.0 - w)[:, None] * A + w[:, None] * B
                return M[:, 0] - np.linalg.norm(M[:, 1:], axis=1)
            lo, hi = np.zeros(len(A)), np.ones(len(A))
            ok = soc_margin(lo) >= target
            hi[ok] = 0.0
            for _ in range(60):
                mid = 0.5 * (lo + hi)
                up = soc_margin(mid) >= target
                hi = np.where(up, mid, hi)
                lo = np.where(up, lo, mid)
            t = max(t, float(np.max(hi, initial=0.0)))
        for k in self.psd:
            Sa, Sb = self.psd_stack(va, k), self.psd_stack(vb, k)
            theta = np.full(len(Sa), float(target))
            if rounding:
                theta += 4.0 * (k + 2) * k * (2.0 * _U) * np.maximum(
                    np.max(np.abs(Sa), axis=(1, 2)), np.max(np.abs(Sb), axis=(1, 2)))
            eye = np.eye(k)[None]
            try:
                R = np.linalg.cholesky(Sb - theta[:, None, None] * eye)
            except np.linalg.LinAlgError:
                return None
            X = np.linalg.solve(R, Sa - theta[:, None, None] * eye)
            G = np.linalg.solve(R, np.swapaxes(X, 1, 2))
            g = np.linalg.eigvalsh(0.5 * (G + np.swapaxes(G, 1, 2)))[:, 0]
            if not np.all(np.isfinite(g)):
                return None
            neg = g < 0
            if np.any(neg):
                t = max(t, float(np.max(g[neg] / (g[neg] - 1.0))))
        return min(t, 1.0)

    def column_margins(self, A: sp.csc_array, skip_rows: int = 0
                       ) -> Tuple[np.ndarray, np.ndarray]:
        """The cone margins of +A e_k and of −A e_k for every column k of A.

        Only the blocks a column touches are looked at (an untouched block is 0, on
        the boundary of its cone: margin 0); rows below ``skip_rows`` (the zero
        blocks) are ignored. A diagonal PSD block (common in data matrices) needs no
        eigenvalues.
        """
        A = sp.csc_array(A)
        A.sort_indices()
        n = A.shape[1]
        plus, minus = np.zeros(n), np.zeros(n)
        for j in range(n):
            a, b = A.indptr[j], A.indptr[j + 1]
            rows, vals = A.indices[a:b], A.data[a:b]
            keep = rows >= skip_rows
            rows, vals = rows[keep], vals[keep]
            if rows.size == 0:
                continue
            which = np.searchsorted(self.starts, rows, side="right") - 1
            lo_p, lo_m = 0.0, 0.0
            for blk in np.unique(which):
                if blk < 0:
                    continue
                kind, k, r0 = self.blocks[blk]
                sel = which == blk
                r, x = rows[sel] - r0, vals[sel]
                if kind == "nonneg":
                    # entries not stored are 0: the margin is min(0, min x)
                    p, m = min(0.0, float(np.min(x))), min(0.0, float(np.min(-x)))
                elif kind == "soc":
                    dense = np.zeros(k)
                    dense[r] = x
                    nu = float(np.linalg.norm(dense[1:]))
                    p, m = dense[0] - nu, -dense[0] - nu
                else:
                    M = np.zeros(k * k)
                    M[r] = x
                    M = M.reshape(k, k, order="F")
                    M = 0.5 * (M + M.T)
                    diag = np.diag(M)
                    if not np.any(M - np.diag(diag)):
                        p, m = float(np.min(diag)), float(np.min(-diag))
                    else:
                        w = np.linalg.eigvalsh(M)
                        p, m = float(w[0]), float(-w[-1])
                lo_p, lo_m = min(lo_p, p), min(lo_m, m)
            plus[j], minus[j] = lo_p, lo_m
        return plus, minus


def cone_layout(form: ConicForm) -> ConeLayout:
    """The :class:`ConeLayout` of ``form`` (built once per form object)."""
    return derived(form, "cone_layout", lambda: ConeLayout(form))


def cone_margin(form: ConicForm, v: np.ndarray, rounding: bool = False) -> float:
    """:meth:`ConeLayout.margin` of v over ``form``'s cones (a filter, not a proof)."""
    return cone_layout(form).margin(np.asarray(v, dtype=float), rounding)
