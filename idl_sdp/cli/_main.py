"""The subcommand registry, the argument parser and :func:`main`."""
from __future__ import annotations

import argparse
import io
import os
import sys
from typing import Dict, List, Optional, Sequence

from . import bound, certify, fit, inspect, predict, problems, verify
from ._common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    Subcommand,
    _dump_json,
    _one_line,
    _Parser,
    _UsageError,
)

#: The registry of subcommands, by name: one module each, with ``add_arguments(parser)``
#: and ``run(args) -> exit status``.
SUBCOMMANDS: Dict[str, Subcommand] = {
    "fit": Subcommand("train an implicit model on a CSV file or a bundled data set",
                      fit.add_arguments, fit.run),
    "predict": Subcommand("equilibrium predictions of a saved model on raw inputs",
                          predict.add_arguments, predict.run),
    "inspect": Subcommand("sizes and well-posedness numbers of a saved model",
                          inspect.add_arguments, inspect.run),
    "problems": Subcommand("print the sizes and cones of both convex subproblems",
                           problems.add_arguments, problems.run),
    "verify": Subcommand("re-check a certificate file in exact arithmetic",
                         verify.add_arguments, verify.run),
    "certify": Subcommand("certify an LMI of a saved model (prints the certificate)",
                          certify.add_arguments, certify.run),
    "bound": Subcommand("rigorous bounds on the optimal value of an SDPA problem",
                        bound.add_arguments, bound.run),
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one subparser per entry of :data:`SUBCOMMANDS`."""
    from .. import __version__

    parser = _Parser(prog="idl-sdp", description="idl_sdp command line tools")
    parser.add_argument("--version", action="version", version=f"idl-sdp {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name, cmd in SUBCOMMANDS.items():
        cmd.add_arguments(sub.add_parser(name, help=cmd.help, description=cmd.help))
    return parser


def _error(prefix: str, kind: str, message: str, as_json: bool) -> None:
    """One line on stderr; with ``--json`` also ``{"error", "type"}`` on stdout."""
    print(f"{prefix}: {message}", file=sys.stderr)
    if as_json:
        _dump_json({"error": message, "type": kind})


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the ``idl-sdp`` command line.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after the program name (default ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status: 0 success, 1 usage or input error (one line on stderr; with
        ``--json`` also a JSON object ``{"error": message, "type": kind}`` on stdout),
        2 solver failure, an invalid certificate (``verify``) or a condition not
        certified (``certify``), 3 a valid certificate proving a condition violated
        (``verify``), 130 interrupted.
    """
    from .._solvers import SolverError
    from ..model import EquilibriumError

    argv_list: List[str] = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in argv_list
    parser = build_parser()
    try:
        args = parser.parse_args(argv_list)
    except _UsageError as exc:
        _error("error", "UsageError", _one_line(exc), as_json)
        return EXIT_USAGE
    except SystemExit as exc:  # --help, --version
        return int(exc.code or 0)
    as_json = bool(getattr(args, "json", False))
    prefix = f"idl-sdp {args.command}"
    try:
        return SUBCOMMANDS[args.command].run(args)
    except BrokenPipeError:
        # The reader of stdout went away (``| head``): stop quietly.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError, io.UnsupportedOperation):
            pass
        return EXIT_USAGE
    except (ValueError, TypeError, OSError, ImportError) as exc:
        _error(f"{prefix}: error", type(exc).__name__, _one_line(exc), as_json)
        return EXIT_USAGE
    except (SolverError, EquilibriumError) as exc:
        _error(f"{prefix}: failed", type(exc).__name__, _one_line(exc), as_json)
        return EXIT_FAILED
    except KeyboardInterrupt:
        _error("idl-sdp", "KeyboardInterrupt", "interrupted", as_json)
        return EXIT_INTERRUPTED
