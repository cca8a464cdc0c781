"""The flight sandbox site, exercised over real HTTP on a loopback port.

These tests specify what agents and task checks rely on: deterministic inventory,
pages that show what the state records, bookings that only succeed with valid input,
and task checks that pass for the right booking and fail for any other.
"""

from __future__ import annotations

import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest

from mira_agent.errors import SiteError
from mira_agent.sites import get_site, list_sites
from mira_agent.sites.base import Task
from mira_agent.sites.flights import FlightSite
from mira_agent.sites.flights.data import (
    FIRST_DATE,
    LAST_DATE,
    ROUTES,
    FlightData,
    bookable_dates,
    find_airport,
)
from mira_agent.sites.forms import luhn_ok

DAY = date(2026, 12, 14)
BOOKING_TASK_IDS = [t.id for t in FlightSite(0).tasks() if t.params["kind"] == "booking"]


@dataclass(frozen=True)
class Page:
    status: int
    url: str
    body: str


@pytest.fixture(scope="module")
def running_site() -> Iterator[FlightSite]:
    site = FlightSite(seed=0)
    site.start()
    yield site
    site.stop()


@pytest.fixture
def site(running_site: FlightSite) -> FlightSite:
    running_site.reset()
    return running_site


def fetch(site: FlightSite, path: str, form: dict[str, str] | None = None) -> Page:
    """GET (or POST `form`) and follow redirects; error statuses come back as pages."""
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    try:
        with urllib.request.urlopen(site.url + path, data=data, timeout=10) as response:
            return Page(response.status, response.geturl(), response.read().decode())
    except urllib.error.HTTPError as error:
        return Page(error.code, error.geturl(), error.read().decode())


def results_path(**params: str | int | list[str]) -> str:
    return "/results?" + urllib.parse.urlencode(params, doseq=True)


def listed_numbers(page: Page) -> list[str]:
    """Flight numbers in the order the results table lists them."""
    return re.findall(r"<td[^>]*>([A-Z]{2} \d+)</td>", page.body)


def task_by_id(site: FlightSite, task_id: str) -> Task:
    return next(t for t in site.tasks() if t.id == task_id)


def booking_tasks(site: FlightSite) -> list[Task]:
    return [t for t in site.tasks() if t.params["kind"] == "booking"]


def passenger_form(travelers: list[dict[str, str]], email: str) -> dict[str, str]:
    form = {"email": email}
    for index, traveler in enumerate(travelers, start=1):
        for key, value in traveler.items():
            form[f"p{index}_{key}"] = value
    return form


def card_form(card: dict[str, str]) -> dict[str, str]:
    return {
        "cardholder": card["name"],
        "card_number": card["number"],
        "expiry": card["expiry"],
        "cvv": card["cvv"],
    }


def start_draft(site: FlightSite, flight_id: str, cabin: str, passengers: int) -> Page:
    form = {"flight_id": flight_id, "cabin": cabin, "passengers": str(passengers)}
    return fetch(site, "/book", form)


def book(site: FlightSite, task: Task, flight_id: str) -> Page:
    """Book `flight_id` with the task's passengers and card; return the last page."""
    p = task.params
    page = start_draft(site, flight_id, p["cabin"], p["passengers"])
    page = fetch(
        site, urllib.parse.urlsplit(page.url).path, passenger_form(p["travelers"], p["email"])
    )
    return fetch(site, urllib.parse.urlsplit(page.url).path, card_form(p["card"]))


# -- inventory ---------------------------------------------------------------------


def test_same_seed_gives_the_same_flights_and_another_seed_different_ones() -> None:
    first, again, other = FlightData(0), FlightData(0), FlightData(1)
    assert first.flights("BOS", "DEN", DAY) == again.flights("BOS", "DEN", DAY)
    assert first.flights("BOS", "DEN", DAY) != other.flights("BOS", "DEN", DAY)
    assert [t.params for t in FlightSite(0).tasks()] == [t.params for t in FlightSite(0).tasks()]


