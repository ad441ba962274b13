"""Time of the exact re-check of exported max-cut certificates on the Gset graphs.

For each graph in ``../shared/data/gset/`` (up to ``--max-n``) the dual bound
``Σν − n·ℓ`` is proved by :func:`idl_sdp.relax.maxcut.maxcut_certificate` for a fixed
ν = ¼ diag L + ½ (a valid dual point; the re-check's cost depends on n and the graph's
sparsity, not on how good ν is), written with :meth:`DualBound.to_json` and re-checked
by :func:`idl_sdp.certify.verify` in exact arithmetic (dense residual up to n = 4000,
sparse LDLᵀ witness above). Printed: n, edges, the verifier's path, the file size, the
seconds of ``verify`` (reading the file and the whole exact check) and its verdict.

Run ``python benchmarks/bench_maxcut_verify.py [--max-n N]``; writes
``results/maxcut_verify.md``.
"""
from __future__ import annotations

import argparse
import importlib
import os
import platform
import tempfile
import time

import numpy as np
import scipy.sparse as sp

from idl_sdp.certify import verify
from idl_sdp.certify.verify_maxcut import EXACT_LIMIT
from idl_sdp.relax.gset import read_gset

mc = importlib.import_module("idl_sdp.relax.maxcut")
GSET = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "gset")
RESULTS = os.path.join(os.path.dirname(__file__), "results")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-n", type=int, default=14000)
    args = ap.parse_args(argv)
    names = sorted((f for f in os.listdir(GSET) if f.startswith("G")), key=lambda s: int(s[1:]))
    rows = []
    tmp = tempfile.mkdtemp()
    for g in names:
        W = sp.csr_matrix(read_gset(os.path.join(GSET, g)))
        n = W.shape[0]
        if n > args.max_n:
            continue
        L = (sp.diags(np.asarray(W.sum(axis=1)).ravel()) - W).tocsr()
        cert = mc.maxcut_certificate(L, 0.25 * L.diagonal() + 0.5)
        path = os.path.join(tmp, f"{g}.json")
        cert.to_json(path, W)
        t0 = time.perf_counter()
        res = verify(path, graph=W)
        secs = time.perf_counter() - t0
        rows.append([g, str(n), str(W.nnz // 2), "dense" if n <= EXACT_LIMIT else "sparse",
                     f"{os.path.getsize(path) / 1e6:.2f}", f"{secs:.1f}",
                     "valid, holds" if res.ok else ("valid" if res.valid else "INVALID")])
        print(" | ".join(rows[-1]), flush=True)
        os.remove(path)
    head = (f"Machine: {platform.machine()}, {os.cpu_count()} cores (shared), Python "
            f"{platform.python_version()}; {time.strftime('%Y-%m-%d')}.\n\n")
    table = ["| graph | n | edges | verifier | file MB | verify s | verdict |",
             "|---|---|---|---|---|---|---|"] + ["| " + " | ".join(r) + " |" for r in rows]
    text = head + "\n".join(table) + "\n"
    print(text)
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, "maxcut_verify.md"), "w") as fh:
        fh.write("# Exact re-check of exported max-cut certificates "
                 "(benchmarks/bench_maxcut_verify.py)\n\n" + text)


if __name__ == "__main__":
    main()
