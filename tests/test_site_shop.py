"""Corner Shop, the sandbox online store, exercised without a browser.

These tests specify what agents and task checks rely on: a deterministic catalogue and
history, listings that search, filter and sort as they say, forms that refuse bad input
with errors next to the fields, a state that records what was done (and forgets it on
reset), and task checks that pass for the right outcome and fail for near misses.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from mira_agent.sites.base import Task
from mira_agent.sites.forms import luhn_ok
from mira_agent.sites.shop import ShopSite
from mira_agent.sites.shop.data import CATEGORIES, ShopData, words
from mira_agent.sites.shop.forms import parse_price
from mira_agent.sites.shop.search import ProductQuery, run_query
from mira_agent.sites.web import Request, Response

CARD = {
    "cardholder": "Alex Morgan",
    "card_number": "4242 4242 4242 4242",
    "expiry": "12/28",
    "cvv": "123",
}


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


def text(response: Response) -> str:
    return response.body.decode()


def task(site: ShopSite, task_id: str) -> Task:
    return next(t for t in site.tasks() if t.id == task_id)


def buy(site: ShopSite, items: list[dict[str, Any]], address: dict[str, str], method: str) -> str:
    """Empty the cart, fill it with `items`, check out: the new order's number."""
    for line in site.state.cart:
        post(site, "/cart/remove", line=line.key)
    for item in items:
        product = site.data.product(item["product_id"])
        assert product is not None
        option = item["option"] if item["option"] is not None else product.options[0]
        response = post(
            site,
            "/cart/add",
            product_id=product.id,
            option=option or "",
            quantity=str(item["quantity"]),
        )
        assert response.status == 303, text(response)
    form = {k: address[k] for k in ("full_name", "street", "city", "state", "zip_code")}
    assert post(site, "/checkout", method=method, **form).location == "/checkout/payment"
    placed = post(site, "/checkout/payment", **CARD)
    assert placed.status == 303 and placed.location is not None
    return placed.location.split("/")[2]


# -- data ---------------------------------------------------------------------------------


def test_same_seed_gives_the_same_shop_and_another_seed_a_different_one() -> None:
    first, again, other = ShopData(0), ShopData(0), ShopData(1)
    assert first.products == again.products and first.orders == again.orders
    assert first.initial_cart == again.initial_cart
    assert first.products != other.products


def test_catalogue_is_sized_varied_and_priced_uniquely() -> None:
    data = ShopData(0)
    assert 60 <= len(data.products) <= 120
    assert {p.category for p in data.products} == set(CATEGORIES)
    assert len({p.price for p in data.products}) == len(data.products)
    assert len({p.name for p in data.products}) == len(data.products)
    assert any(not p.in_stock for p in data.products)
    assert all(p.reviews and 1 <= p.rating <= 5 for p in data.products)


def test_order_history_has_a_pending_and_a_cancelled_order() -> None:
    statuses = [o.status for o in ShopData(0).orders]
    assert statuses.count("Pending") == 1 and statuses.count("Cancelled") == 1
    assert all(o.total == o.subtotal + o.shipping_fee for o in ShopData(0).orders)


@pytest.mark.parametrize("seed", range(6))
def test_every_seed_builds_a_full_task_set(seed: int) -> None:
    tasks = ShopSite(seed).tasks()
    assert 11 <= len(tasks) <= 13
    assert len({t.id for t in tasks}) == len(tasks)
    assert all(t.id.startswith("shop-") and t.site == "shop" for t in tasks)
    assert sum(t.split == "test" for t in tasks) >= 4
    assert sum("long" in t.tags for t in tasks) >= 4
    assert all(2 <= len(t.milestones) <= 6 for t in tasks)
    state = ShopSite(seed).state
    assert all(not any(t.progress(state)) for t in tasks)


def test_tasks_are_the_same_for_the_same_seed() -> None:
    assert [(t.id, t.intent, t.params) for t in ShopSite(3).tasks()] == [
        (t.id, t.intent, t.params) for t in ShopSite(3).tasks()
    ]


# -- parsing -------------------------------------------------------------------------------


def test_search_words_fold_case_plurals_and_apostrophes() -> None:
    assert words("Chef's Knives") == words("chefs knive")
    assert words("Water Bottles") == ["water", "bottle"]
    assert words("Wireless glass") == ["wireless", "glass"]