def test_every_route_and_day_has_six_to_twelve_flights_with_unique_answers() -> None:
    data = FlightData(0)
    for origin, destination in sorted(ROUTES):
        for day in bookable_dates():
            flights = data.flights(origin, destination, day)
            assert 6 <= len(flights) <= 12
            assert any(f.nonstop for f in flights)
            for values in (
                [f.depart_min for f in flights],
                [f.duration_min for f in flights],
                *([f.prices[i] for f in flights] for i in range(4)),
            ):
                assert len(set(values)) == len(values), (origin, destination, day)
            assert all(f.prices == tuple(sorted(f.prices)) for f in flights)


def test_flight_ids_resolve_back_to_their_flight() -> None:
    data = FlightData(0)
    for flight in data.flights("JFK", "LAX", DAY):
        assert data.flight(flight.id) == flight
    assert data.flight("XX1-BOSDEN-20261214") is None
    assert data.flight("garbage") is None


def test_routes_without_service_and_days_outside_the_month_have_no_flights() -> None:
    data = FlightData(0)
    assert data.flights("BOS", "PHX", DAY) == ()
    assert data.flights("BOS", "DEN", date(2027, 1, 2)) == ()


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("bos", "BOS"),
        ("Boston", "BOS"),
        ("  new york ", "JFK"),
        ("Chicago (ORD)", "ORD"),
        ("san francisco international airport", "SFO"),
        ("Seattle-Tacoma International", "SEA"),
    ],
)
def test_airports_are_found_by_code_city_or_name_in_any_case(typed: str, code: str) -> None:
    airport = find_airport(typed)
    assert airport is not None and airport.code == code


# -- search pages --------------------------------------------------------------------


def test_search_form_labels_every_field_and_offers_the_bookable_month(site: FlightSite) -> None:
    page = fetch(site, "/")
    assert page.status == 200
    for field in ("from", "to", "date", "passengers", "cabin"):
        assert f'<label for="{field}">' in page.body
        assert f'id="{field}"' in page.body
    assert 'type="date" min="2026-12-01" max="2026-12-31"' in page.body
    assert '<datalist id="airport-list">' in page.body
    assert ">Search flights</button>" in page.body
    assert "required" not in page.body


@pytest.mark.parametrize(
    ("day", "link", "missing"),
    [(LAST_DATE, "Previous day", "Next day"), (FIRST_DATE, "Next day", "Previous day")],
)
def test_results_on_the_months_first_and_last_days_link_only_inside_it(
    site: FlightSite, day: date, link: str, missing: str
) -> None:
    page = fetch(site, results_path(**{"from": "LAX", "to": "SEA"}, date=day.isoformat()))
    assert page.status == 200
    assert link in page.body and missing not in page.body


def test_results_list_the_days_flights_with_per_person_and_total_prices(site: FlightSite) -> None:
    page = fetch(
        site,
        results_path(
            **{"from": "boston", "to": "Denver"},
            date=DAY.isoformat(),
            passengers=2,
            cabin="business",
        ),
    )
    assert page.status == 200
    flights = site.data.flights("BOS", "DEN", DAY)
    assert "Flights from Boston (BOS) to Denver (DEN)" in page.body
    assert "Monday, December 14, 2026" in page.body
    assert sorted(listed_numbers(page)) == sorted(f.number for f in flights)
    for flight in flights:
        price = flight.price("business")
        assert f"${price:,}" in page.body and f"${2 * price:,}" in page.body
        assert f"/flight/{flight.id}?passengers=2&amp;cabin=business" in page.body
    record = site.state.searches[-1]
    assert (record.origin, record.destination, record.date) == ("BOS", "DEN", "2026-12-14")
    assert (record.passengers, record.cabin, record.sort) == (2, "business", "best")


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        ("price", lambda f: f.price("economy")),
        ("duration", lambda f: f.duration_min),
        ("departure", lambda f: f.depart_min),
    ],
)
def test_sorting_orders_the_results(site: FlightSite, sort: str, key) -> None:
    page = fetch(
        site,
        results_path(
            **{"from": "JFK", "to": "LAX"}, date=DAY.isoformat(), cabin="economy", sort=sort
        ),
    )
    expected = sorted(site.data.flights("JFK", "LAX", DAY), key=key)
    assert listed_numbers(page) == [f.number for f in expected]
    assert '<option value="' + sort + '" selected>' in page.body


