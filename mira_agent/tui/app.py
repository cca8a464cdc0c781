"""The two terminal apps: `RunApp` watches and steers a live run, `EpisodeApp` replays a
stored one. Both render a `RunView` (state.py) through the same widgets.

The agent runs in a Textual thread worker, never on the UI thread, so the UI stays live
during a slow model call. The agent reaches the UI only through the `RunHooks` this app
builds: events are handed over with `call_from_thread`, and a question to the user (an
approval, an `ask_user`) opens a modal while the agent's thread waits for the answer.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Generic, TypeVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer
from textual.worker import Worker, WorkerState

from mira_agent.agent import events as ev
from mira_agent.agent.controls import Controls
from mira_agent.agent.safety import Redactor
from mira_agent.browser.session import BrowserSession
from mira_agent.runner import RunHooks
from mira_agent.tui.screens import ApprovalScreen, HintScreen, QuestionScreen, RatingScreen
from mira_agent.tui.state import RunView, fold
from mira_agent.tui.widgets import Checklist, RunHeader, StatusLine, StepStream

T = TypeVar("T")


class _Reply(Generic[T]):
    """One answer handed from the UI thread to the agent's thread. The first `give`
    wins, so a late click after a stop cannot change what the agent was told."""

    def __init__(self, default: T) -> None:
        self.default = default
        self.value = default
        self._given = threading.Event()

    def give(self, value: T) -> None:
        if not self._given.is_set():
            self.value = value
            self._given.set()

    def wait(self, closing: Callable[[], bool]) -> T:
        while not self._given.wait(0.2):
            if closing():
                return self.default
        return self.value


def _layout() -> ComposeResult:
    yield RunHeader(id="header")
    with Horizontal(id="body"):
        yield Checklist(id="checklist")
        yield StepStream(id="stream")
    yield StatusLine(id="status")
    yield Footer()


class RunApp(App[None]):
    """A live run: `start(hooks)` runs the agent (on a worker thread) with the hooks this
    app gives it and returns the outcome. After the app exits, `outcome` is how the run
    ended, `error` what `start` raised (the caller re-raises it) and `rating` the user's
    verdict ("succeeded"/"failed", None when skipped or not asked)."""

    CSS_PATH = "mira.tcss"
    TITLE = "mira"
    ENABLE_COMMAND_PALETTE = False
    # Two bindings share p and q: `check_action` enables the one that fits the moment,
    # so the footer says what the key does now.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "pause_run", "Pause"),
        Binding("p", "resume_run", "Resume"),
        Binding("s", "one_step", "One step"),
        Binding("h", "hint", "Hint"),
        Binding("q", "stop_run", "Stop"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(
        self,
        start: Callable[[RunHooks], ev.Outcome],
        *,
        task: str,
        on_rate: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__()
        self._start = start
        self.on_rate = on_rate
        self.controls = Controls()
        # Shown until the agent reports its own (redacted) task: mask card numbers too.
        self.view = RunView(task=Redactor().redact(task))
        self.outcome: ev.Outcome | None = None
        self.error: BaseException | None = None
        self.rating: str | None = None
        self._worker: Worker[ev.Outcome] | None = None
        self._agent_done = threading.Event()
        self._ui_thread: int | None = None
        self._waits: dict[_Reply[Any], Screen[Any]] = {}
        self._quitting = False
        self._closing = False

    # -- layout and rendering -----------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield from _layout()

    def on_mount(self) -> None:
        self._ui_thread = threading.get_ident()
        self._show()

    def on_ready(self) -> None:
        """Start the agent once the app runs and shows its first frame, so that no event
        can arrive before the UI can take it."""
        self._worker = self.run_worker(
            self._run_agent, name="agent", thread=True, exit_on_error=False
        )

    @property
    def agent_running(self) -> bool:
        """Whether the agent's thread is still working (it may be stopping)."""
        return self._worker is not None and not self._agent_done.is_set()

    @property
    def mode(self) -> str:
        """What the status line says the run is doing."""
        if not self.agent_running:
            return "finished" if self._worker is not None else "starting"
        if self._quitting:
            return "quitting"
        if self.controls.stop_requested:
            return "stopping"
        if self.view.pending_approval is not None or self._waits:
            return "waiting"
        return "paused" if self.controls.paused else "running"

    def _show(self) -> None:
        self.query_one(RunHeader).show(self.view)
        self.query_one(Checklist).show(self.view)
        self.query_one(StepStream).show(self.view)
        self._show_status()

    def _show_status(self) -> None:
        self.query_one(StatusLine).show(self.view, self.mode)
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys that fit the moment: False hides a key, None shows it dimmed."""
        running = self.agent_running and not self.controls.stop_requested
        paused = self.controls.paused
        match action:
            case "pause_run":
                return running and not paused
            case "resume_run":
                return running and paused
            case "one_step":
                return (True if paused else None) if running else False
            case "hint":
                return running
            case "stop_run":
                return running
        return True

    # -- the agent's side (called on the agent's thread) ------------------------------------

    def _run_agent(self) -> ev.Outcome:
        hooks = RunHooks(
            sink=self._sink,
            approver=self._approve,
            asker=self._ask,
            controls=self.controls,
            on_browser=self._on_browser,
        )
        try:
            return self._start(hooks)
        finally:
            self._agent_done.set()

    def _to_ui(self, callback: Callable[..., object], *args: object) -> bool:
        """Run `callback` on the UI thread and wait for it; False when the UI is gone."""
        if self._gone:
            return False
        if threading.get_ident() == self._ui_thread:
            callback(*args)
            return True
        try:
            self.call_from_thread(callback, *args)
        except RuntimeError:  # the app is not running (any more)
            return False
        return True

    def _sink(self, event: ev.Event) -> None:
        self._to_ui(self._on_event, event)

    def _approve(self, action: str, reason: str) -> bool:
        return self._wait_for_user(lambda: ApprovalScreen(action, reason), False)

    def _ask(self, question: str) -> str | None:
        return self._wait_for_user(lambda: QuestionScreen(question), None)

    def _wait_for_user(self, make_screen: Callable[[], Screen[Any]], default: T) -> T:
        """Open a modal on the UI thread and block the agent's thread until it is
        answered. A stop, or the app closing, answers `default` (a refusal)."""
        reply = _Reply(default)
        if self.controls.stop_requested or not self._to_ui(self._open_modal, make_screen, reply):
            return default
        return reply.wait(lambda: self._gone)

    def _on_browser(self, session: BrowserSession) -> None:
        warnings = list(session.warnings)
        if warnings:
            self._to_ui(self._add_notes, [f"browser: {w}" for w in warnings])

    # -- the UI's side --------------------------------------------------------------------

    @property
    def _gone(self) -> bool:
        """The app is closing (or never ran): nothing may touch its widgets."""
        return self._closing or not self.is_running

    def _on_event(self, event: ev.Event) -> None:
        if self._gone:
            return
        self.view.apply(event)
        if isinstance(event, ev.ModelCalled):
            self.query_one(StatusLine).show(self.view, self.mode)  # only the totals changed
            return
        if isinstance(event, ev.Finished):
            self.outcome = event.outcome
            if self.on_rate is not None and not self._quitting:
                self.push_screen(RatingScreen(event.outcome), self._rated)
        self._show()

    def _add_notes(self, notes: list[str]) -> None:
        if self._gone:
            return
        for note in notes:
            self.view.note(note)
        self._show()

    def _open_modal(self, make_screen: Callable[[], Screen[Any]], reply: _Reply[Any]) -> None:
        if self._gone or self.controls.stop_requested:
            reply.give(reply.default)
            return
        screen = make_screen()
        self._waits[reply] = screen

        def answered(value: Any) -> None:
            reply.give(value)
            self._waits.pop(reply, None)
            self._show_status()

        self.push_screen(screen, answered)
        self._show_status()

    def _release_waits(self) -> None:
        """Answer every open question with its default (a stop counts as a refusal)."""
        for reply, screen in list(self._waits.items()):
            reply.give(reply.default)
            if not self._gone and screen.is_current:
                screen.dismiss(reply.default)
        self._waits.clear()

    def _rated(self, label: str | None) -> None:
        if label is None or self.on_rate is None:
            return
        self.rating = label
        try:
            self.on_rate(label)
        except Exception as exc:  # the rating is a nicety: keep the app, say what failed
            self.notify(f"the rating was not saved: {exc}", severity="error")
            return
        self.view.note(f"you rated the run: {label}")
        self._show()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is not self._worker or event.state not in (
            WorkerState.SUCCESS,
            WorkerState.ERROR,
        ):
            return
        if event.state == WorkerState.SUCCESS:
            self.outcome = self.outcome or event.worker.result
        else:
            self.error = event.worker.error
        self._release_waits()
        if self.error is not None or self._quitting:
            self.exit()
            return
        self._show()

    # -- keys -----------------------------------------------------------------------------

    def action_pause_run(self) -> None:
        self.controls.pause()
        self._show_status()

    def action_resume_run(self) -> None:
        self.controls.resume()
        self._show_status()

    def action_one_step(self) -> None:
        self.controls.step()
        self._show_status()

    def action_hint(self) -> None:
        def give(text: str | None) -> None:
            if text:
                self.controls.hint(text)
                self.notify(f"hint for the next step: {text}", timeout=3)

        self.push_screen(HintScreen(), give)

    def action_stop_run(self) -> None:
        """Stop after the current step: a paused run is let go so that it can stop."""
        self._stop_agent()
        self.view.note("stopping after this step")
        self._show()

    def _stop_agent(self) -> None:
        self.controls.stop()
        self.controls.resume()
        self._release_waits()

    async def action_quit(self) -> None:
        """Quit; a run still going is stopped first and the app exits once the agent's
        thread has ended (the worker's state change does the exit)."""
        if not self.agent_running:
            self.exit()
            return
        self._quitting = True
        self._stop_agent()
        self._show_status()

    async def action_help_quit(self) -> None:
        """Ctrl-C quits like Ctrl-Q (stopping the run first): in a terminal UI it is a
        key, not a signal, and people press it to get out."""
        await self.action_quit()

    async def on_unmount(self) -> None:
        """However the app ends, the agent's thread must not outlive it: stop the run,
        answer any open question with a refusal, and wait for the thread to finish."""
        self._closing = True
        if self.agent_running:
            self._stop_agent()
            while not self._agent_done.is_set():
                await asyncio.sleep(0.05)


class EpisodeApp(App[None]):
    """A stored episode, step by step, in the live run's widgets. Each position is the
    fold of the events up to a step, so going back is just a re-fold."""

    CSS_PATH = "mira.tcss"
    ENABLE_COMMAND_PALETTE = False
    # Priority: the step keys must win over the scroll keys of the focused panel.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("right,n,space", "next_step", "Next step", priority=True),
        Binding("left,b", "previous_step", "Back", priority=True),
        Binding("end,e", "last_step", "End", priority=True),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, events: Sequence[ev.Event], *, title: str) -> None:
        super().__init__()
        self.events = tuple(events)
        self.title = title
        # The step numbers to stop at; step 0 holds what came before the first step.
        self.positions = sorted({e.step for e in self.events} | {0})
        first = next((i for i, step in enumerate(self.positions) if step > 0), 0)
        self.position = first
        self.view = self._fold()

    @property
    def step(self) -> int:
        """The step now shown."""
        return self.positions[self.position]

    def _fold(self) -> RunView:
        shown = [e for e in self.events if e.step <= self.step]
        return fold(shown)

    def compose(self) -> ComposeResult:
        yield from _layout()

    def on_mount(self) -> None:
        self._show()

    def _show(self) -> None:
        self.view = self._fold()
        last = self.positions[-1]
        self.query_one(RunHeader).show(self.view, self.title)
        self.query_one(Checklist).show(self.view)
        self.query_one(StepStream).show(self.view, follow=True)
        self.query_one(StatusLine).show(self.view, "replay", f"step {self.step} of {last}")

    def _go(self, position: int) -> None:
        position = max(0, min(position, len(self.positions) - 1))
        if position != self.position:
            self.position = position
            self._show()

    def action_next_step(self) -> None:
        self._go(self.position + 1)

    def action_previous_step(self) -> None:
        self._go(self.position - 1)

    def action_last_step(self) -> None:
        self._go(len(self.positions) - 1)
