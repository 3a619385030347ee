"""Graphs inline in Jupyter: a picture object with `_repr_svg_` / `_repr_png_` /
`_repr_mimebundle_` (SVG, PNG, and a self-contained pan-and-zoom HTML view), and the IPython
formatters that show any `GraphSnapshot` the same way. No kernel is needed to use it: the
pictures are the export's, through the one painter."""

from __future__ import annotations

import html
import sys
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphviewer.core.layout.direction import Direction
from graphviewer.core.layout.fit import Fit
from graphviewer.core.types import GraphSnapshot
from graphviewer.render.export import ExportResult

NOTEBOOK_WIDTH = 1000  # PNG width for a notebook cell (its SVG scales to the cell)


@dataclass
class GraphPicture:
    """The picture of one captured graph, shaped as `graphviewer export` would draw it.

    In Jupyter it shows itself inline (SVG, with a pan-and-zoom HTML view where the front end
    runs scripts); `export(path)` writes it, `show()` opens the window on the live model.
    """

    snapshot: GraphSnapshot
    depth: int | None = None
    expand_all: bool = False
    direction: Direction | None = None
    fit: Fit = "slide"
    theme: str = "light"
    # opens the window on the live model (set by `graphviewer.graph`; render knows no window)
    _show: Callable[[], None] | None = field(default=None, repr=False)
    _svg: str | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        return f"<GraphPicture of {snapshot_summary(self.snapshot)}>"

    def export(self, path: str | Path, **options: Any) -> ExportResult:
        """Write the picture to `path` (.png, .svg or .pdf); `options` as `export_snapshot`'s."""
        from graphviewer.render.snapshot_export import export_snapshot

        kwargs: dict[str, Any] = {
            "depth": self.depth,
            "expand_all": self.expand_all,
            "direction": self.direction,
            "fit": self.fit,
            "theme": self.theme,
        }
        kwargs.update(options)
        return export_snapshot(self.snapshot, path, **kwargs)

    def svg(self) -> str:
        """The picture as SVG text (made once)."""
        if self._svg is None:
            self._svg = _render(self, "svg").decode("utf-8")
        return self._svg

    def png(self, width: int = NOTEBOOK_WIDTH) -> bytes:
        """The picture as PNG bytes, `width` pixels wide."""
        return _render(self, "png", width=width)

    def html(self) -> str:
        """A self-contained HTML view of the SVG: wheel to zoom, drag to pan, double-click to
        fit (plain script, nothing loaded from anywhere)."""
        return interactive_html(self.svg())

    def show(self) -> None:
        """Open the window on the model this picture was captured from."""
        if self._show is None:
            raise RuntimeError(
                "this picture has no live model to open (made from a snapshot): "
                "use graphviewer.show(model, inputs)"
            )
        self._show()

    def _repr_svg_(self) -> str:
        return self.svg()

    def _repr_png_(self) -> bytes:
        return self.png()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        svg = self.svg()
        return {
            "image/svg+xml": svg,
            "text/html": interactive_html(svg),
            "text/plain": repr(self),
        }


def snapshot_summary(snapshot: GraphSnapshot) -> str:
    """One line: name, mode and counts (and a failure, if the forward raised)."""
    text = (
        f"{snapshot.name!r} ({snapshot.mode}): {snapshot.num_nodes:,} autograd nodes, "
        f"{snapshot.num_edges:,} edges, {len(snapshot.modules):,} modules"
    )
    if snapshot.failure is not None:
        text += ", partial: the forward raised"
    return text


def _render(picture: GraphPicture, fmt: str, **options: Any) -> bytes:
    with tempfile.TemporaryDirectory(prefix="graphviewer-") as folder:
        target = Path(folder) / f"graph.{fmt}"
        picture.export(target, **options)
        return target.read_bytes()


def interactive_html(svg: str) -> str:
    """`svg` in a box that pans (drag) and zooms (wheel) in place; double-click fits."""
    box = f"gv-{uuid.uuid4().hex[:12]}"
    start = svg.find("<svg")
    body = svg[start:] if start >= 0 else html.escape(svg)
    return f"""<div id="{box}" style="overflow:hidden;max-height:640px;cursor:grab;\
border:1px solid #d0d4da;border-radius:4px">{body}</div>
<script>(function(){{
const box=document.getElementById("{box}");if(!box)return;const svg=box.querySelector("svg");
if(!svg)return;svg.style.width="100%";svg.style.height="auto";svg.style.transformOrigin="0 0";
let s=1,x=0,y=0,drag=null;const put=()=>{{svg.style.transform=`translate(${{x}}px,${{y}}px) \
scale(${{s}})`;}};
box.addEventListener("wheel",e=>{{e.preventDefault();const r=box.getBoundingClientRect();
const k=Math.exp(-e.deltaY*0.0015),px=e.clientX-r.left,py=e.clientY-r.top;
x=px-(px-x)*k;y=py-(py-y)*k;s*=k;put();}},{{passive:false}});
box.addEventListener("mousedown",e=>{{drag=[e.clientX-x,e.clientY-y];box.style.cursor="grabbing";}});
window.addEventListener("mousemove",e=>{{if(drag){{x=e.clientX-drag[0];y=e.clientY-drag[1];put();}}}});
window.addEventListener("mouseup",()=>{{drag=null;box.style.cursor="grab";}});
box.addEventListener("dblclick",()=>{{s=1;x=0;y=0;put();}});}})();</script>"""


def register_ipython(prepare: Callable[[], None] = lambda: None) -> None:
    """Show every `GraphSnapshot` inline as its picture in a running IPython (no-op outside);
    `prepare()` runs before each picture is drawn (it makes the Qt application)."""
    ipython_mod = sys.modules.get("IPython")
    if ipython_mod is None:
        return
    shell = ipython_mod.get_ipython()  # type: ignore[attr-defined]
    if shell is None:
        return
    formatters = shell.display_formatter.formatters

    def svg(snapshot: GraphSnapshot) -> str:
        prepare()
        return GraphPicture(snapshot).svg()

    formatters["image/svg+xml"].for_type(GraphSnapshot, svg)  # its text is its short repr
