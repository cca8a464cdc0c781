"""The webmail as a served sandbox: its mailbox, its state, its pages and its tasks."""

from __future__ import annotations

from mira_agent.sites.base import Oracle, Task
from mira_agent.sites.mail.data import MailData
from mira_agent.sites.mail.oracle import MailOracle
from mira_agent.sites.mail.state import MailState
from mira_agent.sites.mail.tasks import build_tasks
from mira_agent.sites.mail.views import MailApp
from mira_agent.sites.serving import ServedSite


class MailSite(ServedSite):
    """Postbox, a webmail: folders, search, reading, replying, forwarding, filing, contacts.

    Everything is deterministic for a given seed: contacts, messages, who plays which
    part in the task stories, and the ids new messages get after `reset()`.
    """

    name = "mail"
    description = "Postbox webmail: search, read, reply, forward, file and delete mail; contacts."

    def __init__(self, seed: int = 0) -> None:
        super().__init__()
        self.seed = seed
        self.data = MailData(seed)
        self._state = MailState(self.data)
        self.app = MailApp(self.data, self._state)
        self._tasks: list[Task] | None = None

    @property
    def state(self) -> MailState:
        return self._state

    def reset(self) -> None:
        """Back to the seeded mailbox: forget searches, moves, stars, drafts and sent mail."""
        self._state.reset()

    def tasks(self) -> list[Task]:
        if self._tasks is None:
            self._tasks = build_tasks(self.data)
        return list(self._tasks)

    def oracle(self, task: Task) -> Oracle:
        """The scripted policy that solves `task` (proof that it can be solved)."""
        return MailOracle(task)
