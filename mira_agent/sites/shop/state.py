"""Everything done on the shop during one episode.

Task checks read this object instead of scraping pages, so it records facts in the
form the checks need: each product listing served (query, filters, sort and the
products shown), product and order pages opened, the cart, submitted shipping
details, orders placed or cancelled and reviews written. Request threads write to it
concurrently, hence the lock; readers get immutable snapshots.

The episode starts from the shop's seeded history: the customer's past orders and the
two items left in their cart on an earlier visit. Card numbers are never stored: an
order keeps only the last four digits.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

from mira_agent.sites.shop.data import TODAY, Address, Order, OrderLine, ShopData


@dataclass(frozen=True)
class Listing:
    """One page of products served (search results or a category page)."""

    query: str
    category: str
    min_price: int | None  # cents
    max_price: int | None
    sort: str
    page: int
    product_ids: tuple[str, ...]


@dataclass(frozen=True)
class HistoryView:
    """One page of the order history served, with the orders it listed."""

    page: int
    order_numbers: tuple[str, ...]


@dataclass(frozen=True)
class CartLine:
    product_id: str
    option: str
    quantity: int

    @property
    def key(self) -> str:
        return f"{self.product_id}:{self.option}" if self.option else self.product_id


@dataclass(frozen=True)
class Shipping:
    """Shipping details accepted at checkout, with the cart they were given for."""

    address: Address
    method: str
    cart: tuple[CartLine, ...]


@dataclass(frozen=True)
class WrittenReview:
    product_id: str
    rating: int
    title: str
    body: str
    nickname: str


@dataclass(frozen=True)
class Rejection:
    """A submission the site refused, and which fields were wrong (for analysis)."""

    page: str
    fields: tuple[str, ...]


def contents(lines: tuple[CartLine, ...]) -> dict[tuple[str, str], int]:
    """{(product id, option): quantity} of some cart lines."""
    return {(line.product_id, line.option): line.quantity for line in lines}


def cart_key(product_id: str, option: str) -> str:
    return f"{product_id}:{option}" if option else product_id


class ShopState:
    """The live record of an episode on the shop."""

    def __init__(self, data: ShopData) -> None:
        self.data = data
        self._lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        """Back to the seeded history: past orders, the leftover cart, nothing done."""
        with self._lock:
            self._listings: list[Listing] = []
            self._product_views: list[str] = []
            self._history_views: list[HistoryView] = []
            self._order_views: list[str] = []
            self._cart_views = 0
            self._review_forms: list[str] = []
            self._cart: list[CartLine] = [CartLine(*line) for line in self.data.initial_cart]
            self._cart_history: list[tuple[CartLine, ...]] = [tuple(self._cart)]
            self._shipping: Shipping | None = None
            self._shipping_submissions: list[Shipping] = []
            self._orders: list[Order] = list(self.data.orders)
            self._placed: list[str] = []
            self._cancelled: list[str] = []
            self._reviews: list[WrittenReview] = []
            self._rejections: list[Rejection] = []

    # -- snapshots read by checks -------------------------------------------------

    @property
    def listings(self) -> tuple[Listing, ...]:
        with self._lock:
            return tuple(self._listings)

    @property
    def product_views(self) -> tuple[str, ...]:
        with self._lock:
            return tuple(self._product_views)

    @property
    def history_views(self) -> tuple[HistoryView, ...]:
        with self._lock:
            return tuple(self._history_views)

    @property
    def order_views(self) -> tuple[str, ...]:
        with self._lock:
            return tuple(self._order_views)

    @property
    def cart_views(self) -> int:
        with self._lock:
            return self._cart_views

    @property
    def review_forms(self) -> tuple[str, ...]:
        """Ids of the products whose review form was opened."""
        with self._lock:
            return tuple(self._review_forms)

    @property
    def cart(self) -> tuple[CartLine, ...]:
        with self._lock:
            return tuple(self._cart)

    @property
    def cart_history(self) -> tuple[tuple[CartLine, ...], ...]:
        """Every state the cart has been in this episode, the seeded one first."""
        with self._lock:
            return tuple(self._cart_history)

    def cart_contents(self) -> dict[tuple[str, str], int]:
        """{(product id, option): quantity} of the cart."""
        return contents(self.cart)

    @property
    def shipping(self) -> Shipping | None:
        with self._lock:
            return self._shipping

    @property
    def shipping_submissions(self) -> tuple[Shipping, ...]:
        with self._lock:
            return tuple(self._shipping_submissions)

    @property
    def orders(self) -> tuple[Order, ...]:
        """Every order, newest first (the seeded history and those placed this episode)."""
        with self._lock:
            return tuple(sorted(self._orders, key=lambda o: (o.day, o.number), reverse=True))

    @property
    def placed_orders(self) -> tuple[Order, ...]:
        """Orders placed during this episode, in the order they were placed."""
        with self._lock:
            return tuple(o for n in self._placed for o in self._orders if o.number == n)

    @property
    def cancelled(self) -> tuple[str, ...]:
        """Numbers of the orders cancelled during this episode."""
        with self._lock:
            return tuple(self._cancelled)

    @property
    def reviews(self) -> tuple[WrittenReview, ...]:
        with self._lock:
            return tuple(self._reviews)

    @property
    def rejections(self) -> tuple[Rejection, ...]:
        with self._lock:
            return tuple(self._rejections)

    def order(self, number: str) -> Order | None:
        with self._lock:
            return next((o for o in self._orders if o.number == number), None)

    # -- writes from request handlers ----------------------------------------------

    def record_listing(self, listing: Listing) -> None:
        with self._lock:
            self._listings.append(listing)

    def record_product_view(self, product_id: str) -> None:
        with self._lock:
            self._product_views.append(product_id)

    def record_history_view(self, page: int, numbers: tuple[str, ...]) -> None:
        with self._lock:
            self._history_views.append(HistoryView(page, numbers))

    def record_order_view(self, number: str) -> None:
        with self._lock:
            self._order_views.append(number)

    def record_cart_view(self) -> None:
        with self._lock:
            self._cart_views += 1

    def record_review_form(self, product_id: str) -> None:
        with self._lock:
            self._review_forms.append(product_id)

    def record_rejection(self, page: str, fields: tuple[str, ...]) -> None:
        with self._lock:
            self._rejections.append(Rejection(page, fields))

    def add_to_cart(self, product_id: str, option: str, quantity: int, limit: int) -> int:
        """Add to the line for (product, option), capped at `limit`; the new quantity."""
        with self._lock:
            for index, line in enumerate(self._cart):
                if line.product_id == product_id and line.option == option:
                    new = min(limit, line.quantity + quantity)
                    self._cart[index] = replace(line, quantity=new)
                    self._cart_history.append(tuple(self._cart))
                    return new
            new = min(limit, quantity)
            self._cart.append(CartLine(product_id, option, new))
            self._cart_history.append(tuple(self._cart))
            return new

    def cart_line(self, key: str) -> CartLine | None:
        with self._lock:
            return next((line for line in self._cart if line.key == key), None)

    def set_quantity(self, key: str, quantity: int) -> None:
        with self._lock:
            self._cart = [
                replace(line, quantity=quantity) if line.key == key else line for line in self._cart
            ]
            self._cart_history.append(tuple(self._cart))

    def remove_from_cart(self, key: str) -> None:
        with self._lock:
            self._cart = [line for line in self._cart if line.key != key]
            self._cart_history.append(tuple(self._cart))

    def submit_shipping(self, address: Address, method: str) -> Shipping:
        with self._lock:
            shipping = Shipping(address, method, tuple(self._cart))
            self._shipping = shipping
            self._shipping_submissions.append(shipping)
            return shipping

    def place_order(self, card_last4: str) -> Order:
        """Turn the cart and the shipping details into an order; empty the cart."""
        with self._lock:
            if self._shipping is None or not self._cart:
                raise ValueError("an order needs shipping details and a non-empty cart")
            lines = []
            for line in self._cart:
                product = self.data.product(line.product_id)
                assert product is not None, "the cart only holds known products"
                lines.append(
                    OrderLine(product.id, product.name, line.option, line.quantity, product.price)
                )
            last = max(int(o.number.removeprefix("CS-")) for o in self._orders)
            order = Order(
                number=f"CS-{last + 1}",
                day=TODAY,
                status="Pending",
                lines=tuple(lines),
                address=self._shipping.address,
                shipping=self._shipping.method,
                card_last4=card_last4,
            )
            self._orders.append(order)
            self._placed.append(order.number)
            self._cart = []
            self._cart_history.append(())
            self._shipping = None
            return order

    def cancel_order(self, number: str) -> bool:
        """Cancel a pending order; False when it cannot be cancelled (any more)."""
        with self._lock:
            for index, order in enumerate(self._orders):
                if order.number == number and order.cancellable:
                    self._orders[index] = replace(order, status="Cancelled")
                    self._cancelled.append(number)
                    return True
            return False

    def add_review(self, review: WrittenReview) -> None:
        with self._lock:
            self._reviews.append(review)
