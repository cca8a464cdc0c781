"""The webmail's task templates: each kind of fixed task, drawn over the whole mailbox.

A draw picks its parameters from the seeded mailbox (a message, a sender, a folder, a
contact or three, a company, a week's plan, a date window) and derives the task with the
same builder a fixed task uses (`tasks.build_*`), so milestones, checks and the oracle's
facts read as the fixed tasks' do. A draw is unfit when its answer is not one thing: a
message that a search or a folder lists next to another of the same subject (the agent
could not tell which one is meant), a selection that selects nothing or everything, a
filing with nothing left to file.

The fixed tasks, each one instance shape of a template:

=====================================  ==================================================
fixed task                             template
=====================================  ==================================================
mail-quote-sender-phone                mail-sender-detail (phone of a message's sender)
mail-reply-latest-from-client          mail-reply-latest
mail-reply-all-lease-signing           mail-reply-all
mail-move-analyst-to-projects          mail-file-from-sender (a folder)
mail-delete-trailhead-newsletters      mail-file-from-sender (Trash: delete)
mail-star-unread-from-teammate         mail-star-from-sender (the unread ones)
mail-restore-deleted-schedule          mail-move-message (out of Trash)
mail-draft-to-tidewater                mail-draft-to-company
mail-invite-three-contacts             mail-invite-contacts
mail-forward-february-invoice          mail-forward-invoice (test)
mail-brightwater-receipts-total        mail-receipts-between (test)
mail-rescheduled-review-date           mail-schedule-change (test)
=====================================  ==================================================

Branches some instances hold: a sender's email already in the folder everything goes to
(it stays, and milestones count the ones to move), an email already starred, a planned
event that no reply moved (its first date stands), a reply that moves an event a first
reply had moved already.
"""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from mira_agent.sites.answers import long_date, parse_amount
from mira_agent.sites.mail.data import (
    FOLDERS,
    TODAY,
    USER,
    Contact,
    MailData,
    Message,
    Schedule,
)
from mira_agent.sites.mail.tasks import (
    build_delete,
    build_draft,
    build_forward,
    build_invite,
    build_move,
    build_receipts,
    build_refile,
    build_reply,
    build_reply_all,
    build_sender_question,
    build_star,
    build_thread_question,
)
from mira_agent.sites.mail.views import search_results
from mira_agent.sites.specs import Draft
from mira_agent.sites.task_templates import Template, Unfit

REPLIES = (
    "Thanks, that works for me.",
    "Got it, thank you!",
    "Sounds good. I'll be there.",
    "Thanks for the update.",
    "Could we talk about this on Monday?",
    "I'll get back to you by Friday.",
    "Noted, thanks for letting me know.",
    "Perfect, see you then.",
    "Thanks! I'll take a look this afternoon.",
    "Can you send me a bit more detail?",
    "Great news, thanks for sharing.",
    "I'm out today; I'll reply properly tomorrow.",
)
"""What a reply says: short enough for any email, each a different message to check."""

FORWARD_TO = (
    "accounting@larkspur.example",
    "finance@larkspur.example",
    "bookkeeping@larkspur.example",
    "payables@larkspur.example",
    "office@larkspur.example",
    "admin@larkspur.example",
    "studio@larkspur.example",
    "ops@larkspur.example",
    "taxes@larkspur.example",
    "receipts@larkspur.example",
    "jordan.ellis@fastmail.example",
    "ledger@hollis-accounts.example",
    "audit@hollis-accounts.example",
    "books@penrose-cpa.example",
    "invoices@penrose-cpa.example",
)
"""Where an invoice can go: the studio's own mailboxes and its outside accountants."""

REQUESTS = (
    ("Shipping crates for the April exhibition", "Could you send us a quote for six large crates, picked up on April 2?"),  # noqa: E501
    ("Quote for the spring catalogue", "Could you quote for 2,000 copies of a 48-page catalogue?"),
    ("Meeting next week", "Would Tuesday or Wednesday afternoon suit you for a short meeting?"),
    ("New billing address", "Please send all future invoices to our new address on Harbor Street."),
    ("Studio closed on April 3", "Our studio is closed on April 3, so deliveries should wait a day."),  # noqa: E501
    ("Photos for the case study", "May we use photos of our joint project in a case study?"),
    ("Contract renewal", "Our contract ends in May. Shall we set up a call about renewing it?"),
    ("Holiday opening hours", "Could you tell us your opening hours over the Easter weekend?"),
    ("Feedback on the last project", "We'd love five minutes of your feedback on our last project."),  # noqa: E501
    ("Introductions", "I'd like to introduce our new producer, who will be your contact from May."),
)  # fmt: skip
"""A subject and message to write to a whole company."""

