"""Corner Shop's task templates: each fixed task's kind of question or errand, drawn
with other parameters from the shop's seeded catalogue and order history.

A draw picks the typed parameters (a product kind and a rating threshold, a month range,
two products, a cart, an address, a shipping method, an order) with the generator it is
given and derives everything else with the fixed tasks' own builders (`tasks.build_*`),
so an instance is checked exactly as a fixed task is. A draw is unfit (`Unfit`) when
its parameters leave the constraint idle (the cheapest well-rated product is simply the
cheapest), tie, or lead to nothing.

The fixed tasks are instances of these shapes:

=========================== ======================================================
fixed task                  template
=========================== ======================================================
shop-cheapest-well-rated    shop-rated-price (cheapest, a kind)
shop-month-spending         shop-spending (the amount, one month)
shop-compare-ratings        shop-compare (by rating)
shop-five-star-reviews      shop-star-reviews (5 stars)
shop-cart-cleanup           shop-cart-edit (nothing added)
shop-cancel-pending-order   shop-cancel-order (the pending order's branch)
shop-express-checkout       shop-order-items (two lines listed)
shop-gift-next-day          shop-gift-at-least (capacity, next-day)
shop-reorder-past-order     shop-order-items (a past order's items, usual address)
shop-priciest-capacity      shop-extreme-attribute (most expensive; held out)
shop-top-rated-under-budget shop-top-rated-under (one added; held out)
shop-review-last-delivery   shop-review-order-item (held out)
=========================== ======================================================

`shop-cancel-order` branches on the drawn order: a pending order is cancelled; any other
(shipped, delivered, already cancelled) cannot be, and the answer is its status.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from mira_agent.sites.answers import first_number, long_date
from mira_agent.sites.shop import tasks
from mira_agent.sites.shop.data import (
    CATEGORIES,
    CUSTOMER,
    SHIPPING_METHODS,
    Address,
    Order,
    Product,
    ShopData,
)
from mira_agent.sites.shop.forms import MAX_QUANTITY
from mira_agent.sites.shop.tasks import Line
from mira_agent.sites.specs import Draft
from mira_agent.sites.task_templates import Template, Unfit

Draw = Callable[[ShopData, random.Random], Draft]

# -- people and places a parcel goes to ---------------------------------------------------

FIRST_NAMES = (
    "Jordan", "Sam", "Priya", "Marcus", "Lena", "Diego", "Aisha", "Tom", "Hana", "Owen",
    "Rosa", "Felix", "Nora", "Kwame", "Ivy", "Mateo", "Sofia", "Ravi", "Grace", "Yusuf",
)  # fmt: skip
LAST_NAMES = (
    "Lee", "Rivera", "Patel", "Okafor", "Novak", "Santos", "Khan", "Becker", "Sato",
    "Walsh", "Moreno", "Lindgren", "Adeyemi", "Chen", "Murphy", "Rossi", "Haas", "Dunn",
)  # fmt: skip
STREETS = (
    "Harbor Road", "Orchard Lane", "Maple Avenue", "Cedar Street", "Willow Way",
    "Lakeview Drive", "Mill Road", "Pine Court", "Hillcrest Avenue", "River Street",
)  # fmt: skip
CITIES = (
    ("Seattle", "WA", "98101"), ("Austin", "TX", "78704"), ("Denver", "CO", "80202"),
    ("Boston", "MA", "02108"), ("Chicago", "IL", "60614"), ("Atlanta", "GA", "30309"),
    ("Phoenix", "AZ", "85004"), ("Columbus", "OH", "43215"), ("Raleigh", "NC", "27601"),
    ("Ann Arbor", "MI", "48104"), ("Minneapolis", "MN", "55401"), ("Eugene", "OR", "97401"),
    ("Pittsburgh", "PA", "15213"), ("Richmond", "VA", "23220"), ("Tampa", "FL", "33602"),
    ("Sacramento", "CA", "95814"), ("Buffalo", "NY", "14201"),
)  # fmt: skip


def _address(rng: random.Random) -> Address:
    """Someone else's address: a name, a street number and street, a city of a state."""
    city, state, zip_code = rng.choice(CITIES)
    street = f"{rng.randint(2, 980)} {rng.choice(STREETS)}"
    return Address(
        f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}", street, city, state, zip_code
    )


