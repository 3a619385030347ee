"""Frozen data that crosses threads: what a model file holds, and what one capture saw.

Only these dataclasses, numpy arrays and plain Python values travel from the worker thread to
the GUI. `ModelSpec` is the exception that proves the rule: it holds the live model and goes
*into* a job, never out of one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import numpy as np

if TYPE_CHECKING:
    import networkx as nx
    import torch

Mode = Literal["train", "eval", "no_grad"]
MODES: tuple[Mode, ...] = ("train", "eval", "no_grad")

# Node kinds, as the canvas colours them and `inspect --json` reports them.
NodeKind = Literal["op", "param", "input", "output"]


@dataclass(frozen=True)
class ModelSpec:
    """A model ready to run: the module (or a graph-only autograd output), its inputs, its source.

    Exactly one of `model` and `output` is set. `output` is for plain autograd scripts with no
    `nn.Module` (``z = (x * w).sum() + b``): the graph of that tensor is shown as it is.
    """

    path: Path | None
    name: str
    model: torch.nn.Module | None = None
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    loss_fn: Callable[[Any], torch.Tensor] | None = None
    output: Any = None
    kind: str = "python"  # python | script | pickle | torchscript | export | autograd | live
    log: str = ""  # what the user's script printed while it was loaded
    source_files: tuple[Path, ...] = ()  # files whose lines count as "the user's code"
    # module-level GRAPHVIEWER_* constants of a .py file: hints for capture, e.g.
    # {"GRAPHVIEWER_DISABLE_MKLDNN": True} asks for an unrolled (non-fused) LSTM graph
    hints: Mapping[str, Any] = field(default_factory=dict)
    # id(tensor) -> the user's variable name, for leaf tensors a script names (`x`, `w`, `b`)
    tensor_names: Mapping[int, str] = field(default_factory=dict)
    # what the loader did that the user should know: "stopped the script at its first forward …"
    notice: str = ""


@dataclass(frozen=True)
class SourceLoc:
    """Where in the user's code an op was called: file, 1-based line, function and line text."""

    file: str
    line: int
    function: str
    text: str = ""


class SavedTensor(NamedTuple):
    """A tensor an autograd node saved for backward (`_saved_self`, `_saved_mat2`, ...).

    A named tuple, not a dataclass: a 100,000-node walk makes one per saved tensor.
    """

    name: str
    shape: tuple[int, ...]
    dtype: str
    nbytes: int


class GraphNode(NamedTuple):
    """One node of the autograd graph, as plain data.

    `id` is stable for the same model and input: "n<k>" numbers nodes by creation order.
    `kind` is "param" for an `AccumulateGrad` of a module parameter, "input" for any other leaf
    tensor that requires grad, "output" for the node(s) the walk started from, else "op".
    A named tuple, not a dataclass: building one costs a fifth as much, and a walk builds one
    per node (20,000 for an unrolled LSTM).
    """

    id: str
    kind: NodeKind
    backward_class: str  # "AddmmBackward0", "AccumulateGrad"
    op: str  # friendly op name: "addmm", "relu", or the parameter name for leaves
    module: str  # innermost module path that created it ("" = the root module / no module)
    shape: tuple[int, ...] | None = None
    dtype: str | None = None
    saved: tuple[SavedTensor, ...] = ()
    param: str | None = None  # "layer1.weight" for AccumulateGrad leaves of parameters
    source: SourceLoc | None = None
    seq: int = -1  # the autograd sequence number: creation order within its thread
    # The module calls running when it was created, outermost first: ("relu", 2) is the second
    # call of `relu`. Shared by every node of one call; () for leaves and where no hook ran.
    calls: tuple[tuple[str, int], ...] = ()

    @property
    def saved_bytes(self) -> int:
        return sum(s.nbytes for s in self.saved)


