"""Max-cut on a Gset graph: Burer–Monteiro, a dual certificate and GW rounding.

Usage::

    python examples/maxcut_gset.py [PATH] [--rank R] [--rounds K] [--seed S]

``PATH`` defaults to G14 in the shared data directory beside the repository
(``../shared/data/gset/G14``).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from idl_sdp.relax import maxcut, read_gset

DEFAULT = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "gset" / "G14"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default=str(DEFAULT), help="a Gset file")
    parser.add_argument("--rank", type=int, default=None,
                        help="factor rank (default: the smallest r with r(r+1)/2 > n)")
    parser.add_argument("--rounds", type=int, default=100, help="GW hyperplanes")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    path = Path(args.path)
    if not path.is_file():
        print(f"no such file: {path}", file=sys.stderr)
        return 2
    W = read_gset(path)
    res = maxcut(W, "bm", rank=args.rank, seed=args.seed, rounds=args.rounds)
    cert = res.certificate
    print(f"graph        {path.name}: n = {W.shape[0]}, m = {W.nnz // 2}, "
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
    sys.exit(main())
