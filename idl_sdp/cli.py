"""The ``idl-sdp`` command line.

Subcommands (a registry: add an entry to :data:`SUBCOMMANDS` to add one):

``idl-sdp verify CERT.json``
    Re-check a certificate (or bundle) file in exact arithmetic and print a one-line
    verdict.
``idl-sdp certify MODEL.npz --lam 1.0 [--eps 0.05] [--which M] [--out CERT.json]``
    Certify a condition of a saved :class:`~idl_sdp.ImplicitModel` and print the
    certificate; optionally save it.

Exit status: ``0`` when the certificate holds (``verify``) or every condition is
certified (``certify``); ``2`` when a well-formed certificate does not hold or a
condition is violated or undecided; ``1`` on a usage or input error (bad arguments,
unreadable or malformed file), reported as one line on stderr without a traceback.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import Callable, Dict, Optional, Sequence

__all__ = ["main", "SUBCOMMANDS", "Subcommand", "EXIT_OK", "EXIT_USAGE", "EXIT_FAILED"]

EXIT_OK, EXIT_USAGE, EXIT_FAILED = 0, 1, 2


class _UsageError(Exception):
    """Raised instead of argparse's print-usage-and-exit(2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(f"{self.prog}: {message}")


@dataclass(frozen=True)
class Subcommand:
    """One ``idl-sdp`` subcommand: its help line, its arguments and its action."""

    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


# ------------------------------------------------------------------- verify
def _verify_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("certificate", metavar="CERT.json", help="certificate or bundle file")


def _verify_run(args: argparse.Namespace) -> int:
    from .certify import verify

    ok, message = verify(args.certificate)
    print(("VERIFIED: " if ok else "NOT VERIFIED: ") + message.replace("\n", " "))
    return EXIT_OK if ok else EXIT_FAILED


# ------------------------------------------------------------------ certify
def _lam_arg(text: str):
    parts = [s for s in text.replace(" ", "").split(",") if s]
    try:
        vals = [float(s) for s in parts]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--lam must be a number or comma-separated numbers, got {text!r}") from None
    if not vals:
        raise argparse.ArgumentTypeError("--lam must not be empty")
    return vals[0] if len(vals) == 1 else vals


def _certify_args(p: argparse.ArgumentParser) -> None:
    from .certify import METHODS, WHICH_CHOICES

    p.add_argument("model", metavar="MODEL.npz", help="a model saved by ImplicitModel.save")
    p.add_argument("--lam", type=_lam_arg, default=None,
                   help="multiplier λ: one number or h comma-separated numbers")
    p.add_argument("--eps", type=float, default=None, help="margin of ‖D‖₂ ≤ 1 − eps")
    p.add_argument("--which", default="M", choices=WHICH_CHOICES,
                   help="condition to certify (default M; 'all' for every applicable one)")
    p.add_argument("--method", default="auto", choices=METHODS, help="default auto")
    p.add_argument("--out", metavar="CERT.json", default=None,
                   help="write the certificate (bundle for --which all) as JSON")


def _certify_run(args: argparse.Namespace) -> int:
    from .certify import certify
    from .model import ImplicitModel

    model = ImplicitModel.load(args.model)
    cert = certify(model, lam=args.lam, eps=args.eps, which=args.which, method=args.method)
    print(cert)
    if args.out:
        cert.to_json(args.out)
        print(f"written to {args.out}")
    return EXIT_OK if cert.status == "certified" else EXIT_FAILED


#: The registry of subcommands, by name.
SUBCOMMANDS: Dict[str, Subcommand] = {
    "verify": Subcommand("re-check a certificate file in exact arithmetic",
                         _verify_args, _verify_run),
    "certify": Subcommand("certify an LMI of a saved model (prints the certificate)",
                          _certify_args, _certify_run),
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one subparser per entry of :data:`SUBCOMMANDS`."""
    parser = _Parser(prog="idl-sdp", description="idl_sdp command line tools")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name, cmd in SUBCOMMANDS.items():
        cmd.add_arguments(sub.add_parser(name, help=cmd.help, description=cmd.help))
    return parser


def _one_line(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, FileNotFoundError) and exc.filename:
        text = f"no such file: {exc.filename}"
    return " ".join(text.split())


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the ``idl-sdp`` command line; return the exit status (see module docstring)."""
    parser = build_parser()
    try:
        args = parser.parse_args(None if argv is None else list(argv))
    except _UsageError as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    try:
        return SUBCOMMANDS[args.command].run(args)
    except (ValueError, TypeError, OSError) as exc:
        print(f"idl-sdp {args.command}: error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("idl-sdp: interrupted", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
