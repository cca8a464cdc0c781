"""The run view the terminal UI renders, folded from events without a terminal: the
checklist through a plan and a re-plan, the steps, the totals and cost, approvals and
the outcome."""

from __future__ import annotations

import pytest

from mira_agent.agent import events as ev
from mira_agent.llm.base import Completion, Usage
from mira_agent.planning.milestones import Plan
from mira_agent.tui.render import checklist, checklist_row, status_text, stream
from mira_agent.tui.state import RunView, fold

PLAN = Plan.create(["results shown", "results sorted", "flight booked"])


def started() -> list[ev.Event]:
    return [
        ev.RunStarted(0, "book a flight", "http://site/", "openai:gpt-4o", "openai:gpt-4o"),
        ev.PlanMade(0, PLAN, "initial plan"),
    ]


def progress(step: int, *done: bool) -> ev.ProgressChecked:
    return ev.ProgressChecked(step, done, "checked")


def statuses(view: RunView) -> list[tuple[str, str, int | None]]:
    return [(item.text, item.status, item.done_at_step) for item in view.checklist]


def test_the_first_open_milestone_is_current_and_the_rest_pending() -> None:
    view = fold(started())
    assert view.task == "book a flight" and view.actor == "openai:gpt-4o"
    assert view.url == view.start_url == "http://site/"
    assert statuses(view) == [
        ("results shown", "current", None),
        ("results sorted", "pending", None),
        ("flight booked", "pending", None),
    ]


def test_completed_milestones_are_done_with_the_step_they_completed_at() -> None:
    view = fold(
        [
            *started(),
            progress(2, True, False, False),
            ev.MilestoneDone(2, 0, "results shown"),
            progress(4, True, True, False),
            ev.MilestoneDone(4, 1, "results sorted"),
        ]
    )
    assert statuses(view) == [
        ("results shown", "done", 2),
        ("results sorted", "done", 4),
        ("flight booked", "current", None),
    ]
    assert view.step_view(2).milestones == ["results shown"]
    assert "2 of 3 done" in checklist(view).plain


def test_a_replan_shows_version_two_and_keeps_the_dropped_items_as_revised() -> None:
    plan, _ = PLAN.mark([True, False, False], 2)
    revised = plan.revise(["search form filled in", "flight booked"], "stuck for 3 steps")
    view = fold(
        [
            *started(),
            progress(2, True, False, False),
            ev.MilestoneDone(2, 0, "results shown"),
            ev.PlanMade(5, revised, "stuck for 3 steps"),
        ]
    )
    assert view.plan is not None and view.plan.version == 2
    assert statuses(view) == [
        ("results shown", "done", 2),
        ("search form filled in", "current", None),
        ("flight booked", "pending", None),
    ]
    assert [(r.text, r.status, r.version) for r in view.revised] == [
        ("results sorted", "revised", 1)
    ]
    assert view.step_view(5).plans == ["plan v2: stuck for 3 steps"]
    shown = checklist(view).plain
    assert "Plan v2" in shown and "✗ results sorted  (v1)" in shown
    # The dropped item is struck through.
    _, body = checklist_row(view.revised[0])
    assert any("strike" in str(span.style) and span.start == 0 for span in body.spans)


def test_steps_record_the_page_decision_result_and_errors() -> None:
    view = fold(
        [
            *started(),
            ev.StepDecided(1, "http://site/", "search first", "click(element=3)", "", "Flights"),
            ev.ActionDone(1, "click(element=3)", True, "clicked", None),
            ev.StepDecided(2, "http://site/results", "sort", "click(element=9)", "", "Results"),
            ev.ActionDone(2, "click(element=9)", False, "", "no element 9"),
            ev.ErrorEvent(3, "your answer was not a valid action: not JSON"),
            ev.HintReceived(3, "use the Sort by box"),
        ]
    )
    first, second, third = view.steps
    assert (first.number, first.thought, first.action, first.ok, first.result) == (
        1,
        "search first",
        "click(element=3)",
        True,
        "clicked",
    )
    assert (second.ok, second.result) == (False, "no element 9")
    assert third.errors == ["your answer was not a valid action: not JSON"]
    assert third.hints == ["use the Sort by box"]
    assert (view.url, view.title, view.step) == ("http://site/results", "Results", 3)
    shown = stream(view).plain
    assert "✗ failed: no element 9" in shown and "hint: use the Sort by box" in shown


def test_totals_sum_tokens_time_and_cost_at_the_models_price() -> None:
    priced = Completion("{}", Usage(1_000_000, 100_000, None, 2.5), "gpt-4o")
    local = Completion("{}", Usage(4_000, 200, None, 0.5), "gemma3-270m")
    view = fold(
        [
            *started(),
            ev.ModelCalled(0, "plan", (), priced),
            ev.ModelCalled(1, "actor", (), local),
        ]
    )
    totals = view.totals
    assert (totals.prompt_tokens, totals.completion_tokens, totals.calls) == (1_004_000, 100_200, 2)
    assert totals.model_seconds == pytest.approx(3.0)
    # gpt-4o: $2.50 per million in, $10 per million out; the local model is free.
    assert totals.cost == pytest.approx(2.50 + 1.00)
    assert "$3.5000" in status_text(view, "running").plain


def test_an_approval_is_pending_until_the_user_answers() -> None:
    asked = [*started(), ev.NeedsApproval(7, "click(element=12)", 'it clicks "Pay $500"')]
    view = fold(asked)
    assert view.pending_approval is not None
    assert view.pending_approval.reason == 'it clicks "Pay $500"'
    assert "… waiting" in stream(view).plain
    fold([ev.ApprovalGiven(7, "click(element=12)", False)], view)
    assert view.pending_approval is None
    (approval,) = view.step_view(7).approvals
    assert approval.approved is False
    assert "→ refused" in stream(view).plain


def test_the_outcome_arrives_with_finished() -> None:
    outcome = ev.Outcome("succeeded", "RT 974", "the agent stopped", 12, 3, 3, "checker")
    view = fold(started())
    assert not view.finished
    fold([ev.Finished(12, outcome)], view)
    assert view.finished and view.outcome == outcome
    shown = stream(view).plain
    assert "SUCCEEDED after 12 steps" in shown and "Answer: RT 974" in shown
    assert "Milestones 3/3" in shown


def test_a_run_without_a_planner_has_no_checklist() -> None:
    view = fold([ev.RunStarted(0, "x", "http://site/", "scripted:script", None)])
    assert view.checklist == [] and view.plan is None
    assert "no planner" in checklist(view).plain
