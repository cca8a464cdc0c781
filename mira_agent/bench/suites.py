"""Benchmark suites: which tasks there are, and how one episode of a task is opened in
a browser, checked as it goes, and judged at the end.

A suite names tasks (`BenchTask`, plain data that crosses to worker processes); a
`World` (one per worker) serves what the tasks need and opens an `Episode` per run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from mira_agent.errors import UsageError
from mira_agent.sites.base import Oracle

SUITES = ("sandbox", "miniwob", "webarena")


@dataclass(frozen=True)
class BenchTask:
    """One task of a suite. `site` is the sandbox site (or the MiniWoB++ task page);
    `milestones` are the site's own milestone texts, where it has them."""

    suite: str
    id: str
    intent: str
    split: str
    site: str
    milestones: tuple[str, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)


class Episode(Protocol):
    """One run of one task, open in a browser."""

    task: BenchTask
    instruction: str  # what the agent is told (MiniWoB++ draws it per seed)

    def progress(self) -> list[bool] | None:
        """The site's own milestone checks now (None where the task has none)."""

    def over(self) -> bool:
        """Whether the environment ended the episode itself."""

    def judge(self, answer: str | None) -> bool:
        """Whether the task succeeded, given the agent's final answer."""

    def reward(self, answer: str | None) -> float:
        """The task's reward (1/0 for sandbox tasks; MiniWoB++'s own reward)."""

    def oracle(self) -> Oracle | None:
        """A scripted policy for this episode, where one exists."""


class World(Protocol):
    def open(self, task: BenchTask, seed: int, session: Any) -> Episode: ...

    def close(self) -> None: ...


def sandbox_tasks(sites: Sequence[str] | None = None) -> list[BenchTask]:
    """The sandbox sites' tasks (all registered sites, or the ones named)."""
    from mira_agent.sites import SITES, get_site

    names = list(sites) if sites else sorted(SITES)
    found = []
    for name in names:
        for task in get_site(name).tasks():
            found.append(
                BenchTask(
                    "sandbox",
                    task.id,
                    task.intent,
                    task.split,
                    name,
                    tuple(m.text for m in task.milestones),
                )
            )
    return found


def miniwob_tasks(names: Sequence[str] | None = None) -> list[BenchTask]:
    """MiniWoB++ tasks (its tasks have no fixed split: seeds split them, see `split_seed`)."""
    from mira_agent.bench.miniwob import DEFAULT_SUBSET, text_tasks

    available = text_tasks()
    chosen = list(names) if names else list(DEFAULT_SUBSET)
    unknown = [n for n in chosen if n not in available]
    if unknown:
        raise UsageError(f"not MiniWoB++ text tasks: {', '.join(unknown)}")
    return [BenchTask("miniwob", name, "", "both", name) for name in chosen]


def split_seed(task: BenchTask, split: str, k: int) -> int:
    """The seed of episode `k` of a task in a split. Sandbox tasks have one fixed data
    seed (0) and their split; MiniWoB++ tasks draw a new instance per seed, so train
    and test are disjoint seed ranges."""
    if task.suite != "miniwob":
        return k
    return (1_000_000 if split == "test" else 0) + k


def select(
    tasks: Sequence[BenchTask], split: str | None, ids: Sequence[str] | None
) -> list[BenchTask]:
    """The tasks in `split` ("train", "test" or None for all) and, if given, in `ids`
    (exact ids or prefixes: `shop-` takes every shop task)."""
    chosen = [t for t in tasks if split is None or t.split in (split, "both")]
    if ids:
        picked = [t for t in chosen if any(t.id == i or t.id.startswith(i) for i in ids)]
        missing = [i for i in ids if not any(t.id == i or t.id.startswith(i) for t in chosen)]
        if missing:
            raise UsageError(f"no such task{'s' if len(missing) > 1 else ''}: {', '.join(missing)}")
        chosen = picked
    if not chosen:
        raise UsageError("no tasks to run: check --split and --tasks")
    return chosen


