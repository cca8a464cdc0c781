"""The forum site through mira's own browser layer: the scripted policy solves every
task with its milestones firing in order; a policy doing the wrong thing fails."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mira_agent.browser.session import BrowserSession
from mira_agent.sites.forum import ForumSite
from mira_agent.sites.forum.oracle import ForumOracle
from tests.helpers import assert_in_order, run_policy

TASKS = ForumSite(0).tasks()


@pytest.fixture(scope="module")
def forum_site() -> Iterator[ForumSite]:
    site = ForumSite(seed=0)
    site.start()
    yield site
    site.stop()


def task_by_id(task_id: str):  # type: ignore[no-untyped-def]
    return next(t for t in TASKS if t.id == task_id)


@pytest.mark.parametrize("task", TASKS, ids=[t.id for t in TASKS])
def test_the_scripted_run_passes_each_task_with_milestones_in_order(
    session: BrowserSession,
    forum_site: ForumSite,
    task,  # type: ignore[no-untyped-def]
) -> None:
    forum_site.reset()
    answer, history = run_policy(session, forum_site, task, forum_site.oracle(task))
    assert task.success(forum_site.state, answer)
    assert history[0] == [False] * len(task.milestones)
    assert_in_order(history)


def test_posting_in_the_wrong_forum_fails_the_task(
    session: BrowserSession, forum_site: ForumSite
) -> None:
    task = task_by_id("forum-create-techhelp-post")
    forum_site.reset()
    oracle = ForumOracle(task, forum_title="Cooking")
    answer, history = run_policy(session, forum_site, task, oracle)
    (posted,) = forum_site.state.new_posts
    assert posted.forum == "cooking" and posted.title == task.params["title"]
    assert not task.success(forum_site.state, answer)
    assert history[-1] == [True, False]


def test_a_wrong_answer_fails_an_information_task(
    session: BrowserSession, forum_site: ForumSite
) -> None:
    task = task_by_id("forum-count-user-comments")
    forum_site.reset()
    wrong = str(int(task.params["answer"]) + 2)
    answer, history = run_policy(session, forum_site, task, ForumOracle(task, answer=wrong))
    assert answer == wrong
    assert all(history[-1])  # it looked in the right place...
    assert not task.success(forum_site.state, answer)  # ...and still answered wrong
