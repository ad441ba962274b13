"""Memory and time of compiling and solving the explicit cvxpy X-step, against m.

For each m (h = 20 hidden units, n = 5 inputs, p = 1 output; U, Y standard normal,
seed 0; Θ = ``initial_model``; λ = 1) a child process with ``RLIMIT_AS`` capped (default
6 GiB, ``--cap-gib-at M=GIB`` for single sizes) and a wall-clock cap builds
:class:`idl_sdp.HiddenStep`, compiles its problem
(``problem.get_problem_data("CLARABEL")``: DPP canonicalisation, done once per step)
and solves it with CLARABEL (``HiddenStep.solve``, which then only loads the
parameters). It reports compile seconds, solve seconds (wall, and Clarabel's own),
peak RSS (``ru_maxrss``) and peak address space (``VmPeak``, what RLIMIT_AS limits),
both taken right after the CLARABEL solve and after the compile, the nonzeros of the
compiled A and P, and three checks: ``problem.value`` against ``idl_sdp.objective``,
and J and X against ``solver="fast"``.

Formulations (all solved through the same ``HiddenStep.solve``; the older two are
built here on the step's L, Ds and const and on (h, m) parameters G, W that this
script loads alongside):

``legacy``
    ``sum(multiply(G, X)) / m`` in the objective, G and W (h, m) parameters. Its
    compilation asks for a dense array quadratic in m; under the cap it fails with a
    MemoryError, and the table shows the size it asked for.
``hm-params``
    the scalar ``gx == vec(G) @ vec(X) / m`` in a constraint, G and W still (h, m)
    parameters (idl_sdp.HiddenStep before the small-parameter form). Memory linear in
    m, but cvxpy's DPP tensor index space grows as m³ and overflows int64.
``current``
    idl_sdp.HiddenStep: parameters L, Gx, Ds, Wx, const only (sizes independent of
    m), G = Gx Ψ and W = Wx [U; 1ᵀ] with the data as constants,
    ``gx == vec(Gx) @ vec(X @ Ψᵀ) / m``.

Usage: python benchmarks/bench_xstep_memory.py [--quick] [--cap-gib 6]
       [--cap-gib-at M=GIB ...] [--time-cap 600] [--budget 900] [--no-legacy]
       [--sizes M ...] [--legacy-sizes M ...] [--hm-sizes M ...] [--no-hm]
Writes the table to benchmarks/results/xstep_memory.md (``--out`` to change).
"""
import argparse
import json
import os
import platform
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

H, N_IN, N_OUT, SEED = 20, 5, 1, 0
SIZES = (1000, 2000, 5000, 10000, 20000, 50000)
QUICK_MAX = 5000
LEGACY_SIZES = (250, 500, 1000, 2000, 5000)
OUT = Path(__file__).resolve().parent / "results" / "xstep_memory.md"


def old_problem(step, formulation):
    """The X-step as written before, on (h, m) parameters G and W (see the docstring)."""
    import cvxpy as cp

    P, X, m, h = step.parameters, step.X, step.U.shape[1], step.hidden
    G, W = cp.Parameter((h, m), name="G"), cp.Parameter((h, m), name="W")
    load = step._load

    def _load(data):  # HiddenStep.solve / set_model load these too
        load(data)
        G.value, W.value = data.G, data.W

    step._load = _load
    quad = (cp.sum_squares(P["L"] @ X) / (2 * m)
            + cp.sum_squares(cp.pos(P["Ds"] @ X + W)) / (2 * m) + P["const"])
    if formulation == "legacy":
        return cp.Problem(cp.Minimize(quad + cp.sum(cp.multiply(G, X)) / m), [X >= 0])
    linear = cp.vec(G, order="F") @ cp.vec(X, order="F") / m
    return cp.Problem(cp.Minimize(quad + step.gx), [X >= 0, step.gx == linear])


