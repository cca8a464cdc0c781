"""The typed facts of the flight site's two kinds of task, a question about a fare and
a booking: the route and the flight the criterion picks, and for a booking who flies
and how they pay."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from mira_agent.sites.base import TaskFacts
from mira_agent.sites.flights.state import Traveler
from mira_agent.sites.specs import Card


@dataclass(frozen=True)
class Trip(TaskFacts):
    """The search a task asks for and the one flight its criterion picks."""

    criterion: str
    origin: str
    origin_city: str
    destination: str
    destination_city: str
    date: str
    cabin: str
    expected_flight_id: str
    expected_flight_number: str
    expected_price: int


@dataclass(frozen=True)
class Question(Trip):
    """What the picked flight costs per person, answered without booking."""

    kind: ClassVar[str] = "information"
    expected_answer: str


@dataclass(frozen=True)
class Booking(Trip):
    """The picked flight booked for the travelers and paid with the card."""

    kind: ClassVar[str] = "booking"
    passengers: int
    travelers: tuple[Traveler, ...]
    email: str
    card: Card
    expected_total: int
