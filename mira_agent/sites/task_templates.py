"""Task templates: one sentence with typed slots, drawn many times from a site's data.

A template's `draw(data, rng)` picks its parameters (a route, a contact, a forum) from
the site's seeded data with `rng` and derives everything else from them, as a fixed task
is derived: the intent, the ordered milestone checks, the success check and the facts the
site's oracle follows. A draw whose parameters lead to no answer, several answers or an
empty result raises `Unfit`, and the next draw is made from the same generator, so that
what is served is always one well-defined task.

An instance is named ``TEMPLATE@SEED``. Its generator is seeded by that name alone (a
string seed is hashed with SHA-512 by `random.Random`), so the same name gives the same
task, data and answer on any machine and any Python.

Splits, as WebArena and MiniWoB++ split them:

- **train**: a train template drawn with a seed in `TRAIN_SEEDS`;
- **test-instances**: a train template drawn with a seed in `TEST_SEEDS`, which training
  never draws from;
- **test-templates**: a test template (never trained on), drawn with a `TEST_SEEDS` seed.

Seeds alone would not keep the first two apart: two seeds can draw the same task. So the
intents themselves are split as well, by a hash of their text: a train seed only serves
an intent of the train side, a held-out seed one of the held-out side (a fifth of them),
and a drawn intent of the other side is redrawn. No held-out instance is ever a train
instance under another seed.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from mira_agent.errors import UsageError
from mira_agent.sites.base import Task
from mira_agent.sites.specs import Draft

Context = TypeVar("Context")

TRAIN_SEEDS = range(0, 100_000)
TEST_SEEDS = range(100_000, 200_000)
SPLITS = ("train", "test-instances", "test-templates")
DRAWS = 1000  # draws a seed may take before its template is declared unfit for the data
PATIENCE = 500  # seeds in a row that may repeat earlier intents before a template is spent

HELD_OUT_SHARE = 5  # one intent in this many is on the held-out side

_INSTANCE_ID = re.compile(r"^(?P<template>[a-z0-9][a-z0-9-]*)@(?P<seed>\d+)$")


class Unfit(Exception):
    """The drawn parameters give no single well-defined task; draw again."""


@dataclass(frozen=True)
class Template(Generic[Context]):
    """One task template of a site: its id, whether it is trained on ("train") or held
    out whole ("test"), its intent with the slots named (for the template table), and the
    draw that makes one instance."""

    id: str
    split: str
    pattern: str
    draw: Callable[[Context, random.Random], Draft]

    def __post_init__(self) -> None:
        if self.split not in ("train", "test"):
            raise ValueError(f"template {self.id}: split is train or test, not {self.split!r}")


def instance_id(template: str, seed: int) -> str:
    return f"{template}@{seed}"


def parse_instance_id(task_id: str) -> tuple[str, int] | None:
    """(template id, seed) of a ``TEMPLATE@SEED`` id; None for a fixed task's id."""
    match = _INSTANCE_ID.match(task_id)
    return (match["template"], int(match["seed"])) if match else None


def seeds_of(split: str) -> range:
    """The seeds a split draws from."""
    if split not in SPLITS:
        raise UsageError(f"the template splits are {', '.join(SPLITS)}, not {split!r}")
    return TRAIN_SEEDS if split == "train" else TEST_SEEDS


def split_of(template: Template[Any], seed: int) -> str:
    """The split an instance belongs to; a seed outside both ranges is an error."""
    if seed not in TRAIN_SEEDS and seed not in TEST_SEEDS:
        train, test = TRAIN_SEEDS, TEST_SEEDS
        raise UsageError(
            f"seed {seed} is outside the template seeds: train {train.start}-{train.stop - 1},"
            f" test {test.start}-{test.stop - 1}"
        )
    if template.split == "test":
        return "test-templates"
    return "train" if seed in TRAIN_SEEDS else "test-instances"


def in_split(template: Template[Any], split: str) -> bool:
    """Whether a split draws from this template (train and test-instances share them)."""
    return (template.split == "test") == (split == "test-templates")


def held_out(intent: str) -> bool:
    """Whether an intent is on the held-out side of a train template (see the module)."""
    digest = hashlib.sha256(intent.encode()).digest()
    return int.from_bytes(digest[:8], "big") % HELD_OUT_SHARE == 0


def instantiate(site: str, template: Template[Context], context: Context, seed: int) -> Task:
    """The instance ``template@seed`` on the site's data: the first fit draw of the
    generator that the instance's name seeds (on its split's side, for a train template)."""
    split = split_of(template, seed)
    name = instance_id(template.id, seed)
    rng = random.Random(name)
    for _ in range(DRAWS):
        try:
            draft = template.draw(context, rng)
        except Unfit:
            continue
        if template.split == "train" and held_out(draft.intent) != (split == "test-instances"):
            continue
        if not draft.outcome:
            raise ValueError(f"template {template.id} drew a task with no outcome")
        return Task(
            id=name,
            site=site,
            intent=draft.intent,
            start_path=draft.start_path,
            milestones=tuple(draft.milestones),
            success=draft.success,
            split=split,
            tags=draft.tags,
            facts=draft.facts,
            template=template.id,
            outcome=draft.outcome,
        )
    raise UsageError(
        f"template {template.id} cannot be instantiated from {site}'s data "
        f"(no fit draw in {DRAWS} tries for seed {seed})"
    )


def distinct_instances(
    site: str, template: Template[Context], context: Context, seeds: range
) -> Iterator[Task]:
    """The template's instances over `seeds`, in order, leaving out any whose intent an
    earlier seed already drew (a small parameter space repeats itself); it ends early
    once `PATIENCE` seeds in a row drew nothing new."""
    seen: set[str] = set()
    repeats = 0
    for seed in seeds:
        task = instantiate(site, template, context, seed)
        if task.intent in seen:
            repeats += 1
            if repeats >= PATIENCE:
                return
            continue
        repeats = 0
        seen.add(task.intent)
        yield task


def short_templates(drawn: Iterable[str], count: int) -> dict[str, int]:
    """The templates (of drawn instances' template names) that gave fewer than `count`
    instances, with how many they gave: their parameter space is spent."""
    given = Counter(drawn)
    return {template: n for template, n in given.items() if n < count}


def find_template(site: str, templates: Sequence[Template[Any]], template_id: str) -> Template[Any]:
    """The template called `template_id`; an unknown one is a usage error naming them."""
    for template in templates:
        if template.id == template_id:
            return template
    known = ", ".join(t.id for t in templates) or "none"
    raise UsageError(f"no template {template_id!r} on {site}; its templates: {known}")
