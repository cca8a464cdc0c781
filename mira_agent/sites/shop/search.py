"""Product search, filters and sorting: pure functions over the catalogue.

A product matches a query when every query word is one of its words (name, brand,
category, kind, attribute values, colours), plurals folded. Sorting is stable and
fully ordered (ties broken by id), so a listing is the same every time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from mira_agent.sites.shop.data import CATEGORIES, Product, words
from mira_agent.sites.shop.forms import parse_price
from mira_agent.sites.web import page_number

PAGE_SIZE = 20

SORTS: dict[str, str] = {
    "featured": "Featured",
    "price_asc": "Price: low to high",
    "price_desc": "Price: high to low",
    "rating": "Average customer rating",
}


@dataclass(frozen=True)
class ProductQuery:
    """A listing request, read leniently from the query string."""

    query: str = ""
    category: str = ""
    min_price: int | None = None
    max_price: int | None = None
    sort: str = "featured"
    page: int = 1

    def params(self, **changes: object) -> dict[str, str]:
        """Query-string fields for this listing (with `changes`), blanks left out."""
        fields: dict[str, object] = {
            "q": self.query,
            "category": self.category,
            "min_price": _dollars(self.min_price),
            "max_price": _dollars(self.max_price),
            "sort": "" if self.sort == "featured" else self.sort,
            "page": "" if self.page == 1 else self.page,
        }
        fields.update(changes)
        return {k: str(v) for k, v in fields.items() if v not in ("", None)}


def _dollars(cents: int | None) -> str:
    if cents is None:
        return ""
    return f"{cents // 100}" if cents % 100 == 0 else f"{cents / 100:.2f}"


def parse_query(query: Mapping[str, Sequence[str]], category: str = "") -> ProductQuery:
    def arg(name: str) -> str:
        return " ".join((query.get(name) or [""])[0].split())

    cat = category or arg("category")
    page_text = arg("page")
    sort = arg("sort")
    return ProductQuery(
        query=arg("q"),
        category=cat if cat in CATEGORIES else "",
        min_price=parse_price(arg("min_price")),
        max_price=parse_price(arg("max_price")),
        sort=sort if sort in SORTS else "featured",
        page=page_number(page_text),
    )


def matches(product: Product, request: ProductQuery) -> bool:
    wanted = set(words(request.query))
    if wanted and not wanted <= product.search_words():
        return False
    if request.category and product.category != request.category:
        return False
    if request.min_price is not None and product.price < request.min_price:
        return False
    return request.max_price is None or product.price <= request.max_price


def sort_key(product: Product, sort: str) -> tuple[float, ...]:
    if sort == "price_asc":
        return (product.price, int(product.id))
    if sort == "price_desc":
        return (-product.price, int(product.id))
    if sort == "rating":
        return (-product.rating, -len(product.reviews), int(product.id))
    return (int(product.id),)


def run_query(products: Sequence[Product], request: ProductQuery) -> list[Product]:
    """Every matching product, in the listing's order (all pages)."""
    found = [p for p in products if matches(p, request)]
    return sorted(found, key=lambda p: sort_key(p, request.sort))
