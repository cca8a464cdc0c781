"""The actor's two prompt styles, the manifests that choose between them, and the
grounded thoughts the oracle's demonstrations carry."""

from __future__ import annotations

import pytest

from mira_agent.agent.actor import Actor
from mira_agent.bench.policies import grounded_thought
from mira_agent.browser.actions import ACTIONS, Action, name_actions
from mira_agent.browser.observation import Observation
from mira_agent.llm.models import EMBEDDED, prompt_style
from mira_agent.llm.scripted import ScriptedBackend

PAGE = Observation(
    url="http://127.0.0.1/",
    title="Search flights",
    tabs=(),
    text='[4] textbox "From"\n[5] combobox "Cabin" options="Economy|First"\n[6] button "Search"',
    element_ids=("4", "5", "6"),
)
ANSWER = {"thought": "search", "action": {"action": "click", "element": "6"}}


def prompt_in(style: str) -> list:
    backend = ScriptedBackend([ANSWER])
    decision = Actor(backend, prompts=style).decide(
        "Fly from Boston", ["1. click(element='3') -> ok"], "[>] 1. Results shown", [], PAGE
    )
    assert decision.action == Action("click", {"element": "6"})
    return decision.messages


def test_the_compact_prompt_keeps_the_state_and_drops_the_manual() -> None:
    full, compact = prompt_in("full"), prompt_in("compact")
    # The state the model decides from is the same, word for word ...
    assert compact[-1].content == full[-1].content
    assert "Fly from Boston" in compact[-1].content and '[6] button "Search"' in compact[-1].content
    # ... and the instructions name every action in a fraction of the length.
    assert len(compact[0].content) * 4 < len(full[0].content)
    for spec in ACTIONS:
        assert f"{spec.name}(" in compact[0].content


def test_name_actions_marks_the_optional_parameters() -> None:
    line = name_actions()
    assert "type(element, text, enter?)" in line and "stop(answer?)" in line
    assert line.count("(") == len(ACTIONS)


def test_an_unknown_prompt_style_is_refused() -> None:
    with pytest.raises(ValueError, match="full or compact"):
        Actor(ScriptedBackend(), prompts="tiny")


def test_a_model_reads_the_style_its_manifest_names() -> None:
    assert prompt_style("local", EMBEDDED) == "full"  # the base model was trained on neither
    assert prompt_style("openai", "gpt-4o") == "full"
    assert prompt_style("local", "/nowhere/own-model.gguf") == "full"


def test_a_grounded_thought_names_the_element_by_the_pages_words() -> None:
    click = grounded_thought(Action("click", {"element": "6"}), PAGE, "Results are shown")
    assert click == 'click button "Search", for: Results are shown'
    typed = grounded_thought(Action("type", {"element": "4", "text": "BOS"}), PAGE, None)
    assert typed == 'type "BOS" into textbox "From"'
    chosen = grounded_thought(Action("select", {"element": "5", "option": "First"}), PAGE, "x")
    assert chosen.startswith('select "First" in combobox "Cabin"')
    answer = grounded_thought(Action("stop", {"answer": "PX 12"}), PAGE, "The answer is given")
    assert answer == "done: PX 12"
    long = grounded_thought(Action("click", {"element": "6"}), PAGE, "a milestone " * 30)
    assert len(long) == 160 and long.endswith("…")
