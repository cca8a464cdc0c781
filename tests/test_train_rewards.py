"""MiRA's learning signal on small episodes computed by hand: progress labels, shaped
rewards, returns, advantages and the policy losses, and potential-based shaping's
promise that it leaves the comparison between two policies unchanged."""

from __future__ import annotations

import math

import pytest

from mira_agent.train.rewards import (
    Objective,
    advantages,
    outcome_rewards,
    policy_loss,
    progress_labels,
    returns,
    shaped_rewards,
)


def close(a: list[float], b: list[float]) -> bool:
    return len(a) == len(b) and all(
        math.isclose(x, y, abs_tol=1e-12) for x, y in zip(a, b, strict=True)
    )


def test_progress_labels_interpolate_between_milestone_completions() -> None:
    # Three milestones; the first done at s1, the second at s4, the third never.
    labels = progress_labels(6, [1, 4, None], 3)
    assert close(labels, [0.0, 1 / 3, 4 / 9, 5 / 9, 2 / 3, 2 / 3])
    # Two milestones done at the same state count together; all done means 1.
    assert close(progress_labels(4, [2, 2], 2), [0.0, 0.5, 1.0, 1.0])
    # Out of order verdicts still give monotone labels.
    assert close(progress_labels(3, [2, 1], 2), [0.0, 0.5, 1.0])
    assert progress_labels(3, [], 0) == [0.0, 0.0, 0.0] and progress_labels(0, [1], 1) == []


def test_shaped_rewards_returns_and_advantages_by_hand() -> None:
    gamma = 0.9
    rewards = outcome_rewards(3, 1.0)
    assert rewards == [0.0, 0.0, 1.0]
    potentials = [0.0, 0.5, 0.75, 1.0]
    shaped = shaped_rewards(rewards, potentials, gamma)
    # r̃_t = r_t + γ·P(s_{t+1}) − P(s_t), the terminal potential taken as 0.
    assert close(shaped, [0.45, 0.175, 0.25])
    assert close(
        shaped_rewards(rewards, potentials, gamma, terminal_potential=None), [0.45, 0.175, 1.15]
    )
    outcome = returns(rewards, gamma)
    assert close(outcome, [0.81, 0.9, 1.0])
    values = [0.5, 0.6, 0.8, 0.9]
    # A_t = ½(r̃_t + γ·V(s_{t+1}) − V(s_t)) + ½(G_t − V(s_t)), V(s_T) = 0 at the end.
    expected = [
        0.5 * (0.45 + 0.9 * 0.6 - 0.5) + 0.5 * (0.81 - 0.5),
        0.5 * (0.175 + 0.9 * 0.8 - 0.6) + 0.5 * (0.9 - 0.6),
        0.5 * (0.25 + 0.0 - 0.8) + 0.5 * (1.0 - 0.8),
    ]
    assert close(advantages(shaped, outcome, values, gamma, 0.5), expected)
    assert close(advantages(shaped, outcome, values, gamma, mode="mc"), [0.31, 0.3, 0.2])
    td = advantages(shaped, outcome, values, gamma, mode="td")
    assert close(td, [0.45 + 0.54 - 0.5, 0.175 + 0.72 - 0.6, 0.25 - 0.8])
    with pytest.raises(ValueError, match="advantage mode"):
        advantages(shaped, outcome, values, gamma, mode="gae")


def test_shaping_leaves_the_difference_between_two_policies_unchanged() -> None:
    """From the same start state, the shaped returns of two episodes differ exactly as
    their unshaped returns do, whatever potentials the states along the way have."""
    gamma = 0.9

    def shaped_return(outcome: float, potentials: list[float]) -> float:
        rewards = outcome_rewards(len(potentials) - 1, outcome)
        return returns(shaped_rewards(rewards, potentials, gamma), gamma)[0]

    def plain_return(outcome: float, steps: int) -> float:
        return returns(outcome_rewards(steps, outcome), gamma)[0]

    fast = [0.2, 0.9, 0.1, 1.0]  # three actions, succeeds
    slow = [0.2, 0.3, 0.5, 0.6, 0.8, 0.4]  # five actions, fails
    shaped_gap = shaped_return(1.0, fast) - shaped_return(0.0, slow)
    plain_gap = plain_return(1.0, 3) - plain_return(0.0, 5)
    assert math.isclose(shaped_gap, plain_gap, abs_tol=1e-12)
    # And each shaped return is the plain one minus the start state's potential.
    assert math.isclose(shaped_return(1.0, fast), plain_return(1.0, 3) - 0.2, abs_tol=1e-12)


def test_the_losses_move_the_policy_towards_positive_advantages() -> None:
    beta = 0.5
    plain = Objective("sqlogratio", beta)
    assert policy_loss(-1.0, -1.0, 0.3, plain) == pytest.approx(0.09)
    assert policy_loss(-0.4, -1.0, 0.3, plain) == pytest.approx(0.0)  # log ratio = A/β
    for name in ("sqlogratio", "kl", "awr"):
        objective = Objective(name, beta)
        step = 1e-6
        # d loss / d log π at log π = log π_ref: negative for a positive advantage, so a
        # gradient step raises the action's probability; positive for a negative one.
        for advantage, sign in ((0.4, -1), (-0.4, 1)):
            if name == "awr" and advantage < 0:
                continue  # AWR only weights; every weight is positive
            slope = (
                policy_loss(-1.0 + step, -1.0, advantage, objective)
                - policy_loss(-1.0, -1.0, advantage, objective)
            ) / step
            assert slope * sign > 0, (name, advantage, slope)
    awr = Objective("awr", beta)
    assert policy_loss(-1.0, -1.0, 100.0, awr) == pytest.approx(20.0)  # clipped
    with pytest.raises(ValueError, match="objective"):
        policy_loss(0.0, 0.0, 0.0, Objective("ppo", beta))


def test_sft_is_one_more_objective_the_per_token_negative_log_likelihood() -> None:
    sft = Objective("sft")
    assert not sft.uses_advantages and Objective("kl").uses_advantages
    assert policy_loss(-3.0, None, None, sft, tokens=4) == pytest.approx(0.75)
    # Whatever the advantage, a gradient step raises the logged action's probability.
    step = 1e-6
    slope = (policy_loss(-3.0 + step, None, None, sft) - policy_loss(-3.0, None, None, sft)) / step
    assert slope == pytest.approx(-1.0)


def test_the_losses_take_tensors_as_they_take_numbers() -> None:
    torch = pytest.importorskip("torch")
    logp, ref, adv = (
        torch.tensor([-1.0, -2.0]),
        torch.tensor([-1.5, -1.0]),
        torch.tensor([0.3, 50.0]),
    )
    for name in ("sqlogratio", "kl", "awr", "sft"):
        objective = Objective(name, 0.5)
        batch = policy_loss(logp, ref, adv, objective, tokens=torch.tensor([2.0, 4.0]))
        one_by_one = [
            policy_loss(
                float(logp[i]), float(ref[i]), float(adv[i]), objective, tokens=(2.0, 4.0)[i]
            )
            for i in range(2)
        ]
        assert batch.tolist() == pytest.approx(one_by_one), name