@dataclass(frozen=True)
class ModuleInfo:
    """One `nn.Module` in the tree: dotted path ("" is the root), class, shapes seen by hooks."""

    path: str
    class_name: str
    parent: str | None  # None for the root
    children: tuple[str, ...]
    input_shapes: tuple[tuple[int, ...], ...] = ()
    output_shapes: tuple[tuple[int, ...], ...] = ()
    calls: int = 0  # how many times its forward ran in this pass
    num_params: int = 0  # parameters directly owned (not recursive)
    observed: bool = True  # False where no forward hook could be put on it (TorchScript)
    # True when a later call saw other input shapes than the first (a shared ReLU after convs
    # of different widths): the shapes above are the first call's only
    shapes_vary: bool = False
    # Its name on the canvas: the path below the nearest ancestor that was called ("h.0" for
    # `transformer.h.0` when the ModuleList `h` is never called itself and draws no box); "" is
    # `name`.
    title: str = ""

    @property
    def depth(self) -> int:
        return 0 if not self.path else self.path.count(".") + 1

    @property
    def name(self) -> str:
        return self.path.rsplit(".", 1)[-1] if self.path else "(root)"


@dataclass(frozen=True)
class ActivationStats:
    """Statistics of one tensor (an activation): computed in the worker, no tensor kept."""

    shape: tuple[int, ...]
    dtype: str
    count: int
    mean: float
    std: float
    min: float
    max: float
    zeros_fraction: float
    nan_count: int
    inf_count: int
    hist_edges: np.ndarray  # float64, bins + 1 edges over the finite values
    hist_counts: np.ndarray  # int64, bins
    units: int = 0  # size of the unit (feature/channel) dimension, 0 when not applicable
    dead_units: int = 0  # units that are exactly zero for every sample of the batch
    hist_total: int = -1  # values the histogram counts: all finite ones, or an even sample
    # Per unit (at most `core.stats.MAX_UNITS` of them, else None), float32: the fraction of
    # the unit's samples (batch × positions) that are not zero, and their mean and std.
    unit_active: np.ndarray | None = field(default=None, compare=False, repr=False)
    unit_mean: np.ndarray | None = field(default=None, compare=False, repr=False)
    unit_std: np.ndarray | None = field(default=None, compare=False, repr=False)
    unit_samples: int = 0  # values each unit has: the product of all other dimensions

    @property
    def has_units(self) -> bool:
        """True when per-unit figures were kept (a unit dimension of at most MAX_UNITS)."""
        return self.unit_active is not None

    @property
    def hist_sampled(self) -> bool:
        """True when the histogram counts a strided sample of a large tensor's values."""
        finite = self.count - self.nan_count - self.inf_count
        return 0 <= self.hist_total < finite

    @property
    def dead_fraction(self) -> float:
        return self.dead_units / self.units if self.units else 0.0


@dataclass(frozen=True)
class Warning_:
    """A finding to look at: kind ("dead_units", "nan", "inf", "batchnorm"), where, what."""

    kind: str
    where: str
    message: str


@dataclass(frozen=True)
class ForwardFailure:
    """Why and where a forward pass failed: what `inspect` reports and the window highlights.

    `module` is the innermost module running when the exception was raised (None outside any
    module); `op` the torch function that raised ("linear", "matmul"), None when plain Python
    raised; `input_shapes` the shapes that flowed into that op (or into the module's call);
    `input_nodes` the graph nodes that produced the op's tensor inputs; `source` the user's line.
    """

    message: str  # one line: "RuntimeError: mat1 and mat2 shapes cannot be multiplied (...)"
    exception: str  # the exception's class name
    module: str | None = None
    op: str | None = None
    input_shapes: tuple[tuple[int, ...], ...] = ()
    input_nodes: tuple[str, ...] = ()
    source: SourceLoc | None = None


