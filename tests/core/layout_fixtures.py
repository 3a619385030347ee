"""Synthetic autograd-like graphs for layout tests: a DiGraph of GraphNodes and a module tree."""

from __future__ import annotations

import random
from collections.abc import Iterable

import networkx as nx

from graphviewer.core.types import GraphNode, ModuleInfo


class GraphBuilder:
    """Adds nodes in creation order ("n0", "n1", ...) under module paths, and edges between them."""

    def __init__(self) -> None:
        self.graph = nx.DiGraph()
        self.classes: dict[str, str] = {"": "Model"}
        self.calls: dict[str, int] = {}  # modules called more than once

    def module(self, path: str, class_name: str = "Module") -> str:
        self.classes[path] = class_name
        return path

    def node(
        self,
        op: str,
        module: str = "",
        inputs: Iterable[str] = (),
        *,
        kind: str = "op",
        shape: tuple[int, ...] = (1, 8),
        param: str | None = None,
    ) -> str:
        nid = f"n{self.graph.number_of_nodes()}"
        node = GraphNode(nid, kind, f"{op}Backward0", op, module, shape, "float32", param=param)  # type: ignore[arg-type]
        self.graph.add_node(nid, node=node)
        for src in inputs:
            self.graph.add_edge(src, nid, shape=shape)
        return nid

    def param(self, module: str, name: str) -> str:
        full = f"{module}.{name}" if module else name
        return self.node(full, module, kind="param", shape=(8, 8), param=full)

    def linear(self, module: str, x: str) -> str:
        w = self.param(module, "weight")
        t = self.node("t", module, [w])
        b = self.param(module, "bias")
        return self.node("addmm", module, [b, x, t])

    def modules(self) -> dict[str, ModuleInfo]:
        """The module tree of every path used (parents filled in), in pre-order."""
        paths = set(self.classes)
        for _, d in self.graph.nodes(data=True):
            paths.add(d["node"].module)
        for p in list(paths):
            parts = p.split(".") if p else []
            paths.update(".".join(parts[:i]) for i in range(len(parts)))
        ordered = sorted(paths, key=lambda p: p.split(".") if p else [])

        def parent(p: str) -> str | None:
            return None if not p else (p.rsplit(".", 1)[0] if "." in p else "")

        return {
            p: ModuleInfo(
                p,
                self.classes.get(p, "Module"),
                parent(p),
                tuple(c for c in ordered if c and parent(c) == p),
                ((1, 8),),
                ((1, 8),),
                calls=self.calls.get(p, 1),
            )
            for p in ordered
        }


def layout_mlp() -> tuple[nx.DiGraph, dict[str, ModuleInfo]]:
    """x → fc1 → relu → fc2 → sum: three small groups in a chain."""
    g = GraphBuilder()
    x = g.node("input", kind="input")
    h = g.linear(g.module("fc1", "Linear"), x)
    h = g.node("relu", g.module("act", "ReLU"), [h])
    h = g.linear(g.module("fc2", "Linear"), h)
    g.node("sum", "", [h], kind="output", shape=())
    return g.graph, g.modules()


def layout_transformer(blocks: int = 3) -> tuple[nx.DiGraph, dict[str, ModuleInfo]]:
    """Nested blocks with residual edges: enc.h.<i>.{ln, attn.{q,k,v,proj}, mlp.{fc,act}}."""
    g = GraphBuilder()
    g.module("enc", "Encoder")
    g.module("enc.h", "ModuleList")
    x = g.node("embedding", g.module("enc.wte", "Embedding"), [g.param("enc.wte", "weight")])
    for i in range(blocks):
        blk = g.module(f"enc.h.{i}", "Block")
        ln = g.node("layer_norm", g.module(f"{blk}.ln", "LayerNorm"), [x])
        att = g.module(f"{blk}.attn", "Attention")
        q = g.linear(g.module(f"{att}.q", "Linear"), ln)
        k = g.linear(g.module(f"{att}.k", "Linear"), ln)
        v = g.linear(g.module(f"{att}.v", "Linear"), ln)
        s = g.node("softmax", att, [g.node("bmm", att, [q, k])])
        o = g.linear(g.module(f"{att}.proj", "Linear"), g.node("bmm", att, [s, v]))
        x = g.node("add", blk, [x, o])
        mlp = g.module(f"{blk}.mlp", "MLP")
        f = g.node("gelu", g.module(f"{mlp}.act", "GELU"), [g.linear(f"{mlp}.fc", x)])
        x = g.node("add", blk, [x, g.linear(f"{mlp}.proj", f)])
    x = g.node("layer_norm", g.module("enc.ln_f", "LayerNorm"), [x])
    g.node("mean", "", [x], kind="output", shape=())
    return g.graph, g.modules()


