"""One block laid out in its own coordinates: sizes, layers, order, x and y, local edge routes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from graphviewer.core.layout.blocks import BLOCK, IN_PORT, ITEM, OUT_PORT, Block
from graphviewer.core.layout.coords import LONG_EDGE_WEIGHT, assign_x, layer_tops
from graphviewer.core.layout.layering import assign_layers, make_chains, sink_postorder
from graphviewer.core.layout.ordering import order_layers

Measure = Callable[[str], tuple[float, float]]

NODE_PAD = (16.0, 10.0)  # added to a node label's measured width and height
STUB_PAD = (8.0, 4.0)
GAP_X = 20.0  # room beside a box
GAP_THIN = 6.0  # room beside a dummy or a port
DUMMY_WIDTH = 2.0
PORT_WIDTH = 4.0
LAYER_GAP = 30.0
GROUP_PAD = 12.0  # inside a group box, around its content
TITLE_GAP = 4.0  # between a group's title and its content
ALT_START_MAX = 20_000  # blocks with at most this many segments also try a second start order


@dataclass
class Placed:
    """A block's layout in content coordinates (origin at the content's top-left)."""

    signature: int
    left: np.ndarray  # (n,) element boxes
    top: np.ndarray
    width: np.ndarray
    height: np.ndarray
    layer: np.ndarray  # (n,) element layers
    content: tuple[float, float]  # content width, height
    box: tuple[float, float]  # group box width, height (content + title + padding)
    offset: tuple[float, float]  # content origin inside the group box
    route_points: np.ndarray  # (P, 2) local edge polylines concatenated
    route_start: np.ndarray  # (E + 1,)
    crossings: int
    dummies: int
    # for re-laying this block after one element changed size (`hint` of `place_block`)
    structure: int = 0  # elements' kinds (a box and a collapsed item alike) and local edges
    back: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    pos_all: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    x_all: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    # (back: per local edge, pos_all/x_all: per element then dummy, all in canonical order)
    # laid out from a hint: how far its unmoved content shifted right inside the box (else NaN)
    drift: float = float("nan")
    across: bool = False  # laid out for a left-to-right picture: the title beside the flow

    def titled(self, title: tuple[float, float]) -> Placed:
        """The same layout in a group box sized for `title` (identical blocks differ by name)."""
        box, offset = _group_box(self.content, title, self.across)
        if box == self.box and offset == self.offset:
            return self
        return replace(self, box=box, offset=offset)

    def port_x(self, elem: int) -> float:
        """x of a port element, measured from the group box's left edge."""
        return float(self.offset[0] + self.left[elem] + self.width[elem] / 2)


