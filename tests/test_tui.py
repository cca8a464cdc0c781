"""The live terminal UI driving a real run: Textual's pilot presses the keys, the real
agent loop runs in the app's worker thread with scripted models on the sandbox flight
site in the shared headless Chromium. The checklist fills in, pause holds the loop, a
hint reaches the actor, and a payment waits for the user's yes."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from types import SimpleNamespace
from typing import Any

import pytest
from textual.pilot import Pilot

from mira_agent.agent import events as ev
from mira_agent.agent.actor import Actor
from mira_agent.agent.loop import AgentConfig
from mira_agent.browser.session import BrowserSession
from mira_agent.llm.scripted import ScriptedBackend
from mira_agent.planning.planner import Planner
from mira_agent.run.assemble import Limits, RunHooks, assemble_agent
from mira_agent.run.site import Goal
from mira_agent.tui.app import EpisodeApp, RunApp
from mira_agent.tui.screens import ApprovalScreen, HintScreen, QuestionScreen, RatingScreen
from mira_agent.tui.widgets import Checklist, RunHeader, StatusLine, StepStream
from tests.helpers import (
    Recorder,
    agent_for,
    ask_for_a_code,
    booking_started,
    live_app,
    oracle_actor,
    site_planner,
)
from tests.test_tui_snapshots import mid_run

pytestmark = pytest.mark.anyio

SIZE = (120, 40)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def agent_start(
    session: BrowserSession,
    task_text: str,
    actor: ScriptedBackend,
    *,
    planner: ScriptedBackend | None = None,
    judge: Callable[[str | None], bool] | None = None,
    max_steps: int = 30,
) -> Callable[[RunHooks], ev.Outcome]:
    """The work `mira run` hands the app: assemble the agent with the run's hooks and
    run it."""

    def start(hooks: RunHooks) -> ev.Outcome:
        return assemble_agent(
            session,
            Goal(task_text, judge),
            Actor(actor),
            hooks,
            planner=Planner(planner) if planner else None,
            limits=Limits(max_steps=max_steps),
        ).run()

    return start


def wander(count: int = 12) -> list[dict[str, Any]]:
    """Scrolls down and up (never the same action twice in a row), then stop."""
    moves = [
        {
            "thought": f"look {i}",
            "action": {"action": "scroll", "direction": "down" if i % 2 else "up"},
        }
        for i in range(count)
    ]
    return [*moves, {"thought": "done", "action": {"action": "stop"}}]


async def until(
    pilot: Pilot, condition: Callable[[], bool], what: str, timeout: float = 20
) -> None:
    """Let the app run until `condition` holds (the agent works on its own thread)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await pilot.pause(0.05)


async def until_held(pilot: Pilot, app: RunApp, actor: ScriptedBackend) -> int:
    """After a pause: wait until the step in flight has ended and nothing moved for half a
    second (the loop then waits before its next step); the number of actor calls."""
    deadline = time.monotonic() + 20
    while True:
        calls = len(actor.calls)
        steps = app.view.steps
        ended = bool(steps) and steps[-1].ok is not None and len(steps) == calls
        await pilot.pause(0.5)
        if ended and len(actor.calls) == calls:
            return calls
        assert time.monotonic() < deadline, "the loop never came to a halt"


@asynccontextmanager
async def held_after_step_one(
    session: BrowserSession, flight_site
) -> AsyncIterator[tuple[Pilot, RunApp, ScriptedBackend, int]]:  # type: ignore[no-untyped-def]
    """An app whose agent wanders the flight site's front page, paused by the user once
    step 1 is done and held: its pilot, the app, the actor and the actor calls so far."""
    session.goto(flight_site.url)
    actor = ScriptedBackend(wander())
    app = live_app(agent_start(session, "look around", actor), task="look around")
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: bool(app.view.steps) and app.view.steps[0].ok, "step 1")
        await pilot.press("p")
        yield pilot, app, actor, await until_held(pilot, app, actor)


def done_lines(app: RunApp) -> list[str]:
    return [line for line in app.query_one(Checklist).plain.splitlines() if line.startswith("✓")]


