"""The flight site through mira's own browser layer: a scripted run books the right
flight and passes its task; a wrong booking fails it; milestones fire in order."""

from __future__ import annotations

import pytest

from mira_agent.browser.executor import execute
from mira_agent.browser.observe import observe
from mira_agent.browser.session import BrowserSession
from mira_agent.sites import get_site
from mira_agent.sites.flights.oracle import FlightOracle

TASKS = get_site("flights").tasks()


def run_policy(session: BrowserSession, site, task, policy, max_steps: int = 40):  # type: ignore[no-untyped-def]
    session.goto(site.url + task.start_path)
    history = [task.progress(site.state)]
    for _ in range(max_steps):
        observation = observe(session)
        action = policy.next_action(observation)
        result = execute(session, action)
        assert result.ok, f"{action}: {result.error}"
        history.append(task.progress(site.state))
        if result.stop:
            return result.answer, history
    raise AssertionError(f"no stop within {max_steps} steps")


def assert_in_order(history: list[list[bool]]) -> None:
    """Each milestone, once done, stays done, and none completes before its predecessor."""
    first_done = []
    for k in range(len(history[0])):
        steps = [i for i, vector in enumerate(history) if vector[k]]
        assert steps, f"milestone {k + 1} never completed"
        assert all(history[i][k] for i in range(steps[0], len(history))), "a milestone came undone"
        first_done.append(steps[0])
    assert first_done == sorted(first_done), first_done


@pytest.mark.parametrize("task", TASKS, ids=[t.id for t in TASKS])
def test_the_scripted_run_passes_each_task_with_milestones_in_order(
    session: BrowserSession,
    flight_site,
    task,  # type: ignore[no-untyped-def]
) -> None:
    flight_site.reset()
    answer, history = run_policy(session, flight_site, task, FlightOracle(task))
    assert task.success(flight_site.state, answer)
    assert history[0] == [False] * len(task.milestones)
    assert_in_order(history)


def test_booking_another_flight_fails_the_task(session: BrowserSession, flight_site) -> None:  # type: ignore[no-untyped-def]
    task = next(t for t in TASKS if t.params["kind"] == "booking")
    flight_site.reset()
    day = flight_site.data.flights(task.params["origin"], task.params["destination"], _date(task))
    wrong = next(f for f in day if f.id != task.params["expected_flight_id"])
    answer, history = run_policy(
        session, flight_site, task, FlightOracle(task, flight_number=wrong.number)
    )
    assert len(flight_site.state.bookings) == 1
    assert not task.success(flight_site.state, answer)
    assert history[-1][0] and not history[-1][-1]


def test_a_wrong_answer_fails_an_information_task(session: BrowserSession, flight_site) -> None:  # type: ignore[no-untyped-def]
    task = next(t for t in TASKS if t.params["kind"] != "booking")
    flight_site.reset()
    answer, _ = run_policy(session, flight_site, task, FlightOracle(task))
    assert task.success(flight_site.state, answer)
    assert not task.success(flight_site.state, "$1")


def _date(task):  # type: ignore[no-untyped-def]
    from datetime import date

    return date.fromisoformat(task.params["date"])
