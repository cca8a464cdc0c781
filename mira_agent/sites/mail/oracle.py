"""A scripted policy that solves the webmail's tasks from observations alone.

It reads the observation text a model reads and answers with the actions a model
would give: it finds controls by role and name, reads table rows (one line each in
the observation) to see a message's folder, unread mark or a contact's address, and
remembers only what a person would jot down on the way (addresses looked up, receipt
amounts). Its runs prove each task solvable through mira's own browser layer.
Keyword changes replace fields of the task's facts, so a test can make it do the
wrong thing.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlparse

from mira_agent.browser.actions import Action
from mira_agent.browser.observation import ElementRef, Observation
from mira_agent.sites.answers import money, parse_amount, parse_day
from mira_agent.sites.base import Task, facts_as
from mira_agent.sites.mail import facts as kind
from mira_agent.sites.mail.data import TODAY

_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"\(\d{3}\) \d{3}-\d{4}")
_CLIPPED = re.compile(r"(.*)…\(\+(\d+) chars\)", re.DOTALL)
_AMOUNT = re.compile(r"Total charged: \$([\d,]+\.\d{2})")


class MailOracle:
    """Decides the next action for a mail task from the current observation."""

    def __init__(self, task: Task, **changes: Any) -> None:
        self.task = task
        self.facts = replace(task.facts, **changes)
        self.addresses: dict[str, str] = {}  # looked up: name -> address, or address -> company
        self.amounts: dict[str, int] = {}

    def next_action(self, observation: Observation) -> Action:
        url = urlparse(observation.url)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        page = _Page(observation, url.path, query)
        if query.get("notice") in ("sent", "saved"):
            return Action("stop", {"answer": "Done."})
        if isinstance(self.facts, kind.Searched) and page.path.startswith("/folder/"):
            # Every task that names a search starts with it, from whatever folder is open.
            return page.search(self.facts.query)
        steps = {
            kind.Phone: self._phone,
            kind.Reply: self._answer,
            kind.ReplyAll: self._answer,
            kind.Forward: self._forward,
            kind.Move: self._move,
            kind.Delete: self._delete,
            kind.Star: self._star,
            kind.Meeting: self._meeting,
            kind.Invite: self._invite,
            kind.SaveDraft: self._draft,
            kind.Receipts: self._receipts,
            kind.Restore: self._restore,
            kind.Title: self._phone,
            kind.StarSome: self._star_some,
            kind.Refile: self._restore,
            kind.ReceiptsBetween: self._receipts,
        }
        return steps[type(self.facts)](page)

    # -- one method per kind of task (a reply to all is a reply with another button) ------

    def _phone(self, page: _Page) -> Action:
        p = facts_as(self.facts, kind.Phone)
        if page.path == "/search":
            return page.click_link(p.subject)
        if page.path.startswith("/message/"):
            return page.click_link(p.sender)
        if page.path == "/contacts":
            row = page.row_with(p.sender)
            if isinstance(p, kind.Title):  # the title is in brackets after the name
                found = re.search(re.escape(p.sender) + r" \(([^)]+)\)", row)
            else:
                found = _PHONE.search(row)
            if found is None:
                raise LookupError(f"no {p.kind} next to {p.sender}")
            return Action("stop", {"answer": found.group(found.lastindex or 0)})
        return page.home()

    def _answer(self, page: _Page) -> Action:
        p = facts_as(self.facts, kind.Reply)
        if page.path == "/search":
            return page.click_link(p.subject)
        if page.path.startswith("/message/"):
            return page.click_link(p.button)
        if page.path == "/compose":
            return page.fill({"Message": p.text}) or page.click_button("Send")
        return page.home()

    def _forward(self, page: _Page) -> Action:
        p = facts_as(self.facts, kind.Forward)
        if page.path == "/search":
            return page.click_link(p.subject)
        if page.path.startswith("/message/"):
            return page.click_link("Forward")
        if page.path == "/compose":
            return page.fill({"To": p.to}) or page.click_button("Send")
        return page.home()

    def _move(self, page: _Page) -> Action:
        """Open each of the sender's messages not yet in the folder and move it there."""
        p = facts_as(self.facts, kind.Move)
        if page.path == "/search":
            for link in page.links(p.subjects):
                if f"| {p.folder} |" not in page.row_of(link):
                    return _click(link)
            return Action("stop", {"answer": f"Moved them to {p.folder}."})
        if page.path.startswith("/message/"):
            return page.choose("Move to", p.folder) or page.click_button("Move")
        return page.home()

    def _delete(self, page: _Page) -> Action:
        p = facts_as(self.facts, kind.Delete)
        if page.path == "/search":
            links = page.links(p.subjects)  # deleted mail leaves the search results
            if links:
                return _click(links[0])
            return Action("stop", {"answer": "Deleted the newsletters."})
        if page.path.startswith("/message/"):
            return page.click_button("Delete")
        return page.home()

    def _star(self, page: _Page) -> Action:
        p = facts_as(self.facts, kind.Star)
        if page.path == "/search":
            for element in page.elements:
                row = page.row_of(element)
                if (
                    element.role == "button"
                    and element.name.startswith("Star: ")
                    and f"Unread: {p.sender} |" in row
                ):
                    return _click(element)
            return Action("stop", {"answer": "Starred the unread emails."})
        return page.home()

    def _star_some(self, page: _Page) -> Action:
        """Star, in the search results, each listed email of the sender's with one of
        the subjects asked for (a starred one shows an Unstar button instead)."""
        p = facts_as(self.facts, kind.StarSome)
        if page.path == "/search":
            wanted = {f"Star: {subject}" for subject in p.subjects}
            for element in page.elements:
                row = page.row_of(element)
                if element.role == "button" and element.name in wanted and f" {p.sender} |" in row:
                    return _click(element)
            return Action("stop", {"answer": "Starred them."})
        return page.home()

    def _meeting(self, page: _Page) -> Action:
        p = facts_as(self.facts, kind.Meeting)
        if page.path == "/search":  # newest first: the top one is the latest word
            return page.click_link(p.subject, suffix=True)
        if page.path.startswith("/message/"):
            conversation = [e for e in page.elements if e.role == "link" and ", 2026 at " in e.name]
            text = page.observation.text
            if conversation and text.rfind("This message from") < text.rfind(conversation[-1].name):
                return _click(conversation[-1])  # a later message exists: read it first
            return Action("stop", {"answer": p.expected_answer})
        return page.home()

    def _invite(self, page: _Page) -> Action:
        p = facts_as(self.facts, kind.Invite)
        people = [*p.to, *p.cc]
        if page.path == "/contacts":
            shown = page.query.get("q", "")
            if shown in people and shown not in self.addresses:
                found = _EMAIL.search(page.row_with(shown))
                if found is None:
                    raise LookupError(f"no address next to {shown}")
                self.addresses[shown] = found.group(0)
            missing = [name for name in people if name not in self.addresses]
            if missing:
                return page.type_into("Search contacts", missing[0], enter=True)
            return page.click_link("Compose")
        if page.path == "/compose":
            return page.fill(
                {
                    "To": ", ".join(self.addresses[n] for n in p.to),
                    "Cc": ", ".join(self.addresses[n] for n in p.cc),
                    "Subject": p.subject,
                    "Message": p.body,
                }
            ) or page.click_button("Send")
        return page.click_link("Contacts")

    def _draft(self, page: _Page) -> Action:
        p = facts_as(self.facts, kind.SaveDraft)
        if page.path == "/contacts":
            if page.query.get("q") != p.company:
                return page.type_into("Search contacts", p.company, enter=True)
            for line in page.observation.text.splitlines():
                found = _EMAIL.search(line)
                if found and f"| {p.company} |" in line:
                    self.addresses[found.group(0)] = p.company
            return page.click_link("Compose")
        if page.path == "/compose":
            return page.fill(
                {
                    "To": ", ".join(self.addresses),
                    "Subject": p.subject,
                    "Message": p.body,
                }
            ) or page.click_button("Save draft")
        return page.click_link("Contacts")

    def _receipts(self, page: _Page) -> Action:
        """Open each receipt in turn, note its amount, and add them up."""
        p = facts_as(self.facts, kind.Receipts)
        if page.path == f"/folder/{p.folder.lower()}":
            links = page.links([p.subject])
            if isinstance(p, kind.ReceiptsBetween):  # only those the list dates in the window
                links = [link for link in links if _dated_within(page.row_of(link), p)]
            if len(self.amounts) >= len(links):
                cents = sum(self.amounts.values())
                return Action("stop", {"answer": money(cents)})
            return _click(links[len(self.amounts)])
        if page.path.startswith("/message/"):
            found = _AMOUNT.search(page.observation.text)
            if found is None:
                raise LookupError("no amount on the receipt")
            self.amounts[page.path] = parse_amount(found.group(1)) or 0
            return page.click_link(f"← Back to {p.folder}")
        return page.click_link(p.folder, prefix=True)

    def _restore(self, page: _Page) -> Action:
        p = facts_as(self.facts, kind.Restore)
        source = p.source if isinstance(p, kind.Refile) else "Trash"
        if f"Message moved to {p.folder}." in page.observation.text:
            return Action("stop", {"answer": f"It is back in the {p.folder}."})
        if page.path == f"/folder/{source.lower()}":
            return page.click_link(p.subject)
        if page.path.startswith("/message/"):
            return page.choose("Move to", p.folder) or page.click_button("Move")
        return page.click_link(source, prefix=True)


