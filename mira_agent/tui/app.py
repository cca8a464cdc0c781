"""The two terminal apps: `RunApp` watches and steers a live run, `EpisodeApp` replays a
stored one. Both render a `RunView` (state.py) through the same widgets.

The agent runs in a Textual thread worker, never on the UI thread, so the UI stays live
during a slow model call. The app knows nothing of how a run is put together: the CLI
builds the run's hooks from this app's endpoints (`sink`, `approve`, `ask`,
`browser_opened`, `controls`) and gives it the `work` to run. What the agent's thread
tells the app travels as messages (messages.py): events, browser warnings, and
questions to the user, which open a modal while the agent's thread waits for the answer.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, TypeVar

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
from mira_agent.tui.messages import AnswerWanted, BrowserNotes, EventArrived, FromAgent, Reply
from mira_agent.tui.screens import ApprovalScreen, HintScreen, QuestionScreen, RatingScreen
from mira_agent.tui.state import RunView, fold
from mira_agent.tui.widgets import Checklist, RunHeader, StatusLine, StepStream

T = TypeVar("T")


def _layout() -> ComposeResult:
    yield RunHeader(id="header")
    with Horizontal(id="body"):
        yield Checklist(id="checklist")
        yield StepStream(id="stream")
    yield StatusLine(id="status")
    yield Footer()


class RunApp(App[None]):
    """A live run: `work()` runs the agent (on a worker thread) and returns the outcome;
    the caller sets it before the app runs, with hooks built from this app's endpoints.
    After the app exits, `outcome` is how the run ended, `error` what `work` raised (the
    caller re-raises it) and `rating` the user's verdict ("succeeded"/"failed", None when
    skipped or not asked). `redactor` is the run's own: the task shown before the agent
    reports its (redacted) one is masked with it."""

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
        *,
        task: str,
        redactor: Redactor,
        on_rate: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__()
        self.work: Callable[[], ev.Outcome] | None = None
        self.on_rate = on_rate
        self.controls = Controls()
        self.view = RunView(task=redactor.redact(task))
        self.outcome: ev.Outcome | None = None
        self.error: BaseException | None = None
        self.rating: str | None = None
        self._worker: Worker[ev.Outcome] | None = None
        self._agent_done = threading.Event()
        self._ui_thread: int | None = None
        self._waits: dict[Reply[Any], Screen[Any]] = {}
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
        if self.work is None:
            raise RuntimeError("RunApp.work was not set: there is no run to show")
        try:
            return self.work()
        finally:
            self._agent_done.set()

    def _tell(self, message: FromAgent) -> bool:
        """Post `message` and, from the agent's thread, wait until the app has handled
        it: the agent takes its next step only once the UI shows this one, so a pause
        pressed on what the user sees holds the run there. False when the UI is gone."""
        if self._gone or not self.post_message(message):
            return False
        if threading.get_ident() == self._ui_thread:
            return True
        while not message.handled.wait(0.2):
            if self._gone:
                return False
        return True

    def sink(self, event: ev.Event) -> None:
        """The run's events, for the hooks' sink."""
        self._tell(EventArrived(event))

    def approve(self, action: str, reason: str) -> bool:
        """The hooks' approver: a modal asks for the user's yes."""
        return self._wait_for_user(lambda: ApprovalScreen(action, reason), False)

    def ask(self, question: str) -> str | None:
        """The hooks' asker: a modal takes the user's answer to the agent's question."""
        return self._wait_for_user(lambda: QuestionScreen(question), None)

    def browser_opened(self, session: BrowserSession) -> None:
        """The hooks' look at the browser: its warnings go into the step stream."""
        warnings = list(session.warnings)
        if warnings:
            self._tell(BrowserNotes([f"browser: {w}" for w in warnings]))

    def _wait_for_user(self, make_screen: Callable[[], Screen[Any]], default: T) -> T:
        """Open a modal on the UI thread and block the agent's thread until it is
        answered. A stop, or the app closing, answers `default` (a refusal)."""
        reply = Reply(default)
        if self.controls.stop_requested or not self._tell(AnswerWanted(make_screen, reply)):
            return default
        return reply.wait(lambda: self._gone)

    # -- the UI's side --------------------------------------------------------------------

    @property
    def _gone(self) -> bool:
        """The app is closing (or never ran): nothing may touch its widgets."""
        return self._closing or not self.is_running

    def on_event_arrived(self, message: EventArrived) -> None:
        try:
            self._on_event(message.event)
        finally:
            message.handled.set()

    def on_browser_notes(self, message: BrowserNotes) -> None:
        try:
            self._add_notes(message.notes)
        finally:
            message.handled.set()

    def on_answer_wanted(self, message: AnswerWanted) -> None:
        try:
            self._open_modal(message.make_screen, message.reply)
        finally:
            message.handled.set()

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

    def _open_modal(self, make_screen: Callable[[], Screen[Any]], reply: Reply[Any]) -> None:
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
