"""End-to-end wall-clock times of what the README and the docs quote.

* ``fit`` on iris and digits with ``solver="fast"`` and with the cvxpy path (Clarabel),
  with the default ``reg="auto"`` (which includes the reg selection: one fit per
  candidate on a 75/25 split, ``reg_rounds`` = 10 rounds each) and with a fixed reg
  (the alternating rounds only);
* each gallery script of ``examples/`` run as a subprocess (interpreter start-up and
  imports included), as a reader runs it.

Run ``python benchmarks/bench_endtoend.py [--quick]`` (``--quick``: iris only, no cvxpy
digits fit). Prints a markdown table and writes ``benchmarks/results/endtoend.md``
(``endtoend_quick.md`` with ``--quick``).
The machine is shared (2 cores): read the numbers as one run's.
"""
from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time

import numpy as np

import idl_sdp
from idl_sdp.datasets import load_split

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
GALLERY = ["lsq_diagonal.py", "lsq_hadamard.py", "biconvex_gallery.py", "train_iris.py"]


def time_fit(name: str, solver: str, reg, rounds: int = 20, hidden: int = 10):
    data = load_split(name, seed=0)
    U, Y = data.U_train, data.Y_train
    if name == "digits":
        U = U[np.ptp(U, axis=1) > 0]
        hidden = 20
    t0 = time.perf_counter()
    res = idl_sdp.fit(U, Y, hidden, reg=reg, rounds=rounds, solver=solver)
    seconds = time.perf_counter() - t0
    theta = sum(r.get("theta_step_solve_seconds", 0.0) for r in res.history)
    xs = sum(r.get("x_step_solve_seconds", 0.0) for r in res.history)
    return seconds, res, theta, xs


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    rows = []
    cases = [("iris", "fast", "auto"), ("iris", "fast", 1e-3), ("iris", "CLARABEL", "auto"),
             ("iris", "CLARABEL", 1e-3)]
    if not args.quick:
        cases += [("digits", "fast", 1e-3), ("digits", "fast", "auto")]
    for name, solver, reg in cases:
        seconds, res, theta, xs = time_fit(name, solver, reg)
        rows.append([name, solver, str(reg), f"{res.reg:g}", str(res.n_iter),
                     f"{seconds:.1f}", f"{xs:.1f}", f"{theta:.1f}"])
        print(rows[-1], flush=True)
    out = ["| data | solver | reg | reg used | rounds | total s | X-steps s | Θ-steps s |",
           "|---|---|---|---|---|---|---|---|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    out += ["", "Gallery scripts (subprocess, from the repository root; start-up and imports "
            "included):", "", "| script | seconds |", "|---|---|"]
    for script in GALLERY:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, os.path.join("examples", script)], cwd=ROOT,
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       env={**os.environ, "MPLBACKEND": "Agg"})
        out.append(f"| {script} | {time.perf_counter() - t0:.1f} |")
        print(out[-1], flush=True)
    head = (f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}, idl_sdp {idl_sdp.__version__}; "
            f"{time.strftime('%Y-%m-%d')}. `total s` is the wall-clock time of `fit`, "
            "reg selection included when reg = auto; the step columns sum the solver calls "
            "of the final fit's rounds.\n")
    text = head + "\n" + "\n".join(out) + "\n"
    print(text)
    name = "endtoend_quick.md" if args.quick else "endtoend.md"
    with open(os.path.join(HERE, "results", name), "w") as fh:
        fh.write("# End-to-end times" + (" (--quick: iris only)" if args.quick else "")
                 + "\n\n" + text)


if __name__ == "__main__":
    main()