class _Page:
    """The current observation, with the lookups the oracle needs."""

    def __init__(self, observation: Observation, path: str, query: dict[str, str]) -> None:
        self.observation = observation
        self.path = path
        self.query = query
        self.elements = observation.elements()

    def named(self, name: str, role: str | None = None, *, prefix: bool = False) -> ElementRef:
        for element in self.elements:
            hit = element.name.startswith(name) if prefix else element.name == name
            if hit and (role is None or element.role == role):
                return element
        raise LookupError(f"no {role or 'element'} named {name!r} on {self.path}")

    def links(self, names: list[str]) -> list[ElementRef]:
        return [e for e in self.elements if e.role == "link" and e.name in names]

    def row_of(self, element: ElementRef) -> str:
        """The observation line holding `element` (a table row is one line)."""
        marker = f"[{element.id}] "
        return next((line for line in self.observation.text.splitlines() if marker in line), "")

    def row_with(self, text: str) -> str:
        """The first table row (cells read as ``a | b | c``) mentioning `text`."""
        lines = self.observation.text.splitlines()
        return next((line for line in lines if text in line and " | " in line), "")

    def search(self, text: str) -> Action:
        return self.type_into("Search mail", text, enter=True)

    def type_into(self, name: str, text: str, *, enter: bool = False) -> Action:
        field = self.named(name)
        return Action("type", {"element": field.id, "text": text, "enter": enter})

    def fill(self, values: dict[str, str]) -> Action | None:
        """Type the first field whose value differs from the wanted one; None when all match."""
        for name, value in values.items():
            field = self.named(name)
            if not _shows(field.value, value):
                return Action("type", {"element": field.id, "text": value})
        return None

    def choose(self, name: str, option: str) -> Action | None:
        field = self.named(name, "combobox")
        if field.value != option:
            return Action("select", {"element": field.id, "option": option})
        return None

    def click_link(self, name: str, *, prefix: bool = False, suffix: bool = False) -> Action:
        if suffix:
            for element in self.elements:
                if element.role == "link" and element.name.endswith(name):
                    return _click(element)
            raise LookupError(f"no link ending {name!r} on {self.path}")
        return _click(self.named(name, "link", prefix=prefix))

    def click_button(self, name: str) -> Action:
        return _click(self.named(name, "button"))

    def home(self) -> Action:
        return self.click_link("Inbox", prefix=True)


def _shows(shown: str, wanted: str) -> bool:
    """Whether a field's value as the observation shows it (long values are clipped, as
    ``start…(+N chars)``) is `wanted`."""
    wanted = " ".join(wanted.split())
    clipped = _CLIPPED.fullmatch(shown)
    if clipped:
        head = clipped.group(1)
        return wanted.startswith(head) and len(wanted) == len(head) + int(clipped.group(2))
    return " ".join(shown.split()) == wanted


def _dated_within(row: str, window: kind.ReceiptsBetween) -> bool:
    """Whether a list row's date (its last cell: "Mar 8", or a time for today's mail)
    falls in the window."""
    cell = row.rsplit("|", 1)[-1]
    day = parse_day(cell, TODAY.year) or TODAY.date()
    return date.fromisoformat(window.start) <= day <= date.fromisoformat(window.end)


def _click(element: ElementRef) -> Action:
    return Action("click", {"element": element.id})