async def test_the_checklist_fills_in_as_milestones_complete(
    session: BrowserSession, flight_site
) -> None:  # type: ignore[no-untyped-def]
    task = booking_started(session, flight_site)
    planner = site_planner(task, flight_site)

    def pause_after_the_second(event: ev.Event) -> None:
        if isinstance(event, ev.MilestoneDone) and event.index == 1:
            app.controls.pause()  # as a user would, to look at the checklist mid-run

    start = agent_start(
        session,
        task.intent,
        ScriptedBackend([oracle_actor(task)] * 60),
        planner=planner,
        judge=lambda answer: task.success(flight_site.state, answer),
    )
    app = live_app(start, task=task.intent, tap=pause_after_the_second)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(done_lines(app)) == 2, "two milestones done")
        await pilot.pause(0.5)  # the step in flight ends; the loop then waits
        lines = app.query_one(Checklist).plain.splitlines()
        first, second = task.milestones[0].text, task.milestones[1].text
        assert lines[1].startswith(f"✓ 1. {first}") and "  step " in lines[1]
        assert lines[2].startswith(f"✓ 2. {second}")
        assert lines[3].startswith("▶ 3.") and lines[4].startswith("○ 4.")
        assert [item.status for item in app.view.checklist] == [
            "done",
            "done",
            "current",
            "pending",
            "pending",
        ]
        assert "PAUSED" in app.query_one(StatusLine).plain
        await pilot.press("p")  # resume
        await until(pilot, lambda: isinstance(app.screen, ApprovalScreen), "the payment")
        await pilot.press("y")
        await until(pilot, lambda: app.outcome is not None, "the end of the run")
        await pilot.pause()
        assert app.outcome is not None and app.outcome.ok
        assert len(done_lines(app)) == len(task.milestones)
        assert f"{len(task.milestones)} of {len(task.milestones)} done" in (
            app.query_one(Checklist).plain
        )
        assert "FINISHED · succeeded" in app.query_one(StatusLine).plain
        steps_done = [item.done_at_step for item in app.view.checklist]
        assert steps_done == sorted(steps_done) and None not in steps_done


async def test_pause_holds_the_loop_and_s_lets_one_step_through(
    session: BrowserSession, flight_site
) -> None:  # type: ignore[no-untyped-def]
    async with held_after_step_one(session, flight_site) as (pilot, app, actor, held):
        await pilot.pause(1.0)
        assert len(actor.calls) == held and len(app.view.steps) == held
        assert app.agent_running and app.outcome is None
        assert "PAUSED" in app.query_one(StatusLine).plain
        await pilot.press("s")
        await until(pilot, lambda: len(app.view.steps) == held + 1, "one more step")
        await pilot.pause(0.8)
        assert len(actor.calls) == held + 1 and len(app.view.steps) == held + 1
        await pilot.press("p")
        await until(pilot, lambda: app.outcome is not None, "the end of the run")
    assert app.outcome is not None and app.outcome.status == "succeeded"
    assert len(actor.calls) == len(wander())


async def test_a_hint_typed_in_the_ui_reaches_the_actors_next_prompt(
    session: BrowserSession, flight_site
) -> None:  # type: ignore[no-untyped-def]
    async with held_after_step_one(session, flight_site) as (pilot, app, actor, held):
        await pilot.press("h")
        await until(pilot, lambda: isinstance(app.screen, HintScreen), "the hint box")
        await pilot.press(*"Use the Sort by box", "enter")
        assert not isinstance(app.screen, HintScreen)
        await pilot.press("s")
        await until(pilot, lambda: len(actor.calls) == held + 1, "the next step")
        assert "The user says: Use the Sort by box" in actor.calls[held][0][-1].content
        assert "Use the Sort by box" not in actor.calls[held - 1][0][-1].content
        await until(
            pilot, lambda: "hint: Use the Sort by box" in app.query_one(StepStream).plain, "hint"
        )
        await pilot.press("q")  # stop: the paused loop is let go and ends
        assert "stopping after this step" in app.query_one(StepStream).plain
        await until(pilot, lambda: app.outcome is not None, "the end of the run")
    assert app.outcome is not None and app.outcome.status == "stopped"


