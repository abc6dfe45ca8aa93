"""`python -m hemispasm` runs the command line."""

import sys

from hemispasm.cli import main

sys.exit(main())
