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
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any

from mira_agent.sites.answers import (
    first_number,
    long_date,
    money,
    names_one,
    normalize,
    numbers,
    parse_amount,
    parse_count,
)
from mira_agent.sites.base import Milestone, Task
from mira_agent.sites.shop.data import (
    CATEGORIES,
    CUSTOMER,
    ORDER_STATUSES,
    SHIPPING_METHODS,
    US_STATES,
    Address,
    Order,
    Product,
    ShopData,
)
from mira_agent.sites.shop.facts import Buy, Cancel, Find, History, Item, Review, Visit
from mira_agent.sites.shop.forms import MAX_QUANTITY
from mira_agent.sites.shop.state import ShopState, contents
from mira_agent.sites.specs import Card, Draft, Spec, answered
from mira_agent.sites.specs import build_tasks as build
from mira_agent.sites.task_templates import Unfit

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


def _items_text(lines: Sequence[Line]) -> str:
    """Cart lines as an intent lists them: "A", "A and B", "A, B and C"."""
    texts = [_item_text(product, option, quantity) for product, option, quantity in lines]
    return texts[0] if len(texts) == 1 else ", ".join(texts[:-1]) + " and " + texts[-1]


def _method_label(method: str) -> str:
    return SHIPPING_METHODS[method][0]


def _shipped_outcome(lines: Sequence[Line], address: Address, method: str) -> str:
    return f"ordered {_items_text(lines)}, {_method_label(method)} to {address.full_name}"


# -- the tasks, each built from its parameters ------------------------------------------------


def build_rated_price(data: ShopData, scope: str, threshold: float, highest: bool = False) -> Draft:
    """The price of the cheapest (or the most expensive) product of a kind (or of a
    category, when `scope` is one) with a rating of at least `threshold`: found by a
    search (or the category's page) sorted by price."""
    in_category = scope in CATEGORIES
    products = data.in_category(scope) if in_category else data.of_kind(scope)
    good = [p for p in products if p.rating >= threshold]
    if not good:
        raise Unfit(f"no {scope} product is rated {threshold} or more")
    expected = (max if highest else min)(good, key=lambda p: p.price)
    extreme, sort, order = (
        ("most expensive", "price_desc", "high to low")
        if highest
        else ("cheapest", "price_asc", "low to high")
    )
    success = answered(lambda answer: parse_amount(answer) == expected.price, _no_orders)
    if in_category:
        shown = f"{CATEGORIES[scope]} products"
        what, listed = f"product in the {CATEGORIES[scope]} category", f"{shown} are listed"
        conditions: dict[str, Any] = {"category": scope}
        find = Find(category=scope, sort=sort)
    else:
        shown = _kind_plural(scope)
        what, listed = scope.lower(), f"Search results listing the {shown} are shown"
        conditions = {}
        find = Find(query=scope.lower(), sort=sort)

    return Draft(
        intent=(
            f"What is the price of the {extreme} {what} that has an average customer "
            f"rating of at least {threshold:.1f} stars? Don't buy anything; answer with the price."
        ),
        milestones=(
            Milestone(listed, _listed(expected.id, **conditions)),
            Milestone(
                f"The {shown} are listed sorted by price, {order}",
                _listed(expected.id, sort=sort, **conditions),
            ),
        ),
        success=success,
        facts=Visit(
            finds=(find,),
            answer=money(expected.price),
            expected_product_id=expected.id,
            expected_price=expected.price,
        ),
        tags=("information", "search", "sort"),
        outcome=money(expected.price),
    )


def _cheapest_rated(data: ShopData) -> Draft:
    """The price of the cheapest product of a kind with a rating of at least a threshold."""
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
                return build_rated_price(data, kind, threshold)
    return build_rated_price(data, "Bluetooth Speaker", 0.0)


Month = tuple[int, int]  # (year, month)


def _month_text(month: Month) -> str:
    return f"{date(month[0], month[1], 1):%B} {month[0]}"


SPENDING_QUESTIONS = {
    # measure: (question, how to answer)
    "amount": ("How much did I spend in total on the orders I placed", "the amount"),
    "items": ("How many items did I buy in total in the orders I placed", "the number"),
    "orders": ("How many orders did I place", "the number"),
}


