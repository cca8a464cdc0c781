"""Small helpers shared by the tests: element ids in an observation; the scripted models
(an oracle actor, a checker that reads the site's own milestone checks) that let the
loop, store and UI tests drive the real agent on the sandbox flight site; running a
site's scripted policy through the browser layer, checking milestones fire in order; and
one oracle episode of a flights task through a bench worker."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mira_agent.agent import events as ev
from mira_agent.bench.runner import BenchSpec, EpisodeResult, Job, Worker
from mira_agent.bench.sandbox import sandbox_tasks
from mira_agent.bench.suites import select
from mira_agent.bench.tasks import BenchTask
from mira_agent.browser.executor import execute
from mira_agent.browser.observation import Observation
from mira_agent.browser.observe import observe
from mira_agent.browser.session import BrowserSession
from mira_agent.llm.scripted import ScriptedBackend
from mira_agent.sites.flights.oracle import FlightOracle

if TYPE_CHECKING:
    from mira_agent.agent.actor import Actor
    from mira_agent.agent.loop import Agent
    from mira_agent.run.assemble import RunHooks
    from mira_agent.tui.app import RunApp


def id_of(text: str, name: str) -> str:
    """The id of the element called `name` in an observation's text."""
    match = re.search(r"\[([0-9.]+)\] [a-z]+ \"" + re.escape(name) + '"', text)
    assert match, f"no element named {name!r} in:\n{text}"
    return match.group(1)


def booking_task(site):  # type: ignore[no-untyped-def]
    """The site's first booking task (it ends with a payment that needs a yes)."""
    return next(t for t in site.tasks() if t.params["kind"] == "booking")


def booking_started(session: BrowserSession, site):  # type: ignore[no-untyped-def]
    """The site's first booking task, with the site reset and the browser on its start page."""
    task = booking_task(site)
    site.reset()
    session.goto(site.url + task.start_path)
    return task


def page_of(messages) -> Observation:  # type: ignore[no-untyped-def]
    """The observation as the actor's prompt shows it (the last user message)."""
    text = messages[-1].content.split("The browser now shows:\n", 1)[1]
    url = re.search(r"^URL: (.*)$", text, re.MULTILINE).group(1)  # type: ignore[union-attr]
    return Observation(url=url, title="", tabs=(), text=text)


def oracle_actor(task, **kwargs):  # type: ignore[no-untyped-def]
    """An actor that answers with the flight oracle's next action for the page it is shown."""
    oracle = FlightOracle(task, **kwargs)

    def answer(messages, schema):  # type: ignore[no-untyped-def]
        action = oracle.next_action(page_of(messages))
        return {"thought": f"next: {action.name}", "action": action.to_json()}

    return answer


def site_checker(task, site):  # type: ignore[no-untyped-def]
    """A checker that answers from the site's own milestone checks."""

    def answer(messages, schema):  # type: ignore[no-untyped-def]
        if "done" not in schema["properties"]:  # a re-plan: keep the site's open milestones
            progress = task.progress(site.state)
            return {
                "milestones": [
                    m.text for m, d in zip(task.milestones, progress, strict=True) if not d
                ]
            }
        count = schema["properties"]["done"]["minItems"]
        progress = task.progress(site.state)[:count]
        return {"done": progress + [False] * (count - len(progress)), "reason": "site checks"}

    return answer


def ask_for_a_code() -> list[dict]:
    """An actor's script that asks the user for a 2FA code, then stops."""
    return [
        {"thought": "need a code", "action": {"action": "ask_user", "question": "The 2FA code?"}},
        {"thought": "ok", "action": {"action": "stop"}},
    ]


def then_stop(*actions: dict) -> list[dict]:
    """An actor's script: `actions`, each with no thought, then a stop."""
    return [
        *({"thought": "", "action": a} for a in actions),
        {"thought": "", "action": {"action": "stop"}},
    ]


def agent_for(session: BrowserSession, actor: Actor, task: str, **options: Any) -> Agent:
    """The real loop with a redactor of its own: these runs share their secrets with no
    recorder, so the agent's redactor is the only one that needs to know them."""
    from mira_agent.agent.loop import Agent
    from mira_agent.agent.safety import Redactor

    return Agent(session, actor, task, redactor=Redactor(), **options)


def site_planner(task, site) -> ScriptedBackend:  # type: ignore[no-untyped-def]
    """A planner that plans the task's own milestones, then checks them with the site's
    own checks (enough answers for a whole run)."""
    planner = ScriptedBackend([{"milestones": [m.text for m in task.milestones]}])
    planner.answers.extend([site_checker(task, site)] * 60)
    return planner


class Recorder:
    """A sink that keeps every event; `hooks` run on each one (on the agent's thread)."""

    def __init__(self) -> None:
        self.events: list[ev.Event] = []
        self.hooks: list = []

    def __call__(self, event: ev.Event) -> None:
        self.events.append(event)
        for hook in self.hooks:
            hook(event)

    def of(self, kind):  # type: ignore[no-untyped-def]
        return [e for e in self.events if isinstance(e, kind)]


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


SUCCESS_TASK = "mail-quote-sender-phone"  # 4 oracle steps, 2 milestones
FAILED_TASK = "mail-star-unread-from-teammate"  # cut off after 2 of its 5 steps


def mira(
    *args: str, timeout: float = 600, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The `mira` command in a child process, as a user runs it (`env` adds to or
    overrides the test session's environment)."""
    return subprocess.run(
        [sys.executable, "-m", "mira_agent", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
    )


# The short training run's options: prompts cut to 256 tokens, the whole batch in one step.
TRAIN_ARGS = (
    "--max-tokens",
    "256",
    "--micro-batch-tokens",
    "2048",
    "--batch-size",
    "64",
    "--critic-epochs",
    "100",
)


def finetune(
    episodes: Path, out: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`mira finetune --episodes EPISODES --out OUT ARGS…` in a child process."""
    return mira("finetune", "--episodes", str(episodes), "--out", str(out), *args, env=env)


def live_app(
    work: Callable[[RunHooks], ev.Outcome],
    *,
    task: str,
    on_rate: Callable[[str], None] | None = None,
    tap: ev.Sink | None = None,
) -> RunApp:
    """A live app wired as `mira run` wires it: the run's hooks built from the app's
    endpoints, and `work(hooks)` as the app's work. `tap` sees each event on the agent's
    thread, after the app got it (where the CLI's recorder comes before it)."""
    from mira_agent.agent.safety import Redactor
    from mira_agent.cli.run import app_hooks
    from mira_agent.tui.app import RunApp

    redactor = Redactor()
    app = RunApp(task=task, redactor=redactor, on_rate=on_rate)
    sink = app.sink if tap is None else ev.fan_out(app.sink, tap)
    hooks = app_hooks(app, redactor, sink)
    app.work = lambda: work(hooks)
    return app


def oracle_episode(db: Path, task_id: str, **spec: Any) -> tuple[BenchTask, EpisodeResult]:
    """The flights task `task_id` played once by its oracle in a bench worker, recorded in
    `db`; `spec` sets other `BenchSpec` fields (milestones, max_steps)."""
    (task,) = select(sandbox_tasks(["flights"]), None, [task_id])
    worker = Worker(BenchSpec("sandbox", str(db), "run", policy="oracle", **spec))
    try:
        return task, worker.run(Job(task, 0))
    finally:
        worker.close()
