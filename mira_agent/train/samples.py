"""Logged calls as token sequences: the prompt the actor (or, in the site's
demonstrations, the planner, checker or re-planner) was given, rebuilt byte for byte
from the stored messages, and the answer, which is all that is trained.

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
    """One answer in its state. `ids` is prompt then answer; `prompt_len` splits them."""

    episode: int  # index into the run's episode list
    step: int  # 0-based index into the episode's actions (or, for a role, demonstrations)
    ids: list[int]
    prompt_len: int
    truncated: bool
    role: str = "actor"

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


def build_samples(
    episodes: Sequence[Episode],
    renderer: Renderer,
    max_tokens: int,
    roles: Sequence[str] = ("actor",),
) -> list[Sample]:
    """Every step of every episode as a sample, then each demonstration of the other
    `roles`: the actions come first and in order, so per-action signals (which only the
    actor has) index the same samples whatever else is trained."""
    samples = []
    if "actor" in roles:
        for e_index, episode in enumerate(episodes):
            for s_index, step in enumerate(episode.steps):
                samples.append(
                    _sample(renderer, step.messages, step.completion, max_tokens, e_index, s_index)
                )
    for e_index, episode in enumerate(episodes):
        for d_index, call in enumerate(episode.demonstrations):
            if call.role in roles:
                sample = _sample(
                    renderer, call.messages, call.completion, max_tokens, e_index, d_index
                )
                sample.role = call.role
                samples.append(sample)
    return samples


def _sample(
    renderer: Renderer,
    messages: Sequence[dict[str, Any]],
    completion: str,
    max_tokens: int,
    episode: int,
    step: int,
) -> Sample:
    """A prompt longer than `max_tokens` allows loses its middle, never the answer."""
    prompt = renderer.encode(renderer.prompt(messages))
    answer = renderer.encode(renderer.action(completion))
    answer = answer[: max(1, max_tokens // 2)]
    room = max_tokens - len(answer)
    truncated = len(prompt) > room
    if truncated:
        prompt = cut_middle(prompt, room)
    return Sample(episode, step, prompt + answer, len(prompt), truncated)


def cut_middle(ids: list[int], room: int) -> list[int]:
    """The first and the last half of `room` tokens of a prompt too long for it.

    Every role's prompt opens with its instructions and the task (and the actor's with the
    plan and the steps so far) and ends with the page's last part and the turn's end: the
    page is the long part, so its middle is what a short context loses. Cutting the start
    instead trained answers on prompts with neither instructions nor task."""
    if len(ids) <= room:
        return ids
    head = room // 2
    return ids[:head] + ids[len(ids) - (room - head) :]


def role_counts(samples: Sequence[Sample]) -> dict[str, dict[str, int]]:
    """Samples and tokens per role, as a run's summary reports them."""
    counts: dict[str, dict[str, int]] = {}
    for sample in samples:
        entry = counts.setdefault(sample.role, {"samples": 0, "tokens": 0})
        entry["samples"] += 1
        entry["tokens"] += len(sample.ids)
    return counts


def describe_roles(counts: dict[str, dict[str, int]]) -> str:
    """`role_counts` in a line: "actor 4 (1,203 tokens), planner 1 (310 tokens)"."""
    return ", ".join(
        f"{role} {entry['samples']} ({entry['tokens']:,} tokens)" for role, entry in counts.items()
    )


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
