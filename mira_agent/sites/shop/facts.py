"""The typed facts of each kind of shop task: which listings to bring up and how, the
cart wanted, the order to open, the review to write, the address and card to use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from mira_agent.sites.base import TaskFacts
from mira_agent.sites.shop.data import Address
from mira_agent.sites.specs import Card


@dataclass(frozen=True)
class Find:
    """How to bring up a listing: a search `query` or a `category`, a price limit and a
    sort; with `product_id` (and its `name`), that product's page is opened from it."""

    query: str = ""
    category: str = ""
    max_price: str = ""
    sort: str = "featured"
    product_id: str = ""
    name: str = ""


@dataclass(frozen=True)
class Item:
    """A cart line wanted: an `option` of None takes any colour."""

    product_id: str
    name: str
    option: str | None
    quantity: int
    find: Find


@dataclass(frozen=True)
class Visit(TaskFacts):
    """A question answered by bringing up listings or product pages, in order."""

    kind: ClassVar[str] = "visit"
    finds: tuple[Find, ...]
    answer: str
    expected_product_id: str | None = None
    expected_price: int | None = None
    expected_count: int | None = None


@dataclass(frozen=True)
class History(TaskFacts):
    """A question answered by paging through the order history."""

    kind: ClassVar[str] = "history"
    pages: int
    answer: str
    expected_cents: int
    month: str
    order_numbers: tuple[str, ...]
    expected_count: int | None = None  # a question of how many items or orders


@dataclass(frozen=True)
class Cancel(TaskFacts):
    kind: ClassVar[str] = "cancel"
    order_number: str


@dataclass(frozen=True)
class Review(TaskFacts):
    kind: ClassVar[str] = "review"
    order_number: str
    product_id: str
    product_name: str
    rating: int
    title: str
    body: str
    nickname: str


@dataclass(frozen=True)
class Buy(TaskFacts):
    """A cart to make (after opening `prelude_order`, when set), then checked out to
    `address` by `method` with `card` unless `checkout` is False."""

    kind: ClassVar[str] = "buy"
    items: tuple[Item, ...]
    checkout: bool = True
    prelude_order: str | None = None
    address: Address | None = None
    method: str | None = None
    card: Card | None = None
    category: str | None = None
    limit: int | None = None
    expected_product_id: str | None = None
