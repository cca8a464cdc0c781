"""Corner Shop's tasks, generated from the shop's data so expected answers are exact.

Each builder picks its facts from the catalogue and the order history (which product
is cheapest under a constraint, which order is pending, what was spent in a month),
preferring picks where the constraint really matters (the cheapest water bottle of at
least 750 ml is not simply the cheapest water bottle), so an agent that ignores part of
the intent fails instead of passing by luck.

Milestone and success checks are closures over the task's facts and read only the
`ShopState` (and the agent's answer), never the pages. The typed facts (`facts.py`)
carry what the scripted oracle needs: the products to find and how to find them, the
cart wanted, the address and card, the answer.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from typing import Any

from mira_agent.sites.answers import (
    first_number,
    long_date,
    money,
    normalize,
    numbers,
    parse_amount,
    parse_count,
)
from mira_agent.sites.base import Milestone, Task
from mira_agent.sites.shop.data import (
    CATEGORIES,
    CUSTOMER,
    US_STATES,
    Address,
    Order,
    Product,
    ShopData,
)
from mira_agent.sites.shop.facts import Buy, Cancel, Find, History, Item, Review, Visit
from mira_agent.sites.shop.state import ShopState, contents
from mira_agent.sites.specs import Card, Draft, Spec, answered
from mira_agent.sites.specs import build_tasks as build

SITE = "shop"
Check = Callable[[ShopState], bool]
Success = Callable[[Any, str | None], bool]

# (product id, option or None for "any option"): quantity
Wanted = dict[tuple[str, str | None], int]


# -- checks shared by tasks --------------------------------------------------------------


def _no_orders(state: ShopState) -> bool:
    return not state.placed_orders and not state.cancelled


def _listed(product_id: str, **conditions: Any) -> Check:
    """A product listing (search or category) served showing `product_id`, with each
    condition (a listing attribute and its value, or a predicate on it) met."""

    def check(state: ShopState) -> bool:
        for listing in state.listings:
            if product_id not in listing.product_ids:
                continue
            ok = True
            for name, expected in conditions.items():
                actual = getattr(listing, name)
                ok = ok and (expected(actual) if callable(expected) else actual == expected)
            if ok:
                return True
        return False

    return check


def _viewed(product_id: str) -> Check:
    return lambda state: product_id in state.product_views


def _cart_matches(state: ShopState, wanted: Wanted) -> bool:
    """The cart holds exactly the wanted lines now (an option of None takes any one)."""
    return _lines_match(((p, o, q) for (p, o), q in state.cart_contents().items()), wanted)


def _cart_held(wanted: Wanted) -> Check:
    """The cart held exactly the wanted lines at some point (it stays true once true:
    placing the order empties the cart)."""

    def check(state: ShopState) -> bool:
        return any(
            _lines_match(((c.product_id, c.option, c.quantity) for c in cart), wanted)
            for cart in state.cart_history
        )

    return check


def _lines_match(lines: Iterable[tuple[str, str, int]], wanted: Wanted) -> bool:
    """Order lines (product, option, quantity) are exactly the wanted ones."""
    remaining = {(p, o): q for p, o, q in lines}
    if len(remaining) != len(wanted):
        return False
    for (product_id, option), quantity in wanted.items():
        key = (
            next((k for k in remaining if k[0] == product_id), None)
            if option is None
            else (product_id, option)
        )
        if key not in remaining or remaining.pop(key) != quantity:
            return False
    return True


def _address_matches(address: Address, expected: Address) -> bool:
    return (
        normalize(address.full_name) == normalize(expected.full_name)
        and normalize(address.street) == normalize(expected.street)
        and normalize(address.city) == normalize(expected.city)
        and address.state == expected.state
        and address.zip_code == expected.zip_code
    )


def _shipping_given(wanted: Wanted, address: Address, method: str) -> Check:
    def check(state: ShopState) -> bool:
        return any(
            s.method == method
            and _address_matches(s.address, address)
            and _lines_match(((c.product_id, c.option, c.quantity) for c in s.cart), wanted)
            for s in state.shipping_submissions
        )

    return check


def _ordered(wanted: Wanted, address: Address, method: str) -> Success:
    """Exactly one order placed, with exactly the wanted lines, address and method; and
    nothing cancelled on the way."""

    def success(state: ShopState, answer: str | None = None) -> bool:
        placed = state.placed_orders
        if len(placed) != 1 or state.cancelled:
            return False
        order = placed[0]
        lines = ((line.product_id, line.option, line.quantity) for line in order.lines)
        return (
            _lines_match(lines, wanted)
            and _address_matches(order.address, address)
            and order.shipping == method
        )

    return success


# -- describing things in intents -----------------------------------------------------------


def _item_text(product: Product, option: str | None, quantity: int) -> str:
    colour = f" in {option}" if option else ""
    return f"{quantity} × {product.name}{colour}"


def _address_text(address: Address) -> str:
    return (
        f"{address.full_name}, {address.street}, {address.city}, "
        f"{US_STATES[address.state]} {address.state} {address.zip_code}"
    )


def _wanted_items(data: ShopData, wanted: Wanted, finds: dict[str, Find]) -> tuple[Item, ...]:
    """The cart the oracle aims for, with how to find each product."""
    items = []
    for (product_id, option), quantity in wanted.items():
        product = data.product(product_id)
        assert product is not None
        find = finds.get(product_id, Find(query=product.name))
        items.append(Item(product_id, product.name, option, quantity, find))
    return tuple(items)


def _kind_plural(kind: str) -> str:
    return {"Chef's Knife": "chef's knives", "Wireless Mouse": "wireless mice"}.get(
        kind, kind.lower() + "s"
    )


# -- the tasks -------------------------------------------------------------------------------


def _cheapest_rated(data: ShopData) -> Draft:
    """The price of the cheapest product of a kind with a rating of at least a threshold."""
    choice = None
    for kind in (
        "Bluetooth Speaker",
        "Desk Lamp",
        "Water Bottle",
        "Wireless Mouse",
        "Travel Mug",
        "Storage Basket",
        "Camping Chair",
        "Power Bank",
    ):
        products = data.of_kind(kind)
        cheapest = min(products, key=lambda p: p.price)
        for threshold in (4.0, 3.5):
            good = [p for p in products if p.rating >= threshold]
            if good and min(good, key=lambda p: p.price) != cheapest:
                choice = (kind, threshold, min(good, key=lambda p: p.price))
                break
        if choice:
            break
    if choice is None:
        kind = "Bluetooth Speaker"
        expected = min(data.of_kind(kind), key=lambda p: p.price)
        choice = (kind, 0.0, expected)
    kind, threshold, expected = choice
    plural = _kind_plural(kind)
    query = kind.lower()

    success = answered(lambda answer: parse_amount(answer) == expected.price, _no_orders)

    return Draft(
        intent=(
            f"What is the price of the cheapest {kind.lower()} that has an average customer "
            f"rating of at least {threshold:.1f} stars? Don't buy anything; answer with the price."
        ),
        milestones=(
            Milestone(f"Search results listing the {plural} are shown", _listed(expected.id)),
            Milestone(
                f"The {plural} are listed sorted by price, low to high",
                _listed(expected.id, sort="price_asc"),
            ),
        ),
        success=success,
        facts=Visit(
            finds=(Find(query=query, sort="price_asc"),),
            answer=money(expected.price),
            expected_product_id=expected.id,
            expected_price=expected.price,
        ),
        tags=("information", "search", "sort"),
    )


def _month_spending(data: ShopData) -> Draft:
    """What the customer spent in the month that has a cancelled order."""
    cancelled = next(o for o in data.orders if o.status == "Cancelled")
    year, month = cancelled.day.year, cancelled.day.month
    in_month = [o for o in data.orders if (o.day.year, o.day.month) == (year, month)]
    expected = sum(o.total for o in in_month if o.status != "Cancelled")
    numbers = {o.number for o in in_month}
    month_name = f"{cancelled.day:%B} {year}"
    newest_first = sorted(data.orders, key=lambda o: (o.day, o.number), reverse=True)
    last_index = max(i for i, o in enumerate(newest_first) if o.number in numbers)
    pages = last_index // 10 + 1

    def history_open(state: ShopState) -> bool:
        return bool(state.history_views)

    def month_listed(state: ShopState) -> bool:
        seen = {n for view in state.history_views for n in view.order_numbers}
        return numbers <= seen

    success = answered(lambda answer: parse_amount(answer) == expected, _no_orders)

    return Draft(
        intent=(
            f"How much did I spend in total on the orders I placed in {month_name}? "
            "Don't count cancelled orders. Answer with the amount."
        ),
        milestones=(
            Milestone("The order history (My orders) is open", history_open),
            Milestone(f"Every order placed in {month_name} has been listed", month_listed),
        ),
        success=success,
        facts=History(
            pages=pages,
            answer=money(expected),
            expected_cents=expected,
            month=f"{year}-{month:02d}",
            order_numbers=tuple(sorted(numbers)),
        ),
        tags=("information", "orders", "arithmetic"),
    )


def _attribute_of_priciest(data: ShopData) -> Draft:
    """An attribute (capacity, temperature rating) of the most expensive product of a kind."""
    choice = None
    for kind, label in (
        ("Power Bank", "Capacity"),
        ("Electric Kettle", "Capacity"),
        ("Hiking Backpack", "Capacity"),
        ("Sleeping Bag", "Temperature rating"),
        ("Travel Mug", "Capacity"),
        ("Water Bottle", "Capacity"),
    ):
        products = data.of_kind(kind)
        priciest = max(products, key=lambda p: p.price)
        values = [p.attribute(label) for p in products]
        if values.count(priciest.attribute(label)) == 1:
            choice = (kind, label, priciest, products)
            break
    if choice is None:
        kind, label = "Power Bank", "Capacity"
        products = data.of_kind(kind)
        choice = (kind, label, max(products, key=lambda p: p.price), products)
    kind, label, expected, products = choice
    value = expected.attribute(label)
    others = {first_number(p.attribute(label)) for p in products} - {first_number(value)}

    def success(state: ShopState, answer: str | None) -> bool:
        if not answer or not _no_orders(state):
            return False
        said = numbers(answer)
        return first_number(value) in said and not (said & others)

    return Draft(
        intent=(
            f"What is the {label.lower()} of the most expensive {kind.lower()} in the shop? "
            "Don't buy anything; answer with the value as the product page gives it."
        ),
        milestones=(
            Milestone(
                f"Search results listing the {_kind_plural(kind)} are shown", _listed(expected.id)
            ),
            Milestone(f"The product page of {expected.name} is open", _viewed(expected.id)),
        ),
        success=success,
        facts=Visit(
            finds=(
                Find(
                    query=kind.lower(),
                    sort="price_desc",
                    product_id=expected.id,
                    name=expected.name,
                ),
            ),
            answer=value,
            expected_product_id=expected.id,
        ),
        tags=("information", "search", "product-details"),
    )


def _pick_buyable(
    rng: random.Random,
    data: ShopData,
    exclude: set[str],
    *,
    options: bool,
    stock: int,
) -> Product:
    pool = [
        p
        for p in data.products
        if p.stock >= stock and bool(p.options) == options and p.id not in exclude
    ]
    return rng.choice(pool)


def _express_checkout(data: ShopData, rng: random.Random) -> Draft:
    """Buy 2 of one product in a colour and 1 of another, express, to a friend."""
    leftovers = {line[0] for line in data.initial_cart}
    first = _pick_buyable(rng, data, leftovers, options=True, stock=4)
    second = _pick_buyable(rng, data, leftovers | {first.id}, options=False, stock=2)
    colour = rng.choice(first.options)
    wanted: Wanted = {(first.id, colour): 2, (second.id, ""): 1}
    address = Address("Jordan Lee", "45 Harbor Road", "Seattle", "WA", "98101")
    method = "express"
    card = Card(CUSTOMER.name)

    def first_in_cart(state: ShopState) -> bool:
        return any(contents(cart).get((first.id, colour)) == 2 for cart in state.cart_history)

    return Draft(
        intent=(
            f"Order {_item_text(first, colour, 2)} and {_item_text(second, None, 1)}, and "
            "nothing else (my cart has other things in it: remove them). Ship the order with "
            f"Express shipping to {_address_text(address)}. {card.instructions()}"
        ),
        milestones=(
            Milestone(f"The cart holds {_item_text(first, colour, 2)}", first_in_cart),
            Milestone(
                f"The cart holds exactly {_item_text(first, colour, 2)} and "
                f"{_item_text(second, None, 1)}",
                _cart_held(wanted),
            ),
            Milestone(
                f"Shipping to {address.full_name} in {address.city} by Express is submitted",
                _shipping_given(wanted, address, method),
            ),
            Milestone("The order is placed", _ordered(wanted, address, method)),
        ),
        success=_ordered(wanted, address, method),
        facts=Buy(items=_wanted_items(data, wanted, {}), address=address, method=method, card=card),
        tags=("action", "cart", "checkout", "long"),
    )


def _cart_cleanup(data: ShopData) -> Draft:
    """Change the quantity of one leftover cart line and remove the other."""
    (keep_id, keep_option, _), (drop_id, drop_option, _) = data.initial_cart
    keep, drop = data.product(keep_id), data.product(drop_id)
    assert keep is not None and drop is not None
    quantity = 3
    final: Wanted = {(keep_id, keep_option): quantity}

    def label(product: Product, option: str) -> str:
        return product.name + (f" ({option})" if option else "")

    def quantity_changed(state: ShopState) -> bool:
        return any(contents(c).get((keep_id, keep_option)) == quantity for c in state.cart_history)

    def success(state: ShopState, answer: str | None) -> bool:
        return _cart_matches(state, final) and _no_orders(state)

    return Draft(
        intent=(
            f"In my shopping cart, change the quantity of the {label(keep, keep_option)} to "
            f"{quantity} and remove the {label(drop, drop_option)}. Don't check out."
        ),
        milestones=(
            Milestone("The cart is open", lambda state: state.cart_views > 0),
            Milestone(f"The cart holds {quantity} × {label(keep, keep_option)}", quantity_changed),
            Milestone(
                f"The {label(drop, drop_option)} is removed and the cart holds only "
                f"{quantity} × {label(keep, keep_option)}",
                _cart_held(final),
            ),
        ),
        success=success,
        facts=Buy(items=_wanted_items(data, final, {}), checkout=False),
        tags=("action", "cart"),
    )


def _review_last_delivery(data: ShopData) -> Draft:
    """A 4-star review of the item in the newest delivered order."""
    order = max((o for o in data.orders if o.status == "Delivered"), key=lambda o: o.day)
    line = order.lines[0]
    product = data.product(line.product_id)
    assert product is not None and len(order.lines) == 1
    rating, title = 4, "Does the job"
    body = "Sturdy and works well. It took a few days to get used to, but I'm happy with it."
    nickname = "Alex M."

    def review_ok(state: ShopState, answer: str | None = None) -> bool:
        reviews = state.reviews
        if len(reviews) != 1 or not _no_orders(state):
            return False
        review = reviews[0]
        return (
            review.product_id == product.id
            and review.rating == rating
            and normalize(review.title) == normalize(title)
            and normalize(review.body) == normalize(body)
            and normalize(review.nickname) == normalize(nickname)
        )

    return Draft(
        intent=(
            "Write a 4-star review of the item in my most recent delivered order. Title: "
            f"\u201c{title}\u201d. Review: \u201c{body}\u201d Show it under the name "
            f"\u201c{nickname}\u201d."
        ),
        milestones=(
            Milestone("The order history (My orders) is open", lambda s: bool(s.history_views)),
            Milestone(f"Order {order.number} is open", lambda s: order.number in s.order_views),
            Milestone(
                f"The review form for {product.name} is open",
                lambda s: product.id in s.review_forms,
            ),
            Milestone(f"A 4-star review of {product.name} is posted", review_ok),
        ),
        success=review_ok,
        facts=Review(
            order_number=order.number,
            product_id=product.id,
            product_name=product.name,
            rating=rating,
            title=title,
            body=body,
            nickname=nickname,
        ),
        tags=("action", "orders", "reviews", "long"),
    )


def _top_rated_under(data: ShopData) -> Draft:
    """The best-rated product in a category under a price limit, added to the cart."""
    leftovers = {line[0] for line in data.initial_cart}
    choice = None
    for category in ("kitchen", "home", "outdoor", "electronics", "books"):
        products = data.in_category(category)
        best = max(products, key=lambda p: (p.rating, len(p.reviews)))
        for limit in (25, 30, 35, 40, 45, 50, 60, 70):
            under = [p for p in products if p.price < limit * 100]
            if not under or any(p.price == limit * 100 for p in products):
                continue
            top = max(under, key=lambda p: p.rating)
            unique = [p.rating for p in under].count(top.rating) == 1
            cheapest = min(under, key=lambda p: p.price)
            if (
                unique
                and top.in_stock
                and top != best
                and top != cheapest
                and top.id not in leftovers
            ):
                choice = (category, limit, top)
                break
        if choice:
            break
    assert choice is not None, "no category has a clear top-rated product under a limit"
    category, limit, expected = choice
    name = CATEGORIES[category]
    wanted: Wanted = {(pid, option): qty for pid, option, qty in data.initial_cart}
    wanted[(expected.id, None)] = 1

    def filtered(state: ShopState) -> bool:
        return _listed(
            expected.id,
            category=category,
            max_price=lambda cents: cents is not None and cents <= limit * 100,
        )(state)

    def success(state: ShopState, answer: str | None) -> bool:
        return _cart_matches(state, wanted) and _no_orders(state)

    return Draft(
        intent=(
            f"Find the highest-rated product in the {name} category that costs less than "
            f"${limit}, and add one of it to my cart (any colour). Keep what is already in "
            "my cart, and don't check out."
        ),
        milestones=(
            Milestone(f"{name} products under ${limit} are listed", filtered),
            Milestone(f"The product page of {expected.name} is open", _viewed(expected.id)),
            Milestone(f"One {expected.name} is added to the cart", _cart_held(wanted)),
        ),
        success=success,
        facts=Buy(
            items=_wanted_items(
                data,
                wanted,
                {expected.id: Find(category=category, max_price=str(limit), sort="rating")},
            ),
            checkout=False,
            category=category,
            limit=limit,
            expected_product_id=expected.id,
        ),
        tags=("action", "browse", "filter", "cart"),
    )


def _cancel_pending(data: ShopData) -> Draft:
    order = next(o for o in data.orders if o.status == "Pending")

    def success(state: ShopState, answer: str | None) -> bool:
        return state.cancelled == (order.number,) and not state.placed_orders

    return Draft(
        intent="Cancel my order that hasn't shipped yet.",
        milestones=(
            Milestone("The order history (My orders) is open", lambda s: bool(s.history_views)),
            Milestone(f"Order {order.number} is open", lambda s: order.number in s.order_views),
            Milestone(f"Order {order.number} is cancelled", lambda s: order.number in s.cancelled),
        ),
        success=success,
        facts=Cancel(order_number=order.number),
        tags=("action", "orders"),
    )


def _reorder(data: ShopData) -> Draft:
    """Order again what a past delivered order held, to the usual address."""
    leftovers = {line[0] for line in data.initial_cart}

    def fits(order: Order) -> bool:
        return (
            order.status == "Delivered"
            and len(order.lines) == 2
            and any(line.option for line in order.lines)
            and all(
                (p := data.product(line.product_id)) is not None
                and p.stock >= line.quantity
                and p.id not in leftovers
                for line in order.lines
            )
        )

    order = max((o for o in data.orders if fits(o)), key=lambda o: o.day)
    wanted: Wanted = {(line.product_id, line.option): line.quantity for line in order.lines}
    address = CUSTOMER.address
    method = "standard"
    card = Card(CUSTOMER.name)
    listed = " and ".join(
        _item_text(product, line.option, line.quantity)
        for line in order.lines
        if (product := data.product(line.product_id)) is not None
    )

    return Draft(
        intent=(
            f"Order again exactly what I bought in my order of {long_date(order.day)}: the "
            "same items, colours and quantities, and nothing else (remove anything else from "
            f"my cart). Ship it to my usual address ({_address_text(address)}) with Standard "
            f"shipping. {card.instructions()}"
        ),
        milestones=(
            Milestone(f"Order {order.number} is open", lambda s: order.number in s.order_views),
            Milestone(f"The cart holds exactly {listed}", _cart_held(wanted)),
            Milestone(
                "Shipping to the usual address by Standard is submitted",
                _shipping_given(wanted, address, method),
            ),
            Milestone("The order is placed", _ordered(wanted, address, method)),
        ),
        success=_ordered(wanted, address, method),
        facts=Buy(
            prelude_order=order.number,
            items=_wanted_items(data, wanted, {}),
            address=address,
            method=method,
            card=card,
        ),
        tags=("action", "orders", "cart", "checkout", "long"),
    )


def _gift_next_day(data: ShopData) -> Draft:
    """The cheapest product of a kind with at least some capacity, sent next-day."""
    leftovers = {line[0] for line in data.initial_cart}
    choice = None
    for kind in (
        "Water Bottle",
        "Travel Mug",
        "Hiking Backpack",
        "Electric Kettle",
        "French Press",
        "Power Bank",
    ):
        products = data.of_kind(kind)
        cheapest = min(products, key=lambda p: p.price)
        sizes = sorted({first_number(p.attribute("Capacity")) for p in products})
        for size in sizes[1:]:
            big = [p for p in products if first_number(p.attribute("Capacity")) >= size]
            pick = min(big, key=lambda p: p.price)
            if pick != cheapest and pick.in_stock and pick.id not in leftovers:
                text = next(
                    p.attribute("Capacity")
                    for p in big
                    if first_number(p.attribute("Capacity")) == size
                )
                choice = (kind, text, pick)
                break
        if choice:
            break
    assert choice is not None, "no kind has a capacity that changes the cheapest pick"
    kind, size_text, expected = choice
    wanted: Wanted = {(expected.id, None if expected.options else ""): 1}
    address = Address("Sam Rivera", "9 Orchard Lane", "Austin", "TX", "78704")
    method = "next_day"
    card = Card(CUSTOMER.name)
    colour = " (any colour)" if expected.options else ""

    return Draft(
        intent=(
            f"Send my friend the cheapest {kind.lower()} with a capacity of at least "
            f"{size_text}{colour}: one of it, and nothing else in the order (remove anything "
            f"else from my cart). Ship it with Next-day shipping to {_address_text(address)}. "
            f"{card.instructions()}"
        ),
        milestones=(
            Milestone(
                f"Search results listing the {_kind_plural(kind)} are shown", _listed(expected.id)
            ),
            Milestone(f"The cart holds only one {expected.name}", _cart_held(wanted)),
            Milestone(
                f"Shipping to {address.full_name} in {address.city} by Next-day is submitted",
                _shipping_given(wanted, address, method),
            ),
            Milestone("The order is placed", _ordered(wanted, address, method)),
        ),
        success=_ordered(wanted, address, method),
        facts=Buy(
            items=_wanted_items(
                data, wanted, {expected.id: Find(query=kind.lower(), sort="price_asc")}
            ),
            address=address,
            method=method,
            card=card,
            expected_product_id=expected.id,
        ),
        tags=("action", "search", "cart", "checkout", "long"),
    )


def _compare_ratings(data: ShopData, rng: random.Random) -> Draft:
    """Which of two products of a kind has the higher rating (named in the answer)."""
    pairs = []
    for kind in ("Throw Blanket", "Chef's Knife", "Camping Lantern", "Desk Lamp", "Novel"):
        products = data.of_kind(kind)
        for a in products:
            for b in products:
                if int(a.id) < int(b.id) and abs(a.rating - b.rating) >= 0.3:
                    pairs.append((a, b))
    first, second = rng.choice(pairs)
    winner, loser = (first, second) if first.rating > second.rating else (second, first)

    def success(state: ShopState, answer: str | None) -> bool:
        said = normalize(answer or "")
        return (
            normalize(winner.name) in said
            and normalize(loser.name) not in said
            and _no_orders(state)
        )

    return Draft(
        intent=(
            f"Which has the higher average customer rating: the {first.name} or the "
            f"{second.name}? Don't buy anything; answer with the product's name."
        ),
        milestones=(
            Milestone(
                f"The rating of {first.name} is shown",
                lambda s: _viewed(first.id)(s) or _listed(first.id)(s),
            ),
            Milestone(
                f"The rating of {second.name} is shown",
                lambda s: _viewed(second.id)(s) or _listed(second.id)(s),
            ),
        ),
        success=success,
        facts=Visit(
            finds=(
                Find(query=first.name, product_id=first.id, name=first.name),
                Find(query=second.name, product_id=second.id, name=second.name),
            ),
            answer=winner.name,
        ),
        tags=("information", "search", "compare"),
    )


def _five_star_count(data: ShopData, rng: random.Random) -> Draft:
    """How many 5-star reviews a product has (read off its reviews)."""
    pool = [
        p
        for p in data.products
        if len(p.reviews) >= 6 and 2 <= sum(r.rating == 5 for r in p.reviews) < len(p.reviews)
    ]
    product = rng.choice(pool)
    expected = sum(r.rating == 5 for r in product.reviews)

    success = answered(lambda answer: parse_count(answer) == expected, _no_orders)

    return Draft(
        intent=(
            f"How many 5-star reviews does the {product.name} have? Don't write a review or "
            "buy anything; answer with the number."
        ),
        milestones=(
            Milestone(f"Search results listing {product.name} are shown", _listed(product.id)),
            Milestone(f"The product page of {product.name} is open", _viewed(product.id)),
        ),
        success=success,
        facts=Visit(
            finds=(Find(query=product.name, product_id=product.id, name=product.name),),
            answer=str(expected),
            expected_count=expected,
        ),
        tags=("information", "search", "reviews"),
    )


def _draws(data: ShopData) -> tuple[Draft, Draft, Draft]:
    """The three tasks that draw from the shop's random stream, built in the order they
    always have been (so the table's order does not change what they draw)."""
    rng = random.Random(f"mira-shop-tasks:{data.seed}")
    express = _express_checkout(data, rng)
    compare = _compare_ratings(data, rng)
    return express, compare, _five_star_count(data, rng)


def _drawn(index: int) -> Callable[[ShopData], Draft]:
    return lambda data: _draws(data)[index]


SPECS: tuple[Spec[ShopData], ...] = (
    Spec("shop-cheapest-well-rated", "train", _cheapest_rated),
    Spec("shop-month-spending", "train", _month_spending),
    Spec("shop-compare-ratings", "train", _drawn(1)),
    Spec("shop-five-star-reviews", "train", _drawn(2)),
    Spec("shop-cart-cleanup", "train", _cart_cleanup),
    Spec("shop-cancel-pending-order", "train", _cancel_pending),
    Spec("shop-express-checkout", "train", _drawn(0)),
    Spec("shop-gift-next-day", "train", _gift_next_day),
    Spec("shop-priciest-capacity", "test", _attribute_of_priciest),
    Spec("shop-top-rated-under-budget", "test", _top_rated_under),
    Spec("shop-review-last-delivery", "test", _review_last_delivery),
    Spec("shop-reorder-past-order", "test", _reorder),
)


def build_tasks(data: ShopData) -> list[Task]:
    """All shop tasks for this shop, in the table's order (train first, then test)."""
    return build(SITE, SPECS, data)
