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
    step: int


@dataclass(frozen=True)
class RunStarted(Event):
    task: str
    url: str
    actor: str
    planner: str | None


@dataclass(frozen=True)
class PlanMade(Event):
    plan: Plan
    reason: str


@dataclass(frozen=True)
class MilestoneDone(Event):
    index: int
    text: str


@dataclass(frozen=True)
class ProgressChecked(Event):
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
    target: dict[str, str] | None = field(default=None, repr=False)
    screenshot: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True)
class ActionDone(Event):
    action: str
    ok: bool
    message: str
    error: str | None


@dataclass(frozen=True)
class ErrorEvent(Event):
    message: str


@dataclass(frozen=True)
class NeedsApproval(Event):
    action: str
    reason: str


@dataclass(frozen=True)
class ApprovalGiven(Event):
    action: str
    approved: bool


@dataclass(frozen=True)
class UserAsked(Event):
    question: str
    answer: str | None


@dataclass(frozen=True)
class HintReceived(Event):
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
    outcome: Outcome


Sink = Callable[[Event], None]


def fan_out(*sinks: Sink) -> Sink:
    """One sink that hands each event to every sink in `sinks`, in order: the recorder
    first, so a step is on disk before anyone shows it."""

    def each(event: Event) -> None:
        for sink in sinks:
            sink(event)

    return each
