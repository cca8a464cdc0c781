"""The webmail's tasks, built from the seeded mailbox so expected outcomes are exact.

Each task is a story in the mailbox (`data.py`): a quote whose sender's phone number
is asked for, a client whose latest email needs a reply, an analyst whose emails go
to Projects... Milestones are states every sensible solution passes through (the
right messages listed, the right message opened, the right form open, the right
change made), and success checks the final state exactly: the right change and no
other one, nothing sent that should not be, and for questions the right answer read
leniently (case, spacing, formatting).

Checks are closures over the task's facts that read only `MailState` and the answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date

from mira_agent.sites.answers import (
    money,
    names_one,
    normalize,
    parse_amount,
    parse_day,
    parse_phone,
    says,
)
from mira_agent.sites.base import Milestone, Task
from mira_agent.sites.mail.data import (
    ACCOUNTING,
    FOLDERS,
    USER,
    Contact,
    MailData,
    Message,
    clock,
    long_day,
)
from mira_agent.sites.mail.facts import (
    Delete,
    Forward,
    Invite,
    Meeting,
    Move,
    Phone,
    Receipts,
    ReceiptsBetween,
    Refile,
    Reply,
    ReplyAll,
    Restore,
    SaveDraft,
    Star,
    StarSome,
    Title,
)
from mira_agent.sites.mail.state import PURGED, MailState
from mira_agent.sites.specs import Draft, Spec, answered
from mira_agent.sites.specs import build_tasks as build

SITE = "mail"
START = "/folder/inbox"
Check = Callable[[MailState], bool]
Success = Callable[[MailState, str | None], bool]

# -- what checks ask of the state ----------------------------------------------------


def listed(state: MailState) -> set[int]:
    """Every message id some search or folder page has listed."""
    ids: set[int] = set()
    for search in state.searches:
        ids.update(search.message_ids)
    for view in state.folder_views:
        ids.update(view.message_ids)
    return ids


def contacts_shown(state: MailState) -> set[int]:
    ids: set[int] = set()
    for view in state.contact_views:
        ids.update(view.contact_ids)
    return ids


def untouched(state: MailState) -> bool:
    """Nothing moved, deleted, starred, sent or drafted: what a question must leave."""
    return not (state.folder_changes() or state.star_changes() or state.sent or state.drafts_saved)


def writing_new(state: MailState) -> bool:
    """A compose form for a new message (not a reply or forward) has been opened."""
    return any(v.mode == "new" for v in state.compose_views)


def no_filing(state: MailState) -> bool:
    """No message moved, deleted or (un)starred."""
    return not state.folder_changes() and not state.star_changes()


def sent_one(right: Callable[[Message], bool]) -> Success:
    """Success for a task that sends one message: exactly one sent, the right one, and
    no message filed along the way."""

    def success(state: MailState, answer: str | None) -> bool:
        sent = state.sent
        return len(sent) == 1 and right(sent[0]) and no_filing(state)

    return success


def _folder_of(state: MailState, message_id: int) -> str:
    message = state.message(message_id)
    return message.folder if message is not None else PURGED


def _count_in(state: MailState, ids: Iterable[int], folders: tuple[str, ...]) -> int:
    return sum(1 for i in ids if _folder_of(state, i) in folders)


def _emails(count: int, adjective: str = "") -> str:
    """3 unread emails, 1 email: a count of emails as an outcome says it."""
    return f"{count} {adjective}email{'' if count == 1 else 's'}"


def listing(data: MailData, ids: set[int], text: str) -> list[Milestone]:
    """The milestone of having listed `ids`, unless the start page (the Inbox) lists them
    all already: a milestone done on arrival tells nothing."""
    if all(data.message_by_id(i).folder == "inbox" for i in ids):
        return []
    return [Milestone(text, lambda s: ids <= listed(s))]


# -- the builders: one per kind of task, taking what a fixed task or a template draws ------


def _clock_of(answer: str | None) -> tuple[int, int] | None:
    """The one time of day in an answer (2 PM, 2:30 pm, 14:30), else None."""
    if not answer:
        return None
    text = answer.casefold()
    found: set[tuple[int, int]] = set()
    for hour, minute, half in re.findall(r"\b(\d{1,2})(?::(\d{2}))?\s*([ap])\.?\s*m\b\.?", text):
        if 1 <= int(hour) <= 12:
            found.add((int(hour) % 12 + (12 if half == "p" else 0), int(minute or 0)))
    text = re.sub(r"\b\d{1,2}(?::\d{2})?\s*[ap]\.?\s*m\b\.?", " ", text)
    for hour, minute in re.findall(r"\b(\d{1,2}):(\d{2})\b", text):
        found.add((int(hour), int(minute)))
    return found.pop() if len(found) == 1 else None


def build_sender_question(
    data: MailData, message: Message, *, intent: str, what: str, short: str, query: str, title: bool
) -> Draft:
    """The phone number (or job title) of a message's sender, read in the contacts: the
    message is found by `query` and named in milestones as `what` ("the quote for ...")
    and `short` ("the quote")."""
    sender = data.contact_by_email(message.sender_email)
    assert sender is not None, message.sender_email
    titles = {c.title for c in data.contacts}
    phone = re.sub(r"\D", "", sender.phone)
    expected = sender.title if title else sender.phone
    kind = Title if title else Phone
    facts = kind(query=query, subject=message.subject, sender=sender.name, expected_answer=expected)

    def correct(answer: str | None) -> bool:
        if title:
            return names_one(answer, sender.title, titles)
        return parse_phone(answer) == phone

    return Draft(
        intent=intent,
        milestones=[
            *listing(data, {message.id}, f"The email with {what} is listed"),
            Milestone(
                f"The contacts list shows the sender of {short}",
                lambda s: sender.id in contacts_shown(s),
            ),
        ],
        success=answered(correct, untouched),
        facts=facts,
        tags=("information", "search", "contacts"),
        start_path=START,
        outcome=expected,
    )


def _phone_task(data: MailData) -> Draft:
    return build_sender_question(
        data,
        data.message("quote"),
        intent=(
            "What is the phone number of the person who sent me the quote for the office kitchen "
            "renovation? Look it up in my contacts and answer with the phone number."
        ),
        what="the quote for the office kitchen renovation",
        short="the quote",
        query="kitchen renovation",
        title=False,
    )


def _writing_reply(message: Message) -> Check:
    def writing(state: MailState) -> bool:
        return any(
            v.ref == message.id and v.mode in ("reply", "reply_all") for v in state.compose_views
        )

    return writing


def build_reply(data: MailData, contact: Contact, latest: Message, text: str) -> Draft:
    """Reply to `latest`, the newest email from `contact`, with `text`, to them alone."""

    def replied(state: MailState) -> bool:
        return any(m.in_reply_to == latest.id and contact.email in m.to for m in state.sent)

    def right(reply: Message) -> bool:
        return (
            reply.in_reply_to == latest.id
            and reply.to == (contact.email,)
            and not reply.cc
            and says(reply.body, text)
        )

    return Draft(
        intent=f'Reply to the most recent email from {contact.name} with the message: "{text}"',
        milestones=[
            Milestone(
                f"{contact.name}'s latest email is open",
                lambda s: latest.id in s.opened,
            ),
            Milestone("A reply to that email is being written", _writing_reply(latest)),
            Milestone(f"The reply is sent to {contact.name}", replied),
        ],
        success=sent_one(right),
        facts=Reply(query=contact.name, subject=latest.subject, text=text),
        tags=("action", "search", "reply"),
        start_path=START,
        outcome=f"replied \u201c{text}\u201d to {contact.name}'s \u201c{latest.subject}\u201d",
    )


def _reply_task(data: MailData) -> Draft:
    text = str(data.facts["client_reply"])
    return build_reply(data, data.roles.client, data.message("client-3"), text)


def build_forward(
    data: MailData, target: Message, family: list[Message], to: str, *, vendor: str, period: str
) -> Draft:
    """Forward `target`, the `period` invoice among `vendor`'s (`family`), to `to` alone."""
    ids = [m.id for m in family]
    month = period.split()[0]

    def any_opened(state: MailState) -> bool:
        return any(i in state.opened for i in ids)

    def forwarding(state: MailState) -> bool:
        return any(v.mode == "forward" and v.ref == target.id for v in state.compose_views)

    def forwarded(state: MailState) -> bool:
        return any(m.forward_of == target.id and to in m.to for m in state.sent)

    def right(m: Message) -> bool:
        return m.forward_of == target.id and m.to == (to,) and not m.cc

    return Draft(
        intent=f"Forward the {vendor} invoice for {period} to {to}.",
        milestones=[
            Milestone(f"An invoice from {vendor} is open", any_opened),
            Milestone(
                f"The {period} invoice from {vendor} is open",
                lambda s: target.id in s.opened,
            ),
            Milestone(f"The {month} invoice is being forwarded", forwarding),
            Milestone(f"The {month} invoice is forwarded to {to}", forwarded),
        ],
        success=sent_one(right),
        facts=Forward(query="invoice", subject=target.subject, to=to),
        tags=("action", "search", "forward"),
        start_path=START,
        outcome=f"forwarded \u201c{target.subject}\u201d to {to}",
    )


