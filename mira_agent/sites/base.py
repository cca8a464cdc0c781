"""What every sandbox site offers: a server on loopback, tasks, and programmatic checks.

A site runs in-process on 127.0.0.1 so that its checks can read its state directly
(what was searched, what was booked) instead of scraping pages. Checks are pure
functions of that state, which is what makes them usable as exact milestone labels
for training later.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar

if TYPE_CHECKING:
    from mira_agent.browser.actions import Action
    from mira_agent.browser.observation import Observation


@dataclass(frozen=True)
class Milestone:
    """One checkable page state on the way to finishing a task."""

    text: str
    check: Callable[[Any], bool]


@dataclass(frozen=True)
class TaskFacts:
    """A task's facts, typed (route, date, passengers, the answer...): what the site's
    scripted oracle follows and what reports read, without parsing the intent.

    Each kind of task on a site is one subclass, so the task builder and the oracle agree
    on the fields by type instead of by string keys; `kind` names the subclass in the
    plain `Task.params` view.
    """

    kind: ClassVar[str] = "task"

    def as_dict(self) -> dict[str, Any]:
        """`kind` and every field that is set (None fields left out), nested facts as dicts."""
        values = {k: v for k, v in asdict(self).items() if v is not None}
        return {"kind": self.kind, **values}


Kind = TypeVar("Kind", bound=TaskFacts)


def facts_as(facts: TaskFacts, kind: type[Kind]) -> Kind:
    """`facts` as the kind an oracle's step is written for; a TypeError names both when
    a step is reached with another kind's facts."""
    if not isinstance(facts, kind):
        raise TypeError(f"{type(facts).__name__} facts are not {kind.__name__} facts")
    return facts


@dataclass(frozen=True)
class Task:
    """A task on a site, with the checks that decide progress and success.

    `success(state, answer)` judges the whole episode; `answer` is what the agent
    reported when it stopped (None when it gave none). `milestones` are ordered.
    `facts` are the task's typed facts, which its oracle follows. An instance of a task
    template names its `template` (a fixed task names none) and its expected `outcome`
    in a few words (the answer, or the state the site must end in).
    """

    id: str
    site: str
    intent: str
    start_path: str
    milestones: tuple[Milestone, ...]
    success: Callable[[Any, str | None], bool]
    split: str = "train"
    tags: tuple[str, ...] = field(default_factory=tuple)
    facts: TaskFacts = field(default_factory=TaskFacts)
    template: str = ""
    outcome: str = ""

    @property
    def params(self) -> dict[str, Any]:
        """The facts as plain data (JSON-ready, with their `kind`), for reports and logs."""
        return self.facts.as_dict()

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

    def tasks(self) -> list[Task]:
        """The fixed tasks (one instance each, with their own train/test split)."""
        ...

    def templates(self) -> list[Any]:
        """The site's task templates (`sites.task_templates.Template`)."""
        ...

    def task(self, task_id: str) -> Task:
        """A fixed task or a template instance (``TEMPLATE@SEED``) by id; a usage error
        names the site's tasks when there is none."""
        ...

    def instances(self, split: str, count: int, start: int | None = None) -> list[Task]:
        """`count` distinct instances of every template in `split`, from seed `start`."""
        ...

    def oracle(self, task: Task) -> Oracle:
        """The scripted policy that solves `task`."""
        ...
