"""The one place an agent is put together, and a `mira run` run from its spec to its
outcome. `mira run` (plain or in the terminal UI) and the bench build their agents with
`assemble_agent`; the caller takes part through the `RunHooks` it builds."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mira_agent.agent import events as ev
from mira_agent.agent.actor import Actor
from mira_agent.agent.controls import Controls
from mira_agent.agent.guards import GuardConfig
from mira_agent.agent.loop import Agent, AgentConfig, Approver, Asker, no_answer, refuse
from mira_agent.agent.safety import Redactor
from mira_agent.browser.observe import ObserveOptions
from mira_agent.browser.session import BrowserSession
from mira_agent.planning.planner import Planner
from mira_agent.run.site import Goal, browser_at, prepared_site
from mira_agent.run.spec import RunSpec, load_backends


@dataclass(frozen=True)
class RunHooks:
    """How the caller takes part in a run: where events go, which redactor masks what
    they show (the recorder's too, so all mask the same secrets: it has no default),
    who says yes, who answers the agent's questions, and (optionally) the controls and a
    look at the browser. With nobody to ask, risky actions are refused."""

    sink: ev.Sink
    redactor: Redactor
    approver: Approver = refuse
    asker: Asker = no_answer
    controls: Controls | None = None
    on_browser: Callable[[BrowserSession], None] | None = None


@dataclass(frozen=True)
class Limits:
    """What the agent may do on its own: how many steps, which domains, whether risky
    actions go without a yes; and whether every step keeps a screenshot."""

    max_steps: int = 30
    allow_domains: Sequence[str] = ()
    auto_approve: bool = False
    screenshots: bool = False


def assemble_agent(
    session: BrowserSession,
    goal: Goal,
    actor: Actor,
    hooks: RunHooks,
    *,
    planner: Planner | None = None,
    limits: Limits = Limits(),
) -> Agent:
    """The agent for `goal` in `session`, wired to `hooks`. A model that reads images
    gets a screenshot with the element ids drawn on it."""
    return Agent(
        session,
        actor,
        goal.text,
        planner=planner,
        judge=goal.judge,
        episode_over=goal.over,
        config=AgentConfig(
            guards=GuardConfig(max_steps=limits.max_steps),
            allow_domains=limits.allow_domains,
            auto_approve=limits.auto_approve,
            observe=ObserveOptions(screenshot=limits.screenshots, marks=actor.images),
        ),
        sink=hooks.sink,
        controls=hooks.controls,
        approver=hooks.approver,
        asker=hooks.asker,
        redactor=hooks.redactor,
    )


def run_task(spec: RunSpec, hooks: RunHooks) -> ev.Outcome:
    """Run `spec` to its outcome. The task and site are checked first, then the models
    load (a missing key fails before any browser opens), then the browser starts."""
    with prepared_site(spec) as prepared:
        actor_backend, planner_backend = load_backends(spec)
        with browser_at(spec.browser, prepared.url, hooks.on_browser) as session:
            agent = assemble_agent(
                session,
                prepared.goal,
                Actor(actor_backend, images=actor_backend.takes_images, prompts=spec.prompts),
                hooks,
                planner=Planner(planner_backend) if planner_backend else None,
                limits=Limits(
                    max_steps=spec.max_steps,
                    allow_domains=prepared.allow_domains,
                    auto_approve=spec.auto_approve,
                    screenshots=spec.screenshots,
                ),
            )
            return agent.run()
