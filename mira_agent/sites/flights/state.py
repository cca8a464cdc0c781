"""Everything done on the flight site during one episode.

Task checks read this object instead of scraping pages, so it records facts in the
form checks need (resolved airport codes, ISO dates, flight ids) and exposes them as
immutable snapshots. Request threads write to it concurrently, hence the lock.

Card numbers are never stored: a booking keeps only the last four digits.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, replace

_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True)
class SearchRecord:
    """One results page served: the resolved query and the flights it listed, in order."""

    origin: str
    destination: str
    date: str
    passengers: int
    cabin: str
    sort: str
    nonstop_only: bool
    airlines: tuple[str, ...]
    flight_ids: tuple[str, ...]


@dataclass(frozen=True)
class DetailView:
    """One flight detail page served."""

    flight_id: str
    cabin: str
    passengers: int


@dataclass(frozen=True)
class Traveler:
    """A passenger as submitted; `birth_date` is ISO (YYYY-MM-DD)."""

    first_name: str
    last_name: str
    birth_date: str

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True)
class Draft:
    """A booking in progress: chosen flight and fare, then passengers, then payment."""

    id: str
    flight_id: str
    cabin: str
    passengers: int
    travelers: tuple[Traveler, ...] = ()
    email: str = ""
    booking_reference: str | None = None


@dataclass(frozen=True)
class PassengerSubmission:
    """Valid passenger details accepted for a draft."""

    draft_id: str
    flight_id: str
    cabin: str
    travelers: tuple[Traveler, ...]
    email: str


@dataclass(frozen=True)
class Booking:
    """A confirmed, paid booking."""

    reference: str
    draft_id: str
    flight_id: str
    cabin: str
    travelers: tuple[Traveler, ...]
    email: str
    cardholder: str
    card_last4: str
    total: int


@dataclass(frozen=True)
class Rejection:
    """A submission the site refused, and which fields were wrong (for analysis)."""

    page: str
    fields: tuple[str, ...]


class FlightState:
    """The live record of an episode on the flight site.

    Drafts ids and booking references are drawn from a generator seeded by the site
    seed and a counter, so a replayed episode produces the same references.
    """

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self._lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        """Forget everything (a fresh episode); references restart from the beginning."""
        with self._lock:
            self._searches: list[SearchRecord] = []
            self._views: list[DetailView] = []
            self._submissions: list[PassengerSubmission] = []
            self._bookings: list[Booking] = []
            self._rejections: list[Rejection] = []
            self._drafts: dict[str, Draft] = {}
            self._draft_counter = 0
            self._booking_counter = 0

    # -- snapshots read by checks -------------------------------------------------

    @property
    def searches(self) -> tuple[SearchRecord, ...]:
        with self._lock:
            return tuple(self._searches)

    @property
    def views(self) -> tuple[DetailView, ...]:
        with self._lock:
            return tuple(self._views)

    @property
    def passenger_submissions(self) -> tuple[PassengerSubmission, ...]:
        with self._lock:
            return tuple(self._submissions)

    @property
    def bookings(self) -> tuple[Booking, ...]:
        with self._lock:
            return tuple(self._bookings)

    @property
    def rejections(self) -> tuple[Rejection, ...]:
        with self._lock:
            return tuple(self._rejections)

    def draft(self, draft_id: str) -> Draft | None:
        with self._lock:
            return self._drafts.get(draft_id)

    def booking(self, reference: str) -> Booking | None:
        with self._lock:
            return next((b for b in self._bookings if b.reference == reference), None)

    # -- writes from request handlers ----------------------------------------------

    def record_search(self, record: SearchRecord) -> None:
        with self._lock:
            self._searches.append(record)

    def record_view(self, flight_id: str, cabin: str, passengers: int) -> None:
        with self._lock:
            self._views.append(DetailView(flight_id, cabin, passengers))

    def record_rejection(self, page: str, fields: tuple[str, ...]) -> None:
        with self._lock:
            self._rejections.append(Rejection(page, fields))

    def create_draft(self, flight_id: str, cabin: str, passengers: int) -> Draft:
        """Start a booking; each draft gets its own id so concurrent bookings never mix."""
        with self._lock:
            while True:
                self._draft_counter += 1
                rng = random.Random(f"mira-flights:{self.seed}:draft:{self._draft_counter}")
                draft_id = f"{rng.getrandbits(40):010x}"
                if draft_id not in self._drafts:
                    break
            draft = Draft(draft_id, flight_id, cabin, passengers)
            self._drafts[draft_id] = draft
            return draft

    def submit_passengers(
        self, draft_id: str, travelers: tuple[Traveler, ...], email: str
    ) -> PassengerSubmission:
        """Attach validated passengers to a draft (a later submission replaces them)."""
        with self._lock:
            draft = self._drafts[draft_id]
            self._drafts[draft_id] = replace(draft, travelers=travelers, email=email)
            submission = PassengerSubmission(
                draft_id, draft.flight_id, draft.cabin, travelers, email
            )
            self._submissions.append(submission)
            return submission

    def confirm_booking(
        self, draft_id: str, *, cardholder: str, card_last4: str, total: int
    ) -> Booking:
        """Turn a draft with passengers into a booking; paying twice books once."""
        with self._lock:
            draft = self._drafts[draft_id]
            if draft.booking_reference is not None:
                existing = self.booking(draft.booking_reference)
                assert existing is not None
                return existing
            if not draft.travelers:
                raise ValueError(f"draft {draft_id} has no passengers yet")
            booking = Booking(
                reference=self._next_reference(),
                draft_id=draft_id,
                flight_id=draft.flight_id,
                cabin=draft.cabin,
                travelers=draft.travelers,
                email=draft.email,
                cardholder=cardholder,
                card_last4=card_last4[-4:],
                total=total,
            )
            self._bookings.append(booking)
            self._drafts[draft_id] = replace(draft, booking_reference=booking.reference)
            return booking

    def _next_reference(self) -> str:
        taken = {b.reference for b in self._bookings}
        while True:
            self._booking_counter += 1
            rng = random.Random(f"mira-flights:{self.seed}:booking:{self._booking_counter}")
            reference = "".join(rng.choice(_REFERENCE_ALPHABET) for _ in range(6))
            if reference not in taken:
                return reference
