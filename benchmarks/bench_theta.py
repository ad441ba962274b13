"""Θ-step benchmark: the fast active-set path against the cvxpy problem with Clarabel.

Three parts, each printed as a markdown table (and written to ``benchmarks/results/``):

``exact``
    Random instances (m 50–2000, h 3–30, n 2–60, λ from 1e-3 to 1e3, all three LMIs,
    reg 0 / 1e-3 / 0.1): J of the fast path against the cvxpy Θ-step solved by Clarabel
    at tolerances 1e-10, the fast path's outer iterations and both times.
``digits``
    digits (70 % stratified split, h = 20, λ = 1), reg 0 and 1e-3: the first Θ-step
    (from D = 0, B = 0, c = 0, random A) and a later one (round 6 of a fast fit),
    fast against cvxpy + Clarabel, side by side in one run.
``model``
    The model SDPs of a 7-round digits fit, each solved by the dense interior-point
    method and by Clarabel through cvxpy, in CPU seconds.
``crossover``
    Small instances (m 50–300, h 3–15, n 2–30; eq5 LMI, reg 0 and 0.1): the re-solve
    time of the active-set method and of the cvxpy problem with Clarabel, both forced,
    and which one ``method="auto"`` picks — the data behind the size rule of
    :class:`idl_sdp.ParameterStep`.
``fit``
    A 20-round digits fit with ``solver="fast"`` (fixed reg, no reg selection) against
    one cvxpy + Clarabel Θ-step at the same size, in one run; per-round Θ-step seconds
    and outer iterations.

Run ``python benchmarks/bench_theta.py [--parts exact digits fit] [--quick]``.
Times are wall-clock seconds of the solve calls on this machine (shared, 2 cores):
compare the ratios measured in one run, not the absolute numbers across runs.
"""
from __future__ import annotations

import argparse
import os
import platform
import time
from typing import List

import numpy as np

import idl_sdp
from idl_sdp import HiddenStep, ParameterStep, objective
from idl_sdp.datasets import load_split
from idl_sdp.lmi import lmi_matrix

RESULTS = os.path.join(os.path.dirname(__file__), "results")
TIGHT = {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10}


