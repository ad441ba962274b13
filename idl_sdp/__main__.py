"""``python -m idl_sdp``: the ``idl-sdp`` command line (:func:`idl_sdp.cli.main`)."""
import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
