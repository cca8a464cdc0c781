"""The flight site's pages: handlers that render templates and record what happened in
`FlightState` as they go. Forms follow post/redirect/get, so reloading a page never
books twice.
"""

from __future__ import annotations

from datetime import date
from functools import partial
from urllib.parse import urlencode

from mira_agent.sites.answers import long_date
from mira_agent.sites.flights.data import (
    AIRPORTS,
    AIRPORTS_BY_CODE,
    CABIN_LABELS,
    CABINS,
    FIRST_DATE,
    LAST_DATE,
    TODAY,
    Flight,
    FlightData,
)
from mira_agent.sites.flights.forms import (
    field_owner,
    passenger_field,
    validate_passengers,
    validate_payment,
)
from mira_agent.sites.flights.search import (
    MAX_PASSENGERS,
    SORTS,
    Query,
    SearchQuery,
    first,
    parse_search,
    run_search,
)
from mira_agent.sites.flights.state import Draft, FlightState, SearchRecord
from mira_agent.sites.forms import card_digits
from mira_agent.sites.web import Request, Response, WebApp, redirect

SITE_TITLE = "Skyway"


def clock(minutes: int) -> str:
    """Minutes after midnight as a US clock time: 7:05 AM."""
    hours, mins = divmod(minutes % 1440, 60)
    return f"{hours % 12 or 12}:{mins:02d} {'AM' if hours < 12 else 'PM'}"


def duration(minutes: int) -> str:
    """A flight duration as 5h 07m."""
    return f"{minutes // 60}h {minutes % 60:02d}m"


def stops_text(flight: Flight) -> str:
    """Non-stop, or how many stops and where."""
    if flight.nonstop:
        return "Non-stop"
    plural = "stop" if len(flight.stops) == 1 else "stops"
    return f"{len(flight.stops)} {plural} ({', '.join(flight.stops)})"


def money(amount: int) -> str:
    return f"${amount:,}"


def fare_parts(price: int) -> tuple[int, int]:
    """Split a per-person price into base fare and taxes (which add up to the price)."""
    base = round(price * 0.84)
    return base, price - base