def build_spending(data: ShopData, first: Month, last: Month, measure: str = "amount") -> Draft:
    """What the customer spent (or how many items or orders they bought) from month
    `first` through `last` (one month when they are the same), cancelled orders left
    out: read off the order history's pages."""
    in_period = [o for o in data.orders if first <= (o.day.year, o.day.month) <= last]
    if not in_period:
        raise Unfit("no order was placed in the period")
    kept = [o for o in in_period if o.status != "Cancelled"]
    spent = sum(o.total for o in kept)
    count = sum(o.item_count for o in kept) if measure == "items" else len(kept)
    if measure != "amount" and count == 0:
        raise Unfit("nothing was bought in the period")
    numbers = {o.number for o in in_period}
    period = (
        f"in {_month_text(first)}"
        if first == last
        else f"from {_month_text(first)} through {_month_text(last)}"
    )
    newest_first = sorted(data.orders, key=lambda o: (o.day, o.number), reverse=True)
    last_index = max(i for i, o in enumerate(newest_first) if o.number in numbers)
    pages = last_index // 10 + 1
    months = "..".join(dict.fromkeys(f"{y}-{m:02d}" for y, m in (first, last)))

    def history_open(state: ShopState) -> bool:
        return bool(state.history_views)

    def period_listed(state: ShopState) -> bool:
        seen = {n for view in state.history_views for n in view.order_numbers}
        return numbers <= seen

    if measure == "amount":
        answer = money(spent)
        success = answered(lambda answer: parse_amount(answer) == spent, _no_orders)
    else:
        answer = str(count)
        success = answered(lambda answer: parse_count(answer) == count, _no_orders)
    question, how = SPENDING_QUESTIONS[measure]

    return Draft(
        intent=(f"{question} {period}? Don't count cancelled orders. Answer with {how}."),
        milestones=(
            Milestone("The order history (My orders) is open", history_open),
            Milestone(f"Every order placed {period} has been listed", period_listed),
        ),
        success=success,
        facts=History(
            pages=pages,
            answer=answer,
            expected_cents=spent,
            month=months,
            order_numbers=tuple(sorted(numbers)),
            expected_count=None if measure == "amount" else count,
        ),
        tags=("information", "orders", "arithmetic"),
        outcome=answer if measure == "amount" else f"{answer} {measure}",
    )


def _month_spending(data: ShopData) -> Draft:
    """What the customer spent in the month that has a cancelled order."""
    cancelled = next(o for o in data.orders if o.status == "Cancelled")
    month = (cancelled.day.year, cancelled.day.month)
    return build_spending(data, month, month)


def _value_check(value: str, others: Iterable[str], numeric: bool) -> Callable[[str], bool]:
    """Whether an answer states `value` and none of its rivals: by number when the
    values are measures ("20000 mAh"), by words otherwise ("Hardcover")."""
    if numeric:
        rivals = {first_number(v) for v in others} - {first_number(value)}
        return lambda answer: (
            first_number(value) in numbers(answer) and not (numbers(answer) & rivals)
        )
    return lambda answer: names_one(answer, value, others)


# How a product stands out among its kind: (its key, to be the largest; the listing
# sort that puts it first, or "featured" for none)
STANDOUTS: dict[str, tuple[Callable[[Product], float], str]] = {
    "most expensive": (lambda p: p.price, "price_desc"),
    "cheapest": (lambda p: -p.price, "price_asc"),
    "best-rated": (lambda p: p.rating, "rating"),
    "lowest-rated": (lambda p: -p.rating, "featured"),
    "most reviewed": (lambda p: len(p.reviews), "featured"),
    "least reviewed": (lambda p: -len(p.reviews), "featured"),
}


def standout(products: Sequence[Product], criterion: str) -> Product | None:
    """The one product that stands out by `criterion`; None on a tie."""
    key = STANDOUTS[criterion][0]
    top = max(key(p) for p in products)
    found = [p for p in products if key(p) == top]
    return found[0] if len(found) == 1 else None


