"""``idl-sdp bound``: a rigorous enclosure of an SDPA problem's optimal value."""
from __future__ import annotations

import argparse
import json
import math

__all__ = ["add_arguments", "run", "bound_args", "bound_run"]

#: Exit codes (those of :mod:`idl_sdp.cli`): a proof (bounded, infeasible, unbounded)
#: exits 0; "not proven" (some side infinite) exits 2.
_OK, _NOT_PROVEN = 0, 2


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("problem", metavar="FILE.dat-s", help="an SDPA sparse-format file")
    p.add_argument("--solver", default="CLARABEL", type=str.upper,
                   choices=("CLARABEL", "SCS", "CVXOPT", "SDPA"),
                   help="default CLARABEL (CVXOPT and SDPA: optional packages, "
                   "pip install 'idl_sdp[cvxopt]' / 'idl_sdp[sdpa]')")
    p.add_argument("--tol", type=float, default=None,
                   help="solver tolerance (Clarabel gap and feasibility, SCS eps_abs and "
                   "eps_rel, CVXOPT abstol, reltol and feastol, SDPA epsilonStar and "
                   "epsilonDash); default: the solver defaults of idl_sdp")
    p.add_argument("--no-perturb", action="store_true",
                   help="do not re-solve perturbed problems when the solver's point "
                   "cannot be proven inside the cone")
    p.add_argument("--out", metavar="CERT.json", default=None,
                   help="write the certificate (re-check it with idl-sdp verify)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")


def _options(solver: str, tol):
    from ..conic.adapters import ADAPTERS, check_tolerance

    if tol is None:
        return None
    return ADAPTERS[solver].tolerance_options(check_tolerance(tol, "--tol"))


def run(args: argparse.Namespace) -> int:
    from ..certify.bounds import value_bounds
    from ..sdpa import read_sdpa_data

    data = read_sdpa_data(args.problem)
    problem, _ = data.to_problem()
    vb = value_bounds(problem, args.solver, solver_options=_options(args.solver, args.tol),
                      perturb=not args.no_perturb,
                      source={"sdpa_file": str(args.problem), "sha256": data.sha256})
    if args.json:
        print(json.dumps({"status": vb.status, "lower": _j(vb.lower), "upper": _j(vb.upper),
                          "width": _j(vb.width), "reported": _j(vb.reported),
                          "solver": vb.solver, "solver_status": vb.solver_status,
                          "seconds": vb.seconds, "reasons": vb.reasons,
                          "no_room": vb.no_room}, indent=1))
    else:
        print(f"{args.problem}: {vb.status}")
        print(f"  lower  {vb.lower!r}")
        print(f"  upper  {vb.upper!r}")
        print(f"  width  {vb.width:.3e}   (μ = (upper − lower)/max(1, mean |bound|))")
        print(f"  solver {vb.solver} reported {vb.reported!r} ({vb.solver_status}; "
              "not proven)")
        print("  seconds " + ", ".join(f"{k} {v:.2f}" for k, v in vb.seconds.items()))
        for side, why in vb.reasons.items():
            print(f"  {side}: not proven — {why[:300]}")
        for side, eps in vb.no_room.items():
            print(f"  {side}: proven within ε = {eps:.1e} of having no interior (no "
                  f"{side} feasible point has room ε in its cone)")
    if args.out:
        vb.to_json(args.out)
        print(f"certificate written to {args.out} (check it: idl-sdp verify {args.out} "
              f"--problem {args.problem})")
    return _NOT_PROVEN if vb.status == "not proven" else _OK


#: The names of :mod:`idl_sdp.cli_bound` (before the command line became a package).
bound_args, bound_run = add_arguments, run


def _j(v: float):
    return v if math.isfinite(v) else ("inf" if v > 0 else "-inf") if not math.isnan(v) \
        else None
