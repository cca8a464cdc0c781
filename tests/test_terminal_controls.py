"""Steering a run from a plain terminal: commands and answers read from real pipes."""

from __future__ import annotations

import os
import time

from mira_agent.agent.controls import Controls
from mira_agent.cli.terminal_controls import TerminalControls


def pipe_controls() -> tuple[Controls, TerminalControls, int, list[str]]:
    read_fd, write_fd = os.pipe()
    said: list[str] = []
    controls = Controls()
    terminal = TerminalControls(controls, os.fdopen(read_fd), said.append).start()
    return controls, terminal, write_fd, said


def until(predicate, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.time() + timeout
    while not predicate():
        assert time.time() < deadline, "condition not met"
        time.sleep(0.01)


def test_typed_commands_pause_hint_step_resume_and_stop() -> None:
    controls, _, fd, said = pipe_controls()
    os.write(fd, b"p\n")
    until(lambda: controls.paused)
    assert not controls.wait_turn(timeout=0.1)  # held while paused
    os.write(fd, b"h try the Sort by box\n")
    until(lambda: any("hint" in s for s in said))
    assert controls.take_hints() == ["try the Sort by box"]
    os.write(fd, b"s\n")
    until(lambda: controls.wait_turn(timeout=0.05))
    os.write(fd, b"r\n")
    until(lambda: not controls.paused)
    os.write(fd, b"q\n")
    until(lambda: controls.stop_requested)
    assert not controls.wait_turn()
    os.write(fd, b"nonsense\n")
    until(lambda: any(s.startswith("keys:") for s in said))
    os.close(fd)


def answered(terminal: TerminalControls, fd: int, said: list[str], ask, line: bytes):  # type: ignore[no-untyped-def]
    """Ask in a thread, type `line` once the question is shown, return the result."""
    import threading

    result: dict = {}
    shown = len(said)
    thread = threading.Thread(target=lambda: result.setdefault("value", ask()))
    thread.start()
    until(lambda: len(said) > shown)
    os.write(fd, line)
    thread.join(timeout=5)
    return result["value"]


def test_a_question_takes_the_next_line_as_its_answer() -> None:
    controls, terminal, fd, said = pipe_controls()
    pay = ("click(element='89')", 'it clicks "Pay $642"')
    assert answered(terminal, fd, said, lambda: terminal.approve(*pay), b"y\n") is True
    assert said[-1].startswith("Allow click(element='89')?")
    assert answered(terminal, fd, said, lambda: terminal.approve(*pay), b"no\n") is False
    code = answered(terminal, fd, said, lambda: terminal.answer("2FA code?"), b"123456\n")
    assert code == "123456"
    assert not controls.paused and not controls.take_hints()  # answers are not commands
    os.close(fd)
    assert terminal.answer("Anyone there?") is None  # input ended