def test_nonstop_and_airline_filters_hide_the_other_flights(site: FlightSite) -> None:
    flights = site.data.flights("BOS", "DEN", DAY)
    airline = flights[0].airline.code
    page = fetch(
        site, results_path(**{"from": "BOS", "to": "DEN"}, date=DAY.isoformat(), stops="0")
    )
    assert sorted(listed_numbers(page)) == sorted(f.number for f in flights if f.nonstop)
    assert 'id="nonstop" name="stops" type="checkbox" value="0" checked' in page.body
    page = fetch(
        site, results_path(**{"from": "BOS", "to": "DEN"}, date=DAY.isoformat(), airline=[airline])
    )
    assert sorted(listed_numbers(page)) == sorted(
        f.number for f in flights if f.airline.code == airline
    )
    assert site.state.searches[-1].airlines == (airline,)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "Bostn", "to": "DEN", "date": "2026-12-14"}, "couldn&#39;t find an airport"),
        ({"from": "BOS", "to": "Atlantis", "date": "2026-12-14"}, "matching “Atlantis”"),
        ({"from": "BOS", "to": "boston", "date": "2026-12-14"}, "From and To are the same"),
        ({"from": "BOS", "to": "DEN", "date": "2027-01-05"}, "can be booked from December 1"),
        ({"from": "BOS", "to": "DEN", "date": ""}, "please choose a departure date"),
        ({"from": "", "to": "DEN", "date": "2026-12-14"}, "please enter an airport"),
    ],
)
def test_bad_searches_show_an_alert_with_a_way_back(
    site: FlightSite, params: dict[str, str], message: str
) -> None:
    page = fetch(site, results_path(**params))
    assert page.status == 400
    assert 'role="alert"' in page.body and message in page.body
    assert ">Back to search</a>" in page.body
    assert site.state.searches == ()


def test_unknown_pages_and_flights_are_404s(site: FlightSite) -> None:
    assert fetch(site, "/nowhere").status == 404
    assert fetch(site, "/flight/XX1-BOSDEN-20261214").status == 404
    assert fetch(site, "/book/0000000000/passengers").status == 404
    assert fetch(site, "/confirmation/NOPE42").status == 404


def test_stylesheet_is_served(site: FlightSite) -> None:
    page = fetch(site, "/static/site.css")
    assert page.status == 200 and ".button" in page.body


# -- booking ---------------------------------------------------------------------------


def test_flight_page_shows_the_price_breakdown_and_records_the_view(site: FlightSite) -> None:
    flight = site.data.flights("SEA", "SFO", DAY)[0]
    page = fetch(site, f"/flight/{flight.id}?passengers=3&cabin=first")
    price = flight.price("first")
    assert f"{flight.airline.name} {flight.number}" in page.body
    assert f"${price:,}" in page.body and f"${3 * price:,}" in page.body
    assert ">Continue to passenger details</button>" in page.body
    assert site.state.views[-1].flight_id == flight.id
    assert (site.state.views[-1].cabin, site.state.views[-1].passengers) == ("first", 3)