def _forward_task(data: MailData) -> Draft:
    target = data.message("invoice-february")
    family = [m for m in data.keyed("invoice-") if m.sender_email == target.sender_email]
    return build_forward(
        data, target, family, ACCOUNTING, vendor="Cobalt Print Co.", period="February 2026"
    )


def _in_folder(ids: set[int], folders: tuple[str, ...]) -> Check:
    """Whether every one of `ids` is in one of `folders` (purged counts as its own)."""
    return lambda s: _count_in(s, ids, folders) == len(ids)


def build_move(data: MailData, who: str, name: str, targets: list[Message], folder: str) -> Draft:
    """Move every email from one sender (`who` in the intent, `name` in milestones) into
    `folder`; those already there stay, and milestones count the ones to move."""
    ids = {m.id for m in targets}
    pending = {m.id for m in targets if m.folder != folder}
    label = FOLDERS[folder]

    def success(state: MailState, answer: str | None) -> bool:
        changes = state.folder_changes()
        return (
            set(changes) == pending
            and all(target == folder for _, target in changes.values())
            and not state.star_changes()
            and not state.sent
        )

    def moved(state: MailState) -> int:
        return _count_in(state, pending, (folder,))

    already = len(ids) - len(pending)
    half = (len(pending) + 1) // 2
    # No count in the wording (how many there are, how many are there already): that is
    # for the agent to find.
    steps = listing(data, ids, f"Every email from {name} has been listed")
    if len(pending) > 1:
        steps.append(
            Milestone(f"One of {name}'s emails is moved to {label}", lambda s: moved(s) >= 1)
        )
    if 1 < half < len(pending):
        steps.append(
            Milestone(
                f"At least half of {name}'s emails are moved to {label}",
                lambda s: moved(s) >= half,
            )
        )
    steps.append(Milestone(f"Every email from {name} is in {label}", _in_folder(ids, (folder,))))
    return Draft(
        intent=(
            f"Move every email from {who} into the {label} folder, wherever it is now. "
            "Don't move anything else."
        ),
        milestones=steps,
        success=success,
        facts=Move(query=name, subjects=tuple(m.subject for m in targets), folder=label),
        tags=("action", "search", "move", "long"),
        start_path=START,
        outcome=f"moved {_emails(len(pending))} from {name} to {label}"
        + (f" ({already} already there)" if already else ""),
    )


