"""Benchmark of the teaching relaxations: max-cut on Gset, k-means, basis pursuit.

Regenerates the tables of ``docs/relaxations.rst`` (printed as markdown and written to
``OUT/tables.md``) and convergence plots (feasibility and objective against time,
``OUT/*.png``)::

    python benchmarks/bench_relax.py [--out benchmarks/results] [--al-time 10]

Max-cut: every Gset graph with Burer–Monteiro (to convergence) and the two augmented
Lagrangian methods (capped at ``--al-time`` seconds each); the convex SDP (Clarabel and
SCS) on the subgraph induced by the first ``--sdp-n`` vertices of G1, against BM on the
same subgraph. k-means: the stochastic-ball model, iris and digit class-probabilities.
Basis pursuit: the seed's Gaussian instance (n = 100, d = 256, k = 10, σ² = 1e-6).
"""
from __future__ import annotations

import argparse
import math
import platform
import sys
import time
from pathlib import Path

import numpy as np

from idl_sdp.relax import (basis_pursuit, digits_probabilities, kmeans_sdp, maxcut,
                           read_gset, sparse_instance, stochastic_balls)

ROOT = Path(__file__).resolve().parents[1]
GSET = ROOT.parent / "shared" / "data" / "gset"
# Certified SDP values and best known cuts, from the data README.
GRAPHS = {
    "G1": (12083.198, 11624), "G2": (12089.430, 11620), "G11": (629.165, 564),
    "G14": (3191.567, 3064), "G15": (3171.558, 3050),
}


