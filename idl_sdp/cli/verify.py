"""``idl-sdp verify``: re-check a certificate file in exact arithmetic."""
from __future__ import annotations

import argparse

from ._common import EXIT_FAILED, EXIT_OK, EXIT_VIOLATED

_VERIFY_EPILOG = """\
exit status:
  0    the certificate is valid and every condition it states HOLDS
  1    usage or input error: bad option, missing or unreadable file, a file that is
       not a well-formed certificate (truncated, corrupted, a field missing or of
       the wrong type, unknown kind or format version)
  2    INVALID: a check fails, the certificate is 'undecided', or it is not about
       the given --model / --matrix / --problem / --graph
  3    VALID REFUTATION: the certificate is valid and proves some condition VIOLATED
"""

#: The options of ``idl-sdp verify`` that bind a certificate to an object, by the
#: keyword of :func:`idl_sdp.certify.verify` they set. A certificate kind accepts the
#: ones listed in its :data:`idl_sdp.certify.verify.VERIFIERS` entry.
_VERIFY_BINDINGS = {"model": "--model", "matrix": "--matrix", "problem": "--problem",
                    "graph": "--graph"}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.epilog = _VERIFY_EPILOG
    p.add_argument("certificate", metavar="CERT.json", help="certificate or bundle file")
    p.add_argument("--model", metavar="MODEL.npz", default=None,
                   help="check that the certificate is about this saved model: its A and "
                   "D must equal the certificate's inputs and rebuild the stored matrices")
    p.add_argument("--matrix", metavar="M.npy", default=None,
                   help="check that a single certificate is about this matrix (.npy, or "
                   ".npz holding one array): it must equal the stored matrix exactly")
    p.add_argument("--problem", metavar="FILE.dat-s", default=None,
                   help="check that a value-bounds certificate (idl-sdp bound) is about "
                   "this SDPA problem: its conic form must equal the certificate's data")
    p.add_argument("--graph", metavar="GRAPH.txt", default=None,
                   help="check that a max-cut certificate is about this graph (Gset text "
                   "format: 'n m', then 'i j w' lines): its edges must equal the stored ones")


def run(args: argparse.Namespace) -> int:
    from ..certify.certificate import read_certificate_json
    from ..certify.verify import verifier_for, verify

    kind, _ = read_certificate_json(args.certificate)
    spec = verifier_for(kind, args.certificate)  # unknown kind: ValueError, exit 1
    given = {key: getattr(args, key) for key in _VERIFY_BINDINGS
             if getattr(args, key) is not None}
    for key in given:
        if key not in spec.bindings:
            accepted = ", ".join(_VERIFY_BINDINGS[b] for b in spec.bindings) or "none"
            raise ValueError(f"{_VERIFY_BINDINGS[key]} does not apply to a {kind!r} "
                             f"certificate ({spec.description}; options: {accepted})")
    if len(given) > 1:
        raise ValueError("give one of " + " / ".join(_VERIFY_BINDINGS[k] for k in given))
    result = verify(args.certificate, **given)
    print(result.message)
    if not result.valid:
        return EXIT_FAILED
    return EXIT_OK if result.holds else EXIT_VIOLATED