def _move_task(data: MailData) -> Draft:
    analyst = data.roles.analyst
    targets = [m for m in data.keyed("analyst-") if m.sender_email == analyst.email]
    return build_move(data, analyst.name, analyst.name, targets, "projects")


def build_delete(
    data: MailData, intent: str, query: str, one: str, many: str, targets: list[Message]
) -> Draft:
    """Delete every one of `targets` (`one` and `many` name them in milestones: "Trailhead
    Weekly newsletter(s)"), wherever they are, and nothing else."""
    ids = {m.id for m in targets}
    gone = ("trash", PURGED)

    def success(state: MailState, answer: str | None) -> bool:
        changes = state.folder_changes()
        return (
            set(changes) == ids
            and all(target in gone for _, target in changes.values())
            and not state.star_changes()
            and not state.sent
        )

    steps = [
        *listing(data, ids, f"All the {many} have been listed"),
        Milestone(f"One {one} is deleted", lambda s: _count_in(s, ids, gone) >= 1),
    ]
    if len(ids) > 2:
        steps.append(
            Milestone(
                f"At least half of the {many} are deleted",
                lambda s: _count_in(s, ids, gone) >= (len(ids) + 1) // 2,
            )
        )
    if len(ids) > 1:
        steps.append(Milestone(f"All the {many} are deleted", _in_folder(ids, gone)))
    return Draft(
        intent=intent,
        milestones=steps,
        success=success,
        facts=Delete(query=query, subjects=tuple(m.subject for m in targets)),
        tags=("action", "search", "delete", "long"),
        start_path=START,
        outcome=f"deleted {len(ids)} {many if len(ids) > 1 else one}",
    )


