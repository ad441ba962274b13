"""Goemans–Williamson rounding and the one-flip local search on Gset graphs.

For each graph: ``relax.maxcut(W, method="bm")`` (Burer–Monteiro, certified), the best of
100 roundings (``rounded_value``), the cut after the one-flip search (``cut_value``),
both as fractions of the proven SDP upper bound and of the best known cut (Benlic & Hao,
Breakout local search for the max-cut problem, 2013), and the seconds of the whole call.

Run ``python benchmarks/bench_maxcut_rounding.py [--graphs G1 G11 ...]``; writes
``results/maxcut_rounding.md``.
"""
from __future__ import annotations

import argparse
import os
import platform
import time

from idl_sdp.relax import maxcut
from idl_sdp.relax.gset import read_gset

GSET = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "gset")
RESULTS = os.path.join(os.path.dirname(__file__), "results")
#: Best known cuts (Benlic & Hao 2013, Table 2).
BEST_KNOWN = {"G1": 11624, "G2": 11620, "G11": 564, "G14": 3064, "G15": 3050,
              "G22": 13359, "G43": 6660}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--graphs", nargs="+", default=["G1", "G2", "G11", "G14", "G15", "G43"])
    args = ap.parse_args(argv)
    rows = []
    for g in args.graphs:
        W = read_gset(os.path.join(GSET, g))
        t0 = time.perf_counter()
        res = maxcut(W, method="bm", seed=0)
        secs = time.perf_counter() - t0
        best = BEST_KNOWN.get(g)
        rb = (lambda v: f"{v / best:.4f}") if best else (lambda v: "–")
        rows.append(f"| {g} | {W.shape[0]} | {res.upper_bound:.3f} | {res.rounded_value:.0f} | "
                    f"{res.cut_value:.0f} | {res.rounded_value / res.upper_bound:.4f} | "
                    f"{res.cut_value / res.upper_bound:.4f} | {best or '–'} | "
                    f"{rb(res.rounded_value)} | {rb(res.cut_value)} | {secs:.1f} |")
        print(rows[-1], flush=True)
    head = (f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}; {time.strftime('%Y-%m-%d')}. "
            "`maxcut(W, method='bm', seed=0)`, 100 roundings.\n\n"
            "| graph | n | proven SDP bound | rounded cut | after one-flip | rounded/SDP | "
            "one-flip/SDP | best known | rounded/best | one-flip/best | seconds |\n"
            "|---|---|---|---|---|---|---|---|---|---|---|\n")
    text = ("# Max-cut: rounding and one-flip local search on Gset\n\n" + head
            + "\n".join(rows) + "\n")
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, "maxcut_rounding.md"), "w") as fh:
        fh.write(text)
    print(text)


if __name__ == "__main__":
    main()
