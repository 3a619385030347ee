"""GPT-2 small (12 blocks) with random weights from a transformers config: a real LLM graph.

Teaches: how a transformer block looks inside (layer norm, attention, MLP, residual adds), and
how collapsing modules keeps a 600-node graph readable: the default view shows the twelve blocks
with their insides folded. Needs the `transformers` package; nothing is downloaded.
"""

from __future__ import annotations

import os

import torch
from torch import nn

os.environ.setdefault("HF_HUB_OFFLINE", "1")

SEQ_LEN = 32


class GPT2(nn.Module):
    """`GPT2LMHeadModel` returning only the logits (a tensor, not a ModelOutput). The sizes
    default to GPT-2 small; `GPT2(n_layer=48, n_embd=1600, n_head=25)` is the gpt2-xl shape."""

    def __init__(self, n_layer: int = 12, n_embd: int = 768, n_head: int = 12) -> None:
        super().__init__()
        from transformers import GPT2Config, GPT2LMHeadModel

        config = GPT2Config(n_layer=n_layer, n_embd=n_embd, n_head=n_head, vocab_size=50257)
        config._attn_implementation = "eager"
        self.gpt2 = GPT2LMHeadModel(config)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        return self.gpt2(input_ids=input_ids, use_cache=False).logits


def build_model() -> nn.Module:
    torch.manual_seed(0)
    return GPT2()


def example_input() -> torch.Tensor:
    return torch.randint(0, 50257, (1, SEQ_LEN), generator=torch.Generator().manual_seed(0))
