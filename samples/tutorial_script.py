"""A tutorial-style script: a model and an input made at module level, no special functions.

Teaches: graphviewer opens scripts as you write them in a tutorial; it finds the `nn.Module`
(`model`) and a tensor it accepts (`x`) in the script's variables.
"""

import torch
from torch import nn

torch.manual_seed(0)


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(10, 32)
        self.fc2 = nn.Linear(32, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(torch.relu(self.fc1(x)))


model = Net()
x = torch.randn(8, 10)
out = model(x)
print(out.shape)
