"""``python -m gelu``: the same as the ``gelu`` console script."""
import sys

from gelu.cli import main

sys.exit(main())