def test_prices_and_cards_parse() -> None:
    assert parse_price("$25") == 2500 and parse_price("19.5") == 1950 and parse_price("x") is None
    assert luhn_ok("4242424242424242") and not luhn_ok("4242424242424241")


# -- pages ---------------------------------------------------------------------------------


def test_search_matches_every_word_and_sorts(site: ShopSite) -> None:
    bottles = [p for p in site.data.products if p.kind == "Water Bottle"]
    found = run_query(site.data.products, ProductQuery(query="WATER bottles", sort="price_asc"))
    assert found == sorted(bottles, key=lambda p: p.price)
    page = text(get(site, "/search?q=water+bottles&sort=price_desc"))
    names = re.findall(r'<a href="/product/\d+">([^<]+)</a>', page)
    assert names == [p.name for p in sorted(bottles, key=lambda p: -p.price)]
    listing = site.state.listings[-1]
    assert listing.query == "water bottles" and listing.sort == "price_desc"
    assert listing.product_ids == tuple(p.id for p in sorted(bottles, key=lambda p: -p.price))


def test_category_pages_filter_by_price_and_sort_by_rating(site: ShopSite) -> None:
    response = get(site, "/category/kitchen?max_price=40&sort=rating")
    assert response.status == 200
    listing = site.state.listings[-1]
    shown = [site.data.product(pid) for pid in listing.product_ids]
    assert shown and all(p and p.category == "kitchen" and p.price <= 4000 for p in shown)
    ratings = [p.rating for p in shown if p]
    assert ratings == sorted(ratings, reverse=True)
    assert listing.category == "kitchen" and listing.max_price == 4000


def test_long_listings_are_paged(site: ShopSite) -> None:
    first = text(get(site, "/search"))
    assert "page 1 of" in first and 'href="/search?page=2"' in first
    get(site, "/search?page=2")
    assert site.state.listings[-1].page == 2
    assert set(site.state.listings[0].product_ids).isdisjoint(site.state.listings[1].product_ids)


def test_unknown_pages_products_orders_and_categories_are_404s(site: ShopSite) -> None:
    for path in (
        "/nowhere",
        "/product/42",
        "/orders/CS-1",
        "/category/garden",
        "/product/42/review",
    ):
        response = get(site, path)
        assert response.status == 404, path
        assert "Page not found" in text(response)
    assert post(site, "/orders").status == 405


def test_stylesheet_and_navigation_are_served(site: ShopSite) -> None:
    assert get(site, "/static/site.css").content_type.startswith("text/css")
    home = text(get(site, "/"))
    for link in ('href="/orders"', 'href="/cart"', 'aria-label="Search products"'):
        assert link in home


def test_product_page_shows_details_and_records_the_view(site: ShopSite) -> None:
    product = next(p for p in site.data.products if p.options and p.in_stock)
    page = text(get(site, f"/product/{product.id}"))
    assert product.name in page and f"${product.price / 100:,.2f}" in page
    assert all(option in page for option in product.options)
    assert site.state.product_views == (product.id,)


def test_adding_to_the_cart_needs_a_colour_and_a_sane_quantity(site: ShopSite) -> None:
    product = next(p for p in site.data.products if p.options and p.stock >= 10)
    before = site.state.cart
    no_colour = post(site, "/cart/add", product_id=product.id, option="", quantity="1")
    assert no_colour.status == 422 and "Choose a colour." in text(no_colour)
    zero = post(site, "/cart/add", product_id=product.id, option=product.options[0], quantity="0")
    assert zero.status == 422 and "at least 1" in text(zero)
    assert site.state.cart == before
    assert [r.fields for r in site.state.rejections] == [("option",), ("quantity",)]
    added = post(site, "/cart/add", product_id=product.id, option=product.options[0], quantity="2")
    assert added.status == 303 and added.location and added.location.startswith("/cart?added=")
    assert site.state.cart_contents()[(product.id, product.options[0])] == 2
    assert "You now have 2 in your cart" in text(get(site, added.location))


def test_out_of_stock_products_cannot_be_added(site: ShopSite) -> None:
    product = next(p for p in site.data.products if not p.in_stock)
    assert "Out of stock" in text(get(site, f"/product/{product.id}"))
    response = post(site, "/cart/add", product_id=product.id, option="", quantity="1")
    assert response.status == 422
    assert all(line.product_id != product.id for line in site.state.cart)


