"""A `RunView` as styled text: the header, the checklist, the step stream, the status
line and the outcome. Pure functions over the view, no Textual: the widgets only put
the result on screen.

The checklist and the stream are rows of (marker, text) laid out as a two-column grid,
so a long milestone or thought wraps under its own text, not under the marker. Each
`Rendered` also carries the same content as plain text, for tests and for readers.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from mira_agent.agent import events as ev
from mira_agent.tui.state import Approval, ChecklistItem, RunView, StepView

Row = tuple[Text, Text]  # a marker and the text beside it

MARKS = {"done": "✓", "current": "▶", "pending": "○", "revised": "✗"}
MARK_STYLES = {"done": "green", "current": "bold yellow", "pending": "", "revised": "dim"}


@dataclass(frozen=True)
class Rendered:
    """What a panel shows, and the same as plain text."""

    renderable: RenderableType
    plain: str


class _Blocks:
    """Builds a panel from titled blocks of rows, keeping the plain text in step."""

    def __init__(self) -> None:
        self.parts: list[RenderableType] = []
        self.plain: list[str] = []

    def text(self, text: Text) -> None:
        self.parts.append(text)
        self.plain.append(text.plain)

    def rows(self, rows: list[Row], indent: int = 0) -> None:
        if not rows:
            return
        grid = Table.grid(padding=(0, 1), expand=True)
        grid.add_column(no_wrap=True)
        grid.add_column(ratio=1)
        for marker, body in rows:
            grid.add_row(marker, body)
        self.parts.append(Padding(grid, (0, 0, 0, indent)) if indent else grid)
        self.plain += [f"{' ' * indent}{m.plain} {b.plain}" for m, b in rows]

    def gap(self) -> None:
        if self.parts:
            self.text(Text(""))

    def rendered(self) -> Rendered:
        return Rendered(Group(*self.parts), "\n".join(self.plain))


def _row(marker: str, body: str | Text, style: str = "") -> Row:
    text = body if isinstance(body, Text) else Text(body, style=style)
    return Text(marker, style=style), text


# -- header ---------------------------------------------------------------------------


def header_text(view: RunView, label: str = "mira") -> Text:
    """The task on the first line; the models and the start page on the second."""
    text = Text()
    text.append(f"{label}  ", style="bold magenta")
    text.append(view.task or "(no task yet)", style="bold")
    if view.started:
        models = f"actor {view.actor} · planner {view.planner or 'off'} · start {view.start_url}"
    else:
        models = "starting: loading the models and the browser…"
    text.append(f"\n{models}", style="dim")
    return text


# -- checklist ------------------------------------------------------------------------


def checklist_row(item: ChecklistItem) -> Row:
    """One milestone: its mark, and its text with the step that completed it."""
    style = MARK_STYLES[item.status]
    body = Text()
    if item.status == "revised":
        body.append(item.text, style="dim strike")
        body.append(f"  (v{item.version})", style="dim")
    else:
        body.append(f"{item.number}. ", style="dim")
        body.append(item.text, style=style)
        if item.done_at_step is not None:
            body.append(f"  step {item.done_at_step}", style="dim")
    return Text(MARKS[item.status], style=style), body


def checklist(view: RunView) -> Rendered:
    """The current plan with each milestone's status, then the items re-planning dropped."""
    blocks = _Blocks()
    if view.plan is None:
        if not view.started:
            blocks.text(Text("waiting for the run to start…", style="dim"))
        elif view.planner is None:
            blocks.text(Text("no planner in this run: the actor works step by step", style="dim"))
        else:
            blocks.text(Text("waiting for the plan…", style="dim"))
        return blocks.rendered()
    items = view.checklist
    done = sum(item.status == "done" for item in items)
    title = Text()
    title.append(f"Plan v{view.plan.version}", style="bold")
    title.append(f" · {done} of {len(items)} done", style="dim")
    blocks.text(title)
    blocks.rows([checklist_row(item) for item in items])
    if view.revised:
        blocks.gap()
        blocks.text(Text("revised by re-planning", style="dim italic"))
        blocks.rows([checklist_row(item) for item in view.revised])
    return blocks.rendered()


# -- step stream ----------------------------------------------------------------------


def _approval_row(approval: Approval) -> Row:
    body = Text()
    body.append(f"needs your yes: {approval.action}", style="yellow")
    if approval.reason:
        body.append(f" ({approval.reason})", style="yellow")
    if approval.approved is None:
        body.append(" … waiting", style="bold yellow")
    elif approval.approved:
        body.append(" → allowed", style="bold green")
    else:
        body.append(" → refused", style="bold red")
    return Text("!", style="bold yellow"), body