def child(m: int, formulation: str, cap_bytes: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (cap_bytes, cap_bytes))
    import numpy as np

    import idl_sdp

    def peak_mib():
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux

    def vm_peak_mib():  # peak address space, what RLIMIT_AS caps
        with open("/proc/self/status") as fh:
            kib = [ln.split()[1] for ln in fh if ln.startswith("VmPeak:")]
        return int(kib[0]) / 1024.0 if kib else None

    out = {"m": m, "formulation": formulation, "cap_gib": cap_bytes / 2**30,
           "rss_start_mib": peak_mib()}
    rng = np.random.default_rng(SEED)
    U, Y = rng.standard_normal((N_IN, m)), rng.standard_normal((N_OUT, m))
    model = idl_sdp.initial_model(U, Y, H)
    t0 = time.perf_counter()
    step = idl_sdp.HiddenStep(U, Y, H, 1.0)
    if formulation != "current":
        step.problem = old_problem(step, formulation)
    out["build_s"] = time.perf_counter() - t0
    out["is_dpp"], out["is_qp"] = bool(step.problem.is_dpp()), bool(step.problem.is_qp())
    out["n_par"] = sum(q.size for q in step.problem.parameters())
    step.set_model(model)
    print(json.dumps({"stage": "built", **out}), flush=True)
    t0 = time.perf_counter()
    data, _, _ = step.problem.get_problem_data("CLARABEL")
    out["compile_s"] = time.perf_counter() - t0
    out["rss_compile_mib"], out["vm_compile_mib"] = peak_mib(), vm_peak_mib()
    out["A_nnz"], out["P_nnz"] = int(data["A"].nnz), int(data["P"].nnz)
    # cvxpy's DPP tensor maps the parameters to A; its shape is
    # (rows·(columns+1)) × (parameter scalars+1), and cvxpy multiplies these in int64.
    n_par = out["n_par"]
    out["index_space"] = data["A"].shape[0] * (data["A"].shape[1] + 1) * (n_par + 1) / 2.0**63
    del data
    print(json.dumps({"stage": "compiled", **out}), flush=True)
    t0 = time.perf_counter()
    X = step.solve(model, "CLARABEL")  # reuses the compiled DPP program
    out["solve_s"] = time.perf_counter() - t0
    out["clarabel_s"] = float(step.problem.solver_stats.solve_time or float("nan"))
    out["rss_peak_mib"], out["vm_peak_mib"] = peak_mib(), vm_peak_mib()
    J = idl_sdp.objective(model, X, U, Y, 1.0)
    out["J"] = J
    out["value_vs_J"] = abs(step.problem.value - idl_sdp.objective(model, step.X.value, U, Y,
                                                                    1.0)) / abs(J)
    X_fast = step.solve(model, "fast")
    out["J_vs_fast"] = abs(J - idl_sdp.objective(model, X_fast, U, Y, 1.0)) / abs(J)
    out["X_vs_fast"] = float(np.max(np.abs(X - X_fast)))
    print(json.dumps({"stage": "done", **out}), flush=True)


def run_child(m, formulation, cap_gib, time_cap):
    cmd = [sys.executable, os.path.abspath(__file__), "--child", str(m), formulation,
           str(int(cap_gib * (1 << 30)))]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=time_cap)
        stdout, stderr, rc = proc.stdout, proc.stderr, proc.returncode
        timed_out = False
    except subprocess.TimeoutExpired as exc:
        def text(s):
            return s.decode(errors="replace") if isinstance(s, bytes) else (s or "")
        stdout, stderr, rc, timed_out = text(exc.stdout), text(exc.stderr), None, True
    wall = time.perf_counter() - t0
    row = {"m": m, "formulation": formulation, "cap_gib": cap_gib, "wall_s": wall}
    stages = [json.loads(ln) for ln in stdout.splitlines() if ln.startswith("{")]
    if stages:
        row.update(stages[-1])
    where = {"built": "in compile", "compiled": "in solve"}.get(row.get("stage"), "in build")
    if timed_out:
        row["status"] = f"time cap {time_cap:.0f} s hit {where}"
    elif rc == 0 and row.get("stage") == "done":
        row["status"] = "ok"
    else:
        hit = re.search(r"Unable to allocate ([\d.]+ [KMGT]iB)", stderr)
        rust = re.search(r"memory allocation of (\d+) bytes failed", stderr)
        if hit:
            row["status"] = f"MemoryError: asked for {hit.group(1)}"
        elif rust:  # a Rust solver (Clarabel) aborts when an allocation fails
            row["status"] = f"out of memory: asked for {int(rust.group(1)) / 2**30:.2f} GiB"
        elif "OverflowError" in stderr and "C long" in stderr:
            row["status"] = "cvxpy OverflowError: DPP tensor index space > 2^63"
        elif "MemoryError" in stderr:
            row["status"] = "MemoryError"
        else:
            last = [ln for ln in stderr.strip().splitlines() if ln.strip()]
            row["status"] = f"failed rc={rc}: {last[-1][:120] if last else ''}"
        row["status"] += f" {where}"
    return row


def fmt(row, key, spec):
    v = row.get(key)
    return "—" if v is None else format(v, spec)


def pair(row, peak, compile_):
    if row.get(peak) is None and row.get(compile_) is None:
        return "—"
    return f"{fmt(row, peak, '.0f')} ({fmt(row, compile_, '.0f')})"