def test_cart_quantities_change_and_lines_are_removed(site: ShopSite) -> None:
    first, second = site.state.cart
    assert post(site, "/cart/update", line=first.key, quantity="4").status == 303
    bad = post(site, "/cart/update", line=first.key, quantity="many")
    assert bad.status == 422 and "whole number" in text(bad)
    post(site, "/cart/remove", line=second.key)
    assert site.state.cart_contents() == {(first.product_id, first.option): 4}
    assert len(site.state.cart_history) == 3


def test_checkout_refuses_bad_addresses_with_errors_next_to_fields(site: ShopSite) -> None:
    response = post(
        site,
        "/checkout",
        full_name="",
        street="1 Main St",
        city="Austin",
        state="ZZ",
        zip_code="7870",
        method="express",
    )
    page = text(response)
    assert response.status == 422
    assert 'id="full_name-error"' in page and 'id="zip_code-error"' in page
    assert 'id="state-error"' in page and "Choose a state." in page
    assert site.state.shipping is None and site.state.rejections[-1].page == "checkout"
    assert get(site, "/checkout/payment").location == "/checkout"


def test_payment_refuses_a_bad_card_and_places_one_order_with_a_good_one(site: ShopSite) -> None:
    cart = site.state.cart_contents()
    post(
        site,
        "/checkout",
        full_name="Jo Park",
        street="1 Main St",
        city="Austin",
        state="TX",
        zip_code="78701",
        method="next_day",
    )
    bad = post(site, "/checkout/payment", **(CARD | {"card_number": "4242 4242 4242 4241"}))
    assert bad.status == 422 and "not valid" in text(bad)
    assert not site.state.placed_orders
    placed = post(site, "/checkout/payment", **CARD)
    number = placed.location.split("/")[2] if placed.location else ""
    last = max(int(o.number[3:]) for o in site.data.orders)
    assert number == f"CS-{last + 1}"
    order = site.state.placed_orders[0]
    assert {(line.product_id, line.option): line.quantity for line in order.lines} == cart
    assert order.shipping == "next_day" and order.card_last4 == "4242"
    assert site.state.cart == () and order.status == "Pending"
    assert "Jo Park" in text(get(site, f"/orders/{number}/confirmation"))
    assert number in text(get(site, "/orders"))


def test_order_history_is_paged_newest_first(site: ShopSite) -> None:
    get(site, "/orders")
    get(site, "/orders?page=2")
    first, second = site.state.history_views
    days = [site.state.order(n).day for n in first.order_numbers + second.order_numbers]  # type: ignore[union-attr]
    assert days == sorted(days, reverse=True)
    assert len(first.order_numbers) == 10 and second.page == 2


def test_only_pending_orders_can_be_cancelled(site: ShopSite) -> None:
    pending = next(o for o in site.data.orders if o.status == "Pending")
    delivered = next(o for o in site.data.orders if o.status == "Delivered")
    assert "Cancel order" in text(get(site, f"/orders/{pending.number}"))
    assert "Cancel order" not in text(get(site, f"/orders/{delivered.number}"))
    assert post(site, f"/orders/{delivered.number}/cancel").status == 409
    assert post(site, f"/orders/{pending.number}/cancel").status == 303
    assert site.state.order(pending.number).status == "Cancelled"  # type: ignore[union-attr]
    assert site.state.cancelled == (pending.number,)
    assert post(site, f"/orders/{pending.number}/cancel").status == 409


def test_reviews_are_validated_and_shown_on_the_product_page(site: ShopSite) -> None:
    product = site.data.products[0]
    bad = post(
        site, f"/product/{product.id}/review", rating="6", title="", body="short", nickname="Alex"
    )
    assert bad.status == 422 and "Choose a rating" in text(bad) and "at least 10" in text(bad)
    assert not site.state.reviews
    good = post(
        site,
        f"/product/{product.id}/review",
        rating="4",
        title="Nice",
        body="Works as described.",
        nickname="Alex",
    )
    assert good.location == f"/product/{product.id}?reviewed=1"
    page = text(get(site, good.location))
    assert "Thanks! Your review has been posted." in page and "Works as described." in page