INVITATIONS = (
    ("Studio open day on April 10", "We're opening the studio to friends and clients on April 10 from 4 PM. Hope you can come!"),  # noqa: E501
    ("Lunch on Friday", "A few of us are getting lunch on Friday at 12:30. Join us?"),
    ("Portfolio launch party", "Our new portfolio goes live on April 2. Drinks at the studio from 6 PM!"),  # noqa: E501
    ("Workshop on design systems", "I'm running a design systems workshop on April 8 at 2 PM. Want a seat?"),  # noqa: E501
    ("Coffee tasting", "Copperline is hosting a coffee tasting at the studio on Thursday at 10 AM."),  # noqa: E501
    ("Book club", "The studio book club meets on April 15. This month: The Design of Everyday Things."),  # noqa: E501
    ("Summer party planning", "Can you help plan the summer party? First meeting Monday at 5 PM."),
    ("Talk at Designweek", "I'm speaking at Designweek on April 20. Would you like guest passes?"),
    ("Farewell drinks", "Join us on March 27 at 6 PM to say goodbye to our intern."),
    ("Bike to work week", "Bike to work week starts April 13. Sign up and ride with us!"),
)  # fmt: skip
"""A subject and message to send to three people."""

_TITLE = "job title"
_PHONE = "phone number"
_SHOPS = {  # a shop's sender in the Receipts folder -> its name, and its short name
    "receipts@brightwater.example": ("Brightwater Office Supply", "Brightwater"),
    "hello@copperline.example": ("Copperline Coffee", "Copperline"),
    "orders@trailhead.example": ("Trailhead Outfitters", "Trailhead"),
    "no-reply@cloudnest.example": ("Cloudnest", "Cloudnest"),
}
_TOTAL = re.compile(r"Total charged: (\$[\d,]+\.\d{2})")


# -- what the mailbox offers a draw ----------------------------------------------------------


def _received(data: MailData) -> list[Message]:
    """Messages from someone else, out of Trash: what a search can find and file."""
    return [m for m in data.messages if m.sender_email != USER.email and m.folder != "trash"]


def _found_once(data: MailData, message: Message, query: str) -> bool:
    """Whether a search for `query` lists `message` and no other of the same subject (an
    agent picks a listed message by its subject)."""
    found = search_results(data.messages, query, data.names)
    same = [m for m in found if m.subject == message.subject]
    return same == [message]


def _lists_apart(data: MailData, query: str, targets: list[Message]) -> bool:
    """Whether a search for `query` lists all `targets` and no other message with one of
    their subjects, so that picking them by subject picks them and them only."""
    found = search_results(data.messages, query, data.names)
    ids = {m.id for m in targets}
    subjects = {m.subject for m in targets}
    return ids <= {m.id for m in found} and not any(
        m.subject in subjects and m.id not in ids for m in found
    )


def _who(data: MailData, email: str) -> tuple[str, str]:
    """How an intent names a sender (a contact by name; anyone else by name and
    address, since a shop writes from several) and how milestones and searches do."""
    name = data.names[email]
    return (name if data.contact_by_email(email) else f"{name} ({email})"), name


@functools.cache
def _senders(data: MailData, *, trashed: bool = False) -> dict[str, list[Message]]:
    """Each sender's messages out of Trash, oldest first; only senders with none in Trash
    (a copy there would make "every email from" ambiguous) unless `trashed`."""
    binned = {m.sender_email for m in data.messages if m.folder == "trash"}
    by: dict[str, list[Message]] = {}
    for message in _received(data):
        if trashed or message.sender_email not in binned:
            by.setdefault(message.sender_email, []).append(message)
    return by


@functools.cache
def _apart(data: MailData, query: str, ids: frozenset[int]) -> bool:
    return _lists_apart(data, query, [m for m in data.messages if m.id in ids])


def _choose(rng: random.Random, options: list[str]) -> str:
    if not options:
        raise Unfit("nothing to choose from")
    return rng.choice(options)


# -- one draw per template -------------------------------------------------------------------


