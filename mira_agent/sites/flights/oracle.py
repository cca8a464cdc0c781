"""A scripted policy that solves the flight site's tasks from observations alone.

It reads the same observation text a model reads and answers with the same actions,
so a run of it proves that each task is solvable through mira's browser layer and that
the site's checks accept the right booking. Keyword changes replace fields of the task's
facts (`expected_flight_number`, say), so a test can book the wrong flight on purpose.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import parse_qs, urlparse

from mira_agent.browser.actions import Action
from mira_agent.browser.observation import ElementRef, Observation
from mira_agent.sites.base import Task, facts_as
from mira_agent.sites.flights.data import CABIN_LABELS
from mira_agent.sites.flights.facts import Booking, Trip
from mira_agent.sites.flights.search import SORTS

CRITERION_SORT = {
    "cheapest_nonstop": "price",
    "cheapest": "price",
    "shortest": "duration",
    "earliest": "departure",
}


class FlightOracle:
    """Decides the next action for a flight task from the current observation."""

    def __init__(self, task: Task, **changes: Any) -> None:
        self.task = task
        self.facts = facts_as(replace(task.facts, **changes), Trip)
        self.flight_number = self.facts.expected_flight_number

    def next_action(self, observation: Observation) -> Action:
        url = urlparse(observation.url)
        elements = observation.elements()
        path = url.path
        if path == "/":
            return self._search(elements)
        if path == "/results":
            return self._results(elements, parse_qs(url.query))
        if path.startswith("/flight/"):
            return _click(elements, "Continue to passenger details")
        if path.endswith("/passengers"):
            return self._passengers(elements)
        if path.endswith("/payment"):
            return self._payment(elements)
        if path.startswith("/confirmation/"):
            return Action("stop", {"answer": f"booked {self.flight_number}"})
        return Action("goto", {"url": f"{url.scheme}://{url.netloc}/"})

    def _search(self, elements: list[ElementRef]) -> Action:
        p = self.facts
        passengers = p.passengers if isinstance(p, Booking) else 1
        wanted = f"{passengers} adult" + ("s" if passengers > 1 else "")
        fields = [
            (_named(elements, name), value)
            for name, value in (
                ("From", p.origin),
                ("To", p.destination),
                ("Date", p.date),
                ("Passengers", wanted),
                ("Cabin", CABIN_LABELS[p.cabin]),
            )
        ]
        return _fill([(f, v) for f, v in fields if f.value != v]) or _click(
            elements, "Search flights"
        )

    def _results(self, elements: list[ElementRef], query: dict[str, list[str]]) -> Action:
        sort = CRITERION_SORT[self.facts.criterion]
        if query.get("sort", ["best"])[0] != sort:
            control = _named(elements, "Sort by")
            if control.value != SORTS[sort]:
                return Action("select", {"element": control.id, "option": SORTS[sort]})
            return _click(elements, "Apply")
        if not isinstance(self.facts, Booking):
            return Action("stop", {"answer": f"${self.facts.expected_price}"})
        prefix = f"Select {self.flight_number},"
        link = next((e for e in elements if e.name.startswith(prefix)), None)
        if link is None:
            raise LookupError(f"flight {self.flight_number} is not on the results page")
        return Action("click", {"element": link.id})

    def _passengers(self, elements: list[ElementRef]) -> Action:
        booking = facts_as(self.facts, Booking)
        fields = [
            (_named(elements, label, f"passenger {n}"), value)
            for n, traveler in enumerate(booking.travelers, 1)
            for label, value in (
                ("First name", traveler.first_name),
                ("Last name", traveler.last_name),
                ("Date of birth", traveler.birth_date),
            )
        ]
        fields.append((_named(elements, "Email"), booking.email))
        return _fill([(f, v) for f, v in fields if f.value != v]) or _click(
            elements, "Continue to payment"
        )

    def _payment(self, elements: list[ElementRef]) -> Action:
        card = facts_as(self.facts, Booking).card
        fields = [
            (_named(elements, label), value)
            for label, value in (
                ("Name on card", card.name),
                ("Card number", card.number),
                ("Expiry date", card.expiry),
                ("Security code", card.cvv),
            )
        ]
        # Card fields show masked: filled once is enough.
        empty = _fill([(f, v) for f, v in fields if not f.value])
        if empty is not None:
            return empty
        pay = next(e for e in elements if e.role == "button" and e.name.startswith("Pay "))
        return Action("click", {"element": pay.id})


def _named(
    elements: list[ElementRef], prefix: str, contains: str = "", role: str | None = None
) -> ElementRef:
    for element in elements:
        named = element.name.startswith(prefix) and contains in element.name
        if named and (role is None or element.role == role):
            return element
    raise LookupError(f"no element named {prefix!r} on the page")


def _fill(fields: list[tuple[ElementRef, str]]) -> Action | None:
    """One step for every field of a form that still needs its value, 8 at the most
    (the rest next step); None when none does."""
    if not fields:
        return None
    chosen = fields[:8]
    return Action("fill", {"elements": [f.id for f, _ in chosen], "values": [v for _, v in chosen]})


def _click(elements: list[ElementRef], name: str) -> Action:
    return Action("click", {"element": _named(elements, name, role="button").id})
