"""The compound graph cut into blocks: one small layered graph per expanded module group.

Each expanded group is laid out on its own as a *block* whose elements are its direct items, its
child groups (opaque boxes laid out before it) and *ports*: an in-port at the block's top for each
outside value used inside, an out-port at its bottom for each inside value used outside. An edge
between items in different groups becomes a chain of local edges: up through out-ports to the
lowest common group, across it, and down through in-ports. Laying out each block alone keeps every
group box around exactly its members, and lets an unchanged block be reused after a collapse.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from graphviewer.core.layout.items import ItemGraph

ITEM, BLOCK, IN_PORT, OUT_PORT = 0, 1, 2, 3


@dataclass
class Block:
    """One group's local graph: elements (items, child groups, ports) and local edges."""

    path: str
    depth: int
    elem_kind: list[int] = field(default_factory=list)
    elem_ref: list[int] = field(default_factory=list)  # item index, block index, or port's item
    elem_key: list[float] = field(default_factory=list)
    index: dict[tuple[int, int], int] = field(default_factory=dict)  # (kind, ref) -> element
    edge_index: dict[tuple[int, int, int, int], int] = field(default_factory=dict)
    # local edge k: elements src -> dst; ports: the child block's out-/in-port element, or -1
    src: list[int] = field(default_factory=list)
    dst: list[int] = field(default_factory=list)
    src_port: list[int] = field(default_factory=list)
    dst_port: list[int] = field(default_factory=list)
    # (layer, back) of its elements, once a placement worked them out: they depend on the
    # edges alone, so the block laid out in the other direction reuses them (read-only)
    layering: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)

    def freeze(self) -> None:
        """Lists to arrays and lookups dropped, once built: big blocks hold far less memory."""
        self.elem_kind = np.asarray(self.elem_kind, dtype=np.int64)  # type: ignore[assignment]
        self.elem_ref = np.asarray(self.elem_ref, dtype=np.int64)  # type: ignore[assignment]
        self.elem_key = np.asarray(self.elem_key, dtype=np.float64)  # type: ignore[assignment]
        for name in ("src", "dst", "src_port", "dst_port"):
            setattr(self, name, np.asarray(getattr(self, name), dtype=np.int64))
        self.index, self.edge_index = {}, {}

    def append(self, kind: int, ref: int, key: float) -> int:
        """A new item or child-block element (each is added once: no lookup needed)."""
        self.elem_kind.append(kind)
        self.elem_ref.append(ref)
        self.elem_key.append(key)
        return len(self.elem_kind) - 1

    def element(self, kind: int, ref: int, key: float) -> int:
        """The port element for (kind, item), added on first use."""
        k = self.index.get((kind, ref))
        if k is None:
            k = self.index[(kind, ref)] = len(self.elem_kind)
            self.elem_kind.append(kind)
            self.elem_ref.append(ref)
            self.elem_key.append(key)
        return k

    def edge(self, s: int, d: int, s_port: int = -1, d_port: int = -1) -> int:
        sig = (s, d, s_port, d_port)
        k = self.edge_index.get(sig)
        if k is None:
            k = self.edge_index[sig] = len(self.src)
            self.src.append(s)
            self.dst.append(d)
            self.src_port.append(s_port)
            self.dst_port.append(d_port)
        return k


@dataclass
class Compound:
    """All blocks (parents before children), and each item edge's chain of local edges."""

    blocks: list[Block]
    parent: list[int]  # parent block index, -1 for the top block
    item_block: np.ndarray  # (N,) block index of each item
    item_elem: np.ndarray  # (N,) element index of each item in its block
    block_elem: list[int]  # element index of each block in its parent (-1 for the top)
    # Every item edge's route is a chain of pieces, each a local edge of one block; sorted by
    # item edge, then along the route (source to target).
    piece_edge: np.ndarray
    piece_block: np.ndarray
    piece_local: np.ndarray