def _newsletter_task(data: MailData) -> Draft:
    return build_delete(
        data,
        "Delete all the Trailhead Weekly newsletters from Trailhead Outfitters "
        "(news@trailhead.example), wherever they are. Keep their order and receipt emails "
        "and everything else.",
        "Trailhead Weekly",
        "Trailhead Weekly newsletter",
        "Trailhead Weekly newsletters",
        data.keyed("news-"),
    )


def build_thread_question(
    data: MailData,
    thread: list[Message],
    *,
    intent: str,
    query: str,
    day: date,
    time: tuple[int, int] | None = None,
) -> Draft:
    """A question answered by a thread's latest word: the date something takes place now
    (`day`), or with `time`, the time it starts now."""
    latest = thread[-1]
    ids = {m.id for m in thread}
    expected = day.isoformat() if time is None else clock(*time)

    def correct(answer: str | None) -> bool:
        if time is None:
            return parse_day(answer, day.year) == day
        return _clock_of(answer) == time

    return Draft(
        intent=intent,
        milestones=[
            Milestone("An email of the thread is open", lambda s: bool(ids & set(s.opened))),
            Milestone("The latest email of the thread is open", lambda s: latest.id in s.opened),
        ],
        success=answered(correct, untouched),
        facts=Meeting(
            query=query,
            subject=thread[0].subject,
            expected_answer=expected,
            expected_day=long_day(day),
        ),
        tags=("information", "search", "thread"),
        start_path=START,
        outcome=expected,
    )


def _meeting_task(data: MailData) -> Draft:
    final = data.facts["meeting_final"]
    assert isinstance(final, date)
    return build_thread_question(
        data,
        data.keyed("meeting-"),
        intent=(
            "The quarterly review with Meadowlark Foods was rescheduled in an email thread. On "
            "what date does it take place now? Answer with the date (YYYY-MM-DD)."
        ),
        query="quarterly review",
        day=final,
    )