@pytest.mark.parametrize("answer", ["y", "n"])
async def test_a_payment_waits_for_the_users_yes(
    session: BrowserSession, flight_site, answer: str
) -> None:  # type: ignore[no-untyped-def]
    task = booking_started(session, flight_site)
    ratings: list[str] = []
    start = agent_start(
        session,
        task.intent,
        ScriptedBackend([oracle_actor(task)] * 60),
        judge=lambda given: task.success(flight_site.state, given),
        max_steps=30,
    )
    app = live_app(start, task=task.intent, on_rate=ratings.append)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ApprovalScreen), "the payment")
        assert isinstance(app.screen, ApprovalScreen)
        assert app.screen.reason.startswith('it clicks "Pay $')
        assert not flight_site.state.bookings  # nothing paid while it waits
        assert "WAITING" in app.query_one(StatusLine).plain
        await pilot.press(answer)
        if answer == "n":
            # The oracle keeps trying to pay; each try is refused until a guard ends it.
            while app.outcome is None:
                await until(
                    pilot,
                    lambda: app.outcome is not None or isinstance(app.screen, ApprovalScreen),
                    "another try or the end",
                )
                if isinstance(app.screen, ApprovalScreen):
                    await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, RatingScreen), "the rating")
        await pilot.press("s" if answer == "y" else "f")
        await pilot.pause()
    assert app.outcome is not None
    if answer == "y":
        assert app.outcome.ok and len(flight_site.state.bookings) == 1
        assert app.rating == "succeeded" and ratings == ["succeeded"]
    else:
        assert not flight_site.state.bookings
        assert app.outcome.status == "gave_up"
        refused = [s for s in app.view.steps if s.approvals]
        assert refused and all(a.approved is False for s in refused for a in s.approvals)
        assert all(not s.ok and "did not allow" in s.result for s in refused)
        assert app.rating == "failed" and ratings == ["failed"]


async def test_quitting_while_the_agent_waits_for_a_yes_refuses_and_stops_it(
    session: BrowserSession, flight_site
) -> None:  # type: ignore[no-untyped-def]
    task = booking_started(session, flight_site)
    start = agent_start(session, task.intent, ScriptedBackend([oracle_actor(task)] * 60))
    app = live_app(start, task=task.intent)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ApprovalScreen), "the payment")
        await pilot.press("ctrl+q")
        await until(pilot, lambda: not app.is_running, "the app to exit", timeout=10)
    assert not app.agent_running  # the agent's thread ended before the app did
    assert app.outcome is not None and app.outcome.status == "stopped"
    assert not flight_site.state.bookings
    assert app.view.steps[-1].approvals[-1].approved is False


async def test_an_exception_from_start_is_kept_and_ends_the_app() -> None:
    def start(hooks: RunHooks) -> ev.Outcome:
        raise RuntimeError("no browser here")

    app = live_app(start, task="x")
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: not app.is_running, "the app to exit", timeout=10)
    assert isinstance(app.error, RuntimeError) and str(app.error) == "no browser here"
    assert app.outcome is None


async def test_the_agents_question_is_answered_in_a_modal(
    session: BrowserSession, flight_site
) -> None:  # type: ignore[no-untyped-def]
    session.goto(flight_site.url)
    actor = ScriptedBackend(ask_for_a_code())
    app = live_app(agent_start(session, "log in", actor), task="log in")
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QuestionScreen), "the question")
        assert "WAITING" in app.query_one(StatusLine).plain
        await pilot.press(*"4711", "enter")
        await until(pilot, lambda: app.outcome is not None, "the end of the run")
        await pilot.pause()
        assert "? asked you: The 2FA code? → 4711" in app.query_one(StepStream).plain
    assert "They answered: 4711" in actor.calls[1][0][-1].content


async def test_browser_warnings_show_in_the_stream() -> None:
    session = SimpleNamespace(warnings=["no display found: running headless"])

    def start(hooks: RunHooks) -> ev.Outcome:
        assert hooks.on_browser is not None
        hooks.on_browser(session)  # type: ignore[arg-type]
        outcome = ev.Outcome("stopped", None, "stopped by the user", 0, 0, 0)
        hooks.sink(ev.Finished(0, outcome))
        return outcome

    app = live_app(start, task="x")
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.outcome is not None, "the end of the run")
        await pilot.pause()
        stream = app.query_one(StepStream).plain
    assert "browser: no display found: running headless" in stream


