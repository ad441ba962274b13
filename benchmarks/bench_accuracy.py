"""Solver accuracy on five problems: SCS and Clarabel across tolerances vs a tight reference.

Problems (each through :func:`idl_sdp.lab.compare_solvers`):

1. the X-step (QP) of an iris model fitted with ``fit(U, Y, 10, reg=1e-3, rounds=3)``;
2. the Θ-step (SDP, linearized LMI + ‖D‖₂ ≤ 1 − ε) of the same model;
3. the Θ-step with the sign-corrected Schur LMI instead;
4. the max-cut SDP of the subgraph of Gset G1 induced by its first ``--maxcut-n`` vertices;
5. an ill-conditioned Lyapunov LMI: minimise tr P s.t. P ⪰ I, AᵀP + PA ⪯ −I for a
   6 × 6 A with eigenvalues −1e-3 ± i, −1e-2 ± 2i, −1e-1 ± 3i (random similarity,
   cond ≈ 12); its optimum is tr P_L with AᵀP_L + P_LA = −I, computed here in exact
   rational arithmetic.

Writes ``benchmarks/results/accuracy.md`` (markdown), ``benchmarks/results/accuracy.txt``
(plain-text tables, included by the docs) and ``docs/_static/solver_accuracy.png``.

Run from the repository root::

    .venv/bin/python benchmarks/bench_accuracy.py            # about 5 minutes on 2 cores
    .venv/bin/python benchmarks/bench_accuracy.py --quick    # smaller max-cut, no files
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import time
from fractions import Fraction
from typing import Dict, List

import cvxpy as cp
import numpy as np
import scipy.linalg as sla

import idl_sdp
from idl_sdp._solvers import _installed
from idl_sdp.datasets import load_split
from idl_sdp.lab import ComparisonTable, compare_solvers, step_problem
from idl_sdp.relax import laplacian, read_gset

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "benchmarks", "results")
STATIC = os.path.join(ROOT, "docs", "_static")
GSET = os.path.join("/work", "shared", "data", "gset")
TOLS = (1e-3, 1e-5, 1e-7, 1e-9)


# ------------------------------------------------------------------ problems
def iris_problems() -> Dict[str, cp.Problem]:
    s = load_split("iris", 0)
    res = idl_sdp.fit(s.U_train, s.Y_train, 10, reg=1e-3, rounds=3)
    hs = idl_sdp.HiddenStep(s.U_train, s.Y_train, 10, res.lam)
    lin = idl_sdp.ParameterStep(s.U_train, s.Y_train, 10, res.lam, reg=1e-3)
    schur = idl_sdp.ParameterStep(s.U_train, s.Y_train, 10, res.lam, lmi="schur", reg=1e-3)
    return {
        "iris X-step (QP, h = 10, m = 105)": step_problem(hs, res.model),
        "iris Θ-step, linearized LMI": step_problem(lin, res.model, res.X),
        "iris Θ-step, Schur LMI": step_problem(schur, res.model, res.X),
    }


def maxcut_problem(n: int, graph: str = "G1") -> cp.Problem:
    """max ¼⟨L, X⟩ s.t. diag X = 1, X ⪰ 0 on the first ``n`` vertices of a Gset graph."""
    W = read_gset(os.path.join(GSET, graph))[:n, :n]
    L = laplacian(W).toarray()
    X = cp.Variable((n, n), symmetric=True, name="X")
    return cp.Problem(cp.Maximize(cp.sum(cp.multiply(L, X)) / 4), [cp.diag(X) == 1, X >> 0])


def _exact_lyapunov_trace(A: np.ndarray) -> Fraction:
    """tr P for AᵀP + PA = −I, solved exactly over the rationals (A's floats are exact)."""
    n = A.shape[0]
    Af = [[Fraction(float(A[i, j])) for j in range(n)] for i in range(n)]
    N = n * n  # unknown P[i][j] at index i*n + j
    rows = []
    for i in range(n):
        for j in range(n):  # (AᵀP + PA)_ij = Σ_k A_ki P_kj + P_ik A_kj
            r = [Fraction(0)] * (N + 1)
            for k in range(n):
                r[k * n + j] += Af[k][i]
                r[i * n + k] += Af[k][j]
            r[N] = Fraction(-1 if i == j else 0)
            rows.append(r)
    for c in range(N):  # Gauss-Jordan elimination, exact
        p = next(r for r in range(c, N) if rows[r][c] != 0)
        rows[c], rows[p] = rows[p], rows[c]
        piv = rows[c][c]
        rows[c] = [v / piv for v in rows[c]]
        for r in range(N):
            if r != c and rows[r][c] != 0:
                f = rows[r][c]
                rows[r] = [a - f * b for a, b in zip(rows[r], rows[c])]
    return sum(rows[i * n + i][N] for i in range(n))


def lyapunov_problem(seed: int = 0):
    """The ill-conditioned LMI; returns (problem, exact optimum, λ_min(P_L), cond(T))."""
    rng = np.random.default_rng(seed)
    blocks = [np.array([[-a, w], [-w, -a]]) for a, w in ((1e-3, 1.0), (1e-2, 2.0), (1e-1, 3.0))]
    T = np.eye(6) + 0.5 * rng.standard_normal((6, 6))
    A = T @ sla.block_diag(*blocks) @ np.linalg.inv(T)
    P = cp.Variable((6, 6), symmetric=True, name="P")
    I = np.eye(6)
    prob = cp.Problem(cp.Minimize(cp.trace(P)), [P - I >> 0, -(A.T @ P + P @ A) - I >> 0])
    PL = sla.solve_continuous_lyapunov(A.T, -I)
    lam_min = float(np.linalg.eigvalsh(PL)[0])
    assert lam_min > 1.0, "P_L must satisfy P_L ⪰ I for tr P_L to be the optimum"
    return prob, float(_exact_lyapunov_trace(A)), lam_min, float(np.linalg.cond(T))


# ------------------------------------------------------------------ reporting
def lmi_summary(tables: List[ComparisonTable]) -> List[str]:
    """How often an 'optimal' point of each solver violates an LMI, and by how much."""
    out = ["| solver | tol | optimal rows with PSD constraints | margin < 0 (not certified) "
           "| proven violated | worst proven λ_min ≤ | worst λ_min ≥ |",
           "|---|---|---|---|---|---|---|"]
    solvers = sorted({r["solver"] for t in tables for r in t})
    for solver in solvers:
        for tol in TOLS:
            rows = [r for t in tables for r in t if r["solver"] == solver and r["tol"] == tol
                    and r["status"] == cp.OPTIMAL and r["lmi_status"] != "n/a"]
            if not rows:
                continue
            neg = [r for r in rows if not r["lmi_margin"] >= 0]
            viol = [r for r in rows if r["lmi_status"] == "violated"]
            worst_up = min((r["lmi_upper"] for r in viol), default=float("nan"))
            worst_lo = min(r["lmi_margin"] for r in rows)
            out.append(f"| {solver} | {tol:.0e} | {len(rows)} | {len(neg)} | {len(viol)} | "
                       f"{worst_up:.1e} | {worst_lo:.1e} |")
    return out


def digits_summary(tables: List[ComparisonTable]) -> List[str]:
    """Median correct digits of the objective, −log10(rel. gap), and median time."""
    out = ["| solver | tol | median digits of the objective (min – max) | median time [s] "
           "| rows not `optimal` |", "|---|---|---|---|---|"]
    solvers = sorted({r["solver"] for t in tables for r in t})
    for solver in solvers:
        for tol in TOLS:
            rows = [r for t in tables for r in t if r["solver"] == solver and r["tol"] == tol]
            if not rows:
                continue
            dig = [-math.log10(max(r["objective_gap"], 1e-16)) for r in rows
                   if math.isfinite(r["objective_gap"])]
            secs = [r["seconds"] for r in rows if math.isfinite(r["seconds"])]
            bad = [r["status"] for r in rows if r["status"] != cp.OPTIMAL]
            out.append(f"| {solver} | {tol:.0e} | {np.median(dig):.1f} ({min(dig):.1f} – "
                       f"{max(dig):.1f}) | {np.median(secs):.3g} | "
                       f"{', '.join(bad) if bad else '0'} |")
    return out


def plot(tables: List[ComparisonTable], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullFormatter

    k = len(tables)
    fig, axes = plt.subplots(2, k, figsize=(3.0 * k, 5.4), squeeze=False)
    styles = {"CLARABEL": ("tab:blue", "o"), "SCS": ("tab:orange", "s"), "SDPA": ("tab:green", "^")}
    for j, t in enumerate(tables):
        for i, (key, label) in enumerate((("objective_gap", "relative objective gap"),
                                          ("distance", "distance to reference"))):
            ax = axes[i, j]
            for solver in sorted({r["solver"] for r in t}):
                rows = [r for r in t.rows_for(solver) if math.isfinite(r["seconds"])]
                xs = [r["seconds"] for r in rows]
                ys = [max(r[key], 1e-16) if math.isfinite(r[key]) else np.nan for r in rows]
                color, marker = styles.get(solver, ("k", "x"))
                ax.plot(xs, ys, color=color, lw=1)
                ax.plot([], [], marker=marker, color=color, label=solver, lw=1)
                for r, x, y in zip(rows, xs, ys):
                    if np.isfinite(y):
                        face = "none" if r["lmi_status"] == "violated" else color
                        ax.plot([x], [y], marker=marker, color=color, mfc=face, ms=7)
                        ax.annotate(f"{int(round(math.log10(r['tol'])))}", (x, y), fontsize=6,
                                    xytext=(3, 3), textcoords="offset points")
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.xaxis.set_minor_formatter(NullFormatter())
            ax.grid(True, which="major", alpha=0.3)
            ax.tick_params(labelsize=7)
            if i == 0:
                ax.set_title(t.name, fontsize=8)
            else:
                ax.set_xlabel("solver time [s]", fontsize=8)
            if j == 0:
                ax.set_ylabel(label, fontsize=8)
    axes[0, 0].legend(fontsize=7)
    fig.suptitle("error vs time; labels = log10(tol); hollow marker = LMI proven violated",
                 fontsize=9)
    fig.tight_layout()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)


# ---------------------------------------------------------------------- main
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--maxcut-n", type=int, default=80,
                    help="vertices of the Gset G1 subgraph (default 80)")
    ap.add_argument("--quick", action="store_true",
                    help="max-cut on 40 vertices and no files written")
    ap.add_argument("--time-limit", type=float, default=120.0,
                    help="seconds per solve of the compared solvers (default 120)")
    args = ap.parse_args(argv)
    n_cut = 40 if args.quick else args.maxcut_n
    t_start = time.perf_counter()

    problems = [(name, prob, None) for name, prob in iris_problems().items()]
    problems.append((f"max-cut SDP, Gset G1[:{n_cut}]", maxcut_problem(n_cut), None))
    lyap, lyap_opt, lyap_lmin, lyap_cond = lyapunov_problem()
    problems.append(("Lyapunov LMI (eig −1e-3 ± i, …)", lyap, lyap_opt))

    tables = []
    for name, prob, optimum in problems:
        t0 = time.perf_counter()
        table = compare_solvers(prob, ("CLARABEL", "SCS"), TOLS, optimum=optimum,
                                time_limit=args.time_limit, name=name,
                                repeat=1 if name.startswith("max-cut") else 3)
        print(table)
        print(f"({time.perf_counter() - t0:.1f} s)\n", flush=True)
        tables.append(table)

    extra = []
    if "SDPA" in _installed():  # the double-precision SDPA of sdpa-python, for comparison
        t = compare_solvers(lyap, ("CLARABEL", "SDPA"), TOLS, reference="SDPA",
                            optimum=lyap_opt, name="Lyapunov LMI, SDPA as the reference",
                            repeat=3)
        print(t, "\n")
        extra.append(t)

    md = ["# Solver accuracy (generated by benchmarks/bench_accuracy.py)", "",
          f"cvxpy {cp.__version__}; each table: one row per (solver, tolerance); SCS "
          "eps_abs = eps_rel = tol, Clarabel tol_gap_abs = tol_gap_rel = tol_feas = tol. "
          "Times are the solver call alone (fastest of 3 identical solves, 1 for max-cut), "
          "on a shared 2-core machine.", "",
          f"Lyapunov problem: exact optimum tr P_L = {lyap_opt:.12g}, λ_min(P_L) = "
          f"{lyap_lmin:.3g} (so P ⪰ I is inactive), cond(T) = {lyap_cond:.3g}.", "",
          "## Does an `optimal` point satisfy the LMIs? (rigorous margins)", ""]
    md += lmi_summary(tables) + ["", "## Digits of the objective per tolerance", ""]
    md += digits_summary(tables) + ["", "## Tables", ""]
    md += [t.to_markdown(3) for t in tables + extra]
    md.append(f"Total wall time {time.perf_counter() - t_start:.0f} s.")
    text = "\n\n".join(str(t) for t in tables + extra) + "\n"
    print("\n".join(lmi_summary(tables)))
    print("\n".join(digits_summary(tables)))
    if not args.quick:
        os.makedirs(RESULTS, exist_ok=True)
        with open(os.path.join(RESULTS, "accuracy.md"), "w", encoding="utf-8") as fh:
            fh.write("\n".join(md) + "\n")
        with open(os.path.join(RESULTS, "accuracy.txt"), "w", encoding="utf-8") as fh:
            fh.write(text)
        plot(tables, os.path.join(STATIC, "solver_accuracy.png"))
        print("wrote benchmarks/results/accuracy.{md,txt} and docs/_static/solver_accuracy.png")
    print(f"total {time.perf_counter() - t_start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
