"""Deterministic flight inventory for the sandbox site.

Every flight is a pure function of (seed, origin, destination, date): the site never
stores an inventory, it regenerates the day's flights for a route when asked. That
keeps startup instant, lets tasks and checks compute expected answers from the same
source the pages render, and makes a flight id enough to find its flight again.

Prices (per cabin), durations and departure times are made unique within a route and
day by construction, so "the cheapest", "the shortest" and "the earliest" flight always
name exactly one flight, whatever filter is applied first.
"""

from __future__ import annotations

import math
import random
import re
import threading
from dataclasses import dataclass
from datetime import date
from itertools import pairwise

TODAY = date(2026, 12, 1)
"""The site's fixed "today": the earliest bookable date and the card-expiry reference."""

FIRST_DATE = date(2026, 12, 1)
LAST_DATE = date(2026, 12, 31)

CABINS: tuple[str, ...] = ("economy", "premium_economy", "business", "first")
CABIN_LABELS: dict[str, str] = {
    "economy": "Economy",
    "premium_economy": "Premium economy",
    "business": "Business",
    "first": "First",
}


@dataclass(frozen=True)
class Airport:
    """An airport the site serves; `utc_offset` is its December offset in hours."""

    code: str
    city: str
    name: str
    lat: float
    lon: float
    utc_offset: int

    @property
    def label(self) -> str:
        """How pages name the airport: ``Boston (BOS)``."""
        return f"{self.city} ({self.code})"


@dataclass(frozen=True)
class Airline:
    """A (fictional) carrier; `code` prefixes its flight numbers."""

    code: str
    name: str


AIRPORTS: tuple[Airport, ...] = (
    Airport(
        "ATL", "Atlanta", "Hartsfield-Jackson Atlanta International Airport", 33.64, -84.43, -5
    ),
    Airport("AUS", "Austin", "Austin-Bergstrom International Airport", 30.20, -97.67, -6),
    Airport("BOS", "Boston", "Boston Logan International Airport", 42.37, -71.01, -5),
    Airport("DEN", "Denver", "Denver International Airport", 39.86, -104.67, -7),
    Airport("DFW", "Dallas", "Dallas/Fort Worth International Airport", 32.90, -97.04, -6),
    Airport("JFK", "New York", "John F. Kennedy International Airport", 40.64, -73.78, -5),
    Airport("LAX", "Los Angeles", "Los Angeles International Airport", 33.94, -118.41, -8),
    Airport("MIA", "Miami", "Miami International Airport", 25.80, -80.29, -5),
    Airport("ORD", "Chicago", "Chicago O'Hare International Airport", 41.97, -87.91, -6),
    Airport("PHX", "Phoenix", "Phoenix Sky Harbor International Airport", 33.43, -112.01, -7),
    Airport("SEA", "Seattle", "Seattle-Tacoma International Airport", 47.45, -122.31, -8),
    Airport("SFO", "San Francisco", "San Francisco International Airport", 37.62, -122.38, -8),
)
AIRPORTS_BY_CODE: dict[str, Airport] = {a.code: a for a in AIRPORTS}

AIRLINES: tuple[Airline, ...] = (
    Airline("NW", "Northwind Airways"),
    Airline("BH", "Blue Heron Air"),
    Airline("SC", "Summit Crest Airlines"),
    Airline("CB", "Coastal Breeze"),
    Airline("RT", "Redtail Airlines"),
    Airline("PX", "Polaris Express"),
)
AIRLINES_BY_CODE: dict[str, Airline] = {a.code: a for a in AIRLINES}

