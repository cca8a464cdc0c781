"""Snapshots of the terminal UI's main screens, fed a fixed list of events (no browser,
no model) so each screen is the same on every run: a live run mid-way, the approval
modal, the finished run with its rating, and the episode viewer at a middle step.

After a deliberate change to the UI, regenerate with `pytest tests/test_tui_snapshots.py
--snapshot-update` and look at the SVGs in tests/__snapshots__/ before keeping them."""

from __future__ import annotations

import threading
from collections.abc import Callable

from textual.pilot import Pilot

from mira_agent.agent import events as ev
from mira_agent.llm.base import Completion, Usage
from mira_agent.planning.milestones import Plan
from mira_agent.run.assemble import RunHooks
from mira_agent.tui.app import EpisodeApp
from mira_agent.tui.screens import ApprovalScreen, RatingScreen
from tests.helpers import live_app

SIZE = (110, 34)
URL = "http://127.0.0.1:8765"
TASK = (
    "Book the cheapest non-stop flight from Boston to Denver on December 24, 2026 for "
    "2 adults in economy."
)
MILESTONES = [
    "Search results for BOS → DEN on 2026-12-24 are shown",
    "The results are sorted by price",
    "The details of flight RT 974 are opened",
    "Passenger details are submitted",
    "The booking of flight RT 974 is confirmed",
]
PAY = "click(element='41')"
SEARCH = "type(element='3', text='Boston', enter=True)"
SORT = "select(element='12', option='Price')"
SCROLL = "scroll(direction='down')"
OUTCOME = ev.Outcome("succeeded", "RT 974", "the agent stopped", 6, 5, 5, "checker")


def call(step: int, role: str, prompt: int, completion: int, seconds: float) -> ev.ModelCalled:
    usage = Usage(prompt, completion, prompt, seconds)
    return ev.ModelCalled(step, role, (), Completion("{}", usage, "gpt-4o"))


def step(n: int, url: str, title: str, thought: str, action: str) -> list[ev.Event]:
    return [
        call(n, "actor", 2400 + 100 * n, 40, 1.2),
        ev.StepDecided(n, URL + url, thought, action, "", title=title),
    ]


def first_plan() -> Plan:
    return Plan.create(MILESTONES)


def replanned() -> Plan:
    plan, _ = first_plan().mark([True, False, False, False, False], 2)
    plan, _ = plan.mark([True, True, False, False, False], 3)
    return plan.revise(
        ["Flight RT 974 is selected from the results", *MILESTONES[3:]],
        "the same page came back again and again",
    )


def mid_run() -> list[ev.Event]:
    """Four steps: two milestones done, a failed click, a hint, a re-plan."""
    return [
        ev.RunStarted(0, TASK, URL + "/", "openai:gpt-4o", "openai:gpt-4o"),
        call(0, "plan", 1800, 120, 2.1),
        ev.PlanMade(0, first_plan(), "initial plan"),
        *step(1, "/", "Skyway Flights", "Search from Boston first.", SEARCH),
        ev.ActionDone(1, SEARCH, True, "typed 'Boston' and pressed Enter", None),
        call(2, "check", 2000, 30, 0.8),
        ev.ProgressChecked(2, (True, False, False, False, False), "results are shown"),
        ev.MilestoneDone(2, 0, MILESTONES[0]),
        *step(2, "/results", "Results", "Sort by price.", SORT),
        ev.ActionDone(2, SORT, True, "selected 'Price'", None),
        call(3, "check", 2100, 30, 0.7),
        ev.ProgressChecked(3, (True, True, False, False, False), "sorted"),
        ev.MilestoneDone(3, 1, MILESTONES[1]),
        ev.HintReceived(3, "the cheapest non-stop is RT 974"),
        *step(3, "/results", "Results", "Open RT 974.", "click(element='57')"),
        ev.ActionDone(3, "click(element='57')", False, "", "element 57 is not visible"),
        call(4, "replan", 2300, 60, 1.0),
        ev.PlanMade(4, replanned(), "the same page came back again and again"),
        *step(4, "/results", "Results", "Scroll to RT 974 first.", SCROLL),
        ev.ActionDone(4, SCROLL, True, "scrolled down", None),
    ]


