"""``python -m numopt``: the same as the ``numopt`` console script."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
