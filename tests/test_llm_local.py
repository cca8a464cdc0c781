"""The local backend with the real embedded Gemma 3 270M through llama.cpp (as the default,
mira-270m, runs it: with mira's LoRA adapter on it)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from mira_agent.agent.actor import actor_schema, read_decision
from mira_agent.browser.actions import ACTIONS_BY_NAME
from mira_agent.llm.base import Message
from mira_agent.llm.chat_format import GEMMA, render_gemma
from mira_agent.llm.llamacpp import LocalBackend
from mira_agent.llm.models import default_local_model, resolve_local_model
from tests.helpers import mira
from tests.test_cli import assert_one_line_error

PAGE = (
    'URL: http://127.0.0.1/\n[4] textbox "From" [5] textbox "To" [6] textbox "Date" type=date\n'
    '[7] combobox "Cabin" value="Economy" options="Economy|Business" [9] button "Search flights"'
)


def test_the_embedded_model_is_assembled_once_and_found() -> None:
    path = default_local_model()
    assert path.is_file() and path.stat().st_size > 200_000_000
    assert resolve_local_model(None) == path == resolve_local_model("gemma3-270m")


def test_a_real_generation(local_model: LocalBackend) -> None:
    completion = local_model.complete([Message("user", "Write one word: hello")], max_tokens=8)
    assert completion.usage.completion_tokens > 0
    assert completion.prompt and completion.prompt.startswith("<bos><start_of_turn>user\n")
    # the default, mira-270m: the embedded base with mira's adapter on it
    assert completion.model == "gemma-3-270m-q4_k_m.gguf + mira-270m.gguf"


def test_the_embedded_model_is_rendered_in_gemma_s_turns(local_model: LocalBackend) -> None:
    messages = [Message("system", "Be brief."), Message("user", "hi")]
    assert local_model.turns is GEMMA  # its manifest says so; its GGUF has no template
    assert local_model.render(messages) == render_gemma(messages)


def test_the_grammar_keeps_every_sampled_action_valid() -> None:
    # The base model: sampled at temperature 1, mira-270m (step 22) can write a `type`
    # text that runs past any token budget (no maxLength on it yet; see the CHANGELOG).
    local_model = LocalBackend("gemma3-270m", context=4096)
    ids = ["4", "5", "6", "7", "9"]
    schema = actor_schema(ids)
    messages = [
        Message("system", "You are a browser agent. Answer with one action as JSON."),
        Message("user", f"Task: search flights from Boston to Denver.\n\n{PAGE}"),
    ]
    seen_actions = set()
    for _ in range(12):
        completion = local_model.complete(messages, schema=schema, max_tokens=120, temperature=1.0)
        data = json.loads(completion.text)
        jsonschema.validate(data, schema)
        _, action, error = read_decision(completion.text)
        assert error is None and action is not None and action.name in ACTIONS_BY_NAME
        if action.element is not None:
            assert action.element in ids
        seen_actions.add(action.name)
    assert list(data) == ["thought", "action"]  # the thought is written first


def test_the_kv_cache_makes_the_next_step_evaluate_only_what_is_new(
    local_model: LocalBackend,
) -> None:
    system = Message("system", "You are a browser agent. " * 20)
    first = [system, Message("user", f"Task: book a flight.\nStep 1.\n{PAGE}")]
    cold = local_model.complete(first, max_tokens=4)
    second = [system, Message("user", f"Task: book a flight.\nStep 1.\n{PAGE}\nStep 2: more.")]
    warm = local_model.complete(second, max_tokens=4)
    assert cold.usage.prompt_evaluated is not None and warm.usage.prompt_evaluated is not None
    new_tokens = warm.usage.prompt_tokens - cold.usage.prompt_tokens
    assert warm.usage.prompt_evaluated < cold.usage.prompt_evaluated
    assert warm.usage.prompt_evaluated <= new_tokens + 8  # what changed at the end, not the prefix


def _adapter_file(path, arch: str, width: int):  # type: ignore[no-untyped-def]
    """An adapter GGUF of one LoRA pair on blk.0.attn_q, `width` inputs wide."""
    import gguf
    import numpy as np

    writer = gguf.GGUFWriter(path, arch)
    writer.add_type("adapter")
    writer.add_string("adapter.type", "lora")
    writer.add_float32("adapter.lora.alpha", 8.0)
    writer.add_tensor("blk.0.attn_q.weight.lora_a", np.zeros((4, width), dtype=np.float32))
    writer.add_tensor("blk.0.attn_q.weight.lora_b", np.zeros((1024, 4), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


@pytest.mark.parametrize(
    ("arch", "width", "needle"),
    [
        ("llama", 640, "an adapter for a llama model, but gemma-3-270m-q4_k_m.gguf is a gemma3"),
        ("gemma3", 512, "was made for another base than gemma-3-270m-q4_k_m.gguf"),
    ],
)
def test_an_adapter_that_does_not_fit_the_base_is_one_line_from_mira_run(
    tmp_path: Path, arch: str, width: int, needle: str
) -> None:
    pytest.importorskip("gguf")
    adapter = _adapter_file(tmp_path / "adapter.gguf", arch, width)
    done = mira(
        "run", "--no-tui", "--model", str(adapter), "--task-id", "flights-cheapest-nonstop-bos-den"
    )
    assert_one_line_error(done, 2, needle)


def test_an_adapter_that_fits_loads_beside_the_embedded_model(tmp_path: Path) -> None:
    pytest.importorskip("gguf")
    adapter = _adapter_file(tmp_path / "zero.gguf", "gemma3", 640)  # B = 0: changes nothing
    backend = LocalBackend(str(adapter), context=256)
    assert backend.adapter == adapter and backend.path == default_local_model()
    reply = backend.complete([Message("user", "Write one word: hello")], max_tokens=4)
    assert reply.usage.completion_tokens > 0
