"""Milestones, the progress vector, re-planning rules, prompts and the Gemma format:
pure logic, no browser, no model."""

from __future__ import annotations

import jinja2
import pytest

from mira_agent.agent.guards import GuardConfig, Guards
from mira_agent.llm.base import Message
from mira_agent.llm.chat_format import render_gemma
from mira_agent.llm.retry import Retryable, with_retries
from mira_agent.planning.milestones import Plan
from mira_agent.templates import declared_variables, render_prompt, template_source


def test_a_done_milestone_stays_done_and_reports_once() -> None:
    plan = Plan.create(["search shown", "sorted", "booked"])
    plan, newly = plan.mark([True, False, False], step=2)
    assert newly == [0] and plan.progress == [True, False, False] and plan.current == 1
    plan, newly = plan.mark([False, True], step=3)
    assert newly == [1] and plan.progress == [True, True, False]
    assert plan.milestones[0].done_at_step == 2 and plan.milestones[1].done_at_step == 3


def test_revising_keeps_what_is_done_and_bumps_the_version() -> None:
    plan, _ = Plan.create(["a", "b", "c"]).mark([True, False, False], step=1)
    revised = plan.revise(["b2", "c2"], "stuck")
    assert [m.text for m in revised.milestones] == ["a", "b2", "c2"]
    assert revised.progress == [True, False, False]
    assert revised.version == 2 and revised.reason == "stuck"
    assert revised.milestones[1].added_in_version == 2


def test_the_checklist_marks_done_current_and_pending() -> None:
    plan, _ = Plan.create(["a", "b", "c"]).mark([True], step=1)
    assert plan.render() == "[x] 1. a\n[>] 2. b\n[ ] 3. c"


def test_guards_give_up_after_five_unparseable_outputs_in_a_row() -> None:
    guards = Guards()
    assert [guards.parse_failed() for _ in range(4)] == [None] * 4
    assert guards.parse_failed() == "5 unparseable outputs in a row"


def test_a_good_action_resets_the_unparseable_count() -> None:
    guards = Guards()
    for _ in range(4):
        guards.parse_failed()
    guards.acted("click(1)")
    assert guards.parse_failed() is None


def test_a_repeated_action_asks_for_a_new_plan_then_gives_up() -> None:
    guards = Guards()
    assert guards.acted("click(3)") is None and guards.acted("click(3)") is None
    assert guards.replan_reason() is None
    guards.acted("click(3)")
    assert guards.replan_reason() == "the same action was repeated 3 times"
    guards.acted("click(3)")
    assert guards.acted("click(3)") == "the same action 5 times in a row: click(3)"


def test_a_stall_and_a_loop_each_ask_for_a_new_plan() -> None:
    guards = Guards(GuardConfig(stall_steps=2))
    guards.changed(False)
    assert guards.replan_reason() is None
    guards.changed(True)  # steady work (a form filled field by field) is not a stall
    guards.changed(False)
    assert guards.replan_reason() is None
    guards.changed(False)
    assert guards.replan_reason() == "the last 2 actions changed nothing on the page"
    guards.replanned()
    assert guards.replan_reason() is None
    for _ in range(5):
        guards.saw_state("http://x/", "same page")  # staying on a page is not coming back
    assert guards.replan_reason() is None
    for _ in range(2):
        guards.saw_state("http://x/other", "elsewhere")
        guards.saw_state("http://x/", "same page")
    assert guards.replan_reason() == (
        "the agent is going in circles: it came back to the same page 3 times"
    )


def test_gemma_turns_are_rendered_with_the_system_text_in_the_first_user_turn() -> None:
    text = render_gemma(
        [
            Message("system", "Be brief."),
            Message("user", "Hi"),
            Message("assistant", "Hello"),
            Message("user", "Next"),
        ]
    )
    assert text == (
        "<bos><start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n"
        "<start_of_turn>model\nHello<end_of_turn>\n"
        "<start_of_turn>user\nNext<end_of_turn>\n"
        "<start_of_turn>model\n"
    )


@pytest.mark.parametrize("name", ["planner", "checker", "replanner", "actor", "judge"])
def test_each_prompt_names_exactly_the_variables_it_uses(name: str) -> None:
    declared = declared_variables(name)
    assert declared
    env = jinja2.Environment()
    from jinja2 import meta

    used = meta.find_undeclared_variables(env.parse(template_source(name)))
    assert used == declared


def test_a_missing_prompt_variable_is_an_error_not_an_empty_string() -> None:
    with pytest.raises(jinja2.UndefinedError):
        render_prompt("planner", task="x", observation="y")


def test_retries_back_off_then_give_up_with_the_last_error() -> None:
    waits: list[float] = []
    calls = {"n": 0}

    def flaky() -> str:
        calls["n"] += 1
        if calls["n"] < 3:
            raise Retryable("busy")
        return "ok"

    assert with_retries(flaky, attempts=4, sleep=waits.append) == "ok"
    assert len(waits) == 2 and waits[1] > waits[0]

    def down() -> str:
        raise Retryable("down")

    with pytest.raises(Retryable, match="down"):
        with_retries(down, attempts=3, sleep=waits.append)