@dataclass(frozen=True)
class GraphSnapshot:
    """Everything one capture saw: the autograd graph, the module tree and activation statistics.

    `graph` is a `networkx.DiGraph` over `GraphNode.id`s with edges in **data-flow** direction:
    producer → consumer (inputs and parameters are sources, the output is a sink); each node's
    attribute ``"node"`` is its `GraphNode`; each edge's attribute ``"shape"`` is the shape of the
    tensor that flows along it where known. Treat it as read-only.

    `stats` is keyed by ``"module:<path>"`` for a module's output and ``"node:<id>"`` for an op's.

    `failure` is set on the partial snapshot a failed forward leaves (`CaptureError.snapshot`):
    the graph and module tree then hold what was built before the exception.
    """

    name: str
    mode: Mode
    source_path: str | None
    graph: nx.DiGraph
    modules: Mapping[str, ModuleInfo]  # path -> info, in registration (pre-)order
    stats: Mapping[str, ActivationStats]
    output_ids: tuple[str, ...]
    warnings: tuple[Warning_, ...] = ()
    timings: Mapping[str, float] = field(default_factory=dict)  # stage -> seconds
    log: str = ""  # what the user's code printed
    notice: str = ""  # the loader's word to the user (`ModelSpec.notice`)
    failure: ForwardFailure | None = None
    checked: tuple[str, ...] = ()  # what the warning rules looked at, one line per check

    @property
    def nodes(self) -> dict[str, GraphNode]:
        return {n: d["node"] for n, d in self.graph.nodes(data=True)}

    def node(self, node_id: str) -> GraphNode:
        return self.graph.nodes[node_id]["node"]  # type: ignore[no-any-return]

    @property
    def num_nodes(self) -> int:
        return int(self.graph.number_of_nodes())

    @property
    def num_edges(self) -> int:
        return int(self.graph.number_of_edges())

    def __repr__(self) -> str:
        # one line: the whole graph, module tree and statistics would be tens of kilobytes
        partial = ", partial" if self.failure is not None else ""
        return (
            f"<GraphSnapshot {self.name!r} {self.mode}: {self.num_nodes:,} nodes, "
            f"{self.num_edges:,} edges, {len(self.modules):,} modules{partial}>"
        )


def collapsed_id(module_path: str) -> str:
    """The layout item id of a collapsed module: one box standing for its whole subgraph."""
    return f"module:{module_path}"


@dataclass(frozen=True)
class Layout:
    """Where everything of one (possibly collapsed) graph is drawn; y grows downward.

    Units are pixels at zoom 1. Items are the boxes drawn: a graph node id, or
    `collapsed_id(path)` for a collapsed module. A *stub* (a small labelled port standing for a
    high fan-out leaf next to one of its consumers) repeats the id of the leaf it stands for, with
    `is_stub` set. Edges index into `items`; edge k's polyline is
    ``edge_points[edge_offsets[k]:edge_offsets[k + 1]]``, from the source's bottom to the
    target's top (with `direction` "LR": from the source's right to the target's left).
    """

    items: tuple[str, ...]
    boxes: np.ndarray  # (N, 4) float64: x, y, width, height (x, y = top-left corner)
    is_stub: np.ndarray  # (N,) bool
    layers: np.ndarray  # (N,) int32: the layer (rank) of each item, 0 at the top
    edge_src: np.ndarray  # (E,) int32 index into items
    edge_dst: np.ndarray  # (E,) int32 index into items
    edge_points: np.ndarray  # (P, 2) float64, all polylines concatenated
    edge_offsets: np.ndarray  # (E + 1,) int64
    group_paths: tuple[str, ...]  # expanded module groups that get a box (outermost first)
    group_boxes: np.ndarray  # (G, 4) float64
    group_depths: np.ndarray  # (G,) int32, nesting depth of each group box
    collapsed: frozenset[str]  # module paths drawn as one node
    crossings: int = 0  # edge crossings counted by the engine
    dummies: int = 0  # dummy (virtual) nodes used to route long edges
    seconds: float = 0.0  # time the layout took
    direction: str = "TB"  # "TB": layers top to bottom; "LR": left to right
    wrapped: int = 1  # the flow folded into this many columns (TB) or rows (LR)
    # Each group's own layout, reused by the next `layout_graph(..., previous=this)` for groups
    # whose contents did not change (opaque outside `core.layout`; read-only).
    block_cache: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(x, y, width, height) of everything drawn."""
        parts = [a for a in (self.boxes, self.group_boxes) if len(a)]
        if not parts:
            return (0.0, 0.0, 0.0, 0.0)
        b = np.concatenate(parts)
        x0, y0 = float(b[:, 0].min()), float(b[:, 1].min())
        x1, y1 = float((b[:, 0] + b[:, 2]).max()), float((b[:, 1] + b[:, 3]).max())
        return (x0, y0, x1 - x0, y1 - y0)
