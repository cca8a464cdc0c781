"""The webmail as a served sandbox: its mailbox, its state, its pages and its tasks."""

from __future__ import annotations

from mira_agent.sites.mail.data import MailData
from mira_agent.sites.mail.oracle import MailOracle
from mira_agent.sites.mail.state import MailState
from mira_agent.sites.mail.tasks import build_tasks
from mira_agent.sites.mail.templates import TEMPLATES
from mira_agent.sites.mail.views import MailApp
from mira_agent.sites.serving import SandboxSite


class MailSite(SandboxSite):
    """Postbox, a webmail: folders, search, reading, replying, forwarding, filing, contacts.

    Everything is deterministic for a given seed: contacts, messages, who plays which
    part in the task stories, and the ids new messages get after `reset()`.
    """

    name = "mail"
    description = "Postbox webmail: search, read, reply, forward, file and delete mail; contacts."
    data_class = MailData
    state_class = MailState
    app_class = MailApp
    oracle_class = MailOracle
    task_builder = staticmethod(build_tasks)
    template_table = TEMPLATES
