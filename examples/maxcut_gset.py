"""
Max-cut on a Gset graph: Burer–Monteiro, a dual certificate and GW rounding
===========================================================================

Solves the max-cut SDP of a Gset graph by a Burer–Monteiro factorization, proves an
upper bound with a dual certificate and rounds the factor to a cut by
Goemans–Williamson hyperplanes.

The solver is :func:`idl_sdp.relax.maxcut`; the relaxation is explained in
:doc:`/relaxations`. Usage::

    python examples/maxcut_gset.py [PATH] [--rank R] [--rounds K] [--seed S]

``PATH`` is a graph shipped with the package (``G1``, ``G11`` or ``G14``, loaded by
:func:`idl_sdp.datasets.gset` from any working directory; default ``G14``, n = 800) or
the path of any Gset file.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from idl_sdp import datasets
from idl_sdp.relax import maxcut, read_gset

DEFAULT = "G14"  # shipped with the package: datasets.gset_names() == ("G1", "G11", "G14")


def main(argv=None) -> int:
    # Not __doc__: sphinx-gallery runs the example with an empty __doc__.
    parser = argparse.ArgumentParser(
        description="Max-cut on a Gset graph: Burer–Monteiro, a dual certificate and GW rounding.")
    parser.add_argument("path", nargs="?", default=DEFAULT,
                        help="a shipped graph (G1, G11, G14; default G14) or a Gset file")
    parser.add_argument("--rank", type=int, default=None,
                        help="factor rank (default: the smallest r with r(r+1)/2 > n)")
    parser.add_argument("--rounds", type=int, default=100, help="GW hyperplanes")
    parser.add_argument("--seed", type=int, default=0)
    if argv is None and "ipykernel" in sys.modules:
        argv = []  # in a notebook sys.argv holds the kernel's own "-f FILE"
    args = parser.parse_args(argv)
    if args.path.upper() in datasets.gset_names():
        name, W = args.path.upper(), datasets.gset(args.path)
    else:
        path = Path(args.path)
        if not path.is_file():
            print(f"no such file: {path} (shipped graphs: "
                  f"{', '.join(datasets.gset_names())})", file=sys.stderr)
            return 2
        name, W = path.name, read_gset(path)
    res = maxcut(W, "bm", rank=args.rank, seed=args.seed, rounds=args.rounds)
    cert = res.certificate
    print(f"graph        {name}: n = {W.shape[0]}, m = {W.nnz // 2}, "
          f"rank r = {res.V.shape[1]}")
    print(f"SDP value    {res.value:.6f}   (¼⟨L, VVᵀ⟩ of a feasible factor: a lower bound)")
    print(f"upper bound  {res.upper_bound:.6f}   (dual certificate, "
          f"{'proved' if cert.certified else 'estimated'}; λ_min ≥ {cert.lambda_lower:.3e})")
    print(f"gap          {res.gap:.3e}   (relative {res.relative_gap:.2e})")
    print(f"best GW cut  {res.cut_value:.0f}   ({res.cut_value / res.value:.4f} of the SDP value,"
          f" best of {args.rounds} hyperplanes)")
    print(f"time         {res.seconds:.2f} s  (solve {res.solve_seconds:.2f} s, "
          f"certificate {cert.seconds:.2f} s; {res.message})")
    return 0


if __name__ == "__main__":
    # Exit only on an error: the gallery runs this file in the Sphinx process, where
    # sys.exit(0) would end the build.
    status = main()
    if status:
        sys.exit(status)
