"""``python -m idl_sdp.cli``: the ``idl-sdp`` command line."""
import sys

from . import main

if __name__ == "__main__":
    sys.exit(main())
