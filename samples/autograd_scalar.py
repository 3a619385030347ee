"""Plain autograd with no nn.Module: three leaves, a product, a sum, a bias and a square.

Teaches: what a graph of `grad_fn` nodes is (MulBackward0, SumBackward0, AddBackward0,
PowBackward0), that leaves with `requires_grad=True` become AccumulateGrad nodes, and (in the
Backward dock) the order the engine runs them: PowBackward0 → AddBackward0 → AccumulateGrad(b)
→ SumBackward0 → MulBackward0 → AccumulateGrad(x), AccumulateGrad(w). By hand: z = -0.7,
loss = 0.49, dL/dz = 2z = -1.4, so dL/dw = 2z·x = [-2.8, -4.2, -5.6], dL/dx = 2z·w =
[-0.7, 1.4, -0.42] and dL/db = -1.4. A tutorial-style script: graphviewer shows the graph of the
last tensor with a grad_fn (`loss`).
"""

import torch

x = torch.tensor([2.0, 3.0, 4.0], requires_grad=True)
w = torch.tensor([0.5, -1.0, 0.3], requires_grad=True)
b = torch.tensor([0.1], requires_grad=True)
z = (x * w).sum() + b
loss = z**2
print(loss)
