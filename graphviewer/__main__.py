"""`python -m graphviewer`."""

from __future__ import annotations

import sys

from graphviewer.cli import main

sys.exit(main())