def element_sizes(
    block: Block,
    labels: list[str],
    stubs: list[bool],
    placed: list[Placed | None],
    measure: Measure,
    across: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """(width, height) of every element: measured labels, child box sizes, thin ports.

    `across`: `measure` gives swapped sizes (a left-to-right layout), and so is the padding."""
    n = len(block.elem_kind)
    w = np.full(n, PORT_WIDTH)
    h = np.zeros(n)
    sizes: dict[str, tuple[float, float]] = {}  # labels repeat: measure each text once
    refs = np.asarray(block.elem_ref).tolist()
    for k, (kind, ref) in enumerate(zip(np.asarray(block.elem_kind).tolist(), refs, strict=True)):
        if kind == ITEM:
            text = labels[ref]
            size = sizes.get(text)
            if size is None:
                size = sizes[text] = measure(text)
            tw, th = size
            pad = STUB_PAD if stubs[ref] else NODE_PAD
            if across:
                pad = (pad[1], pad[0])
            w[k], h[k] = tw + pad[0], th + pad[1]
        elif kind == BLOCK:
            child = placed[ref]
            assert child is not None
            w[k], h[k] = child.box
    return w, h


def place_block(
    block: Block,
    width: np.ndarray,
    height: np.ndarray,
    src_port_x: np.ndarray,
    dst_port_x: np.ndarray,
    title: tuple[float, float],
    signature: int,
    hint: Placed | None = None,
    drift: np.ndarray | None = None,
    across: bool = False,
) -> Placed:
    """Lay out one block; `*_port_x` give each local edge's end x inside a child box (or NaN).

    `hint` is this block's previous layout, before a module inside it was folded or unfolded:
    when the block has the same structure (only sizes changed) its layers and order are kept
    and elements stay where they were, moved only as far as the new sizes need: an element that
    changed size keeps its centre, or, for a child box laid out from a hint too, its unmoved
    content (`drift`: per element, that child's `Placed.drift`, NaN otherwise).
    """
    n = len(block.elem_kind)
    kind = np.asarray(block.elem_kind, dtype=np.int64)
    key = np.asarray(block.elem_key, dtype=np.float64)
    src = np.asarray(block.src, dtype=np.int64)
    dst = np.asarray(block.dst, dtype=np.int64)
    # Edges in a canonical order (by their ends): the same block lists them in another order
    # when a child module in it is folded (an item) than when it is unfolded (a box).
    canon = np.lexsort((np.asarray(block.dst_port), np.asarray(block.src_port), dst, src))
    structure = hash(
        (np.where(kind == BLOCK, ITEM, kind).tobytes(), src[canon].tobytes(), dst[canon].tobytes())
    )
    if hint is not None and hint.structure != structure:
        hint = None
    if hint is None:
        if block.layering is None:
            block.layering = assign_layers(n, src, dst, kind, key)
        layer, back = block.layering
    else:
        layer, back = hint.layer, np.empty(len(src), dtype=bool)
        back[canon] = hint.back
    ch = make_chains(layer, src, dst, back)
    nd = ch.num_dummies
    total = n + nd
    # a dummy's initial key: its chain's source element's
    chain_of = np.searchsorted(ch.flat_start, np.nonzero(ch.flat >= n)[0], side="right") - 1
    dkey = key[src[chain_of]]
    all_key = np.concatenate([key, dkey])
    seg_fwd = ~back[ch.seg_edge]
    src_off, dst_off = _port_offsets(ch.flat_start, src, dst, width, src_port_x, dst_port_x)
    if seg_fwd.all():  # no copies (the usual case)
        s_src, s_dst, s_off, d_off = ch.seg_src, ch.seg_dst, src_off, dst_off
    else:
        s_src, s_dst = ch.seg_src[seg_fwd], ch.seg_dst[seg_fwd]
        s_off, d_off = src_off[seg_fwd], dst_off[seg_fwd]
    # what is left is dropped as soon as it is used: the peak memory per node is a goal
    ch.seg_src = ch.seg_dst = ch.seg_edge = np.zeros(0, dtype=np.int64)
    del seg_fwd, src_off, dst_off
    if hint is not None:
        canon_elems = _canonical_elements(n, canon, chain_of)
        pos, crossings = np.empty(total), hint.crossings
        pos[canon_elems] = hint.pos_all
    else:
        pos, crossings = order_layers(ch.layer, all_key, s_src, s_dst, s_off, d_off)
    if crossings and hint is None and len(s_src) <= ALT_START_MAX:
        # a second start: subtrees merging into one consumer kept together
        fwd = ~back
        post = sink_postorder(n, src[fwd], dst[fwd], key)
        alt, alt_crossings = order_layers(
            ch.layer, np.concatenate([post, post[src[chain_of]]]), s_src, s_dst, s_off, d_off
        )
        if alt_crossings < crossings:
            pos, crossings = alt, alt_crossings
        del alt, post
    if hint is None:
        canon_elems = _canonical_elements(n, canon, chain_of)
    del all_key, dkey, chain_of, s_off, d_off

    w_all = np.concatenate([width, np.full(nd, DUMMY_WIDTH)])
    h_all = np.concatenate([height, np.zeros(nd)])
    thin = np.concatenate([(kind == IN_PORT) | (kind == OUT_PORT), np.ones(nd, dtype=bool)])
    gap = np.where(thin, GAP_THIN, GAP_X)
    is_dummy = np.arange(total) >= n
    weight = np.where(is_dummy[s_src] & is_dummy[s_dst], LONG_EDGE_WEIGHT, 1.0)
    start = pinned = None
    if hint is not None:
        start = np.empty(total)
        start[canon_elems] = hint.x_all
        changed = (hint.width != width) | (hint.height != height)
        pinned = np.concatenate([changed, np.zeros(nd, dtype=bool)])
        d = np.full(n, np.nan) if drift is None else drift
        keep = changed & ~np.isnan(d)
        start[:n][keep] = (hint.left - d + width / 2)[keep]
    xc = assign_x(ch.layer, pos, w_all, gap, s_src, s_dst, weight, start=start, pinned=pinned)
    pos_all = pos[canon_elems].astype(np.int32)
    del pos, thin, gap, is_dummy, weight, s_src, s_dst
    left_all = xc - w_all / 2
    x0 = float(left_all.min()) if total else 0.0
    xc -= x0
    left_all -= x0
    cw = float((left_all + w_all).max()) if total else 0.0
    tops, tall = layer_tops(ch.layer, h_all, LAYER_GAP)
    ch_height = float(tops[-1] + tall[-1]) if len(tops) else 0.0
    top_all = tops[ch.layer]

    points, starts = _routes(ch, xc, top_all, h_all, tops + tall, src_port_x, dst_port_x, left_all)
    box, offset = _group_box((cw, ch_height), title, across)
    return Placed(
        signature,
        left_all[:n].copy(),  # copies: views would keep the dummies' entries alive
        top_all[:n].copy(),
        width,
        height,
        layer,
        (cw, ch_height),
        box,
        offset,
        points,
        starts,
        crossings,
        nd,
        structure,
        back[canon],
        pos_all,
        xc[canon_elems].astype(np.float32),
        float("nan") if hint is None else offset[0] - hint.offset[0] - x0,
        across,
    )


def _canonical_elements(n: int, canon: np.ndarray, chain_of: np.ndarray) -> np.ndarray:
    """Elements, then dummies by their edge's rank in the canonical edge order (`canon`)."""
    rank = np.empty(len(canon), dtype=np.int64)
    rank[canon] = np.arange(len(canon))
    by_canon = n + np.lexsort((np.arange(len(chain_of)), rank[chain_of]))
    return np.concatenate([np.arange(n), by_canon])


def _port_offsets(
    flat_start: np.ndarray,
    src: np.ndarray,
    dst: np.ndarray,
    width: np.ndarray,
    src_port_x: np.ndarray,
    dst_port_x: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Per segment: where its ends sit on a child box's border, as a fraction of one slot."""
    m = len(src)
    num_seg = int(flat_start[-1]) - m
    src_off, dst_off = np.zeros(num_seg), np.zeros(num_seg)
    if m == 0:
        return src_off, dst_off
    k = np.arange(m)
    first, last = flat_start[:-1] - k, flat_start[1:] - k - 2
    with np.errstate(invalid="ignore", divide="ignore"):
        fs = np.nan_to_num((src_port_x / width[src] - 0.5) * 0.9)
        fd = np.nan_to_num((dst_port_x / width[dst] - 0.5) * 0.9)
    src_off[first] = fs
    dst_off[last] = fd
    return src_off, dst_off


def _group_box(
    content: tuple[float, float], title: tuple[float, float], across: bool = False
) -> tuple[tuple[float, float], tuple[float, float]]:
    """(box size, content offset) of a group: its title above the content, padding around.

    `across`: the box will be transposed, so the title's band is put on the left here (its
    height along x) and the box is at least as tall as the title is wide.
    """
    (cw, ch), (tw, th) = content, title
    if across:
        box_h = max(ch, tw) + 2 * GROUP_PAD
        box = (th + TITLE_GAP + cw + 2 * GROUP_PAD, box_h)
        return box, (GROUP_PAD + th + TITLE_GAP, (box_h - ch) / 2)
    box_w = max(cw, tw) + 2 * GROUP_PAD
    box = (box_w, th + TITLE_GAP + ch + 2 * GROUP_PAD)
    return box, ((box_w - cw) / 2, GROUP_PAD + th + TITLE_GAP)


def _routes(
    ch: object,
    xc: np.ndarray,
    top: np.ndarray,
    height: np.ndarray,
    layer_bottom: np.ndarray,
    src_port_x: np.ndarray,
    dst_port_x: np.ndarray,
    left: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Polylines of all local edges: down from the source, straight through dummies, into the top.

    Every point pair of an element spans its whole layer (a drop to the layer's bottom), so a
    segment between points only ever crosses the empty band between two layers.
    """
    flat, fs, layer = ch.flat, ch.flat_start, ch.layer  # type: ignore[attr-defined]
    m = len(fs) - 1
    total = len(flat)
    starts, ends = fs[:-1], fs[1:] - 1
    px = xc[flat].copy()
    sx = np.where(np.isnan(src_port_x), xc[flat[starts]], left[flat[starts]] + src_port_x)
    tx = np.where(np.isnan(dst_port_x), xc[flat[ends]], left[flat[ends]] + dst_port_x)
    px[starts] = sx
    px[ends] = tx
    y1 = top[flat].copy()
    y1[starts] = top[flat[starts]] + height[flat[starts]]
    # chain element i gives two points (its top and its layer's bottom), a chain's end only one:
    # its first point is number 2i - (its chain's index)
    counts = 2 * (ends - starts + 1) - 1
    first = 2 * np.arange(total) - np.repeat(np.arange(m), ends - starts + 1)
    points = np.empty((int(counts.sum()), 2))
    points[first, 0] = px
    points[first, 1] = y1
    del y1
    mid = np.ones(total, dtype=bool)
    mid[ends] = False
    second = first[mid] + 1
    points[second, 0] = px[mid]
    points[second, 1] = layer_bottom[layer[flat[mid]]]
    route_start = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(counts, out=route_start[1:])
    return points, route_start
