"""First solve vs re-solve of both subproblems, and seconds per round, per solver.

For iris (h = 10) and digits (h = 20): the first solve of each step includes building
the cvxpy problem and compiling it (DPP canonicalisation); a re-solve only updates
parameter values. Prints a table and the fraction of a re-solve spent outside the
solver (goal: ≤ 10 %, i.e. canonicalisation happens once): cvxpy's own time at a
re-solve (its ``compilation_time``, which for a compiled DPP problem is only the
parameter update) over the wall time of the re-solve.

Usage: python benchmarks/bench_steps.py [--datasets iris digits] [--solvers CLARABEL SCS]
"""
import argparse
import time

import numpy as np

import idl_sdp
from idl_sdp.datasets import load_split

HIDDEN = {"iris": 10, "digits": 20}


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def two_rounds(U, Y, h, solver):
    """Round 1 builds, compiles and solves; round 2 re-solves with new parameter values."""
    model0 = idl_sdp.initial_model(U, Y, h)
    stats = {}
    (hstep, X1), t = timed(lambda: (lambda s: (s, s.solve(model0, solver=solver)))(
        idl_sdp.HiddenStep(U, Y, h, 1.0)))
    stats["X-step"] = dict(first=t, compile=hstep.problem.compilation_time or 0.0)
    (pstep, model1), t = timed(lambda: (lambda s: (s, s.solve(X1, model0, solver=solver)))(
        idl_sdp.ParameterStep(U, Y, h, 1.0, reg=1e-2)))
    stats["Θ-step"] = dict(first=t, compile=pstep.problem.compilation_time or 0.0)
    # At a re-solve, cvxpy's compilation_time is the DPP parameter update only.
    X2, t = timed(lambda: hstep.solve(model1, solver=solver, x0=X1))
    stats["X-step"].update(resolve=t, overhead=hstep.problem.compilation_time)
    _, t = timed(lambda: pstep.solve(X2, model1, solver=solver))
    stats["Θ-step"].update(resolve=t, overhead=pstep.problem.compilation_time)
    return stats


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", nargs="+", default=["iris", "digits"])
    ap.add_argument("--solvers", nargs="+", default=["CLARABEL", "SCS"])
    args = ap.parse_args()
    rows = []
    for name in args.datasets:
        data = load_split(name, seed=0)
        U, Y, h = data.U_train, data.Y_train, HIDDEN.get(name, 10)
        for solver in args.solvers:
            for step, st in two_rounds(U, Y, h, solver).items():
                rows.append(dict(data=f"{name} (m={U.shape[1]}, h={h})", solver=solver,
                                 step=step, **st))
            print(f"done {name} {solver}", flush=True)
    hdr = ("| data | solver | step | first solve s | compile s | re-solve s | "
           "re-solve cvxpy s | first/re-solve | outside solver % |")
    print("\n" + hdr + "\n|" + "---|" * 9)
    for r in rows:
        outside = 100 * r["overhead"] / r["resolve"]
        print(f"| {r['data']} | {r['solver']} | {r['step']} | {r['first']:.3f} | "
              f"{r['compile']:.3f} | {r['resolve']:.3f} | {r['overhead']:.3f} | "
              f"{r['first'] / r['resolve']:.1f}× | {outside:.1f} |")
    print("\nseconds per round (X-step + Θ-step re-solves):")
    for name in args.datasets:
        for solver in args.solvers:
            sel = [r for r in rows if r["data"].startswith(name) and r["solver"] == solver]
            print(f"  {name:8s} {solver:9s} {sum(r['resolve'] for r in sel):8.3f} s")


if __name__ == "__main__":
    main()
