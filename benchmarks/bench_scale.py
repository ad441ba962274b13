"""How the two subproblems and ``fit`` scale: cvxpy (Clarabel, SCS) vs the fast exact paths.

Four parts, written as markdown tables:

1. X-step re-solve seconds (cvxpy+Clarabel, cvxpy+SCS, fast serial, fast on Dask) on a
   grid of (m, h), with agreement of J and X against Clarabel.
2. Θ-step seconds and conic problem size: the textbook (uncompressed) SDP, the
   Gram-compressed ``ParameterStep.problem`` and the fast active-set path, with a
   fitted growth exponent in m.
3. End-to-end ``fit`` on iris and digits (fast and Clarabel) next to scikit-learn's
   MLPClassifier.
4. The digits-size Θ-step (m = 1257, h = 20, n = 64): fast vs cvxpy.

Every cvxpy solve (and every fast Θ-step, which compiles a small cvxpy problem) runs in
a fresh child process with an address-space limit (``--mem-gb``), so a configuration
that needs too much memory fails alone instead of disturbing the machine. A
configuration whose predicted time exceeds its cap is skipped and marked so. The
machine is shared and timings are noisy: compare the ratios, which are measured
within one run.

Usage::

    python benchmarks/bench_scale.py --out benchmarks/RESULTS.md   # full run (~15 min)
    python benchmarks/bench_scale.py --quick                       # smoke run, prints only
"""
from __future__ import annotations

import argparse
import datetime
import math
import multiprocessing as mp
import os
import platform
import resource
import sys
import time
import traceback
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

# --------------------------------------------------------------------------------------
# Synthetic problems (part 1 and 2)
# --------------------------------------------------------------------------------------
N_INPUTS, N_OUTPUTS, N_TEACHER = 20, 5, 30
LAM = 1.0           # λ_j = 1 for every hidden unit
THETA_REG = 1e-3    # ridge of the Θ-step in part 2
NORM_D = 0.9        # ‖D‖₂ of the synthetic models
MIN_EIG_M = 1e-2    # λ_min(M) the synthetic models are built to satisfy (≥ 1e-3)

SYNTHETIC_NOTE = (
    f"Synthetic data: n = {N_INPUTS} inputs, p = {N_OUTPUTS} outputs, U standard normal "
    f"(n × m); Y = T₂ (T₁U)₊ + 0.1·noise from a random one-layer teacher with "
    f"{N_TEACHER} units. λ = {LAM:g} for every unit. Each model starts as "
    "`initial_model` (random E/√n, A, B, c by least squares); then D is a random "
    "Gaussian matrix whose symmetric part has its eigenvalues clipped from above (largest "
    f"clip level found by bisection) and which is rescaled to ‖D‖₂ = {NORM_D}, so that "
    f"M = AᵀA + Λ − ΛD − DᵀΛ ⪰ {MIN_EIG_M:g}·I; f ~ 0.1·N(0, 1). Two such models "
    "(seeds 0 and 1) are used: the first solve (which compiles) uses model 0, the timed "
    "re-solve model 1 — new parameter values for the same compiled problem."
)


def synthetic_data(m: int, seed: int = 0) -> Tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng([seed, m, 7])
    U = rng.standard_normal((N_INPUTS, m))
    T1 = rng.standard_normal((N_TEACHER, N_INPUTS)) / math.sqrt(N_INPUTS)
    T2 = rng.standard_normal((N_OUTPUTS, N_TEACHER)) / math.sqrt(N_TEACHER)
    Y = T2 @ np.maximum(T1 @ U, 0.0) + 0.1 * rng.standard_normal((N_OUTPUTS, m))
    return U, Y


def synthetic_model(U: np.ndarray, Y: np.ndarray, h: int, seed: int):
    """initial_model-like A, B, c, E; random D with ‖D‖₂ = 0.9 and λ_min(M) ≥ MIN_EIG_M."""
    import idl_sdp
    from idl_sdp.lmi import convexity_matrix

    model = idl_sdp.initial_model(U, Y, h, seed=seed)
    rng = np.random.default_rng([seed, h, U.shape[1], 11])
    D0 = rng.standard_normal((h, h))
    K, S = 0.5 * (D0 - D0.T), 0.5 * (D0 + D0.T)
    w, Q = np.linalg.eigh(S)
    lam = np.full(h, LAM)

    def build(t: float) -> Tuple[np.ndarray, float]:
        D = K + (Q * np.minimum(w, t)) @ Q.T
        D *= NORM_D / np.linalg.norm(D, 2)
        return D, float(np.linalg.eigvalsh(convexity_matrix(model.A, D, lam))[0])

    lo, hi = float(w[0]) - 1.0, float(w[-1])
    D, lmin = build(hi)
    if lmin < MIN_EIG_M:
        D, lmin = build(lo)
        if lmin < MIN_EIG_M:  # pragma: no cover - D ⪯ 0 symmetric part always works
            raise RuntimeError("could not build a model with M ⪰ 0")
        for _ in range(40):
            mid = 0.5 * (lo + hi)
            if build(mid)[1] >= MIN_EIG_M:
                lo = mid
            else:
                hi = mid
        D, lmin = build(lo)
    model.D = D
    model.f = 0.1 * rng.standard_normal(h)
    return model


def synthetic_problem(m: int, h: int):
    U, Y = synthetic_data(m)
    return U, Y, synthetic_model(U, Y, h, 0), synthetic_model(U, Y, h, 1)


def hidden_states(m: int, h: int):
    """U, Y, models a and b, and the X-step solutions for both (fast path)."""
    from idl_sdp import HiddenStep

    U, Y, a, b = synthetic_problem(m, h)
    step = HiddenStep(U, Y, h, LAM)
    Xa = step.solve(a, solver="fast")
    Xb = step.solve(b, solver="fast")
    return U, Y, a, b, Xa, Xb


