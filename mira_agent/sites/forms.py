"""What every sandbox site's forms share: the submitted fields, the result of checking
them (the values to show again and an error per field), reading one field, the check of
a name, and the checks of a payment card."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

Form = Mapping[str, Sequence[str]]


@dataclass(frozen=True)
class FormResult:
    """What a submission produced: the values to show again and any errors, by field."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def one_line(form: Form, name: str) -> str:
    """A single-line field's text with its runs of white space made one space."""
    values = form.get(name) or [""]
    return " ".join(values[0].split())


def multi_line(form: Form, name: str) -> str:
    """A textarea's text: line endings normalised, trailing spaces and blank edges gone."""
    values = form.get(name) or [""]
    lines = [line.rstrip() for line in values[0].replace("\r\n", "\n").split("\n")]
    return "\n".join(lines).strip()


def check_name(value: str, label: str, pattern: re.Pattern[str], longest: int) -> str | None:
    """Why `value` is not an acceptable name (empty, longer than `longest`, or not of the
    site's `pattern` of names), or None when it is; `label` names the field in the error."""
    if not value:
        return f"Enter the {label}."
    if len(value) > longest:
        return f"The {label} must be {longest} characters or fewer."
    if not pattern.fullmatch(value):
        return f"The {label} may contain only letters, spaces, hyphens and apostrophes."
    return None


def card_digits(value: str) -> str:
    """A card number without the spaces or hyphens people type between groups."""
    return re.sub(r"[\s-]", "", value)


def luhn_ok(digits: str) -> bool:
    """The Luhn checksum every real card number satisfies."""
    if not digits.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def parse_expiry(value: str) -> tuple[int, int] | None:
    """(year, month) from ``MM/YY`` (or ``MM/YYYY``), None when unreadable."""
    match = re.fullmatch(r"(\d{1,2})\s*/\s*(\d{2}|\d{4})", value.strip())
    if not match:
        return None
    month, year = int(match.group(1)), int(match.group(2))
    if year < 100:
        year += 2000
    if not 1 <= month <= 12:
        return None
    return year, month


def card_errors(values: Mapping[str, str], today: date) -> dict[str, str]:
    """Errors of the card fields `card_number` (Luhn), `expiry` (not before `today`'s
    month) and `cvv` (3 digits), by field; the sites check the holder's name themselves."""
    errors: dict[str, str] = {}
    digits = card_digits(values["card_number"])
    if not digits:
        errors["card_number"] = "Enter the card number."
    elif not digits.isdigit() or not 13 <= len(digits) <= 19 or not luhn_ok(digits):
        errors["card_number"] = "That card number is not valid. Check the digits and try again."
    expiry = parse_expiry(values["expiry"])
    if not values["expiry"]:
        errors["expiry"] = "Enter the expiry date as MM/YY."
    elif expiry is None:
        errors["expiry"] = "Enter the expiry date as MM/YY, for example 08/29."
    elif expiry < (today.year, today.month):
        errors["expiry"] = "This card has expired."
    if not values["cvv"]:
        errors["cvv"] = "Enter the 3-digit security code (CVV)."
    elif not re.fullmatch(r"\d{3}", values["cvv"]):
        errors["cvv"] = "The security code (CVV) is the 3 digits on the back of the card."
    return errors


def check_payment(
    form: Form, today: date, check_holder: Callable[[str, str], str | None]
) -> FormResult:
    """A payment form checked: the holder's name (`cardholder`) by the site's own name
    check, then the card's number, expiry and security code (`card_errors`)."""
    values = {k: one_line(form, k) for k in ("cardholder", "card_number", "expiry", "cvv")}
    errors: dict[str, str] = {}
    if problem := check_holder(values["cardholder"], "name on the card"):
        errors["cardholder"] = problem
    errors |= card_errors(values, today)
    return FormResult(values, errors)
