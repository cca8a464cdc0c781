"""What every benchmark suite offers the runner: its tasks as plain data, an episode per
run of a task, the world a worker opens episodes in, and how seeds split train from test.

This is the one module the suites share (`sandbox.py`, `miniwob.py`, `webarena.py` each
implement it; `suites.py` is the registry of them), so they never import each other.
An episode is one task as a class, as in BrowserGym's `core/task.py`: it is made from
the task, `setup` opens it in the browser, `judge`/`reward` validate it, and `oracle` is
the cheat (a scripted solution).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from mira_agent.sites.base import Oracle


@dataclass(frozen=True)
class BenchTask:
    """One task of a suite: plain data, so it crosses to worker processes. `site` is the
    sandbox site (or the MiniWoB++ task page); `milestones` are the site's own milestone
    texts, where it has them; `data` is what the suite needs to open it (WebArena's
    config); `template` is the task template a sandbox instance was drawn from."""

    suite: str
    id: str
    intent: str
    split: str
    site: str
    milestones: tuple[str, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)
    template: str = ""


class Episode(Protocol):
    """One run of one task. Made without a browser; `setup` opens it in one."""

    task: BenchTask
    instruction: str  # what the agent is told (MiniWoB++ draws it per seed, in `setup`)

    def setup(self, session: Any) -> None:
        """Open the task's first page in `session`, from a fresh state."""

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
    """What one worker serves for a suite's tasks (sites, pages), kept between episodes."""

    def open(self, task: BenchTask, seed: int, session: Any) -> Episode:
        """A set-up episode of `task` drawn with `seed`."""

    def close(self) -> None: ...


class Suite(Protocol):
    """A kind of benchmark as the registry knows it (`BenchTask.suite` names it)."""

    name: str

    def seed(self, task: BenchTask, split: str, k: int) -> int:
        """The seed of episode `k` of `task` in `split` ("train" or "test")."""

    def world(self, site_urls: Mapping[str, str]) -> World:
        """A fresh world for one worker (`site_urls`: where self-hosted sites are)."""


class FixedInstances:
    """The seeds of a suite whose tasks are each one fixed instance with its own split
    (sandbox tasks on data seed 0, WebArena's configs): `k` only counts the episodes."""

    def seed(self, task: BenchTask, split: str, k: int) -> int:
        return k
