"""Server-side validation of the compose form.

Nothing relies on HTML5 validation (its bubbles are invisible to an accessibility-tree
observer): every problem comes back as a sentence keyed by its field, shown next to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mira_agent.sites.forms import Form

_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_NAMED = re.compile(r"^(?P<name>[^<>]*)<(?P<email>[^<>]+)>$")
MAX_RECIPIENTS = 20


def parse_addresses(text: str) -> tuple[tuple[str, ...], list[str]]:
    """The addresses in a To/Cc field and the entries that are not addresses.

    Entries are separated by commas or semicolons; ``Name <address>`` is accepted.
    Addresses are lower-cased and repeats dropped, keeping the first-seen order.
    """
    addresses: list[str] = []
    bad: list[str] = []
    for raw in re.split(r"[,;]", text):
        entry = raw.strip()
        if not entry:
            continue
        named = _NAMED.match(entry)
        candidate = named.group("email").strip() if named else entry
        if _EMAIL.fullmatch(candidate):
            address = candidate.casefold()
            if address not in addresses:
                addresses.append(address)
        else:
            bad.append(entry)
    return tuple(addresses), bad


@dataclass(frozen=True)
class Compose:
    """A compose submission: what to show again, the parsed recipients and the errors."""

    values: dict[str, str]
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def _value(form: Form, name: str) -> str:
    values = form.get(name) or [""]
    return values[0].strip()


def _address_error(bad: list[str]) -> str:
    if len(bad) == 1:
        return f"\u201c{bad[0]}\u201d is not a valid email address."
    listed = ", ".join(f"\u201c{b}\u201d" for b in bad)
    return f"These are not valid email addresses: {listed}."


def validate_compose(form: Form, *, sending: bool, forwarding: bool = False) -> Compose:
    """Check a compose form. Sending needs a recipient, a subject and (unless the message
    forwards another) a body; saving a draft only needs the addresses given to be valid
    and something written."""
    values = {name: _value(form, name) for name in ("to", "cc", "subject")}
    values["body"] = (form.get("body") or [""])[0].replace("\r\n", "\n").strip()
    errors: dict[str, str] = {}
    to, bad_to = parse_addresses(values["to"])
    cc, bad_cc = parse_addresses(values["cc"])
    if bad_to:
        errors["to"] = _address_error(bad_to)
    elif sending and not to:
        errors["to"] = "Add at least one recipient."
    if bad_cc:
        errors["cc"] = _address_error(bad_cc)
    if len(to) + len(cc) > MAX_RECIPIENTS:
        errors["to"] = f"A message can go to at most {MAX_RECIPIENTS} people."
    if len(values["subject"]) > 200:
        errors["subject"] = "The subject must be 200 characters or fewer."
    elif sending and not values["subject"]:
        errors["subject"] = "Add a subject."
    if len(values["body"]) > 20_000:
        errors["body"] = "The message is too long (20,000 characters at most)."
    elif sending and not values["body"] and not forwarding:
        errors["body"] = "Write a message."
    if not sending and not errors and not any(values.values()):
        errors["body"] = "There is nothing to save yet."
    return Compose(values, to, cc, errors)