def layout_resnet(blocks: int = 4) -> tuple[nx.DiGraph, dict[str, ModuleInfo]]:
    """Bottlenecks with skip edges, a projection on the first, a ReLU called thrice in each."""
    g = GraphBuilder()

    def conv_bn(path: str, x: str) -> str:
        conv = g.node("convolution", g.module(f"{path}.conv", "Conv2d"), [x, g.param(path, "w")])
        bn = g.module(f"{path}.bn", "BatchNorm2d")
        return g.node("batch_norm", bn, [conv, g.param(bn, "weight"), g.param(bn, "bias")])

    x = g.node("input", kind="input")
    for i in range(blocks):
        blk = g.module(f"layer.{i}", "Bottleneck")
        relu = g.module(f"{blk}.relu", "ReLU")
        g.calls[relu] = 3
        skip = conv_bn(f"{blk}.downsample", x) if i == 0 else x
        h = g.node("relu", relu, [conv_bn(f"{blk}.c1", x)])
        h = g.node("relu", relu, [conv_bn(f"{blk}.c2", h)])
        x = g.node("relu", relu, [g.node("add", blk, [conv_bn(f"{blk}.c3", h), skip])])
    g.node("mean", "", [x], kind="output", shape=())
    return g.graph, g.modules()


def layout_rnn(steps: int = 40) -> tuple[nx.DiGraph, dict[str, ModuleInfo]]:
    """An unrolled RNN: parameters used by every step, an unbind feeding all steps, a stack."""
    g = GraphBuilder()
    rnn = g.module("rnn", "RNN")
    w_ih, w_hh = g.param(rnn, "weight_ih"), g.param(rnn, "weight_hh")
    xs = g.node("unbind", rnn, [g.node("mm", rnn, [g.node("input", kind="input"), w_ih])])
    h = g.node("zeros", rnn, [])
    outs = []
    for _ in range(steps):
        t = g.node("t", rnn, [w_hh])
        h = g.node("tanh", rnn, [g.node("add", rnn, [xs, g.node("mm", rnn, [h, t])])])
        outs.append(h)
    stacked = g.node("stack", rnn, outs)
    g.node("sum", "", [stacked], kind="output", shape=())
    return g.graph, g.modules()


def layout_random(seed: int, size: int = 120) -> tuple[nx.DiGraph, dict[str, ModuleInfo]]:
    """A random DAG whose modules own contiguous runs of nodes, as a forward pass creates them."""
    rng = random.Random(seed)
    g = GraphBuilder()
    made: list[str] = []

    def call(path: str, budget: int, depth: int) -> None:
        while budget > 0:
            if depth < 3 and rng.random() < 0.25:
                name = f"m{len(g.classes)}"  # each call its own module: runs stay contiguous
                child = f"{path}.{name}" if path else name
                g.module(child, "Sub")
                part = rng.randint(1, max(1, budget // 2))
                call(child, part, depth + 1)
                budget -= part
                continue
            k = rng.choice((0, 1, 1, 1, 2, 2, 3)) if made else 0
            near = made[-8:]
            ins = (
                {rng.choice(near if rng.random() < 0.8 else made) for _ in range(k)}
                if made
                else set()
            )
            kind = "op" if ins else "param"
            made.append(g.node("op", path, sorted(ins), kind=kind))
            budget -= 1

    call("", size, 0)
    sinks = [n for n in g.graph if g.graph.out_degree(n) == 0]
    g.node("sum", "", sinks, kind="output", shape=())
    return g.graph, g.modules()
