"""A backend that answers from a script: the test double for planner, loop and UI tests.

It records every call, so a test can assert on what a model would have been shown.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from mira_agent.llm.base import Backend, Completion, LLMError, Message, Request, Usage

Answer = str | dict[str, Any] | Callable[[Sequence[Message], dict[str, Any] | None], Any]


class ScriptedBackend(Backend):
    """Answers each call with the next scripted answer (text, a JSON-able value, or a
    function of the messages and schema)."""

    name = "scripted"
    takes_images = False

    def __init__(self, answers: Sequence[Answer] = (), *, model: str = "script") -> None:
        self.model = model
        self.answers: list[Answer] = list(answers)
        self.calls: list[tuple[list[Message], dict[str, Any] | None]] = []

    def enqueue(self, *answers: Answer) -> None:
        self.answers.extend(answers)

    def answer(self, request: Request) -> Completion:
        messages, schema = request.messages, request.schema
        self.calls.append((list(messages), schema))
        if not self.answers:
            raise LLMError("the script ran out of answers")
        answer = self.answers.pop(0)
        if callable(answer):
            answer = answer(messages, schema)
        text = answer if isinstance(answer, str) else json.dumps(answer)
        prompt_tokens = sum(len(m.content) for m in messages) // 4
        return Completion(
            text, Usage(prompt_tokens, len(text) // 4, prompt_tokens, 0.0), self.model
        )
