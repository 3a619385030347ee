"""A Llama with the 7B shape (32 blocks, hidden 4096), built without weights: a huge model's graph.

Teaches: what a 7-billion-parameter decoder computes, on a laptop. Its float32 weights would take
27 GB; `GRAPHVIEWER_DEVICE = "meta"` builds it under torch's fake tensors instead (the same as
`--device meta`): modules, shapes and the full autograd graph are real, values and histograms
are not. Needs the `transformers` package; nothing is downloaded.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch
from torch import nn

# Imported here, not in build_model(): a library imported under fake tensors would keep fake
# module-level constants for the rest of the process.
from transformers import LlamaConfig, LlamaForCausalLM

GRAPHVIEWER_DEVICE = "meta"
SEQ_LEN = 32
VOCAB = 32000


class Llama7B(nn.Module):
    """`LlamaForCausalLM` with the 7B shape, returning only the logits."""

    def __init__(self) -> None:
        super().__init__()
        config = LlamaConfig(
            hidden_size=4096,
            num_hidden_layers=32,
            num_attention_heads=32,
            num_key_value_heads=32,
            intermediate_size=11008,
            vocab_size=VOCAB,
        )
        config._attn_implementation = "eager"
        self.llama = LlamaForCausalLM(config)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        return self.llama(input_ids=input_ids, use_cache=False).logits


def build_model() -> nn.Module:
    return Llama7B()


def example_input() -> torch.Tensor:
    return torch.randint(0, VOCAB, (1, SEQ_LEN))
