"""``idl-sdp problems``: sizes, cones and flags of both convex subproblems of a fit."""
from __future__ import annotations

import argparse
import time
from typing import Any, Dict

from ..preprocessing import fit_input_scaler
from ._common import EXIT_OK, _check_lam_hidden, _dump_json, _model_args, _nonneg_float, _solver_arg
from ._data import _data_args, _decide_task, _encode_targets, _load_training_data


def add_arguments(p: argparse.ArgumentParser) -> None:
    _data_args(p)
    _model_args(p)
    p.add_argument("--reg", type=_nonneg_float, default=1e-3,
                   help="ridge strength (a parameter; does not change the sizes) (1e-3)")
    p.add_argument("--solver", type=_solver_arg, default="CLARABEL",
                   help="the solver whose conic form is shown: CLARABEL (default) or SCS")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def describe_problem(problem, solver: str = "CLARABEL") -> Dict[str, Any]:
    """Sizes, flags and the conic form's dimensions of a cvxpy problem (JSON-ready)."""
    t0 = time.perf_counter()
    data, _, _ = problem.get_problem_data(solver)
    seconds = time.perf_counter() - t0
    dims = data["dims"]
    A = data["A"]
    P = data.get("P")
    return {
        "variables": [{"name": v.name(), "shape": list(v.shape)} for v in problem.variables()],
        "variable_scalars": int(sum(v.size for v in problem.variables())),
        "parameters": [{"name": q.name(), "shape": list(q.shape)} for q in problem.parameters()],
        "parameter_scalars": int(sum(q.size for q in problem.parameters())),
        "constraints": [{"type": type(c).__name__, "shape": list(c.shape)}
                        for c in problem.constraints],
        "is_dcp": bool(problem.is_dcp()), "is_dpp": bool(problem.is_dpp()),
        "is_qp": bool(problem.is_qp()),
        "conic_form": {
            "solver": solver, "rows": int(A.shape[0]), "columns": int(A.shape[1]),
            "nonzeros": int(A.nnz), "quadratic_nonzeros": None if P is None else int(P.nnz),
            "cones": {"zero": int(dims.zero), "nonneg": int(dims.nonneg),
                      "soc": [int(s) for s in dims.soc], "psd": [int(s) for s in dims.psd],
                      "exp": int(dims.exp)},
            "compile_seconds": seconds,
        },
    }


def run(args: argparse.Namespace) -> int:
    from ..hidden_step import HiddenStep
    from ..parameter_step import ParameterStep

    if args.solver == "FAST":
        raise ValueError("--solver must be CLARABEL or SCS here (fast has no conic form)")
    _check_lam_hidden(args.lam, args.hidden)
    data = _load_training_data(args)
    task = _decide_task(data.y, args.task, data.kind, data.target)
    T, _, _ = _encode_targets(data.y, task, data.target)
    U, Y = fit_input_scaler(data.X).transform(data.X).T, T.T
    xstep = HiddenStep(U, Y, args.hidden, args.lam)
    tstep = ParameterStep(U, Y, args.hidden, args.lam, lmi=args.lmi, eps=args.eps, reg=args.reg)
    report = {
        "data": {"source": data.source, "samples": U.shape[1], "inputs": U.shape[0],
                 "outputs": Y.shape[0], "task": task},
        "hidden": args.hidden, "lam": args.lam, "lmi": args.lmi, "eps": args.eps,
        "problems": {"x_step": describe_problem(xstep.problem, args.solver),
                     "theta_step": describe_problem(tstep.problem, args.solver)},
    }
    if args.json:
        _dump_json({"command": "problems", **report})
        return EXIT_OK
    d = report["data"]
    print(f"{d['source']}: m={d['samples']} samples, n={d['inputs']} inputs, "
          f"p={d['outputs']} outputs ({task}); h={args.hidden}, lmi={args.lmi}")
    titles = {"x_step": "X-step: a QP in the hidden states X ≥ 0 (Θ fixed)",
              "theta_step": f"Θ-step: an SDP in (A, B, c, D, E, f) with the {args.lmi} LMI "
                            "and ‖D‖₂ ≤ 1 − eps (X fixed)"}
    for key, desc in report["problems"].items():
        cf = desc["conic_form"]
        cones = cf["cones"]
        print(titles[key])
        print(f"  variables:   {desc['variable_scalars']} scalars in "
              f"{len(desc['variables'])} ("
              + ", ".join(f"{v['name']} {tuple(v['shape'])}" for v in desc["variables"]) + ")")
        print(f"  parameters:  {desc['parameter_scalars']} scalars in "
              f"{len(desc['parameters'])} ("
              + ", ".join(f"{q['name']} {tuple(q['shape'])}" for q in desc["parameters"]) + ")")
        print(f"  constraints: {len(desc['constraints'])} ("
              + ", ".join(c["type"] for c in desc["constraints"]) + ")")
        print(f"  is_dcp={desc['is_dcp']} is_dpp={desc['is_dpp']} is_qp={desc['is_qp']}")
        print(f"  conic form for {cf['solver']}: {cf['rows']} rows x {cf['columns']} columns, "
              f"{cf['nonzeros']} nonzeros"
              + ("" if cf["quadratic_nonzeros"] is None
                 else f", quadratic objective with {cf['quadratic_nonzeros']} nonzeros")
              + f"; compiled in {cf['compile_seconds']:.2f} s")
        print(f"  cones: zero={cones['zero']}, nonneg={cones['nonneg']}, soc={cones['soc']}, "
              f"psd={cones['psd']}, exp={cones['exp']}")
    return EXIT_OK