@functools.cache
def _asked_about(data: MailData) -> tuple[Message, ...]:
    """Messages from a contact that a search for their subject finds alone."""
    return tuple(
        m
        for m in _received(data)
        if data.contact_by_email(m.sender_email) and _found_once(data, m, m.subject)
    )


def _sender_detail(data: MailData, rng: random.Random) -> Draft:
    message = rng.choice(_asked_about(data))
    detail = rng.choice((_PHONE, _TITLE))
    return build_sender_question(
        data,
        message,
        intent=(
            f"What is the {detail} of the person who sent me the email \u201c{message.subject}"
            f"\u201d? Look it up in my contacts and answer with the {detail}."
        ),
        what=f"the subject \u201c{message.subject}\u201d",
        short="that email",
        query=message.subject,
        title=detail == _TITLE,
    )


@functools.cache
def _latest_from_contacts(data: MailData) -> tuple[tuple[Contact, Message], ...]:
    """Each contact who wrote (and has nothing in Trash, which would leave "most recent"
    open), with their newest email, where a search for their name lists no other email
    of its subject."""
    found = []
    for email, messages in sorted(_senders(data).items()):
        contact = data.contact_by_email(email)
        latest = max(messages, key=lambda m: m.sent_at)
        if contact is not None and _found_once(data, latest, contact.name):
            found.append((contact, latest))
    return tuple(found)


def _reply_latest(data: MailData, rng: random.Random) -> Draft:
    contact, latest = rng.choice(_latest_from_contacts(data))
    return build_reply(data, contact, latest, rng.choice(REPLIES))


def _everyone(message: Message) -> set[str]:
    return {message.sender_email, *message.recipients} - {USER.email}


@functools.cache
def _shared(data: MailData) -> tuple[Message, ...]:
    """Emails with several people on them that a search for their subject finds alone."""
    return tuple(
        m for m in _received(data) if len(_everyone(m)) > 1 and _found_once(data, m, m.subject)
    )


def _reply_all(data: MailData, rng: random.Random) -> Draft:
    message = rng.choice(_shared(data))
    text = rng.choice(REPLIES)
    sender = message.sender_name
    return build_reply_all(
        data,
        message,
        text,
        intent=(
            f"Reply to everyone on {sender}'s email \u201c{message.subject}\u201d with the "
            f'message: "{text}"'
        ),
        about=f"{sender}'s email \u201c{message.subject}\u201d",
        query=message.subject,
    )


def _file_from_sender(data: MailData, rng: random.Random) -> Draft:
    senders = _senders(data)
    email = _choose(rng, sorted(senders))
    targets = senders[email]
    folders = ["inbox", "archive", "projects", "trash"]
    if data.contact_by_email(email) is None:
        folders.append("receipts")  # a shop's mail may go to Receipts; a person's not
    folder = rng.choice(folders)
    who, name = _who(data, email)
    if not _apart(data, name, frozenset(m.id for m in targets)):
        raise Unfit(f"a search for {name} does not set their emails apart")
    if all(m.folder == folder for m in targets):
        raise Unfit(f"every email from {name} is in {folder} already")
    if folder == "trash":
        return build_delete(
            data,
            f"Delete all the emails from {who}, wherever they are. Keep everything else.",
            name,
            f"email from {name}",
            f"emails from {name}",
            targets,
        )
    return build_move(data, who, name, targets, folder)


@dataclass(frozen=True)
class _Selection:
    """Which of a sender's emails a star task asks for, as the intent and milestones say it."""

    keep: Callable[[Message], bool]
    adjective: str
    where: str
    clause: str


def _selections(messages: list[Message], *, binned: bool) -> list[_Selection]:
    """The ways to select some of a sender's emails: the unread ones, the read ones,
    those in one folder, or all of them. A selection leaves some out (except "every
    email"); a sender with mail in Trash is only selected by folder."""
    chosen = []
    if not binned:
        chosen.append(_Selection(lambda m: True, "", "", ""))
    if not binned and any(m.read for m in messages) and any(not m.read for m in messages):
        chosen.append(_Selection(lambda m: not m.read, "unread ", "", " that I haven't read yet"))
        chosen.append(_Selection(lambda m: m.read, "read ", "", " that I have already read"))
    folders = sorted({m.folder for m in messages})
    if len(folders) > 1 or binned:
        for folder in folders:
            label = FOLDERS[folder]
            chosen.append(
                _Selection(
                    lambda m, f=folder: m.folder == f,
                    "",
                    f" in {label}",
                    f" that is in my {label} folder",
                )
            )
    return chosen


