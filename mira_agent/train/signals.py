"""Per-action learning signals for a set of episodes: the critics' targets, and the
advantages from the critics' estimates, by the pure functions of `rewards.py`.

Kept apart from the torch code so that what each action is taught can be computed, and
checked, from plain numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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
    WebRL baseline). The state after the last action is terminal: V and P are 0 there."""
    out: list[float] = []
    given: list[float] = []
    start = 0
    for episode in episodes:
        count = len(episode.steps)
        sparse = outcome_rewards(count, episode.outcome)
        v = [*values[start : start + count], 0.0]
        if potentials is not None:
            p = [*potentials[start : start + count], 0.0]
            rewards = shaped_rewards(sparse, p, settings.gamma)
        else:
            rewards = sparse
        g = returns(sparse, settings.gamma)
        out += advantages(rewards, g, v, settings.gamma, settings.lam, settings.advantage)
        given += rewards
        start += count
    return out, given
