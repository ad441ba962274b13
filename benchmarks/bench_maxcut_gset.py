"""Speed of the certified max-cut SDP (Burer–Monteiro) on the Gset graphs.

For each graph: ``relax.maxcut(W, method="bm", seed=0)`` — mixing sweeps, Riemannian
trust-region stages with the rank staircase, the rigorous dual certificate
(:func:`idl_sdp.relax.maxcut_certificate`), 100 Goemans–Williamson roundings and the
one-flip local search. Reported: the SDP value ``¼⟨L, VVᵀ⟩`` (a feasible point), the
proven upper bound, their relative gap, the cut after rounding and after the local
search, that cut over the SDP value (≤ 1: the SDP value bounds every cut), the best
known cut (Benlic & Hao, "Breakout local search for the Max-Cut
problem", 2013, and their list of improved results), wall seconds (solve without the
bound, bound, rounding + local search, total) and CPU seconds, and the final rank.

Run ``python benchmarks/bench_maxcut_gset.py [--graphs G11 G48 ...] [--quick]``; writes
``results/maxcut_gset.md`` and ``results/maxcut_gset_time.png`` (time against n). The
graphs are run one at a time, in the order given (default: by size).
"""
from __future__ import annotations

import argparse
import os
import platform
import time

from idl_sdp.relax import maxcut
from idl_sdp.relax.gset import read_gset, toroidal_grid

GSET = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "gset")
RESULTS = os.path.join(os.path.dirname(__file__), "results")

#: graph: (type, best known cut). Types from the Gset generator (rudy) parameters; best
#: known cuts from Benlic & Hao (2013), Table 2 and their list of improved results.
GRAPHS = {
    "G1": ("random, +1", 11624), "G2": ("random, +1", 11620),
    "G11": ("toroidal, ±1", 564), "G14": ("planar, +1", 3064),
    "G15": ("planar, +1", 3050), "G43": ("random, +1", 6660),
    "G22": ("random, +1", 13359), "G35": ("planar, +1", 7684),
    "G48": ("toroidal, +1", 6000), "G57": ("toroidal, ±1", 3492),
    "G62": ("toroidal, ±1", 4868), "G65": ("toroidal, ±1", 5558),
    "G67": ("toroidal, ±1", 6940), "G77": ("toroidal, ±1", 9926),
}
#: Synthetic toroidal ±1 grids (relax.toroidal_grid), G32-like (n = 2000, not shipped) and
#: others of the hard type, seeds different from Gset's: the speed is not tuned to the
#: fourteen graphs. name: (rows, cols, seed).
SYNTHETIC = {"T40x50s0": (40, 50, 0), "T40x50s1": (40, 50, 1), "T60x100s3": (60, 100, 3),
             "T100x100s1": (100, 100, 1), "T70x200s2": (70, 200, 2)}
ORDER = list(GRAPHS) + list(SYNTHETIC)
QUICK = ["G1", "G2", "G11", "G14", "G15", "G43"]
HEAD = ("| graph | n | edges | type | SDP value | proven upper bound | rel. gap | rounded cut | "
        "after one-flip | cut/SDP | best known | cut/best | solve s | bound s | rounding s | "
        "total s | CPU s | rank |\n|" + "---|" * 18 + "\n")


def run(g: str) -> dict:
    if g in SYNTHETIC:
        a, b, seed = SYNTHETIC[g]
        W = toroidal_grid(a, b, signed=True, seed=seed)
        kind, best = "toroidal, ±1 (synthetic)", None
    else:
        W = read_gset(os.path.join(GSET, g))
        kind, best = GRAPHS.get(g, ("?", None))
    t0, c0 = time.perf_counter(), time.process_time()
    res = maxcut(W, method="bm", seed=0)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    cert = res.certificate
    # for "bm" the certificate is computed inside the solve (it decides when to stop)
    bound_s = cert.seconds if cert is not None else 0.0
    return dict(graph=g, n=W.shape[0], edges=W.nnz // 2, type=kind, value=res.value,
                upper=res.upper_bound, gap=res.relative_gap, rounded=res.rounded_value,
                cut=res.cut_value, best=best, solve=res.solve_seconds - bound_s,
                bound=bound_s, rounding=res.seconds - res.solve_seconds, total=wall,
                cpu=cpu, rank=res.V.shape[1], certified=bool(cert and cert.certified))


def row(r: dict) -> str:
    best = r["best"]
    ratio = f"{r['cut'] / best:.4f}" if best else "–"
    return (f"| {r['graph']} | {r['n']} | {r['edges']} | {r['type']} | {r['value']:.4f} | "
            f"{r['upper']:.4f} | {r['gap']:.1e} | {r['rounded']:.0f} | {r['cut']:.0f} | "
            f"{r['cut'] / r['value']:.4f} | {best or '–'} | {ratio} | {r['solve']:.1f} | "
            f"{r['bound']:.1f} | {r['rounding']:.1f} | {r['total']:.1f} | {r['cpu']:.1f} | {r['rank']} |")


