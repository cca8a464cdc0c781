"""The openai backend against llama-cpp-python's own OpenAI-compatible server, started
on 127.0.0.1 with the embedded Gemma 3 270M."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import jsonschema
import pytest

from mira_agent.llm.base import (
    EndpointError,
    LLMError,
    Message,
    MissingKeyError,
    ModelNotFoundError,
)
from mira_agent.llm.models import default_local_model
from mira_agent.llm.openai_compat import OpenAIBackend
from mira_agent.llm.retry import refusal


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(default_local_model()),
            "--chat_format",
            "gemma",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "2048",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/v1"
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"{base}/models", timeout=1):
                    break
            except OSError:
                if process.poll() is not None:
                    pytest.fail("llama_cpp.server exited")
                time.sleep(0.2)
        else:
            pytest.fail("llama_cpp.server did not start")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_a_schema_constrained_answer_through_the_server(server: str) -> None:
    backend = OpenAIBackend("gemma3-270m", base_url=server)
    schema = {
        "type": "object",
        "properties": {
            "milestones": {
                "type": "array",
                "items": {"type": "string", "maxLength": 40},
                "minItems": 2,
                "maxItems": 3,
            }
        },
        "required": ["milestones"],
    }
    completion = backend.complete(
        [Message("system", "You plan tasks."), Message("user", "Plan: book a flight.")],
        schema=schema,
        max_tokens=120,
    )
    jsonschema.validate(json.loads(completion.text), schema)
    assert completion.usage.prompt_tokens > 0 and completion.usage.completion_tokens > 0
    # llama.cpp's server refuses OpenAI's json_schema dialect; the backend switched once.
    assert backend._dialect == "json_object"


def test_plain_text_through_the_server(server: str) -> None:
    completion = OpenAIBackend("gemma3-270m", base_url=server).complete(
        [Message("user", "Say hi")], max_tokens=5
    )
    assert completion.usage.completion_tokens > 0


def test_an_unreachable_endpoint_is_a_clear_error_after_retries() -> None:
    backend = OpenAIBackend("m", base_url=f"http://127.0.0.1:{free_port()}/v1", attempts=2)
    with pytest.raises(
        EndpointError, match=r"cannot reach http://127\.0\.0\.1:\d+/v1.*gave up after 2 tries"
    ):
        backend.complete([Message("user", "hi")])


def test_an_endpoint_s_refusal_says_what_the_user_must_fix() -> None:
    url = "http://127.0.0.1:1/v1"
    for status in (401, 403):
        assert isinstance(refusal(status, url, "m", "no such key"), MissingKeyError)
    missing = refusal(404, url, "m", "")
    assert isinstance(missing, ModelNotFoundError)
    assert str(missing) == f"{url} has no model 'm'"
    other = refusal(400, url, "m", "prompt too long")
    assert type(other) is LLMError and str(other) == f"{url} answered 400: prompt too long"
