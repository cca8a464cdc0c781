"""Per-action learning signals for a set of episodes: the critics' targets, and the
advantages from the critics' estimates, by the pure functions of `rewards.py`.

Kept apart from the torch code so that what each action is taught can be computed, and
checked, from plain numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from mira_agent.train.episodes import Episode
from mira_agent.train.rewards import (
    advantages,
    outcome_rewards,
    progress_labels,
    returns,
    shaped_rewards,
)
from mira_agent.train.settings import TrainSettings


@dataclass(frozen=True)
class Targets:
    """Per action, in episode then step order."""

    value: list[float]  # the discounted outcome G_t: what V(s_t) should predict
    potential: list[float]  # the progress label of s_t
    potential_used: list[bool]  # whether this state teaches the potential critic

    def take(self, indices: Sequence[int]) -> Targets:
        """The targets of these actions only, in this order."""
        return Targets(
            [self.value[i] for i in indices],
            [self.potential[i] for i in indices],
            [self.potential_used[i] for i in indices],
        )


@dataclass(frozen=True)
class HeldOut:
    """The critics' predictions on episodes left out of their fit, beside the targets."""

    values: list[float]
    value_targets: list[float]
    metrics: dict[str, float]  # value_bce, states, and potential_mse when fitted
    potentials: list[float] | None = None
    potential_targets: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class Signals:
    """What each action of a phase is taught, in `critic_targets`' order: the critics'
    targets and estimates, the reward and the advantage, and how the fits went."""

    targets: Targets
    values: list[float]  # V(s_t)
    potentials: list[float] | None  # P(s_t); None without a potential critic
    advantages: list[float]
    rewards: list[float]  # shaped, or the sparse outcome
    value_losses: list[float]
    potential_losses: list[float]
    held_out: HeldOut | None = None


def critic_targets(episodes: Sequence[Episode], settings: TrainSettings) -> Targets:
    value: list[float] = []
    potential: list[float] = []
    used: list[bool] = []
    for episode in episodes:
        count = len(episode.steps)
        value += returns(outcome_rewards(count, episode.outcome), settings.gamma)
        labels = progress_labels(count + 1, episode.completions, episode.milestones)
        potential += labels[:count]
        teaches = episode.milestones > 0 and (
            settings.potential_data == "all" or episode.outcome > 0
        )
        used += [teaches] * count
    return Targets(value, potential, used)


def action_advantages(
    episodes: Sequence[Episode],
    values: Sequence[float],
    potentials: Sequence[float] | None,
    settings: TrainSettings,
) -> tuple[list[float], list[float]]:
    """The advantage of every action, and the (shaped) reward it was given.

    `values` and `potentials` are the critics' estimates per action's state, in the
    order of `critic_targets`. Without potentials the reward is the sparse outcome (the
    WebRL baseline). The state after the last action is terminal: V is 0 there.

    The terminal state's potential is its progress label, the checker's count of the
    milestones done on the last page (the papers do not say). With a terminal potential
    of 0 instead, the action that completes a task would be charged the whole potential
    it leaves behind (r̃ = 1 − P ≈ 0, then −V in the one-step term: about −0.5 for the
    winning action); with the label it is not, and a failed episode's last milestone
    still counts. Strict PBRS invariance (one terminal potential for all episodes) is
    given up for what MiRA wants from the critic: credit for milestones reached."""
    out: list[float] = []
    given: list[float] = []
    start = 0
    for episode in episodes:
        count = len(episode.steps)
        sparse = outcome_rewards(count, episode.outcome)
        v = [*values[start : start + count], 0.0]
        if potentials is not None:
            final = progress_labels(count + 1, episode.completions, episode.milestones)[-1]
            p = [*potentials[start : start + count], final]
            rewards = shaped_rewards(sparse, p, settings.gamma, terminal_potential=None)
        else:
            rewards = sparse
        g = returns(sparse, settings.gamma)
        out += advantages(rewards, g, v, settings.gamma, settings.lam, settings.advantage)
        given += rewards
        start += count
    return out, given
