"""The `openai` backend: any OpenAI-compatible chat endpoint (OpenAI, vLLM, Ollama,
llama.cpp's own server), through the openai package."""

from __future__ import annotations

import base64
import os
import time
from collections.abc import Sequence
from typing import Any

from mira_agent.llm.base import Backend, Completion, Message, MissingKeyError, Request, Usage
from mira_agent.llm.retry import Retryable, refusal, retried

DEFAULT_BASE_URL = "https://api.openai.com/v1"


class OpenAIBackend(Backend):
    """Chat completions; JSON constrained by the endpoint's structured-output support.

    Structured output comes in two dialects: OpenAI's ``json_schema`` and the
    ``json_object`` + ``schema`` that llama.cpp's server accepts (it answers HTTP 500 to
    the former). mira asks in OpenAI's dialect first and falls back once, for good.
    """

    name = "openai"

    def __init__(
        self,
        model: str | None = None,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        takes_images: bool = False,
        attempts: int = 4,
        timeout: float = 120.0,
    ) -> None:
        import openai

        self._openai = openai
        self.base_url = base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL
        key = api_key or os.environ.get("OPENAI_API_KEY")
        if not key:
            if self.base_url == DEFAULT_BASE_URL:
                raise MissingKeyError("the openai backend needs OPENAI_API_KEY (or --base-url)")
            key = "not-needed"  # local servers take any key
        self.model = model or "gpt-4o"
        self.takes_images = takes_images
        self.attempts = attempts
        self._client = openai.OpenAI(
            base_url=self.base_url, api_key=key, max_retries=0, timeout=timeout
        )
        self._dialect = "json_schema"

    def _messages(self, messages: Sequence[Message]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for m in messages:
            if m.images and self.takes_images:
                parts: list[dict[str, Any]] = [{"type": "text", "text": m.content}]
                for image in m.images:
                    url = "data:image/png;base64," + base64.b64encode(image).decode()
                    parts.append({"type": "image_url", "image_url": {"url": url}})
                out.append({"role": m.role, "content": parts})
            else:
                out.append({"role": m.role, "content": m.content})
        return out

    def _response_format(self, schema: dict[str, Any]) -> dict[str, Any]:
        if self._dialect == "json_schema":
            return {
                "type": "json_schema",
                "json_schema": {"name": "answer", "schema": schema, "strict": False},
            }
        return {"type": "json_object", "schema": schema}

    def _call(self, kwargs: dict[str, Any]) -> Any:
        openai = self._openai
        try:
            return self._client.chat.completions.create(**kwargs)
        except openai.RateLimitError as exc:
            raise Retryable(f"rate limited by {self.base_url}: {_detail(exc)}") from None
        except openai.APIConnectionError as exc:
            raise Retryable(f"cannot reach {self.base_url}: {_detail(exc)}") from None
        except openai.InternalServerError as exc:
            if "response_format" in kwargs and self._dialect == "json_schema":
                raise _DialectRefused() from None
            raise Retryable(f"{self.base_url} failed: {_detail(exc)}") from None

    def answer(self, request: Request) -> Completion:
        openai = self._openai
        schema = request.schema
        kwargs: dict[str, Any] = {
            "model": self.model,
            "messages": self._messages(request.messages),
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
        }
        started = time.perf_counter()
        try:
            try:
                if schema is not None:
                    kwargs["response_format"] = self._response_format(schema)
                response = retried(lambda: self._call(kwargs), attempts=self.attempts)
            except (_DialectRefused, openai.BadRequestError) as exc:
                if schema is None or self._dialect != "json_schema":
                    raise
                if isinstance(exc, openai.BadRequestError) and "response_format" not in str(exc):
                    raise
                self._dialect = "json_object"
                kwargs["response_format"] = self._response_format(schema)
                response = retried(lambda: self._call(kwargs), attempts=self.attempts)
        except openai.APIStatusError as exc:
            raise refusal(exc.status_code, self.base_url, self.model, _detail(exc)) from None
        latency = time.perf_counter() - started
        choice = response.choices[0]
        usage = response.usage
        return Completion(
            text=choice.message.content or "",
            usage=Usage(
                prompt_tokens=getattr(usage, "prompt_tokens", 0) or 0,
                completion_tokens=getattr(usage, "completion_tokens", 0) or 0,
                latency_s=latency,
            ),
            model=response.model or self.model,
        )


class _DialectRefused(Exception):
    pass


def _detail(exc: Exception) -> str:
    text = getattr(exc, "message", None) or str(exc)
    return " ".join(str(text).split())[:200]