def build_blocks(items: ItemGraph) -> Compound:
    """Split the item graph into blocks and every item edge into its chain of local edges."""
    # Blocks nest as the calls did (`items.parent`), not by path: a container never called
    # itself holds no block.
    depth: dict[str, int] = {"": 0}

    def depth_of(name: str) -> int:
        chain = []
        while name not in depth:
            chain.append(name)
            name = items.parent.get(name, "")
        for d, above in enumerate(reversed(chain), start=depth[name] + 1):
            depth[above] = d
        return depth[chain[0]] if chain else depth[name]

    for g in set(items.group):
        depth_of(g)
    paths = sorted(depth, key=lambda p: (depth[p], p))
    bindex = {p: b for b, p in enumerate(paths)}
    blocks = [Block(p, depth[p]) for p in paths]
    parent = [-1 if not p else bindex[items.parent.get(p, "")] for p in paths]
    # A block's order key: the smallest key among the items it holds, at any depth.
    bkey = [np.inf] * len(paths)
    item_block = np.array([bindex[g] for g in items.group], dtype=np.int64)
    first = np.full(len(paths), np.inf)
    np.minimum.at(first, item_block, items.key)
    for b in sorted(range(len(paths)), key=lambda b: -blocks[b].depth):
        bkey[b] = min(bkey[b], float(first[b]))
        if parent[b] >= 0:
            bkey[parent[b]] = min(bkey[parent[b]], bkey[b])
    # Elements in creation order: items and child blocks interleaved by key.
    n = len(items.ids)
    all_keys = np.concatenate([items.key, np.asarray(bkey[1:], dtype=np.float64)])
    all_kind = np.concatenate([np.zeros(n, np.int64), np.ones(len(paths) - 1, np.int64)])
    all_ref = np.concatenate([np.arange(n), np.arange(1, len(paths))])
    order = np.lexsort((all_ref, all_kind, all_keys))
    item_elem = np.empty(n, dtype=np.int64)
    block_elem = [-1] * len(paths)
    ib_list = item_block.tolist()
    for key, kind, ref in zip(
        all_keys[order].tolist(), all_kind[order].tolist(), all_ref[order].tolist(), strict=True
    ):
        if kind == ITEM:
            item_elem[ref] = blocks[ib_list[ref]].append(ITEM, ref, key)
        else:
            block_elem[ref] = blocks[parent[ref]].append(BLOCK, ref, key)

    # Edges inside one block (most of them) are local edges as they are, in bulk.
    src, dst = items.src, items.dst
    same = item_block[src] == item_block[dst]
    intra = np.nonzero(same)[0]
    intra = intra[np.argsort(item_block[src[intra]], kind="stable")]
    intra_block = item_block[src[intra]]
    intra_local = np.empty(len(intra), dtype=np.int64)
    bounds = np.searchsorted(intra_block, np.arange(len(paths) + 1))
    for b in range(len(paths)):
        lo, hi = int(bounds[b]), int(bounds[b + 1])
        if hi > lo:
            sel = intra[lo:hi]
            blk = blocks[b]
            blk.src = item_elem[src[sel]].tolist()
            blk.dst = item_elem[dst[sel]].tolist()
            blk.src_port = [-1] * (hi - lo)
            blk.dst_port = [-1] * (hi - lo)
            intra_local[lo:hi] = np.arange(hi - lo)
            # cross-block local edges never repeat these: they always touch a port or a box
            blk.edge_index = {}

    # Edges between blocks: a chain of local edges through ports, up and then down.
    p_edge, p_seq, p_block, p_local = [], [], [], []
    ib = item_block.tolist()
    ie = item_elem.tolist()
    keys = items.key.tolist()
    for e in np.nonzero(~same)[0].tolist():
        s, t = int(src[e]), int(dst[e])
        bs, bt = ib[s], ib[t]
        up: list[tuple[int, int]] = []
        down: list[tuple[int, int]] = []
        s_elem, s_port, t_elem, t_port = ie[s], -1, ie[t], -1
        while bs != bt:
            if blocks[bs].depth >= blocks[bt].depth:
                blk = blocks[bs]
                out = blk.element(OUT_PORT, s, keys[s])
                up.append((bs, blk.edge(s_elem, out, s_port, -1)))
                s_elem, s_port = block_elem[bs], out
                bs = parent[bs]
            else:
                blk = blocks[bt]
                inp = blk.element(IN_PORT, s, keys[s])
                down.append((bt, blk.edge(inp, t_elem, -1, t_port)))
                t_elem, t_port = block_elem[bt], inp
                bt = parent[bt]
        across = (bs, blocks[bs].edge(s_elem, t_elem, s_port, t_port))
        for k, (b, local) in enumerate([*up, across, *reversed(down)]):
            p_edge.append(e)
            p_seq.append(k)
            p_block.append(b)
            p_local.append(local)
    for blk in blocks:
        blk.freeze()
    piece_edge = np.concatenate([intra, np.asarray(p_edge, dtype=np.int64)])
    piece_seq = np.concatenate([np.zeros(len(intra), np.int64), np.asarray(p_seq, np.int64)])
    order = np.lexsort((piece_seq, piece_edge))
    return Compound(
        blocks,
        parent,
        item_block,
        item_elem,
        block_elem,
        piece_edge[order],
        np.concatenate([intra_block, np.asarray(p_block, dtype=np.int64)])[order],
        np.concatenate([intra_local, np.asarray(p_local, dtype=np.int64)])[order],
    )
