"""Corner Shop's catalogue, reviews, customer and order history, generated from a seed.

Everything is drawn from one `random.Random(seed)`, never the wall clock, so a seed
always gives the same shop. Prices are unique across the catalogue (answers about a
price name one product), and the customer's order history has a fixed shape (which
months have orders, which order is pending, which one was cancelled) with seeded
contents, so tasks built on it always make sense.

Money is kept in cents everywhere; pages format it.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

TODAY = date(2026, 6, 12)

CATEGORIES: dict[str, str] = {
    "electronics": "Electronics",
    "home": "Home",
    "kitchen": "Kitchen",
    "books": "Books",
    "outdoor": "Outdoor",
}

COLOURS = ("Black", "White", "Navy", "Sage Green", "Red", "Grey", "Sand", "Teal")

SHIPPING_METHODS: dict[str, tuple[str, int, str]] = {
    # key: (label, fee in cents, delivery promise)
    "standard": ("Standard", 499, "5 to 7 business days"),
    "express": ("Express", 1299, "2 business days"),
    "next_day": ("Next-day", 2499, "next business day"),
}

ORDER_STATUSES = ("Pending", "Shipped", "Delivered", "Cancelled")

US_STATES: dict[str, str] = {
    "AZ": "Arizona",
    "CA": "California",
    "CO": "Colorado",
    "FL": "Florida",
    "GA": "Georgia",
    "IL": "Illinois",
    "MA": "Massachusetts",
    "MI": "Michigan",
    "MN": "Minnesota",
    "NC": "North Carolina",
    "NY": "New York",
    "OH": "Ohio",
    "OR": "Oregon",
    "PA": "Pennsylvania",
    "TX": "Texas",
    "VA": "Virginia",
    "WA": "Washington",
}


@dataclass(frozen=True)
class Review:
    author: str
    day: date
    rating: int
    title: str
    body: str


@dataclass(frozen=True)
class Product:
    id: str
    name: str
    brand: str
    category: str
    kind: str
    price: int
    stock: int
    description: str
    attributes: tuple[tuple[str, str], ...]
    option_name: str = ""
    options: tuple[str, ...] = ()
    reviews: tuple[Review, ...] = ()

    @property
    def rating(self) -> float:
        """The average review rating to one decimal (0.0 with no reviews)."""
        if not self.reviews:
            return 0.0
        return round(sum(r.rating for r in self.reviews) / len(self.reviews) + 1e-9, 1)

    @property
    def in_stock(self) -> bool:
        return self.stock > 0

    def attribute(self, label: str) -> str:
        return dict(self.attributes).get(label, "")

    def search_words(self) -> set[str]:
        text = " ".join(
            [self.name, self.brand, CATEGORIES[self.category], self.kind]
            + [value for _, value in self.attributes]
            + list(self.options)
        )
        return set(words(text))


@dataclass(frozen=True)
class Address:
    full_name: str
    street: str
    city: str
    state: str
    zip_code: str

    def lines(self) -> tuple[str, ...]:
        return (self.full_name, self.street, f"{self.city}, {self.state} {self.zip_code}")


@dataclass(frozen=True)
class OrderLine:
    product_id: str
    name: str
    option: str
    quantity: int
    unit_price: int

    @property
    def total(self) -> int:
        return self.quantity * self.unit_price


@dataclass(frozen=True)
class Order:
    number: str
    day: date
    status: str
    lines: tuple[OrderLine, ...]
    address: Address
    shipping: str
    card_last4: str = "4242"

    @property
    def subtotal(self) -> int:
        return sum(line.total for line in self.lines)

    @property
    def shipping_fee(self) -> int:
        return SHIPPING_METHODS[self.shipping][1]

    @property
    def total(self) -> int:
        return self.subtotal + self.shipping_fee

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def cancellable(self) -> bool:
        return self.status == "Pending"


@dataclass(frozen=True)
class Customer:
    name: str
    email: str
    address: Address


def words(text: str) -> list[str]:
    """Lower-case search words, with a plural 's' dropped so "cables" finds "Cable"."""
    found = re.findall(r"[a-z0-9]+", text.casefold().replace("'", ""))
    return [w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in found]


# -- the catalogue's ingredients --------------------------------------------------------

Attrs = Callable[[random.Random], list[tuple[str, str]]]


@dataclass(frozen=True)
class _Kind:
    category: str
    name: str
    low: int  # price range in dollars
    high: int
    attrs: Attrs
    colours: bool = False
    blurb: str = ""
    count: tuple[int, int] = (3, 4)


def _pick(label: str, *values: str) -> Attrs:
    return lambda rng: [(label, rng.choice(values))]


def _both(*makers: Attrs) -> Attrs:
    return lambda rng: [pair for make in makers for pair in make(rng)]


_KINDS: tuple[_Kind, ...] = (
    _Kind("electronics", "USB-C Cable", 7, 24, _pick("Length", "1 m", "2 m", "3 m"), True,
          "Braided USB-C to USB-C cable for charging and data, rated for 60 W."),
    _Kind("electronics", "Power Bank", 19, 69,
          _both(_pick("Capacity", "5000 mAh", "10000 mAh", "20000 mAh", "26800 mAh"),
                _pick("Ports", "2", "3")), True,
          "Pocket battery with fast charging over USB-C; charges a phone several times."),
    _Kind("electronics", "Bluetooth Speaker", 24, 129,
          _both(_pick("Battery life", "8 hours", "12 hours", "20 hours"),
                _pick("Water resistance", "IPX4", "IPX7", "None")), True,
          "Portable speaker with rich sound and a built-in microphone for calls."),
    _Kind("electronics", "Wireless Mouse", 12, 59, _pick("Connection", "Bluetooth", "USB receiver"),
          True, "Quiet-click mouse with an adjustable sensor and long battery life."),
    _Kind("electronics", "Wireless Earbuds", 29, 149,
          _pick("Battery life", "5 hours", "6 hours", "8 hours"), True,
          "True wireless earbuds with a charging case and touch controls."),
    _Kind("home", "Throw Blanket", 22, 79, _pick("Size", "50 x 60 in", "60 x 80 in"), True,
          "Soft knit throw for the sofa, machine washable."),
    _Kind("home", "Desk Lamp", 18, 89, _pick("Bulb", "LED, 6 W", "LED, 9 W", "E26 socket"), True,
          "Adjustable lamp with a weighted base and warm light."),
    _Kind("home", "Scented Candle", 9, 34,
          _both(_pick("Scent", "Cedar", "Lavender", "Fig", "Sea Salt", "Vanilla"),
                _pick("Burn time", "30 hours", "45 hours", "60 hours")), False,
          "Soy wax candle in a glass jar with a cotton wick."),
    _Kind("home", "Storage Basket", 12, 44, _pick("Material", "Seagrass", "Cotton rope", "Felt"),
          True, "Sturdy basket with handles for shelves and closets."),
    _Kind("home", "Wall Clock", 16, 64, _pick("Diameter", "10 in", "12 in", "14 in"), True,
          "Silent sweep movement, no ticking."),
    _Kind("kitchen", "Chef's Knife", 19, 119, _pick("Blade length", "6 in", "8 in", "10 in"), False,
          "Forged stainless steel blade with a full tang and riveted handle."),
    _Kind("kitchen", "Cast Iron Skillet", 21, 89, _pick("Size", "8 in", "10 in", "12 in"), False,
          "Pre-seasoned skillet for stove, oven and campfire."),
    _Kind("kitchen", "Electric Kettle", 24, 99, _pick("Capacity", "1 L", "1.5 L", "1.7 L"), True,
          "Fast-boil kettle with auto shut-off and a removable filter."),
    _Kind("kitchen", "French Press", 14, 59, _pick("Capacity", "350 ml", "600 ml", "1 L"), False,
          "Borosilicate glass press with a stainless steel filter."),
    _Kind("kitchen", "Travel Mug", 11, 39, _pick("Capacity", "12 oz", "16 oz", "20 oz"), True,
          "Vacuum-insulated mug that keeps drinks hot for hours; leak-proof lid."),
    _Kind("books", "Cookbook", 14, 39, _pick("Format", "Hardcover", "Paperback"), False,
          "Recipes for every day, with photographs and clear steps."),
    _Kind("books", "Novel", 9, 29, _pick("Format", "Hardcover", "Paperback"), False,
          "A novel readers could not put down."),
    _Kind("books", "Field Guide", 12, 34, _pick("Format", "Paperback", "Flexibound"), False,
          "A pocket guide with maps, illustrations and tips."),
    _Kind("outdoor", "Water Bottle", 9, 44, _pick("Capacity", "500 ml", "750 ml", "1 L"), True,
          "Insulated stainless steel bottle, keeps water cold for 24 hours."),
    _Kind("outdoor", "Camping Lantern", 14, 64, _pick("Brightness", "300 lumens", "500 lumens",
          "1000 lumens"), False, "Rechargeable LED lantern with three light modes."),
    _Kind("outdoor", "Hiking Backpack", 39, 159, _pick("Capacity", "22 L", "30 L", "45 L"), True,
          "Ventilated back panel, hip belt and a rain cover."),
    _Kind("outdoor", "Camping Chair", 24, 89, _pick("Weight limit", "250 lb", "300 lb"), True,
          "Folding chair with a cup holder and a carry bag."),
    _Kind("outdoor", "Sleeping Bag", 34, 149, _pick("Temperature rating", "20 °F", "35 °F",
          "50 °F"), True, "Mummy bag with a draft collar and compression sack."),
)  # fmt: skip

_BRANDS = {
    "electronics": ("Voltra", "Nexio", "Brightwave", "Auralis", "Kinetic"),
    "home": ("Hearthly", "Nordvik", "Mellow & Co", "Linden", "Aster Home"),
    "kitchen": ("Copperleaf", "Ironhold", "Brisk", "Saucier", "Marlow"),
    "books": ("Harbor Press", "Lantern Books", "Greenway Publishing", "Quillfeather"),
    "outdoor": ("Trailmark", "Summitry", "Northpine", "Campfire Co", "Ridgeline"),
}
_MODELS = ("Pro", "Lite", "Max", "Go", "Air", "One", "Plus", "Mini", "Flex", "Classic", "Edge")
_BOOK_TITLES = {
    "Cookbook": (
        "Weeknight Suppers", "The Bread Table", "Salt and Smoke", "Green Kitchen Every Day",
        "One Pan Dinners", "Soups for All Seasons",
    ),
    "Novel": (
        "The Quiet Harbor", "A Map of Small Hours", "The Glass Orchard", "North of Winter",
        "The Lantern Keeper", "Paper Boats",
    ),
    "Field Guide": (
        "Birds of the Pacific Coast", "Trees of North America", "Night Sky Companion",
        "Wild Mushrooms", "Trails of the Rockies",
    ),
}  # fmt: skip
_AUTHORS = (
    "Nora Whitfield", "Samuel Osei", "Lena Park", "Martin Alvarez", "Ruth Calloway",
    "Idris Bello", "Helen Strand", "Tomas Lindqvist",
)  # fmt: skip
_REVIEWERS = (
    "Jordan P.", "Casey L.", "Morgan T.", "Riley S.", "Avery K.", "Quinn D.", "Sam W.",
    "Taylor R.", "Jamie F.", "Drew M.", "Robin H.", "Elliot B.", "Harper N.", "Parker G.",
)  # fmt: skip
_REVIEW_TEXT = {
    5: (("Love it", "Exactly what I wanted. Great quality for the price."),
        ("Excellent", "Works perfectly and looks great. Would buy again."),
        ("Five stars", "Arrived quickly and has been flawless so far.")),
    4: (("Very good", "Does the job well; one or two small quirks."),
        ("Solid choice", "Good value. Not perfect, but I'm happy with it."),
        ("Happy overall", "Well made. The instructions could be clearer.")),
    3: (("It's okay", "Average. It works, but I expected a bit more."),
        ("Mixed feelings", "Some things are great, others not so much.")),
    2: (("Disappointed", "Stopped working properly after a few weeks."),
        ("Not great", "Feels cheap and the finish is uneven.")),
    1: (("Would not buy again", "Broke on the second use. Returned it."),
        ("Poor", "Nothing like the description.")),
}  # fmt: skip


def _price(rng: random.Random, low: int, high: int, taken: set[int]) -> int:
    """A price in cents in [low, high] dollars with a shop-like ending, unused so far."""
    while True:
        cents = rng.randint(low, high) * 100 + rng.choice((99, 99, 95, 49, 0))
        if cents not in taken and cents >= 100:
            taken.add(cents)
            return cents


def _reviews(rng: random.Random, quality: float, count: int) -> tuple[Review, ...]:
    reviews = []
    for _ in range(count):
        rating = max(1, min(5, round(rng.gauss(quality, 0.9))))
        title, body = rng.choice(_REVIEW_TEXT[rating])
        day = TODAY - timedelta(days=rng.randint(5, 400))
        reviews.append(Review(rng.choice(_REVIEWERS), day, rating, title, body))
    return tuple(sorted(reviews, key=lambda r: r.day, reverse=True))


def _products(rng: random.Random) -> list[Product]:
    products: list[Product] = []
    taken_prices: set[int] = set()
    taken_names: set[str] = set()
    next_id = 1001
    for kind in _KINDS:
        count = rng.randint(*kind.count)
        brands = rng.sample(_BRANDS[kind.category], count)
        for brand in brands:
            attributes = kind.attrs(rng)
            if kind.category == "books":
                name = rng.choice([t for t in _BOOK_TITLES[kind.name] if t not in taken_names])
                attributes = [("Author", rng.choice(_AUTHORS)), *attributes]
                attributes.append(("Pages", str(rng.randint(12, 48) * 10)))
            else:
                while True:
                    name = f"{brand} {rng.choice(_MODELS)} {kind.name}"
                    if name not in taken_names:
                        break
            taken_names.add(name)
            options: tuple[str, ...] = ()
            if kind.colours:
                options = tuple(sorted(rng.sample(COLOURS, rng.randint(2, 3))))
            stock = 0 if rng.random() < 0.08 else rng.randint(3, 40)
            quality = rng.uniform(2.6, 4.9)
            products.append(
                Product(
                    id=str(next_id),
                    name=name,
                    brand=brand,
                    category=kind.category,
                    kind=kind.name,
                    price=_price(rng, kind.low, kind.high, taken_prices),
                    stock=stock,
                    description=kind.blurb,
                    attributes=tuple(attributes),
                    option_name="Colour" if options else "",
                    options=options,
                    reviews=_reviews(rng, quality, rng.randint(3, 9)),
                )
            )
            next_id += 1
    return products


# -- the customer's history ----------------------------------------------------------------

CUSTOMER = Customer(
    name="Alex Morgan",
    email="alex.morgan@example.com",
    address=Address("Alex Morgan", "218 Elm Street", "Portland", "OR", "97205"),
)

# (date, status, number of lines): the history's fixed shape. The newest delivered order
# has one line (a review task names "the item from my most recent delivered order"); one
# order is pending (it can be cancelled); October 2025 has two orders and a cancelled one,
# spread over both pages of the history.
_ORDER_PLAN: tuple[tuple[date, str, int], ...] = (
    (date(2025, 8, 12), "Delivered", 2),
    (date(2025, 9, 3), "Delivered", 1),
    (date(2025, 10, 2), "Delivered", 2),
    (date(2025, 10, 18), "Cancelled", 1),
    (date(2025, 10, 29), "Delivered", 3),
    (date(2025, 12, 6), "Delivered", 2),
    (date(2026, 1, 20), "Delivered", 1),
    (date(2026, 2, 14), "Delivered", 3),
    (date(2026, 3, 9), "Delivered", 2),
    (date(2026, 4, 1), "Delivered", 1),
    (date(2026, 4, 25), "Delivered", 2),
    (date(2026, 5, 13), "Delivered", 1),
    (date(2026, 5, 30), "Shipped", 2),
    (date(2026, 6, 8), "Pending", 2),
)


def _orders(rng: random.Random, products: list[Product]) -> list[Order]:
    buyable = [p for p in products if p.in_stock]
    orders = []
    number = 100_200 + rng.randint(0, 80)
    used: set[str] = set()
    for day, status, line_count in _ORDER_PLAN:
        number += rng.randint(3, 40)
        fresh = [p for p in buyable if p.id not in used] or buyable
        chosen = rng.sample(fresh, line_count)
        used.update(p.id for p in chosen)
        lines = tuple(
            OrderLine(
                product_id=p.id,
                name=p.name,
                option=rng.choice(p.options) if p.options else "",
                quantity=rng.choice((1, 1, 1, 2, 2, 3)),
                unit_price=p.price,
            )
            for p in chosen
        )
        shipping = rng.choice(("standard", "standard", "express"))
        orders.append(Order(f"CS-{number}", day, status, lines, CUSTOMER.address, shipping, "4242"))
    return orders


@dataclass
class ShopData:
    """The shop for one seed: products, their reviews, the customer and their orders."""

    seed: int = 0
    products: list[Product] = field(init=False)
    orders: list[Order] = field(init=False)
    initial_cart: tuple[tuple[str, str, int], ...] = field(init=False)

    def __post_init__(self) -> None:
        rng = random.Random(f"mira-shop:{self.seed}")
        self.products = _products(rng)
        self._by_id = {p.id: p for p in self.products}
        self.orders = _orders(rng, self.products)
        ordered = {line.product_id for order in self.orders for line in order.lines}
        spare = [p for p in self.products if p.in_stock and p.id not in ordered]
        left, right = rng.sample(spare, 2)
        self.initial_cart = (
            (left.id, rng.choice(left.options) if left.options else "", 1),
            (right.id, rng.choice(right.options) if right.options else "", 2),
        )

    def product(self, product_id: str) -> Product | None:
        return self._by_id.get(product_id)

    def in_category(self, category: str) -> list[Product]:
        return [p for p in self.products if p.category == category]

    def of_kind(self, kind: str) -> list[Product]:
        return [p for p in self.products if p.kind == kind]
