"""The flight site through mira's own browser layer: a scripted run books the right
flight and passes its task; a wrong booking fails it; milestones fire in order."""

from __future__ import annotations

import pytest

from mira_agent.browser.session import BrowserSession
from mira_agent.sites import get_site
from mira_agent.sites.flights.oracle import FlightOracle
from tests.helpers import assert_in_order, run_policy

TASKS = get_site("flights").tasks()


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
        session, flight_site, task, FlightOracle(task, expected_flight_number=wrong.number)
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
