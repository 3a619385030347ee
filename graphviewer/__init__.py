"""graphviewer: see what your PyTorch model really computes."""

from __future__ import annotations

__version__ = "0.1.0"