def build_extreme_attribute(
    data: ShopData, kind: str, label: str, criterion: str = "most expensive", shared: bool = False
) -> Draft:
    """An attribute of the product of a kind that stands out by `criterion` (the most
    expensive, the best-rated), read off its product page; only a product no other one
    ties with, and a value no other product of the kind has, makes a task (a `shared`
    value is let through: the fixed task's last resort)."""
    products = data.of_kind(kind)
    expected = standout(products, criterion)
    if expected is None:
        raise Unfit(f"no one {kind} is the {criterion}")
    value = expected.attribute(label)
    values = [p.attribute(label) for p in products]
    if not value or (values.count(value) != 1 and not shared):
        raise Unfit(f"the {label} of {expected.name} is not its own")
    numeric = all(any(c.isdigit() for c in v) for v in values)
    correct = _value_check(value, values, numeric)
    sort = STANDOUTS[criterion][1]

    def success(state: ShopState, answer: str | None) -> bool:
        return bool(answer) and _no_orders(state) and correct(answer or "")

    return Draft(
        intent=(
            f"What is the {label.lower()} of the {criterion} {kind.lower()} in the shop? "
            "Don't buy anything; answer with the value as the product page gives it."
        ),
        milestones=(
            Milestone(
                f"Search results listing the {_kind_plural(kind)} are shown", _listed(expected.id)
            ),
            Milestone(
                f"The product page of the {criterion} {kind.lower()} is open",
                _viewed(expected.id),
            ),
        ),
        success=success,
        facts=Visit(
            finds=(
                Find(query=kind.lower(), sort=sort, product_id=expected.id, name=expected.name),
            ),
            answer=value,
            expected_product_id=expected.id,
        ),
        tags=("information", "search", "product-details"),
        outcome=value,
    )


def _attribute_of_priciest(data: ShopData) -> Draft:
    """An attribute (capacity, temperature rating) of the most expensive product of a kind."""
    choices = (
        ("Power Bank", "Capacity"),
        ("Electric Kettle", "Capacity"),
        ("Hiking Backpack", "Capacity"),
        ("Sleeping Bag", "Temperature rating"),
        ("Travel Mug", "Capacity"),
        ("Water Bottle", "Capacity"),
    )
    for kind, label in choices:
        try:
            return build_extreme_attribute(data, kind, label)
        except Unfit:
            continue
    return build_extreme_attribute(data, "Power Bank", "Capacity", shared=True)


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


Line = tuple[Product, str, int]  # a product, its colour ("" for none), a quantity


def build_checkout(data: ShopData, lines: Sequence[Line], address: Address, method: str) -> Draft:
    """Buy exactly these lines (the cart's leftovers removed), shipped by `method` to
    `address`."""
    first, colour, count = lines[0]
    wanted: Wanted = {(product.id, option): quantity for product, option, quantity in lines}
    card = Card(CUSTOMER.name)
    label = _method_label(method)

    def first_in_cart(state: ShopState) -> bool:
        return any(contents(cart).get((first.id, colour)) == count for cart in state.cart_history)

    return Draft(
        intent=(
            f"Order {_items_text(lines)}, and nothing else (my cart has other things in it: "
            f"remove them). Ship the order with {label} shipping to {_address_text(address)}. "
            f"{card.instructions()}"
        ),
        milestones=(
            Milestone(f"The cart holds {_item_text(first, colour, count)}", first_in_cart),
            Milestone(f"The cart holds exactly {_items_text(lines)}", _cart_held(wanted)),
            Milestone(
                f"Shipping to {address.full_name} in {address.city} by {label} is submitted",
                _shipping_given(wanted, address, method),
            ),
            Milestone("The order is placed", _ordered(wanted, address, method)),
        ),
        success=_ordered(wanted, address, method),
        facts=Buy(items=_wanted_items(data, wanted, {}), address=address, method=method, card=card),
        tags=("action", "cart", "checkout", "long"),
        outcome=_shipped_outcome(lines, address, method),
    )


def _express_checkout(data: ShopData, rng: random.Random) -> Draft:
    """Buy 2 of one product in a colour and 1 of another, express, to a friend."""
    leftovers = {line[0] for line in data.initial_cart}
    first = _pick_buyable(rng, data, leftovers, options=True, stock=4)
    second = _pick_buyable(rng, data, leftovers | {first.id}, options=False, stock=2)
    colour = rng.choice(first.options)
    address = Address("Jordan Lee", "45 Harbor Road", "Seattle", "WA", "98101")
    return build_checkout(data, ((first, colour, 2), (second, "", 1)), address, "express")