def table(header: List[str], rows: List[List[str]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def cvxpy_reference(step: ParameterStep, X, model, repeat: int = 2):
    """The cvxpy Θ-step with Clarabel.

    Returns the reference model — from the tightest solve Clarabel certifies (1e-10,
    else the default 1e-8; if neither, its inaccurate point, and the label says so) —
    the seconds of a first solve (compile + solve) and of a re-solve (new parameter
    values, as in every later round of a fit) at the default settings (1e-8), and
    the label.
    """
    import warnings

    names = ("A", "B", "c", "D", "E", "f")
    V = step.variables
    times = []
    for _ in range(repeat):
        step.set_data(X, model)
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            step.problem.solve("CLARABEL", **idl_sdp._solvers.DEFAULT_OPTIONS["CLARABEL"])
        times.append(time.perf_counter() - t0)
        if times[-1] > 20.0:
            break  # a long solve: its compile share is negligible, skip the re-solve
    status_default = step.problem.status
    default = {k: V[k].value for k in names}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        step.problem.solve("CLARABEL", **TIGHT)
    if step.problem.status == "optimal":
        tol, vals = "1e-10", {k: V[k].value for k in names}
    else:
        tol, vals = "1e-8" + ("" if status_default == "optimal" else f" ({status_default})"), default
    return idl_sdp.ImplicitModel(**vals), times[0], times[-1], tol


def fast_solve(step: ParameterStep, X, model):
    """The fast Θ-step twice: first call (compiles the model SDP) and re-solve."""
    times = []
    for _ in range(2):
        t0 = time.perf_counter()
        new, info = step.solve(X, model, "fast", return_info=True)
        times.append(time.perf_counter() - t0)
    return new, info, times[0], times[1]


def feasibility(step: ParameterStep, new, model) -> float:
    """min(λ_min(LMI matrix − δI), 1 − eps − ‖D‖₂): ≥ 0 when the constraints hold."""
    C = lmi_matrix(step.lmi, new.A, new.D, step.lam, A_ref=model.A, margin=step.margin)
    return min(float(np.linalg.eigvalsh(C)[0]), 1 - step.eps - float(np.linalg.norm(new.D, 2)))


def random_instance(k: int):
    rng = np.random.default_rng([k, 2024])
    m = int(rng.choice([50, 120, 300, 800, 2000]))
    h = int(rng.choice([3, 8, 15, 30]))
    n = int(rng.choice([2, 10, 30, 60]))
    p = int(rng.choice([1, 3]))
    lmi = ("linearized", "eq5", "schur")[k % 3]
    reg = (0.0, 1e-3, 0.1)[(k // 3) % 3]
    lam = 10.0 ** rng.uniform(-3, 3, h) if k % 4 == 0 else np.full(h, float(10.0 ** rng.uniform(-1, 1)))
    T = rng.standard_normal((5, n)) / np.sqrt(n)
    U = rng.standard_normal((n, m))
    Y = rng.standard_normal((p, 5)) @ np.maximum(T @ U, 0) + 0.1 * rng.standard_normal((p, m))
    model = idl_sdp.initial_model(U, Y, h, seed=k)
    try:
        X = HiddenStep(U, Y, h, lam).solve(model, solver="fast")
    except idl_sdp.SolverError:
        # (seen at m = 300, h = 15, n = 2: the fast X-step's projected Newton stalls;
        # the instance only needs some X ≥ 0, so take the cvxpy X-step's)
        X = HiddenStep(U, Y, h, lam).solve(model, solver="CLARABEL")
    if lmi == "schur":
        model.A *= 0.01
    return U, Y, X, lam, model, lmi, reg


def part_exact(n_inst: int) -> str:
    rows = []
    worst = 0.0
    worst_skip: List[float] = []
    for k in range(n_inst):
        U, Y, X, lam, model, lmi, reg = random_instance(k)
        h = X.shape[0]
        step = ParameterStep(U, Y, h, lam, lmi=lmi, reg=reg)
        ref, c_ref, t_ref, tol = cvxpy_reference(step, X, model)
        J_ref = objective(ref, X, U, Y, lam, reg=reg)
        new, info, c_fast, t_fast = fast_solve(step, X, model)
        J = objective(new, X, U, Y, lam, reg=reg)
        rel = (J - J_ref) / abs(J_ref)
        worst = max(worst, rel)
        skip = "–"
        if info.get("method") == "active-set":
            # the same path solved on until the gradient mismatch vanishes (tol 1e-14:
            # no model skipped by the decrease bound), to show what the skip costs
            full, finfo = step.solve(X, model, "fast", return_info=True,
                                     method="active-set", tol=1e-14)
            J_full = objective(full, X, U, Y, lam, reg=reg)
            skip = f"{finfo['outer_iterations']} / {(J - J_full) / abs(J_full):+.1e}"
            worst_skip.append((J - J_full) / abs(J_full))
        rows.append([str(U.shape[1]), str(h), str(U.shape[0]), lmi, f"{reg:g}",
                     f"{lam.min():.0e}–{lam.max():.0e}", tol, f"{rel:+.1e}",
                     f"{feasibility(step, new, model):.1e}", str(info.get("outer_iterations", "–")),
                     info.get("method", "active-set"), skip,
                     f"{c_fast:.2f} / {t_fast:.2f}", f"{c_ref:.2f} / {t_ref:.2f}",
                     f"{t_ref / t_fast:.1f}"])
        print("exact", k, rows[-1], flush=True)
    md = table(["m", "h", "n", "lmi", "reg", "λ", "ref tol", "(J_fast − J_ref)/J_ref",
                "min slack", "outer", "method", "outer / (J − J_full)/J at tol 1e-14",
                "fast s (first / re-solve)", "cvxpy s (first / re-solve)", "re-solve ratio"],
               rows)
    return md + (f"\n\nWorst relative excess of the fast J over the reference: {worst:+.1e}."
                 + (f" Models skipped by the decrease bound (tol 1e-9) raise J by at most "
                    f"{max(worst_skip):+.1e} relative against solving on to tol 1e-14."
                    if worst_skip else "") + "\n")


def digits_problem(reg: float):
    data = load_split("digits", seed=0)
    U, Y = data.U_train, data.Y_train
    keep = np.ptp(U, axis=1) > 0           # drop the constant pixels (n = 61)
    return U[keep], Y


def part_digits(later_round: int = 6) -> str:
    rows = []
    h, lam = 20, 1.0
    for reg in (0.0, 1e-3):
        U, Y = digits_problem(reg)
        rng = np.random.default_rng(0)
        m0 = idl_sdp.initial_model(U, Y, h)
        m0.A = rng.standard_normal(m0.A.shape)
        m0.B[:] = 0.0
        m0.c[:] = 0.0
        X0 = HiddenStep(U, Y, h, lam).solve(m0, solver="fast")
        # a trained state: the model and X of round `later_round` of a fast fit
        res = idl_sdp.fit(U, Y, h, lam=lam, reg=reg, rounds=later_round - 1, solver="fast",
                          tol=0)
        mk = res.model
        Xk = HiddenStep(U, Y, h, lam).solve(mk, solver="fast", x0=res.X)
        for label, model, X in (("first (D = 0)", m0, X0), (f"round {later_round}", mk, Xk)):
            step = ParameterStep(U, Y, h, lam, reg=reg)
            new, info, c_fast, t_fast = fast_solve(step, X, model)
            ref, c_ref, t_ref, tol = cvxpy_reference(step, X, model, repeat=1)
            J, J_ref = (objective(mod, X, U, Y, lam, reg=reg) for mod in (new, ref))
            rows.append([f"{reg:g}", label, str(info.get("outer_iterations", "–")), f"{t_fast:.2f}",
                         f"{t_ref:.1f}", f"{t_ref / t_fast:.0f}×", f"{(J - J_ref) / abs(J_ref):+.1e}",
                         tol])
            print("digits", rows[-1], flush=True)
    m, n = U.shape[1], U.shape[0]
    md = table(["reg", "Θ-step", "outer iterations", "fast s", "cvxpy + Clarabel s", "ratio",
                "(J_fast − J_cvxpy)/J", "Clarabel tol"], rows)
    return f"digits: m = {m}, n = {n}, h = {h}, λ = {lam}.\n\n" + md + "\n"


def part_fit(rounds: int = 20, reg: float = 1e-3) -> str:
    h, lam = 20, 1.0
    U, Y = digits_problem(reg)
    t0 = time.perf_counter()
    res = idl_sdp.fit(U, Y, h, lam=lam, reg=reg, rounds=rounds, solver="fast", tol=0)
    t_fit = time.perf_counter() - t0
    model = idl_sdp.initial_model(U, Y, h)
    X = HiddenStep(U, Y, h, lam).solve(model, solver="fast")
    step = ParameterStep(U, Y, h, lam, reg=reg)
    t0 = time.perf_counter()
    step.solve(X, model, "CLARABEL")
    t_one = time.perf_counter() - t0
    th = [r["theta_step_solve_seconds"] for r in res.history]
    outer = [r.get("theta_step_outer_iterations") for r in res.history]
    xs = [r["x_step_solve_seconds"] for r in res.history]
    rows = [[str(i + 1), f"{xs[i]:.2f}", f"{th[i]:.2f}", str(outer[i])] for i in range(len(th))]
    later = th[1:]
    summary = (
        f"{rounds}-round digits fit, solver='fast', reg = {reg:g} (no reg selection): "
        f"**{t_fit:.1f} s** in all; one cvxpy + Clarabel Θ-step at the same size: "
        f"**{t_one:.1f} s**; ratio fit / one cvxpy Θ-step = **{t_fit / t_one:.2f}**.\n\n"
        f"Θ-step rounds ≥ 2: mean {np.mean(later):.2f} s, max {np.max(later):.2f} s, mean "
        f"outer iterations {np.mean([o for o in outer[1:] if o is not None]):.2f}.\n\n")
    return summary + table(["round", "X-step s", "Θ-step s", "Θ outer iterations"], rows) + "\n"


def part_model(rounds: int = 7, reg: float = 1e-3) -> str:
    """The model SDPs of a short digits fit, each solved by the dense interior-point
    method and by Clarabel through cvxpy (tolerances 1e-10), in CPU seconds."""
    from threadpoolctl import threadpool_limits

    from idl_sdp.fast import theta_model

    captured = []
    real = theta_model.ReducedThetaSDP.solve_dense

    def spy(self, *args, **kw):
        captured.append((self, args))
        return real(self, *args, **kw)

    theta_model.ReducedThetaSDP.solve_dense = spy
    try:
        U, Y = digits_problem(reg)
        idl_sdp.fit(U, Y, 20, lam=1.0, reg=reg, rounds=rounds, solver="fast", tol=0)
    finally:
        theta_model.ReducedThetaSDP.solve_dense = real
    rows = []
    tight = [dict(TIGHT), {}]
    with threadpool_limits(limits=1, user_api="blas"):
        for k, (sdp, args) in enumerate(captured):
            t0 = time.process_time()
            _, _, dec, info = real(sdp, *args)
            t_dense = time.process_time() - t0
            sdp.solve(*args, "CLARABEL", tight)          # compile once, as a fit does
            t0 = time.process_time()
            _, _, dec_ref, _ = sdp.solve(*args, "CLARABEL", tight)
            t_ref = time.process_time() - t0
            sigma = args[7]
            rows.append([str(k + 1), "yes" if sdp.with_norm else "no", info["status"],
                         str(info["iterations"]), f"{t_dense:.3f}", f"{t_ref:.3f}",
                         f"{t_ref / t_dense:.1f}", f"{(dec - dec_ref) / sigma:+.1e}",
                         f"{min(info['min_eig']):.1e}"])
            print("model", rows[-1], flush=True)
    return (f"The {len(rows)} model SDPs of a {rounds}-round digits fit (h = 20, reg = {reg:g}): "
            "CPU seconds of one solve each (Clarabel re-solving its compiled problem), "
            "(decrease_dense − decrease_Clarabel)/J (≥ 0: the dense point is at least as "
            "good), and the dense point's smallest block eigenvalue.\n\n"
            + table(["#", "norm block", "dense status", "IPM iterations", "dense CPU s",
                     "Clarabel CPU s", "ratio", "Δ decrease / J", "min λ"], rows) + "\n")


def crossover_instance(m: int, h: int, n: int, seed: int = 0):
    """The same data for both reg values (only the step's reg differs)."""
    rng = np.random.default_rng([m, h, n, seed, 7])
    T = rng.standard_normal((5, n)) / np.sqrt(n)
    U = rng.standard_normal((n, m))
    Y = rng.standard_normal((1, 5)) @ np.maximum(T @ U, 0) + 0.1 * rng.standard_normal((1, m))
    lam = np.full(h, 1.0)
    model = idl_sdp.initial_model(U, Y, h, seed=seed)
    X = HiddenStep(U, Y, h, lam).solve(model, solver="fast")
    return U, Y, X, lam, model


def part_crossover() -> str:
    rows = []
    for m in (50, 120, 300):
        for h in (3, 8, 15):
            for n in (2, 10, 30):
                for reg in (0.0, 0.1):
                    U, Y, X, lam, model = crossover_instance(m, h, n)
                    step = ParameterStep(U, Y, h, lam, lmi="eq5", reg=reg)
                    t = {}
                    for meth in ("active-set", "cvxpy"):
                        try:
                            step.solve(X, model, "fast", method=meth)   # compile
                            # the best of three re-solves: single 10–100 ms timings
                            # on this shared machine vary by up to 2× between runs
                            runs = []
                            for _ in range(3):
                                t0 = time.perf_counter()
                                step.solve(X, model, "fast", method=meth)
                                runs.append(time.perf_counter() - t0)
                            t[meth] = min(runs)
                        except idl_sdp.SolverError as exc:
                            t[meth] = float("nan")
                            print("  ", meth, "failed:", exc.status)
                    _, info = step.solve(X, model, "fast", return_info=True)
                    best = min(t, key=lambda k: t[k] if np.isfinite(t[k]) else np.inf)
                    auto = info["method"].split(" ")[0]
                    rows.append([str(m), str(h), str(n), f"{reg:g}", str(m * h),
                                 f"{m / (h + n + 1):.1f}", f"{t['active-set']:.3f}",
                                 f"{t['cvxpy']:.3f}", f"{t['cvxpy'] / t['active-set']:.2f}",
                                 best, auto, "yes" if auto == best or max(t.values()) <
                                 1.25 * min(t.values()) else "**no**"])
                    print("crossover", rows[-1], flush=True)
    return ("Re-solve seconds (best of three calls after a compiling one), both methods "
            "forced; λ = 1, one "
            "output. 'auto' is the method `solver=\"fast\"` picks; 'ok' says whether it "
            "is the faster one (or within 25 %).\n\n"
            + table(["m", "h", "n", "reg", "m·h", "m/q", "active-set s", "cvxpy s",
                     "cvxpy / active-set", "faster", "auto", "ok"], rows) + "\n")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parts", nargs="+", default=["exact", "digits", "fit", "model"],
                    choices=["exact", "digits", "fit", "model", "crossover"])
    ap.add_argument("--quick", action="store_true", help="6 random instances, no digits fit")
    args = ap.parse_args(argv)
    head = (f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}, idl_sdp {idl_sdp.__version__}; "
            f"{time.strftime('%Y-%m-%d')}.\n")
    out = [head]
    if "exact" in args.parts:
        out += ["## Exactness and speed on random instances\n", part_exact(6 if args.quick else 20)]
    if "digits" in args.parts and not args.quick:
        out += ["## digits: first and later Θ-steps\n", part_digits()]
    if "fit" in args.parts and not args.quick:
        out += ["## digits: a 20-round fast fit against one cvxpy Θ-step\n", part_fit()]
    if "model" in args.parts and not args.quick:
        out += ["## digits: the model SDPs, dense interior point against Clarabel\n",
                part_model()]
    if "crossover" in args.parts:
        out += ["## Small instances: which method is faster\n", part_crossover()]
    text = "\n".join(out)
    print(text)
    if not args.quick:
        os.makedirs(RESULTS, exist_ok=True)
        name = "theta_step.md" if set(args.parts) == {"exact", "digits", "fit", "model"} else \
            "theta_step_" + "_".join(args.parts) + ".md"
        with open(os.path.join(RESULTS, name), "w") as fh:
            fh.write("# Θ-step: fast path against cvxpy + Clarabel\n\n" + text)


if __name__ == "__main__":
    main()
