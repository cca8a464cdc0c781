"""The protocol every backend speaks, and the data that crosses it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from mira_agent.errors import MiraError

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class Message:
    """One chat turn. `images` are PNG bytes, sent only to models that take images."""

    role: Role
    content: str
    images: tuple[bytes, ...] = field(default=(), repr=False)

    def to_json(self) -> dict[str, Any]:
        return {"role": self.role, "content": self.content}


@dataclass(frozen=True)
class Usage:
    """Tokens and time of one call. `prompt_evaluated` counts the prompt tokens the model
    actually computed: fewer than `prompt_tokens` when a cached prefix was reused."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    prompt_evaluated: int | None = None
    latency_s: float = 0.0


@dataclass(frozen=True)
class Completion:
    """What a model answered: the raw text, exactly as generated, and its usage."""

    text: str
    usage: Usage = Usage()
    model: str = ""
    prompt: str | None = None  # the exact rendered prompt, for backends that render one

    def json(self) -> Any:
        """The text parsed as JSON (raises `ModelOutputError` when it is not)."""
        try:
            return json.loads(self.text)
        except json.JSONDecodeError as exc:
            raise ModelOutputError(f"the model's answer is not JSON: {exc.msg}") from None


@runtime_checkable
class Backend(Protocol):
    """A model that answers chat messages, optionally constrained to a JSON schema."""

    name: str
    model: str
    takes_images: bool

    def complete(
        self,
        messages: Sequence[Message],
        *,
        schema: dict[str, Any] | None = None,
        max_tokens: int = 512,
        temperature: float = 0.0,
    ) -> Completion: ...


class LLMError(MiraError):
    """A model call failed in a way the user must fix or wait out."""

    exit_code = 4


class MissingKeyError(LLMError):
    exit_code = 2


class EndpointError(LLMError):
    """The endpoint cannot be reached, or kept failing after retries."""


class ModelNotFoundError(LLMError):
    exit_code = 2


class ModelOutputError(LLMError):
    """The model answered something that cannot be used (not JSON, wrong shape)."""
