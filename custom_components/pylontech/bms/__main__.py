"""`python3 -m custom_components.pylontech.bms`: the command-line tool."""

import sys

from .cli import main

sys.exit(main())