def _label(product: Product, option: str) -> str:
    return product.name + (f" ({option})" if option else "")


def build_cart_edit(data: ShopData, keep: int, quantity: int, added: Sequence[Line] = ()) -> Draft:
    """Change the quantity of the leftover cart line `keep` (0 or 1), remove the other,
    and add the `added` lines; no checkout."""
    if len(data.initial_cart) != 2 or keep not in (0, 1):
        raise Unfit("the cart edit needs the two leftover lines")
    (keep_id, keep_option, before), (drop_id, drop_option, _) = (
        data.initial_cart[keep],
        data.initial_cart[1 - keep],
    )
    kept, dropped = data.product(keep_id), data.product(drop_id)
    assert kept is not None and dropped is not None
    if quantity == before or not 1 <= quantity <= min(kept.stock, MAX_QUANTITY):
        raise Unfit(f"{quantity} is no new quantity for {kept.name}")
    final: Wanted = {(keep_id, keep_option): quantity}
    final.update({(product.id, option): count for product, option, count in added})
    keep_text, drop_text = _label(kept, keep_option), _label(dropped, drop_option)

    def quantity_changed(state: ShopState) -> bool:
        return any(contents(c).get((keep_id, keep_option)) == quantity for c in state.cart_history)

    def dropped_out(state: ShopState) -> bool:
        return any(drop_id not in {line.product_id for line in c} for c in state.cart_history)

    def success(state: ShopState, answer: str | None) -> bool:
        return _cart_matches(state, final) and _no_orders(state)

    changed = Milestone(f"The cart holds {quantity} × {keep_text}", quantity_changed)
    if added:
        adding, joiner = f", and add {_items_text(added)}", ","
        steps: tuple[Milestone, ...] = (
            Milestone(f"The {drop_text} is removed", dropped_out),
            changed,
            Milestone(
                f"The cart holds exactly {quantity} × {keep_text} and {_items_text(added)}",
                _cart_held(final),
            ),
        )
    else:
        adding, joiner = "", " and"
        steps = (
            changed,
            Milestone(
                f"The {drop_text} is removed and the cart holds only {quantity} × {keep_text}",
                _cart_held(final),
            ),
        )
    return Draft(
        intent=(
            f"In my shopping cart, change the quantity of the {keep_text} to {quantity}{joiner} "
            f"remove the {drop_text}{adding}. Don't check out."
        ),
        milestones=(Milestone("The cart is open", lambda state: state.cart_views > 0), *steps),
        success=success,
        facts=Buy(items=_wanted_items(data, final, {}), checkout=False),
        tags=("action", "cart"),
        outcome=f"cart: {quantity} × {keep_text}"
        + "".join(f", {_item_text(p, o, q)}" for p, o, q in added),
    )


def _cart_cleanup(data: ShopData) -> Draft:
    """Change the quantity of one leftover cart line and remove the other."""
    return build_cart_edit(data, keep=0, quantity=3)


REVIEWED_IN_LAST = "item in my most recent delivered order"


def build_review(
    data: ShopData,
    order: Order,
    product: Product,
    words: tuple[int, str, str, str],
    which: str = "",
    named: tuple[str, str] = ("", ""),
) -> Draft:
    """A review of `product`, bought in `order`: `words` is the rating, title, body and
    nickname; `which` names the item in the intent (by default the product and the
    order's date) and `named` the order and the item in milestones, as the intent does."""
    rating, title, body, nickname = words
    which = which or f"{product.name} from my order of {long_date(order.day)}"
    the_order = named[0] or f"The order of {long_date(order.day)}"
    item = named[1] or product.name

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
            f"Write a {rating}-star review of the {which}. Title: "
            f"\u201c{title}\u201d. Review: \u201c{body}\u201d Show it under the name "
            f"\u201c{nickname}\u201d."
        ),
        milestones=(
            Milestone("The order history (My orders) is open", lambda s: bool(s.history_views)),
            Milestone(f"{the_order} is open", lambda s: order.number in s.order_views),
            Milestone(
                f"The review form for {item} is open", lambda s: product.id in s.review_forms
            ),
            Milestone(f"A {rating}-star review of {item} is posted", review_ok),
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
        outcome=f"{rating}-star review of {product.name} by {nickname}",
    )


