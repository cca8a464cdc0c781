"""Where a run starts: the sandbox site served (when the run needs it), the task and its
checker resolved, and the browser opened on the start page. `mira run`, its
`--observe-only` look and `mira episodes replay` all start this way.

(`bench/suites.py` opens its tasks its own way, for its persistent worlds; the bench
issue unifies the two.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from mira_agent.agent.loop import Judge
from mira_agent.browser.actions import Action
from mira_agent.browser.executor import execute
from mira_agent.browser.session import BrowserOptions, BrowserSession
from mira_agent.errors import UsageError
from mira_agent.run.spec import RunSpec, site_of
from mira_agent.sites.base import Task


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
        task: Task | None = None
        if spec.url is None or spec.task_id is not None:
            from mira_agent.sites import get_site

            site = get_site(site_of(spec), seed=spec.seed)
            base = site.start()
            if spec.task_id is not None:
                task = next((t for t in site.tasks() if t.id == spec.task_id), None)
                if task is None:
                    ids = ", ".join(t.id for t in site.tasks())
                    raise UsageError(
                        f"no task {spec.task_id!r} on {site_of(spec)}; its tasks: {ids}"
                    )
            url = spec.url or base + (task.start_path if task else "/")
        else:
            url = spec.url
        text = (spec.task or "").strip() or (task.intent if task else "")
        if not text:
            raise UsageError("the task is empty: say what the agent should do")
        judge = None
        if task is not None and site is not None:
            state_site, checked = site, task
            judge = lambda answer: checked.success(state_site.state, answer)  # noqa: E731
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
