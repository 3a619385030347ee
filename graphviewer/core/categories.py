"""What kind of op a node is, for colouring and the legend: one place for the canvas and export."""

from __future__ import annotations

from typing import Literal

from graphviewer.core.types import GraphNode

Category = Literal[
    "matmul",
    "conv",
    "activation",
    "normalization",
    "elementwise",
    "view",
    "reduction",
    "parameter",
    "input",
    "output",
    "other",
]

# Legend order and the words a person reads.
CATEGORY_LABELS: dict[Category, str] = {
    "matmul": "matmul / linear",
    "conv": "convolution",
    "activation": "activation",
    "normalization": "normalisation",
    "elementwise": "elementwise",
    "view": "view / reshape",
    "reduction": "reduction",
    "parameter": "parameter",
    "input": "input",
    "output": "output",
    "other": "other",
}

_MATMUL = {
    "addmm",
    "mm",
    "bmm",
    "baddbmm",
    "matmul",
    "linear",
    "dot",
    "mv",
    "addmv",
    "einsum",
    "addbmm",
    "embedding",
    "embedding_bag",
    "scaled_dot_product_attention",
}
_ACTIVATION = {
    "relu",
    "relu6",
    "gelu",
    "silu",
    "sigmoid",
    "tanh",
    "softmax",
    "log_softmax",
    "elu",
    "leaky_relu",
    "hardtanh",
    "hardswish",
    "hardsigmoid",
    "mish",
    "softplus",
    "threshold",
    "prelu",
    "glu",
    "celu",
    "selu",
    "rrelu_with_noise",
}
_NORM = {
    "native_batch_norm",
    "native_layer_norm",
    "native_group_norm",
    "batch_norm",
    "layer_norm",
    "group_norm",
    "instance_norm",
    "rms_norm",
    "fused_rms_norm",
    "cudnn_batch_norm",
    "miopen_batch_norm",
    "native_dropout",
    "renorm",
}
_VIEW = {
    "view",
    "unsafe_view",
    "reshape",
    "transpose",
    "t",
    "permute",
    "expand",
    "squeeze",
    "unsqueeze",
    "select",
    "slice",
    "split",
    "split_with_sizes",
    "unsafe_split",
    "unbind",
    "as_strided",
    "alias",
    "cat",
    "stack",
    "index",
    "index_select",
    "gather",
    "narrow",
    "repeat",
    "flip",
    "clone",
    "copy_slices",
    "to_copy",
    "contiguous",
    "chunk",
    "diagonal",
    "unfold",
    "view_as_real",
    "view_as_complex",
    "pad",
    "constant_pad_nd",
    "reflection_pad2d",
    "replication_pad2d",
}
_REDUCTION = {
    "sum",
    "mean",
    "max",
    "min",
    "amax",
    "amin",
    "prod",
    "norm",
    "linalg_vector_norm",
    "std",
    "var",
    "logsumexp",
    "cumsum",
    "max_pool2d_with_indices",
    "avg_pool2d",
    "adaptive_avg_pool2d",
    "adaptive_max_pool2d",
    "max_pool1d_with_indices",
    "avg_pool1d",
    "adaptive_avg_pool1d",
    "max_pool3d_with_indices",
    "avg_pool3d",
    "nll_loss",
    "mse_loss",
    "cross_entropy",
    "binary_cross_entropy",
    "l1_loss",
    "smooth_l1_loss",
    "nll_loss2d",
    "kl_div",
}
_ELEMENTWISE = {
    "add",
    "sub",
    "mul",
    "div",
    "pow",
    "exp",
    "log",
    "sqrt",
    "rsqrt",
    "neg",
    "abs",
    "clamp",
    "where",
    "masked_fill",
    "minimum",
    "maximum",
    "sin",
    "cos",
    "reciprocal",
    "lerp",
    "addcmul",
    "addcdiv",
    "rsub",
    "log1p",
    "expm1",
    "erf",
    "sign",
    "square",
    "fill",
    "masked_scatter",
    "dropout",
    "fused_dropout",
    "floor",
    "round",
    "frac",
    "atan2",
    "hypot",
    "remainder",
    "fmod",
    "sigmoid_backward",
}


def op_category(node: GraphNode) -> Category:
    """The colour category of a node, from its kind and its friendly op name."""
    if node.kind == "param":
        return "parameter"
    if node.kind == "input":
        return "input"
    if node.kind == "output":
        return "output"
    op = node.op
    if "conv" in op:
        return "conv"
    for names, category in (
        (_MATMUL, "matmul"),
        (_ACTIVATION, "activation"),
        (_NORM, "normalization"),
        (_VIEW, "view"),
        (_REDUCTION, "reduction"),
        (_ELEMENTWISE, "elementwise"),
    ):
        if op in names:
            return category  # type: ignore[return-value]
    if op.startswith(("mkldnn_rnn", "lstm", "gru", "rnn")):
        return "matmul"
    return "other"
