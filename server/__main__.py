"""``python -m server`` is the ``warmline`` command."""

import sys

from server.cli import main

sys.exit(main())
