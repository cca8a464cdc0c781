"""Server-side validation of the passenger and payment forms.

The pages never rely on HTML5 `required`/`pattern` to block a submit: native
validation bubbles are invisible to an accessibility-tree observer, so agents get
stuck on them. Everything is checked here instead, and each problem comes back as a
sentence keyed by the field it belongs to, to be shown next to that field.
"""

from __future__ import annotations

import re
from datetime import date

from mira_agent.sites import forms
from mira_agent.sites.flights.data import TODAY
from mira_agent.sites.flights.search import parse_day
from mira_agent.sites.flights.state import Traveler
from mira_agent.sites.forms import Form, FormResult, check_payment, one_line

_NAME = re.compile(r"[^\W\d_]+(?:[ '\u2019-][^\W\d_]+)*")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
_EARLIEST_BIRTH = date(1900, 1, 1)


def passenger_field(index: int, name: str) -> str:
    """The form field name for passenger `index` (1-based): ``p1_first_name``."""
    return f"p{index}_{name}"


def field_owner(name: str) -> str:
    """Whose field `name` is ("Passenger 2"), so an error summary can say so; else ""."""
    match = re.fullmatch(r"p(\d+)_\w+", name)
    return f"Passenger {match.group(1)}" if match else ""


def check_name(value: str, label: str) -> str | None:
    """Why `value` is not an acceptable passenger or card name, or None when it is."""
    return forms.check_name(value, label, _NAME, 40)


def check_birth_date(value: str) -> str | None:
    """Why `value` is not a plausible date of birth, or None when it is."""
    if not value:
        return "Enter the date of birth."
    born = parse_day(value)
    if born is None:
        return "Enter the date of birth as a date, for example 1985-03-14."
    if born >= TODAY:
        return "The date of birth must be in the past."
    if born < _EARLIEST_BIRTH:
        return "Enter a date of birth after 1900."
    return None


def check_email(value: str) -> str | None:
    """Why `value` is not a usable email address, or None when it is."""
    if not value:
        return "Enter an email address for the booking confirmation."
    if not _EMAIL.fullmatch(value):
        return "Enter a valid email address, like name@example.com."
    return None


def validate_passengers(form: Form, count: int) -> tuple[FormResult, tuple[Traveler, ...]]:
    """Check `count` passengers and the contact email; travelers only when all are valid."""
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    travelers = []
    for index in range(1, count + 1):
        first_key = passenger_field(index, "first_name")
        last_key = passenger_field(index, "last_name")
        birth_key = passenger_field(index, "birth_date")
        first, last, birth = (one_line(form, k) for k in (first_key, last_key, birth_key))
        values.update({first_key: first, last_key: last, birth_key: birth})
        for key, problem in (
            (first_key, check_name(first, "first name")),
            (last_key, check_name(last, "last name")),
            (birth_key, check_birth_date(birth)),
        ):
            if problem:
                errors[key] = problem
        born = parse_day(birth)
        if born is not None:
            travelers.append(Traveler(first, last, born.isoformat()))
    email = one_line(form, "email")
    values["email"] = email
    if problem := check_email(email):
        errors["email"] = problem
    result = FormResult(values, errors)
    return result, (tuple(travelers) if result.ok else ())


def validate_payment(form: Form) -> FormResult:
    """Check cardholder, card number (Luhn), expiry (not before this month) and CVV."""
    return check_payment(form, TODAY, check_name)