def table(rows):
    head = ("| formulation | m | RLIMIT_AS GiB | status | compile s | solve s | Clarabel s | "
            "peak RSS MiB (after compile) | peak VM MiB (after compile) | A nnz | P nnz | "
            "parameter scalars | index space / 2^63 | value vs J (rel) | J vs fast (rel) | "
            "X vs fast (max abs) |")
    lines = [head, "|" + "---|" * 16]
    for r in rows:
        lines.append(
            f"| {r['formulation']} | {r['m']} | {fmt(r, 'cap_gib', 'g')} | {r['status']} | "
            f"{fmt(r, 'compile_s', '.2f')} | {fmt(r, 'solve_s', '.2f')} | "
            f"{fmt(r, 'clarabel_s', '.2f')} | {pair(r, 'rss_peak_mib', 'rss_compile_mib')} | "
            f"{pair(r, 'vm_peak_mib', 'vm_compile_mib')} | "
            f"{fmt(r, 'A_nnz', ',')} | {fmt(r, 'P_nnz', ',')} | {fmt(r, 'n_par', ',')} | "
            f"{fmt(r, 'index_space', '.1e')} | {fmt(r, 'value_vs_J', '.1e')} | "
            f"{fmt(r, 'J_vs_fast', '.1e')} | {fmt(r, 'X_vs_fast', '.1e')} |")
    return "\n".join(lines)


def notes(rows, cap_gib):
    """Limits read off the measured rows."""
    import numpy as np

    out = []
    legacy = sorted({r["m"] for r in rows if r["formulation"] == "legacy"})
    if legacy:
        def gib(m, kind):  # the two arrays quadratic in m that the legacy form allocates
            hm = H * m
            n = hm * hm + 1 if kind == "index" else (hm + 3) * (2 * hm + 2 * H * H + 2)
            return f"{8 * n / 2**30:.3g}"
        out.append(
            "- `legacy`: its MemoryError is the first allocation over the cap, one of two "
            "arrays quadratic in m, both in cvxpy's quadratic-coefficient extraction of the "
            "objective: the COO backend's stacked index array for the parametrised "
            "`multiply(G, X)` ((hm)² + 1 int64) and the dense affine head "
            "`param_coeffs.toarray()` ((hm + 3) × (2hm + 2h² + 2) float64). For m = "
            + ", ".join(f"{m}: {gib(m, 'index')} and {gib(m, 'dense')} GiB" for m in legacy)
            + ".")
    for form in ("hm-params", "current"):
        ok = [r for r in rows if r["formulation"] == form and r.get("status") == "ok"]
        if len(ok) < 2:
            continue
        m = np.array([r["m"] for r in ok], float)
        rss = np.array([r["rss_peak_mib"] for r in ok])
        slope, icpt = np.polyfit(m, rss, 1)
        line = (f"- Peak RSS of `{form}` is linear in m: {icpt:.0f} MiB + "
                f"{1024 * slope:.0f} KiB per sample (least squares over its ok rows, "
                f"m = {int(m.min())}–{int(m.max())})")
        vm = [r.get("vm_peak_mib") for r in ok]
        if all(v is not None for v in vm):
            vslope, vicpt = np.polyfit(m, np.array(vm), 1)
            line += (f"; peak address space {vicpt:.0f} MiB + {1024 * vslope:.0f} KiB per "
                     f"sample, i.e. {cap_gib:g} GiB of RLIMIT_AS at "
                     f"m ≈ {(cap_gib * 1024 - vicpt) / vslope:,.0f}")
        out.append(line + ".")
        # index space ~ m^k: k = 3 with (h, m) parameters, 2 with parameters of fixed size
        big = max(ok, key=lambda r: r["m"])
        k = 3 if form == "hm-params" else 2
        m_idx = big["m"] * big["index_space"] ** (-1 / k)
        out.append(
            f"- The index space of cvxpy's DPP tensor (rows · (columns+1) · (parameter "
            f"scalars+1), multiplied in int64) of `{form}` grows as m^{k}"
            + (" (the (h, m) parameters G, W make the parameter count grow with m)"
               if k == 3 else " (its parameter count does not depend on m)")
            + f"; extrapolated from m = {big['m']}, it passes 2^63 at m ≈ {m_idx:,.0f} "
            f"(h = {H})"
            + (", where cvxpy raises OverflowError in `format_constraints`." if k == 3
               else "."))
    base = {r["m"]: r for r in rows if r["formulation"] == "hm-params" and r.get("status") == "ok"}
    both = [(base[r["m"]], r) for r in rows
            if r["formulation"] == "current" and r.get("status") == "ok" and r["m"] in base]
    if both:
        def ratios(key):
            return ", ".join(f"{c[key] / b[key]:.2f}" for b, c in both)
        out.append(
            "- `current` / `hm-params` at m = " + ", ".join(str(c["m"]) for _, c in both)
            + f": compile s {ratios('compile_s')}; RSS after compile "
            f"{ratios('rss_compile_mib')}; peak RSS {ratios('rss_peak_mib')}; peak VM "
            f"{ratios('vm_peak_mib')}; solve s {ratios('solve_s')} (times on a shared "
            "2-core machine with another benchmark running: a few tens of % is noise).")
    return out


