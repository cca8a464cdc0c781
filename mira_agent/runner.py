"""Put a run together: serve the sandbox site if needed, load the models, open the
browser, and drive the agent. The CLI and the TUI call this; it prints nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from mira_agent.agent import events as ev
from mira_agent.agent.actor import Actor
from mira_agent.agent.controls import Controls
from mira_agent.agent.guards import GuardConfig
from mira_agent.agent.loop import Agent, AgentConfig, Approver, Asker, Judge
from mira_agent.agent.safety import Redactor
from mira_agent.bench.sandbox import SandboxEpisode
from mira_agent.browser.actions import Action
from mira_agent.browser.executor import execute
from mira_agent.browser.observe import ObserveOptions
from mira_agent.browser.session import BrowserOptions, BrowserSession
from mira_agent.errors import UsageError
from mira_agent.llm.base import Backend
from mira_agent.llm.registry import make_backend
from mira_agent.planning.planner import Planner


@dataclass
class RunSpec:
    """Everything a run needs, as the CLI's options say it."""

    task: str | None = None
    task_id: str | None = None
    url: str | None = None
    site: str | None = None  # None: the task id's site (`shop-…`), else flights
    seed: int = 0
    actor: str = "local"
    actor_model: str | None = None
    planner: str | None = None  # None: the actor's backend and model
    planner_model: str | None = None
    base_url: str | None = None
    plan: bool = True
    max_steps: int = 30
    allow_domains: Sequence[str] = ()
    auto_approve: bool = False
    screenshots: bool = False  # a PNG of every step, for the episode store
    browser: BrowserOptions = field(default_factory=BrowserOptions)


@dataclass
class Prepared:
    task: str
    url: str
    judge: Judge | None
    allow_domains: list[str]


def load_backends(spec: RunSpec) -> tuple[Backend, Backend | None]:
    """The actor's backend and the planner's (None with --no-plan). Loaded before the
    browser opens, so a missing key or model fails fast."""
    actor = make_backend(spec.actor, spec.actor_model, spec.base_url)
    if not spec.plan:
        return actor, None
    kind = spec.planner or spec.actor
    model = (
        spec.planner_model
        if spec.planner_model is not None
        else (spec.actor_model if kind == spec.actor else None)
    )
    # A second instance even for the same local model: each keeps its own KV cache, so
    # alternating planner and actor prompts does not throw away the other's prefix.
    return actor, make_backend(kind, model, spec.base_url)


def site_of(spec: RunSpec) -> str:
    """The sandbox site a run uses: the one named, else the one a task id starts with."""
    from mira_agent.sites import SITES

    if spec.site:
        return spec.site
    prefix = (spec.task_id or "").split("-", 1)[0]
    return prefix if prefix in SITES else "flights"


@contextmanager
def prepared_site(spec: RunSpec) -> Iterator[Prepared]:
    """Serve the sandbox site when the run needs it; resolve the task and start URL."""
    site = None
    try:
        episode: SandboxEpisode | None = None
        if spec.url is None or spec.task_id is not None:
            from mira_agent.sites import get_site

            site = get_site(site_of(spec), seed=spec.seed)
            base = site.start()
            if spec.task_id is not None:
                episode = SandboxEpisode(site, spec.task_id)
            url = spec.url or (episode.start_url if episode else base + "/")
        else:
            url = spec.url
        text = (spec.task or "").strip() or (episode.instruction if episode else "")
        if not text:
            raise UsageError("the task is empty: say what the agent should do")
        judge = episode.judge if episode is not None else None
        allowed = list(spec.allow_domains)
        if allowed and site is not None:
            allowed.append("127.0.0.1")
        yield Prepared(text, url, judge, allowed)
    finally:
        if site is not None:
            site.stop()


def open_start_page(session: BrowserSession, url: str) -> None:
    """Open the run's first page through the executor (so a dialog on load is caught);
    a page that does not load is the user's input to fix."""
    opened = execute(session, Action("goto", {"url": url}))
    if not opened.ok:
        raise UsageError(f"cannot start there: {opened.error}")


@dataclass
class RunHooks:
    """How the caller takes part in a run: where events go, who says yes, who answers
    the agent's questions, and (optionally) the controls and a look at the browser."""

    sink: ev.Sink
    approver: Approver
    asker: Asker
    controls: Controls | None = None
    on_browser: Callable[[BrowserSession], None] | None = None
    redactor: Redactor = field(default_factory=Redactor)


def run_task(spec: RunSpec, hooks: RunHooks) -> ev.Outcome:
    """Run `spec` to its outcome. The task and site are checked first, then the models
    load (a missing key fails before any browser opens), then the browser starts."""
    with prepared_site(spec) as prepared:
        actor_backend, planner_backend = load_backends(spec)
        with BrowserSession(spec.browser) as session:
            if hooks.on_browser is not None:
                hooks.on_browser(session)
            open_start_page(session, prepared.url)
            # Models that read images get a screenshot with the element ids drawn on it.
            images = actor_backend.takes_images
            agent = Agent(
                session,
                Actor(actor_backend, images=images),
                prepared.task,
                planner=Planner(planner_backend) if planner_backend else None,
                config=AgentConfig(
                    guards=GuardConfig(max_steps=spec.max_steps),
                    allow_domains=prepared.allow_domains,
                    auto_approve=spec.auto_approve,
                    observe=ObserveOptions(screenshot=spec.screenshots, marks=images),
                ),
                sink=hooks.sink,
                controls=hooks.controls,
                approver=hooks.approver,
                asker=hooks.asker,
                judge=prepared.judge,
                redactor=hooks.redactor,
            )
            return agent.run()
