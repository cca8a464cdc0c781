"""The arithmetic of MiRA's learning signal, as pure functions over one episode.

Indexing: an episode of T actions visits states s_0 … s_T; action t (0-based) is taken in
s_t and leads to s_{t+1}. Rewards r_0 … r_{T-1} are zero except the last, the outcome.
Potentials and values are given per state, s_0 … s_T.

The formulas are those of `docs/method.md` (MiRA, with WebRL's advantage and
loss); where the papers leave a choice open, the docstring says which one mira makes.
The loss function takes numbers or tensors alike, so the trainer uses this very function
on torch tensors.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


def progress_labels(num_states: int, completions: Sequence[int | None], total: int) -> list[float]:
    """The potential critic's targets for s_0 … s_{num_states-1}: k/K at the first state
    where k milestones are done, linearly interpolated between those states (from 0 at
    s_0), and flat after the last completion.

    `completions[i]` is the state index at which milestone i was first seen done (None:
    never). Counting done milestones, rather than trusting their order, keeps the labels
    monotone when a checker marks a later milestone before an earlier one."""
    if num_states <= 0:
        return []
    if total <= 0:
        return [0.0] * num_states
    done = sorted(c for c in completions if c is not None and 0 <= c < num_states)
    anchors: list[tuple[int, float]] = [(0, 0.0)]
    for count, state in enumerate(done, 1):
        value = count / total
        if state == anchors[-1][0]:
            anchors[-1] = (state, max(value, anchors[-1][1]))
        else:
            anchors.append((state, value))
    labels = []
    for s in range(num_states):
        after = next((a for a in anchors if a[0] >= s), None)
        before = max((a for a in anchors if a[0] <= s), key=lambda a: a[0])
        if after is None or after[0] == before[0]:
            labels.append(before[1])
        else:
            span = after[0] - before[0]
            labels.append(before[1] + (after[1] - before[1]) * (s - before[0]) / span)
    return labels


def outcome_rewards(num_actions: int, outcome: float) -> list[float]:
    """Sparse rewards: zero at every action but the last, which gets the outcome."""
    return [0.0] * (num_actions - 1) + [float(outcome)] if num_actions > 0 else []


def shaped_rewards(
    rewards: Sequence[float],
    potentials: Sequence[float],
    gamma: float,
    *,
    terminal_potential: float | None = 0.0,
) -> list[float]:
    """Potential-based shaping: r̃_t = r_t + γ·P(s_{t+1}) − P(s_t).

    The final state's potential is taken as `terminal_potential` (0 by default) rather
    than the critic's estimate: shaping leaves every policy's ranking unchanged only if
    all episodes end at the same potential (Ng et al., 1999). Pass None to use P(s_T)."""
    if len(potentials) != len(rewards) + 1:
        raise ValueError("potentials must cover every state: one more than the rewards")
    phi = list(potentials)
    if terminal_potential is not None and rewards:
        phi[-1] = terminal_potential
    return [r + gamma * phi[t + 1] - phi[t] for t, r in enumerate(rewards)]


def returns(rewards: Sequence[float], gamma: float) -> list[float]:
    """Discounted returns-to-go G_t = Σ_k γ^k r_{t+k}."""
    out = [0.0] * len(rewards)
    running = 0.0
    for t in range(len(rewards) - 1, -1, -1):
        running = rewards[t] + gamma * running
        out[t] = running
    return out


ADVANTAGES = ("mixed", "td", "mc")


def advantages(
    shaped: Sequence[float],
    outcome_returns: Sequence[float],
    values: Sequence[float],
    gamma: float,
    lam: float = 0.5,
    mode: str = "mixed",
) -> list[float]:
    """WebRL's advantage, A_t = λ·(r̃_t + γ·V(s_{t+1}) − V(s_t)) + (1−λ)·(G_t − V(s_t)).

    The one-step term uses the shaped reward; the Monte-Carlo term uses the outcome's
    return G_t, the quantity the value critic V (trained on the outcome) estimates. The
    episode's end is terminal: V(s_T) counts as 0 in the last one-step term. `mode`
    picks the ablations: "td" is λ = 1, "mc" is λ = 0."""
    if mode not in ADVANTAGES:
        raise ValueError(f"advantage mode is one of {', '.join(ADVANTAGES)}, not {mode!r}")
    weight = {"mixed": lam, "td": 1.0, "mc": 0.0}[mode]
    steps = len(shaped)
    if len(values) != steps + 1 or len(outcome_returns) != steps:
        raise ValueError("values cover every state; returns every action")
    out = []
    for t in range(steps):
        following = values[t + 1] if t + 1 < steps else 0.0
        td = shaped[t] + gamma * following - values[t]
        mc = outcome_returns[t] - values[t]
        out.append(weight * td + (1 - weight) * mc)
    return out


OBJECTIVES = ("sqlogratio", "kl", "awr")  # the RL objectives `--objective` picks from
SFT = "sft"  # supervised: the log-likelihood of the logged action, per token


@dataclass(frozen=True)
class Objective:
    """What the policy update minimises: one of `OBJECTIVES`, or `SFT`."""

    name: str = "sqlogratio"
    beta: float = 0.5  # how near π_ref the RL objectives keep the policy
    awr_clip: float = 20.0  # the largest weight "awr" gives an action

    @property
    def uses_advantages(self) -> bool:
        return self.name != SFT


def policy_loss(
    logp: Any,
    logp_ref: Any,
    advantage: Any,
    objective: Objective,
    *,
    tokens: Any = 1,
) -> Any:
    """The per-action policy loss, log-probabilities summed over the action's `tokens`.

    - "sqlogratio" (WebRL eq. 6, kept by MiRA): (β·(log π − log π_ref) − A)². Its
      minimum is at log π/π_ref = A/β: actions with a positive advantage become more
      likely, by an amount β keeps near the reference.
    - "kl": −A·log π + (β/2)·(log π − log π_ref)², a policy gradient with a KL penalty
      (the squared log-ratio estimate of the KL: zero, with zero gradient, at π_ref).
    - "awr": −exp(A/β)·log π (weights clipped at `awr_clip`), advantage-weighted regression.
    - "sft": −log π / tokens, the negative log-likelihood per action token; the
      reference and the advantage are not read (pass None).

    Numbers and tensors alike: a tensor's own `exp` and `clamp` are used when it has them.
    """
    if objective.name == SFT:
        return -logp / tokens
    beta = objective.beta
    if objective.name == "sqlogratio":
        return (beta * (logp - logp_ref) - advantage) ** 2
    if objective.name == "kl":
        return -advantage * logp + beta / 2 * (logp - logp_ref) ** 2
    if objective.name == "awr":
        scaled = advantage / beta
        if hasattr(scaled, "clamp"):
            return -scaled.exp().clamp(max=objective.awr_clip) * logp
        return -min(math.exp(scaled), objective.awr_clip) * logp
    known = ", ".join((*OBJECTIVES, SFT))
    raise ValueError(f"objective is one of {known}, not {objective.name!r}")