def plot(rows: list, path: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for kind, marker in (("random", "o"), ("planar", "s"), ("toroidal", "^"),
                         ("synthetic torus", "x")):
        synthetic = kind == "synthetic torus"
        sel = [r for r in rows if ("synthetic" in r["type"]) == synthetic
               and (synthetic or r["type"].startswith(kind))]
        if sel:
            ax.loglog([r["n"] for r in sel], [r["total"] for r in sel], marker,
                      label=kind, markersize=7)
    for n_min, n_max, secs in ((700, 3000, 15), (3000, 10000, 60), (10000, 14000, 120)):
        ax.hlines(secs, n_min, n_max, colors="grey", linestyles=":")   # the goals
    ax.set_xlabel("n (vertices)")
    ax.set_ylabel("wall seconds (solve + bound + rounding)")
    ax.set_title("Certified max-cut SDP on Gset (method='bm')")
    ax.legend()
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--graphs", nargs="+", default=None)
    ap.add_argument("--quick", action="store_true", help="only the n = 800 … 1000 graphs")
    ap.add_argument("--merge", action="store_true",
                    help="keep the other graphs' rows of an existing results table")
    args = ap.parse_args(argv)
    graphs = args.graphs or (QUICK if args.quick else ORDER)
    rows = []
    old = read_rows(os.path.join(RESULTS, "maxcut_gset.md")) if args.merge else {}
    print(HEAD, end="", flush=True)
    for g in graphs:
        rows.append(run(g))
        print(row(rows[-1]), flush=True)
        write(merged(old, rows))      # after every graph: the large ones take minutes
    print("\n".join(row(r) for r in merged(old, rows)))


def read_rows(path: str) -> dict:
    """The rows of an existing table, by graph, as the fields :func:`row` prints."""
    out = {}
    if not os.path.exists(path):
        return out
    keys = ["graph", "n", "edges", "type", "value", "upper", "gap", "rounded", "cut",
            "cut_sdp", "best", "ratio", "solve", "bound", "rounding", "total", "cpu", "rank"]
    with open(path) as fh:
        for line in fh:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) == len(keys) and cells[0] in ORDER:
                r = dict(zip(keys, cells))
                for k in ("n", "edges", "rank"):
                    r[k] = int(r[k])
                for k in ("value", "upper", "gap", "rounded", "cut", "solve", "bound",
                          "rounding", "total", "cpu"):
                    r[k] = float(r[k])
                r["best"] = None if r["best"] == "–" else int(r["best"])
                out[r["graph"]] = r
    return out


def merged(old: dict, rows: list) -> list:
    """The new rows and the old rows of the other graphs, in the order of ``GRAPHS``."""
    by = dict(old)
    by.update({r["graph"]: r for r in rows})
    return sorted(by.values(), key=lambda r: ORDER.index(r["graph"])
                  if r["graph"] in ORDER else len(ORDER))


def summary(rows: list) -> str:
    """The largest proven gap and the slowest graph of each size band, against the goals."""
    if not rows:
        return ""
    # an unproven bound is +inf, so a finite largest gap means every graph is certified
    lines = [f"- Proven relative gap ≤ {max(r['gap'] for r in rows):.1e} on all "
             f"{len(rows)} graphs."]
    for lo, hi, goal in ((0, 3000, 15), (3000, 10000, 60), (10000, 10 ** 9, 120)):
        band = [r for r in rows if lo < r["n"] <= hi]
        if band:
            worst = max(band, key=lambda r: r["total"])
            lines.append(f"- {lo} < n ≤ {hi if hi < 10 ** 9 else '∞'}: slowest "
                         f"{worst['graph']} {worst['total']:.1f} s total (goal {goal} s), "
                         f"{len(band)} graphs.")
    return "\n".join(lines) + "\n\n"


def write(rows: list) -> None:
    head = (f"Machine: {platform.machine()}, {os.cpu_count()} cores (shared), Python "
            f"{platform.python_version()}; {time.strftime('%Y-%m-%d')}. "
            "`maxcut(W, method='bm', seed=0)`, 100 roundings + one-flip search; wall "
            "seconds unless marked CPU. Bound s: the rigorous certificate.\n\n")
    text = ("# Max-cut SDP on Gset: certified value and time\n\n" + head + summary(rows)
            + HEAD + "\n".join(row(r) for r in rows) + "\n")
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, "maxcut_gset.md"), "w") as fh:
        fh.write(text)
    plot(rows, os.path.join(RESULTS, "maxcut_gset_time.png"))


if __name__ == "__main__":
    main()
