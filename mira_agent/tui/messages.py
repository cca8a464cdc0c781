"""What the agent's thread tells the live app, as Textual messages: an event, the
browser's warnings, a question for the user. The app reacts to each on its own thread;
the agent's thread only posts them (and waits, where it needs to, for `handled`).

`Reply` is the slot a question carries: the UI gives the answer, the agent's thread
waits for it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from textual.message import Message
from textual.screen import Screen

from mira_agent.agent import events as ev

T = TypeVar("T")


class Reply(Generic[T]):
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
        """The answer, once given; the default as soon as `closing()` says the UI is gone."""
        while not self._given.wait(0.2):
            if closing():
                return self.default
        return self.value


class FromAgent(Message):
    """A message from the agent's thread; the app sets `handled` once it has taken it,
    so the agent can wait until the UI shows what it did."""

    def __init__(self) -> None:
        super().__init__()
        self.handled = threading.Event()


class EventArrived(FromAgent):
    """The agent reported `event`."""

    def __init__(self, event: ev.Event) -> None:
        super().__init__()
        self.event = event


class BrowserNotes(FromAgent):
    """The browser opened with warnings worth showing (no display, a fallback…)."""

    def __init__(self, notes: list[str]) -> None:
        super().__init__()
        self.notes = notes


class AnswerWanted(FromAgent):
    """The agent waits for the user: open the screen `make_screen` builds and put the
    user's answer in `reply`."""

    def __init__(self, make_screen: Callable[[], Screen[Any]], reply: Reply[Any]) -> None:
        super().__init__()
        self.make_screen = make_screen
        self.reply = reply