def step_rows(step: StepView) -> list[Row]:
    """One step in the loop's order: milestones found done (checked before acting),
    re-plans, hints, the reasoning, the action, approvals, the result, questions."""
    rows = [_row("★", f"milestone done: {m}", "green") for m in step.milestones]
    rows += [_row("↻", p, "cyan") for p in step.plans]
    rows += [_row("»", f"hint: {h}", "cyan") for h in step.hints]
    if step.thought:
        rows.append(_row(" ", step.thought, "italic"))
    if step.action:
        rows.append(_row("→", step.action, "bold"))
    rows += [_approval_row(a) for a in step.approvals]
    if step.ok is True:
        rows.append(_row("✓", step.result or "ok", "green"))
    elif step.ok is False:
        rows.append(_row("✗", f"failed: {step.result}", "red"))
    for q in step.questions:
        body = Text(f"asked you: {q.question}", style="yellow")
        body.append(f" → {q.answer}" if q.answer else " → no answer", style="dim")
        rows.append(_row("?", body, "yellow"))
    rows += [_row("✗", f"error: {e}", "bold red") for e in step.errors]
    rows += [_row("·", n, "dim cyan") for n in step.notes]
    return rows


def step_title(step: StepView) -> Text:
    head = Text()
    head.append(f"Step {step.number}", style="bold")
    where = " · ".join(part for part in (step.title, step.url) if part)
    if where:
        head.append(f"  {where}", style="dim")
    return head


def outcome_text(outcome: ev.Outcome) -> Text:
    """How the run ended: status, reason, answer, milestones and who judged."""
    colour = "green" if outcome.ok else "red"
    text = Text()
    text.append(outcome.status.upper(), style=f"bold {colour}")
    text.append(f" after {outcome.steps} steps: {outcome.reason}")
    if outcome.answer:
        text.append("\nAnswer: ", style="bold")
        text.append(outcome.answer)
    text.append("\n")
    if outcome.milestones_total:
        text.append(f"Milestones {outcome.milestones_done}/{outcome.milestones_total} · ")
    text.append(f"judged by {outcome.source}", style="dim")
    return text


def stream(view: RunView) -> Rendered:
    """Every step so far, then the outcome once the run has finished."""
    blocks = _Blocks()
    blocks.rows(step_rows(view.preamble))
    for step in view.steps:
        blocks.gap()
        blocks.text(step_title(step))
        blocks.rows(step_rows(step), indent=1)
    if view.outcome is not None:
        blocks.gap()
        blocks.text(outcome_text(view.outcome))
    if not blocks.parts:
        blocks.text(Text("no steps yet", style="dim"))
    return blocks.rendered()


# -- status line ----------------------------------------------------------------------

MODE_STYLES = {
    "running": "bold green",
    "paused": "bold black on yellow",
    "waiting": "bold black on yellow",
    "stopping": "bold white on red",
    "quitting": "bold white on red",
    "starting": "bold",
    "finished": "bold",
    "replay": "bold cyan",
}
MODE_LABELS = {
    "running": "RUNNING",
    "paused": "PAUSED · the browser is yours",
    "waiting": "WAITING for your answer",
    "stopping": "STOPPING after this step",
    "quitting": "QUITTING · the agent stops after this step",
    "starting": "STARTING",
    "finished": "FINISHED",
    "replay": "REPLAY",
}


def status_text(view: RunView, mode: str, detail: str = "") -> Text:
    """Two lines: the run's mode, step and page; then tokens, model time and cost."""
    label = MODE_LABELS.get(mode, mode.upper())
    if mode == "finished" and view.outcome is not None:
        label = f"FINISHED · {view.outcome.status}"
    text = Text()
    text.append(f" {label} ", style=MODE_STYLES.get(mode, "bold"))
    text.append(f"  {detail or f'step {view.step}'}", style="bold")
    where = " · ".join(part for part in (view.title, view.url) if part)
    if where:
        text.append(f"  {where}", style="dim")
    totals = view.totals
    text.append(
        f"\n tokens {totals.prompt_tokens:,} in · {totals.completion_tokens:,} out"
        f" · {totals.calls} model calls · model time {totals.model_seconds:.1f} s"
        f" · ${totals.cost:.4f}"
    )
    return text
