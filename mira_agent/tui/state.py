"""The run as the terminal UI shows it: plain data folded from the agent's events.

The live app and the episode viewer both render a `RunView`; the live app folds each
event as it arrives, the viewer re-folds a stored episode up to the step it shows. No
Textual here, so the fold is tested without a terminal.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from mira_agent.agent import events as ev
from mira_agent.agent.usage import Totals
from mira_agent.planning.milestones import Plan

MilestoneStatus = Literal["pending", "current", "done", "revised"]


@dataclass(frozen=True)
class ChecklistItem:
    """One line of the checklist. `number` is the position in the current plan (None
    for a revised item); `version` the plan version the item belongs to (for a revised
    item: the last version that still had it)."""

    number: int | None
    text: str
    status: MilestoneStatus
    done_at_step: int | None = None
    version: int = 1


@dataclass
class Approval:
    """An action that waited for the user's yes; `approved` is None while it waits."""

    action: str
    reason: str
    approved: bool | None = None


@dataclass(frozen=True)
class Question:
    question: str
    answer: str | None


@dataclass
class StepView:
    """What happened at one step, in the loop's order: milestones found done (checked
    before acting), plan changes, hints, the decision, approvals, the result."""

    number: int
    url: str = ""
    title: str = ""
    thought: str = ""
    action: str = ""
    ok: bool | None = None  # None until the action ran (or was refused)
    result: str = ""  # the action's message, or its error when it failed
    milestones: list[str] = field(default_factory=list)
    plans: list[str] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)
    approvals: list[Approval] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # the UI's own remarks, not events


@dataclass
class RunView:
    """Everything the UI shows about a run, as of the last event folded in."""

    task: str = ""
    actor: str = ""
    planner: str | None = None
    started: bool = False
    start_url: str = ""
    url: str = ""
    title: str = ""
    plan: Plan | None = None
    plan_reason: str = ""
    revised: list[ChecklistItem] = field(default_factory=list)
    preamble: StepView = field(default_factory=lambda: StepView(0))
    steps: list[StepView] = field(default_factory=list)
    totals: Totals = field(default_factory=Totals)
    pending_approval: Approval | None = None
    outcome: ev.Outcome | None = None
    events: int = 0

    @property
    def finished(self) -> bool:
        return self.outcome is not None

    @property
    def step(self) -> int:
        """The number of the latest step (0 before the first)."""
        return self.steps[-1].number if self.steps else 0

    @property
    def checklist(self) -> list[ChecklistItem]:
        """The current plan's milestones: done ones with their step, the first open one
        current, the rest pending. Revised items are in `revised`."""
        if self.plan is None:
            return []
        current = self.plan.current
        items = []
        for i, m in enumerate(self.plan.milestones):
            status: MilestoneStatus = "done" if m.done else "current" if i == current else "pending"
            items.append(ChecklistItem(i + 1, m.text, status, m.done_at_step, m.added_in_version))
        return items

    def step_view(self, number: int) -> StepView:
        """The view of step `number`, created on first use; step 0 is the preamble."""
        if number <= 0:
            return self.preamble
        for step in reversed(self.steps):
            if step.number == number:
                return step
            if step.number < number:
                break
        created = StepView(number)
        self.steps.append(created)
        self.steps.sort(key=lambda s: s.number)
        return created

    def note(self, text: str) -> None:
        """A remark of the UI's own (a browser warning, "stopping after this step"),
        shown with the latest step."""
        (self.steps[-1] if self.steps else self.preamble).notes.append(text)

    def apply(self, event: ev.Event) -> None:
        """Fold one event into the view."""
        self.events += 1
        match event:
            case ev.RunStarted():
                self.started = True
                self.task, self.actor, self.planner = event.task, event.actor, event.planner
                self.start_url = self.url = event.url
            case ev.PlanMade():
                self._new_plan(event.plan, event.reason, event.step)
            case ev.ProgressChecked():
                if self.plan is not None:
                    self.plan, _ = self.plan.mark(event.progress, event.step)
            case ev.MilestoneDone():
                if self.plan is not None:
                    flags = [i == event.index for i in range(len(self.plan.milestones))]
                    self.plan, _ = self.plan.mark(flags, event.step)
                self.step_view(event.step).milestones.append(event.text)
            case ev.ModelCalled():
                self.totals(event)
            case ev.StepDecided():
                step = self.step_view(event.step)
                step.url, step.title = event.url, event.title
                step.thought, step.action = event.thought, event.action
                self.url, self.title = event.url, event.title
            case ev.ActionDone():
                step = self.step_view(event.step)
                step.ok = event.ok
                step.result = event.message if event.ok else (event.error or "failed")
            case ev.ErrorEvent():
                self.step_view(event.step).errors.append(event.message)
            case ev.NeedsApproval():
                self.pending_approval = Approval(event.action, event.reason)
                self.step_view(event.step).approvals.append(self.pending_approval)
            case ev.ApprovalGiven():
                if self.pending_approval is not None:
                    self.pending_approval.approved = event.approved
                else:
                    approval = Approval(event.action, "", event.approved)
                    self.step_view(event.step).approvals.append(approval)
                self.pending_approval = None
            case ev.UserAsked():
                question = Question(event.question, event.answer)
                self.step_view(event.step).questions.append(question)
            case ev.HintReceived():
                self.step_view(event.step).hints.append(event.hint)
            case ev.Finished():
                self.outcome = event.outcome
                self.pending_approval = None

    def _new_plan(self, plan: Plan, reason: str, step: int) -> None:
        """Take a new plan version; the old plan's open items it no longer has become
        revised (an item that comes back in a later version leaves the revised list)."""
        texts = {m.text for m in plan.milestones}
        if self.plan is not None:
            self.revised = [r for r in self.revised if r.text not in texts]
            for m in self.plan.milestones:
                if not m.done and m.text not in texts:
                    item = ChecklistItem(None, m.text, "revised", None, self.plan.version)
                    self.revised.append(item)
            self.step_view(step).plans.append(f"plan v{plan.version}: {reason}")
        self.plan, self.plan_reason = plan, reason


def fold(events: Iterable[ev.Event], view: RunView | None = None) -> RunView:
    """Fold `events` into `view` (a fresh one by default) and return it."""
    view = view if view is not None else RunView()
    for event in events:
        view.apply(event)
    return view
