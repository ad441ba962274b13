"""Deprecated location of ``idl-sdp bound``: now :mod:`idl_sdp.cli.bound` (kept as an alias)."""
from .cli.bound import _j, _options, add_arguments, bound_args, bound_run, run  # noqa: F401

__all__ = ["bound_args", "bound_run"]
