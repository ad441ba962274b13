"""``idl-sdp inspect``: sizes and well-posedness numbers of a saved model."""
from __future__ import annotations

import argparse

import numpy as np

from ._common import EXIT_OK, _dump_json, _lam_arg
from ._sidecar import load_sidecar


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", metavar="MODEL.npz", help="a saved model")
    p.add_argument("--lam", type=_lam_arg, default=None,
                   help="multipliers for λ_min(M) (default: the sidecar's model_lam, if any)")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    from .._validation import check_lam
    from ..lmi import convexity_matrix
    from ..model import ImplicitModel

    model = ImplicitModel.load(args.model)
    side = load_sidecar(args.model)
    wp = model.well_posedness()
    lam = args.lam
    lam_source = "--lam"
    if lam is None and side is not None and side.get("model_lam") is not None:
        lam, lam_source = side["model_lam"], "sidecar model_lam"
    lam_min = None
    if lam is not None:
        lam_vec = check_lam(lam, model.n_hidden)
        M = convexity_matrix(model.A, model.D, lam_vec)
        lam_min = float(np.linalg.eigvalsh(0.5 * (M + M.T))[0])
    report = {
        "model": args.model, "n_inputs": model.n_inputs, "n_hidden": model.n_hidden,
        "n_outputs": model.n_outputs, "norm2_D": wp["norm2"], "norm_inf_D": wp["norm_inf"],
        "pf_abs_D": wp["pf"], "well_posed": bool(min(wp.values()) < 1.0),
        "lam": lam, "lam_source": lam_source if lam is not None else None,
        "lambda_min_M": lam_min, "sidecar": side,
    }
    if args.json:
        _dump_json({"command": "inspect", **report})
        return EXIT_OK
    print(f"{args.model}: implicit model, n={model.n_inputs} inputs, h={model.n_hidden} "
          f"hidden units, p={model.n_outputs} outputs")
    print(f"  ‖D‖₂     = {wp['norm2']:.6g}")
    print(f"  ‖D‖∞     = {wp['norm_inf']:.6g}")
    print(f"  pf(|D|)  = {wp['pf']:.6g}")
    verdict = ("well-posed: a unique equilibrium (one of the three is < 1)"
               if report["well_posed"] else
               "no sufficient well-posedness condition holds (none is < 1)")
    print(f"  {verdict}")
    if lam_min is not None:
        print(f"  λ_min(M) = {lam_min:.6g} with λ = {lam} ({lam_source}); "
              "M = AᵀA + Λ − ΛD − DᵀΛ ⪰ 0 makes the X-step convex "
              "(floating point; `idl-sdp certify` proves it)")
    if side is not None:
        what = (f"classes {', '.join(str(c) for c in side['classes'])}"
                if side["task"] == "classify" else "regression")
        print(f"  sidecar: {side['task']} target {side.get('target')!r} ({what}); "
              f"features: {', '.join(side['features'])}")
        print(f"  trained: hidden={side.get('hidden')} lam={side.get('lam')} "
              f"lmi={side.get('lmi')} eps={side.get('eps')} reg={side.get('reg')} "
              f"solver={side.get('solver')} rounds={side.get('rounds_run')}"
              + ("" if side.get("complete", True) else " (INCOMPLETE: "
                 + str(side.get("message")) + ")"))
    return EXIT_OK