@pytest.mark.parametrize("task_id", BOOKING_TASK_IDS)
def test_scripted_booking_of_the_expected_flight_succeeds_with_milestones_in_order(
    site: FlightSite, task_id: str
) -> None:
    task = task_by_id(site, task_id)
    p = task.params
    n = len(task.milestones)

    def reached(count: int) -> None:
        assert task.progress(site.state) == [True] * count + [False] * (n - count)

    reached(0)
    query = {
        "from": p["origin_city"],
        "to": p["destination"],
        "date": p["date"],
        "passengers": p["passengers"],
        "cabin": p["cabin"],
    }
    fetch(site, results_path(**query))
    reached(1)
    narrowing = {"stops": "0"} if p["criterion"] == "cheapest_nonstop" else {}
    sort = {
        "cheapest_nonstop": "price",
        "cheapest": "price",
        "shortest": "duration",
        "earliest": "departure",
    }[p["criterion"]]
    page = fetch(site, results_path(**query, sort=sort, **narrowing))
    assert listed_numbers(page)[0] == p["expected_flight_number"]
    reached(2)
    fetch(
        site, f"/flight/{p['expected_flight_id']}?passengers={p['passengers']}&cabin={p['cabin']}"
    )
    reached(3)
    page = start_draft(site, p["expected_flight_id"], p["cabin"], p["passengers"])
    assert page.url.endswith("/passengers")
    reached(3)
    page = fetch(
        site, urllib.parse.urlsplit(page.url).path, passenger_form(p["travelers"], p["email"])
    )
    assert page.url.endswith("/payment")
    assert f"Pay ${p['expected_total']:,}</button>" in page.body
    reached(4)
    page = fetch(site, urllib.parse.urlsplit(page.url).path, card_form(p["card"]))
    reached(5)
    assert task.success(site.state, None)
    booking = site.state.bookings[0]
    assert page.url.endswith(f"/confirmation/{booking.reference}")
    assert "Booking confirmed" in page.body and booking.reference in page.body
    assert booking.total == p["expected_total"] and booking.card_last4 == "4242"
    assert re.fullmatch(r"[A-Z0-9]{6}", booking.reference)


def test_booking_a_different_flight_fails_the_task(site: FlightSite) -> None:
    task = booking_tasks(site)[0]
    p = task.params
    day = date.fromisoformat(p["date"])
    other = next(
        f
        for f in site.data.flights(p["origin"], p["destination"], day)
        if f.id != p["expected_flight_id"]
    )
    page = book(site, task, other.id)
    assert "Booking confirmed" in page.body
    assert not task.success(site.state, None)
    assert task.progress(site.state)[-1] is False


def test_an_extra_booking_besides_the_right_one_fails_the_task(site: FlightSite) -> None:
    task = booking_tasks(site)[0]
    book(site, task, task.params["expected_flight_id"])
    assert task.success(site.state, None)
    book(site, task, task.params["expected_flight_id"])
    assert len(site.state.bookings) == 2
    assert not task.success(site.state, None)


def test_wrong_passenger_names_or_cabin_fail_the_task(site: FlightSite) -> None:
    task = booking_tasks(site)[0]
    p = task.params
    page = start_draft(site, p["expected_flight_id"], "first", p["passengers"])
    page = fetch(
        site, urllib.parse.urlsplit(page.url).path, passenger_form(p["travelers"], p["email"])
    )
    fetch(site, urllib.parse.urlsplit(page.url).path, card_form(p["card"]))
    assert not task.success(site.state, None)

    site.reset()
    travelers = [dict(t, first_name="Someone") for t in p["travelers"]]
    page = start_draft(site, p["expected_flight_id"], p["cabin"], p["passengers"])
    page = fetch(site, urllib.parse.urlsplit(page.url).path, passenger_form(travelers, p["email"]))
    fetch(site, urllib.parse.urlsplit(page.url).path, card_form(p["card"]))
    assert len(site.state.bookings) == 1 and not task.success(site.state, None)


def test_names_match_case_insensitively(site: FlightSite) -> None:
    task = booking_tasks(site)[0]
    p = task.params
    shouted = [
        dict(t, first_name=t["first_name"].upper(), last_name=t["last_name"].lower())
        for t in p["travelers"]
    ]
    page = start_draft(site, p["expected_flight_id"], p["cabin"], p["passengers"])
    page = fetch(site, urllib.parse.urlsplit(page.url).path, passenger_form(shouted, p["email"]))
    fetch(site, urllib.parse.urlsplit(page.url).path, card_form(p["card"]))
    assert task.success(site.state, None)


