"""Logged steps as token sequences: the prompt the actor was given, rebuilt byte for byte
from the stored messages, and the action it answered, which is all that is trained.

The prompt is rendered by the local backend's own `TurnFormat`, picked by the same rule
from what the tokenizer and model config say (Gemma's turns for a Gemma model, else the
tokenizer's chat template), so a model trains on the very text it ran with.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from mira_agent.llm.base import Message
from mira_agent.llm.chat_format import turn_format
from mira_agent.train.episodes import Episode


@dataclass
class Sample:
    """One action in its state. `ids` is prompt then action; `prompt_len` splits them."""

    episode: int  # index into the run's episode list
    step: int  # 0-based action index in the episode
    ids: list[int]
    prompt_len: int
    truncated: bool

    @property
    def action_len(self) -> int:
        return len(self.ids) - self.prompt_len


class Renderer:
    """Prompt and action text exactly as the model saw and wrote them."""

    def __init__(self, tokenizer: Any, model_type: str) -> None:
        self.tokenizer = tokenizer
        self.turns = turn_format(
            model_type,
            getattr(tokenizer, "chat_template", None),
            bos_token=getattr(tokenizer, "bos_token", None) or "",
            eos_token=getattr(tokenizer, "eos_token", None) or "",
        )

    def prompt(self, messages: Sequence[dict[str, Any]]) -> str:
        return self.turns.render([Message(m["role"], m["content"]) for m in messages])

    def action(self, completion: str) -> str:
        """The completion and the end of the turn: the model learns to stop, too."""
        return completion + self.turns.end

    def encode(self, text: str) -> list[int]:
        # The rendered text carries its own <bos>: the tokenizer must not add another.
        return list(self.tokenizer(text, add_special_tokens=False)["input_ids"])


def build_samples(episodes: Sequence[Episode], renderer: Renderer, max_tokens: int) -> list[Sample]:
    """Every step of every episode as a sample; a prompt longer than `max_tokens` allows
    loses its beginning (the task and the current page are at its end), never the action."""
    samples = []
    for e_index, episode in enumerate(episodes):
        for s_index, step in enumerate(episode.steps):
            prompt = renderer.encode(renderer.prompt(step.messages))
            action = renderer.encode(renderer.action(step.completion))
            action = action[: max(1, max_tokens // 2)]
            room = max_tokens - len(action)
            truncated = len(prompt) > room
            if truncated:
                prompt = prompt[:1] + prompt[len(prompt) - room + 1 :]  # keep <bos>
            samples.append(Sample(e_index, s_index, prompt + action, len(prompt), truncated))
    return samples


def micro_batches(
    samples: Sequence[int],
    lengths: Sequence[int],
    token_budget: int,
    seed: int | None,
    max_size: int | None = None,
) -> list[list[int]]:
    """Sample indices grouped by length so that padding wastes little: each group's
    padded size (longest × count) stays within `token_budget`, and its count within
    `max_size` (an optimiser step never holds more than its batch). With a seed the groups
    come in a shuffled order (the same for the same seed, so a resumed run sees the
    same batches); without one, in length order."""
    order = sorted(samples, key=lambda i: lengths[i])
    groups: list[list[int]] = []
    current: list[int] = []
    for index in order:
        longest = max([lengths[i] for i in current] + [lengths[index]])
        full = max_size is not None and len(current) >= max_size
        if current and (full or longest * (len(current) + 1) > token_budget):
            groups.append(current)
            current = []
        current.append(index)
    if current:
        groups.append(current)
    if seed is not None:
        random.Random(seed).shuffle(groups)
    return groups


def optimiser_steps(groups: Sequence[list[int]], batch_size: int) -> Iterator[list[list[int]]]:
    """Micro-batches gathered into optimiser steps of about `batch_size` actions."""
    step: list[list[int]] = []
    count = 0
    for group in groups:
        step.append(group)
        count += len(group)
        if count >= batch_size:
            yield step
            step, count = [], 0
    if step:
        yield step