def _review_last_delivery(data: ShopData) -> Draft:
    """A 4-star review of the item in the newest delivered order."""
    order = max((o for o in data.orders if o.status == "Delivered"), key=lambda o: o.day)
    line = order.lines[0]
    product = data.product(line.product_id)
    assert product is not None and len(order.lines) == 1
    body = "Sturdy and works well. It took a few days to get used to, but I'm happy with it."
    words = (4, "Does the job", body, "Alex M.")
    named = ("The most recent delivered order", "the item")
    return build_review(data, order, product, words, REVIEWED_IN_LAST, named)


def top_rated_pick(data: ShopData, category: str, limit: int) -> Product | None:
    """The product a "highest-rated in a category under $limit" task wants, or None when
    the limit gives no clear pick: the top rating is shared, the pick is out of stock,
    already in the cart, or the plain best-rated or cheapest product of the category
    (so ignoring the limit or the rating fails), or a price sits right at the limit."""
    leftovers = {line[0] for line in data.initial_cart}
    products = data.in_category(category)
    best = max(products, key=lambda p: (p.rating, len(p.reviews)))
    under = [p for p in products if p.price < limit * 100]
    if not under or any(p.price == limit * 100 for p in products):
        return None
    top = max(under, key=lambda p: p.rating)
    unique = [p.rating for p in under].count(top.rating) == 1
    cheapest = min(under, key=lambda p: p.price)
    if unique and top.in_stock and top != best and top != cheapest and top.id not in leftovers:
        return top
    return None


COUNT_WORDS = ("zero", "one", "two", "three", "four", "five")


def build_top_rated(data: ShopData, category: str, limit: int, quantity: int = 1) -> Draft:
    """The best-rated product in a category under a price limit, `quantity` of it added
    to the cart."""
    expected = top_rated_pick(data, category, limit)
    if expected is None:
        raise Unfit(f"no clear top-rated {category} product under ${limit}")
    if not 1 <= quantity <= min(expected.stock, len(COUNT_WORDS) - 1):
        raise Unfit(f"{expected.name} has no {quantity} in stock")
    name = CATEGORIES[category]
    wanted: Wanted = {(pid, option): qty for pid, option, qty in data.initial_cart}
    wanted[(expected.id, None)] = quantity
    added = (
        "One of that product is added"
        if quantity == 1
        else f"{COUNT_WORDS[quantity].capitalize()} of that product are added"
    )

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
            f"${limit}, and add {COUNT_WORDS[quantity]} of it to my cart (any colour). Keep what "
            "is already in "
            "my cart, and don't check out."
        ),
        milestones=(
            Milestone(f"{name} products under ${limit} are listed", filtered),
            Milestone(
                f"The product page of the highest-rated {name} product under ${limit} is open",
                _viewed(expected.id),
            ),
            Milestone(f"{added} to the cart", _cart_held(wanted)),
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
        outcome=f"added {quantity} × {expected.name} to the cart",
    )


def _top_rated_under(data: ShopData) -> Draft:
    """The best-rated product in a category under the first limit that picks one."""
    for category in ("kitchen", "home", "outdoor", "electronics", "books"):
        for limit in (25, 30, 35, 40, 45, 50, 60, 70):
            if top_rated_pick(data, category, limit) is not None:
                return build_top_rated(data, category, limit)
    raise AssertionError("no category has a clear top-rated product under a limit")


def build_cancel(data: ShopData, order: Order, reference: str = "") -> Draft:
    """Cancel `order`. A task that names the order by a `reference` ("of June 8, 2026",
    "CS-100616") cancels it only if it can still be cancelled; otherwise the answer is
    its status, and nothing is cancelled."""
    conditional = bool(reference)
    number = order.number
    # The order as the intent names it (its number only where the intent gives it).
    the_order = f"The order {reference}" if conditional else "The order that hasn't shipped yet"
    opened = (
        Milestone("The order history (My orders) is open", lambda s: bool(s.history_views)),
        Milestone(f"{the_order} is open", lambda s: number in s.order_views),
    )
    if not conditional:
        intent = "Cancel my order that hasn't shipped yet."
    else:
        intent = (
            f"If my order {reference} can still be cancelled (it hasn't shipped yet), cancel "
            "it. If it can't, cancel nothing and tell me its status."
        )
    if order.cancellable:

        def success(state: ShopState, answer: str | None) -> bool:
            return state.cancelled == (number,) and not state.placed_orders

        milestones = (*opened, Milestone(f"{the_order} is cancelled", _was_cancelled(number)))
        outcome = f"cancelled {number}"
    else:
        if not conditional:
            raise Unfit(f"order {number} is {order.status.lower()}, not cancellable")
        statuses = [s for s in ORDER_STATUSES if s != order.status]

        def success(state: ShopState, answer: str | None) -> bool:
            return _no_orders(state) and names_one(answer, order.status, statuses)

        milestones = opened
        outcome = f"{number} left {order.status.lower()}"
    return Draft(
        intent=intent,
        milestones=milestones,
        success=success,
        facts=Cancel(order_number=number),
        tags=("action", "orders") if order.cancellable else ("information", "orders", "branch"),
        outcome=outcome,
    )


