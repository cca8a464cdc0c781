"""Reading a flight search from a query string, and running it.

The results page is driven entirely by its query string (GET), so a search is
reproducible from its URL and the Back button behaves as people expect. Problems are
returned as sentences for the error page rather than raised.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from mira_agent.sites.flights.data import (
    AIRLINES_BY_CODE,
    CABINS,
    FIRST_DATE,
    LAST_DATE,
    Airport,
    Flight,
    FlightData,
    find_airport,
    is_bookable,
)

SORTS: dict[str, str] = {
    "best": "Best",
    "price": "Price (lowest first)",
    "duration": "Duration (shortest first)",
    "departure": "Departure (earliest first)",
}
DEFAULT_SORT = "best"
MAX_PASSENGERS = 6

Query = Mapping[str, Sequence[str]]


@dataclass(frozen=True)
class SearchQuery:
    """A validated search: resolved airports, a bookable date, and display options."""

    origin: Airport
    destination: Airport
    day: date
    passengers: int
    cabin: str
    sort: str = DEFAULT_SORT
    nonstop_only: bool = False
    airlines: tuple[str, ...] = ()


def first(query: Query, name: str) -> str:
    """The first value of a query parameter, stripped; empty when absent."""
    values = query.get(name) or [""]
    return values[0].strip()


def parse_day(text: str) -> date | None:
    """Read a date from a date input (YYYY-MM-DD) or as typed (MM/DD/YYYY)."""
    text = text.strip()
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
        if not match:
            return None
        month, day, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_search(query: Query) -> tuple[SearchQuery | None, list[str]]:
    """Validate a results-page query; return the search or the problems, one per sentence."""
    problems: list[str] = []
    airports: dict[str, Airport | None] = {}
    for field, label in (("from", "From"), ("to", "To")):
        text = first(query, field)
        airports[field] = None
        if not text:
            problems.append(f"{label}: please enter an airport or city.")
        elif (airport := find_airport(text)) is None:
            problems.append(
                f"{label}: we couldn't find an airport matching \u201c{text}\u201d. "
                "Try a city name or a 3-letter code such as BOS."
            )
        else:
            airports[field] = airport
    origin, destination = airports["from"], airports["to"]
    if origin and destination and origin.code == destination.code:
        problems.append("From and To are the same airport; please choose a different destination.")

    day_text = first(query, "date")
    day = parse_day(day_text) if day_text else None
    if not day_text:
        problems.append("Date: please choose a departure date.")
    elif day is None:
        problems.append(f"Date: \u201c{day_text}\u201d is not a date.")
    elif not is_bookable(day):
        problems.append(
            f"Date: flights can be booked from {FIRST_DATE:%B} {FIRST_DATE.day} "
            f"to {LAST_DATE:%B} {LAST_DATE.day}, {LAST_DATE.year}."
        )

    passengers_text = first(query, "passengers") or "1"
    passengers = int(passengers_text) if passengers_text.isdigit() else 0
    if not 1 <= passengers <= MAX_PASSENGERS:
        problems.append(f"Passengers: choose between 1 and {MAX_PASSENGERS} adults.")

    cabin = first(query, "cabin") or "economy"
    if cabin not in CABINS:
        problems.append("Cabin: choose Economy, Premium economy, Business or First.")

    sort = first(query, "sort") or DEFAULT_SORT
    if sort not in SORTS:
        sort = DEFAULT_SORT
    airlines = tuple(
        sorted({code.strip().upper() for code in query.get("airline", [])} & set(AIRLINES_BY_CODE))
    )
    nonstop_only = first(query, "stops") == "0"

    if problems or origin is None or destination is None or day is None:
        return None, problems
    return (
        SearchQuery(origin, destination, day, passengers, cabin, sort, nonstop_only, airlines),
        [],
    )


def sort_key(flight: Flight, sort: str, cabin: str) -> tuple[float, str]:
    """How a results list orders flights; ties cannot happen, the id just makes it total."""
    if sort == "price":
        primary: float = flight.price(cabin)
    elif sort == "duration":
        primary = flight.duration_min
    elif sort == "departure":
        primary = flight.depart_min
    else:  # best: what a traveller trades off, a dollar per 1.5 minutes in the air
        primary = flight.price(cabin) + flight.duration_min / 1.5
    return (primary, flight.id)


def run_search(data: FlightData, search: SearchQuery) -> tuple[list[Flight], list[Flight]]:
    """The day's flights on the route (for the filter choices), and the filtered, sorted list."""
    everything = list(data.flights(search.origin.code, search.destination.code, search.day))
    shown = [
        f
        for f in everything
        if (not search.nonstop_only or f.nonstop)
        and (not search.airlines or f.airline.code in search.airlines)
    ]
    shown.sort(key=lambda f: sort_key(f, search.sort, search.cabin))
    return everything, shown
