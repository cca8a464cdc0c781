"""What every sandbox site offers: a server on loopback, tasks, and programmatic checks.

A site runs in-process on 127.0.0.1 so that its checks can read its state directly
(what was searched, what was booked) instead of scraping pages. Checks are pure
functions of that state, which is what makes them usable as exact milestone labels
for training later.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from mira_agent.browser.actions import Action
    from mira_agent.browser.observation import Observation


@dataclass(frozen=True)
class Milestone:
    """One checkable page state on the way to finishing a task."""

    text: str
    check: Callable[[Any], bool]


@dataclass(frozen=True)
class Task:
    """A task on a site, with the checks that decide progress and success.

    `success(state, answer)` judges the whole episode; `answer` is what the agent
    reported when it stopped (None when it gave none). `milestones` are ordered.
    `params` holds the task's facts (route, date, passengers...) so that scripted
    policies and reports can use them without parsing the intent.
    """

    id: str
    site: str
    intent: str
    start_path: str
    milestones: tuple[Milestone, ...]
    success: Callable[[Any, str | None], bool]
    split: str = "train"
    tags: tuple[str, ...] = field(default_factory=tuple)
    params: dict[str, Any] = field(default_factory=dict)

    def progress(self, state: Any) -> list[bool]:
        """The milestone progress vector for the site's current state."""
        return [m.check(state) for m in self.milestones]


class Oracle(Protocol):
    """A scripted policy for one task: it reads the observation a model reads and answers
    with the action a model would give, so its runs prove a task solvable through mira's
    own browser layer and serve as demonstrations."""

    def next_action(self, observation: Observation) -> Action: ...


class Site(Protocol):
    """A sandbox web app served by mira itself."""

    name: str
    description: str

    @property
    def url(self) -> str:
        """Base URL once started (``http://127.0.0.1:PORT``)."""
        ...

    @property
    def state(self) -> Any:
        """The site's live state, read by task checks."""
        ...

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve in a background thread; return the base URL."""
        ...

    def stop(self) -> None: ...

    def reset(self) -> None:
        """Forget everything done on the site (a fresh episode)."""
        ...

    def tasks(self) -> list[Task]: ...

    def oracle(self, task: Task) -> Oracle:
        """The scripted policy that solves `task`."""
        ...
