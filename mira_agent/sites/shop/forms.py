"""Server-side validation of the shop's forms: shipping, payment, reviews, quantities.

Pages never rely on HTML5 validation to block a submit (its bubbles are invisible to
an accessibility-tree observer); each problem comes back as a sentence keyed by the
field it belongs to, shown next to that field.
"""

from __future__ import annotations

import re

from mira_agent.sites.forms import (
    Form,
    FormResult,
    check_name,
    check_payment,
    one_line,
)
from mira_agent.sites.shop.data import SHIPPING_METHODS, TODAY, US_STATES, Address

_NAME = re.compile(r"[^\W\d_]+(?:[ .'\u2019-]+[^\W\d_]+)*\.?")
MAX_QUANTITY = 10


def parse_quantity(text: str, limit: int) -> tuple[int | None, str | None]:
    """(quantity, None) for a whole number from 1 to `limit`, else (None, why)."""
    text = text.strip()
    if not text:
        return None, "Enter a quantity."
    if not text.isdigit():
        return None, "The quantity must be a whole number."
    quantity = int(text)
    if quantity < 1:
        return None, "The quantity must be at least 1."
    if quantity > limit:
        return None, f"You can buy at most {limit} of this item."
    return quantity, None


def parse_price(text: str) -> int | None:
    """Dollars as typed ("25", "$25.50") in cents; None when blank or unreadable."""
    match = re.fullmatch(r"\$?\s*(\d{1,6})(?:\.(\d{1,2}))?", text.strip().replace(",", ""))
    if not match:
        return None
    cents = (match.group(2) or "0").ljust(2, "0")
    return int(match.group(1)) * 100 + int(cents)


def _check_name(text: str, label: str) -> str | None:
    """Why `text` is not an acceptable name of a person or town (initials and their dots
    allowed), or None when it is."""
    return check_name(text, label, _NAME, 60)


def validate_shipping(form: Form) -> tuple[FormResult, Address | None, str]:
    """Check the address and the shipping method; the address only when all is valid."""
    keys = ("full_name", "street", "city", "state", "zip_code", "method")
    values = {k: one_line(form, k) for k in keys}
    errors: dict[str, str] = {}
    if problem := _check_name(values["full_name"], "full name"):
        errors["full_name"] = problem
    if not values["street"]:
        errors["street"] = "Enter the street address."
    elif len(values["street"]) > 80 or not re.search(r"[A-Za-z]", values["street"]):
        errors["street"] = "Enter a street address, for example 12 Main Street."
    if problem := _check_name(values["city"], "city"):
        errors["city"] = problem
    if values["state"] not in US_STATES:
        errors["state"] = "Choose a state."
    if not values["zip_code"]:
        errors["zip_code"] = "Enter the ZIP code."
    elif not re.fullmatch(r"\d{5}", values["zip_code"]):
        errors["zip_code"] = "The ZIP code is 5 digits, for example 97205."
    if values["method"] not in SHIPPING_METHODS:
        errors["method"] = "Choose a shipping method."
    result = FormResult(values, errors)
    if not result.ok:
        return result, None, ""
    address = Address(
        values["full_name"], values["street"], values["city"], values["state"], values["zip_code"]
    )
    return result, address, values["method"]


def validate_payment(form: Form) -> FormResult:
    """Check cardholder, card number (Luhn), expiry (MM/YY, not past) and CVV."""
    return check_payment(form, TODAY, _check_name)


def validate_review(form: Form) -> FormResult:
    """Check the star rating (1-5), title, review text and nickname."""
    values = {k: one_line(form, k) for k in ("rating", "title", "body", "nickname")}
    errors: dict[str, str] = {}
    if values["rating"] not in {"1", "2", "3", "4", "5"}:
        errors["rating"] = "Choose a rating from 1 to 5 stars."
    if not values["title"]:
        errors["title"] = "Give your review a title."
    elif len(values["title"]) > 80:
        errors["title"] = "The title must be 80 characters or fewer."
    if len(values["body"]) < 10:
        errors["body"] = "Write at least 10 characters about the product."
    elif len(values["body"]) > 1000:
        errors["body"] = "The review must be 1000 characters or fewer."
    if not values["nickname"]:
        errors["nickname"] = "Enter the name to show with your review."
    elif len(values["nickname"]) > 30:
        errors["nickname"] = "The name must be 30 characters or fewer."
    return FormResult(values, errors)
