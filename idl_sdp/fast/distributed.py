"""Column-parallel X-steps on Dask (``dask.distributed``).

The X-step separates by column, so blocks of columns are solved independently on
the workers of a :class:`distributed.Client` — a :class:`distributed.LocalCluster` by
default, or any client the caller passes, e.g. one connected to a real cluster::

    from distributed import Client
    client = Client("tcp://scheduler-host:8786")
    X = step.solve(model, solver="fast", client=client, chunk_size=512)

With the fast solver every column's computation is independent of its block, so the
result is bit-identical to the serial one.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from .hidden import HiddenQPResult, problem_scale, solve_hidden_qp

__all__ = ["local_client", "solve_hidden_qp_dask"]


def local_client(n_workers: int = 2, threads_per_worker: int = 1) -> Any:
    """A :class:`distributed.Client` on a new :class:`distributed.LocalCluster` (processes)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - optional dependency
        raise ImportError("Dask support needs `pip install idl_sdp[dask]`") from exc
    cluster = LocalCluster(n_workers=n_workers, threads_per_worker=threads_per_worker,
                           processes=True, dashboard_address=None)
    return Client(cluster)


def solve_hidden_qp_dask(
    client: Any, M: np.ndarray, Ds: np.ndarray, G: np.ndarray, W: np.ndarray, *,
    chunk_size: int = 256, x0: Optional[np.ndarray] = None, **kwargs: Any,
) -> HiddenQPResult:
    """:func:`~idl_sdp.fast.hidden.solve_hidden_qp` on column blocks of ``chunk_size``."""
    m = G.shape[1]
    starts = list(range(0, m, chunk_size))
    # hash=False: content-hashed keys would be shared with (and released by) an earlier
    # call that scattered the same M, cancelling this call's futures.
    M_f = client.scatter(M, broadcast=True, hash=False)
    Ds_f = client.scatter(Ds, broadcast=True, hash=False)
    scale = problem_scale(G, W)  # one stopping rule for every block, as in the serial solve
    futures = [
        client.submit(
            solve_hidden_qp, M_f, Ds_f, G[:, s:s + chunk_size], W[:, s:s + chunk_size],
            x0=None if x0 is None else x0[:, s:s + chunk_size], scale=scale, pure=False,
            **kwargs)
        for s in starts
    ]
    parts = client.gather(futures)
    return HiddenQPResult(
        X=np.hstack([p.X for p in parts]), kkt=max(p.kkt for p in parts),
        n_iter=max(p.n_iter for p in parts), converged=all(p.converged for p in parts))
