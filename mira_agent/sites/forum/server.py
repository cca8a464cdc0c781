"""The forum site as a served sandbox: its data, its state, its pages and its tasks."""

from __future__ import annotations

from mira_agent.sites.base import Oracle, Task
from mira_agent.sites.forum.data import ForumData
from mira_agent.sites.forum.oracle import ForumOracle
from mira_agent.sites.forum.state import ForumState
from mira_agent.sites.forum.tasks import build_tasks
from mira_agent.sites.forum.views import ForumApp
from mira_agent.sites.serving import ServedSite


class ForumSite(ServedSite):
    """Commons, a discussion forum: browse and sort forums, read threads, vote, search,
    comment and reply, submit, edit and delete posts, subscribe to forums.

    Everything is deterministic for a given seed: the posts, comments, authors and
    scores, the tasks and their expected answers, and the ids of new posts and comments.
    """

    name = "forum"
    description = "Commons: a discussion forum with subforums, threads, votes and subscriptions."

    def __init__(self, seed: int = 0) -> None:
        super().__init__()
        self.seed = seed
        self.data = ForumData(seed)
        self._state = ForumState(self.data)
        self.app = ForumApp(self.data, self._state)
        self._tasks: list[Task] | None = None

    @property
    def state(self) -> ForumState:
        return self._state

    def reset(self) -> None:
        """Forget votes, posts, comments, edits, deletions, subscriptions and the record
        of what was viewed: a fresh episode on the same forum."""
        self._state.reset()

    def tasks(self) -> list[Task]:
        if self._tasks is None:
            self._tasks = build_tasks(self.data)
        return list(self._tasks)

    def oracle(self, task: Task) -> Oracle:
        """The scripted policy that solves `task` (proof that it can be solved)."""
        return ForumOracle(task)