def _method(rng: random.Random) -> str:
    return rng.choice(tuple(SHIPPING_METHODS))


def _line(data: ShopData, rng: random.Random, taken: set[str]) -> Line:
    """A product not in `taken` (nor left in the cart), a colour when it has colours, and
    a quantity its stock covers."""
    leftovers = {line[0] for line in data.initial_cart}
    pool = [p for p in data.products if p.in_stock and p.id not in taken | leftovers]
    product = rng.choice(pool)
    quantity = rng.randint(1, min(3, product.stock, MAX_QUANTITY))
    return product, rng.choice(product.options) if product.options else "", quantity


def _kinds(data: ShopData) -> list[str]:
    return sorted({p.kind for p in data.products})


# -- questions ---------------------------------------------------------------------------


THRESHOLDS = (3.0, 3.3, 3.5, 3.8, 4.0, 4.2, 4.5)


def _rated_price(data: ShopData, rng: random.Random) -> Draft:
    scope = rng.choice([*_kinds(data), *CATEGORIES])
    threshold = rng.choice(THRESHOLDS)
    highest = rng.random() < 0.5
    products = data.in_category(scope) if scope in CATEGORIES else data.of_kind(scope)
    plain = (max if highest else min)(products, key=lambda p: p.price)
    good = [p for p in products if p.rating >= threshold]
    if not good or (max if highest else min)(good, key=lambda p: p.price) == plain:
        raise Unfit(f"a rating of {threshold} changes no pick among the {scope} products")
    return tasks.build_rated_price(data, scope, threshold, highest)


def _months(data: ShopData) -> list[tasks.Month]:
    """Every month from the first order's to the last order's."""
    first = min(o.day for o in data.orders)
    last = max(o.day for o in data.orders)
    months, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _spending(data: ShopData, rng: random.Random) -> Draft:
    first, last = sorted(rng.sample(_months(data), 2))
    if rng.random() < 0.25:
        last = first
    return tasks.build_spending(data, first, last, rng.choice(tuple(tasks.SPENDING_QUESTIONS)))


def _compare(data: ShopData, rng: random.Random) -> Draft:
    criterion = rng.choice(("rating", "reviews"))
    first, second = sorted(rng.sample(data.of_kind(rng.choice(_kinds(data))), 2), key=_number)
    if criterion == "rating" and abs(first.rating - second.rating) < 0.3:
        raise Unfit("the ratings are too close to tell apart at a glance")
    return tasks.build_compare(data, first, second, criterion)


def _number(product: Product) -> int:
    return int(product.id)


def _star_reviews(data: ShopData, rng: random.Random) -> Draft:
    product = rng.choice([p for p in data.products if len(p.reviews) >= 4])
    stars = rng.randint(1, 5)
    count = sum(r.rating == stars for r in product.reviews)
    if not 1 <= count < len(product.reviews):
        raise Unfit(f"{product.name} has {count} {stars}-star reviews: none, or all of them")
    return tasks.build_star_count(data, product, stars)


def _order_references(data: ShopData) -> list[tuple[Order, str]]:
    """Every way the customer can name one of their orders: by its date, by its number,
    or by a product that no other order holds."""
    holders: dict[str, list[Order]] = {}
    for order in data.orders:
        for line in order.lines:
            holders.setdefault(line.name, []).append(order)
    references = []
    for order in data.orders:
        references.append((order, f"of {long_date(order.day)}"))
        references.append((order, order.number))
        references += [
            (order, f"with the {line.name} in it")
            for line in order.lines
            if len(holders[line.name]) == 1
        ]
    return references


def _cancel_order(data: ShopData, rng: random.Random) -> Draft:
    order, reference = rng.choice(_order_references(data))
    return tasks.build_cancel(data, order, reference)