def build_invite(
    data: MailData, a: Contact, b: Contact, c: Contact, subject: str, body: str
) -> Draft:
    """Send one new email to `a` with `b` and `c` in Cc, addresses looked up in contacts."""

    def sent_right(m: Message) -> bool:
        return m.to == (a.email,) and set(m.cc) == {b.email, c.email} and len(m.cc) == 2

    def right(m: Message) -> bool:
        return sent_right(m) and normalize(m.subject) == normalize(subject) and says(m.body, body)

    return Draft(
        intent=(
            f"Send an email to {a.name}, with {b.name} and {c.name} in Cc. Their addresses are in "
            f'my contacts. Subject: "{subject}". Message: "{body}"'
        ),
        milestones=[
            Milestone(f"The contacts list shows {a.name}", lambda s: a.id in contacts_shown(s)),
            Milestone(
                f"The contacts list has shown {b.name} and {c.name}",
                lambda s: {b.id, c.id} <= contacts_shown(s),
            ),
            Milestone("A new email is being written", writing_new),
            Milestone(
                f"An email is sent to {a.name} with {b.name} and {c.name} in Cc",
                lambda s: any(sent_right(m) for m in s.sent),
            ),
        ],
        success=sent_one(right),
        facts=Invite(to=(a.name,), cc=(b.name, c.name), subject=subject, body=body),
        tags=("action", "contacts", "compose", "long"),
        start_path=START,
        outcome=f"\u201c{subject}\u201d sent to {a.name}, Cc {b.name} and {c.name}",
    )


def _invite_task(data: MailData) -> Draft:
    a, b, c = data.facts["invitees"]  # type: ignore[misc]
    subject = str(data.facts["invite_subject"])
    return build_invite(data, a, b, c, subject, str(data.facts["invite_body"]))


def _star_facts(name: str, targets: list[Message], *, plain_unread: bool) -> Star:
    """What the oracle follows: starring every unread row of the sender's (the fixed
    task's way) when that is the selection and none of it is starred yet; else the
    selected emails by subject."""
    if plain_unread and not any(m.starred for m in targets):
        return Star(query=name, sender=name)
    return StarSome(query=name, sender=name, subjects=tuple(m.subject for m in targets))


def build_star(
    data: MailData, name: str, targets: list[Message], *, adjective: str, where: str, intent: str
) -> Draft:
    """Star `targets`, the emails from `name` the intent selects ("unread " ones, or
    those `where` " in Archive"); ones already starred stay as they are."""
    pending = {m.id for m in targets if not m.starred}
    ids = {m.id for m in targets}

    def starred(state: MailState) -> int:
        return sum(1 for i in pending if state.star_changes().get(i))

    def success(state: MailState, answer: str | None) -> bool:
        changes = state.star_changes()
        return (
            set(changes) == pending
            and all(changes.values())
            and not state.folder_changes()
            and not state.sent
        )

    steps = listing(data, ids, f"Every {adjective}email from {name}{where} has been listed")
    if len(pending) > 1:
        steps.append(
            Milestone(
                f"One {adjective}email from {name}{where} is starred", lambda s: starred(s) >= 1
            )
        )
    steps.append(
        Milestone(
            f"Every {adjective}email from {name}{where} is starred",
            lambda s: starred(s) == len(pending),
        )
    )
    already = len(ids) - len(pending)
    return Draft(
        intent=intent,
        milestones=steps,
        success=success,
        facts=_star_facts(name, targets, plain_unread=adjective == "unread " and not where),
        tags=("action", "search", "star"),
        start_path=START,
        outcome=f"starred {_emails(len(pending), adjective)} from {name}{where}"
        + (f" ({already} already starred)" if already else ""),
    )


def _star_task(data: MailData) -> Draft:
    teammate = data.roles.teammate
    unread = [
        m
        for m in data.messages
        if m.sender_email == teammate.email and not m.read and m.folder != "trash"
    ]
    return build_star(
        data,
        teammate.name,
        unread,
        adjective="unread ",
        where="",
        intent=(
            f"Star every email from {teammate.name} that I haven't read yet. "
            "Don't star anything else."
        ),
    )


