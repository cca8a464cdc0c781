"""Retry a model call on rate limits and server errors, with exponential backoff."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class Retryable(Exception):
    """Raised by a call that may succeed if tried again (429, 5xx, a dropped connection)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def with_retries(
    call: Callable[[], T],
    *,
    attempts: int = 4,
    base_delay: float = 1.0,
    max_delay: float = 20.0,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run `call`; on `Retryable`, wait (1, 2, 4 … s, with jitter, or the server's
    Retry-After) and try again, at most `attempts` times in all. The last failure is
    raised as it came."""
    for attempt in range(1, attempts + 1):
        try:
            return call()
        except Retryable as exc:
            if attempt == attempts:
                raise
            delay = exc.retry_after or min(max_delay, base_delay * 2 ** (attempt - 1))
            sleep(delay * (0.8 + 0.4 * random.random()))
    raise AssertionError("unreachable")
