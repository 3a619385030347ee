"""Plain autograd with no nn.Module: three scalar leaves, a product, a sum and a square.

Teaches: what a graph of `grad_fn` nodes is (MulBackward0, SumBackward0, AddBackward0,
PowBackward0) and that leaves with `requires_grad=True` become AccumulateGrad nodes. A
tutorial-style script: graphviewer shows the graph of the last tensor with a grad_fn (`loss`).
"""

import torch

x = torch.tensor(2.0, requires_grad=True)
w = torch.tensor(3.0, requires_grad=True)
b = torch.tensor(1.0, requires_grad=True)
z = (x * w).sum() + b
loss = z**2
print(loss)