def parse_caps(items):
    caps = {}
    for item in items or []:
        m, _, gib = item.partition("=")
        caps[int(m)] = float(gib)
    return caps


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help=f"m up to {QUICK_MAX} only")
    ap.add_argument("--sizes", nargs="+", type=int, help="m for the current formulation")
    ap.add_argument("--legacy-sizes", nargs="+", type=int, help="m for the legacy one")
    ap.add_argument("--hm-sizes", nargs="+", type=int,
                    help="m for hm-params (default: the sizes of current)")
    ap.add_argument("--no-legacy", action="store_true")
    ap.add_argument("--no-hm", action="store_true", help="skip the hm-params formulation")
    ap.add_argument("--cap-gib", type=float, default=6.0, help="RLIMIT_AS of each child")
    ap.add_argument("--cap-gib-at", nargs="+", metavar="M=GIB",
                    help="RLIMIT_AS for single sizes, e.g. 50000=14")
    ap.add_argument("--time-cap", type=float, default=600.0, help="seconds per child")
    ap.add_argument("--budget", type=float, default=900.0,
                    help="total seconds; later runs are skipped once it is spent")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--child", nargs=3, metavar=("M", "FORMULATION", "CAP_BYTES"),
                    help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(int(args.child[0]), args.child[1], int(args.child[2]))

    sizes = args.sizes or [m for m in SIZES if not args.quick or m <= QUICK_MAX]
    legacy = [] if args.no_legacy else (args.legacy_sizes or list(LEGACY_SIZES))
    hm = [] if args.no_hm else (args.hm_sizes or list(sizes))
    caps = parse_caps(args.cap_gib_at)
    runs = ([("legacy", m) for m in legacy] + [("hm-params", m) for m in hm]
            + [("current", m) for m in sizes])
    rows, t_start = [], time.perf_counter()
    for formulation, m in runs:
        spent = time.perf_counter() - t_start
        if spent > args.budget:
            rows.append({"m": m, "formulation": formulation,
                         "status": f"not run: budget {args.budget:.0f} s spent"})
            continue
        cap = min(args.time_cap, args.budget - spent)
        row = run_child(m, formulation, caps.get(m, args.cap_gib), cap)
        rows.append(row)
        print(f"{formulation:9s} m={m:6d}  {row['status']}  ({row['wall_s']:.1f} s)", flush=True)

    import cvxpy
    import numpy

    text = "\n".join([
        "# Explicit cvxpy X-step: memory and time against m",
        "",
        f"`python benchmarks/bench_xstep_memory.py {' '.join(sys.argv[1:])}`".replace(" `", "`"),
        "",
        f"h = {H}, n = {N_IN}, p = {N_OUT}; U, Y standard normal (seed {SEED}); "
        "Θ = initial_model; λ = 1. Each row is one child process with RLIMIT_AS as in "
        f"its column ({args.cap_gib:g} GiB unless `--cap-gib-at`) and a "
        f"{args.time_cap:.0f} s wall-clock cap (total budget "
        f"{args.budget:.0f} s). Machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, cvxpy {cvxpy.__version__}, "
        f"numpy {numpy.__version__}.",
        "",
        "compile s: `problem.get_problem_data(\"CLARABEL\")` (DPP canonicalisation, once "
        "per HiddenStep); solve s: `HiddenStep.solve(model, \"CLARABEL\")` after it "
        "(parameter load + Clarabel), Clarabel s: the solver's own time; peak RSS: "
        "`ru_maxrss` after the solve (after compile in brackets); peak VM: `VmPeak`, the "
        "peak address space, which is what RLIMIT_AS caps (it also counts allocated but "
        "never touched pages). `legacy` = the X-step with `sum(multiply(G, X))` in the "
        "objective; `hm-params` = the scalar `gx == vec(G) @ vec(X) / m` with G, W "
        "(h, m) parameters (HiddenStep before the small-parameter form); `current` = "
        "idl_sdp.HiddenStep, parameters L, Gx, Ds, Wx, const and the data U, Y as "
        "constants (`gx == vec(Gx) @ vec(X @ Ψᵀ) / m`). Checks: problem.value against "
        "idl_sdp.objective at the returned X; J and X against `solver=\"fast\"` "
        "(KKT tol 1e-10).",
        "",
        table(rows),
        "",
        *notes(rows, args.cap_gib),
        "",
    ])
    print("\n" + text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
