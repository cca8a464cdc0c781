"""Where a run starts: the sandbox site served (when the run needs it), the task and its
checker resolved, and the browser opened on the start page. `mira run`, its
`--observe-only` look and `mira episodes replay` all start this way.

A sandbox task is opened as the bench opens it (`bench.sandbox.SandboxEpisode`): one
lookup of the task id, one judge.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from mira_agent.agent.loop import Judge
from mira_agent.bench.sandbox import SandboxEpisode
from mira_agent.browser.actions import Action
from mira_agent.browser.executor import execute
from mira_agent.browser.session import BrowserOptions, BrowserSession
from mira_agent.errors import UsageError
from mira_agent.run.spec import RunSpec, site_of


@dataclass(frozen=True)
class Goal:
    """What the agent is asked to do and who judges it: a sandbox task's checker, a
    bench episode's, or nobody (the agent's own stop). `over` is for an environment that
    ends episodes itself (MiniWoB++ on submit)."""

    text: str
    judge: Judge | None = None
    over: Callable[[], bool] | None = None


@dataclass(frozen=True)
class Prepared:
    """A run's start, resolved: its goal, its first page and the domains it may visit."""

    goal: Goal
    url: str
    allow_domains: list[str]


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
        yield Prepared(Goal(text, judge), url, allowed)
    finally:
        if site is not None:
            site.stop()


def open_start_page(session: BrowserSession, url: str) -> None:
    """Open the run's first page through the executor (so a dialog on load is caught);
    a page that does not load is the user's input to fix."""
    opened = execute(session, Action("goto", {"url": url}))
    if not opened.ok:
        raise UsageError(f"cannot start there: {opened.error}")


@contextmanager
def browser_at(
    options: BrowserOptions,
    url: str,
    on_browser: Callable[[BrowserSession], None] | None = None,
) -> Iterator[BrowserSession]:
    """A browser open on `url`. `on_browser` sees the session before the first page
    loads (to show its warnings, or what it is about to do)."""
    with BrowserSession(options) as session:
        if on_browser is not None:
            on_browser(session)
        open_start_page(session, url)
        yield session
