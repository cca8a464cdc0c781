"""Backends by name: the one table the CLI chooses from."""

from __future__ import annotations

from collections.abc import Callable

from mira_agent.errors import UsageError
from mira_agent.llm.base import Backend


def _local(model: str | None, base_url: str | None) -> Backend:
    from mira_agent.llm.llamacpp import LocalBackend

    if base_url:
        raise UsageError("--base-url is for the openai and gemini backends, not local")
    return LocalBackend(model)


def _openai(model: str | None, base_url: str | None) -> Backend:
    from mira_agent.llm.openai_compat import OpenAIBackend

    return OpenAIBackend(model, base_url=base_url)


def _gemini(model: str | None, base_url: str | None) -> Backend:
    from mira_agent.llm.gemini import GeminiBackend

    return GeminiBackend(model, base_url=base_url)


BACKENDS: dict[str, Callable[[str | None, str | None], Backend]] = {
    "local": _local,
    "openai": _openai,
    "gemini": _gemini,
}


def make_backend(kind: str, model: str | None = None, base_url: str | None = None) -> Backend:
    """Build the backend called `kind` (local, openai, gemini) for `model`."""
    factory = BACKENDS.get(kind)
    if factory is None:
        raise UsageError(f"unknown backend {kind!r}; choose one of: {', '.join(BACKENDS)}")
    return factory(model, base_url)
