"""Verified bounds on SDPLIB: ``value_bounds`` on the shared SDPLIB subset.

For each problem of ``../shared/data/sdplib`` (SDPA primal form, ``read_sdpa``) and each
(solver, setting) — Clarabel at its defaults (1e-8) and tight (1e-10), SCS at
eps 1e-7 (the package default) and tight (1e-9, max_iters 200000) — one call of
:func:`idl_sdp.value_bounds`, then an exact re-check of its certificate with
:func:`idl_sdp.certify.bounds_check.check_value_bounds`. Reported per run: the solver's
value and status, the enclosure [lower, upper], VSDP's width μ, whether the published
optimum lies in [lower − tol, upper + tol] (tol = half a unit of its last published
digit; for ``infp1``/``infd1`` whether the status is the published one), the seconds of
the first solve and the bounds' seconds relative to it, the re-check's seconds and
verdict, and why a side is infinite.

Which problems: Clarabel runs on every problem (PSD blocks up to order 250), with its
own cap (``--clarabel-cap``, 150 s: its PSD cones build a dense KKT block of order
n(n+1)/2 per block of order n — theta2, order 100, took 52 s with its bounds, while
gpp100, also order 100, did not finish one solve in 2 minutes); SCS runs where the
largest PSD block has order ≤ 100 (diagonal blocks are LP cones and do not count).
Every run happens in a worker process with a wall-clock cap (``--cap`` seconds for
SCS, then "timeout"), one at a time, setting by setting and cheapest problems first,
within a total budget (``--budget`` seconds; runs left when it is spent are listed as
"budget").

An upper bound below the published optimum (beyond its tolerance) gets a second opinion
written here, independently of idl_sdp: the certificate's primal point against the SDPA
file's *decimal* data, with exact rational arithmetic (:func:`independent_upper`). Only a
contradiction that this check does not explain counts as a false claim.

Run ``python benchmarks/bench_bounds.py [--quick] [--cap 40] [--clarabel-cap 150]
[--budget 2400] [--raw FILE.json]``; ``--render FILE.json`` re-renders the tables and plots of a ``--raw``
file without running anything. Writes ``benchmarks/results/bounds_sdplib.md`` and two
plots (not with ``--quick``).
Times are wall-clock seconds on this machine (shared, 2 cores).
"""
from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import os
import platform
import re
import time
from decimal import Decimal
from typing import Any, Dict, List, Optional

import idl_sdp
from idl_sdp.certify.bounds import PERTURBATIONS

RESULTS = os.path.join(os.path.dirname(__file__), "results")
SDPLIB = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data",
                                       "sdplib"))
TIGHT_CLARABEL = {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10}
SETTINGS = [
    ("CLARABEL", "default", {}),
    ("CLARABEL", "tight", TIGHT_CLARABEL),
    ("SCS", "default", {"eps_abs": 1e-7, "eps_rel": 1e-7}),
    ("SCS", "tight", {"eps_abs": 1e-9, "eps_rel": 1e-9, "max_iters": 200_000}),
]
#: The optional extras (``pip install idl_sdp[cvxopt,sdpa]``), each at idl_sdp's default
#: tolerances; run only where the module imports (else listed as not installed).
OPTIONAL = [("CVXOPT", "default", {}, "cvxopt"), ("SDPA", "default", {}, "sdpap")]
#: Largest PSD block order each solver is run on (CVXOPT and SDPA are dense, slow).
MAX_BLOCK = {"CLARABEL": 250, "SCS": 100, "CVXOPT": 100, "SDPA": 250}


def optional_settings() -> List[tuple]:
    """(settings of the optional solvers that import, names of those that do not)."""
    import importlib

    have, missing = [], []
    for solver, setting, opts, module in OPTIONAL:
        try:
            importlib.import_module(module)
            have.append((solver, setting, opts))
        except ImportError:
            missing.append(solver)
    return have, missing
QUICK = ["truss1", "truss4", "control1", "hinf1", "infp1", "infd1", "qap5"]


