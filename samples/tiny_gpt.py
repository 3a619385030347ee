"""A two-block GPT written as nanoGPT writes it: its modules kept in a `ModuleDict`.

Teaches: `self.transformer = nn.ModuleDict(dict(wte=..., wpe=..., drop=..., h=ModuleList,
ln_f=...))` only stores modules; the model's own `forward` calls them one by one, so each is a
box of its own (named `transformer.wte`, `transformer.h.0`, ...) and `transformer` itself is not
a box. Also: a causal mask, token and position embeddings added together, and the output head
sharing its weight with the token embedding (weight tying).
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

VOCAB, BLOCK, EMBED, HEADS, LAYERS = 64, 16, 32, 4, 2


class CausalSelfAttention(nn.Module):
    """Multi-head attention where each position sees only itself and the positions before it."""

    def __init__(self) -> None:
        super().__init__()
        self.c_attn = nn.Linear(EMBED, 3 * EMBED)
        self.c_proj = nn.Linear(EMBED, EMBED)
        self.attn_dropout = nn.Dropout(0.1)
        self.resid_dropout = nn.Dropout(0.1)
        self.register_buffer("bias", torch.tril(torch.ones(BLOCK, BLOCK)).view(1, 1, BLOCK, BLOCK))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, c = x.shape
        q, k, v = self.c_attn(x).split(EMBED, dim=2)
        q = q.view(b, t, HEADS, c // HEADS).transpose(1, 2)
        k = k.view(b, t, HEADS, c // HEADS).transpose(1, 2)
        v = v.view(b, t, HEADS, c // HEADS).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.bias[:, :, :t, :t] == 0, float("-inf"))
        att = self.attn_dropout(F.softmax(att, dim=-1))
        y = (att @ v).transpose(1, 2).contiguous().view(b, t, c)
        return self.resid_dropout(self.c_proj(y))


class MLP(nn.Module):
    """Expand four times, GELU, project back."""

    def __init__(self) -> None:
        super().__init__()
        self.c_fc = nn.Linear(EMBED, 4 * EMBED)
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * EMBED, EMBED)
        self.dropout = nn.Dropout(0.1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))


class Block(nn.Module):
    """Pre-norm transformer block: attention and MLP, each added back to the residual stream."""

    def __init__(self) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(EMBED)
        self.attn = CausalSelfAttention()
        self.ln_2 = nn.LayerNorm(EMBED)
        self.mlp = MLP()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    """Embeddings, blocks, final norm and a head tied to the token embedding."""

    def __init__(self) -> None:
        super().__init__()
        self.transformer = nn.ModuleDict(
            dict(
                wte=nn.Embedding(VOCAB, EMBED),
                wpe=nn.Embedding(BLOCK, EMBED),
                drop=nn.Dropout(0.1),
                h=nn.ModuleList([Block() for _ in range(LAYERS)]),
                ln_f=nn.LayerNorm(EMBED),
            )
        )
        self.lm_head = nn.Linear(EMBED, VOCAB, bias=False)
        self.transformer.wte.weight = self.lm_head.weight

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        pos = torch.arange(0, idx.size(1), dtype=torch.long)
        tok_emb = self.transformer.wte(idx)
        pos_emb = self.transformer.wpe(pos)
        x = self.transformer.drop(tok_emb + pos_emb)
        for block in self.transformer.h:
            x = block(x)
        x = self.transformer.ln_f(x)
        return self.lm_head(x)


def build_model() -> nn.Module:
    torch.manual_seed(0)
    return GPT()


def example_input() -> torch.Tensor:
    return torch.randint(0, VOCAB, (2, BLOCK), generator=torch.Generator().manual_seed(1))


def loss_fn(output: torch.Tensor) -> torch.Tensor:
    return output.logsumexp(-1).mean()