def test_reset_forgets_everything_done(site: ShopSite) -> None:
    get(site, "/search?q=mug")
    get(site, "/orders")
    get(site, "/product/1001/review")
    pending = next(o for o in site.data.orders if o.status == "Pending")
    post(site, f"/orders/{pending.number}/cancel")
    first = site.state.cart[0]
    post(site, "/cart/remove", line=first.key)
    site.reset()
    state = site.state
    assert not (state.listings or state.history_views or state.review_forms or state.cancelled)
    assert state.order(pending.number).status == "Pending"  # type: ignore[union-attr]
    assert len(state.cart) == 2 and state.cart_views == 0


# -- task checks -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("task_id", "right", "wrong"),
    [
        ("shop-cheapest-well-rated", "The price is {answer}", "$19.00"),
        ("shop-month-spending", "{answer}", "$448.92"),
        ("shop-compare-ratings", "{answer}", "Linden Max Throw Blanket"),
        ("shop-five-star-reviews", "{answer}", "5"),
        ("shop-priciest-capacity", "{answer}", "12 oz"),
    ],
)
def test_information_tasks_accept_the_answer_and_reject_others(
    site: ShopSite, task_id: str, right: str, wrong: str
) -> None:
    t = task(site, task_id)
    answer = right.format(answer=t.params["answer"])
    assert t.success(site.state, answer)
    assert t.success(site.state, answer.upper())
    assert not t.success(site.state, wrong)
    assert not t.success(site.state, None)


def test_an_information_answer_fails_after_an_unwanted_order(site: ShopSite) -> None:
    t = task(site, "shop-month-spending")
    post(
        site,
        "/checkout",
        full_name="Alex Morgan",
        street="218 Elm Street",
        city="Portland",
        state="OR",
        zip_code="97205",
        method="standard",
    )
    post(site, "/checkout/payment", **CARD)
    assert not t.success(site.state, t.params["answer"])


def test_month_spending_milestones_need_both_history_pages(site: ShopSite) -> None:
    t = task(site, "shop-month-spending")
    get(site, "/orders")
    assert t.progress(site.state) == [True, False]
    get(site, "/orders?page=2")
    assert t.progress(site.state) == [True, True]
    assert t.params["expected_cents"] == sum(
        o.total
        for o in site.data.orders
        if o.day.strftime("%Y-%m") == t.params["month"] and o.status != "Cancelled"
    )


@pytest.mark.parametrize(
    "task_id", ["shop-express-checkout", "shop-gift-next-day", "shop-reorder-past-order"]
)
def test_checkout_tasks_pass_with_the_right_order(site: ShopSite, task_id: str) -> None:
    t = task(site, task_id)
    if "prelude_order" in t.params:
        get(site, f"/orders/{t.params['prelude_order']}")
    if "expected_product_id" in t.params:
        get(site, f"/search?q={t.params['items'][0]['find']['query']}")
    buy(site, t.params["items"], t.params["address"], t.params["method"])
    assert t.success(site.state, None)
    assert all(t.progress(site.state))


def test_checkout_tasks_fail_with_another_method_address_quantity_or_extra_order(
    site: ShopSite,
) -> None:
    t = task(site, "shop-express-checkout")
    items, address = t.params["items"], t.params["address"]
    buy(site, items, address, "standard")
    assert not t.success(site.state, None)
    site.reset()
    buy(site, items, address | {"zip_code": "98102"}, "express")
    assert not t.success(site.state, None)
    site.reset()
    buy(site, [items[0] | {"quantity": 1}, items[1]], address, "express")
    assert not t.success(site.state, None)
    site.reset()
    buy(site, items, address, "express")
    assert t.success(site.state, None)
    buy(site, items, address, "express")
    assert not t.success(site.state, None)


def test_gift_task_fails_with_the_plain_cheapest_product(site: ShopSite) -> None:
    t = task(site, "shop-gift-next-day")
    expected = site.data.product(t.params["expected_product_id"])
    assert expected is not None
    cheapest = min(site.data.of_kind(expected.kind), key=lambda p: p.price)
    assert cheapest.id != expected.id
    buy(
        site,
        [{"product_id": cheapest.id, "option": None, "quantity": 1}],
        t.params["address"],
        "next_day",
    )
    assert not t.success(site.state, None)