def markdown(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def g(x, digits=9):
    return f"{x:.{digits}g}"


def plot(path, title, series, ylabel_left, ylabel_right):
    """series: list of (label, t, feasibility or None, objective error)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colors = {"bm": "C0", "ialm": "C1", "linearized_al": "C2", "chambolle_pock": "C3"}
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 3.8))
    for label, t, feas, err in series:
        t = np.maximum(np.asarray(t), 1e-4)
        style = dict(label=label, color=colors.get(label.split()[0], None), lw=0.9)
        if feas is not None:
            a1.loglog(t, np.maximum(feas, 1e-16), **style)
        a2.loglog(t, np.maximum(err, 1e-16), **style)
    a1.set_xlabel("seconds")
    a1.set_ylabel(ylabel_left)
    a2.set_xlabel("seconds")
    a2.set_ylabel(ylabel_right)
    for a in (a1, a2):
        a.grid(True, which="both", alpha=0.3)
        a.legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def bench_maxcut(graphs, al_time, out, lines):
    header = ["graph", "method", "value", "upper bound", "rel. gap", "value vs SDP*",
              "best GW cut", "cut / SDP*", "cut / best known", "seconds", "status"]
    rows = []
    for name in graphs:
        sdp_ref, best_cut = GRAPHS[name]
        W = read_gset(GSET / name)
        series = []
        for method in ("bm", "ialm", "linearized_al"):
            res = maxcut(W, method, time_limit=None if method == "bm" else al_time)
            h = res.history
            rel = abs(res.value - sdp_ref) / sdp_ref
            rows.append([name, method, f"{res.value:.4f}", f"{res.upper_bound:.4f}",
                         f"{res.relative_gap:.1e}", f"{rel:.1e}", f"{res.cut_value:.0f}",
                         f"{res.cut_value / sdp_ref:.4f}", f"{res.cut_value / best_cut:.4f}",
                         f"{res.seconds:.1f}", "converged" if res.converged else "capped"])
            print(markdown(header, rows[-1:]).splitlines()[-1], flush=True)
            if method == "bm":
                val = np.asarray(h["value"])
                series.append(("bm (Riemannian TR)", h["time"], None,
                                np.abs(val - sdp_ref) / sdp_ref))
            else:
                val = -np.asarray(h["objective"])
                series.append((method, h["time"], np.asarray(h["feasibility"]) / math.sqrt(
                    W.shape[0]), np.abs(val - sdp_ref) / sdp_ref))
        plot(out / f"maxcut_{name}.png", f"max-cut SDP on {name} (n = {W.shape[0]})", series,
             "‖diag(VVᵀ) − 1‖₂ / √n", "|¼⟨L,VVᵀ⟩ − SDP*| / SDP*")
    lines += ["## Max-cut on Gset (SDP* = certified value of the data README)", "",
              markdown(header, rows), ""]


def bench_maxcut_sdp(n_sub, out, lines):
    W = read_gset(GSET / "G1")[:n_sub, :n_sub]
    header = ["method", "value", "upper bound", "rel. gap", "best GW cut", "seconds"]
    rows = []
    bm = maxcut(W, "bm")
    for label, kw in (("bm", dict(method="bm")),
                      ("sdp / Clarabel (tol 1e-8)", dict(method="sdp", solver="CLARABEL")),
                      ("sdp / SCS (eps 1e-6)", dict(method="sdp", solver="SCS", solver_options={
                          "eps_abs": 1e-6, "eps_rel": 1e-6})),
                      ("sdp / SCS (eps 1e-7)", dict(method="sdp", solver="SCS"))):
        res = bm if label == "bm" else maxcut(W, **kw)
        rows.append([label, f"{res.value:.6f}", f"{res.upper_bound:.6f}",
                     f"{res.relative_gap:.1e}", f"{res.cut_value:.0f}", f"{res.seconds:.1f}"])
        print(markdown(header, rows[-1:]).splitlines()[-1], flush=True)
    lines += [f"## Convex SDP on the subgraph of G1 induced by vertices 1..{n_sub}", "",
              markdown(header, rows), ""]


def bench_kmeans(al_time, out, lines):
    from sklearn.datasets import load_iris

    header = ["data", "n", "k", "method", "⟨D,Z⟩", "k-means cost", "lower bound",
              "misclassified", "‖Z1−1‖", "seconds", "status"]
    rows = []
    Xi, yi = load_iris(return_X_y=True)
    Pd, yd = digits_probabilities()
    data = [("balls (Δ = 6, d = 2)", *stochastic_balls(3, 10, 2, 6.0, seed=0), 3,
             ("sdp", "bm", "ialm", "linearized_al")),
            ("iris", Xi, yi, 3, ("sdp", "bm", "ialm", "linearized_al")),
            ("digits probabilities", Pd, yd, 10, ("bm", "ialm", "linearized_al"))]
    for name, X, y, k, methods in data:
        series = []
        for method in methods:
            kw = dict(solver="SCS") if (method == "sdp" and name == "iris") else {}
            res = kmeans_sdp(X, k, method, labels=y, time_limit=al_time, **kw)
            label = method + (" / SCS" if kw else (" / Clarabel" if method == "sdp" else ""))
            rows.append([name, X.shape[0], k, label, g(res.sdp_objective, 7),
                         g(res.kmeans_cost, 7),
                         "–" if math.isnan(res.lower_bound) else g(res.lower_bound, 7),
                         f"{res.misclassification:.3f}", f"{res.infeasibility:.1e}",
                         f"{res.seconds:.1f}", "converged" if res.converged else "capped"])
            print(markdown(header, rows[-1:]).splitlines()[-1], flush=True)
            h = res.history
            if method != "sdp" and "feasibility" in h:
                obj = np.asarray(h["objective"])
                series.append((method, h["time"], np.asarray(h["feasibility"]),
                               np.abs(obj - obj[-1]) / abs(obj[-1]) + 1e-16))
        if series:
            plot(out / f"kmeans_{name.split()[0]}.png", f"k-means SDP, {name}", series,
                 "‖VVᵀ1 − 1‖₂", "|⟨D,VVᵀ⟩ − final| / final")
    lines += ["## k-means (Peng–Wei SDP)", "", markdown(header, rows), ""]


def bench_bp(al_time, out, lines):
    header = ["noise σ²", "method", "‖z‖₁", "‖Bz − b‖", "‖z − z*‖", "‖z − z_LP‖", "seconds",
              "status"]
    rows = []
    for nv in (0.0, 1e-6):
        B, b, zs, eps = sparse_instance(100, 256, 10, noise_var=nv, seed=1)
        lp = basis_pursuit(B, b, "lp")
        series = []
        for method in ("lp", "chambolle_pock", "ialm", "linearized_al"):
            res = lp if method == "lp" else basis_pursuit(B, b, method, time_limit=al_time)
            rows.append([g(nv, 2), method, g(res.objective, 9), f"{res.residual:.1e}",
                         f"{np.linalg.norm(res.z - zs):.1e}",
                         f"{np.linalg.norm(res.z - lp.z):.1e}", f"{res.seconds:.2f}",
                         "converged" if res.converged else "capped"])
            print(markdown(header, rows[-1:]).splitlines()[-1], flush=True)
            h = res.history
            if "feasibility" in h:
                series.append((method, h["time"], np.asarray(h["feasibility"]),
                               np.abs(np.asarray(h["objective"]) - lp.objective) / lp.objective))
        plot(out / f"basis_pursuit_noise{nv:g}.png",
             f"basis pursuit, n = 100, d = 256, k = 10, σ² = {nv:g} (‖ε‖ = "
             f"{np.linalg.norm(eps):.1e})", series, "‖A(x)‖₂", "|objective − LP| / LP")
    lines += ["## Basis pursuit (n = 100, d = 256, k = 10)", "", markdown(header, rows), ""]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default=str(ROOT / "benchmarks" / "results"))
    p.add_argument("--al-time", type=float, default=10.0,
                   help="time cap (s) of each augmented-Lagrangian run")
    p.add_argument("--graphs", nargs="*", default=list(GRAPHS), choices=list(GRAPHS))
    p.add_argument("--sdp-n", type=int, default=100, help="vertices of the G1 subgraph")
    p.add_argument("--skip", nargs="*", default=[], choices=["maxcut", "sdp", "kmeans", "bp"])
    args = p.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if not GSET.is_dir() and not {"maxcut", "sdp"} <= set(args.skip):
        print(f"Gset data not found at {GSET}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    lines = [f"Machine: {platform.processor() or platform.machine()}, Python "
             f"{platform.python_version()}; AL runs capped at {args.al_time:g} s.", ""]
    if "maxcut" not in args.skip:
        bench_maxcut(args.graphs, args.al_time, out, lines)
    if "sdp" not in args.skip:
        bench_maxcut_sdp(args.sdp_n, out, lines)
    if "kmeans" not in args.skip:
        bench_kmeans(args.al_time, out, lines)
    if "bp" not in args.skip:
        bench_bp(args.al_time, out, lines)
    lines.append(f"Total benchmark time: {time.perf_counter() - t0:.0f} s.")
    text = "\n".join(lines)
    (out / "tables.md").write_text(text + "\n", encoding="utf-8")
    print()
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