def build_reply_all(
    data: MailData, message: Message, text: str, *, intent: str, about: str, query: str
) -> Draft:
    """Reply to everyone on `message` (its sender and every other recipient) with `text`;
    `about` names the message in the first milestone."""
    everyone = {message.sender_email, *message.recipients} - {USER.email}

    def to_all(m: Message) -> bool:
        return m.in_reply_to == message.id and set(m.recipients) == everyone

    def right(m: Message) -> bool:
        return to_all(m) and len(m.recipients) == len(everyone) and says(m.body, text)

    return Draft(
        intent=intent,
        milestones=[
            Milestone(f"{about} is open", lambda s: message.id in s.opened),
            Milestone("A reply to that email is being written", _writing_reply(message)),
            Milestone(
                "The reply is sent to the sender and everyone in Cc",
                lambda s: any(to_all(m) for m in s.sent),
            ),
        ],
        success=sent_one(right),
        facts=ReplyAll(query=query, subject=message.subject, text=text),
        tags=("action", "search", "reply-all"),
        start_path=START,
        outcome=(
            f"replied \u201c{text}\u201d to all {len(everyone)} on \u201c{message.subject}\u201d"
        ),
    )


def _reply_all_task(data: MailData) -> Draft:
    lawyer = data.roles.lawyer
    text = str(data.facts["lease_reply"])
    return build_reply_all(
        data,
        data.message("lease"),
        text,
        intent=(
            f"{lawyer.name} asked who will attend the lease renewal signing. Reply to everyone on "
            f'that email with the message: "{text}"'
        ),
        about=f"{lawyer.name}'s email about the lease signing",
        query="lease renewal",
    )


def build_receipts(
    data: MailData,
    receipts: list[Message],
    total: int,
    *,
    intent: str,
    shop: str,
    window: tuple[date, date] | None = None,
) -> Draft:
    """The total of `receipts` (all `shop`'s receipts in the Receipts folder, or those of
    `window`), each opened to read its amount."""
    ids = {m.id for m in receipts}

    def opened(state: MailState) -> int:
        return len(ids & set(state.opened))

    steps = [
        Milestone(
            f"The {shop} receipts in the Receipts folder are listed", lambda s: ids <= listed(s)
        ),
        Milestone(f"A {shop} receipt from the Receipts folder is open", lambda s: opened(s) >= 1),
    ]
    if 1 < len(ids) // 2 < len(ids):
        steps.append(
            Milestone(
                f"About half of the {shop} receipts have been opened",
                lambda s: opened(s) >= len(ids) // 2,
            )
        )
    if len(ids) > 1:
        steps.append(
            Milestone(
                f"All the {shop} receipts in Receipts have been opened",
                lambda s: opened(s) == len(ids),
            )
        )
    facts: Receipts = Receipts("Receipts", receipts[0].subject, len(ids), money(total))
    if window is not None:
        start, end = (d.isoformat() for d in window)
        facts = ReceiptsBetween("Receipts", receipts[0].subject, len(ids), money(total), start, end)
    return Draft(
        intent=intent,
        milestones=steps,
        success=answered(lambda answer: parse_amount(answer) == total, untouched),
        facts=facts,
        tags=("information", "folders", "arithmetic", "long"),
        start_path=START,
        outcome=money(total),
    )


def _receipts_task(data: MailData) -> Draft:
    return build_receipts(
        data,
        [m for m in data.keyed("brightwater-") if m.folder == "receipts"],
        int(data.facts["brightwater_total"]),  # type: ignore[call-overload]
        intent=(
            "How much have I spent at Brightwater Office Supply in total, according to the "
            "receipts in my Receipts folder? Answer with the amount in dollars and cents."
        ),
        shop="Brightwater",
    )


