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

from mira_agent.train.phase import PhaseData
from mira_agent.train.settings import TrainSettings
from mira_agent.train.signals import HeldOut, Targets


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
    features: torch.Tensor, targets: torch.Tensor, loss: str, settings: TrainSettings
) -> Fit:
    """Train a head on (features, targets in [0, 1]), full batch, for `critic_epochs`.

    "bce": binary cross-entropy, for the value (targets may be soft: a discounted
    outcome). "mse": squared error of the sigmoid, for the potential's progress labels."""
    torch.manual_seed(settings.seed)
    head = CriticHead(features.shape[1], settings.critic_hidden)
    head.mean.copy_(features.mean(0))
    head.scale.copy_(features.std(0, unbiased=False).clamp_min(1e-4))
    optimiser = torch.optim.AdamW(head.parameters(), lr=settings.critic_lr, weight_decay=1e-2)
    fit = Fit(head)
    for _ in range(settings.critic_epochs):
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


@dataclass
class Critics:
    """The fitted value critic, and the potential critic when there was data for it."""

    value: Fit
    potential: Fit | None

    def heads(self) -> dict[str, dict[str, torch.Tensor]]:
        """The heads' weights, as `critics.pt` keeps them."""
        heads = {"value": self.value.head.state_dict()}
        if self.potential is not None:
            heads["potential"] = self.potential.head.state_dict()
        return heads


def fit_critics(features: torch.Tensor, targets: Targets, settings: TrainSettings) -> Critics:
    """V on every state's discounted outcome; P (if the settings use it) on the progress
    labels of the states that teach it. Each fit starts from the same seed."""
    value = fit_head(features, torch.tensor(targets.value), "bce", settings)
    used = [i for i, flag in enumerate(targets.potential_used) if flag]
    potential = None
    if settings.use_potential and used:
        labels = torch.tensor([targets.potential[i] for i in used])
        potential = fit_head(features[used], labels, "mse", settings)
    return Critics(value, potential)


def held_out_calibration(
    data: PhaseData, features: torch.Tensor, targets: Targets, settings: TrainSettings
) -> HeldOut | None:
    """How well the critics predict episodes they were not fitted on: every fifth
    episode is left out of a second fit. On the fitted data both critics look perfect
    (a few hundred states, a head of 200k weights), so this is the calibration to read.
    The critics used for the advantages are the ones fitted on everything. None with
    fewer than five episodes."""
    if len(data.episodes) < 5:
        return None
    held = [i for i, s in enumerate(data.samples) if s.episode % 5 == 4]
    kept = [i for i, s in enumerate(data.samples) if s.episode % 5 != 4]
    critics = fit_critics(features[kept], targets.take(kept), settings)
    predicted = critics.value.head.predict(features[held])
    truth = torch.tensor([targets.value[i] for i in held])
    metrics = {
        "value_bce": float(nn.functional.binary_cross_entropy(predicted, truth)),
        "states": len(held),
    }
    if critics.potential is None:
        return HeldOut(predicted.tolist(), truth.tolist(), metrics)
    p_held = [i for i in held if targets.potential_used[i]] or held
    guess = critics.potential.head.predict(features[p_held])
    labels = torch.tensor([targets.potential[i] for i in p_held])
    metrics["potential_mse"] = float(((guess - labels) ** 2).mean())
    return HeldOut(predicted.tolist(), truth.tolist(), metrics, guess.tolist(), labels.tolist())
