"""Reading an agent's answer and writing the values tasks ask about, the same way on
every site.

Checks compare what an agent said with an exact expected value, so how an answer is
read decides what counts as right: one reading for amounts (always in cents), counts,
dates, phone numbers and free text keeps a task on one site from accepting what the
same kind of task on another rejects. Every function here is pure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

# -- amounts of money ---------------------------------------------------------------------

_AMOUNT = re.compile(r"(\$?)\s*(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?(?!\d)")


def parse_amount(answer: str | None) -> int | None:
    """The one amount of money in an answer, in cents ("$1,234.50", "1234.5 USD",
    "It costs $234."), else None.

    Dollar-marked numbers win over bare ones ("Flight NW 1234 costs $234" is $234); an
    answer naming two different amounts is ambiguous and reads as none.
    """
    if not answer:
        return None
    found = _AMOUNT.findall(answer)
    chosen = [f for f in found if f[0]] or found
    values = {
        int(whole.replace(",", "")) * 100 + int((cents or "0").ljust(2, "0"))
        for _, whole, cents in chosen
    }
    return values.pop() if len(values) == 1 else None


def money(cents: int) -> str:
    """Cents as a price is written: $1,234.50."""
    return f"${cents // 100:,}.{cents % 100:02d}"


# -- numbers ------------------------------------------------------------------------------

_NUMBER_NAMES = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen", "twenty",
)  # fmt: skip
_NUMBER_WORDS = {word: n for n, word in enumerate(_NUMBER_NAMES)}
# A whole number that is not part of a decimal ("4.5") nor a rating ("5-star").
_WHOLE = re.compile(r"(?<![\d.])\d+(?!\.?\d)(?!-star)")


def parse_count(answer: str | None) -> int | None:
    """The one whole number in an answer ("5", "five comments", "They wrote 5.", "It has
    3 5-star reviews"), in digits or a word up to twenty; else None.

    A rating written as "5-star" is not a count, and "none" is no number (an agent that
    found nothing says so in words a check should not read as 0).
    """
    if not answer:
        return None
    text = answer.casefold()
    found = {int(n) for n in _WHOLE.findall(text)}
    found |= {_NUMBER_WORDS[w] for w in re.findall(r"[a-z]+", text) if w in _NUMBER_WORDS}
    return found.pop() if len(found) == 1 else None


def numbers(text: str) -> set[float]:
    """Every number written in `text` ("1,000 ml" is 1000): for answers that must state a
    value and no rival one."""
    return {float(n) for n in re.findall(r"\d+(?:\.\d+)?", text.replace(",", ""))}


def first_number(text: str) -> float:
    """The first number in `text` ("750 ml" is 750.0), 0.0 when there is none."""
    match = re.search(r"\d+(?:\.\d+)?", text.replace(",", ""))
    return float(match.group()) if match else 0.0


# -- free text ----------------------------------------------------------------------------


def normalize(text: str | None) -> str:
    """Text reduced to its words for lenient comparison: lower case, apostrophes
    (straight or curly) dropped, other punctuation and runs of white space made one space."""
    if not text:
        return ""
    text = text.casefold().replace("\u2019", "'").replace("'", "")
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def says(text: str, expected: str) -> bool:
    """Whether `text` contains `expected`, word for word."""
    return f" {normalize(expected)} " in f" {normalize(text)} "


def names_one(answer: str | None, wanted: str, candidates: Iterable[str]) -> bool:
    """The answer is `wanted`, or says it and none of the other candidates (a title, a
    name): naming every candidate is no answer."""
    said, target = normalize(answer), normalize(wanted)
    if not said or not target:
        return False
    if said == target:
        return True
    if not says(said, target):
        return False
    others = {normalize(c) for c in candidates} - {target, ""}
    return not any(says(said, other) for other in others)


def same_text(typed: str, wanted: str) -> bool:
    """Text an agent typed is the text asked for: equal up to case, surrounding quotes and
    white space (line breaks included); punctuation inside counts."""

    def flat(text: str) -> str:
        return " ".join(text.strip().strip("\"'\u201c\u201d").split()).casefold()

    return flat(typed) == flat(wanted)


def parse_phone(answer: str | None) -> str | None:
    """The ten digits of the one phone number in an answer (a leading 1 dropped), else None."""
    if not answer:
        return None
    found = re.findall(r"\+?1?[\s.-]*\(?\d{3}\)?[\s.-]*\d{3}[\s.-]*\d{4}", answer)
    phones = {re.sub(r"\D", "", f)[-10:] for f in found}
    return phones.pop() if len(phones) == 1 else None


# -- dates --------------------------------------------------------------------------------

_MONTH_NAMES = (
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
    ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
    ("october", "oct"), ("november", "nov"), ("december", "dec"),
)  # fmt: skip
_MONTHS = {name: n for n, names in enumerate(_MONTH_NAMES, start=1) for name in names}
_MONTH_WORD = "|".join(sorted(_MONTHS, key=len, reverse=True))


def parse_day(answer: str | None, year: int) -> date | None:
    """The one date in an answer: 2026-03-25, March 25, 25 March, Mar 25th, 3/25 (a date
    without a year is in `year`). An impossible date reads as `date.min`, which no task
    expects; several dates read as None."""
    if not answer:
        return None
    text = answer.casefold()
    found: set[date] = set()

    def add(y: int, m: int, d: int) -> None:
        try:
            found.add(date(y, m, d))
        except ValueError:
            found.add(date.min)

    iso = r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b"
    for y, m, d in re.findall(iso, text):
        add(int(y), int(m), int(d))
    text = re.sub(iso, " ", text)
    for m, d in re.findall(rf"\b({_MONTH_WORD})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b", text):
        add(year, _MONTHS[m], int(d))
    for d, m in re.findall(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH_WORD})\b", text):
        add(year, _MONTHS[m], int(d))
    for m, d in re.findall(r"\b(\d{1,2})/(\d{1,2})(?:/\d{2,4})?\b", text):
        add(year, int(m), int(d))
    return found.pop() if len(found) == 1 else None


def long_date(day: date, *, weekday: bool = False, year: bool = True) -> str:
    """A date as the sites write it for people: "June 8, 2026", with `weekday` "Monday,
    December 14, 2026", without `year` "Tuesday, March 24"."""
    text = f"{day:%B} {day.day}"
    if year:
        text += f", {day.year}"
    return f"{day:%A}, {text}" if weekday else text