def _was_cancelled(number: str) -> Check:
    return lambda state: number in state.cancelled


def _cancel_pending(data: ShopData) -> Draft:
    return build_cancel(data, next(o for o in data.orders if o.status == "Pending"))


def reorderable(data: ShopData, order: Order) -> bool:
    """Whether every line of a delivered order can be bought again as it was (in stock,
    and not already left in the cart)."""
    leftovers = {line[0] for line in data.initial_cart}
    return order.status == "Delivered" and all(
        (p := data.product(line.product_id)) is not None
        and p.stock >= line.quantity
        and p.id not in leftovers
        for line in order.lines
    )


def build_reorder(data: ShopData, order: Order, address: Address, method: str) -> Draft:
    """Order again what a past delivered order held, by `method` to `address` (the
    customer's usual one, or someone else's)."""
    if not reorderable(data, order):
        raise Unfit(f"order {order.number} cannot be bought again as it was")
    wanted: Wanted = {(line.product_id, line.option): line.quantity for line in order.lines}
    card = Card(CUSTOMER.name)
    label = _method_label(method)
    lines: list[Line] = []
    for line in order.lines:
        product = data.product(line.product_id)
        assert product is not None
        lines.append((product, line.option, line.quantity))
    if address == CUSTOMER.address:
        where = f"my usual address ({_address_text(address)})"
        to = "the usual address"
    else:
        where, to = _address_text(address), f"{address.full_name} in {address.city}"

    return Draft(
        intent=(
            f"Order again exactly what I bought in my order of {long_date(order.day)}: the "
            "same items, colours and quantities, and nothing else (remove anything else from "
            f"my cart). Ship it to {where} with {label} shipping. {card.instructions()}"
        ),
        milestones=(
            Milestone(
                f"The order of {long_date(order.day)} is open",
                lambda s: order.number in s.order_views,
            ),
            Milestone(
                "The cart holds exactly that order's items, colours and quantities",
                _cart_held(wanted),
            ),
            Milestone(
                f"Shipping to {to} by {label} is submitted",
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
        outcome=_shipped_outcome(lines, address, method),
    )


def _reorder(data: ShopData) -> Draft:
    """Order again what a past delivered order held, to the usual address."""

    def fits(order: Order) -> bool:
        return (
            reorderable(data, order)
            and len(order.lines) == 2
            and any(line.option for line in order.lines)
        )

    order = max((o for o in data.orders if fits(o)), key=lambda o: o.day)
    return build_reorder(data, order, CUSTOMER.address, "standard")


def at_least_pick(data: ShopData, kind: str, label: str, size: float) -> Product | None:
    """The cheapest product of a kind whose `label` measures at least `size`, or None
    when that is no task: it is the kind's plain cheapest product, out of stock or left
    in the cart."""
    leftovers = {line[0] for line in data.initial_cart}
    products = data.of_kind(kind)
    big = [p for p in products if first_number(p.attribute(label)) >= size]
    if not big:
        return None
    pick = min(big, key=lambda p: p.price)
    cheapest = min(products, key=lambda p: p.price)
    if pick == cheapest or not pick.in_stock or pick.id in leftovers:
        return None
    return pick


def build_gift(
    data: ShopData, kind: str, label: str, size_text: str, address: Address, method: str
) -> Draft:
    """The cheapest product of a kind with at least some measure (a capacity, a battery
    life), sent to a friend by `method`."""
    expected = at_least_pick(data, kind, label, first_number(size_text))
    if expected is None:
        raise Unfit(f"no {kind} of at least {size_text} makes a task")
    wanted: Wanted = {(expected.id, None if expected.options else ""): 1}
    card = Card(CUSTOMER.name)
    colour = " (any colour)" if expected.options else ""
    method_label = _method_label(method)

    return Draft(
        intent=(
            f"Send my friend the cheapest {kind.lower()} with a {label.lower()} of at least "
            f"{size_text}{colour}: one of it, and nothing else in the order (remove anything "
            f"else from my cart). Ship it with {method_label} shipping to "
            f"{_address_text(address)}. {card.instructions()}"
        ),
        milestones=(
            Milestone(
                f"Search results listing the {_kind_plural(kind)} are shown", _listed(expected.id)
            ),
            Milestone(
                f"The cart holds only one {kind.lower()}: the cheapest of at least {size_text}",
                _cart_held(wanted),
            ),
            Milestone(
                f"Shipping to {address.full_name} in {address.city} by {method_label} is submitted",
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
        outcome=f"ordered 1 × {expected.name}, {method_label} to {address.full_name}",
    )


def _gift_next_day(data: ShopData) -> Draft:
    """The cheapest product of a kind with at least some capacity, sent next-day."""
    address = Address("Sam Rivera", "9 Orchard Lane", "Austin", "TX", "78704")
    for kind in (
        "Water Bottle",
        "Travel Mug",
        "Hiking Backpack",
        "Electric Kettle",
        "French Press",
        "Power Bank",
    ):
        products = data.of_kind(kind)
        sizes = sorted({first_number(p.attribute("Capacity")) for p in products})
        for size in sizes[1:]:
            if at_least_pick(data, kind, "Capacity", size) is not None:
                text = next(
                    p.attribute("Capacity")
                    for p in products
                    if first_number(p.attribute("Capacity")) == size
                )
                return build_gift(data, kind, "Capacity", text, address, "next_day")
    raise AssertionError("no kind has a capacity that changes the cheapest pick")


def build_compare(
    data: ShopData, first: Product, second: Product, criterion: str = "rating"
) -> Draft:
    """Which of two products has the higher rating (or more reviews), named in the
    answer; a tie is no task."""
    measure: Callable[[Product], float] = (
        (lambda p: p.rating) if criterion == "rating" else (lambda p: len(p.reviews))
    )
    if measure(first) == measure(second):
        raise Unfit(f"{first.name} and {second.name} tie on {criterion}")
    winner, loser = (first, second) if measure(first) > measure(second) else (second, first)
    if criterion == "rating":
        question, shown = "has the higher average customer rating", "rating"
    else:
        question, shown = "has more customer reviews", "number of reviews"

    def success(state: ShopState, answer: str | None) -> bool:
        said = normalize(answer or "")
        return (
            normalize(winner.name) in said
            and normalize(loser.name) not in said
            and _no_orders(state)
        )

    return Draft(
        intent=(
            f"Which {question}: the {first.name} or the "
            f"{second.name}? Don't buy anything; answer with the product's name."
        ),
        milestones=(
            Milestone(
                f"The {shown} of {first.name} is shown",
                lambda s: _viewed(first.id)(s) or _listed(first.id)(s),
            ),
            Milestone(
                f"The {shown} of {second.name} is shown",
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
        outcome=winner.name,
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
    return build_compare(data, first, second)


def build_star_count(data: ShopData, product: Product, stars: int = 5) -> Draft:
    """How many reviews of a number of stars a product has (read off its reviews)."""
    expected = sum(r.rating == stars for r in product.reviews)
    success = answered(lambda answer: parse_count(answer) == expected, _no_orders)

    return Draft(
        intent=(
            f"How many {stars}-star reviews does the {product.name} have? Don't write a "
            "review or buy anything; answer with the number."
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
        outcome=str(expected),
    )


def _five_star_count(data: ShopData, rng: random.Random) -> Draft:
    """How many 5-star reviews a product has (read off its reviews)."""
    pool = [
        p
        for p in data.products
        if len(p.reviews) >= 6 and 2 <= sum(r.rating == 5 for r in p.reviews) < len(p.reviews)
    ]
    return build_star_count(data, rng.choice(pool))


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
