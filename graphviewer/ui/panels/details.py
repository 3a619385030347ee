"""The details dock: everything known about the selected node, module group or edge."""

from __future__ import annotations

import html
from collections.abc import Iterable

from PySide6.QtWidgets import QTextBrowser, QVBoxLayout, QWidget

from graphviewer.core.categories import CATEGORY_LABELS, op_category
from graphviewer.core.report import format_bytes, format_shapes
from graphviewer.core.types import GraphNode, GraphSnapshot, ModuleInfo


def _shape(shape: tuple[int, ...] | None) -> str:
    return "–" if shape is None else format_shapes((shape,))


def _table(title: str, rows: Iterable[tuple[str, str]]) -> str:
    cells = "".join(
        f"<tr><td style='color:gray;padding-right:10px'>{html.escape(k)}</td>"
        f"<td>{html.escape(v)}</td></tr>"
        for k, v in rows
    )
    return f"<h3 style='margin-bottom:4px'>{html.escape(title)}</h3><table>{cells}</table>"


def node_html(snapshot: GraphSnapshot, node: GraphNode) -> str:
    """The properties of one autograd node as an HTML fragment."""
    rows = [
        ("op", node.op),
        ("kind", CATEGORY_LABELS[op_category(node)]),
        ("backward", node.backward_class),
        ("module", node.module or "(root)"),
        ("output shape", _shape(node.shape)),
        ("dtype", node.dtype or "–"),
    ]
    if node.param:
        rows.append(("parameter", f"{node.param} {_shape(node.shape)}"))
    if node.source is not None:
        rows.append(("created at", f"{node.source.file.rsplit('/', 1)[-1]}:{node.source.line}"))
        rows.append(("code", node.source.text))
    ins = [snapshot.graph.edges[e].get("shape") for e in snapshot.graph.in_edges(node.id)]
    if ins:
        rows.append(("inputs", ", ".join(_shape(s) for s in ins)))
    rows.append(("id", node.id))
    text = _table(node.op, rows)
    if node.saved:
        saved = [
            (s.name, f"{_shape(s.shape)} {s.dtype}  {format_bytes(s.nbytes)}") for s in node.saved
        ]
        saved.append(("total", format_bytes(node.saved_bytes)))
        text += _table("saved for backward", saved)
    stats = snapshot.stats.get(f"node:{node.id}")
    if stats is not None:
        text += _table(
            "activation",
            [
                ("mean ± std", f"{stats.mean:.4g} ± {stats.std:.4g}"),
                ("min / max", f"{stats.min:.4g} / {stats.max:.4g}"),
                ("zeros", f"{stats.zeros_fraction:.1%}"),
            ],
        )
    else:
        missing = [w.message for w in snapshot.warnings if w.kind == "values"]
        if missing:
            text += _table("activation", [("values", missing[0].removeprefix("values "))])
    return text


def module_html(snapshot: GraphSnapshot, info: ModuleInfo, collapsed: bool) -> str:
    """The properties of one module (a group box or a collapsed node) as an HTML fragment."""
    inside = [n for n in snapshot.nodes.values() if _within(n.module, info.path)]
    saved = sum(n.saved_bytes for n in inside)
    rows = [
        ("module", info.path or "(root)"),
        ("class", info.class_name),
        ("input", format_shapes(info.input_shapes)),
        ("output", format_shapes(info.output_shapes)),
        ("calls", str(info.calls)),
        ("parameters", f"{info.num_params:,}"),
        ("autograd nodes", f"{len(inside):,}"),
        ("saved for backward", format_bytes(saved)),
        ("drawn", "collapsed (double-click to expand)" if collapsed else "expanded"),
    ]
    return _table(info.name if info.path else info.class_name, rows)


def edge_html(snapshot: GraphSnapshot, src: str, dst: str) -> str:
    """The tensor flowing along one edge as an HTML fragment."""
    graph = snapshot.graph
    shape = graph.edges[src, dst].get("shape") if graph.has_edge(src, dst) else None
    return _table("edge", [("from", src), ("to", dst), ("tensor", _shape(shape))])


def _within(module: str, path: str) -> bool:
    return not path or module == path or module.startswith(path + ".")


class DetailsPanel(QWidget):
    """Shows the properties of what is selected on the canvas, as readable text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._view = QTextBrowser(self)
        self._view.setOpenLinks(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self._view)
        self.clear()

    def clear(self) -> None:
        self._html = ""
        self._view.setHtml("<p style='color:gray'>Click a node, a module or an edge.</p>")

    def show_html(self, fragment: str) -> None:
        self._html = fragment
        self._view.setHtml(fragment)

    def add_section(self, title: str, body_html: str) -> None:
        """Add a titled section under what is shown (another panel's word on the selection)."""
        self.show_html(
            f"{self._html}<h3 style='margin-bottom:4px'>{html.escape(title)}</h3>"
            f"<p style='white-space:pre-wrap'>{body_html}</p>"
        )

    def text(self) -> str:
        """What the panel shows, as plain text (for tests and copying)."""
        return self._view.toPlainText()