class FlightApp(WebApp):
    """Routes requests to page handlers over a flight inventory and an episode state."""

    def __init__(self, data: FlightData, state: FlightState) -> None:
        super().__init__(
            "mira_agent.sites.flights",
            home=("/", "Back to search"),
            filters={
                "clock": clock,
                "duration": duration,
                "stops": stops_text,
                "money": money,
                "long_date": partial(long_date, weekday=True),
            },
            globals={
                "site_title": SITE_TITLE,
                "airports": AIRPORTS,
                "airports_by_code": AIRPORTS_BY_CODE,
                "cabins": CABINS,
                "cabin_labels": CABIN_LABELS,
                "first_date": FIRST_DATE,
                "last_date": LAST_DATE,
                "max_passengers": MAX_PASSENGERS,
                "field_owner": field_owner,
                "progress": (
                    "Booking progress",
                    ("Flight", "Passengers", "Payment", "Confirmation"),
                ),
                "latest_birth_date": date.fromordinal(TODAY.toordinal() - 1).isoformat(),
            },
        )
        self.data = data
        self.state = state
        self.route("GET", r"/", self.index)
        self.route("GET", r"/results", self.results)
        self.route("GET", r"/flight/(?P<flight_id>[A-Za-z0-9-]+)", self.flight)
        self.route("POST", r"/book", self.start_booking)
        self.route("GET", r"/book/(?P<draft_id>\w+)/passengers", self.passengers)
        self.route("POST", r"/book/(?P<draft_id>\w+)/passengers", self.submit_passengers)
        self.route("GET", r"/book/(?P<draft_id>\w+)/payment", self.payment)
        self.route("POST", r"/book/(?P<draft_id>\w+)/payment", self.submit_payment)
        self.route("GET", r"/confirmation/(?P<reference>\w+)", self.confirmation)
        self.route("GET", r"/bookings", self.bookings)

    # -- search --------------------------------------------------------------------

    def index(self, request: Request) -> Response:
        form = {name: first(request.query, name) for name in ("from", "to", "date", "cabin")}
        form["passengers"] = first(request.query, "passengers") or "1"
        form["cabin"] = form["cabin"] or "economy"
        return self.render("index.html", form=form)

    def results(self, request: Request) -> Response:
        search, problems = parse_search(request.query)
        if search is None:
            self.state.record_rejection("search", tuple(p.split(":")[0] for p in problems))
            back = {
                k: first(request.query, k) for k in ("from", "to", "date", "passengers", "cabin")
            }
            return self.render(
                "error.html",
                status=400,
                title="We couldn't search for flights",
                problems=problems,
                back_url="/?" + urlencode({k: v for k, v in back.items() if v}),
                back_text="Back to search",
            )
        everything, shown = run_search(self.data, search)
        self.state.record_search(
            SearchRecord(
                origin=search.origin.code,
                destination=search.destination.code,
                date=search.day.isoformat(),
                passengers=search.passengers,
                cabin=search.cabin,
                sort=search.sort,
                nonstop_only=search.nonstop_only,
                airlines=search.airlines,
                flight_ids=tuple(f.id for f in shown),
            )
        )
        airlines = sorted({f.airline for f in everything}, key=lambda a: a.name)
        return self.render(
            "results.html",
            search=search,
            flights=shown,
            total_count=len(everything),
            airlines=airlines,
            sorts=SORTS,
            base_query=self._base_query(search),
            day_links=self._day_links(search),
        )

    @staticmethod
    def _base_query(search: SearchQuery) -> dict[str, str]:
        return {
            "from": search.origin.code,
            "to": search.destination.code,
            "date": search.day.isoformat(),
            "passengers": str(search.passengers),
            "cabin": search.cabin,
        }

    def _day_links(self, search: SearchQuery) -> dict[str, str | None]:
        """Links to the same search a day earlier and later, inside the bookable month
        (None at its ends: the template asks for both)."""
        links: dict[str, str | None] = {"previous": None, "next": None}
        for label, delta in (("previous", -1), ("next", 1)):
            day = date.fromordinal(search.day.toordinal() + delta)
            if FIRST_DATE <= day <= LAST_DATE:
                query = self._base_query(search) | {"date": day.isoformat(), "sort": search.sort}
                links[label] = "/results?" + urlencode(query)
        return links

    # -- flight details ------------------------------------------------------------

    @staticmethod
    def _fare_choice(query: Query) -> tuple[int, str]:
        """Passengers and cabin from a query, falling back to 1 adult in economy."""
        passengers_text = first(query, "passengers")
        passengers = int(passengers_text) if passengers_text.isdigit() else 1
        passengers = min(max(passengers, 1), MAX_PASSENGERS)
        cabin = first(query, "cabin")
        return passengers, cabin if cabin in CABINS else "economy"

    def flight(self, request: Request, flight_id: str) -> Response:
        flight = self.data.flight(flight_id)
        if flight is None:
            return self.not_found(f"We couldn't find a flight with the id \u201c{flight_id}\u201d.")
        passengers, cabin = self._fare_choice(request.query)
        self.state.record_view(flight.id, cabin, passengers)
        price = flight.price(cabin)
        base, taxes = fare_parts(price)
        results_query = {
            "from": flight.origin,
            "to": flight.destination,
            "date": flight.day.isoformat(),
            "passengers": str(passengers),
            "cabin": cabin,
        }
        return self.render(
            "flight.html",
            flight=flight,
            passengers=passengers,
            cabin=cabin,
            price=price,
            base_fare=base,
            taxes=taxes,
            total=price * passengers,
            results_url="/results?" + urlencode(results_query),
            cabin_url=lambda c: (
                f"/flight/{flight.id}?" + urlencode({"passengers": passengers, "cabin": c})
            ),
        )

    def start_booking(self, request: Request) -> Response:
        flight = self.data.flight(first(request.form, "flight_id"))
        if flight is None:
            return self.not_found("That flight is no longer available. Please search again.")
        passengers, cabin = self._fare_choice(request.form)
        draft = self.state.create_draft(flight.id, cabin, passengers)
        return redirect(f"/book/{draft.id}/passengers")

    # -- booking -------------------------------------------------------------------

    def _draft_context(self, draft: Draft) -> dict[str, object]:
        """What the booking pages show about the draft's flight and fare."""
        flight = self.data.flight(draft.flight_id)
        assert flight is not None, "drafts are only created for existing flights"
        return {"draft": draft, "flight": flight, "total": self._draft_total(draft)}

    def _draft_total(self, draft: Draft) -> int:
        flight = self.data.flight(draft.flight_id)
        assert flight is not None, "drafts are only created for existing flights"
        return flight.price(draft.cabin) * draft.passengers

    def _open_draft(self, draft_id: str) -> Draft | Response:
        """The draft, or the response to send instead (unknown, or already booked)."""
        draft = self.state.draft(draft_id)
        if draft is None:
            return self.not_found("We couldn't find that booking. Please start again.")
        if draft.booking_reference is not None:
            return redirect(f"/confirmation/{draft.booking_reference}")
        return draft

    def _payable_draft(self, draft_id: str) -> Draft | Response:
        """The draft ready for payment, or the response to send instead (it has no
        passengers yet: back to their page)."""
        draft = self._open_draft(draft_id)
        if isinstance(draft, Draft) and not draft.travelers:
            return redirect(f"/book/{draft.id}/passengers")
        return draft

    def passengers(self, request: Request, draft_id: str) -> Response:
        draft = self._open_draft(draft_id)
        if isinstance(draft, Response):
            return draft
        values: dict[str, str] = {"email": draft.email}
        for index, traveler in enumerate(draft.travelers, start=1):
            values[passenger_field(index, "first_name")] = traveler.first_name
            values[passenger_field(index, "last_name")] = traveler.last_name
            values[passenger_field(index, "birth_date")] = traveler.birth_date
        return self._passenger_page(draft, values, {})

    def _passenger_page(
        self, draft: Draft, values: dict[str, str], errors: dict[str, str], status: int = 200
    ) -> Response:
        return self.render(
            "passengers.html",
            status=status,
            values=values,
            errors=errors,
            field=passenger_field,
            **self._draft_context(draft),
        )

    def submit_passengers(self, request: Request, draft_id: str) -> Response:
        draft = self._open_draft(draft_id)
        if isinstance(draft, Response):
            return draft
        result, travelers = validate_passengers(request.form, draft.passengers)
        if not result.ok:
            self.state.record_rejection("passengers", tuple(result.errors))
            return self._passenger_page(draft, result.values, result.errors, status=422)
        self.state.submit_passengers(draft.id, travelers, result.values["email"])
        return redirect(f"/book/{draft.id}/payment")

    def payment(self, request: Request, draft_id: str) -> Response:
        draft = self._payable_draft(draft_id)
        if isinstance(draft, Response):
            return draft
        values = {"cardholder": "", "card_number": "", "expiry": "", "cvv": ""}
        return self.render("payment.html", values=values, errors={}, **self._draft_context(draft))

    def submit_payment(self, request: Request, draft_id: str) -> Response:
        draft = self._payable_draft(draft_id)
        if isinstance(draft, Response):
            return draft
        result = validate_payment(request.form)
        context = self._draft_context(draft)
        if not result.ok:
            self.state.record_rejection("payment", tuple(result.errors))
            return self.render(
                "payment.html", status=422, values=result.values, errors=result.errors, **context
            )
        booking = self.state.confirm_booking(
            draft.id,
            cardholder=result.values["cardholder"],
            card_last4=card_digits(result.values["card_number"])[-4:],
            total=self._draft_total(draft),
        )
        return redirect(f"/confirmation/{booking.reference}")

    def confirmation(self, request: Request, reference: str) -> Response:
        booking = self.state.booking(reference)
        if booking is None:
            return self.not_found(f"We couldn't find a booking with reference {reference}.")
        flight = self.data.flight(booking.flight_id)
        return self.render("confirmation.html", booking=booking, flight=flight)

    def bookings(self, request: Request) -> Response:
        rows = [(b, self.data.flight(b.flight_id)) for b in self.state.bookings]
        return self.render("bookings.html", rows=rows)