async def test_a_recorded_episode_replays_step_by_step(
    session: BrowserSession, flight_site
) -> None:  # type: ignore[no-untyped-def]
    task = booking_started(session, flight_site)
    planner = site_planner(task, flight_site)
    record = Recorder()
    agent_for(
        session,
        Actor(ScriptedBackend([oracle_actor(task)] * 60)),
        task.intent,
        planner=Planner(planner),
        config=AgentConfig(auto_approve=True),
        sink=record,
    ).run()
    last = record.events[-1].step

    def done_by(step: int) -> int:
        return sum(1 for e in record.of(ev.MilestoneDone) if e.step <= step)

    app = EpisodeApp(record.events, title="booking")
    async with app.run_test(size=SIZE) as pilot:
        status = app.query_one(StatusLine)
        assert app.step == 1 and f"step 1 of {last}" in status.plain
        assert "Step 1" in app.query_one(StepStream).plain
        assert "Step 2" not in app.query_one(StepStream).plain
        await pilot.press("right", "n", "space")
        assert app.step == 4 and f"step 4 of {last}" in status.plain
        assert len(done_lines(app)) == done_by(4)
        await pilot.press("end")
        assert app.step == last and len(done_lines(app)) == len(task.milestones)
        assert "SUCCEEDED" in app.query_one(StepStream).plain
        # Back to the step where the second milestone was found done: a re-fold.
        middle = record.of(ev.MilestoneDone)[1].step
        await pilot.press(*["left"] * (last - middle - 1), "b")
        assert app.step == middle and len(done_lines(app)) == done_by(middle) == 2
        assert "SUCCEEDED" not in app.query_one(StepStream).plain
        assert f"Step {middle + 1}" not in app.query_one(StepStream).plain
        assert [item.status for item in app.view.checklist][1:3] == ["done", "current"]
        await pilot.press("e", "right")  # already at the end: it stays there
        assert app.step == last


async def test_the_step_stream_follows_the_newest_step() -> None:
    def start(hooks: RunHooks) -> ev.Outcome:
        for event in mid_run():
            hooks.sink(event)
        outcome = ev.Outcome("stopped", None, "stopped by the user", 4, 2, 5)
        hooks.sink(ev.Finished(4, outcome))
        return outcome

    app = live_app(start, task="x")
    app.animation_level = "none"  # scroll at once, as the keys are pressed
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.outcome is not None, "the end of the run")
        stream = app.query_one(StepStream)
        await until(pilot, lambda: stream.scroll_y == stream.max_scroll_y, "the end")
        assert stream.max_scroll_y > 0  # it did overflow, and shows the end
        stream.focus()
        await pilot.press("home")  # a reader who scrolled up is left there
        app.view.note("a later remark")
        stream.show(app.view)
        await pilot.pause()
        assert stream.scroll_y == 0
        await pilot.press("end")  # back at the end, it follows again
        app.view.note("another remark")
        stream.show(app.view)
        await until(pilot, lambda: stream.scroll_y == stream.max_scroll_y, "the end again")
        assert "another remark" in stream.plain


async def test_the_task_shown_before_the_run_starts_has_its_card_number_masked() -> None:
    def start(hooks: RunHooks) -> ev.Outcome:
        assert hooks.controls is not None
        while not hooks.controls.stop_requested:
            hooks.controls.wait_turn(timeout=0.05)
        return ev.Outcome("stopped", None, "stopped by the user", 0, 0, 0)

    app = live_app(start, task="Pay with the card 4242 4242 4242 4242, expiry 12/28")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        header = app.query_one(RunHeader).plain
        assert "4242 4242" not in header and "•••• 4242" in header
        await pilot.press("q", "q")  # stop, then quit
        await until(pilot, lambda: not app.is_running, "the app to exit", timeout=10)
    assert app.outcome is not None and app.outcome.status == "stopped"
