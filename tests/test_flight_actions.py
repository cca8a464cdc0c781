"""The navigation and page actions on the flight site itself."""

from __future__ import annotations

from mira_agent.browser.actions import parse_action
from mira_agent.browser.executor import execute
from mira_agent.browser.observe import observe
from mira_agent.browser.session import BrowserSession


def named(session: BrowserSession, name: str) -> str:
    return next(e.id for e in observe(session).elements() if e.name.startswith(name))


def ok(session: BrowserSession, action: str) -> None:
    result = execute(session, parse_action(action))
    assert result.ok, f"{action}: {result.error}"


def test_navigation_tabs_keys_and_scrolling_on_the_flight_site(
    session: BrowserSession,
    flight_site,  # type: ignore[no-untyped-def]
) -> None:
    task = flight_site.tasks()[0].params
    results = (
        f"{flight_site.url}/results?from={task['origin']}&to={task['destination']}"
        f"&date={task['date']}&passengers=1&cabin=economy"
    )
    ok(session, f'goto("{flight_site.url}/")')
    ok(session, f'type({named(session, "From")}, "Boston")')
    ok(session, "press('Tab')")
    assert observe(session).focused == named(session, "To")
    ok(session, f'goto("{results}")')
    assert "Flights from Boston (BOS)" in observe(session).text
    ok(session, 'scroll("down")')
    assert observe(session).scroll.y > 0  # type: ignore[union-attr]
    ok(session, 'scroll("up")')
    assert observe(session).scroll.y == 0  # type: ignore[union-attr]
    ok(session, f"hover({named(session, 'Select ')})")
    ok(session, f"click({named(session, 'My bookings')})")
    assert observe(session).url.endswith("/bookings")
    ok(session, "back()")
    assert observe(session).url == results
    ok(session, "forward()")
    assert observe(session).url.endswith("/bookings")
    ok(session, f'new_tab("{flight_site.url}/")')
    assert [t.active for t in observe(session).tabs] == [False, True]
    ok(session, "switch_tab(0)")
    assert observe(session).url.endswith("/bookings")
    ok(session, "close_tab(1)")
    ok(session, "wait(1)")
    assert len(observe(session).tabs) == 1
