"""What every sandbox site's forms share: the submitted fields, the result of checking
them (the values to show again and an error per field), and reading one field."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

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
