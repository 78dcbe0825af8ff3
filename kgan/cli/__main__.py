"""`python -m kgan.cli`: the `kgan` command."""

import sys

from kgan.cli.commands import main

sys.exit(main())