def build_refile(data: MailData, target: Message, folder: str, *, intent: str, what: str) -> Draft:
    """Move one message from the folder it is in to `folder` (out of Trash: restore it);
    `what` names it in milestones ("The deleted construction schedule email")."""
    source = target.folder
    label = FOLDERS[folder]
    short = what.removeprefix("The deleted ").removeprefix("The ")
    place = "the Inbox" if folder == "inbox" else f"the {label} folder"
    back = "back " if source == "trash" else ""

    def success(state: MailState, answer: str | None) -> bool:
        return (
            state.folder_changes() == {target.id: (source, folder)}
            and not state.star_changes()
            and not state.sent
        )

    return Draft(
        intent=intent,
        milestones=[
            Milestone(
                f"The {FOLDERS[source]} folder is listed",
                lambda s: any(v.folder == source for v in s.folder_views),
            ),
            Milestone(f"{what} is open", lambda s: target.id in s.opened),
            Milestone(
                f"The {short} is {back}in {place}", lambda s: _folder_of(s, target.id) == folder
            ),
        ],
        success=success,
        facts=Restore(subject=target.subject, folder=label)
        if source == "trash"
        else Refile(subject=target.subject, folder=label, source=FOLDERS[source]),
        tags=("action", "folders", "move"),
        start_path=START,
        outcome=f"moved \u201c{target.subject}\u201d from {FOLDERS[source]} to {label}",
    )


def _restore_task(data: MailData) -> Draft:
    builder = data.roles.builder
    return build_refile(
        data,
        data.message("restore"),
        "inbox",
        intent=(
            f"I deleted {builder.name}'s email with the signed construction schedule by mistake. "
            "Put it back in my Inbox."
        ),
        what="The deleted construction schedule email",
    )


def build_draft(data: MailData, company: str, subject: str, body: str) -> Draft:
    """One draft (saved, not sent) to everyone at `company` in the contacts."""
    people = [c for c in data.contacts if c.company == company]
    emails = {c.email for c in people}
    ids = {c.id for c in people}

    def addressed(m: Message) -> bool:
        return set(m.recipients) == emails and len(m.recipients) == len(emails)

    def complete(m: Message) -> bool:
        return addressed(m) and normalize(m.subject) == normalize(subject) and says(m.body, body)

    def success(state: MailState, answer: str | None) -> bool:
        return any(complete(m) for m in state.drafts_saved) and not state.sent and no_filing(state)

    return Draft(
        intent=(
            f"Write one email to all the {company} people in my contacts with the subject "
            f'"{subject}" and the message "{body}". Don\'t send it: save it as a draft.'
        ),
        milestones=[
            Milestone(
                f"The contacts list has shown everyone at {company}",
                lambda s: ids <= contacts_shown(s),
            ),
            Milestone("A new email is being written", writing_new),
            Milestone(
                f"A draft to all the {company} contacts with the requested subject and message "
                "is saved",
                lambda s: any(complete(m) for m in s.drafts_saved),
            ),
        ],
        success=success,
        facts=SaveDraft(company=company, subject=subject, body=body),
        tags=("action", "contacts", "compose", "draft", "long"),
        start_path=START,
        outcome=f"draft \u201c{subject}\u201d to the {len(ids)} {company} contacts saved",
    )


def _draft_task(data: MailData) -> Draft:
    company = data.roles.crate_company
    subject, body = str(data.facts["crate_subject"]), str(data.facts["crate_body"])
    return build_draft(data, company, subject, body)


SPECS: tuple[Spec[MailData], ...] = (
    Spec("mail-quote-sender-phone", "train", _phone_task),
    Spec("mail-reply-latest-from-client", "train", _reply_task),
    Spec("mail-move-analyst-to-projects", "train", _move_task),
    Spec("mail-delete-trailhead-newsletters", "train", _newsletter_task),
    Spec("mail-star-unread-from-teammate", "train", _star_task),
    Spec("mail-restore-deleted-schedule", "train", _restore_task),
    Spec("mail-draft-to-tidewater", "train", _draft_task),
    Spec("mail-forward-february-invoice", "test", _forward_task),
    Spec("mail-rescheduled-review-date", "test", _meeting_task),
    Spec("mail-invite-three-contacts", "test", _invite_task),
    Spec("mail-reply-all-lease-signing", "test", _reply_all_task),
    Spec("mail-brightwater-receipts-total", "test", _receipts_task),
)


def build_tasks(data: MailData) -> list[Task]:
    """All mail tasks for this mailbox, in the table's order."""
    return build(SITE, SPECS, data)
