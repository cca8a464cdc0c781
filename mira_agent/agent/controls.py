"""How a person steers a running agent from another thread: pause, single-step, resume,
hint, stop. The loop only asks `wait_turn()` before each step and `take_hints()`."""

from __future__ import annotations

import threading


class Controls:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._paused = False
        self._single_steps = 0
        self._stop = False
        self._hints: list[str] = []

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def stop_requested(self) -> bool:
        return self._stop

    def pause(self) -> None:
        """Hold the loop before its next step (the user can use the browser meanwhile)."""
        with self._cond:
            self._paused = True

    def resume(self) -> None:
        with self._cond:
            self._paused = False
            self._cond.notify_all()

    def step(self) -> None:
        """While paused, let exactly one more step run."""
        with self._cond:
            self._single_steps += 1
            self._cond.notify_all()

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()

    def hint(self, text: str) -> None:
        """A note for the actor's next prompt."""
        if text.strip():
            with self._cond:
                self._hints.append(text.strip())

    def take_hints(self) -> list[str]:
        with self._cond:
            hints, self._hints = self._hints, []
            return hints

    def wait_turn(self, timeout: float | None = None) -> bool:
        """Block while paused; False when the run should stop (or `timeout` ran out)."""
        with self._cond:
            while self._paused and not self._stop and self._single_steps == 0:
                if not self._cond.wait(timeout):
                    return False
            if self._paused and self._single_steps:
                self._single_steps -= 1
            return not self._stop
