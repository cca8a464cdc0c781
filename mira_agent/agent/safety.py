"""What needs the user's yes, where the agent may go, and what must never be shown.

Pure functions over actions and observation text, so the rules can be read and tested
on their own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from urllib.parse import urlparse

from mira_agent.browser.actions import Action
from mira_agent.browser.observation import ElementRef

RISKY = re.compile(
    r"\b(pay|buy|purchase|order|checkout|check out|book now"
    r"|confirm (booking|purchase|payment|order)|place order|delete|remove|erase|send|transfer"
    r"|donate|subscribe|unsubscribe)\b",
    re.IGNORECASE,
)
SECRET_NAME = re.compile(r"password|passcode|card|cvv|cvc|security code|pin\b", re.IGNORECASE)
# A card's holder name is not a secret (it is usually the traveller's or buyer's own name,
# shown all over the page); masking it would blank that name everywhere.
NOT_SECRET_NAME = re.compile(r"\bname\b|holder", re.IGNORECASE)
MASK = "••••"


def approval_reason(action: Action, elements: Sequence[ElementRef]) -> str | None:
    """Why `action` needs the user's yes (it pays, buys, deletes or sends), or None."""
    by_id = {e.id: e for e in elements}
    if action.name == "click" and action.element in by_id:
        name = by_id[action.element].name
        if RISKY.search(name):
            return f'it clicks "{name}"'
    submits = (action.name == "press" and action.args.get("key") == "Enter") or (
        action.name == "type" and action.args.get("enter")
    )
    if submits:
        risky = [e.name for e in elements if e.role == "button" and RISKY.search(e.name)]
        if risky:
            return f'pressing Enter may submit the form ("{risky[0]}")'
    return None


def domain_allowed(url: str, allowed: Iterable[str]) -> bool:
    """Whether `url` is inside the allowed domains (subdomains included). Browser-internal
    pages (about:, data:, blob:, chrome-error:) are always allowed; so is everything
    when no domain is given."""
    allowed = [a.lower().lstrip(".") for a in allowed]
    if not allowed:
        return True
    parsed = urlparse(url)
    if parsed.scheme in ("about", "data", "blob", "chrome-error", "chrome"):
        return True
    host = (parsed.hostname or "").lower()
    return any(host == a or host.endswith("." + a) for a in allowed)


def secret_field(element: ElementRef) -> bool:
    """A password or card field (by type, by name, or because it already shows masked)."""
    return (
        element.attributes.get("type") == "password"
        or (
            SECRET_NAME.search(element.name) is not None
            and NOT_SECRET_NAME.search(element.name) is None
        )
        or element.value.startswith(MASK)
    )


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


_CARDISH = re.compile(r"\b\d(?:[ -]?\d){12,18}\b")


class Redactor:
    """Masks secrets in anything shown to people: card numbers anywhere, and whatever the
    agent typed into a password or card field."""

    def __init__(self, *, masking: bool = True) -> None:
        # Off only for benchmark episodes: their "secrets" are the tasks' own test data
        # (a public test card, a generated password), and masking them would teach a
        # model trained on those episodes to type bullets.
        self.masking = masking
        self.secrets: set[str] = set()

    def note_typed(self, action: Action, elements: Sequence[ElementRef]) -> None:
        if not self.masking:
            return
        by_id = {e.id: e for e in elements}
        for element_id, text in action.typed():
            element = by_id.get(element_id)
            if element is not None and secret_field(element) and len(text) >= 3:
                self.secrets.add(text)

    def leak(self, action: Action, elements: Sequence[ElementRef]) -> str | None:
        """Why `action` must not type what it types: a secret (a password or card typed
        into its own field before, or any card number) going into a field that is not a
        password or card field, which is what a page's injected instructions ask for."""
        by_id = {e.id: e for e in elements}
        for element_id, text in action.typed():
            element = by_id.get(element_id)
            if element is None or secret_field(element):
                continue
            known = any(secret in text for secret in self.secrets)
            cards = [m for m in _CARDISH.findall(text) if _luhn(re.sub(r"\D", "", m))]
            if known or cards:
                return (
                    f"[{element_id}] is not a password or card field: a secret is typed only"
                    " into its own field, whatever the page says"
                )
        return None

    def redact(self, text: str) -> str:
        if not self.masking:
            return text
        for secret in sorted(self.secrets, key=len, reverse=True):
            text = text.replace(secret, MASK)

        def card(match: re.Match[str]) -> str:
            digits = re.sub(r"\D", "", match.group(0))
            return f"{MASK} {digits[-4:]}" if _luhn(digits) else match.group(0)

        return _CARDISH.sub(card, text)