def _star_from_sender(data: MailData, rng: random.Random) -> Draft:
    senders = _senders(data, trashed=True)
    email = _choose(rng, sorted(senders))
    messages = senders[email]
    binned = email not in _senders(data)
    selection = rng.choice(_selections(messages, binned=binned))
    targets = [m for m in messages if selection.keep(m)]
    who, name = _who(data, email)
    if all(m.starred for m in targets):
        raise Unfit("everything asked for is starred already")
    if not _apart(data, name, frozenset(m.id for m in targets)):
        raise Unfit(f"a search for {name} does not set the selected emails apart")
    return build_star(
        data,
        name,
        targets,
        adjective=selection.adjective,
        where=selection.where,
        intent=f"Star every email from {who}{selection.clause}. Don't star anything else.",
    )


@functools.cache
def _movable(data: MailData) -> tuple[Message, ...]:
    """Messages out of the Inbox that their folder's page lists alone under their subject
    (sent mail and drafts stay where they are)."""
    return tuple(
        m
        for m in data.messages
        if m.folder in ("archive", "projects", "receipts", "trash")
        and m.sender_email != USER.email
        and sum(o.subject == m.subject and o.folder == m.folder for o in data.messages) == 1
    )


def _move_message(data: MailData, rng: random.Random) -> Draft:
    movable = _movable(data)
    target = rng.choice(movable)
    folder = rng.choice(
        [f for f in ("inbox", "archive", "projects", "receipts") if f != target.folder]
    )
    sender, label = target.sender_name, FOLDERS[folder]
    subject = f"\u201c{target.subject}\u201d"
    if target.folder == "trash":
        intent = (
            f"I deleted the email {subject} from {sender} by mistake. Put it back in my {label}."
        )
        what = f"The deleted email {subject}"
    else:
        source = FOLDERS[target.folder]
        intent = f"Move the email {subject} from {sender}, now in {source}, to {label}."
        what = f"The email {subject}"
    return build_refile(data, target, folder, intent=intent, what=what)


def _draft_to_company(data: MailData, rng: random.Random) -> Draft:
    companies = sorted({c.company for c in data.contacts} - {"Freelance"})
    subject, body = rng.choice(REQUESTS)
    return build_draft(data, rng.choice(companies), subject, body)


def _invite_contacts(data: MailData, rng: random.Random) -> Draft:
    a, b, c = rng.sample(data.contacts, 3)
    subject, body = rng.choice(INVITATIONS)
    return build_invite(data, a, b, c, subject, body)


@dataclass(frozen=True)
class _Invoice:
    vendor: str
    period: str
    message: Message
    family: tuple[Message, ...]  # the vendor's invoices, among which this one is found


def _invoices(data: MailData) -> list[_Invoice]:
    """The invoices a forward can ask for, each by its vendor and billing month."""
    months = ("january", "february", "march")
    cobalt = tuple(data.message(f"invoice-{month}") for month in months)
    found = [
        _Invoice("Cobalt Print Co.", f"{month.capitalize()} 2026", invoice, cobalt)
        for month, invoice in zip(months, cobalt, strict=True)
    ]
    tidewater = data.message("invoice-tidewater")
    return [*found, _Invoice("Tidewater Logistics", "February 2026", tidewater, (tidewater,))]


def _forward_invoice(data: MailData, rng: random.Random) -> Draft:
    invoice = rng.choice(_invoices(data))
    to = rng.choice(FORWARD_TO)
    return build_forward(
        data,
        invoice.message,
        list(invoice.family),
        to,
        vendor=invoice.vendor,
        period=invoice.period,
    )


def _amount(message: Message) -> int:
    found = _TOTAL.search(message.body)
    amount = parse_amount(found.group(1)) if found else None
    if amount is None:
        raise ValueError(f"receipt {message.id} states no total")
    return amount