_ROUTE_PAIRS: tuple[tuple[str, str], ...] = (
    ("BOS", "DEN"), ("BOS", "SFO"), ("BOS", "ORD"), ("BOS", "MIA"), ("BOS", "LAX"),
    ("BOS", "ATL"), ("JFK", "LAX"), ("JFK", "SFO"), ("JFK", "MIA"), ("JFK", "ATL"),
    ("JFK", "ORD"), ("JFK", "SEA"), ("ORD", "DEN"), ("ORD", "LAX"), ("ORD", "SEA"),
    ("ORD", "MIA"), ("ORD", "DFW"), ("SEA", "SFO"), ("SEA", "LAX"), ("SEA", "DEN"),
    ("ATL", "MIA"), ("ATL", "DFW"), ("ATL", "ORD"), ("DFW", "LAX"), ("DFW", "AUS"),
    ("DFW", "DEN"), ("AUS", "DEN"), ("PHX", "DEN"), ("PHX", "SFO"), ("LAX", "SFO"),
    ("LAX", "DEN"), ("MIA", "DFW"),
)  # fmt: skip
ROUTES: frozenset[tuple[str, str]] = frozenset(
    pair for a, b in _ROUTE_PAIRS for pair in ((a, b), (b, a))
)
"""Ordered (origin, destination) pairs with service; other pairs simply have no flights."""


@dataclass(frozen=True)
class Flight:
    """One scheduled flight on one day.

    Times are minutes after local midnight of the departure date: `depart_min` at the
    origin, `arrive_min` at the destination (1440 or more means the next day).
    `prices` are whole dollars per person, in the order of `CABINS`.
    """

    id: str
    airline: Airline
    number: str
    origin: str
    destination: str
    day: date
    depart_min: int
    arrive_min: int
    duration_min: int
    stops: tuple[str, ...]
    prices: tuple[int, int, int, int]

    def price(self, cabin: str) -> int:
        """Price per person in `cabin` (one of `CABINS`)."""
        return self.prices[CABINS.index(cabin)]

    @property
    def nonstop(self) -> bool:
        return not self.stops


_FLIGHT_ID = re.compile(r"^([A-Z]{2})(\d{1,4})-([A-Z]{3})([A-Z]{3})-(\d{8})$")


def is_bookable(day: date) -> bool:
    """Whether `day` is inside the site's bookable month."""
    return FIRST_DATE <= day <= LAST_DATE


def bookable_dates() -> list[date]:
    """Every bookable date, in order."""
    return [date(2026, 12, d) for d in range(FIRST_DATE.day, LAST_DATE.day + 1)]


def find_airport(text: str) -> Airport | None:
    """Resolve what a person typed into From/To: a code, a city, a name or ``City (CODE)``.

    Matching is case-insensitive and ignores surrounding whitespace, so both a typed
    city and a picked datalist option work.
    """
    needle = " ".join(text.split()).casefold()
    if not needle:
        return None
    labelled = re.search(r"\(([a-z]{3})\)\s*$", needle)
    if labelled:
        needle = labelled.group(1)
    for airport in AIRPORTS:
        names = {
            airport.code.casefold(),
            airport.city.casefold(),
            airport.name.casefold(),
            airport.label.casefold(),
            airport.name.casefold().removesuffix(" airport"),
        }
        if needle in names:
            return airport
    return None


