"""The ``idl-sdp`` command line.

Subcommands (a registry: add an entry to :data:`SUBCOMMANDS` to add one):

``idl-sdp fit DATA.csv --target COL [--hidden 10] [--lam 1] [--rounds 20] [--out MODEL.npz]``
    Train an implicit model on a CSV file (or ``--dataset NAME``, a scikit-learn
    bundled data set) with :class:`~idl_sdp.estimators.ImplicitClassifier` /
    :class:`~idl_sdp.estimators.ImplicitRegressor` and save it, with a sidecar
    ``MODEL.npz.json`` holding the feature names, the target name and the class
    labels. Prints one progress line per round (and per ``reg="auto"`` candidate, on
    stderr). Options: ``--task``, ``--lmi``, ``--eps``, ``--reg``, ``--tol``,
    ``--solver``, ``--seed``, ``--checkpoint``, ``--resume``, ``--certify``,
    ``--cert-out``, ``--plot DIR``, ``--delimiter``, ``--json``, ``--quiet``.
``idl-sdp predict MODEL.npz DATA.csv [--out PREDS.csv]``
    Equilibrium predictions (class labels and scores for a classifier) of a saved
    model on raw inputs; ``--dataset NAME`` instead of a CSV, ``--delimiter``.
``idl-sdp inspect MODEL.npz [--lam L] [--json]``
    Sizes and well-posedness numbers (‖D‖₂, ‖D‖∞, pf(|D|), and λ_min(M)).
``idl-sdp problems (DATA.csv --target COL | --dataset NAME) [--hidden 10] [--json]``
    Build both convex subproblems of a fit on these data and print their sizes, the
    cone dimensions of their conic form and their DCP/DPP/QP flags.
``idl-sdp verify CERT.json [--model MODEL.npz | --matrix M.npy]``
    Re-check a certificate (or bundle) file in exact arithmetic and print the verdict,
    one line per condition: ``VALID PROOF: … HOLDS``, ``VALID REFUTATION: … is
    VIOLATED`` or ``INVALID: …``; with ``--model`` / ``--matrix``, also check that it
    is about that model / matrix by content. Dispatches on the file's ``kind``.
``idl-sdp certify MODEL.npz --lam 1.0 [--eps 0.05] [--which M] [--out CERT.json]``
    Certify a condition of a saved :class:`~idl_sdp.ImplicitModel` and print the
    certificate; optionally save it.

``idl-sdp --version`` prints the version; ``python -m idl_sdp`` and
``python -m idl_sdp.cli`` run the same command line. Every argument is checked before
any data is read or any solver runs.

Inputs are standardized for training (mean 0, standard deviation 1 per feature; a
regression target likewise; :mod:`idl_sdp.preprocessing`, as the estimators do) and the
standardization is folded exactly into the saved parameters, so a saved model maps raw inputs to outputs in the target's units:
``ImplicitModel.load("model.npz").predict(U_raw)`` needs no sidecar (see
:func:`fold_standardization`).

Exit status
-----------
``0``
    Success; for ``verify`` the certificate is valid *and* every condition it states
    holds, for ``certify`` and ``fit --certify`` every condition is certified.
``1``
    Usage or input error (bad flag or value, unreadable or malformed file, missing
    column, non-numeric feature), reported as one line on stderr without a traceback
    (with ``--json``, also ``{"error": ..., "type": ...}`` on stdout).
``2``
    A solver failure in ``fit`` (one line naming the round and the status; with
    ``--out``, the last good model is saved there, marked incomplete in the sidecar),
    an invalid certificate for ``verify`` (a check fails, it is "undecided", or it is
    not about the given ``--model`` / ``--matrix``), a condition violated or
    undecided for ``certify`` and ``fit --certify``, or a model whose equilibrium
    iteration does not converge.
``3``
    ``verify`` only: a *valid* certificate that proves some condition is VIOLATED (a
    valid refutation; no entry invalid).
``130``
    Interrupted (Ctrl-C); ``fit`` says how to resume when ``--checkpoint`` was given.

The package (one module per subcommand, shared helpers in ``_common``, ``_data``,
``_sidecar`` and ``_progress``) is internal: import from ``idl_sdp.cli`` only the names
in ``__all__``.
"""
from __future__ import annotations

from ..preprocessing import fold_standardization
from ._common import (EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, EXIT_VIOLATED,
                      MAX_AUTO_CLASSES, Subcommand)
from ._data import read_csv
from ._main import SUBCOMMANDS, build_parser, main
from ._sidecar import SIDECAR_FORMAT, SIDECAR_VERSION, load_sidecar, sidecar_path
from .problems import describe_problem

# Private names of the former single module ``idl_sdp/cli.py``, kept for existing code and
# tests; ``idl_sdp.cli._write_text_atomic`` is looked up here when a sidecar is written,
# so that it can be replaced.
# isort: split
from ._common import _write_text_atomic  # noqa: F401
from ._data import _decide_task, _encode_targets  # noqa: F401
from ._progress import _make_progress, _NoProgress, _PlainProgress, _RichProgress  # noqa: F401

__all__ = [
    "main", "build_parser", "SUBCOMMANDS", "Subcommand", "fold_standardization",
    "read_csv", "sidecar_path", "load_sidecar", "describe_problem",
    "EXIT_OK", "EXIT_USAGE", "EXIT_FAILED", "EXIT_VIOLATED", "EXIT_INTERRUPTED",
    "SIDECAR_FORMAT", "SIDECAR_VERSION", "MAX_AUTO_CLASSES",
]
