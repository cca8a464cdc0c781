"""The modal screens a run asks the user through: allow or refuse an action, a hint for
the agent, an answer to the agent's question, and the end-of-run rating. Each dismisses
with its answer; the app decides what the answer does."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label, Static

from mira_agent.agent import events as ev
from mira_agent.tui.render import outcome_text


class ApprovalScreen(ModalScreen[bool]):
    """The agent wants to do something that needs a yes (a payment, a deletion…).
    Nothing is focused, so a stray Enter cannot approve it: `y` or the button does."""

    AUTO_FOCUS = ""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Allow"),
        Binding("n", "answer(False)", "Refuse"),
        Binding("escape", "answer(False)", "Refuse", show=False),
    ]

    def __init__(self, action: str, reason: str) -> None:
        super().__init__()
        self.shown_action = action
        self.reason = reason

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog approval"):
            yield Label("The agent needs your yes", classes="dialog-title")
            yield Static(Text(self.shown_action, style="bold"), id="approval-action")
            yield Static(Text(f"why it asks: {self.reason}", style="italic"), id="approval-reason")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Allow (y)", variant="success", id="allow")
                yield Button("Refuse (n)", variant="error", id="refuse")
        yield Footer()

    def action_answer(self, approved: bool) -> None:
        self.dismiss(approved)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "allow")


class TextPromptScreen(ModalScreen[str | None]):
    """One line of text from the user; Enter gives it, escape gives nothing (None)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, prompt: str, placeholder: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.prompt = prompt
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog prompt"):
            yield Label(self.title_text, classes="dialog-title")
            yield Static(Text(self.prompt), classes="dialog-text")
            yield Input(placeholder=self.placeholder)
        yield Footer()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class HintScreen(TextPromptScreen):
    """A note for the agent's next step."""

    def __init__(self) -> None:
        super().__init__(
            "A hint for the agent",
            "The agent reads it at its next step.",
            "e.g. use the Sort by box",
        )


class QuestionScreen(TextPromptScreen):
    """The agent asked the user something (ask_user)."""

    def __init__(self, question: str) -> None:
        super().__init__("The agent asks you", question, "your answer (escape: no answer)")


class RatingScreen(ModalScreen[str | None]):
    """How the run really went, in the user's judgement: succeeded, failed, or skip (None).
    Ratings label the episode for training, so skipping is always offered."""

    AUTO_FOCUS = ""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "rate('succeeded')", "Succeeded"),
        Binding("f", "rate('failed')", "Failed"),
        Binding("escape,k", "skip", "Skip"),
    ]

    def __init__(self, outcome: ev.Outcome) -> None:
        super().__init__()
        self.outcome = outcome

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog rating"):
            yield Label("How did the run go?", classes="dialog-title")
            yield Static(outcome_text(self.outcome), id="rating-outcome")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Succeeded (s)", variant="success", id="succeeded")
                yield Button("Failed (f)", variant="error", id="failed")
                yield Button("Skip (k)", id="skip")
        yield Footer()

    def action_rate(self, label: str) -> None:
        self.dismiss(label)

    def action_skip(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None if event.button.id == "skip" else event.button.id)