def test_bad_passenger_details_are_rejected_next_to_the_fields_and_kept(site: FlightSite) -> None:
    flight = site.data.flights("BOS", "DEN", DAY)[0]
    page = start_draft(site, flight.id, "economy", 2)
    path = urllib.parse.urlsplit(page.url).path
    form = {
        "p1_first_name": "Ada3",
        "p1_last_name": "",
        "p1_birth_date": "2030-01-01",
        "p2_first_name": "Alan",
        "p2_last_name": "Turing",
        "p2_birth_date": "1912-06-23",
        "email": "not-an-email",
    }
    page = fetch(site, path, form)
    assert page.status == 422
    for field in ("p1_first_name", "p1_last_name", "p1_birth_date", "email"):
        assert f'<p class="field-error" id="{field}-error" role="alert">' in page.body
        assert re.search(rf'aria-describedby="[^"]*\b{field}-error"', page.body)
    assert 'id="p2_first_name-error"' not in page.body
    assert 'value="Ada3"' in page.body and 'value="Turing"' in page.body
    assert 'value="not-an-email"' in page.body
    assert "Passenger 1: Enter the last name." in page.body
    assert site.state.passenger_submissions == () and site.state.bookings == ()
    # Payment cannot be reached before the passengers are valid.
    assert fetch(site, path.replace("passengers", "payment")).url.endswith("/passengers")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("card_number", "4242 4242 4242 4241", "not valid"),
        ("card_number", "", "Enter the card number"),
        ("expiry", "11/26", "has expired"),
        ("expiry", "13/28", "MM/YY"),
        ("cvv", "12", "3 digits"),
        ("cardholder", "", "name on the card"),
    ],
)
def test_bad_payment_details_are_rejected_and_nothing_is_booked(
    site: FlightSite, field: str, value: str, message: str
) -> None:
    task = booking_tasks(site)[0]
    p = task.params
    page = start_draft(site, p["expected_flight_id"], p["cabin"], p["passengers"])
    page = fetch(
        site, urllib.parse.urlsplit(page.url).path, passenger_form(p["travelers"], p["email"])
    )
    page = fetch(site, urllib.parse.urlsplit(page.url).path, card_form(p["card"]) | {field: value})
    assert page.status == 422
    assert f'id="{field}-error" role="alert">' in page.body and message in page.body
    assert site.state.bookings == ()
    assert not task.success(site.state, None)
    assert task.progress(site.state)[-1] is False


def test_card_numbers_are_never_stored_only_their_last_four_digits(site: FlightSite) -> None:
    task = booking_tasks(site)[0]
    book(site, task, task.params["expected_flight_id"])
    assert "4242424242424242" not in repr(site.state.bookings).replace(" ", "")
    assert site.state.bookings[0].card_last4 == "4242"


def test_paying_twice_for_one_draft_books_once(site: FlightSite) -> None:
    task = booking_tasks(site)[0]
    p = task.params
    page = start_draft(site, p["expected_flight_id"], p["cabin"], p["passengers"])
    page = fetch(
        site, urllib.parse.urlsplit(page.url).path, passenger_form(p["travelers"], p["email"])
    )
    payment_path = urllib.parse.urlsplit(page.url).path
    first = fetch(site, payment_path, card_form(p["card"]))
    second = fetch(site, payment_path, card_form(p["card"]))
    assert first.url == second.url
    assert len(site.state.bookings) == 1


def test_concurrent_drafts_keep_their_own_flights(site: FlightSite) -> None:
    flights = site.data.flights("LAX", "SFO", DAY)
    task = booking_tasks(site)[0]
    p = task.params
    pages = [start_draft(site, f.id, "economy", p["passengers"]) for f in flights[:2]]
    for page in reversed(pages):
        page = fetch(
            site, urllib.parse.urlsplit(page.url).path, passenger_form(p["travelers"], p["email"])
        )
        fetch(site, urllib.parse.urlsplit(page.url).path, card_form(p["card"]))
    assert [b.flight_id for b in site.state.bookings] == [flights[1].id, flights[0].id]
    listing = fetch(site, "/bookings")
    assert all(b.reference in listing.body for b in site.state.bookings)


# -- tasks -----------------------------------------------------------------------------


