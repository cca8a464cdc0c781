"""The sandbox suite: mira's own sites, each task checked exactly by the site's state.

`SandboxEpisode` is the one way a sandbox task is opened, by `mira run --task-id` as by
every bench worker: it resolves the task id on a served site, and its checks read that
site's state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from mira_agent.bench.tasks import BenchTask, FixedInstances
from mira_agent.browser.actions import Action
from mira_agent.browser.executor import execute
from mira_agent.browser.session import BrowserSession
from mira_agent.errors import UsageError
from mira_agent.sites import SITES, get_site
from mira_agent.sites.base import Oracle, Site, Task
from mira_agent.sites.task_templates import parse_instance_id


def bench_task(site: str, task: Task) -> BenchTask:
    """A site's task as the bench names it."""
    milestones = tuple(m.text for m in task.milestones)
    return BenchTask(
        "sandbox", task.id, task.intent, task.split, site, milestones, template=task.template
    )


def sandbox_tasks(sites: Sequence[str] | None = None) -> list[BenchTask]:
    """The sandbox sites' fixed tasks (all registered sites, or the ones named)."""
    names = list(sites) if sites else sorted(SITES)
    return [bench_task(name, task) for name in names for task in get_site(name).tasks()]


def sandbox_instances(
    sites: Sequence[str] | None, split: str, count: int, start: int | None = None
) -> list[BenchTask]:
    """`count` distinct instances of every template of `split` on the sites (all, or the
    ones named), drawn from seed `start` on (see `sites.task_templates`)."""
    names = list(sites) if sites else sorted(SITES)
    return [
        bench_task(name, task)
        for name in names
        for task in get_site(name).instances(split, count, start)
    ]


class SandboxEpisode:
    """One sandbox task on its served site. Resolving the id is the only step that needs
    no browser, so `mira run` can fail on a wrong id before any model loads."""

    def __init__(self, site: Site, task_id: str) -> None:
        found = site.task(task_id)
        self.site = site
        self.site_task = found
        self.task = bench_task(site.name, found)
        self.instruction = found.intent

    @property
    def start_url(self) -> str:
        """Where the task starts on the served site."""
        return self.site.url + self.site_task.start_path

    def setup(self, session: BrowserSession) -> None:
        self.site.reset()
        opened = execute(session, Action("goto", {"url": self.start_url}))
        if not opened.ok:
            raise UsageError(f"cannot open {self.task.id}: {opened.error}")

    def progress(self) -> list[bool] | None:
        return self.site_task.progress(self.site.state)

    def over(self) -> bool:
        return False

    def judge(self, answer: str | None) -> bool:
        return bool(self.site_task.success(self.site.state, answer))

    def reward(self, answer: str | None) -> float:
        return 1.0 if self.judge(answer) else 0.0

    def oracle(self) -> Oracle | None:
        return self.site.oracle(self.site_task)


class SandboxWorld:
    """The sandbox sites a worker serves, one instance each (their state is per episode,
    so workers never share one)."""

    def __init__(self) -> None:
        self._sites: dict[str, Site] = {}

    def open(self, task: BenchTask, seed: int, session: BrowserSession) -> SandboxEpisode:
        if task.site not in self._sites:
            site = get_site(task.site, seed=0)
            site.start()
            self._sites[task.site] = site
        episode = SandboxEpisode(self._sites[task.site], task.id)
        episode.setup(session)
        return episode

    def close(self) -> None:
        for site in self._sites.values():
            site.stop()
        self._sites.clear()


class SandboxSuite(FixedInstances):
    """mira's own sites, served by each worker; every task on the data of seed 0. A fixed
    task's episodes are counted by `k`; a template instance's seed is its own."""

    name = "sandbox"

    def seed(self, task: BenchTask, split: str, k: int) -> int:
        parsed = parse_instance_id(task.id)
        return parsed[1] if parsed else k

    def world(self, site_urls: Mapping[str, str]) -> SandboxWorld:
        return SandboxWorld()