def table(header: List[str], rows: List[List[str]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


# ------------------------------------------------------------------ published optima
def half_unit(published: str) -> Decimal:
    """Half a unit of the last published digit: "1.778463e+01" → 5e-6, "2e-1" → 0.05."""
    return Decimal(5).scaleb(Decimal(published).as_tuple().exponent - 1)


def enclosure_check(published: str, status: str, lower: float, upper: float) -> str:
    """"yes" / "NO" (a false claim) / "–" (nothing claimed)."""
    if published in ("primal infeasible", "dual infeasible"):
        # primal infeasible: p* = +inf (a finite upper bound or "unbounded" is false);
        # dual infeasible: here p* = −inf (a finite lower bound or "infeasible" is false)
        want = "infeasible" if published == "primal infeasible" else "unbounded"
        if status == want:
            return "yes"
        if published == "primal infeasible" and (status == "unbounded" or
                                                 math.isfinite(upper)):
            return "NO"
        if published == "dual infeasible" and (status == "infeasible" or
                                               math.isfinite(lower)):
            return "NO"
        return "–"
    opt, tol = Decimal(published), half_unit(published)
    lo_ok = math.isinf(lower) and lower < 0 or Decimal(lower) - tol <= opt
    up_ok = math.isinf(upper) and upper > 0 or opt <= Decimal(upper) + tol
    if not (lo_ok and up_ok):
        return "NO"
    return "–" if (math.isinf(lower) and math.isinf(upper)) else "yes"


# ------------------------------------------------------------------ one run (worker)
def sdpa_exact(path: str):
    """The SDPA file's data as exact decimals (Fractions), parsed here, independently of
    :mod:`idl_sdp.sdpa`: (c, block sizes, {(k, b): [(i, j, v)]})."""
    from fractions import Fraction

    toks = []
    with open(path) as fh:
        for line in fh:
            if line.lstrip().startswith(('"', '*')):
                continue
            toks += [t for t in re.split(r"[\s,{}()]+", line) if t]
    m, nb = int(toks[0]), int(toks[1])
    sizes = [int(float(t)) for t in toks[2:2 + nb]]
    c = [Fraction(Decimal(t)) for t in toks[2 + nb:2 + nb + m]]
    ent: Dict[Any, list] = {}
    rest = toks[2 + nb + m:]
    for q in range(0, len(rest), 5):
        k, b, i, j = (int(v) for v in rest[q:q + 4])
        ent.setdefault((k, b - 1), []).append((i - 1, j - 1, Fraction(Decimal(rest[q + 4]))))
    return c, sizes, ent


def independent_upper(path: str, cert: Dict[str, Any], published: str) -> Dict[str, Any]:
    """Second opinion on an upper bound: the certificate's primal point x against the
    file's *decimal* data, in exact arithmetic (Σ x_k F_k − F_0 positive definite by an
    exact LDLᵀ with positive pivots; cᵀx exactly). Applies when the point needed no
    correction (SDPA primal problems have no equality rows)."""
    from fractions import Fraction

    up = cert.get("upper")
    if not up or up.get("correction") is not None:
        return {"applies": False}
    x = [Fraction(float.fromhex(h)) for h in up["x"]]
    c, sizes, ent = sdpa_exact(path)
    if len(x) != len(c):
        return {"applies": False}
    worst = None
    for b, nb in enumerate(sizes):
        n = abs(nb)
        S = [[Fraction(0)] * n for _ in range(n)]
        for k in range(len(c) + 1):
            coef = Fraction(-1) if k == 0 else x[k - 1]
            for i, j, v in ent.get((k, b), ()):
                S[i][j] += coef * v
                if i != j:
                    S[j][i] += coef * v
        for k in range(n):                       # exact LDLᵀ, no pivoting
            piv = S[k][k]
            worst = piv if worst is None or piv < worst else worst
            if piv <= 0:
                return {"applies": True, "feasible": False, "value": None,
                        "min_pivot": float(piv)}
            for i in range(k + 1, n):
                f = S[i][k] / piv
                if f:
                    for j in range(k + 1, n):
                        S[i][j] -= f * S[k][j]
    value = sum(ci * xi for ci, xi in zip(c, x))
    tol = Fraction(half_unit(published))
    return {"applies": True, "feasible": True, "value": float(value),
            "min_pivot": float(worst),
            # the published optimum is above a feasible point, beyond its tolerance
            "below_published": bool(value + tol < Fraction(Decimal(published)))}


def run_one(path: str, solver: str, options: Dict[str, Any],
            published: Optional[str] = None,
            slack_bound: Optional[float] = None) -> Dict[str, Any]:
    """value_bounds + its exact re-check; a plain dict (sent back through a pipe).

    When the upper bound lies below the published optimum (beyond its tolerance), the
    primal point is re-checked against the file's decimal data (:func:`independent_upper`).
    """
    from idl_sdp.certify.bounds import value_bounds
    from idl_sdp.certify.bounds_check import BoundsCheckError, check_value_bounds
    from idl_sdp.sdpa import read_sdpa

    problem = read_sdpa(path)
    t0 = time.perf_counter()
    vb = value_bounds(problem, solver, solver_options=dict(options),
                      source={"sdpa_file": os.path.basename(path)}, slack_bound=slack_bound)
    total = time.perf_counter() - t0
    t0 = time.perf_counter()
    try:
        got = check_value_bounds(vb.certificate)
        ok = got == (vb.status, vb.lower, vb.upper)
        check = "passed" if ok else f"differs: {got}"
    except BoundsCheckError as exc:
        check = f"FAILED: {exc}"
    t_check = time.perf_counter() - t0
    second = None
    if published and "infeasible" not in published and math.isfinite(vb.upper) and \
            Decimal(vb.upper) + half_unit(published) < Decimal(published):
        second = independent_upper(path, vb.certificate, published)
    return {"second_opinion": second, "status": vb.status, "lower": vb.lower,
            "upper": vb.upper, "width": vb.width,
            "reported": vb.reported, "solver_status": vb.solver_status,
            "seconds": dict(vb.seconds), "total": total, "check": check,
            "t_check": t_check, "reasons": dict(vb.reasons),
            "no_room": dict(getattr(vb, "no_room", {})),
            "resolves": getattr(vb, "resolves", None),
            "perturbations": dict(vb.perturbations)}


def _worker(conn) -> None:
    # imported once per worker, before any run is timed (python-flint's import alone is
    # about 65 ms, which is not part of the cost of a bound)
    import idl_sdp.certify.bounds  # noqa: F401
    import idl_sdp.certify.bounds_check  # noqa: F401
    try:
        import flint  # noqa: F401
    except ImportError:
        pass

    while True:
        task = conn.recv()
        if task is None:
            return
        try:
            conn.send(("ok", run_one(*task)))
        except Exception as exc:  # noqa: BLE001 - reported in the table
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


class Worker:
    """One worker process, killed and restarted when a run exceeds its cap."""

    def __init__(self) -> None:
        self.ctx = mp.get_context("spawn")
        self.proc = None
        self.conn = None

    def _start(self) -> None:
        self.conn, child = self.ctx.Pipe()
        self.proc = self.ctx.Process(target=_worker, args=(child,), daemon=True)
        self.proc.start()

    def run(self, task, cap: float):
        if self.proc is None or not self.proc.is_alive():
            self._start()
        t0 = time.perf_counter()
        self.conn.send(task)
        if self.conn.poll(cap):
            kind, out = self.conn.recv()
            return kind, out, time.perf_counter() - t0
        self.proc.kill()              # our own worker, by its handle
        self.proc.join()
        self.proc = None
        return "timeout", None, time.perf_counter() - t0

    def close(self) -> None:
        if self.proc is not None and self.proc.is_alive():
            self.conn.send(None)
            self.proc.join(10)


# ------------------------------------------------------------------ formatting
def fmt(v: float, digits: int = 8) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if math.isinf(v):
        return "+inf" if v > 0 else "−inf"
    return f"{v:.{digits}g}"


def fmt_bound(v: float, side: str, digits: int = 10) -> str:
    """A proven bound shown with ``digits`` significant digits, rounded outward (down for
    a lower bound, up for an upper bound), so that the shown enclosure stays valid."""
    if v is None or math.isnan(v) or math.isinf(v):
        return fmt(v)
    from decimal import ROUND_CEILING, ROUND_FLOOR, Context

    ctx = Context(prec=digits, rounding=ROUND_FLOOR if side == "lower" else ROUND_CEILING)
    d = ctx.plus(Decimal(v))
    return f"{float(d):.{digits}g}" if Decimal(f"{float(d):.{digits}g}") == d else str(d)


def short_reason(reasons: Dict[str, str]) -> str:
    """The first reason per side, compressed (the perturbed re-solves are counted)."""
    out = []
    for side, text in reasons.items():
        parts = [p.strip() for p in text.split(";") if p.strip()]
        first = parts[0] if parts else ""
        first = re.sub(r"^(primal|dual) point: ", "", first)
        first = re.sub(r"a PSD block of order (\d+) \(row \d+\) is not proven inside the cone "
                       r"\(λ_min bound ([^ ]+) < room ([^)]+)\)",
                       r"PSD block n=\1: λ_min ≥ \2 < room \3", first)
        first = first.replace("a nonnegative row", "LP row")
        if len(first) > 70:
            first = first[:67] + "…"
        more = len(parts) - 1
        last = ""
        if more:
            last = re.sub(r"^perturbed( problem)? \(ε = ([^)]+)\): ", r"ε = \2: ", parts[-1])
            last = re.sub(r"(primal|dual) point: ", "", last)
            last = re.sub(r"a PSD block of order (\d+) \(row \d+\) is not proven inside the "
                          r"cone \(λ_min bound ([^ ]+) < room ([^)]+)\)",
                          r"λ_min ≥ \2", last)
            last = last if len(last) <= 50 else last[:47] + "…"
        out.append(f"{side}: {first}" + (f" (+{more} perturbed, last: {last})" if more else ""))
    return "; ".join(out) if out else ""


def timed(secs: Dict[str, float]) -> bool:
    """Whether a run has both times: a solve, and bounds attempted after it (not when the
    solver itself failed, e.g. CVXOPT's "unknown": then there is nothing to prove)."""
    return bool(secs.get("solve")) and ("bounds" in secs or "lower" in secs)


def t_bounds(secs: Dict[str, float]) -> float:
    """Seconds of both bounds after the first solve (``seconds["bounds"]`` in versions of
    value_bounds that do not split it into ``"lower"`` and ``"upper"``)."""
    if "bounds" in secs:
        return secs["bounds"]
    return secs.get("lower", 0.0) + secs.get("upper", 0.0)


def ratio(secs: Dict[str, float], key: str) -> str:
    if not secs.get("solve"):
        return "–"
    val = t_bounds(secs) if key == "bounds" else secs.get(key)
    return "–" if val is None else f"{val / secs['solve']:.2g}"


# ------------------------------------------------------------------ main
def problems(names: Optional[List[str]] = None):
    with open(os.path.join(SDPLIB, "optimal_values.json")) as fh:
        published = json.load(fh)
    from idl_sdp.sdpa import read_sdpa_data

    out = []
    for name in sorted(published):
        if names and name not in names:
            continue
        path = os.path.join(SDPLIB, name + ".dat-s")
        data = read_sdpa_data(path)
        psd = [b for b in data.block_sizes if b > 0]
        out.append({"name": name, "path": path, "m": data.m, "blocks": data.block_sizes,
                    "max_block": max(psd, default=0), "published": published[name]["optimum"],
                    "notes": str(published[name]["notes"]),
                    # a cost proxy for the run order: svec size of the PSD blocks × m
                    "cost": data.m * sum(b * (b + 1) // 2 for b in psd)})
    return out


def ill_posed(p) -> str:
    """"note 5" (hinf*: SDPLIB note 5), "control" (README: several control* are), or ""."""
    if "5" in re.split(r"[ ,;]+", p["notes"]):
        return "note 5"
    if p["name"].startswith("control"):
        return "control"
    return ""


def explained_by_second_opinion(r) -> bool:
    so = r["out"].get("second_opinion") if r.get("out") else None
    return bool(so and so.get("applies") and so.get("feasible") and so.get("below_published"))


def no_room_text(out: Dict[str, Any]) -> str:
    """"dual ε = 1.8e-05" for each side proven to have no room ε (``value_bounds.no_room``)."""
    return ", ".join(f"{side} ε = {eps:.1e}" for side, eps in
                     sorted((out or {}).get("no_room", {}).items())) or "–"


def summarize(probs, results, keys) -> str:
    lines = []
    runs = [r for r in results if r["kind"] == "ok"]
    contra = [r for r in runs if r["in"] == "NO"]
    explained = [r for r in contra if explained_by_second_opinion(r)]
    false = [r for r in contra if not explained_by_second_opinion(r)]
    failed_checks = [r for r in runs if r["out"]["check"] != "passed"]
    n_box = sum(1 for r in runs if r["in"] in ("yes", "NO"))
    lines.append(f"- **False claims: {len(false)}** (enclosures or statuses contradicting the "
                 f"published optimum, not explained below, among {len(runs)} completed runs; "
                 f"{n_box} runs proved a finite side or a status, the others claimed nothing)"
                 + ("" if not false else ": " + ", ".join(f"{r['name']} {r['solver']} "
                                                          f"{r['setting']}" for r in false))
                 + ".")
    if explained:
        by = {}
        for r in explained:
            by.setdefault(r["name"], []).append(r)
        for name, rs in by.items():
            so = [r["out"]["second_opinion"] for r in rs]
            lines.append(
                f"- **{name}: the published optimum {rs[0]['published']} lies above a "
                f"verified feasible point** in {len(rs)} run(s) ("
                + ", ".join(f"{r['solver']} {r['setting']}" for r in rs)
                + f"): upper bounds {', '.join(fmt(r['out']['upper'], 6) for r in rs)}. A second, "
                f"independent check (this script: the certificate's x against the file's "
                f"*decimal* data, exact rational LDLᵀ, smallest pivot "
                f"{min(o['min_pivot'] for o in so):.2e} > 0, cᵀx = "
                f"{', '.join(fmt(o['value'], 6) for o in so)}) confirms that x is strictly "
                f"feasible, so p* ≤ {fmt(min(o['value'] for o in so), 6)}: the published value "
                f"(SDPLIB note {rs[0]['notes']}: an ill-posed problem) is not its optimum. "
                f"Not counted as a false claim.")
    lines.append(f"- Certificate re-checks (exact arithmetic): {len(runs) - len(failed_checks)} "
                 f"of {len(runs)} passed" + ("" if not failed_checks else "; failed: " + ", ".join(
                     f"{r['name']} {r['solver']} {r['setting']}: {r['out']['check']}"
                     for r in failed_checks)) + ".")
    n_to = sum(1 for r in results if r["kind"] == "timeout")
    n_err = sum(1 for r in results if r["kind"] == "error")
    n_bud = sum(1 for r in results if r["kind"] == "budget")
    lines.append(f"- Runs: {len(results)} ({len(runs)} completed, {n_to} timeouts, "
                 f"{n_err} errors, {n_bud} not run for the budget).")
    feasible = [p for p in probs if p["published"] not in ("primal infeasible",
                                                           "dual infeasible")]
    lines.append("- Shares below: over the feasible problems (infp1, infd1 excluded) of the "
                 "group that were run with that setting (skipped by the block-size rule: not "
                 "counted; a timeout counts as not finite); `any` = by at least one setting.")
    for label, keep in (("without note 5 (hinf*)", lambda p: ill_posed(p) != "note 5"),
                        ("without hinf* and control*", lambda p: not ill_posed(p))):
        group = [p["name"] for p in feasible if keep(p)]
        for solver, setting in list(keys) + [("any", "any")]:
            rs = [r for r in runs if r["name"] in group
                  and (solver == "any" or (r["solver"], r["setting"]) == (solver, setting))]
            attempted = sorted({r["name"] for r in results if r["name"] in group and (
                solver == "any" or (r["solver"], r["setting"]) == (solver, setting))})
            if not attempted:
                continue
            fin = sorted({r["name"] for r in rs if r["out"]["status"] == "bounded"})
            tight = sorted({r["name"] for r in rs if r["out"]["width"] <= 1e-6})
            what = "any (solver, setting)" if solver == "any" else f"{solver} {setting}"
            lines.append(f"- Problems {label}, {what}: finite enclosure "
                         f"**{len(fin)}/{len(attempted)}**, μ ≤ 1e-6 "
                         f"**{len(tight)}/{len(attempted)}**"
                         + ".")
    proven = sorted({r["name"] for r in runs if r["out"].get("no_room")})
    if proven:
        lines.append(
            "- **Proven ill-posed to within ε** (a side with no feasible point that has room ε "
            "in its cone, a certificate `verify` re-checks; that side's bound cannot come "
            "from an interior point): " + "; ".join(
                f"{name} (" + ", ".join(f"{r['solver']} {r['setting']}: "
                                        f"{no_room_text(r['out'])}" for r in runs
                                        if r["name"] == name and r["out"].get("no_room"))
                + ")" for name in proven) + ".")
        group = [p["name"] for p in feasible if not ill_posed(p) and p["name"] not in proven]
        for solver, setting in keys:
            attempted = sorted({r["name"] for r in results if r["name"] in group
                                and (r["solver"], r["setting"]) == (solver, setting)})
            if not attempted:
                continue
            rs = [r for r in runs if r["name"] in attempted
                  and (r["solver"], r["setting"]) == (solver, setting)]
            fin = sorted({r["name"] for r in rs if r["out"]["status"] == "bounded"})
            tight = sorted({r["name"] for r in rs if r["out"]["width"] <= 1e-6})
            lines.append(f"- Problems without hinf*, control* and those proven ill-posed "
                         f"above, {solver} {setting}: finite enclosure "
                         f"**{len(fin)}/{len(attempted)}**, μ ≤ 1e-6 "
                         f"**{len(tight)}/{len(attempted)}**"
                         + (f" (μ > 1e-6: {', '.join(sorted(set(attempted) - set(tight)))})"
                            if len(tight) < len(attempted) else "") + ".")
    for name in ("infp1", "infd1"):
        rs = [r for r in results if r["name"] == name]
        if rs:
            lines.append(f"- {name} (published: {rs[0]['published']}): " + ", ".join(
                f"{r['solver']} {r['setting']} → "
                + (r["out"]["status"] if r["kind"] == "ok" else r["kind"]) for r in rs) + ".")
    for solver, setting in keys:
        rs = [r for r in runs if (r["solver"], r["setting"]) == (solver, setting)
              and timed(r["out"]["seconds"])]
        if rs:
            rat = sorted(t_bounds(r["out"]["seconds"]) / r["out"]["seconds"]["solve"] for r in rs)
            tot = sorted(r["out"]["total"] for r in rs)
            big = sorted((t_bounds(r["out"]["seconds"]) / r["out"]["seconds"]["solve"],
                          r["name"]) for r in rs if r["out"]["seconds"]["solve"] >= 0.3)
            slow = ("; on the runs whose solve took ≥ 0.3 s: " + ", ".join(
                f"{n} {q:.2g}" for q, n in big)) if big else ""
            split = ""
            with_n = [r for r in rs if r["out"].get("resolves") is not None]
            if with_n:
                none = [r for r in with_n if r["out"]["resolves"] == 0]
                proofs = sorted((t_bounds(r["out"]["seconds"])
                                 - r["out"]["seconds"].get("resolves", 0.0))
                                / r["out"]["seconds"]["solve"] for r in with_n)
                per = sorted(r["out"]["seconds"].get("resolves", 0.0) / r["out"]["resolves"]
                             / r["out"]["seconds"]["solve"] for r in with_n
                             if r["out"]["resolves"])
                split = (f"; re-solves per run median "
                         f"{sorted(r['out']['resolves'] for r in with_n)[len(with_n) // 2]}, "
                         f"{len(none)} of {len(with_n)} runs without one"
                         + (f" (t_bounds/t_solve on those: median "
                            f"{sorted(t_bounds(r['out']['seconds']) / r['out']['seconds']['solve'] for r in none)[len(none) // 2]:.2g})"
                            if none else "")
                         + (f"; one re-solve took a median {per[len(per) // 2]:.2g}× the "
                            f"solve" if per else "")
                         + f"; the bounds without their re-solves (proofs, moves, blends): "
                           f"median {proofs[len(proofs) // 2]:.2g}× the solve")
            lines.append(f"- Time, {solver} {setting} ({len(rs)} runs with bounds attempted): "
                         f"t_bounds/t_solve "
                         f"median {rat[len(rat) // 2]:.2g} (range {rat[0]:.2g}–{rat[-1]:.2g}); "
                         f"whole value_bounds call median {tot[len(tot) // 2]:.2g} s, "
                         f"max {tot[-1]:.2g} s{slow}{split}.")
    for solver, setting in keys:
        # how the lower side was proven where the scaled dual correction did it
        rs = [r for r in runs if (r["solver"], r["setting"]) == (solver, setting)
              and r["kind"] == "ok" and "perturbations" in r["out"]]
        scaled = sorted(r["name"] for r in rs
                        if any(k.endswith("_scaled") for k in r["out"]["perturbations"]))
        if rs:
            lines.append(f"- Scaled dual correction, {solver} {setting}: a side proven on a "
                         f"dual point moved by it (no perturbed re-solve needed for that "
                         f"point) in {len(scaled)} of {len(rs)} runs"
                         + (f": {', '.join(scaled)}" if scaled else "") + ".")
    chk = sorted(r["out"]["t_check"] for r in runs)
    if chk:
        lines.append(f"- Certificate re-check time: median {chk[len(chk) // 2]:.2g} s, max "
                     f"{chk[-1]:.2g} s.")
    ill = [r for r in runs if ill_posed({"name": r["name"], "notes": r["notes"]})]
    inf_side = sum(1 for r in ill if math.isinf(r["out"]["lower"]) or
                   math.isinf(r["out"]["upper"]))
    lines.append(f"- Ill-posed problems (hinf*, control*): {inf_side} of {len(ill)} completed "
                 f"runs have an infinite side.")
    return "\n".join(lines)


STYLES = {("CLARABEL", "default"): ("o", "C0"), ("CLARABEL", "tight"): ("s", "C1"),
          ("SCS", "default"): ("^", "C2"), ("SCS", "tight"): ("v", "C3"),
          ("CVXOPT", "default"): ("D", "C4"), ("SDPA", "default"): ("P", "C5")}


def plots(probs, results, keys, suffix: str = "") -> List[str]:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    names = [p["name"] for p in probs]
    x = np.arange(len(names))
    styles = {key: STYLES[key] for key in keys}
    step = 0.6 / max(1, len(styles))

    def offset(k: int) -> float:
        return (k - (len(styles) - 1) / 2) * step
    files = []
    # μ per problem (∞ drawn on a top line)
    TOP = 1e3
    fig, ax = plt.subplots(figsize=(12, 4.5))
    for k, (key, (mk, col)) in enumerate(styles.items()):
        xs, ys, xi = [], [], []
        for r in results:
            if r["kind"] != "ok" or (r["solver"], r["setting"]) != key:
                continue
            i = names.index(r["name"]) + offset(k)
            w = r["out"]["width"]
            if r["out"]["status"] in ("infeasible", "unbounded"):
                continue
            if math.isinf(w):
                xi.append(i)
            else:
                xs.append(i)
                ys.append(max(w, 1e-10))
        ax.scatter(xs, ys, marker=mk, color=col, label=f"{key[0]} {key[1]}", zorder=3)
        ax.scatter(xi, [TOP] * len(xi), marker=mk, facecolors="none", edgecolors=col,
                   zorder=3)
    BOTTOM = 1e-10
    lost = [names.index(r["name"]) for r in results if r["kind"] != "ok"]
    ax.scatter(lost, [BOTTOM * 3] * len(lost), marker="x", color="grey",
               label="timeout / not run", zorder=3)
    for r in results:
        if r["kind"] == "ok" and r["out"]["status"] in ("infeasible", "unbounded"):
            ax.text(names.index(r["name"]), 1e-3, f"proven {r['out']['status']}",
                    rotation=90, ha="center", va="center", fontsize=7, color="grey")
    ax.axhline(TOP, color="grey", lw=0.5)
    ax.axhline(1e-6, color="grey", lw=0.5, ls="--")
    ax.set_yscale("log")
    ax.set_ylim(BOTTOM, TOP * 10)
    ax.set_xticks(x)
    ax.set_xticklabels(names, rotation=70, fontsize=8)
    ax.set_ylabel("μ = (upper − lower) / max(1, mean |bound|)")
    ax.set_title("Width of the verified enclosure per problem (hollow on the top line: "
                 "an infinite side; dashed: 1e-6; no marker: skipped by the block-size rule)",
                 fontsize=9)
    ax.legend(fontsize=8, ncol=3, loc="upper right", bbox_to_anchor=(1.0, 0.9))
    fig.tight_layout()
    f = os.path.join(RESULTS, f"bounds_sdplib_mu{suffix}.png")
    fig.savefig(f, dpi=110)
    plt.close(fig)
    files.append(f)
    # (t_lower + t_upper) / t_solve per problem
    fig, ax = plt.subplots(figsize=(12, 4.5))
    for k, (key, (mk, col)) in enumerate(styles.items()):
        xs, ys = [], []
        for r in results:
            if r["kind"] != "ok" or (r["solver"], r["setting"]) != key:
                continue
            s = r["out"]["seconds"]
            if not timed(s):
                continue
            xs.append(names.index(r["name"]) + offset(k))
            ys.append(t_bounds(s) / s["solve"])
        ax.scatter(xs, ys, marker=mk, color=col, label=f"{key[0]} {key[1]}", zorder=3)
    ax.axhline(1.0, color="grey", lw=0.5)
    ax.set_yscale("log")
    ax.set_xticks(x)
    ax.set_xticklabels(names, rotation=70, fontsize=8)
    ax.set_ylabel("t_bounds / t_solve")
    ax.set_title("Time of both bounds (proofs and perturbed re-solves) relative to the "
                 "first solve", fontsize=9)
    ax.legend(fontsize=8, ncol=4)
    fig.tight_layout()
    f = os.path.join(RESULTS, f"bounds_sdplib_time{suffix}.png")
    fig.savefig(f, dpi=110)
    plt.close(fig)
    files.append(f)
    return files


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true",
                    help=f"only {', '.join(QUICK)} at the default settings; no files")
    ap.add_argument("--problems", nargs="+", default=None, help="a subset by name")
    ap.add_argument("--cap", type=float, default=40.0,
                    help="seconds per SCS run (default 40)")
    ap.add_argument("--clarabel-cap", type=float, default=150.0,
                    help="seconds per Clarabel run (default 150)")
    ap.add_argument("--optional-cap", type=float, default=60.0,
                    help="seconds per CVXOPT / SDPA run (default 60)")
    ap.add_argument("--no-optional", dest="optional", action="store_false",
                    help="do not run the optional solvers CVXOPT and SDPA")
    ap.add_argument("--budget", type=float, default=3600.0,
                    help="total seconds of runs (default 3600)")
    ap.add_argument("--raw", default=None, metavar="FILE.json",
                    help="also write the raw results (to re-render them with --render)")
    ap.add_argument("--render", default=None, metavar="FILE.json",
                    help="do not run: re-render the tables and plots of a --raw file")
    ap.add_argument("--slack-bound", type=float, default=None, metavar="S",
                    help="assume every slack eigenvalue ≤ S at an optimum (value_bounds' "
                    "slack_bound; results get the suffix _slack)")
    args = ap.parse_args(argv)
    if args.render:
        with open(args.render) as fh:
            raw = json.load(fh)
        names = sorted({r["name"] for r in raw["results"]} | {n for n, _, _ in
                                                               raw["meta"]["skipped"]})
        full = names == sorted(p["name"] for p in problems())
        render(problems(names), raw["results"], raw["meta"], write=True,
               suffix="" if full else "_" + "_".join(names))
        return
    probs = problems(args.problems or (QUICK if args.quick else None))
    optional, missing = optional_settings() if args.optional else ([], [])
    settings = [s for s in SETTINGS if s[1] == "default"] if args.quick else SETTINGS
    settings = settings + optional
    tasks, skipped = [], []
    for p in probs:
        for solver, setting, opts in settings:
            if p["max_block"] > MAX_BLOCK[solver]:
                skipped.append((p, solver, setting))
            else:
                tasks.append((p, solver, setting, opts))
    # setting by setting (Clarabel first: cheap and most informative), cheapest first, so
    # that a spent budget cuts the slowest SCS runs on the largest problems
    sidx = {(s, t): i for i, (s, t, _) in enumerate(settings)}
    tasks.sort(key=lambda t: (sidx[(t[1], t[2])], t[0]["cost"], t[0]["name"]))
    worker = Worker()
    results = []
    t_start = time.perf_counter()
    try:
        for p, solver, setting, opts in tasks:
            rec = {"name": p["name"], "solver": solver, "setting": setting,
                   "published": p["published"], "notes": p["notes"]}
            left = args.budget - (time.perf_counter() - t_start)
            if left <= 1.0:
                rec.update(kind="budget", out=None, wall=0.0)
            else:
                cap = {"CLARABEL": args.clarabel_cap, "SCS": args.cap}.get(
                    solver, args.optional_cap)
                kind, out, wall = worker.run((p["path"], solver, opts, p["published"],
                                              args.slack_bound), min(cap, left))
                rec.update(kind=kind, out=out, wall=wall)
            if rec["kind"] == "ok":
                o = rec["out"]
                rec["in"] = enclosure_check(p["published"], o["status"], o["lower"], o["upper"])
            else:
                rec["in"] = "–"
            results.append(rec)
            o = rec["out"] if rec["kind"] == "ok" else {}
            print(f"{p['name']:9s} {solver:8s} {setting:7s} {rec['kind']:7s} "
                  f"{o.get('status', rec['out'] if rec['kind'] == 'error' else '')} "
                  f"[{fmt(o.get('lower', math.nan))}, {fmt(o.get('upper', math.nan))}] "
                  f"in={rec['in']} wall={rec['wall']:.1f}s", flush=True)
            if rec["in"] == "NO":
                so = rec["out"].get("second_opinion")
                print("!!! the published optimum is outside the enclosure; second opinion: "
                      f"{so}", flush=True)
    finally:
        worker.close()
    spent = time.perf_counter() - t_start
    meta = {"head": header_line(f"{args.cap:g} s (SCS), {args.clarabel_cap:g} s (Clarabel), "
                                f"{args.optional_cap:g} s (CVXOPT, SDPA)",
                                args.budget, spent, len(results)),
            "skipped": [[p["name"], solver, setting] for p, solver, setting in skipped],
            "settings": [[s, t] for s, t, _ in settings], "not_installed": missing}
    if args.raw:
        with open(args.raw, "w") as fh:
            json.dump({"meta": meta, "results": results}, fh)
    suffix = "" if args.problems is None else "_" + "_".join(args.problems)
    if args.slack_bound is not None:
        meta["head"] += f" slack_bound = {args.slack_bound:g} (an assumption, see docs)."
        suffix += "_slack"
    render(probs, results, meta, write=not args.quick, suffix=suffix)


def header_line(cap: str, budget: float, spent: float, n: int) -> str:
    return (f"Machine: {platform.machine()}, {os.cpu_count()} cores (shared), Python "
            f"{platform.python_version()}, idl_sdp {idl_sdp.__version__}, cvxpy "
            f"{_version('cvxpy')}, Clarabel {_version('clarabel')}, SCS {_version('scs')}, CVXOPT "
            f"{_version('cvxopt')}, SDPA (sdpa-python) {_dist_version('sdpa-python')}; "
            f"{time.strftime('%Y-%m-%d')}. Per-run cap {cap}, budget "
            f"{budget:g} s, spent {spent:.0f} s on {n} runs. Code: "
            f"{code_digest()} (idl_sdp from {os.path.dirname(idl_sdp.__file__)}).\n")


def render(probs, results, meta, write: bool, suffix: str = "") -> None:
    byname = {p["name"]: p for p in probs}
    skipped = [(byname[n], solver, setting) for n, solver, setting in meta["skipped"]]
    keys = [tuple(k) for k in meta.get("settings", [[s, t] for s, t, _ in SETTINGS])]
    sidx = {key: i for i, key in enumerate(keys)}

    order = {p["name"]: i for i, p in enumerate(probs)}
    results.sort(key=lambda r: (order[r["name"]], sidx[(r["solver"], r["setting"])]))
    rows = []
    for r in results:
        p = probs[order[r["name"]]]
        if r["kind"] != "ok":
            what = r["out"] if r["kind"] == "error" else (
                f"timeout after {r['wall']:.0f} s" if r["kind"] == "timeout" else
                "not run (budget)")
            rows.append([r["name"], r["solver"], r["setting"], "–", what, "–", "–", "–", "–",
                         f"{r['wall']:.2f}" if r["kind"] == "timeout" else "–", "–", "–",
                         "–", "–", "–", "–", ""])
            continue
        o = r["out"]
        s = o["seconds"]
        inside = r["in"]
        if inside == "NO" and explained_by_second_opinion(r):
            inside = "no†"
        rows.append([r["name"], r["solver"], r["setting"], fmt(o["reported"]),
                     f"{o['solver_status']} → {o['status']}", fmt_bound(o["lower"], "lower"),
                     fmt_bound(o["upper"], "upper"), fmt(o["width"], 2), inside,
                     f"{s['solve']:.3g}", ratio(s, "lower"), ratio(s, "upper"),
                     ratio(s, "bounds"),
                     "–" if o.get("resolves") is None else str(o["resolves"]),
                     f"{o['t_check']:.3g}", o["check"], no_room_text(o),
                     short_reason(o["reasons"])])
    header = ["problem", "solver", "setting", "reported", "solver status → status", "lower",
              "upper", "μ", "published in", "t_solve s", "t_lower/t_solve", "t_upper/t_solve",
              "t_bounds/t_solve", "re-solves",
              "check s", "re-check", "proven no room", "why a side is infinite"]
    pub = table(["problem", "m", "PSD blocks (largest)", "published optimum", "± tol",
                 "notes", "ill-posed"],
                [[p["name"], str(p["m"]), f"{sum(1 for b in p['blocks'] if b > 0)} "
                  f"({p['max_block']})", p["published"],
                  "–" if "infeasible" in p["published"] else f"{half_unit(p['published']):.0e}",
                  p["notes"], ill_posed(p) or "–"] for p in probs])
    skip_rows = [[p["name"], solver, setting, f"largest PSD block {p['max_block']} > "
                  f"{MAX_BLOCK[solver]}"] for p, solver, setting in skipped]
    head = meta["head"]
    settings_txt = ("Settings: Clarabel default = tol_gap_abs = tol_gap_rel = tol_feas = 1e-8 "
                    "(idl_sdp's default), tight = 1e-10; SCS default = eps_abs = eps_rel = 1e-7 "
                    "(max_iters 200000, idl_sdp's default), tight = 1e-9 (max_iters 200000); "
                    "CVXOPT default = abstol = reltol = feastol = 1e-8, SDPA default = "
                    "epsilonStar = epsilonDash = 1e-8 (idl_sdp's defaults, optional extras"
                    + (f"; not installed here: {', '.join(meta['not_installed'])}"
                       if meta.get("not_installed") else "") + "). "
                    f"`perturb=True` (when a point has no room: re-solves with the cone shrunk "
                    f"by ε·e, ε = {', '.join(f'{v:g}' for v in PERTURBATIONS)} relative to the "
                    f"point's size, see `value_bounds`).\n\n"
                    "Columns: `reported` = the solver's value (not proven); `lower`, `upper` rounded "
                    "outward to 10 digits; `solver status → "
                    "status` = the solver's own word and value_bounds' status; `published in` "
                    "= the published optimum lies in [lower − tol, upper + tol] (`–`: both "
                    "sides infinite, nothing claimed; for infp1/infd1: the proven status is "
                    "the published one); `t_solve` = the first solve (seconds); "
                    "`t_lower/t_solve`, `t_upper/t_solve` = everything each bound took after "
                    "it (exact proofs and perturbed re-solves) relative to it, `t_bounds` both "
                    "(`–` for a side: the version of value_bounds does not time the sides "
                    "apart); `re-solves` = how many perturbed (or auxiliary) problems the bounds "
                    "solved, each about as costly as the first solve; `check s` = "
                    "`check_value_bounds` on the certificate; `(+k perturbed)` = k perturbed "
                    "re-solves also failed for that side; `proven no room` = a side proven to have "
                    "no feasible point with room ε in its cone (`ValueBounds.no_room`); "
                    "`no†`: the published optimum lies above "
                    "an independently verified feasible point (see the summary).\n")
    text = "\n".join([
        head, "## Summary\n", summarize(probs, results, keys), "",
        "## Problems\n", pub, "",
        "## Skipped (block-size rule)\n",
        table(["problem", "solver", "setting", "reason"], skip_rows) if skip_rows else "none",
        "", "## Runs\n", settings_txt, table(header, rows), ""])
    print(text)
    if write:
        os.makedirs(RESULTS, exist_ok=True)
        files = plots(probs, results, keys, suffix)
        imgs = "\n".join(f"![{os.path.basename(f)}]({os.path.basename(f)})" for f in files)
        with open(os.path.join(RESULTS, f"bounds_sdplib{suffix}.md"), "w") as fh:
            fh.write("# Verified bounds on SDPLIB (generated by benchmarks/bench_bounds.py)\n\n"
                     + text + "\n## Plots\n\n" + imgs + "\n")


def code_digest() -> str:
    """SHA-256 prefixes of the modules the results depend on (they were being edited)."""
    import hashlib

    from idl_sdp.certify import bounds, bounds_check, scaled_correction
    from idl_sdp.conic import adapters, form, margins

    out = []
    for mod in (bounds, bounds_check, scaled_correction, adapters, form, margins):
        with open(mod.__file__, "rb") as fh:
            digest = hashlib.sha256(fh.read()).hexdigest()[:12]
        out.append(f"{mod.__name__.split('.')[-1]}.py {digest}")
    return ", ".join(out)


def _dist_version(dist: str) -> str:
    try:
        from importlib.metadata import version

        return version(dist)
    except Exception:  # noqa: BLE001
        return "not installed"


def _version(mod: str) -> str:
    try:
        return __import__(mod).__version__
    except Exception:  # noqa: BLE001
        return "?"


if __name__ == "__main__":
    main()
