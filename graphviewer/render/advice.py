"""A word on an export the user cannot read: what they got, and the readable alternative."""

from __future__ import annotations

from graphviewer.render.export import ExportResult
from graphviewer.render.text import NODE_FONT_PX

READABLE_PX = 8.0  # a label under this many pixels tall cannot be read
LONGEST_SIDE_PX = 20_000  # past this no screen, slide or viewer shows a PNG whole


def size_advice(result: ExportResult, *, folded: bool) -> str:
    """Empty when `result` is readable; else one sentence saying what it is and what to do
    instead (`folded`: modules were folded already, so a depth will not help more)."""
    if result.fmt != "png":
        return ""
    label_px = NODE_FONT_PX * result.scale
    longest = max(result.width, result.height)
    if label_px >= READABLE_PX and longest <= LONGEST_SIDE_PX:
        return ""
    what = f"a {result.width:,}×{result.height:,} px PNG"
    why = (
        f"its labels are {label_px:.1f} px tall, too small to read"
        if label_px < READABLE_PX
        else "longer than any screen or slide shows whole"
    )
    ways = [] if folded else ["fold it (leave out --expand all, or pass a --depth)"]
    ways += [
        "write SVG or PDF instead (vector, with real text: zoom in to read)",
        "or export the part you need from the window (File ▸ Export, visible area)",
    ]
    return f"{what}: {why}; for a readable picture " + ", ".join(ways)
