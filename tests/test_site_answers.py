"""The one reading of answers every site's checks share: amounts in cents, counts,
free text, phone numbers and dates."""

from __future__ import annotations

from datetime import date

import pytest

from mira_agent.sites.answers import (
    first_number,
    long_date,
    money,
    names_one,
    normalize,
    numbers,
    parse_amount,
    parse_count,
    parse_day,
    parse_phone,
    same_text,
    says,
)


@pytest.mark.parametrize(
    ("answer", "cents"),
    [
        ("234", 23400),
        ("$34.95", 3495),
        ("34.95", 3495),
        ("$12", 1200),
        ("$1,234.50", 123450),
        ("$10 and $12", None),
        ("$1,234", 123400),
        ("1234 USD", 123400),
        ("$99.50", 9950),
        ("about 87.5 dollars", 8750),
        ("It costs $1,234.50.", 123450),
        ("Flight NW 1234 costs $234", 23400),
        ("234 or 250", None),
        ("between $3 and $4", None),
        ("", None),
        (None, None),
        ("no idea", None),
    ],
)
def test_an_answer_is_read_as_one_amount_in_cents(answer: str | None, cents: int | None) -> None:
    assert parse_amount(answer) == cents


def test_amounts_are_written_in_dollars_and_cents() -> None:
    assert money(123450) == "$1,234.50" and money(5) == "$0.05"
    assert parse_amount(money(98765)) == 98765


@pytest.mark.parametrize(
    ("answer", "count"),
    [
        ("5", 5),
        ("They wrote 5.", 5),
        ("They wrote five comments.", 5),
        ("two", 2),
        ("Twelve of them", 12),
        ("It has 3 5-star reviews", 3),
        ("5 or 6", None),
        ("2 or 3", None),
        ("4.5 stars", None),
        ("none", None),
        ("", None),
    ],
)
def test_an_answer_is_read_as_one_count(answer: str, count: int | None) -> None:
    assert parse_count(answer) == count


def test_numbers_are_found_with_thousands_separators() -> None:
    assert numbers("It holds 1,000 ml, not 750.5") == {1000.0, 750.5}
    assert first_number("750 ml") == 750.0 and first_number("n/a") == 0.0


def test_text_is_compared_by_its_words() -> None:
    assert normalize("  Chef\u2019s   KNIFE! ") == normalize("chefs knife") == "chefs knife"
    assert normalize(None) == ""
    assert says("Sure -- I'll be there, thanks!", "i'll be there")
    assert not says("I'll be therefore", "I'll be there")


def test_one_candidate_is_named_and_no_other() -> None:
    titles = ["Cheap upgrades that made a difference", "Winter riding", "Other"]
    assert names_one("“Cheap Upgrades That Made A Difference”", titles[0], titles)
    assert names_one("The post is: cheap upgrades that made a difference", titles[0], titles)
    assert not names_one("Other or cheap upgrades that made a difference", titles[0], titles)
    assert not names_one("", titles[0], titles)


def test_typed_text_is_equal_up_to_case_quotes_and_spacing() -> None:
    assert same_text(' "Great thread,\n thanks." ', "great thread, thanks.")
    assert not same_text("Great thread!", "Great thread, thanks.")


def test_phone_numbers_are_read_as_ten_digits() -> None:
    assert parse_phone("(212) 555-0147") == "2125550147"
    assert parse_phone("+1 212.555.0147") == "2125550147"
    assert parse_phone("212-555-0147 or 212-555-0100") is None
    assert parse_phone(None) is None


@pytest.mark.parametrize(
    "answer",
    ["2026-03-25", "Wednesday, March 25", "It's on 25 March 2026.", "Mar 25th", "3/25/2026"],
)
def test_dates_are_read_in_many_forms(answer: str) -> None:
    assert parse_day(answer, 2026) == date(2026, 3, 25)


@pytest.mark.parametrize("answer", [None, "", "March 25 or March 26", "soon"])
def test_an_ambiguous_or_missing_date_reads_as_none(answer: str | None) -> None:
    assert parse_day(answer, 2026) is None


def test_an_impossible_date_reads_as_no_expected_date() -> None:
    assert parse_day("2026-02-30", 2026) == date.min


def test_dates_are_written_for_people() -> None:
    day = date(2026, 12, 14)
    assert long_date(day) == "December 14, 2026"
    assert long_date(day, weekday=True) == "Monday, December 14, 2026"
    assert long_date(day, weekday=True, year=False) == "Monday, December 14"