def to_payment() -> list[ev.Event]:
    return [
        *step(5, "/book/rt974/pay", "Payment", "Pay for the booking.", PAY),
        ev.NeedsApproval(5, PAY, 'it clicks "Pay $498"'),
    ]


def finished() -> list[ev.Event]:
    return [
        *to_payment(),
        ev.ApprovalGiven(5, PAY, True),
        ev.ActionDone(5, PAY, True, "clicked 'Pay $498'", None),
        call(6, "check", 2600, 30, 0.9),
        ev.ProgressChecked(6, (True, True, True, True, True), "booked"),
        ev.MilestoneDone(6, 2, "Flight RT 974 is selected from the results"),
        ev.MilestoneDone(6, 3, MILESTONES[3]),
        ev.MilestoneDone(6, 4, MILESTONES[4]),
        *step(6, "/booking/ABC123", "Booking confirmed", "Booked.", "stop(answer='RT 974')"),
        ev.ActionDone(6, "stop(answer='RT 974')", True, "stopped", None),
        ev.Finished(6, OUTCOME),
    ]


def scripted(
    events: list[ev.Event], *, ask_approval: bool = False
) -> tuple[Callable[[RunHooks], ev.Outcome], threading.Event]:
    """A `start` that plays `events` through the app's hooks (optionally asking for a
    yes, as the loop does), then holds like a paused agent until the app stops it."""
    shown = threading.Event()

    def start(hooks: RunHooks) -> ev.Outcome:
        for event in events:
            hooks.sink(event)
        if ask_approval:
            shown.set()
            hooks.approver(PAY, 'it clicks "Pay $498"')
        shown.set()
        if isinstance(events[-1], ev.Finished):
            return events[-1].outcome
        assert hooks.controls is not None
        while not hooks.controls.stop_requested:
            hooks.controls.wait_turn(timeout=0.05)
        return ev.Outcome("stopped", None, "stopped by the user", 4, 2, 5)

    return start, shown


def waiting_for(shown: threading.Event, ready: Callable[[Pilot], bool] | None = None):  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        while not shown.is_set() or (ready is not None and not ready(pilot)):
            await pilot.pause(0.02)
        await pilot.pause()

    return run_before


def test_a_live_run_mid_way(snap_compare) -> None:  # type: ignore[no-untyped-def]
    start, shown = scripted(mid_run())
    app = live_app(start, task=TASK)
    assert snap_compare(app, terminal_size=SIZE, run_before=waiting_for(shown))


def test_the_approval_modal(snap_compare) -> None:  # type: ignore[no-untyped-def]
    start, shown = scripted([*mid_run(), *to_payment()], ask_approval=True)
    app = live_app(start, task=TASK)
    on_modal = waiting_for(shown, lambda pilot: isinstance(pilot.app.screen, ApprovalScreen))
    assert snap_compare(app, terminal_size=SIZE, run_before=on_modal)


def test_the_finished_run_asks_for_a_rating(snap_compare) -> None:  # type: ignore[no-untyped-def]
    start, shown = scripted([*mid_run(), *finished()])
    app = live_app(start, task=TASK, on_rate=lambda label: None)
    on_modal = waiting_for(shown, lambda pilot: isinstance(pilot.app.screen, RatingScreen))
    assert snap_compare(app, terminal_size=SIZE, run_before=on_modal)


def test_an_episode_at_a_middle_step(snap_compare) -> None:  # type: ignore[no-untyped-def]
    app = EpisodeApp([*mid_run(), *finished()], title="episode 7")
    # It opens on step 1; two steps on, then one back, then one on again: step 3.
    assert snap_compare(app, terminal_size=SIZE, press=["right", "n", "b", "space"])
