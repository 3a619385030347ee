"""The texts drawn in node, stub, collapsed-module and group boxes: shared by layout and render.

The layout engine sizes boxes by measuring these texts (with the caller's `measure`), and the
renderer draws the same texts in those boxes, so a label always fits its box. `item_label` is the
one rule for any `Layout` item; in particular a *stub* (`Layout.is_stub`) is sized from its
one-line `stub_label` (the leaf's name, no shape), or from `module_stub_label` when the many-use
item is a collapsed module: draw exactly that text in a stub, not the leaf's two-line label.
"""

from __future__ import annotations

from graphviewer.core.types import GraphNode, ModuleInfo, collapsed_id

# A Qt-free guess at a 12 px sans-serif font: average advance and line height, in pixels.
APPROX_CHAR_WIDTH = 7.0
APPROX_LINE_HEIGHT = 15.0


def shape_text(shape: tuple[int, ...] | None) -> str:
    """`(16, 64)` → "16×64"; a scalar → "scalar"; unknown → ""."""
    if shape is None:
        return ""
    return "×".join(str(d) for d in shape) if shape else "scalar"


def node_label(node: GraphNode) -> str:
    """A graph node's box text: its op (or parameter name) and, on a second line, its shape."""
    name = node.param.rsplit(".", 1)[-1] if node.param else node.op
    shape = shape_text(node.shape)
    return f"{name}\n{shape}" if shape else name


def stub_label(node: GraphNode) -> str:
    """A stub's text (a small port standing for a many-use leaf next to one consumer): its name."""
    return node.param.rsplit(".", 1)[-1] if node.param else node.op


def module_stub_label(path: str) -> str:
    """A stub's text when it stands for a collapsed module used many times: its last name."""
    return path.rsplit(".", 1)[-1] if path else "(root)"


def module_label(info: ModuleInfo) -> str:
    """A collapsed module's box text: name, class, and its input → output shapes when known.

    A module called several times with other shapes each time (`shapes_vary`) has one box per
    call, all with this text: the shapes are left out rather than shown wrong on later calls."""
    if info.shapes_vary:
        return "\n".join((info.title or info.name, info.class_name))
    ins = ", ".join(shape_text(s) for s in info.input_shapes)
    outs = ", ".join(shape_text(s) for s in info.output_shapes)
    shapes = f"{ins} → {outs}" if ins or outs else ""
    return "\n".join(p for p in (info.title or info.name, info.class_name, shapes) if p)


def item_label(
    item_id: str, *, stub: bool, node: GraphNode | None, module: ModuleInfo | None
) -> str:
    """The text of one `Layout` item, exactly as the layout measured it.

    `node` is the graph node `item_id` names (None for a collapsed module's item), `module` the
    module a collapsed item (`collapsed_id(path)`) stands for, when known.
    """
    if node is not None:
        return stub_label(node) if stub else node_label(node)
    path = item_id.removeprefix(collapsed_id(""))
    if stub:
        return module_stub_label(path)
    return module_label(module) if module is not None else path or "(root)"


def group_label(info: ModuleInfo | None, path: str) -> str:
    """An expanded module's group title: "name · Class" (the path when the module is unknown)."""
    if info is None:
        return path
    return f"{info.title or info.name} · {info.class_name}" if info.path else info.class_name


def approx_measure(text: str) -> tuple[float, float]:
    """A Qt-free (width, height) estimate of a multi-line text, the layout's default `measure`."""
    lines = text.split("\n")
    return (APPROX_CHAR_WIDTH * max(len(line) for line in lines), APPROX_LINE_HEIGHT * len(lines))