def test_cart_cleanup_needs_both_changes_and_no_more(site: ShopSite) -> None:
    t = task(site, "shop-cart-cleanup")
    keep, drop = site.state.cart
    get(site, "/cart")
    post(site, "/cart/update", line=keep.key, quantity="3")
    assert t.progress(site.state) == [True, True, False]
    assert not t.success(site.state, None)
    post(site, "/cart/remove", line=drop.key)
    assert t.success(site.state, None) and all(t.progress(site.state))
    post(site, "/cart/add", product_id=keep.product_id, option=keep.option, quantity="1")
    assert not t.success(site.state, None)


def test_top_rated_task_wants_that_product_added_once(site: ShopSite) -> None:
    t = task(site, "shop-top-rated-under-budget")
    expected = site.data.product(t.params["expected_product_id"])
    assert expected is not None and expected.price < t.params["limit"] * 100
    other = next(
        p
        for p in site.data.in_category(t.params["category"])
        if p.id != expected.id and p.in_stock and not p.options
    )
    post(site, "/cart/add", product_id=other.id, option="", quantity="1")
    assert not t.success(site.state, None)
    site.reset()
    option = expected.options[0] if expected.options else ""
    post(site, "/cart/add", product_id=expected.id, option=option, quantity="1")
    assert t.success(site.state, None)
    post(site, "/cart/add", product_id=expected.id, option=option, quantity="1")
    assert not t.success(site.state, None)


def test_cancel_task_wants_only_the_pending_order_cancelled(site: ShopSite) -> None:
    t = task(site, "shop-cancel-pending-order")
    assert not t.success(site.state, None)
    get(site, "/orders")
    get(site, f"/orders/{t.params['order_number']}")
    post(site, f"/orders/{t.params['order_number']}/cancel")
    assert t.success(site.state, None) and all(t.progress(site.state))
    buy(
        site,
        [{"product_id": site.data.products[0].id, "option": None, "quantity": 1}],
        {
            "full_name": "A B",
            "street": "1 Main St",
            "city": "Austin",
            "state": "TX",
            "zip_code": "78701",
        },
        "standard",
    )
    assert not t.success(site.state, None)


def test_review_task_checks_product_rating_and_words(site: ShopSite) -> None:
    t = task(site, "shop-review-last-delivery")
    p = t.params
    form = {"rating": "4", "title": p["title"], "body": p["body"], "nickname": p["nickname"]}
    post(site, f"/product/{p['product_id']}/review", **(form | {"rating": "5"}))
    assert not t.success(site.state, None)
    site.reset()
    other = next(x for x in site.data.products if x.id != p["product_id"])
    post(site, f"/product/{other.id}/review", **form)
    assert not t.success(site.state, None)
    site.reset()
    post(site, f"/product/{p['product_id']}/review", **(form | {"title": "  does the JOB "}))
    assert t.success(site.state, None)
    post(site, f"/product/{p['product_id']}/review", **form)
    assert not t.success(site.state, None)


def test_reorder_task_is_the_order_it_names(site: ShopSite) -> None:
    t = task(site, "shop-reorder-past-order")
    order = site.state.order(t.params["prelude_order"])
    assert order is not None and order.status == "Delivered"
    assert order.day.strftime("%B") in t.intent
    wanted = {(i["product_id"], i["option"]): i["quantity"] for i in t.params["items"]}
    assert wanted == {(line.product_id, line.option): line.quantity for line in order.lines}


# -- over HTTP ---------------------------------------------------------------------------


@pytest.fixture
def served() -> Iterator[ShopSite]:
    site = ShopSite(seed=0)
    site.start()
    yield site
    site.stop()


def test_the_served_site_follows_post_redirect_get(served: ShopSite) -> None:
    product = next(p for p in served.data.products if not p.options and p.stock >= 3)
    data = f"product_id={product.id}&quantity=2".encode()
    with urllib.request.urlopen(served.url + "/cart/add", data=data, timeout=10) as response:
        assert urlsplit(response.geturl()).path == "/cart"
        assert product.name in response.read().decode()
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(served.url + "/product/1", timeout=10)
    assert error.value.code == 404
    assert served.state.cart_contents()[(product.id, "")] == 2
