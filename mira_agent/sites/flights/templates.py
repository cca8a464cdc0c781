"""The flight site's task templates: a fare question or a booking, for each criterion,
on a route, date and cabin drawn from the inventory, for travelers drawn from a pool.

A draw is fit only where its criterion matters on the drawn date: the flight it picks
differs from what every rival criterion (and the default "Best" order) picks, so an
agent that ignores the criterion fails instead of passing by luck. Everything else (the
milestones, the checks, the oracle's facts) is derived as for the fixed tasks
(`tasks.build_trip`).
"""

from __future__ import annotations

import random

from mira_agent.sites.flights.data import AIRPORTS, CABINS, FlightData, bookable_dates
from mira_agent.sites.flights.state import Traveler
from mira_agent.sites.flights.tasks import RIVALS, Route, build_trip, discriminates
from mira_agent.sites.specs import Draft
from mira_agent.sites.task_templates import Template, Unfit

FIRST_NAMES = (
    "Ana", "Ben", "Carla", "David", "Elena", "Farid", "Gwen", "Hiro", "Ines", "Jonas",
    "Kemi", "Luca", "Mei", "Nadia", "Omar", "Paula", "Quinn", "Rafael", "Sara", "Tomas",
    "Uma", "Victor", "Wen", "Yara", "Zoe",
)  # fmt: skip
LAST_NAMES = (
    "Alvarez", "Brooks", "Costa", "Dubois", "Eriksen", "Fischer", "Gupta", "Haddad",
    "Ivanova", "Jensen", "Kowalski", "Larsen", "Moreau", "Nakamura", "Osei", "Petrov",
    "Quiroga", "Reyes", "Schmidt", "Takahashi", "Usman", "Varga", "Weber", "Yilmaz",
)  # fmt: skip


def _travelers(rng: random.Random) -> tuple[tuple[Traveler, ...], str]:
    """One to three people of one family (distinct first names), and the first one's
    email: the contact a booking gives."""
    last = rng.choice(LAST_NAMES)
    firsts = rng.sample(FIRST_NAMES, rng.randint(1, 3))
    people = tuple(
        Traveler(
            first,
            last,
            f"{rng.randint(1950, 2005)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        )
        for first in firsts
    )
    return people, f"{firsts[0].lower()}.{last.lower()}@example.com"


DATES = tuple(bookable_dates())
CODES = tuple(a.code for a in AIRPORTS)


def _trip(criterion: str, booking: bool):  # type: ignore[no-untyped-def]
    def draw(data: FlightData, rng: random.Random) -> Draft:
        origin, destination = rng.sample(CODES, 2)
        day = rng.choice(DATES)
        cabin = rng.choice(CABINS)
        flights = data.flights(origin, destination, day)
        if not discriminates(flights, criterion, cabin, len(RIVALS[criterion])):
            raise Unfit(f"{criterion} picks no flight of its own on {day}")
        travelers, email = _travelers(rng) if booking else ((), "")
        return build_trip(data, Route(criterion, origin, destination, day, cabin, travelers, email))

    return draw


_WORDING = {
    "cheapest_nonstop": "cheapest non-stop",
    "cheapest": "cheapest",
    "shortest": "shortest",
    "earliest": "earliest departing",
}


def _book(criterion: str, split: str) -> Template[FlightData]:
    return Template(
        f"flights-book-{criterion.replace('_', '-')}",
        split,
        f"Book the {_WORDING[criterion]} flight from {{city}} to {{city}} on {{date}} for "
        "{n} adults in {cabin}. Passengers: {names, birth dates}. Contact email: {email}. "
        "Pay with the card …",
        _trip(criterion, booking=True),
    )


def _fare(criterion: str, split: str) -> Template[FlightData]:
    return Template(
        f"flights-fare-{criterion.replace('_', '-')}",
        split,
        f"What is the price per person of the {_WORDING[criterion]} flight from {{city}} to "
        "{city} on {date} in {cabin}? Don't book anything.",
        _trip(criterion, booking=False),
    )


TEMPLATES: tuple[Template[FlightData], ...] = (
    _book("cheapest_nonstop", "train"),
    _book("cheapest", "train"),
    _book("shortest", "train"),
    _book("earliest", "test"),
    _fare("cheapest_nonstop", "train"),
    _fare("cheapest", "train"),
    _fare("earliest", "train"),
    _fare("shortest", "test"),
)