# -- errands -----------------------------------------------------------------------------


def _cart_edit(data: ShopData, rng: random.Random) -> Draft:
    keep = rng.randint(0, 1)
    added = (_line(data, rng, set()),) if rng.random() < 0.7 else ()
    return tasks.build_cart_edit(data, keep, rng.randint(1, 5), added)


def _order_items(data: ShopData, rng: random.Random) -> Draft:
    """The items listed (one or two lines: a third would take the oracle past a run's 30
    steps, each line being a search, a click, a colour, a quantity and an add), or, one
    time in three, named as what a past order held."""
    if rng.random() < 1 / 3:
        return _reorder(data, rng)
    lines: list[Line] = []
    for _ in range(rng.randint(1, 2)):
        lines.append(_line(data, rng, {product.id for product, _, _ in lines}))
    return tasks.build_checkout(data, lines, _address(rng), _method(rng))


# (kind, the attribute measured): measures where more is what a buyer asks for
AT_LEAST = (
    ("Water Bottle", "Capacity"),
    ("Travel Mug", "Capacity"),
    ("Hiking Backpack", "Capacity"),
    ("Electric Kettle", "Capacity"),
    ("French Press", "Capacity"),
    ("Power Bank", "Capacity"),
    ("Bluetooth Speaker", "Battery life"),
    ("Wireless Earbuds", "Battery life"),
    ("Camping Lantern", "Brightness"),
    ("Scented Candle", "Burn time"),
    ("Wall Clock", "Diameter"),
    ("USB-C Cable", "Length"),
    ("Cast Iron Skillet", "Size"),
    ("Chef's Knife", "Blade length"),
    ("Camping Chair", "Weight limit"),
)


def _gift_at_least(data: ShopData, rng: random.Random) -> Draft:
    kind, label = rng.choice(AT_LEAST)
    values = {first_number(p.attribute(label)): p.attribute(label) for p in data.of_kind(kind)}
    sizes = sorted(values)[1:]
    if not sizes:
        raise Unfit(f"every {kind} has the same {label.lower()}")
    size_text = values[rng.choice(sizes)]
    return tasks.build_gift(data, kind, label, size_text, _address(rng), _method(rng))


def _reorder(data: ShopData, rng: random.Random) -> Draft:
    order = rng.choice([o for o in data.orders if o.status == "Delivered"])
    if len(order.lines) > 2:
        raise Unfit(f"order {order.number} has too many lines to buy again in a run's steps")
    # Someone else's address (four fields to type) only for a one-line order.
    elsewhere = len(order.lines) == 1 and rng.random() < 0.7
    address = _address(rng) if elsewhere else CUSTOMER.address
    return tasks.build_reorder(data, order, address, _method(rng))


# -- held-out kinds ------------------------------------------------------------------------


def _extreme_attribute(data: ShopData, rng: random.Random) -> Draft:
    kind = rng.choice(_kinds(data))
    labels = sorted({label for p in data.of_kind(kind) for label, _ in p.attributes})
    criterion = rng.choice(tuple(tasks.STANDOUTS))
    return tasks.build_extreme_attribute(data, kind, rng.choice(labels), criterion)


def _top_rated_under(data: ShopData, rng: random.Random) -> Draft:
    category, limit = rng.choice(tuple(CATEGORIES)), rng.randrange(15, 160, 5)
    return tasks.build_top_rated(data, category, limit, rng.randint(1, 3))


REVIEW_WORDS = {
    5: (("Worth every penny", "Better than I hoped. I use it every day and it still looks new."),
        ("A keeper", "Great quality and it arrived well packed. I would buy it again.")),
    4: (("Does the job", "Sturdy and works well. It took a few days to get used to, but I'm "
         "happy with it."),
        ("Good value", "Solid and well made. One small flaw, but nothing that matters.")),
    3: (("It's fine", "It works as described, but it feels a little cheaper than the photos."),
        ("Average", "Nothing wrong with it, nothing special either.")),
    2: (("Not for me", "It looked nice, but it stopped working well after a month."),
        ("Underwhelming", "The finish scratched in the first week. Expected better.")),
    1: (("Sent it back", "It arrived damaged and the replacement had the same problem."),
        ("Very poor", "Broke the first time I used it. I can't recommend it.")),
}  # fmt: skip


