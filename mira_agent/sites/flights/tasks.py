"""The flight site's tasks, generated from its inventory so expected answers are exact.

Each task names a route, a preferred date and a criterion (cheapest non-stop,
cheapest, shortest, earliest). The date actually used is the first one from the
preferred date on where the criterion picks a different flight than the obvious
alternatives (the default "Best" ordering, the other criteria), so an agent that
ignores the criterion fails instead of passing by luck. Uniqueness of prices,
durations and departure times in `data` makes the expected flight unambiguous.

Milestone and success checks are closures over the task's facts and read only the
`FlightState` (and the agent's answer), never the pages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from mira_agent.sites.answers import long_date, normalize, parse_amount
from mira_agent.sites.base import Milestone, Task
from mira_agent.sites.flights.data import (
    AIRPORTS_BY_CODE,
    CABIN_LABELS,
    LAST_DATE,
    Flight,
    FlightData,
)
from mira_agent.sites.flights.facts import Booking, Question, Trip
from mira_agent.sites.flights.search import sort_key
from mira_agent.sites.flights.state import FlightState, SearchRecord, Traveler
from mira_agent.sites.specs import Card, Draft, Spec, Success, answered
from mira_agent.sites.specs import build_tasks as build

SITE = "flights"
CRITERIA = ("cheapest_nonstop", "cheapest", "shortest", "earliest")

# Which results-page setting makes a criterion visible: used by the second milestone.
_CRITERION_SORT = {
    "cheapest_nonstop": "price",
    "cheapest": "price",
    "shortest": "duration",
    "earliest": "departure",
}
_CRITERION_WORDING = {
    "cheapest_nonstop": "the cheapest non-stop flight",
    "cheapest": "the cheapest flight",
    "shortest": "the shortest flight (least total travel time)",
    "earliest": "the earliest departing flight",
}
_SORT_WORDING = {
    "price": "price",
    "duration": "duration",
    "departure": "departure time",
}


@dataclass(frozen=True)
class Route:
    """A flight task before the inventory is consulted: the builder of one row of the
    table; no travelers means a question about the fare."""

    criterion: str
    origin: str
    destination: str
    day: date
    cabin: str
    travelers: tuple[Traveler, ...] = ()
    email: str = ""

    @property
    def booking(self) -> bool:
        return bool(self.travelers)

    def __call__(self, data: FlightData) -> Draft:
        return build_trip(data, self)


SPECS: tuple[Spec[FlightData], ...] = (
    Spec("flights-cheapest-nonstop-bos-den", "train", Route(
        "cheapest_nonstop", "BOS", "DEN",
        date(2026, 12, 14), "economy",
        (Traveler("Maria", "Garcia", "1986-04-12"), Traveler("James", "Chen", "1984-09-30")),
        "maria.garcia@example.com",
    )),
    Spec("flights-shortest-jfk-lax", "train", Route(
        "shortest", "JFK", "LAX",
        date(2026, 12, 18), "economy",
        (Traveler("Priya", "Patel", "1990-07-08"),),
        "priya.patel@example.com",
    )),
    Spec("flights-earliest-business-sfo-sea", "train", Route(
        "earliest", "SFO", "SEA",
        date(2026, 12, 9), "business",
        (Traveler("Daniel", "Okafor", "1978-11-02"), Traveler("Grace", "Okafor", "1980-01-25")),
        "d.okafor@example.com",
    )),
    Spec("flights-cheapest-premium-ord-mia", "train", Route(
        "cheapest", "ORD", "MIA",
        date(2026, 12, 20), "premium_economy",
        (Traveler("Sofia", "Rossi", "1995-05-19"),),
        "sofia.rossi@example.com",
    )),
    Spec("flights-price-cheapest-atl-dfw", "train", Route(
        "cheapest", "ATL", "DFW",
        date(2026, 12, 5), "economy",
    )),
    Spec("flights-cheapest-nonstop-sea-den", "test", Route(
        "cheapest_nonstop", "SEA", "DEN",
        date(2026, 12, 21), "economy",
        (
            Traveler("Liam", "Murphy", "1975-02-14"),
            Traveler("Emma", "Murphy", "1977-08-03"),
            Traveler("Noah", "Murphy", "2004-06-30"),
        ),
        "liam.murphy@example.com",
    )),
    Spec("flights-shortest-business-bos-sfo", "test", Route(
        "shortest", "BOS", "SFO",
        date(2026, 12, 22), "business",
        (Traveler("Aiko", "Tanaka", "1969-03-03"), Traveler("Kenji", "Tanaka", "1968-12-17")),
        "aiko.tanaka@example.com",
    )),
    Spec("flights-earliest-mia-jfk", "test", Route(
        "earliest", "MIA", "JFK",
        date(2026, 12, 27), "economy",
        (Traveler("Olivia", "Brown", "1999-10-21"),),
        "olivia.brown@example.com",
    )),
    Spec("flights-price-nonstop-business-den-ord", "test", Route(
        "cheapest_nonstop", "DEN", "ORD",
        date(2026, 12, 11), "business",
    )),
)  # fmt: skip


def choose_flight(flights: Sequence[Flight], criterion: str, cabin: str) -> Flight | None:
    """The one flight a criterion picks (or the top "Best" flight for ``best``)."""
    pool = [f for f in flights if f.nonstop] if criterion == "cheapest_nonstop" else list(flights)
    if not pool:
        return None
    sort = _CRITERION_SORT.get(criterion, "best")
    return min(pool, key=lambda f: sort_key(f, sort, cabin))


# What an agent ignoring the criterion would plausibly pick instead. A task's date is
# chosen so that its flight differs from all of these (or, failing that, the first two).
RIVALS = {
    "cheapest_nonstop": ("cheapest", "best", "shortest", "earliest"),
    "cheapest": ("best", "shortest", "earliest"),
    "shortest": ("best", "cheapest", "earliest"),
    "earliest": ("best", "cheapest", "shortest"),
}


def discriminates(flights: Sequence[Flight], criterion: str, cabin: str, rivals: int) -> bool:
    """Whether the criterion's flight differs from the first `rivals` rival picks."""
    expected = choose_flight(flights, criterion, cabin)
    return expected is not None and all(
        choose_flight(flights, rival, cabin) != expected for rival in RIVALS[criterion][:rivals]
    )


