"""The gemini backend against a small HTTP server on 127.0.0.1 that speaks the shape of
Gemini's REST API. This machine has no network, so Google's service cannot be reached:
the server below stands in for it, and is the only stub in these tests."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from mira_agent.llm.base import EndpointError, Message, MissingKeyError, ModelNotFoundError
from mira_agent.llm.gemini import GeminiBackend


class FakeGemini:
    def __init__(self) -> None:
        self.requests: list[tuple[str, dict, dict]] = []
        self.replies: list[tuple[int, dict]] = []


def answer(text: str) -> tuple[int, dict]:
    return 200, {
        "candidates": [
            {"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP"}
        ],
        "usageMetadata": {"promptTokenCount": 42, "candidatesTokenCount": 7, "totalTokenCount": 49},
        "modelVersion": "gemini-2.5-flash-test",
    }


def error(code: int, status: str) -> tuple[int, dict]:
    return code, {"error": {"code": code, "message": f"{status} from the fake", "status": status}}


@pytest.fixture
def gemini() -> Iterator[tuple[FakeGemini, str]]:
    fake = FakeGemini()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            fake.requests.append((self.path, dict(self.headers), body))
            status, payload = fake.replies.pop(0) if fake.replies else answer("{}")
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield fake, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


MESSAGES = [
    Message("system", "You plan tasks."),
    Message("user", "Plan: book a flight.", (b"\x89PNG...",)),
]
SCHEMA = {
    "type": "object",
    "properties": {"milestones": {"type": "array", "items": {"type": "string"}}},
}


def test_structured_output_and_images_go_in_geminis_request_shape(gemini) -> None:  # type: ignore[no-untyped-def]
    fake, url = gemini
    fake.replies.append(answer('{"milestones": ["a", "b"]}'))
    backend = GeminiBackend("gemini-2.5-flash", api_key="test-key", base_url=url)
    completion = backend.complete(MESSAGES, schema=SCHEMA, max_tokens=100)
    assert completion.json() == {"milestones": ["a", "b"]}
    assert completion.usage.prompt_tokens == 42 and completion.usage.completion_tokens == 7
    path, headers, body = fake.requests[0]
    assert path.endswith("/models/gemini-2.5-flash:generateContent")
    assert headers.get("x-goog-api-key") == "test-key"
    assert body["systemInstruction"]["parts"][0]["text"] == "You plan tasks."
    config = body["generationConfig"]
    assert config["responseMimeType"] == "application/json"
    assert config["responseJsonSchema"] == SCHEMA and config["maxOutputTokens"] == 100
    parts = body["contents"][0]["parts"]
    assert (
        parts[0]["text"] == "Plan: book a flight."
        and parts[1]["inlineData"].get("mimeType", parts[1]["inlineData"].get("mime_type"))
        == "image/png"
    )


def test_rate_limits_and_server_errors_are_retried(gemini) -> None:  # type: ignore[no-untyped-def]
    fake, url = gemini
    fake.replies += [
        error(429, "RESOURCE_EXHAUSTED"),
        error(503, "UNAVAILABLE"),
        answer('{"ok": true}'),
    ]
    backend = GeminiBackend("gemini-2.5-flash", api_key="k", base_url=url, attempts=3)
    import mira_agent.llm.retry as retry

    original = retry.time.sleep
    retry.time.sleep = lambda s: None  # no real waiting in the test
    try:
        assert backend.complete(MESSAGES).json() == {"ok": True}
    finally:
        retry.time.sleep = original
    assert len(fake.requests) == 3


def test_persistent_failures_give_a_clear_error(gemini, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    fake, url = gemini
    import mira_agent.llm.retry as retry

    monkeypatch.setattr(retry.time, "sleep", lambda s: None)
    fake.replies += [error(503, "UNAVAILABLE")] * 2
    backend = GeminiBackend("gemini-2.5-flash", api_key="k", base_url=url, attempts=2)
    with pytest.raises(EndpointError, match=r"Gemini answered 503.*gave up after 2 tries"):
        backend.complete(MESSAGES)
    fake.replies.append(error(404, "NOT_FOUND"))
    with pytest.raises(ModelNotFoundError, match=r"no model 'gemini-2\.5-flash'"):
        backend.complete(MESSAGES)
    fake.replies.append(error(403, "PERMISSION_DENIED"))
    with pytest.raises(MissingKeyError, match="rejected the API key"):
        backend.complete(MESSAGES)


def test_a_missing_key_is_a_clear_error(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    with pytest.raises(MissingKeyError, match="GEMINI_API_KEY"):
        GeminiBackend("gemini-2.5-flash")
