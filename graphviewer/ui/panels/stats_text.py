"""What the Activations panel says in words: table rows, the sampled-histogram note, the
dead-unit sentence, and a sentence for every output that cannot be drawn (Qt-free)."""

from __future__ import annotations

import math

from graphviewer.core.types import ActivationStats
from graphviewer.core.warnings import MIN_SAMPLES

NORM_CLASSES = (
    "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "SyncBatchNorm", "LayerNorm", "GroupNorm",
    "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "RMSNorm",
)  # fmt: skip

ROWS = (
    "shape", "dtype", "values", "mean", "std", "min", "max", "zeros", "NaN", "Inf", "dead units",
)  # fmt: skip

NO_STATS = (
    "no statistics: the output is not a floating-point tensor (an integer, bool or complex "
    "tensor, or not a tensor at all), or it was not measured"
)


def number(v: float) -> str:
    if not math.isfinite(v):
        return "—" if math.isnan(v) else ("+inf" if v > 0 else "-inf")
    return f"{v:.4g}"


def table_column(st: ActivationStats) -> list[str]:
    """The panel table's column for one tensor, row by row as in `ROWS`."""
    dead = f"{st.dead_units:,} of {st.units:,}" if st.units else "—"
    return [
        "×".join(map(str, st.shape)) or "scalar",
        st.dtype,
        f"{st.count:,}",
        number(st.mean),
        number(st.std),
        number(st.min),
        number(st.max),
        f"{st.zeros_fraction * 100:.1f} %",
        f"{st.nan_count:,}",
        f"{st.inf_count:,}",
        dead,
    ]


def unusable(st: ActivationStats) -> str:
    """Why this tensor has no histogram to draw, or "" when it has one."""
    if st.count == 0:
        return f"the output is empty (shape {'×'.join(map(str, st.shape))}): no values to show"
    finite = st.count - st.nan_count - st.inf_count
    if finite == 0:
        return f"all {st.count:,} values are NaN or Inf: no histogram"
    return ""


def notes(st: ActivationStats, name: str) -> list[str]:
    """Sentences under the plot: one value, the histogram's sample, dead units."""
    out: list[str] = []
    if st.count == 1:
        out.append(f"one value: {number(st.mean)}")
    elif st.count > 1 and st.min == st.max:
        out.append(f"all {st.count:,} values are {number(st.min)}")
    if st.hist_sampled:
        finite = st.count - st.nan_count - st.inf_count
        out.append(
            f"histogram of {st.hist_total:,} of {finite:,} values (an even sample); "
            "the figures in the table are exact"
        )
    if st.nan_count or st.inf_count:
        out.append(f"{st.nan_count:,} NaN and {st.inf_count:,} Inf values (not in the histogram)")
    if st.units and st.dead_units:
        sentence = f"{name}: {st.dead_units:,} of {st.units:,} units dead for every sample"
        if st.unit_samples and st.unit_samples < MIN_SAMPLES:
            sentence += f" (only {st.unit_samples} samples each: too few to call them dead)"
        out.append(sentence)
    return out


def norm_note(st: ActivationStats) -> str:
    """For a norm layer's output: how far it is from mean 0 / std 1."""
    if not (math.isfinite(st.mean) and math.isfinite(st.std)):
        return ""
    return f"normalised output: mean {st.mean:.3f} (0 expected), std {st.std:.3f} (1 expected)"
