"""The typed facts of each kind of mail task: what the task builder promises and the
scripted oracle follows (what to search for, which message, what to write)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from mira_agent.sites.base import TaskFacts


@dataclass(frozen=True)
class Searched(TaskFacts):
    """A task that starts with a search of the mailbox for `query`."""

    query: str


@dataclass(frozen=True)
class Phone(Searched):
    kind: ClassVar[str] = "phone"
    subject: str
    sender: str
    expected_answer: str


@dataclass(frozen=True)
class Reply(Searched):
    kind: ClassVar[str] = "reply"
    button: ClassVar[str] = "Reply"
    subject: str
    text: str


@dataclass(frozen=True)
class ReplyAll(Reply):
    kind: ClassVar[str] = "reply_all"
    button: ClassVar[str] = "Reply all"


@dataclass(frozen=True)
class Forward(Searched):
    kind: ClassVar[str] = "forward"
    subject: str
    to: str


@dataclass(frozen=True)
class Move(Searched):
    kind: ClassVar[str] = "move"
    subjects: tuple[str, ...]
    folder: str


@dataclass(frozen=True)
class Delete(Searched):
    kind: ClassVar[str] = "delete"
    subjects: tuple[str, ...]


@dataclass(frozen=True)
class Star(Searched):
    kind: ClassVar[str] = "star"
    sender: str


@dataclass(frozen=True)
class Meeting(Searched):
    kind: ClassVar[str] = "meeting"
    subject: str
    expected_answer: str
    expected_day: str


@dataclass(frozen=True)
class Invite(TaskFacts):
    kind: ClassVar[str] = "invite"
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    body: str


@dataclass(frozen=True)
class Receipts(TaskFacts):
    kind: ClassVar[str] = "receipts"
    folder: str
    subject: str
    count: int
    expected_answer: str


@dataclass(frozen=True)
class Restore(TaskFacts):
    kind: ClassVar[str] = "restore"
    subject: str
    folder: str


@dataclass(frozen=True)
class SaveDraft(TaskFacts):
    kind: ClassVar[str] = "draft"
    company: str
    subject: str
    body: str


# -- kinds only the templates draw: a fixed kind with one more thing to follow -----------


@dataclass(frozen=True)
class Title(Phone):
    """The sender's job title (the contacts list shows it in brackets after the name)."""

    kind: ClassVar[str] = "title"


@dataclass(frozen=True)
class StarSome(Star):
    """Star the sender's listed emails with these subjects (the ones the task selects)."""

    kind: ClassVar[str] = "star_some"
    subjects: tuple[str, ...]


@dataclass(frozen=True)
class Refile(Restore):
    """Move one message out of `source` (a folder page, not a search) into `folder`."""

    kind: ClassVar[str] = "refile"
    source: str


@dataclass(frozen=True)
class ReceiptsBetween(Receipts):
    """Add up only the receipts dated from `start` to `end` (ISO dates, both included)."""

    kind: ClassVar[str] = "receipts_between"
    start: str
    end: str
