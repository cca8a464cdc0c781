"""The mail site through mira's own browser layer: the scripted policy solves every task
with its milestones firing in order, and a policy that forwards the wrong invoice or
answers wrongly fails."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mira_agent.browser.session import BrowserSession
from mira_agent.sites.base import Task
from mira_agent.sites.mail import MailSite
from mira_agent.sites.mail.oracle import MailOracle
from tests.helpers import assert_in_order, run_policy

TASKS = MailSite(0).tasks()


@pytest.fixture(scope="module")
def mail_site() -> Iterator[MailSite]:
    site = MailSite(seed=0)
    site.start()
    yield site
    site.stop()


def task_named(task_id: str) -> Task:
    return next(t for t in TASKS if t.id == task_id)


@pytest.mark.parametrize("task", TASKS, ids=[t.id for t in TASKS])
def test_the_scripted_run_passes_each_task_with_milestones_in_order(
    session: BrowserSession, mail_site: MailSite, task: Task
) -> None:
    mail_site.reset()
    answer, history = run_policy(session, mail_site, task, mail_site.oracle(task))
    assert task.success(mail_site.state, answer), answer
    assert history[0] == [False] * len(task.milestones)
    assert_in_order(history)


def test_forwarding_the_wrong_invoice_fails_the_task(
    session: BrowserSession, mail_site: MailSite
) -> None:
    task = task_named("mail-forward-february-invoice")
    march = mail_site.data.message("invoice-march")
    mail_site.reset()
    oracle = MailOracle(task, subject=march.subject)
    answer, history = run_policy(session, mail_site, task, oracle)
    assert [m.forward_of for m in mail_site.state.sent] == [march.id]
    assert not task.success(mail_site.state, answer)
    assert history[-1] == [True, False, False, False]


def test_moving_a_message_that_only_mentions_the_sender_fails_the_task(
    session: BrowserSession, mail_site: MailSite
) -> None:
    task = task_named("mail-move-analyst-to-projects")
    lunch = mail_site.data.message("analyst-lunch")
    mail_site.reset()
    oracle = MailOracle(task, subjects=[*task.params["subjects"], lunch.subject])
    answer, history = run_policy(session, mail_site, task, oracle)
    assert history[-1] == [True] * len(task.milestones)  # all the right moves were made
    assert mail_site.state.message(lunch.id).folder == "projects"  # type: ignore[union-attr]
    assert not task.success(mail_site.state, answer)


def test_a_wrong_answer_fails_an_information_task(
    session: BrowserSession, mail_site: MailSite
) -> None:
    task = task_named("mail-rescheduled-review-date")
    mail_site.reset()
    answer, _ = run_policy(session, mail_site, task, mail_site.oracle(task))
    assert task.success(mail_site.state, answer)
    first = mail_site.data.facts["meeting_second"]
    assert not task.success(mail_site.state, first.isoformat())  # type: ignore[attr-defined]
