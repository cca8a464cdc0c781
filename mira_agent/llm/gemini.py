"""The `gemini` backend, through google-genai: structured output by response schema,
screenshots passed as images."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import Any

from mira_agent.llm.base import Backend, Completion, Message, MissingKeyError, Request, Usage
from mira_agent.llm.retry import Retryable, refusal, retried


class GeminiBackend(Backend):
    name = "gemini"
    takes_images = True

    def __init__(
        self,
        model: str | None = None,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        attempts: int = 4,
    ) -> None:
        from google import genai
        from google.genai import types

        key = api_key or os.environ.get("GEMINI_API_KEY") or os.environ.get("GOOGLE_API_KEY")
        if not key:
            raise MissingKeyError("the gemini backend needs GEMINI_API_KEY (or GOOGLE_API_KEY)")
        self.model = model or "gemini-2.5-flash"
        self.attempts = attempts
        self.base_url = base_url
        self._types = types
        options = types.HttpOptions(base_url=base_url) if base_url else None
        self._client = genai.Client(api_key=key, http_options=options)

    def _contents(self, messages: Sequence[Message]) -> tuple[str | None, list[Any]]:
        types = self._types
        system = "\n\n".join(m.content for m in messages if m.role == "system") or None
        contents = []
        for m in messages:
            if m.role == "system":
                continue
            parts = [types.Part.from_text(text=m.content)]
            parts += [types.Part.from_bytes(data=img, mime_type="image/png") for img in m.images]
            contents.append(
                types.Content(role="model" if m.role == "assistant" else "user", parts=parts)
            )
        return system, contents

    def _call(self, contents: list[Any], config: Any) -> Any:
        from google.genai import errors

        try:
            return self._client.models.generate_content(
                model=self.model, contents=contents, config=config
            )
        except errors.APIError as exc:
            if exc.code == 429 or (exc.code or 0) >= 500:
                raise Retryable(
                    f"Gemini answered {exc.code}: {exc.message or exc.status}"
                ) from None
            raise
        except OSError as exc:  # httpx's connection errors are OSErrors underneath
            raise Retryable(f"cannot reach Gemini: {exc}") from None
        except Exception as exc:
            if type(exc).__module__.startswith("httpx"):
                raise Retryable(f"cannot reach Gemini: {exc}") from None
            raise

    def answer(self, request: Request) -> Completion:
        from google.genai import errors

        types = self._types
        system, contents = self._contents(request.messages)
        config = types.GenerateContentConfig(
            system_instruction=system,
            temperature=request.temperature,
            max_output_tokens=request.max_tokens,
            response_mime_type="application/json" if request.schema is not None else None,
            response_json_schema=request.schema,
        )
        started = time.perf_counter()
        try:
            response = retried(lambda: self._call(contents, config), attempts=self.attempts)
        except errors.APIError as exc:
            detail = exc.message or exc.status or ""
            raise refusal(exc.code, "Gemini", self.model, detail) from None
        latency = time.perf_counter() - started
        meta = response.usage_metadata
        return Completion(
            text=response.text or "",
            usage=Usage(
                prompt_tokens=(meta.prompt_token_count or 0) if meta else 0,
                completion_tokens=(meta.candidates_token_count or 0) if meta else 0,
                latency_s=latency,
            ),
            model=response.model_version or self.model,
        )