def _pick_day(data: FlightData, spec: Route) -> date:
    """The first date from the preferred one on where the criterion really matters."""
    candidates = [
        spec.day + timedelta(days=k) for k in range(14) if spec.day + timedelta(days=k) <= LAST_DATE
    ]
    for rivals in (len(RIVALS[spec.criterion]), 2):
        for day in candidates:
            flights = data.flights(spec.origin, spec.destination, day)
            if discriminates(flights, spec.criterion, spec.cabin, rivals):
                return day
    return spec.day


def _names(travelers: Sequence[Traveler]) -> list[tuple[str, str]]:
    return sorted((normalize(t.first_name), normalize(t.last_name)) for t in travelers)


def _adults(n: int) -> str:
    return f"{n} adult" if n == 1 else f"{n} adults"


def _search_matches(record: SearchRecord, spec: Route, day: str, passengers: int | None) -> bool:
    return (
        record.origin == spec.origin
        and record.destination == spec.destination
        and record.date == day
        and record.cabin == spec.cabin
        and (passengers is None or record.passengers == passengers)
    )


def _shows_criterion(record: SearchRecord, criterion: str, flight_id: str) -> bool:
    sorted_right = record.sort == _CRITERION_SORT[criterion]
    filtered = criterion == "cheapest_nonstop" and record.nonstop_only
    return (sorted_right or filtered) and flight_id in record.flight_ids


def _criterion_text(criterion: str) -> str:
    sort_text = f"sorted by {_SORT_WORDING[_CRITERION_SORT[criterion]]}"
    if criterion == "cheapest_nonstop":
        return f"{sort_text} or filtered to non-stop flights"
    return sort_text


