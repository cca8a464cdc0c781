"""The protocol every backend speaks, and the data that crosses it."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

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


@dataclass(frozen=True)
class Request:
    """One call's parameters as a single value: a backend implements `answer(request)`,
    so the call's signature is written once, in `Backend.complete`."""

    messages: tuple[Message, ...]
    schema: dict[str, Any] | None = None  # constrain the answer to this JSON schema
    max_tokens: int = 512
    temperature: float = 0.0


class Backend(ABC):
    """A model that answers chat messages, optionally constrained to a JSON schema.

    Callers use `complete`; each backend implements `answer`."""

    name: str
    model: str
    takes_images: bool = False

    def complete(
        self,
        messages: Sequence[Message],
        *,
        schema: dict[str, Any] | None = None,
        max_tokens: int = 512,
        temperature: float = 0.0,
    ) -> Completion:
        return self.answer(Request(tuple(messages), schema, max_tokens, temperature))

    @abstractmethod
    def answer(self, request: Request) -> Completion:
        """The model's answer to `request`; raises an `LLMError` the user can act on."""


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