def uncompressed_theta_problem(U, Y, X, lam, model, eps, reg, margin):
    """The textbook Θ-step (linearized LMI), without Gram compression: every sample
    appears in the loss and in the divergence, exactly as in eq 7."""
    import cvxpy as cp
    import idl_sdp

    n, m = U.shape
    p, h = Y.shape[0], X.shape[0]
    lam = np.full(h, lam) if np.ndim(lam) == 0 else np.asarray(lam, float)
    A, B, c = cp.Variable((p, h)), cp.Variable((p, n)), cp.Variable(p)
    D, E, f = cp.Variable((h, h)), cp.Variable((h, n)), cp.Variable(h)
    ones = np.ones((1, m))
    Z = D @ X + E @ U + cp.reshape(f, (h, 1), order="F") @ ones
    loss = cp.sum_squares(A @ X + B @ U + cp.reshape(c, (p, 1), order="F") @ ones - Y)
    div = cp.sum(cp.multiply(lam[:, None], idl_sdp.fenchel_divergence_expr(X, Z)))
    ridge = (cp.sum_squares(A) + cp.sum_squares(B) + cp.sum_squares(D)
             + cp.sum_squares(E)) / 2
    Lam = np.diag(lam)
    Ak = model.A
    S = Lam - Lam @ D - D.T @ Lam - margin * np.eye(h) + Ak.T @ A + A.T @ Ak - Ak.T @ Ak
    cons = [cp.bmat([[(1 - eps) * np.eye(h), D], [D.T, (1 - eps) * np.eye(h)]]) >> 0,
            0.5 * (S + S.T) >> 0]
    return cp.Problem(cp.Minimize(loss / (2 * m) + div / m + reg * ridge), cons)


def problem_size(problem) -> Dict[str, Any]:
    """Size of the conic problem cvxpy hands to Clarabel (cached after a solve)."""
    data = problem.get_problem_data("CLARABEL")[0]
    A, dims = data["A"], data["dims"]
    soc = list(dims.soc)
    psd = list(dims.psd)
    cones = [f"zero {dims.zero}", f"nonneg {dims.nonneg}"]
    if soc:
        cones.append(f"soc {len(soc)}×(Σ {sum(soc)})" if len(soc) > 1 else f"soc [{soc[0]}]")
    if psd:
        cones.append("psd " + "/".join(str(k) for k in psd))
    P = data.get("P")
    return {"variables": int(A.shape[1]), "rows": int(A.shape[0]), "nnz_A": int(A.nnz),
            "nnz_P": int(P.nnz) if P is not None else 0, "cones": ", ".join(cones)}


# --------------------------------------------------------------------------------------
# Jobs run in child processes (each returns a dict of plain data)
# --------------------------------------------------------------------------------------
def job_x_cvxpy(m: int, h: int, solver: str) -> Dict[str, Any]:
    from idl_sdp import HiddenStep, objective

    t_job = time.perf_counter()
    U, Y, a, b = synthetic_problem(m, h)
    opts = {"eps_abs": 1e-8, "eps_rel": 1e-8, "warm_start": False} if solver == "SCS" else {}
    step = HiddenStep(U, Y, h, LAM)
    t0 = time.perf_counter()
    step.solve(a, solver=solver, **opts)
    first = time.perf_counter() - t0
    compile_s = step.problem.compilation_time or 0.0
    t0 = time.perf_counter()
    X = step.solve(b, solver=solver, **opts)
    resolve = time.perf_counter() - t0
    return {"first": first, "compile": compile_s, "resolve": resolve,
            "in_solver": step.problem.solver_stats.solve_time,
            "J": objective(b, X, U, Y, LAM), "X": X, "job": time.perf_counter() - t_job}