def build_trip(data: FlightData, spec: Route) -> Draft:
    """The task a route asks for, on the first date from its own where its criterion
    picks a flight that no rival criterion picks (see `_pick_day`)."""
    day = _pick_day(data, spec)
    flights = data.flights(spec.origin, spec.destination, day)
    expected = choose_flight(flights, spec.criterion, spec.cabin)
    if expected is None:
        raise RuntimeError(f"{spec}: no flight satisfies {spec.criterion} on {day}")
    origin, destination = AIRPORTS_BY_CODE[spec.origin], AIRPORTS_BY_CODE[spec.destination]
    iso = day.isoformat()
    cabin_label = CABIN_LABELS[spec.cabin]
    passengers = len(spec.travelers) if spec.booking else None
    expected_id = expected.id
    price = expected.price(spec.cabin)
    trip = {
        "criterion": spec.criterion,
        "origin": spec.origin,
        "origin_city": origin.city,
        "destination": spec.destination,
        "destination_city": destination.city,
        "date": iso,
        "cabin": spec.cabin,
        "expected_flight_id": expected_id,
        "expected_flight_number": expected.number,
        "expected_price": price,
    }

    def searched(state: FlightState) -> bool:
        return any(_search_matches(r, spec, iso, passengers) for r in state.searches)

    def criterion_shown(state: FlightState) -> bool:
        return any(
            _search_matches(r, spec, iso, passengers)
            and _shows_criterion(r, spec.criterion, expected_id)
            for r in state.searches
        )

    who = f" for {_adults(passengers)}" if passengers else ""
    milestones = [
        Milestone(
            f"Search results for {origin.label} → {destination.label} on {iso}{who} "
            f"in {cabin_label} are shown",
            searched,
        ),
        Milestone(f"The results are {_criterion_text(spec.criterion)}", criterion_shown),
    ]
    route = f"from {origin.city} to {destination.city} on {long_date(day)}"
    tags = ("booking" if spec.booking else "information", spec.criterion, spec.cabin)
    if spec.booking:
        card = Card(spec.travelers[0].full_name)
        intent, success = _booking_parts(spec, expected, milestones, route, card)
        who_flies = ", ".join(t.full_name for t in spec.travelers)
        outcome = f"{expected.number} on {iso} in {cabin_label} for {who_flies}"
        facts: Trip = Booking(
            **trip,
            passengers=len(spec.travelers),
            travelers=spec.travelers,
            email=spec.email,
            card=card,
            expected_total=price * len(spec.travelers),
        )
    else:
        intent = (
            f"What is the price per person of {_CRITERION_WORDING[spec.criterion]} {route} "
            f"in {cabin_label.lower()}? Don't book anything. Answer with the number only."
        )
        success = answered(lambda answer: parse_amount(answer) == price * 100, _nothing_booked)
        facts = Question(**trip, expected_answer=str(price))
        outcome = f"${price}"
    return Draft(intent, milestones, success, facts, tags, outcome=outcome)


def _booking_parts(
    spec: Route,
    expected: Flight,
    milestones: list[Milestone],
    route: str,
    card: Card,
) -> tuple[str, Success]:
    """Intent, success check and the last three milestones of a booking task."""
    count = len(spec.travelers)
    names = _names(spec.travelers)
    expected_id = expected.id

    def opened(state: FlightState) -> bool:
        return any(v.flight_id == expected_id for v in state.views)

    def passengers_given(state: FlightState) -> bool:
        return any(
            s.flight_id == expected_id and s.cabin == spec.cabin and _names(s.travelers) == names
            for s in state.passenger_submissions
        )

    def booked(state: FlightState, answer: str | None = None) -> bool:
        bookings = state.bookings
        if len(bookings) != 1:
            return False
        booking = bookings[0]
        return (
            booking.flight_id == expected_id
            and booking.cabin == spec.cabin
            and len(booking.travelers) == count
            and _names(booking.travelers) == names
        )

    full_names = [t.full_name for t in spec.travelers]
    listed = " and ".join([", ".join(full_names[:-1]), full_names[-1]] if count > 1 else full_names)
    # The flight is named by the criterion, never by its number: a planner shown these as
    # the plan knows only the intent.
    flight = _CRITERION_WORDING[spec.criterion].split(" (")[0]
    milestones += [
        Milestone(f"The details of {flight} are opened", opened),
        Milestone(
            f"Passenger details for {listed} are submitted for that flight", passengers_given
        ),
        Milestone("The booking is confirmed", booked),
    ]
    people = "; ".join(f"{t.full_name}, born {t.birth_date}" for t in spec.travelers)
    intent = (
        f"Book {_CRITERION_WORDING[spec.criterion]} {route} for {_adults(count)} in "
        f"{CABIN_LABELS[spec.cabin].lower()}. Passengers: {people}. "
        f"Contact email: {spec.email}. {card.instructions()}"
    )
    return intent, booked


def _nothing_booked(state: FlightState) -> bool:
    return not state.bookings


def build_tasks(data: FlightData) -> list[Task]:
    """All flight tasks for this inventory, in the table's order (train first, then test)."""
    return build(SITE, SPECS, data)
