"""Corner Shop through mira's own browser layer: the scripted oracle solves every task
from observations alone, with milestones firing in order; a wrong answer or a wrong
cart fails the task."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from mira_agent.browser.session import BrowserSession
from mira_agent.sites.shop import ShopSite
from mira_agent.sites.shop.facts import Buy
from mira_agent.sites.shop.oracle import ShopOracle
from tests.helpers import assert_in_order, run_policy

TASKS = ShopSite(seed=0).tasks()


@pytest.fixture(scope="module")
def shop_site() -> Iterator[ShopSite]:
    site = ShopSite(seed=0)
    site.start()
    yield site
    site.stop()


@pytest.mark.parametrize("task", TASKS, ids=[t.id for t in TASKS])
def test_the_oracle_solves_each_task_with_milestones_in_order(
    session: BrowserSession,
    shop_site: ShopSite,
    task,  # type: ignore[no-untyped-def]
) -> None:
    shop_site.reset()
    answer, history = run_policy(session, shop_site, task, shop_site.oracle(task), max_steps=40)
    assert task.success(shop_site.state, answer)
    assert history[0] == [False] * len(task.milestones)
    assert_in_order(history)


def test_a_wrong_answer_fails_an_information_task(
    session: BrowserSession, shop_site: ShopSite
) -> None:
    task = next(t for t in TASKS if t.id == "shop-month-spending")
    shop_site.reset()
    wrong = ShopOracle(task, answer="$1.00")
    answer, history = run_policy(session, shop_site, task, wrong)
    assert answer == "$1.00"
    assert all(history[-1]) and not task.success(shop_site.state, answer)


def test_ordering_the_wrong_quantity_fails_the_checkout_task(
    session: BrowserSession, shop_site: ShopSite
) -> None:
    task = next(t for t in TASKS if t.id == "shop-express-checkout")
    shop_site.reset()
    assert isinstance(task.facts, Buy)
    first, *rest = task.facts.items
    wrong = ShopOracle(task, items=(replace(first, quantity=1), *rest))
    answer, history = run_policy(session, shop_site, task, wrong)
    assert len(shop_site.state.placed_orders) == 1
    assert not task.success(shop_site.state, answer)
    assert history[-1] == [False, False, False, False]
