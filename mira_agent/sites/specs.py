"""One way every site builds its tasks: a table of specs, each naming a task (its id and
split) and the builder that derives the rest from the site's seeded data.

A builder returns a `Draft`: the intent, the ordered milestones, the success check, the
typed facts the site's oracle follows, and tags. The table keeps names and splits in
one place a reader scans top to bottom, and a task template (a builder drawn with other
parameters) is one more row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from mira_agent.sites.base import Milestone, Task, TaskFacts

Check = Callable[[Any], bool]
Success = Callable[[Any, "str | None"], bool]
Context = TypeVar("Context")


@dataclass(frozen=True)
class Draft:
    """A task as its builder derives it from the data: everything but its id and split."""

    intent: str
    milestones: Sequence[Milestone]
    success: Success
    facts: TaskFacts
    tags: tuple[str, ...]
    start_path: str = "/"
    outcome: str = ""  # the expected result in a few words: what distinct instances differ in


@dataclass(frozen=True)
class Spec(Generic[Context]):
    """One row of a site's task table: the task's id, its split, and its builder."""

    id: str
    split: str
    build: Callable[[Context], Draft]


def build_tasks(site: str, specs: Iterable[Spec[Context]], context: Context) -> list[Task]:
    """The tasks of `specs`, in table order, each built from `context` (the site's data,
    or what the site derives from it once for all its builders)."""
    tasks = []
    for spec in specs:
        draft = spec.build(context)
        tasks.append(
            Task(
                id=spec.id,
                site=site,
                intent=draft.intent,
                start_path=draft.start_path,
                milestones=tuple(draft.milestones),
                success=draft.success,
                split=spec.split,
                tags=draft.tags,
                facts=draft.facts,
                outcome=draft.outcome,
            )
        )
    return tasks


@dataclass(frozen=True)
class Card:
    """The payment card a task asks the agent to pay with (a test card by default)."""

    name: str
    number: str = "4242 4242 4242 4242"
    expiry: str = "12/28"
    cvv: str = "123"

    def instructions(self) -> str:
        """The card as an intent spells it out."""
        return (
            f"Pay with the card {self.number}, expiry {self.expiry}, CVV {self.cvv}, "
            f"name on card {self.name}."
        )


def answered(correct: Callable[[str | None], bool], unchanged: Check) -> Success:
    """The success check of a question: the answer is right and the site was left as it
    was (an agent that books, buys or sends on the way fails, whatever it answers)."""

    def success(state: Any, answer: str | None) -> bool:
        return correct(answer) and unchanged(state)

    return success