def miles_between(a: Airport, b: Airport) -> float:
    """Great-circle distance, which drives durations, fares and connection choices."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 3959 * math.asin(math.sqrt(h))


def _block_minutes(a: Airport, b: Airport) -> int:
    """Gate-to-gate time of one leg: taxi and climb plus cruise at about 470 mph."""
    return round(32 + miles_between(a, b) / 7.8)


def _connection_hubs(origin: Airport, dest: Airport) -> list[Airport]:
    """Airports a connection could plausibly go through, least detour first."""
    direct = miles_between(origin, dest)
    scored = []
    for hub in AIRPORTS:
        if hub.code in (origin.code, dest.code):
            continue
        ratio = (miles_between(origin, hub) + miles_between(hub, dest)) / direct
        if ratio <= 1.6:
            scored.append((ratio, hub.code, hub))
    return [hub for _, _, hub in sorted(scored)]


def _unique(value: int, used: set[int], step: int) -> int:
    """Nudge `value` by `step` until no other flight of the day has it."""
    while value in used:
        value += step
    used.add(value)
    return value


class FlightData:
    """The flight inventory for one seed, generated per (route, day) on demand."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self._cache: dict[tuple[str, str, date], tuple[Flight, ...]] = {}
        self._lock = threading.Lock()

    def flights(self, origin: str, destination: str, day: date) -> tuple[Flight, ...]:
        """The day's flights on a route, by departure time; empty without service."""
        key = (origin, destination, day)
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None:
            return cached
        if (origin, destination) not in ROUTES or not is_bookable(day):
            result: tuple[Flight, ...] = ()
        else:
            result = self._generate(origin, destination, day)
        with self._lock:
            self._cache[key] = result
        return result

    def flight(self, flight_id: str) -> Flight | None:
        """The flight with this id, or None when the id names no flight."""
        match = _FLIGHT_ID.match(flight_id)
        if not match:
            return None
        _, _, origin, destination, ymd = match.groups()
        try:
            day = date(int(ymd[:4]), int(ymd[4:6]), int(ymd[6:]))
        except ValueError:
            return None
        for flight in self.flights(origin, destination, day):
            if flight.id == flight_id:
                return flight
        return None

    def _generate(self, origin_code: str, dest_code: str, day: date) -> tuple[Flight, ...]:
        rng = random.Random(f"mira-flights:{self.seed}:{origin_code}:{dest_code}:{day}")
        origin = AIRPORTS_BY_CODE[origin_code]
        dest = AIRPORTS_BY_CODE[dest_code]
        hubs = _connection_hubs(origin, dest)
        base_fare = 69 + miles_between(origin, dest) * 0.125

        count = rng.randint(6, 12)
        plan = [0, 0] + [rng.choices((0, 1, 2), weights=(5, 4, 1))[0] for _ in range(count - 2)]
        if hubs:
            plan[-1] = max(plan[-1], 1)  # at least one connection, so "non-stop" means something
        rng.shuffle(plan)

        used_numbers: set[int] = set()
        used_departures: set[int] = set()
        used_durations: set[int] = set()
        used_prices: list[set[int]] = [set() for _ in CABINS]
        flights = []
        for wanted_stops in plan:
            stops = self._pick_stops(rng, hubs, origin, wanted_stops)
            legs = [origin, *stops, dest]
            if stops:
                flying = sum(_block_minutes(a, b) for a, b in pairwise(legs))
                layovers = sum(rng.randrange(40, 185, 5) for _ in stops)
                duration = flying + layovers
            else:
                duration = _block_minutes(origin, dest) + rng.randint(-6, 14)
            duration = _unique(duration, used_durations, 1)
            depart = _unique(rng.randrange(330, 1320, 5), used_departures, 5)
            arrive = depart + duration + (dest.utc_offset - origin.utc_offset) * 60

            airline = rng.choice(AIRLINES)
            number = _unique(rng.randrange(100, 2999), used_numbers, 7)
            fare_factor = rng.uniform(0.72, 1.55) * (1.0 if not stops else 0.86 - 0.06 * len(stops))
            economy = round(base_fare * fare_factor)
            premium = round(economy * rng.uniform(1.45, 1.8))
            business = round(economy * rng.uniform(2.8, 3.6))
            first = round(business * rng.uniform(1.35, 1.7))
            economy, premium, business, first = (
                _unique(p, used, 1)
                for p, used in zip((economy, premium, business, first), used_prices, strict=True)
            )
            flights.append(
                Flight(
                    id=f"{airline.code}{number}-{origin_code}{dest_code}-{day:%Y%m%d}",
                    airline=airline,
                    number=f"{airline.code} {number}",
                    origin=origin_code,
                    destination=dest_code,
                    day=day,
                    depart_min=depart,
                    arrive_min=arrive,
                    duration_min=duration,
                    stops=tuple(s.code for s in stops),
                    prices=(economy, premium, business, first),
                )
            )
        return tuple(sorted(flights, key=lambda f: f.depart_min))

    @staticmethod
    def _pick_stops(
        rng: random.Random, hubs: list[Airport], origin: Airport, wanted: int
    ) -> list[Airport]:
        """Connection airports for a flight: from the least-detour hubs, in flying order."""
        wanted = min(wanted, len(hubs))
        if wanted == 0:
            return []
        chosen = rng.sample(hubs[: max(4, wanted + 1)], wanted)
        return sorted(chosen, key=lambda hub: miles_between(origin, hub))
