"""Steer a run from a plain terminal: type a command and Enter while the agent works.

    p  pause (then use the browser yourself: log in, solve a CAPTCHA…)
    r  resume        s  one step while paused        q  stop the run
    h TEXT           a hint for the agent's next step

When the agent needs a yes or asks a question, the next line answers it. One reader
thread owns the terminal's input, so commands and answers never race for it.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import TextIO

from mira_agent.agent.controls import Controls

HELP = "keys: p pause · r resume · s step · h TEXT hint · q stop (then Enter)"


class TerminalControls:
    def __init__(self, controls: Controls, stream: TextIO, say: Callable[[str], None]) -> None:
        self.controls = controls
        self.stream = stream
        self.say = say
        self._answers: queue.Queue[str | None] = queue.Queue()
        self._asking = threading.Event()
        self._thread = threading.Thread(target=self._read, name="mira-terminal", daemon=True)

    def start(self) -> TerminalControls:
        self._thread.start()
        return self

    def _read(self) -> None:
        for raw in iter(self.stream.readline, ""):
            line = raw.strip()
            if self._asking.is_set():
                self._answers.put(line)
                continue
            self.command(line)
        self._answers.put(None)  # end of input: nobody can answer any more

    def command(self, line: str) -> None:
        """Apply one typed command (unknown input shows the help)."""
        word, _, rest = line.partition(" ")
        if word == "p":
            self.controls.pause()
            self.say("paused: the browser is yours; r to resume, s for one step")
        elif word == "r":
            self.controls.resume()
            self.say("resumed")
        elif word == "s":
            self.controls.step()
        elif word == "q":
            self.controls.stop()
            self.controls.resume()
            self.say("stopping after this step")
        elif word == "h" and rest.strip():
            self.controls.hint(rest)
            self.say("hint noted for the next step")
        elif line:
            self.say(HELP)

    def ask(self, question: str) -> str | None:
        """Ask and wait for the next line (None when input has ended)."""
        self._asking.set()
        try:
            self.say(question)
            return self._answers.get()
        finally:
            self._asking.clear()

    def approve(self, action: str, reason: str) -> bool:
        answer = self.ask(f"Allow {action}? ({reason}) [y/N]")
        return (answer or "").strip().lower() in ("y", "yes")

    def answer(self, question: str) -> str | None:
        return self.ask(f"The agent asks: {question}") or None
