"""Milestone texts say only what the task's intent says: they are the plans a planner is
shown (and fine-tuned on) for a task it sees by its intent and first page alone, so a
text naming what the agent has to find (a flight number, a product, an order number, a
username, a count) teaches the planner to make such things up.

No browser: every site's fixed tasks and a few instances of every template in every
split, checked in general, not string by string. A milestone's "specific" tokens must
occur in its task's intent (case-insensitively) or be site vocabulary from the allow-list:

- tokens with a digit (flight numbers, order numbers, counts, prices);
- capitalised words that do not start the text (names of products, people, forums, the
  titles of posts and emails);
- possessives not led by a determiner, and words with an underscore (usernames:
  "oatcake's comment", "moss_piglet").
"""

from __future__ import annotations

import re

import pytest

from mira_agent.sites import SITES, get_site
from mira_agent.sites import task_templates as tt
from mira_agent.sites.base import Task
from mira_agent.sites.flights.data import AIRPORTS

INSTANCES = 3  # per template and split

# Site vocabulary a plan may use without the intent saying it: what the pages name
# (airport codes in the flight search form, the mailbox's fixed folders, "My orders").
ALLOWED = {a.code.casefold() for a in AIRPORTS} | {"inbox", "trash", "cc", "my"}

# Words that make a possessive after them a common noun's ("the forum's posts").
DETERMINERS = {"the", "a", "an", "that", "this", "its", "your", "my", "their"}

_MONTHS = [
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
]  # fmt: skip
_LONG_DATE = re.compile(r"\b(" + "|".join(_MONTHS) + r") (\d{1,2}), (\d{4})\b", re.IGNORECASE)
_TOKEN = re.compile(r"[\w$][\w$'’.:/@+-]*")
_SENTENCE_END = re.compile(r"[.!?]$")


def _word(raw: str) -> str:
    """A token without its trailing punctuation and possessive "'s"."""
    return re.sub(r"['’]s$", "", raw.rstrip(".,:;'’"))


def tokens(text: str) -> list[str]:
    """The words of a text, trailing punctuation and a possessive "'s" stripped."""
    return [word for word in map(_word, _TOKEN.findall(text)) if word]


def intent_words(intent: str) -> set[str]:
    """The intent's tokens, folded, with each date it writes out also in ISO form (the
    flight search shows "2026-12-24" for "December 24, 2026")."""
    words = {w.casefold() for w in tokens(intent)}
    for month, day, year in _LONG_DATE.findall(intent):
        words.add(f"{year}-{_MONTHS.index(month.casefold()) + 1:02d}-{int(day):02d}")
    return words


def specific(text: str) -> list[str]:
    """The tokens of a milestone text that name something: see the module."""
    found = []
    initial = True
    before: list[str] = []  # the words so far, folded
    for raw in _TOKEN.findall(text):
        # "oatcake's comment" names someone; "the front page's posts" does not.
        possessive = bool(re.search(r"['’]s$", raw.rstrip(".,:;'’")))
        possessive = possessive and not DETERMINERS & set(before[-2:])
        word = _word(raw)
        if word and (
            any(c.isdigit() for c in word)
            or (word[0].isupper() and not initial)
            or possessive
            or "_" in word
        ):
            found.append(word)
        initial = bool(_SENTENCE_END.search(raw))
        before.append(word.casefold())
    return found


def unstated(text: str, intent: str) -> list[str]:
    """The specific tokens of a milestone `text` that `intent` does not state."""
    known = intent_words(intent) | ALLOWED
    return [word for word in specific(text) if word.casefold() not in known]


def leaks(task: Task) -> list[tuple[str, str]]:
    """(milestone text, token) for each specific token the intent does not state."""
    return [(m.text, word) for m in task.milestones for word in unstated(m.text, task.intent)]


def _instances(name: str) -> list[Task]:
    site = get_site(name)
    return [task for split in tt.SPLITS for task in site.instances(split, INSTANCES)]


@pytest.mark.parametrize("name", sorted(SITES))
def test_template_milestones_name_nothing_the_intent_does_not(name: str) -> None:
    found = [(task.id, text, word) for task in _instances(name) for text, word in leaks(task)]
    assert not found, "\n".join(f"{i}: {word!r} in {text!r}" for i, text, word in found)


@pytest.mark.parametrize("name", sorted(SITES))
def test_fixed_task_milestones_name_nothing_the_intent_does_not(name: str) -> None:
    found = [(task.id, text, word) for task in get_site(name).tasks() for text, word in leaks(task)]
    assert not found, "\n".join(f"{i}: {word!r} in {text!r}" for i, text, word in found)


def test_the_check_catches_the_kinds_of_leak_it_is_for() -> None:
    intent = (
        "Book the cheapest non-stop flight from New York to Seattle on December 24, 2026 for "
        "2 adults in economy. Passengers: Mei Quiroga; Carla Quiroga."
    )

    def leaked(text: str) -> list[str]:
        return unstated(text, intent)

    assert leaked("The details of flight PX 1450 are opened") == ["PX", "1450"]
    assert leaked("Order CS-100616 is open") == ["CS-100616"]
    assert leaked("All 3 of the posts are upvoted") == ["3"]
    assert leaked("The reply to oatcake's comment is posted") == ["oatcake"]
    assert not leaked("The front page's posts are sorted by top score")
    assert leaked("The product page of Marlow Air Travel Mug is open") == [
        "Marlow",
        "Air",
        "Travel",
        "Mug",
    ]
    # What the intent says, in the site's words, passes.
    assert not leaked(
        "Search results for New York (JFK) → Seattle (SEA) on 2026-12-24 for 2 adults in "
        "Economy are shown"
    )
    assert not leaked("Passenger details for Mei Quiroga and Carla Quiroga are submitted")
    assert not leaked("The details of the cheapest non-stop flight are opened")
