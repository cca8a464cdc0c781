"""A scripted policy that solves Corner Shop's tasks from observations alone.

It reads the observation text a model reads (elements by role and name, the URL) and
answers with the actions a model would give. It keeps a little memory of what it has
seen, as a person would: the cart's lines when it last saw the cart, which products it
has looked up, whether it has opened the order a task is about. Keyword changes replace
fields of the task's facts (`answer`, `items`), so tests can run it with a wrong answer
or a wrong cart on purpose.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qs, urlparse

from mira_agent.browser.actions import Action
from mira_agent.browser.observation import ElementRef, Observation
from mira_agent.sites.answers import normalize
from mira_agent.sites.base import Task, facts_as
from mira_agent.sites.shop.data import CATEGORIES, SHIPPING_METHODS, US_STATES
from mira_agent.sites.shop.facts import Buy, Cancel, Find, History, Item, Review, Visit
from mira_agent.sites.shop.search import SORTS


class ShopOracle:
    """Decides the next action for a shop task from the current observation."""

    def __init__(self, task: Task, **changes: Any) -> None:
        self.task = task
        self.facts = replace(task.facts, **changes)
        self.finds_done = 0  # visit tasks: how many of the finds are done
        self.cart: dict[str, int] | None = None  # label -> quantity, as last seen
        self.prelude_done = False
        self.pending_update: str | None = None
        self.target: Item | None = None

    def next_action(self, observation: Observation) -> Action:
        url = urlparse(observation.url)
        page = _Page(url.path, parse_qs(url.query), observation.elements(), observation.text)
        facts = self.facts
        if isinstance(facts, Visit):
            return self._visit(page, facts)
        if isinstance(facts, History):
            return self._history(page, facts)
        if isinstance(facts, Cancel):
            return self._cancel(page, facts)
        if isinstance(facts, Review):
            return self._review(page, facts)
        return self._buy(page, facts_as(facts, Buy))

    # -- information tasks ---------------------------------------------------------

    def _visit(self, page: _Page, facts: Visit) -> Action:
        finds = facts.finds
        while self.finds_done < len(finds):
            find = finds[self.finds_done]
            wanted_id = find.product_id
            if wanted_id and page.path == f"/product/{wanted_id}":
                self.finds_done += 1
                continue
            if page.is_listing and _listing_ok(page, find):
                if wanted_id:
                    return page.click(find.name, role="link", exact=True)
                self.finds_done += 1
                continue
            return self._find(page, find)
        return Action("stop", {"answer": facts.answer})

    def _history(self, page: _Page, facts: History) -> Action:
        if page.path != "/orders":
            return page.click("My orders", role="link", exact=True)
        current = int(page.arg("page") or "1")
        if current < facts.pages:
            return page.click("Older orders", role="link", exact=True)
        return Action("stop", {"answer": facts.answer})

    # -- orders ----------------------------------------------------------------------

    def _open_order(self, page: _Page, number: str) -> Action:
        if page.path == "/orders":
            link = page.find(f"Order {number}", role="link", exact=True)
            if link is not None:
                return Action("click", {"element": link.id})
            return page.click("Older orders", role="link", exact=True)
        return page.click("My orders", role="link", exact=True)

    def _cancel(self, page: _Page, facts: Cancel) -> Action:
        number = facts.order_number
        if page.path == f"/orders/{number}":
            if page.arg("cancelled") == "1":
                return Action("stop", {"answer": f"Cancelled order {number}"})
            if page.find("Cancel order", role="button", exact=True) is None:
                return Action("stop", {"answer": f"Order {number} is {page.status}"})
            return page.click("Cancel order", role="button", exact=True)
        return self._open_order(page, number)

    def _review(self, page: _Page, p: Review) -> Action:
        product_path = f"/product/{p.product_id}"
        if page.path == product_path:
            if page.arg("reviewed") == "1":
                return Action("stop", {"answer": f"Posted a {p.rating}-star review"})
            return page.click("Write a review", role="link", exact=True)
        if page.path == product_path + "/review":
            stars_label = "1 star" if p.rating == 1 else f"{p.rating} stars"
            stars = page.find(stars_label, role="radio", exact=True)
            if stars is None:
                raise LookupError("no star rating radio on the review form")
            if "checked" not in stars.flags:
                return Action("click", {"element": stars.id})
            typed = page.fill(
                (
                    ("Review title", p.title),
                    ("Your review", p.body),
                    ("Name shown with your review", p.nickname),
                )
            )
            return typed or page.click("Submit review", role="button", exact=True)
        if page.path == f"/orders/{p.order_number}":
            return page.click(p.product_name, role="link", exact=True)
        return self._open_order(page, p.order_number)

    # -- buying ----------------------------------------------------------------------

    def _buy(self, page: _Page, facts: Buy) -> Action:
        prelude = facts.prelude_order
        if prelude and not self.prelude_done:
            if page.path != f"/orders/{prelude}":
                return self._open_order(page, prelude)
            self.prelude_done = True
        if page.path == "/cart":
            return self._at_cart(page, facts)
        if page.path == "/checkout":
            return self._shipping(page, facts)
        if page.path == "/checkout/payment":
            return self._payment(page, facts)
        if page.path.endswith("/confirmation"):
            number = page.path.split("/")[2]
            return Action("stop", {"answer": f"Placed order {number}"})
        if self.cart is None or self.target is None:
            return page.click("Cart (", role="link")
        target = self.target
        if page.path == f"/product/{target.product_id}":
            return self._add(page, target)
        if page.is_listing and _listing_ok(page, target.find):
            return page.click(target.name, role="link", exact=True)
        return self._find(page, target.find)

    def _matching_label(self, item: Item) -> str | None:
        assert self.cart is not None
        for label in self.cart:
            if item.option is None:
                if label == item.name or label.startswith(item.name + " ("):
                    return label
            elif label == _label(item.name, item.option):
                return label
        return None

    def _at_cart(self, page: _Page, facts: Buy) -> Action:
        lines = {
            e.name.removeprefix("Quantity of "): e
            for e in page.elements
            if e.role == "spinbutton" and e.name.startswith("Quantity of ")
        }
        if self.pending_update is not None and self.pending_update in lines:
            label, self.pending_update = self.pending_update, None
            return page.click(f"Update quantity of {label}", role="button", exact=True)
        self.cart = {label: int(e.value or "0") for label, e in lines.items()}
        wanted_labels = {}
        for item in facts.items:
            label = self._matching_label(item)
            if label is not None:
                wanted_labels[label] = item
        for label in self.cart:
            if label not in wanted_labels:
                return page.click(f"Remove {label}", role="button", exact=True)
        for label, item in wanted_labels.items():
            if self.cart[label] != item.quantity:
                self.pending_update = label
                return Action("type", {"element": lines[label].id, "text": str(item.quantity)})
        missing = [item for item in facts.items if self._matching_label(item) is None]
        if missing:
            self.target = missing[0]
            return self._find(page, self.target.find)
        if facts.checkout:
            return page.click("Proceed to checkout", role="link", exact=True)
        return Action("stop", {"answer": "The cart is ready"})

    def _add(self, page: _Page, item: Item) -> Action:
        colour = page.find("Colour", role="combobox", exact=True)
        if colour is not None:
            options = colour.attributes.get("options", "").split("|")
            wanted = item.option or options[1]
            if colour.value != wanted:
                return Action("select", {"element": colour.id, "option": wanted})
        label = self._matching_label(item)
        have = self.cart.get(label, 0) if (self.cart and label) else 0
        quantity = str(item.quantity - have)
        field = page.field("Quantity")
        if field.value != quantity:
            return Action("type", {"element": field.id, "text": quantity})
        return page.click("Add to cart", role="button", exact=True)

    def _shipping(self, page: _Page, facts: Buy) -> Action:
        address, method = facts.address, facts.method
        assert address is not None and method is not None, "a checkout needs an address"
        typed = page.fill(
            (
                ("Full name", address.full_name),
                ("Street address", address.street),
                ("City", address.city),
                ("ZIP code", address.zip_code),
            )
        )
        if typed is not None:
            return typed
        state = page.find("State", role="combobox", exact=True)
        assert state is not None
        state_name = US_STATES[address.state]
        if state.value != state_name:
            return Action("select", {"element": state.id, "option": state_name})
        method_label = SHIPPING_METHODS[method][0] + ","
        radio = next(
            e for e in page.elements if e.role == "radio" and e.name.startswith(method_label)
        )
        if "checked" not in radio.flags:
            return Action("click", {"element": radio.id})
        return page.click("Continue to payment", role="button", exact=True)

    def _payment(self, page: _Page, facts: Buy) -> Action:
        card = facts.card
        assert card is not None, "a checkout needs a card"
        for label, text in (
            ("Name on card", card.name),
            ("Card number", card.number),
            ("Expiry date (MM/YY)", card.expiry),
            ("Security code (CVV)", card.cvv),
        ):
            field = page.field(label)
            if not field.value:  # card fields show masked: filled once is enough
                return Action("type", {"element": field.id, "text": text})
        return page.click("Place order", role="button", exact=True)

    # -- finding products ------------------------------------------------------------

    def _find(self, page: _Page, find: Find) -> Action:
        """The next step towards a listing that satisfies `find`."""
        category = find.category
        if category:
            if page.path != f"/category/{category}":
                if page.path == "/":
                    return page.click(CATEGORIES[category], role="link")
                return page.click("Categories", role="link", exact=True)
            return self._fix_filters(page, find)
        query = find.query
        if page.is_listing and normalize(page.arg("q")) == normalize(query):
            return self._fix_filters(page, find)
        box = page.find("Search products", role="searchbox", exact=True)
        assert box is not None, "every page has the search box"
        return Action("type", {"element": box.id, "text": query, "enter": True})

    def _fix_filters(self, page: _Page, find: Find) -> Action:
        max_price = find.max_price
        field = page.field("Max price")
        if field.value != max_price:
            return Action("type", {"element": field.id, "text": max_price})
        sort = page.find("Sort by", role="combobox", exact=True)
        assert sort is not None
        label = SORTS[find.sort]
        if sort.value != label:
            return Action("select", {"element": sort.id, "option": label})
        return page.click("Apply filters", role="button", exact=True)


def _label(name: str, option: str) -> str:
    return f"{name} ({option})" if option else name


def _listing_ok(page: _Page, find: Find) -> bool:
    """Whether the listing on screen is the one `find` asks for (query, filters, sort)."""
    category = find.category
    if category and page.path != f"/category/{category}":
        return False
    if not category and normalize(page.arg("q")) != normalize(find.query):
        return False
    if page.arg("max_price") != find.max_price:
        return False
    return (page.arg("sort") or "featured") == find.sort


class _Page:
    """The parts of an observation the oracle reads: path, query and elements."""

    def __init__(
        self, path: str, query: dict[str, list[str]], elements: list[ElementRef], text: str = ""
    ) -> None:
        self.path = path
        self.query = query
        self.elements = elements
        self.text = text

    @property
    def status(self) -> str:
        """The status an order page states ("Status: Shipped"), as a reader sees it."""
        match = re.search(r"Status:\s*(\w+)", self.text)
        if match is None:
            raise LookupError("no order status on the page")
        return match.group(1)

    @property
    def is_listing(self) -> bool:
        return self.path == "/search" or self.path.startswith("/category/")

    def arg(self, name: str) -> str:
        return (self.query.get(name) or [""])[0]

    def find(self, name: str, role: str | None = None, exact: bool = False) -> ElementRef | None:
        for element in self.elements:
            named = element.name == name if exact else element.name.startswith(name)
            if named and (role is None or element.role == role):
                return element
        return None

    def field(self, label: str) -> ElementRef:
        for element in self.elements:
            if element.name == label and element.role in ("textbox", "spinbutton"):
                return element
        raise LookupError(f"no field labelled {label!r} on the page")

    def fill(self, values: Iterable[tuple[str, str]]) -> Action | None:
        """Typing into the first field (by label) that does not show its value yet; None
        when every field does."""
        for label, text in values:
            field = self.field(label)
            if field.value != text:
                return Action("type", {"element": field.id, "text": text})
        return None

    def click(self, name: str, role: str | None = None, exact: bool = False) -> Action:
        element = self.find(name, role, exact)
        if element is None:
            raise LookupError(f"no {role or 'element'} named {name!r} on the page")
        return Action("click", {"element": element.id})