def job_theta(m: int, h: int, method: str) -> Dict[str, Any]:
    from idl_sdp import ParameterStep, objective
    from idl_sdp._solvers import DEFAULT_OPTIONS

    t_job = time.perf_counter()
    U, Y, a, b, Xa, Xb = hidden_states(m, h)
    out: Dict[str, Any] = {}
    if method == "uncompressed":
        step = ParameterStep(U, Y, h, LAM, reg=THETA_REG)  # only for its margin
        t0 = time.perf_counter()
        prob = uncompressed_theta_problem(U, Y, Xb, LAM, b, step.eps, THETA_REG, step.margin)
        out["size"] = problem_size(prob)  # builds and compiles (cached for the solve)
        out["compile"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        prob.solve(solver="CLARABEL", **DEFAULT_OPTIONS["CLARABEL"])
        out["solve"] = time.perf_counter() - t0
        if prob.status != "optimal":
            raise RuntimeError(f"uncompressed Θ-step: status {prob.status}")
        out["seconds"] = out["compile"] + out["solve"]  # no parameters: paid every round
        out["objective"] = float(prob.value)
    elif method == "gram":
        step = ParameterStep(U, Y, h, LAM, reg=THETA_REG)
        t0 = time.perf_counter()
        step.solve(Xa, a, solver="CLARABEL")
        out["first"] = time.perf_counter() - t0
        out["compile"] = step.problem.compilation_time or 0.0
        t0 = time.perf_counter()
        new = step.solve(Xb, b, solver="CLARABEL")
        out["seconds"] = time.perf_counter() - t0
        out["objective"] = float(step.problem.value)
        out["objective_numpy"] = objective(new, Xb, U, Y, LAM, reg=THETA_REG)
        out["size"] = problem_size(step.problem)
    elif method == "fast":
        step = ParameterStep(U, Y, h, LAM, reg=THETA_REG)
        t0 = time.perf_counter()
        step.solve(Xa, a, solver="fast")
        out["first"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        step.solve(Xb, b, solver="fast")
        out["seconds"] = time.perf_counter() - t0
        info = step.info
        out.update(objective=info["objective"], outer=info["outer_iterations"],
                   kkt=info["kkt_residual"], inner=info["inner_seconds"])
        out["size"] = problem_size(step._workspace.sdp(info["norm_block"]).problem)
    else:
        raise ValueError(method)
    out["job"] = time.perf_counter() - t_job
    return out


def job_fit(name: str, h: int, rounds: int, reg: float, solver: str,
            max_samples: Optional[int]) -> Dict[str, Any]:
    import idl_sdp
    from idl_sdp.datasets import load_split

    data = load_split(name, seed=0, max_samples=max_samples)
    t0 = time.perf_counter()
    res = idl_sdp.fit(data.U_train, data.Y_train, hidden=h, reg=reg, rounds=rounds, tol=0,
                      solver=solver)
    seconds = time.perf_counter() - t0
    acc = float(np.mean(res.model.predict(data.U_test).argmax(0) == data.y_test))
    fallbacks = sum(1 for r in res.history for k in r if k.endswith("_fallback"))
    return {"seconds": seconds, "rounds": res.n_iter, "accuracy": acc,
            "fallbacks": fallbacks, "m": data.U_train.shape[1],
            "x_seconds": [r.get("x_step_solve_seconds") for r in res.history],
            "theta_seconds": [r.get("theta_step_solve_seconds") for r in res.history],
            "objective": res.history[-1]["objective"]}


def job_digits_theta(method: str, h: int, reg: float,
                     max_samples: Optional[int]) -> Dict[str, Any]:
    import idl_sdp
    from idl_sdp import HiddenStep, ParameterStep, objective
    from idl_sdp.datasets import load_split

    data = load_split("digits", seed=0, max_samples=max_samples)
    U, Y = data.U_train, data.Y_train
    model0 = idl_sdp.initial_model(U, Y, h)
    X = HiddenStep(U, Y, h, LAM).solve(model0, solver="fast")
    step = ParameterStep(U, Y, h, LAM, reg=reg)
    out: Dict[str, Any] = {"m": U.shape[1], "n": U.shape[0], "h": h}
    t0 = time.perf_counter()
    if method == "cvxpy":
        new = step.solve(X, model0, solver="CLARABEL")
        out["seconds"] = time.perf_counter() - t0
        out["compile"] = step.problem.compilation_time or 0.0
        out["objective"] = float(step.problem.value)
        out["size"] = problem_size(step.problem)
    else:
        new = step.solve(X, model0, solver="fast")
        out["first"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        new = step.solve(X, model0, solver="fast")
        out["seconds"] = time.perf_counter() - t0
        info = step.info
        out.update(objective=info["objective"], outer=info["outer_iterations"],
                   kkt=info["kkt_residual"], inner=info["inner_seconds"])
    out["objective_numpy"] = objective(new, X, U, Y, LAM, reg=reg)
    return out


JOBS: Dict[str, Callable[..., Dict[str, Any]]] = {
    "x_cvxpy": job_x_cvxpy, "theta": job_theta, "fit": job_fit,
    "digits_theta": job_digits_theta,
}


def peak_rss_gb() -> float:
    """Peak resident memory of this process's own address space (VmHWM; unlike
    ``ru_maxrss`` it is not inherited from the parent across fork + exec)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 2**20
    except OSError:  # pragma: no cover - not Linux
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def _child(conn, name: str, kwargs: Dict[str, Any], mem_gb: float) -> None:
    if mem_gb > 0:
        limit = int(mem_gb * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        out = JOBS[name](**kwargs)
        out["peak_rss_gb"] = peak_rss_gb()
        conn.send(("ok", out))
    except MemoryError as exc:
        conn.send(("oom", f"out of memory (> {mem_gb:g} GB address space): {exc}"[:240]))
    except Exception as exc:  # reported in the table, the run goes on
        traceback.print_exc()
        conn.send(("error", f"{type(exc).__name__}: {exc}"[:240]))
    finally:
        conn.close()


def run_job(name: str, kwargs: Dict[str, Any], mem_gb: float,
            timeout: float) -> Tuple[str, Any]:
    """Run JOBS[name](**kwargs) in a fresh spawned process; ("ok", dict) or (status, text)."""
    ctx = mp.get_context("spawn")
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(send, name, kwargs, mem_gb), daemon=True)
    proc.start()
    send.close()
    try:
        if recv.poll(timeout):
            try:
                result = recv.recv()
            except EOFError:
                result = ("error", f"child exited with code {proc.exitcode} without a result")
        else:
            result = ("killed", f"killed after {timeout:.0f} s (hard limit)")
    finally:
        if proc.is_alive():
            proc.terminate()
        proc.join(10)
        if proc.is_alive():  # pragma: no cover
            proc.kill()
            proc.join()
    if result[0] == "error" and proc.exitcode not in (0, None) and "exit" not in result[1]:
        result = (result[0], f"{result[1]} (exit code {proc.exitcode})")
    return result


# --------------------------------------------------------------------------------------
# Time / memory predictions and caps
# --------------------------------------------------------------------------------------
def growth_exponent(points: Sequence[Tuple[float, float]]) -> Optional[float]:
    """Least-squares slope of log(seconds) against log(m); None with fewer than 2 sizes."""
    pts = [(m, t) for m, t in points if t is not None and t > 0]
    if len(set(m for m, _ in pts)) < 2:
        return None
    x = np.log([m for m, _ in pts])
    y = np.log([t for _, t in pts])
    return float(np.polyfit(x, y, 1)[0])


class Cap:
    """Predicts a configuration's cost from the ones that ran and decides to skip it.

    Within a fixed h the cost is extrapolated from the largest smaller m with exponent
    max(1, fitted slope); the first m of an h is extrapolated from the same m at the
    largest smaller h as (h/h₀)^``h_power``. Once a configuration was skipped or failed,
    every larger m at that h is skipped too.
    """

    def __init__(self, seconds: float, h_power: float):
        self.seconds, self.h_power = seconds, h_power
        self.done: Dict[Tuple[int, int], float] = {}
        self.blocked: Dict[int, str] = {}

    def check(self, m: int, h: int) -> Optional[str]:
        if h in self.blocked:
            return self.blocked[h]
        same_h = sorted((mm, t) for (mm, hh), t in self.done.items() if hh == h and mm < m)
        pred = None
        if same_h:
            e = growth_exponent(same_h) or 1.0
            m0, t0 = same_h[-1]
            pred = t0 * (m / m0) ** max(1.0, e)
        else:
            same_m = sorted((hh, t) for (mm, hh), t in self.done.items() if mm == m and hh < h)
            if same_m:
                h0, t0 = same_m[-1]
                pred = t0 * (h / h0) ** self.h_power
        if pred is not None and pred > self.seconds:
            return f"skipped (> cap: predicted {pred:.0f} s > {self.seconds:.0f} s)"
        return None

    def record(self, m: int, h: int, seconds: Optional[float], failed: Optional[str] = None):
        if failed is not None:
            self.blocked[h] = "skipped (a smaller m failed or was skipped)"
        else:
            self.done[(m, h)] = seconds


def cvxpy_x_memory_gb(m: int, h: int) -> float:
    """The dense array cvxpy's quadratic-coefficient extraction allocates for the X-step:
    (#variables + 1) × (#parameter entries + 1) float64 (L, Ds: h²; G, W: h·m)."""
    return 8.0 * (h * m + 2) * (2 * h * m + 2 * h * h + 2) / 2**30


# --------------------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------------------
def fs(x: Optional[float]) -> str:
    if x is None:
        return "—"
    if x >= 100:
        return f"{x:.0f}"
    if x >= 10:
        return f"{x:.1f}"
    if x >= 0.1:
        return f"{x:.2f}"
    return f"{x:.3f}"


def fr(x: Optional[float]) -> str:
    if x is None or not np.isfinite(x):
        return "—"
    return f"{x:.0f}×" if x >= 100 else (f"{x:.1f}×" if x >= 1 else f"{x:.2f}×")


def fe(x: Optional[float]) -> str:
    return "—" if x is None else f"{x:.1e}"


def ratio(a: Optional[float], b: Optional[float]) -> Optional[float]:
    return None if a is None or b is None or b <= 0 else a / b


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def dask_resolve(step, a, b, client, m: int, args) -> Optional[Dict[str, Any]]:
    """Median time of the Dask re-solve on model b; each timed call follows an untimed
    call on model a, so two consecutive calls never scatter the same arrays (see the
    note on ``errors``). A call that raises is retried; the failures are counted."""
    chunk = max(16, math.ceil(m / (2 * args.workers)))
    times, X, errors, last = [], None, 0, ""
    for model, timed in [(a, False)] + [(b, True), (a, False)] * args.repeats:
        for _attempt in range(3):
            t0 = time.perf_counter()
            try:
                out = step.solve(model, solver="fast", client=client, chunk_size=chunk)
            except Exception as exc:  # distributed's errors (e.g. lost scattered data)
                errors += 1
                last = f"{type(exc).__name__}: {exc}"[:160]
                continue
            if timed:
                times.append(time.perf_counter() - t0)
                X = out
            break
    if X is None:
        return None
    return {"resolve": float(np.median(times)), "chunk": chunk, "X": X, "errors": errors,
            "last_error": last}


def median_time(fn: Callable[[], Any], repeats: int) -> Tuple[float, Any]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), out


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# --------------------------------------------------------------------------------------
# Part 1: X-step
# --------------------------------------------------------------------------------------
def part_x(args, client) -> Tuple[str, List[Dict[str, Any]]]:
    from idl_sdp import HiddenStep, objective

    caps = {s: Cap(args.cap_x, h_power=2.0) for s in ("CLARABEL", "SCS")}
    rows = []
    for h in args.hs:
        for m in args.ms:
            U, Y, a, b = synthetic_problem(m, h)
            row: Dict[str, Any] = {"m": m, "h": h}
            for solver in ("CLARABEL", "SCS"):
                key = solver.lower()
                need = cvxpy_x_memory_gb(m, h)
                reason = None
                if need > args.mem_gb:
                    reason = (f"skipped (> memory cap: cvxpy would allocate a dense "
                              f"{need:.0f} GB array)")
                reason = reason or caps[solver].check(m, h)
                if reason is not None:
                    row[key] = reason
                    caps[solver].record(m, h, None, failed=reason)
                    continue
                log(f"X-step {solver} m={m} h={h}")
                status, out = run_job("x_cvxpy", {"m": m, "h": h, "solver": solver},
                                      args.mem_gb, 3 * args.cap_x + 60)
                if status == "ok":
                    row[key] = out
                    caps[solver].record(m, h, out["job"])
                else:
                    row[key] = f"failed: {out}"
                    caps[solver].record(m, h, None, failed=out)
            step = HiddenStep(U, Y, h, LAM)
            step.solve(a, solver="fast")
            t, X = median_time(lambda: step.solve(b, solver="fast"), args.repeats)
            row["fast"] = {"resolve": t, "J": objective(b, X, U, Y, LAM), "X": X,
                           "kkt": step.info["kkt_residual"],
                           "iterations": step.info["iterations"]}
            if client is not None:
                row["dask"] = dask_resolve(step, a, b, client, m, args)
                if row["dask"] is not None:
                    Xd = row["dask"].pop("X")
                    row["dask"]["J"] = objective(b, Xd, U, Y, LAM)
                    row["dask"]["identical"] = bool(np.array_equal(Xd, X))
                    row["dask"]["vs_serial"] = float(np.max(np.abs(Xd - X)))
                else:
                    del row["dask"]
            log(f"X-step fast m={m} h={h}: {row['fast']['resolve']:.3f} s")
            rows.append(row)

    def sec(r, k, f="resolve"):
        v = r.get(k)
        return v[f] if isinstance(v, dict) else None

    def cell(r, k, f="resolve"):
        v = r.get(k)
        return fs(v[f]) if isinstance(v, dict) else (v or "—")

    t_rows, a_rows = [], []
    for r in rows:
        fast = sec(r, "fast")
        t_rows.append([
            r["h"], r["m"], cell(r, "clarabel", "compile"), cell(r, "clarabel"),
            cell(r, "scs", "compile"), cell(r, "scs"),
            f"{fs(fast)} ({r['fast']['iterations']} it)",
            fs(sec(r, "dask")) + (f" (chunk {r['dask']['chunk']})" if "dask" in r else ""),
            fr(ratio(sec(r, "clarabel"), fast)), fr(ratio(sec(r, "scs"), fast)),
            fr(ratio(fast, sec(r, "dask"))),
        ])
        ref = r.get("clarabel")
        agree = []
        for k in ("scs", "fast", "dask"):
            v = r.get(k)
            if isinstance(ref, dict) and isinstance(v, dict):
                v["dJ"] = (v["J"] - ref["J"]) / abs(ref["J"])
                agree.append(fe(v["dJ"]))
            else:
                agree.append("—")
        for k in ("scs", "fast"):
            v = r.get(k)
            if isinstance(ref, dict) and isinstance(v, dict):
                v["dX"] = float(np.max(np.abs(v["X"] - ref["X"])))
                agree.append(fe(v["dX"]))
            else:
                agree.append("—")
        sc = r.get("scs")
        agree.append(fe(float(np.max(np.abs(r["fast"]["X"] - sc["X"]))))
                     if isinstance(sc, dict) else "—")
        agree.append(fe(r["fast"]["kkt"]))
        if "dask" in r:
            d = r["dask"]
            agree.append("yes" if d["identical"] else f"no (max {fe(d['vs_serial'])})")
            agree.append(str(d["errors"]))
        else:
            agree += ["—", "—"]
        a_rows.append([r["h"], r["m"], *agree])
    exps = []
    for h in args.hs:
        e = []
        for k in ("clarabel", "scs", "fast", "dask"):
            g = growth_exponent([(r["m"], sec(r, k)) for r in rows if r["h"] == h])
            e.append("—" if g is None else f"{g:.2f}")
        exps.append([h, *e])
    md = "\n\n".join([
        "## 1. X-step: re-solve seconds",
        SYNTHETIC_NOTE,
        "Timed: the re-solve (model 1) after a first solve (model 0) that compiled the "
        "problem; *compile* is cvxpy's compilation time of that first solve. All solves "
        f"start cold (no x0; SCS `warm_start=False`). SCS: eps_abs = eps_rel = 1e-8. "
        f"Fast and Dask: median of {args.repeats} re-solves; Dask: "
        f"{args.workers}-worker LocalCluster (1 thread each), column blocks of "
        "ceil(m / (2·workers)). Ratios > 1 mean the second method is faster. cvxpy "
        f"configurations run in a child process limited to {args.mem_gb:g} GB of address "
        f"space and are skipped when their predicted time exceeds {args.cap_x:.0f} s.",
        table(["h", "m", "Clarabel compile s", "Clarabel s", "SCS compile s", "SCS s",
               "fast s", "Dask s", "Clarabel/fast", "SCS/fast", "fast/Dask"], t_rows),
        "**Agreement with Clarabel** (relative J difference, signed: negative = lower J "
        "than Clarabel; ‖ΔX‖∞ = largest entry of |X − X_Clarabel|), the fast path's KKT "
        "residual "
        "max_k ‖x_k − (x_k − ∇φ_k)₊‖∞, whether the Dask result equals the serial one "
        "bit for bit (else the largest entry difference), and how many Dask calls raised "
        "and were retried:",
        table(["h", "m", "ΔJ/J SCS", "ΔJ/J fast", "ΔJ/J Dask", "‖ΔX‖∞ SCS",
               "‖ΔX‖∞ fast", "‖X_fast − X_SCS‖∞", "fast KKT residual", "Dask ≡ serial",
               "Dask errors"], a_rows),
        "Dask timing: each timed call on model 1 follows an untimed call on model 0 (as in "
        "a fit, where consecutive X-steps have new parameters). A call that raises is "
        "retried and counted in *Dask errors*.",
        "Growth exponent of the re-solve seconds in m (least-squares slope of log s vs "
        "log m over the sizes that ran):",
        table(["h", "Clarabel", "SCS", "fast", "Dask"], exps),
    ])
    return md, rows


# --------------------------------------------------------------------------------------
# Part 2: Θ-step
# --------------------------------------------------------------------------------------
THETA_METHODS = (("uncompressed", "textbook (uncompressed), Clarabel"),
                 ("gram", "Gram-compressed `ParameterStep.problem`, Clarabel"),
                 ("fast", "fast active-set"))


def part_theta(args) -> Tuple[str, List[Dict[str, Any]]]:
    caps = {k: Cap(args.cap_theta, h_power=3.0) for k, _ in THETA_METHODS}
    rows = []
    for h in args.hs:
        for m in args.ms:
            row: Dict[str, Any] = {"m": m, "h": h}
            for key, _ in THETA_METHODS:
                reason = caps[key].check(m, h)
                if reason is not None:
                    row[key] = reason
                    caps[key].record(m, h, None, failed=reason)
                    continue
                log(f"Θ-step {key} m={m} h={h}")
                status, out = run_job("theta", {"m": m, "h": h, "method": key},
                                      args.mem_gb, 3 * args.cap_theta + 60)
                if status == "ok":
                    row[key] = out
                    caps[key].record(m, h, out["job"])
                    log(f"  {out['seconds']:.2f} s (job {out['job']:.1f} s, "
                        f"peak {out['peak_rss_gb']:.2f} GB)")
                else:
                    row[key] = f"failed: {out}"
                    caps[key].record(m, h, None, failed=out)
                    log(f"  {status}: {out}")
            rows.append(row)

    def sec(r, k):
        v = r.get(k)
        return v["seconds"] if isinstance(v, dict) else None

    t_rows, s_rows = [], []
    for r in rows:
        cells = []
        for k, _ in THETA_METHODS:
            v = r.get(k)
            if not isinstance(v, dict):
                cells.append(v or "—")
            elif k == "uncompressed":
                cells.append(f"{fs(v['seconds'])} ({fs(v['compile'])} + {fs(v['solve'])})")
            elif k == "gram":
                cells.append(f"{fs(v['seconds'])} (compile {fs(v['compile'])})")
            else:
                cells.append(f"{fs(v['seconds'])} ({v['outer']} outer, inner "
                             f"{fs(v['inner'])})")
        fast = r.get("fast")
        agree = []
        for k in ("uncompressed", "gram"):
            v = r.get(k)
            if isinstance(v, dict) and isinstance(fast, dict):
                d = (fast["objective"] - v["objective"]) / abs(v["objective"])
                r.setdefault("agreement", {})[k] = d
                agree.append(fe(d))
            else:
                agree.append("—")
        g, u = r.get("gram"), r.get("uncompressed")
        gu = fe((g["objective"] - u["objective"]) / abs(u["objective"])) if (
            isinstance(g, dict) and isinstance(u, dict)) else "—"
        t_rows.append([r["h"], r["m"], *cells, fr(ratio(sec(r, "uncompressed"), sec(r, "gram"))),
                       fr(ratio(sec(r, "gram"), sec(r, "fast"))),
                       fr(ratio(sec(r, "uncompressed"), sec(r, "fast"))), *agree, gu])
        for k, label in THETA_METHODS:
            v = r.get(k)
            if isinstance(v, dict):
                sz = v["size"]
                s_rows.append([r["h"], r["m"], label, sz["variables"], sz["rows"],
                               sz["nnz_A"], sz["nnz_P"], sz["cones"],
                               f"{v['peak_rss_gb']:.2f}"])
    exps = []
    for h in args.hs:
        e = []
        for k, _ in THETA_METHODS:
            g = growth_exponent([(r["m"], sec(r, k)) for r in rows if r["h"] == h])
            e.append("—" if g is None else f"{g:.2f}")
        exps.append([h, *e])
    md = "\n\n".join([
        "## 2. Θ-step: seconds and problem size",
        f"Same synthetic problems as part 1 (reg = {THETA_REG:g}, linearized LMI, "
        "eps = 0.05); X is the exact X-step solution for each model. Timed on model 1 "
        "after a first solve on model 0. *Textbook*: the problem has no parameters, so "
        "every round pays build + compile + solve (shown as total (compile + solve)). "
        "*Gram*: DPP re-solve (compiled once; its compile time in parentheses). *Fast*: "
        "`ParameterStep.solve(..., solver=\"fast\")` re-solve (outer iterations and "
        "seconds inside Clarabel's small model SDPs in parentheses). Each method runs in "
        f"a child process ({args.mem_gb:g} GB address-space limit) and is skipped when "
        f"its predicted job time exceeds {args.cap_theta:.0f} s (extrapolated in m with "
        "exponent max(1, fitted slope), or from the previous h as (h/h₀)³).",
        table(["h", "m", "textbook s", "Gram s", "fast s", "textbook/Gram", "Gram/fast",
               "textbook/fast", "fast vs textbook (rel. obj.)", "fast vs Gram (rel. obj.)",
               "Gram vs textbook (rel. obj.)"], t_rows),
        "Relative objective differences are signed (fast − reference)/|reference|; "
        "negative means the fast path found a lower value.",
        "**Conic problem size** as handed to Clarabel "
        "(`problem.get_problem_data(\"CLARABEL\")[0]`: variables = columns of A, rows = "
        "constraint rows, nonzeros of A and of the quadratic objective P, cone "
        "dimensions). For the fast path this is the model SDP it re-solves each outer "
        "iteration. Peak RSS is that of the child process that ran the configuration.",
        table(["h", "m", "form", "variables", "constraint rows", "nnz(A)", "nnz(P)",
               "cones", "peak RSS GB"], s_rows),
        "Growth exponent in m of the per-round Θ-step seconds (least-squares slope of "
        "log s vs log m over the sizes that ran):",
        table(["h", "textbook", "Gram", "fast"], exps),
    ])
    return md, rows


# --------------------------------------------------------------------------------------
# Part 3: fit end to end; part 4: digits-size Θ-step
# --------------------------------------------------------------------------------------
def part_fit(args) -> Tuple[str, Dict[str, Any]]:
    from sklearn.neural_network import MLPClassifier
    from idl_sdp.datasets import load_split

    cfg = args.fit_cfg
    rows, res = [], {}
    for name, h, rounds, reg, max_samples in cfg:
        data = load_split(name, seed=0, max_samples=max_samples)
        m = data.U_train.shape[1]
        for solver in ("fast", "CLARABEL"):
            extrapolate = solver == "CLARABEL" and name == "digits" and not args.digits_cvxpy_full
            r = 1 if extrapolate else rounds
            log(f"fit {name} {solver} rounds={r}")
            status, out = run_job("fit", {"name": name, "h": h, "rounds": r, "reg": reg,
                                          "solver": solver, "max_samples": max_samples},
                                  args.mem_gb_fit, args.cap_fit)
            key = (name, solver)
            if status != "ok":
                rows.append([name, m, h, solver, f"failed: {out}", "—", "—", "—", "—", "—"])
                res[key] = None
                continue
            res[key] = out
            log(f"  {out['seconds']:.1f} s, accuracy {out['accuracy']:.3f}")
            if extrapolate:
                secs = f"{fs(out['seconds'] * rounds)} (extrapolated: 1 round measured, " \
                       f"{fs(out['seconds'])} s, × {rounds})"
                acc = f"{out['accuracy']:.3f} (after 1 round)"
                rnds = f"1 of {rounds}"
                out["extrapolated"] = out["seconds"] * rounds
            else:
                secs, acc, rnds = fs(out["seconds"]), f"{out['accuracy']:.3f}", out["rounds"]
            xs = [t for t in out["x_seconds"] if t is not None]
            ts = [t for t in out["theta_seconds"] if t is not None]
            rows.append([name, m, h, f"idl_sdp fit, solver=\"{solver}\"", secs,
                         fs(out["seconds"] / out["rounds"]),
                         f"{fs(float(np.mean(xs)) if xs else None)} / "
                         f"{fs(float(np.mean(ts)) if ts else None)}",
                         acc, rnds, out["fallbacks"]])
        t0 = time.perf_counter()
        mlp = MLPClassifier(hidden_layer_sizes=(h,), max_iter=2000, random_state=0)
        mlp.fit(data.U_train.T, data.y_train)
        t = time.perf_counter() - t0
        acc = float(np.mean(mlp.predict(data.U_test.T) == data.y_test))
        res[(name, "mlp")] = {"seconds": t, "accuracy": acc}
        rows.append([name, m, h, "sklearn MLPClassifier", fs(t), "—", "—", f"{acc:.3f}",
                     f"{mlp.n_iter_} epochs", "—"])
    per = []
    for name, *_ in cfg:
        f, c = res.get((name, "fast")), res.get((name, "CLARABEL"))
        if f and c:
            per.append(f"{name}: Clarabel/fast seconds per round = "
                       f"{fr(ratio(c['seconds'] / c['rounds'], f['seconds'] / f['rounds']))}")
    desc = ", ".join(f"{n} (h = {h}, {r} rounds, reg = {g:g})" for n, h, r, g, _ in cfg)
    md = "\n\n".join([
        "## 3. End to end: `fit`",
        f"`idl_sdp.fit(U_train, Y_train, hidden=h, reg=reg, rounds=R, tol=0, solver=...)` "
        f"on {desc}; split `load_split(name, seed=0)` (70 / 30, stratified). Accuracy: "
        "equilibrium predictions `model.predict(U_test).argmax(0)` against `y_test`. "
        "Seconds: wall clock of `fit` (includes building and compiling both problems; "
        "the mean X-step / Θ-step solve seconds are the steps' own timings from "
        "`history`, first round included). "
        "Fallbacks: steps whose solver failed and were re-solved by the other solver "
        "(0 means every step was solved by the named path). MLPClassifier: "
        "`hidden_layer_sizes=(h,), max_iter=2000, random_state=0` on the same split "
        "(rows = samples).",
        table(["data", "m train", "h", "method", "seconds", "s / round",
               "mean X-step / Θ-step solve s", "test accuracy", "rounds", "fallbacks"], rows),
        *(["; ".join(per) + "."] if per else []),
    ])
    return md, res


def part_digits_theta(args) -> Tuple[str, Dict[str, Any]]:
    h, reg, max_samples = args.digits_theta
    out = {}
    for method in ("cvxpy", "fast"):
        log(f"digits Θ-step {method}")
        status, r = run_job("digits_theta", {"method": method, "h": h, "reg": reg,
                                             "max_samples": max_samples},
                            args.mem_gb_fit, args.cap_fit)
        out[method] = r if status == "ok" else None
        if status != "ok":
            out[method + "_error"] = r
        else:
            log(f"  {r['seconds']:.2f} s")
    c, f = out.get("cvxpy"), out.get("fast")
    rows = []
    if c:
        rows.append(["cvxpy `ParameterStep.problem`, Clarabel (first solve)",
                     f"{fs(c['seconds'])} (compile {fs(c['compile'])})", f"{c['objective']:.12g}",
                     "—", f"{c['peak_rss_gb']:.2f}"])
    else:
        rows.append(["cvxpy `ParameterStep.problem`, Clarabel", out.get("cvxpy_error"),
                     "—", "—", "—"])
    if f:
        rows.append(["fast active-set (re-solve; first call incl. compile: "
                     f"{fs(f['first'])} s)", fs(f["seconds"]), f"{f['objective']:.12g}",
                     f"{f['outer']} outer, KKT {fe(f['kkt'])}", f"{f['peak_rss_gb']:.2f}"])
    else:
        rows.append(["fast active-set", out.get("fast_error"), "—", "—", "—"])
    if c and f:
        out["rel"] = (f["objective"] - c["objective"]) / abs(c["objective"])
        out["speedup"] = c["seconds"] / f["seconds"]
    dims = (f or c or {})
    md = "\n\n".join([
        "## 4. Digits-size Θ-step",
        f"digits training split (m = {dims.get('m', '?')}, n = {dims.get('n', '?')}, "
        f"p = 10), h = {h}, λ = 1, reg = {reg:g}, linearized LMI; Θ_k = "
        "`initial_model(U, Y, h)` and X its exact X-step solution (round 1 of `fit`). "
        "One run of each.",
        table(["method", "seconds", "objective J + reg·R", "iterations", "peak RSS GB"], rows),
        (f"Relative objective difference (fast − cvxpy)/|cvxpy| = {fe(out['rel'])}; "
         f"cvxpy/fast time ratio {fr(out['speedup'])}." if "rel" in out else ""),
    ])
    return md, out


# --------------------------------------------------------------------------------------
def machine_note() -> str:
    import clarabel
    import cvxpy
    import scs
    try:
        import distributed
        dask_v = distributed.__version__
    except ImportError:  # pragma: no cover
        dask_v = "not installed"
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    return (f"{os.cpu_count()} cores ({cpu}), shared with other work (load average "
            f"{load[0]:.1f} at the start of the run): absolute seconds are noisy, the "
            "ratios measured within this run are the meaningful numbers. Python "
            f"{platform.python_version()}, numpy {np.__version__}, cvxpy {cvxpy.__version__}, "
            f"Clarabel {clarabel.__version__}, SCS {scs.__version__}, distributed {dask_v}. "
            "The fast paths limit BLAS to one thread (many small products); Clarabel "
            "runs single-threaded.")


def goals(x_rows, theta_rows, fits, dig, quick: bool = False) -> str:
    if quick:
        return ("## Goals\n\nNot evaluated: a `--quick` run uses smaller problems and "
                "fewer rounds than the goals refer to.")
    items = []

    def ok(flag):
        return "**met**" if flag else "**missed**"

    f = fits.get(("iris", "fast"))
    if f:
        items.append(f"iris, 20 rounds, solver=\"fast\" < 10 s: {fs(f['seconds'])} s "
                     f"({f['rounds']} rounds) — {ok(f['seconds'] < 10 and f['rounds'] >= 20)}")
    f = fits.get(("digits", "fast"))
    if f:
        items.append(f"digits, 20 rounds, solver=\"fast\" < 2 min: {fs(f['seconds'])} s "
                     f"({f['rounds']} rounds) — {ok(f['seconds'] < 120 and f['rounds'] >= 20)}")
    if dig.get("fast"):
        items.append(f"digits-size Θ-step, fast ≤ 3 s: {fs(dig['fast']['seconds'])} s — "
                     f"{ok(dig['fast']['seconds'] <= 3)}")
    if "rel" in dig:
        items.append(f"digits-size Θ-step, fast vs cvxpy objective ≤ 1e-6 relative: "
                     f"{fe(abs(dig['rel']))} — {ok(abs(dig['rel']) <= 1e-6)}")
    dj = [abs(r[k]["dJ"]) for r in x_rows for k in ("fast", "dask")
          if isinstance(r.get(k), dict) and "dJ" in r[k]]
    if dj:
        items.append(f"X-step, fast vs Clarabel J ≤ 1e-6 relative (every size where both "
                     f"ran): worst {fe(max(dj))} — {ok(max(dj) <= 1e-6)}")
    same = [r["dask"]["identical"] for r in x_rows if "dask" in r]
    if same:
        worst = max(r["dask"]["vs_serial"] for r in x_rows if "dask" in r)
        items.append(f"X-step, Dask bit-identical to serial: {sum(same)}/{len(same)} "
                     f"configurations (largest difference {fe(worst)}) — {ok(all(same))}")
        errs = sum(r["dask"]["errors"] for r in x_rows if "dask" in r)
        if errs:
            items.append(f"X-step on Dask: {errs} call(s) raised and were retried")
    ag = [abs(d) for r in theta_rows for d in r.get("agreement", {}).values()]
    if ag:
        items.append(f"Θ-step grid, fast vs cvxpy objective ≤ 1e-6 relative (every size "
                     f"where both ran): worst {fe(max(ag))} — {ok(max(ag) <= 1e-6)}")
    return "## Goals\n\n" + "\n".join(f"- {s}" for s in items)


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="tiny smoke run (about a minute)")
    ap.add_argument("--out", help="write the markdown here (full run default: "
                    "benchmarks/RESULTS.md; --quick writes nothing unless given)")
    ap.add_argument("--parts", nargs="+", default=["x", "theta", "fit", "digits"],
                    choices=["x", "theta", "fit", "digits"])
    ap.add_argument("--ms", type=int, nargs="+", help="sample counts of parts 1-2")
    ap.add_argument("--hs", type=int, nargs="+", help="hidden sizes of parts 1-2")
    ap.add_argument("--cap-x", type=float, default=120.0,
                    help="skip a cvxpy X-step configuration predicted above this (s)")
    ap.add_argument("--cap-theta", type=float, default=90.0,
                    help="skip a Θ-step configuration predicted above this (s)")
    ap.add_argument("--cap-fit", type=float, default=400.0,
                    help="hard time limit of each fit / digits job (s)")
    ap.add_argument("--mem-gb", type=float, default=8.0,
                    help="address-space limit of each child process (GB)")
    ap.add_argument("--mem-gb-fit", type=float, default=16.0,
                    help="address-space limit of the fit / digits jobs (GB): the cvxpy "
                    "X-step on digits maps a ~10 GB mostly untouched dense array")
    ap.add_argument("--workers", type=int, default=2, help="Dask LocalCluster workers")
    ap.add_argument("--repeats", type=int, default=3, help="repeats of the fast re-solves")
    ap.add_argument("--no-dask", action="store_true")
    ap.add_argument("--digits-cvxpy-full", action="store_true",
                    help="run all 20 rounds of the Clarabel fit on digits (~15 min)")
    args = ap.parse_args(argv)
    if args.quick:
        args.ms = args.ms or [100, 200]
        args.hs = args.hs or [5, 8]
        args.fit_cfg = [("iris", 10, 3, 1e-3, None), ("digits", 8, 2, 1e-2, 300)]
        args.digits_theta = (8, 1e-2, 300)
        args.cap_x, args.cap_theta = min(args.cap_x, 30.0), min(args.cap_theta, 30.0)
        args.repeats = 1
    else:
        args.ms = args.ms or [250, 1000, 4000]
        args.hs = args.hs or [10, 20, 50]
        args.fit_cfg = [("iris", 10, 20, 1e-3, None), ("digits", 20, 20, 1e-2, None)]
        args.digits_theta = (20, 1e-2, None)
        args.out = args.out or "benchmarks/RESULTS.md"
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    t_start = time.perf_counter()
    command = "python benchmarks/bench_scale.py " + " ".join(
        sys.argv[1:] if argv is None else argv)
    note = machine_note()
    sections: List[str] = []
    x_rows: List[Dict[str, Any]] = []
    theta_rows: List[Dict[str, Any]] = []
    fits: Dict[Any, Any] = {}
    dig: Dict[str, Any] = {}
    if "x" in args.parts:
        client = None
        if not args.no_dask:
            from idl_sdp.fast.distributed import local_client
            client = local_client(args.workers)
        try:
            md, x_rows = part_x(args, client)
        finally:
            if client is not None:
                client.close()
                client.cluster.close()
        sections.append(md)
    if "theta" in args.parts:
        md, theta_rows = part_theta(args)
        sections.append(md)
    if "fit" in args.parts:
        md, fits = part_fit(args)
        sections.append(md)
    if "digits" in args.parts:
        md, dig = part_digits_theta(args)
        sections.append(md)
    total = time.perf_counter() - t_start
    doc = "\n\n".join([
        "# Scaling benchmark: cvxpy vs the fast exact paths",
        f"Regenerate with `{command.strip()}` (from the repository root).",
        f"Run on {datetime.date.today().isoformat()}, {total / 60:.1f} min in total.",
        f"Machine: {note}",
        goals(x_rows, theta_rows, fits, dig, args.quick),
        *sections,
    ]) + "\n"
    print("\n" + doc)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            fh.write(doc)
        log(f"wrote {args.out}")


if __name__ == "__main__":
    main()
