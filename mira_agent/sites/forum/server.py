"""The forum site as a served sandbox: its data, its state, its pages and its tasks."""

from __future__ import annotations

from mira_agent.sites.forum.data import ForumData
from mira_agent.sites.forum.oracle import ForumOracle
from mira_agent.sites.forum.state import ForumState
from mira_agent.sites.forum.tasks import build_tasks
from mira_agent.sites.forum.templates import TEMPLATES
from mira_agent.sites.forum.views import ForumApp
from mira_agent.sites.serving import SandboxSite


class ForumSite(SandboxSite):
    """Commons, a discussion forum: browse and sort forums, read threads, vote, search,
    comment and reply, submit, edit and delete posts, subscribe to forums.

    Everything is deterministic for a given seed: the posts, comments, authors and
    scores, the tasks and their expected answers, and the ids of new posts and comments.
    """

    name = "forum"
    description = "Commons: a discussion forum with subforums, threads, votes and subscriptions."
    data_class = ForumData
    state_class = ForumState
    app_class = ForumApp
    oracle_class = ForumOracle
    task_builder = staticmethod(build_tasks)
    template_table = TEMPLATES
