"""A private asyncio loop on its own thread, so synchronous callers can drive async Playwright.

mira uses Playwright's async API because an action can open a JavaScript dialog that
blocks the page until someone answers it: only with async code can an action be raced
against the dialog and the dialog handed to the agent. The rest of mira (the agent loop,
the CLI, the TUI's worker) stays synchronous and calls through `LoopThread.run`.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class LoopThread:
    """Runs coroutines on a dedicated daemon thread's event loop."""

    def __init__(self, name: str = "mira-browser") -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name=name, daemon=True)
        self._thread.start()

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run `coro` on the loop and wait for its result (exceptions propagate)."""
        if not self._thread.is_alive():
            coro.close()
            raise RuntimeError("the browser loop has stopped")
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result(timeout)
        except BaseException:
            future.cancel()
            raise

    def stop(self) -> None:
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)
        if not self._loop.is_running():
            self._loop.close()
