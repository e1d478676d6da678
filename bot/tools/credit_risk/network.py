"""The reference model's network: a small MLP ensemble and its calibrated log-odds."""

from __future__ import annotations

import torch
from torch import nn


class MemberEnsemble(nn.Module):
    """`members` small MLPs, each with a linear skip, evaluated in one batched product.

    logit_m(x) = w_m . x + b_m + v_m . dropout(relu(W_m dropout(x) + c_m))

    `forward` takes one input batch [B, n] shared by all members, or one per member
    [members, B, n] (training), and returns logits [members, B].
    """

    def __init__(self, members: int, inputs: int, hidden: int, input_dropout: float,
                 hidden_dropout: float) -> None:
        super().__init__()
        self.members = members
        self.hidden_weight = nn.Parameter(
            torch.randn(members, inputs, hidden) * (2 / inputs) ** 0.5
        )
        self.hidden_bias = nn.Parameter(torch.zeros(members, 1, hidden))
        self.output_weight = nn.Parameter(torch.randn(members, hidden, 1) * 0.1 / hidden ** 0.5)
        self.skip_weight = nn.Parameter(torch.zeros(members, inputs, 1))
        self.bias = nn.Parameter(torch.zeros(members, 1, 1))
        self.input_dropout = nn.Dropout(input_dropout)
        self.hidden_dropout = nn.Dropout(hidden_dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 2:
            x = x.expand(self.members, -1, -1)
        hidden = torch.relu(torch.bmm(self.input_dropout(x), self.hidden_weight) + self.hidden_bias)
        out = torch.bmm(self.hidden_dropout(hidden), self.output_weight) \
            + torch.bmm(x, self.skip_weight) + self.bias
        return out.squeeze(-1)


class CalibratedLogOdds(nn.Module):
    """Mean member logit through Platt scaling: calibrated log-odds of default, shape [B]."""

    def __init__(self, ensemble: MemberEnsemble, slope: float, intercept: float) -> None:
        super().__init__()
        self.ensemble = ensemble
        self.slope = slope
        self.intercept = intercept

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.slope * self.ensemble(x).mean(0) + self.intercept
