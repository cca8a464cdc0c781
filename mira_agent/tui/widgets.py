"""The panels of a run: header, milestone checklist, step stream and status line. Each
shows a `RunView` through `show()`; none keeps state of its own, so the live app and the
episode viewer drive the same widgets."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from mira_agent.tui.render import Rendered, checklist, header_text, status_text, stream
from mira_agent.tui.state import RunView


class _Panel(Static):
    """A Static that remembers, as plain text, what it shows (for tests and readers)."""

    plain: str = ""

    def show_rendered(self, rendered: Rendered) -> None:
        self.plain = rendered.plain
        self.update(rendered.renderable)


class RunHeader(_Panel):
    """The task, the models and the start page."""

    def show(self, view: RunView, label: str = "mira") -> None:
        text = header_text(view, label)
        self.show_rendered(Rendered(text, text.plain))


class Checklist(VerticalScroll):
    """The current plan as a checklist, with the items a re-plan dropped under it."""

    def compose(self) -> ComposeResult:
        yield _Panel(id="checklist-body")

    def on_mount(self) -> None:
        self.border_title = "Milestones"

    @property
    def plain(self) -> str:
        return self.query_one(_Panel).plain

    def show(self, view: RunView) -> None:
        self.query_one(_Panel).show_rendered(checklist(view))


class StepStream(VerticalScroll):
    """Each step's reasoning, action and result, newest last. Anchored to the bottom: it
    follows the newest step until the user scrolls up to read an earlier one, and
    follows again once they scroll back down."""

    def compose(self) -> ComposeResult:
        yield _Panel(id="stream-body")

    def on_mount(self) -> None:
        self.border_title = "Steps"
        self.anchor()

    @property
    def plain(self) -> str:
        return self.query_one(_Panel).plain

    def show(self, view: RunView, *, follow: bool = False) -> None:
        """Show `view`; with `follow`, go back to the newest step even if the user had
        scrolled away (the replay does, as each key shows another step)."""
        self.query_one(_Panel).show_rendered(stream(view))
        if follow:
            self.anchor()


class StatusLine(_Panel):
    """Mode (running, paused, stopping…), step, page, tokens, model time and cost."""

    def show(self, view: RunView, mode: str, detail: str = "") -> None:
        text = status_text(view, mode, detail)
        self.show_rendered(Rendered(text, text.plain))
