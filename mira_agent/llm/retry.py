"""How a call to a remote model fails: retried with exponential backoff on rate limits
and server errors, and turned into the error the user can act on when it does not recover."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from mira_agent.llm.base import EndpointError, LLMError, MissingKeyError, ModelNotFoundError

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


def retried(call: Callable[[], T], *, attempts: int) -> T:
    """`with_retries` as a backend uses it: a call that kept failing ends as the
    `EndpointError` the user sees, which says how often it was tried."""
    try:
        return with_retries(call, attempts=attempts)
    except Retryable as exc:
        raise EndpointError(f"{exc} (gave up after {attempts} tries)") from None


def refusal(status: int | None, where: str, model: str, detail: str) -> LLMError:
    """The error for an endpoint's HTTP refusal, by what the user must fix: the key
    (401, 403), the model's name (404), or what the endpoint itself says (any other)."""
    said = f": {detail}" if detail else ""
    if status in (401, 403):
        return MissingKeyError(f"{where} rejected the API key ({status}){said}")
    if status == 404:
        return ModelNotFoundError(f"{where} has no model {model!r}{said}")
    return LLMError(f"{where} answered {status}{said}")
