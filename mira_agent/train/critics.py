"""MiRA's two critics: the value V(s), the chance the episode succeeds from s, and the
potential P(s), how far along its milestones the agent is.

Both are small heads on the hidden state of the prompt's last token, taken from the
phase's reference policy (the model before this update) with its weights frozen. The
features are computed once, in the same pass as the reference log-probabilities, so
fitting the critics costs seconds, not another pass of the model per epoch; and the
critics judge states by the representation the policy acted from. `--critic-base` gives
them another model's features instead (read once, the same way).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn


class CriticHead(nn.Module):
    """A two-layer head with the features' standardisation built in (saved with it)."""

    def __init__(self, width: int, hidden: int) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(width))
        self.register_buffer("scale", torch.ones(width))
        self.net = nn.Sequential(nn.Linear(width, hidden), nn.GELU(), nn.Linear(hidden, 1))

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        """Logits; the critics' outputs are their sigmoid (both live in [0, 1])."""
        return self.net((features - self.mean) / self.scale)[..., 0]

    def predict(self, features: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return torch.sigmoid(self(features))


@dataclass
class Fit:
    head: CriticHead
    losses: list[float] = field(default_factory=list)


def fit_head(
    features: torch.Tensor,
    targets: torch.Tensor,
    *,
    loss: str,
    epochs: int,
    lr: float,
    hidden: int,
    seed: int,
) -> Fit:
    """Train a head on (features, targets in [0, 1]), full batch.

    "bce": binary cross-entropy, for the value (targets may be soft: a discounted
    outcome). "mse": squared error of the sigmoid, for the potential's progress labels."""
    torch.manual_seed(seed)
    head = CriticHead(features.shape[1], hidden)
    head.mean.copy_(features.mean(0))
    head.scale.copy_(features.std(0, unbiased=False).clamp_min(1e-4))
    optimiser = torch.optim.AdamW(head.parameters(), lr=lr, weight_decay=1e-2)
    fit = Fit(head)
    for _ in range(epochs):
        optimiser.zero_grad()
        logits = head(features)
        if loss == "bce":
            value = nn.functional.binary_cross_entropy_with_logits(logits, targets)
        else:
            value = nn.functional.mse_loss(torch.sigmoid(logits), targets)
        value.backward()
        optimiser.step()
        fit.losses.append(value.item())
    head.eval()
    return fit