def _review_order_item(data: ShopData, rng: random.Random) -> Draft:
    order = rng.choice([o for o in data.orders if o.status == "Delivered"])
    line = rng.choice(order.lines)
    product = data.product(line.product_id)
    assert product is not None
    rating = rng.randint(1, 5)
    title, body = rng.choice(REVIEW_WORDS[rating])
    nickname = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)[0]}."
    return tasks.build_review(data, order, product, (rating, title, body, nickname))


def _template(id_: str, split: str, pattern: str, draw: Draw) -> Template[ShopData]:
    return Template(f"shop-{id_}", split, pattern, draw)


TEMPLATES: tuple[Template[ShopData], ...] = (
    _template(
        "rated-price",
        "train",
        "What is the price of the {cheapest|most expensive} {kind|product in the category} "
        "that has an average "
        "customer rating of at least {stars} stars? Don't buy anything; answer with the price.",
        _rated_price,
    ),
    _template(
        "spending",
        "train",
        "{How much did I spend in total on the orders I placed|How many items did I buy in "
        "total in the orders I placed|How many orders did I place} {in month|from month "
        "through month}? Don't count cancelled orders. Answer with {the amount|the number}.",
        _spending,
    ),
    _template(
        "compare",
        "train",
        "Which {has the higher average customer rating|has more customer reviews}: the "
        "{product} or the {product}? Don't buy anything; answer with the product's name.",
        _compare,
    ),
    _template(
        "star-reviews",
        "train",
        "How many {n}-star reviews does the {product} have? Don't write a review or buy "
        "anything; answer with the number.",
        _star_reviews,
    ),
    _template(
        "cancel-order",
        "train",
        "If my order {of date|number|with the product in it} can still be cancelled (it "
        "hasn't shipped yet), cancel it. If it can't, cancel nothing and tell me its status.",
        _cancel_order,
    ),
    _template(
        "cart-edit",
        "train",
        "In my shopping cart, change the quantity of the {leftover} to {n}, remove the "
        "{other leftover}[, and add {n × product in colour}]. Don't check out.",
        _cart_edit,
    ),
    _template(
        "order-items",
        "train",
        "Order {n × product in colour, …}, and nothing else (my cart has other things in it: "
        "remove them). Ship the order with {method} shipping to {address}. Pay with … | "
        "Order again exactly what I bought in my order of {date}: the same items, colours "
        "and quantities, and nothing else (remove anything else from my cart). Ship it to "
        "{my usual address|address} with {method} shipping. Pay with …",
        _order_items,
    ),
    _template(
        "gift-at-least",
        "train",
        "Send my friend the cheapest {kind} with a {measure} of at least {value}: one of it, "
        "and nothing else in the order (remove anything else from my cart). Ship it with "
        "{method} shipping to {address}. Pay with …",
        _gift_at_least,
    ),
    _template(
        "extreme-attribute",
        "test",
        "What is the {attribute} of the {most expensive|cheapest|best-rated|lowest-rated|most "
        "reviewed|least reviewed} {kind} in the shop? Don't "
        "buy anything; answer with the value as the product page gives it.",
        _extreme_attribute,
    ),
    _template(
        "top-rated-under",
        "test",
        "Find the highest-rated product in the {category} category that costs less than "
        "${limit}, and add {one|two|three} of it to my cart (any colour). Keep what is "
        "already in my cart, and don't check out.",
        _top_rated_under,
    ),
    _template(
        "review-order-item",
        "test",
        "Write a {n}-star review of the {product} from my order of {date}. Title: “{title}”. "
        "Review: “{text}” Show it under the name “{nickname}”.",
        _review_order_item,
    ),
)
