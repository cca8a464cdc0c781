"""The local backend with the real embedded Gemma 3 270M through llama.cpp."""

from __future__ import annotations

import json

import jsonschema

from mira_agent.agent.actor import actor_schema, read_decision
from mira_agent.browser.actions import ACTIONS_BY_NAME
from mira_agent.llm.base import Message
from mira_agent.llm.chat_format import GEMMA, render_gemma
from mira_agent.llm.llamacpp import LocalBackend
from mira_agent.llm.models import default_local_model, resolve_local_model

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
    assert completion.model == "gemma-3-270m-q4_k_m.gguf"


def test_the_embedded_model_is_rendered_in_gemma_s_turns(local_model: LocalBackend) -> None:
    messages = [Message("system", "Be brief."), Message("user", "hi")]
    assert local_model.turns is GEMMA  # its manifest says so; its GGUF has no template
    assert local_model.render(messages) == render_gemma(messages)


def test_the_grammar_keeps_every_sampled_action_valid(local_model: LocalBackend) -> None:
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