def _receipts_between(data: MailData, rng: random.Random) -> Draft:
    sender = rng.choice(sorted(_SHOPS))
    shop, short = _SHOPS[sender]
    start = TODAY.date() - timedelta(days=rng.randint(4, 50))
    end = start + timedelta(days=rng.randint(3, 30))
    if end > TODAY.date():
        raise Unfit("the window ends after today")
    receipts = [
        m
        for m in data.messages
        if m.folder == "receipts" and m.sender_email == sender and start <= m.sent_at.date() <= end
    ]
    if not receipts:
        raise Unfit(f"no {shop} receipt from {start} to {end}")
    first, last = long_date(start, year=False), long_date(end, year=False)
    return build_receipts(
        data,
        receipts,
        sum(_amount(m) for m in receipts),
        intent=(
            f"How much did I spend at {shop} from {first} to {last} (both days included), "
            "according to the receipts in my Receipts folder? Answer with the amount in "
            "dollars and cents."
        ),
        shop=short,
        window=(start, end),
    )


def _schedule_change(data: MailData, rng: random.Random) -> Draft:
    schedule: Schedule = rng.choice(data.schedules)
    event = rng.choice(sorted(schedule.final))
    slot = schedule.final[event]
    thread = [data.message(key) for key in schedule.keys]
    week = f"{schedule.week:%B} {schedule.week.day}"
    query = f"studio schedule week of {week}"
    newest = search_results(data.messages, query, data.names)
    if not newest or newest[0].id != thread[-1].id:
        raise Unfit(f"a search for {query!r} does not list the thread's latest word first")
    opening = f"The studio schedule for the week of {week} was changed in an email thread."
    if rng.random() < 0.5:
        question = (
            f"On what date does the {event} take place now? Answer with the date (YYYY-MM-DD)."
        )
        return build_thread_question(
            data, thread, intent=f"{opening} {question}", query=query, day=slot.day
        )
    question = f"At what time does the {event} start now? Answer with the time (like 3:30 PM)."
    return build_thread_question(
        data,
        thread,
        intent=f"{opening} {question}",
        query=query,
        day=slot.day,
        time=(slot.hour, slot.minute),
    )


TEMPLATES: tuple[Template[MailData], ...] = (
    Template(
        "mail-sender-detail",
        "train",
        "What is the {phone number|job title} of the person who sent me the email “{subject}”? "
        "Look it up in my contacts and answer with the {phone number|job title}.",
        _sender_detail,
    ),
    Template(
        "mail-reply-latest",
        "train",
        'Reply to the most recent email from {contact} with the message: "{text}"',
        _reply_latest,
    ),
    Template(
        "mail-reply-all",
        "train",
        'Reply to everyone on {sender}\'s email “{subject}” with the message: "{text}"',
        _reply_all,
    ),
    Template(
        "mail-file-from-sender",
        "train",
        "Move every email from {sender} into the {folder} folder, wherever it is now. Don't "
        "move anything else. | Delete all the emails from {sender}, wherever they are. Keep "
        "everything else.",
        _file_from_sender,
    ),
    Template(
        "mail-star-from-sender",
        "train",
        "Star every email from {sender}[ that I haven't read yet| that is in my {folder} "
        "folder]. Don't star anything else.",
        _star_from_sender,
    ),
    Template(
        "mail-move-message",
        "train",
        "Move the email “{subject}” from {sender}, now in {folder}, to {folder}. | I deleted the "
        "email “{subject}” from {sender} by mistake. Put it back in my {folder}.",
        _move_message,
    ),
    Template(
        "mail-draft-to-company",
        "train",
        'Write one email to all the {company} people in my contacts with the subject "{subject}" '
        'and the message "{body}". Don\'t send it: save it as a draft.',
        _draft_to_company,
    ),
    Template(
        "mail-invite-contacts",
        "train",
        "Send an email to {contact}, with {contact} and {contact} in Cc. Their addresses are in "
        'my contacts. Subject: "{subject}". Message: "{body}"',
        _invite_contacts,
    ),
    Template(
        "mail-forward-invoice",
        "test",
        "Forward the {vendor} invoice for {month} to {address}.",
        _forward_invoice,
    ),
    Template(
        "mail-receipts-between",
        "test",
        "How much did I spend at {shop} from {date} to {date} (both days included), according "
        "to the receipts in my Receipts folder? Answer with the amount in dollars and cents.",
        _receipts_between,
    ),
    Template(
        "mail-schedule-change",
        "test",
        "The studio schedule for the week of {week} was changed in an email thread. {On what "
        "date does|At what time does} the {event} {take place|start} now? Answer with the …",
        _schedule_change,
    ),
)
