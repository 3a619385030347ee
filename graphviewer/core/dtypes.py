"""Short dtype names ("float32"), as snapshots and `inspect --json` spell them."""

from __future__ import annotations

import torch

_NAMES: dict[torch.dtype, str] = {}


def dtype_name(dtype: torch.dtype) -> str:
    """`torch.float32` → "float32" (cached: called for every node and activation)."""
    name = _NAMES.get(dtype)
    if name is None:
        name = _NAMES[dtype] = str(dtype).removeprefix("torch.")
    return name
