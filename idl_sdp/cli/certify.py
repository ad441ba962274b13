"""``idl-sdp certify``: certify a condition of a saved model and print the certificate."""
from __future__ import annotations

import argparse

from ._common import EXIT_FAILED, EXIT_OK, _lam_arg


def add_arguments(p: argparse.ArgumentParser) -> None:
    from ..certify import METHODS, WHICH_CHOICES

    p.add_argument("model", metavar="MODEL.npz", help="a model saved by ImplicitModel.save")
    p.add_argument("--lam", type=_lam_arg, default=None,
                   help="multiplier λ: one number or h comma-separated numbers")
    p.add_argument("--eps", type=float, default=None, help="margin of ‖D‖₂ ≤ 1 − eps")
    p.add_argument("--which", default="M", choices=WHICH_CHOICES,
                   help="condition to certify (default M; 'all' for every applicable one)")
    p.add_argument("--method", default="auto", choices=METHODS, help="default auto")
    p.add_argument("--out", metavar="CERT.json", default=None,
                   help="write the certificate (bundle for --which all) as JSON")


def run(args: argparse.Namespace) -> int:
    from ..certify import certify
    from ..model import ImplicitModel

    model = ImplicitModel.load(args.model)
    cert = certify(model, lam=args.lam, eps=args.eps, which=args.which, method=args.method)
    print(cert)
    if args.out:
        cert.to_json(args.out)
        print(f"written to {args.out}; re-check it with: idl-sdp verify {args.out} "
              f"--model {args.model}")
    return EXIT_OK if cert.status == "certified" else EXIT_FAILED