def load_suite(name: str, *, webarena_file: str | None = None) -> list[BenchTask]:
    if name == "sandbox":
        return sandbox_tasks()
    if name == "miniwob":
        return miniwob_tasks(None)
    if name == "webarena":
        if webarena_file is None:
            raise UsageError("the webarena suite needs --webarena-tasks FILE.json")
        from mira_agent.bench.webarena import load_tasks

        return load_tasks(webarena_file)
    from mira_agent.sites import SITES

    if name in SITES:
        return sandbox_tasks([name])
    if name == "miniwob-all":
        from mira_agent.bench.miniwob import text_tasks

        return miniwob_tasks(text_tasks())
    known = ", ".join([*SUITES, "miniwob-all", *sorted(SITES)])
    raise UsageError(f"unknown suite {name!r}; known: {known}")


# -- worlds -------------------------------------------------------------------------------


class SandboxEpisode:
    def __init__(self, task: BenchTask, site: Any, session: Any) -> None:
        from mira_agent.browser.actions import Action
        from mira_agent.browser.executor import execute

        self.task = task
        self.site = site
        self._task = next(t for t in site.tasks() if t.id == task.id)
        self.instruction = self._task.intent
        site.reset()
        opened = execute(session, Action("goto", {"url": site.url + self._task.start_path}))
        if not opened.ok:
            raise UsageError(f"cannot open {task.id}: {opened.error}")

    def progress(self) -> list[bool] | None:
        return self._task.progress(self.site.state)

    def over(self) -> bool:
        return False

    def judge(self, answer: str | None) -> bool:
        return bool(self._task.success(self.site.state, answer))

    def reward(self, answer: str | None) -> float:
        return 1.0 if self.judge(answer) else 0.0

    def oracle(self) -> Oracle | None:
        return self.site.oracle(self._task)


class SandboxWorld:
    """The sandbox sites a worker serves, one instance each (their state is per episode,
    so workers never share one)."""

    def __init__(self) -> None:
        self._sites: dict[str, Any] = {}

    def open(self, task: BenchTask, seed: int, session: Any) -> SandboxEpisode:
        from mira_agent.sites import get_site

        if task.site not in self._sites:
            site = get_site(task.site, seed=0)
            site.start()
            self._sites[task.site] = site
        return SandboxEpisode(task, self._sites[task.site], session)

    def close(self) -> None:
        for site in self._sites.values():
            site.stop()
        self._sites.clear()


class MiniWobEpisode:
    def __init__(self, task: BenchTask, url: str, seed: int, session: Any) -> None:
        from mira_agent.bench.miniwob import start_episode

        self.task = task
        self.session = session
        session.goto(url)
        self.instruction = start_episode(session, seed)

    def _state(self) -> Any:
        from mira_agent.bench.miniwob import episode_state

        return episode_state(self.session)

    def progress(self) -> list[bool] | None:
        return None

    def over(self) -> bool:
        return self._state().done

    def reward(self, answer: str | None) -> float:
        state = self._state()
        return state.raw_reward if state.done else 0.0

    def judge(self, answer: str | None) -> bool:
        return self.reward(answer) > 0

    def oracle(self) -> Oracle | None:
        from mira_agent.bench.miniwob import MiniWobOracle

        if self.task.site not in MiniWobOracle.SOLVES:
            return None
        return MiniWobOracle(self.task.site, self.instruction)


class MiniWobWorld:
    def __init__(self) -> None:
        from mira_agent.bench.miniwob import MiniWobServer

        self._server = MiniWobServer()

    def open(self, task: BenchTask, seed: int, session: Any) -> MiniWobEpisode:
        return MiniWobEpisode(task, self._server.page(task.site), seed, session)

    def close(self) -> None:
        self._server.stop()


def world_for(suite: str, **options: Any) -> World:
    if suite == "sandbox":
        return SandboxWorld()
    if suite == "miniwob":
        return MiniWobWorld()
    if suite == "webarena":
        from mira_agent.bench.webarena import WebArenaWorld

        return WebArenaWorld(options.get("site_urls", {}))
    raise UsageError(f"unknown suite {suite!r}")


Judge = Callable[[str | None], bool]
