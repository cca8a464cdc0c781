"""Corner Shop's task templates, without a browser: the fixed tasks are instances of
their shapes, every template has room for the instances a split draws, and the drawn
checks pass for the right end state and fail for near misses (the cancel branch, the
history counts, the cart edit)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from mira_agent.sites import task_templates as tt
from mira_agent.sites.base import Task
from mira_agent.sites.shop import ShopSite
from mira_agent.sites.shop import tasks as shop_tasks
from mira_agent.sites.shop.data import CUSTOMER, ShopData
from mira_agent.sites.shop.templates import TEMPLATES
from mira_agent.sites.task_templates import Unfit
from mira_agent.sites.web import Request, Response


@pytest.fixture(scope="module")
def shop() -> ShopSite:
    return ShopSite(seed=0)


@pytest.fixture
def site(shop: ShopSite) -> ShopSite:
    shop.reset()
    return shop


def get(site: ShopSite, url: str) -> Response:
    parts = urlsplit(url)
    return site.app.handle(Request("GET", parts.path, query=parse_qs(parts.query)))


def post(site: ShopSite, path: str, **form: str) -> Response:
    return site.app.handle(Request("POST", path, form={k: [v] for k, v in form.items()}))


def instance_where(site: ShopSite, template: str, wanted) -> Task:  # type: ignore[no-untyped-def]
    """The first train instance of `template` that `wanted` accepts."""
    for seed in range(2000):
        task = site.task(f"{template}@{seed}")
        if wanted(task):
            return task
    raise AssertionError(f"no instance of {template} is like that")


def test_the_table_has_train_and_held_out_templates() -> None:
    splits = [t.split for t in TEMPLATES]
    assert len(TEMPLATES) >= 10 and 2 <= splits.count("test") <= 3
    assert len({t.id for t in TEMPLATES}) == len(TEMPLATES)


@pytest.mark.parametrize("split", tt.SPLITS)
def test_every_template_has_fifty_distinct_instances_where_a_run_starts(
    shop: ShopSite, split: str
) -> None:
    drawn = shop.instances(split, 50, tt.seeds_of(split).start + 1000)
    assert len({t.intent for t in drawn}) == len(drawn)
    assert all(t.outcome and t.template for t in drawn)


def test_the_fixed_tasks_are_drawn_by_the_builders_the_templates_use() -> None:
    data = ShopData(0)
    fixed = {t.id: t.intent for t in ShopSite(0).tasks()}
    pending = next(o for o in data.orders if o.status == "Pending")
    assert shop_tasks.build_cart_edit(data, 0, 3).intent == fixed["shop-cart-cleanup"]
    assert shop_tasks.build_cancel(data, pending).intent == fixed["shop-cancel-pending-order"]
    cancelled = next(o for o in data.orders if o.status == "Cancelled")
    month = (cancelled.day.year, cancelled.day.month)
    assert shop_tasks.build_spending(data, month, month).intent == fixed["shop-month-spending"]


def test_unfit_parameters_are_refused(shop: ShopSite) -> None:
    data = shop.data
    keep_quantity = data.initial_cart[0][2]
    with pytest.raises(Unfit):
        shop_tasks.build_cart_edit(data, 0, keep_quantity)  # the cart already says so
    with pytest.raises(Unfit):
        shop_tasks.build_spending(data, (2025, 11), (2025, 11))  # no order that month
    shipped = next(o for o in data.orders if o.status == "Shipped")
    with pytest.raises(Unfit):
        shop_tasks.build_cancel(data, shipped)  # "cancel my order" with nothing to cancel


def test_a_rated_price_is_never_the_plain_cheapest_or_priciest(shop: ShopSite) -> None:
    """The rating threshold matters: ignoring it picks another product."""
    data = shop.data
    for seed in range(40):
        task = shop.task(f"shop-rated-price@{seed}")
        find = task.params["finds"][0]
        scope = (
            data.in_category(find["category"])
            if find["category"]
            else [p for p in data.products if p.kind.lower() == find["query"]]
        )
        plain = (max if find["sort"] == "price_desc" else min)(scope, key=lambda p: p.price)
        assert task.params["expected_product_id"] != plain.id


def test_an_order_that_has_shipped_is_left_alone_and_its_status_answered(site: ShopSite) -> None:
    task = instance_where(site, "shop-cancel-order", lambda t: "branch" in t.tags)
    order = site.state.order(task.params["order_number"])
    assert order is not None and not order.cancellable
    get(site, "/orders")
    get(site, "/orders?page=2")
    get(site, f"/orders/{order.number}")
    assert all(task.progress(site.state))
    assert task.success(site.state, f"It is {order.status.lower()}.")
    assert not task.success(site.state, "It is pending.")
    assert not task.success(site.state, None)


def test_the_pending_order_is_cancelled_whichever_way_it_is_named(site: ShopSite) -> None:
    task = instance_where(site, "shop-cancel-order", lambda t: "branch" not in t.tags)
    number = task.params["order_number"]
    assert not task.success(site.state, "Pending")
    get(site, "/orders")
    get(site, f"/orders/{number}")
    post(site, f"/orders/{number}/cancel")
    assert task.success(site.state, None) and all(task.progress(site.state))


def test_history_counts_leave_cancelled_orders_out(site: ShopSite) -> None:
    task = instance_where(site, "shop-spending", lambda t: t.intent.startswith("How many items"))
    numbers = set(task.params["order_numbers"])
    kept = [o for o in site.data.orders if o.number in numbers and o.status != "Cancelled"]
    count = sum(o.item_count for o in kept)
    assert task.params["expected_count"] == count
    assert task.success(site.state, f"{count} items")
    assert not task.success(site.state, f"{count + 1} items")


def test_a_cart_edit_with_an_addition_wants_exactly_the_new_cart(site: ShopSite) -> None:
    task = instance_where(site, "shop-cart-edit", lambda t: ", and add " in t.intent)
    keep_item, added = task.params["items"]
    keep = next(line for line in site.data.initial_cart if line[0] == keep_item["product_id"])
    drop = next(line for line in site.data.initial_cart if line != keep)
    get(site, "/cart")
    post(site, "/cart/remove", line=f"{drop[0]}:{drop[1]}" if drop[1] else drop[0])
    line = f"{keep[0]}:{keep[1]}" if keep[1] else keep[0]
    post(site, "/cart/update", line=line, quantity=str(keep_item["quantity"]))
    assert not task.success(site.state, None)
    product = site.data.product(added["product_id"])
    assert product is not None
    post(
        site,
        "/cart/add",
        product_id=product.id,
        option=added["option"] or "",
        quantity=str(added["quantity"]),
    )
    assert task.success(site.state, None) and all(task.progress(site.state))


def test_a_reorder_elsewhere_names_that_address(shop: ShopSite) -> None:
    def elsewhere(task: Task) -> bool:
        return task.intent.startswith("Order again") and "usual address" not in task.intent

    task = instance_where(shop, "shop-order-items", elsewhere)
    address = task.params["address"]
    assert address["full_name"] != CUSTOMER.name
    assert f"Shipping to {address['full_name']} in {address['city']}" in task.milestones[2].text
