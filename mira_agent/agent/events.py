"""What the loop reports, as typed events. The console printer, the episode store and the
terminal UI each consume the same stream; the loop knows none of them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mira_agent.llm.base import Completion, Message
from mira_agent.planning.milestones import Plan


@dataclass(frozen=True)
class Event:
    """Something the loop reports; `step` is the step it happened at (0 before the
    first)."""

    step: int


@dataclass(frozen=True)
class RunStarted(Event):
    """The run began on `url`: the task (redacted) and the models as `backend:model`."""

    task: str
    url: str
    actor: str
    planner: str | None


@dataclass(frozen=True)
class PlanMade(Event):
    """A plan version: the first one, or a revision with the reason it was made. The
    checklist shows the latest; the store keeps every version."""

    plan: Plan
    reason: str


@dataclass(frozen=True)
class MilestoneDone(Event):
    """The checker found milestone `index` done; it checks before the step acts, so
    the milestone was reached by the step before."""

    index: int
    text: str


@dataclass(frozen=True)
class ProgressChecked(Event):
    """The checker's whole progress vector, one flag a milestone, and why: the
    training signal MiRA's rewards are computed from."""

    progress: tuple[bool, ...]
    reason: str


@dataclass(frozen=True)
class ModelCalled(Event):
    """One model call with its exact messages and raw completion, unredacted: training
    needs exactly what the model saw, so whoever stores it decides what to mask."""

    role: str  # "actor", "plan", "check", "replan"
    messages: tuple[Message, ...] = field(repr=False)
    completion: Completion = field(repr=False)


@dataclass(frozen=True)
class StepDecided(Event):
    """The actor's choice at one step, with the page it chose on. `action` is redacted,
    for people; `parsed` is the action as data (secrets masked) and `target` the role and
    name of the element it acts on, so a replay can find that element again."""

    url: str
    thought: str
    action: str
    observation: str = field(repr=False)
    title: str = ""
    parsed: dict[str, Any] | None = field(default=None, repr=False)
    target: dict[str, Any] | None = field(default=None, repr=False)
    screenshot: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True)
class ActionDone(Event):
    """The step's action ran (or was refused): its message, or its error."""

    action: str
    ok: bool
    message: str
    error: str | None


@dataclass(frozen=True)
class ErrorEvent(Event):
    """Something went wrong that the run survives or ends on (an unusable answer, a
    failed model, a dead browser)."""

    message: str


@dataclass(frozen=True)
class NeedsApproval(Event):
    """The action pays, buys, deletes or sends: it waits for the user's yes."""

    action: str
    reason: str


@dataclass(frozen=True)
class ApprovalGiven(Event):
    """The user's verdict on the action that waited, or the run's --yes: a refusal
    reaches the actor as the step's error."""

    action: str
    approved: bool


@dataclass(frozen=True)
class UserAsked(Event):
    """The agent asked the user; `answer` is None when nobody answered."""

    question: str
    answer: str | None


@dataclass(frozen=True)
class HintReceived(Event):
    """A hint the user gave for this step; the actor's prompt carries it."""

    hint: str


@dataclass(frozen=True)
class Outcome:
    """How a run ended. `status`: succeeded, failed, stopped (by the user), gave_up
    (a guard or the step budget), error (a model failed), crashed (the browser died) or
    interrupted (Ctrl-C); `source` says who judged success."""

    status: str
    answer: str | None
    reason: str
    steps: int
    milestones_done: int
    milestones_total: int
    source: str = "actor"

    @property
    def ok(self) -> bool:
        return self.status == "succeeded"


@dataclass(frozen=True)
class Finished(Event):
    """The run ended, and how: always the last event of a run."""

    outcome: Outcome


Sink = Callable[[Event], None]


def fan_out(*sinks: Sink) -> Sink:
    """One sink that hands each event to every sink in `sinks`, in order: the recorder
    first, so a step is on disk before anyone shows it."""

    def each(event: Event) -> None:
        for sink in sinks:
            sink(event)

    return each