def test_tasks_cover_the_required_kinds_and_both_splits(site: FlightSite) -> None:
    tasks = site.tasks()
    assert len(tasks) >= 6
    assert len({t.id for t in tasks}) == len(tasks)
    assert {t.split for t in tasks} == {"train", "test"}
    assert {t.params["criterion"] for t in tasks} >= {"cheapest_nonstop", "shortest", "earliest"}
    assert any(t.params["kind"] == "information" for t in tasks)
    assert any(
        t.params["cabin"] == "premium_economy" and t.params.get("passengers") == 1 for t in tasks
    )
    for task in booking_tasks(site):
        assert 4 <= len(task.milestones) <= 5
        assert task.params["card"]["number"] == "4242 4242 4242 4242"
        assert len(task.params["travelers"]) == task.params["passengers"]
        for traveler in task.params["travelers"]:
            assert traveler["first_name"] in task.intent
        assert task.site == "flights" and task.start_path == "/"


def test_information_task_accepts_the_price_and_rejects_a_wrong_one(site: FlightSite) -> None:
    task = next(t for t in site.tasks() if t.params["kind"] == "information")
    price = task.params["expected_price"]
    assert task.success(site.state, str(price))
    assert task.success(site.state, f"${price:,}")
    assert task.success(site.state, f"The cheapest fare is ${price}.00 per person.")
    assert not task.success(site.state, str(price + 1))
    assert not task.success(site.state, None)
    assert not task.success(site.state, "I don't know")


def test_information_task_fails_when_something_was_booked(site: FlightSite) -> None:
    info = next(t for t in site.tasks() if t.params["kind"] == "information")
    booking = booking_tasks(site)[0]
    book(site, booking, booking.params["expected_flight_id"])
    assert not info.success(site.state, str(info.params["expected_price"]))


def test_information_task_milestones_follow_the_search(site: FlightSite) -> None:
    task = next(t for t in site.tasks() if t.params["kind"] == "information")
    p = task.params
    query = {"from": p["origin"], "to": p["destination"], "date": p["date"], "cabin": p["cabin"]}
    fetch(site, results_path(**query))
    assert task.progress(site.state) == [True, False]
    page = fetch(site, results_path(**query, sort="price"))
    assert task.progress(site.state) == [True, True]
    assert f"${p['expected_price']:,}" in page.body


def test_luhn_check_accepts_test_cards_and_rejects_typos() -> None:
    assert luhn_ok("4242424242424242")
    assert luhn_ok("5555555555554444")
    assert not luhn_ok("4242424242424241")


# -- site lifecycle ----------------------------------------------------------------------


def test_reset_clears_the_state_and_restarts_booking_references(site: FlightSite) -> None:
    task = booking_tasks(site)[0]
    book(site, task, task.params["expected_flight_id"])
    reference = site.state.bookings[0].reference
    site.reset()
    state = site.state
    assert (state.searches, state.views, state.passenger_submissions, state.bookings) == (
        (),
        (),
        (),
        (),
    )
    assert task.progress(state) == [False] * len(task.milestones)
    book(site, task, task.params["expected_flight_id"])
    assert site.state.bookings[0].reference == reference


def test_get_site_knows_flights_and_rejects_unknown_names() -> None:
    site = get_site("flights", seed=3)
    assert isinstance(site, FlightSite) and site.data.seed == 3
    assert ("flights", FlightSite.description) in list_sites()
    with pytest.raises(SiteError, match=r"unknown site 'nope'; known sites: flights"):
        get_site("nope")


def test_site_stops_cleanly_and_releases_its_port() -> None:
    site = FlightSite(seed=0)
    with pytest.raises(SiteError):
        _ = site.url
    with site:
        url = site.start()
        assert url == site.url and url.startswith("http://127.0.0.1:")
        assert fetch(site, "/").status == 200
    port = int(url.rsplit(":", 1)[1])
    assert not site.running
    site.stop()  # a second stop is harmless
    assert not [t for t in threading.enumerate() if t.name == f"flights-site-{port}"]
    with FlightSite(seed=0) as again:
        again.stop()
        again.start(port=port)  # the port was released
        assert again.url.endswith(f":{port}")
