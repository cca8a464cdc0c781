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

from mira_agent.sites.answers import money, normalize, parse_amount, parse_day, parse_phone, says
from mira_agent.sites.base import Milestone, Task
from mira_agent.sites.mail.data import ACCOUNTING, MailData, Message, long_day
from mira_agent.sites.mail.facts import (
    Delete,
    Forward,
    Invite,
    Meeting,
    Move,
    Phone,
    Receipts,
    Reply,
    ReplyAll,
    Restore,
    SaveDraft,
    Star,
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


# -- the tasks -------------------------------------------------------------------------


def _phone_task(data: MailData) -> Draft:
    quote = data.message("quote")
    sender = data.roles.contractor
    phone = re.sub(r"\D", "", sender.phone)

    success = answered(lambda answer: parse_phone(answer) == phone, untouched)

    return Draft(
        intent=(
            "What is the phone number of the person who sent me the quote for the office kitchen "
            "renovation? Look it up in my contacts and answer with the phone number."
        ),
        milestones=[
            Milestone(
                "The email with the quote for the office kitchen renovation is listed",
                lambda s: quote.id in listed(s),
            ),
            Milestone(
                f"The contacts list shows {sender.name}, who sent the quote",
                lambda s: sender.id in contacts_shown(s),
            ),
        ],
        success=success,
        facts=Phone(
            query="kitchen renovation",
            subject=quote.subject,
            sender=sender.name,
            expected_answer=sender.phone,
        ),
        tags=("information", "search", "contacts"),
        start_path=START,
    )


def _reply_task(data: MailData) -> Draft:
    client = data.roles.client
    latest = data.message("client-3")
    text = str(data.facts["client_reply"])

    def opened(state: MailState) -> bool:
        return latest.id in state.opened

    def writing(state: MailState) -> bool:
        return any(
            v.ref == latest.id and v.mode in ("reply", "reply_all") for v in state.compose_views
        )

    def replied(state: MailState) -> bool:
        return any(m.in_reply_to == latest.id and client.email in m.to for m in state.sent)

    def right(reply: Message) -> bool:
        return (
            reply.in_reply_to == latest.id
            and reply.to == (client.email,)
            and not reply.cc
            and says(reply.body, text)
        )

    return Draft(
        intent=f'Reply to the most recent email from {client.name} with the message: "{text}"',
        milestones=[
            Milestone(
                f"{client.name}'s latest email, \u201c{latest.subject}\u201d, is open", opened
            ),
            Milestone("A reply to that email is being written", writing),
            Milestone(f"The reply is sent to {client.name}", replied),
        ],
        success=sent_one(right),
        facts=Reply(query=client.name, subject=latest.subject, text=text),
        tags=("action", "search", "reply"),
        start_path=START,
    )


def _forward_task(data: MailData) -> Draft:
    target = data.message("invoice-february")
    cobalt = [m.id for m in data.keyed("invoice-") if m.sender_email == target.sender_email]

    def any_opened(state: MailState) -> bool:
        return any(i in state.opened for i in cobalt)

    def forwarding(state: MailState) -> bool:
        return any(v.mode == "forward" and v.ref == target.id for v in state.compose_views)

    def forwarded(state: MailState) -> bool:
        return any(m.forward_of == target.id and ACCOUNTING in m.to for m in state.sent)

    def right(m: Message) -> bool:
        return m.forward_of == target.id and m.to == (ACCOUNTING,) and not m.cc

    return Draft(
        intent=f"Forward the Cobalt Print Co. invoice for February 2026 to {ACCOUNTING}.",
        milestones=[
            Milestone("An invoice from Cobalt Print Co. is open", any_opened),
            Milestone(
                f"The February 2026 invoice ({target.subject}) is open",
                lambda s: target.id in s.opened,
            ),
            Milestone("The February invoice is being forwarded", forwarding),
            Milestone(f"The February invoice is forwarded to {ACCOUNTING}", forwarded),
        ],
        success=sent_one(right),
        facts=Forward(query="invoice", subject=target.subject, to=ACCOUNTING),
        tags=("action", "search", "forward"),
        start_path=START,
    )


def _move_task(data: MailData) -> Draft:
    analyst = data.roles.analyst
    targets = [m for m in data.keyed("analyst-") if m.sender_email == analyst.email]
    ids = {m.id for m in targets}

    def success(state: MailState, answer: str | None) -> bool:
        changes = state.folder_changes()
        return (
            set(changes) == ids
            and all(target == "projects" for _, target in changes.values())
            and not state.star_changes()
            and not state.sent
        )

    half = (len(ids) + 1) // 2
    return Draft(
        intent=(
            f"Move every email from {analyst.name} into the Projects folder, wherever it is now. "
            "Don't move anything else."
        ),
        milestones=[
            Milestone(
                f"All {len(ids)} emails from {analyst.name} have been listed",
                lambda s: ids <= listed(s),
            ),
            Milestone(
                f"One of {analyst.name}'s emails is in Projects",
                lambda s: _count_in(s, ids, ("projects",)) >= 1,
            ),
            Milestone(
                f"At least {half} of {analyst.name}'s emails are in Projects",
                lambda s: _count_in(s, ids, ("projects",)) >= half,
            ),
            Milestone(
                f"All {len(ids)} of {analyst.name}'s emails are in Projects",
                lambda s: _count_in(s, ids, ("projects",)) == len(ids),
            ),
        ],
        success=success,
        facts=Move(
            query=analyst.name, subjects=tuple(m.subject for m in targets), folder="Projects"
        ),
        tags=("action", "search", "move", "long"),
        start_path=START,
    )


def _meeting_task(data: MailData) -> Draft:
    thread = data.keyed("meeting-")
    latest = thread[-1]
    final = data.facts["meeting_final"]
    assert isinstance(final, date)
    ids = {m.id for m in thread}

    success = answered(lambda answer: parse_day(answer, final.year) == final, untouched)

    return Draft(
        intent=(
            "The quarterly review with Meadowlark Foods was rescheduled in an email thread. On "
            "what date does it take place now? Answer with the date (YYYY-MM-DD)."
        ),
        milestones=[
            Milestone(
                "An email of the thread \u201cQuarterly review with Meadowlark Foods\u201d is open",
                lambda s: bool(ids & set(s.opened)),
            ),
            Milestone(
                f"The latest email of the thread (from {latest.sender_name}) is open",
                lambda s: latest.id in s.opened,
            ),
        ],
        success=success,
        facts=Meeting(
            query="quarterly review",
            subject=thread[0].subject,
            expected_answer=final.isoformat(),
            expected_day=long_day(final),
        ),
        tags=("information", "search", "thread"),
        start_path=START,
    )


def _invite_task(data: MailData) -> Draft:
    a, b, c = data.facts["invitees"]  # type: ignore[misc]
    subject = str(data.facts["invite_subject"])
    body = str(data.facts["invite_body"])

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
    )


def _newsletter_task(data: MailData) -> Draft:
    letters = data.keyed("news-")
    ids = {m.id for m in letters}
    gone = ("trash", PURGED)

    def success(state: MailState, answer: str | None) -> bool:
        changes = state.folder_changes()
        return (
            set(changes) == ids
            and all(target in gone for _, target in changes.values())
            and not state.star_changes()
            and not state.sent
        )

    return Draft(
        intent=(
            "Delete all the Trailhead Weekly newsletters from Trailhead Outfitters "
            "(news@trailhead.example), wherever they are. Keep their order and receipt emails "
            "and everything else."
        ),
        milestones=[
            Milestone(
                f"All {len(ids)} Trailhead Weekly newsletters have been listed",
                lambda s: ids <= listed(s),
            ),
            Milestone(
                "One Trailhead Weekly newsletter is deleted",
                lambda s: _count_in(s, ids, gone) >= 1,
            ),
            Milestone(
                "At least half of the Trailhead Weekly newsletters are deleted",
                lambda s: _count_in(s, ids, gone) >= (len(ids) + 1) // 2,
            ),
            Milestone(
                f"All {len(ids)} Trailhead Weekly newsletters are deleted",
                lambda s: _count_in(s, ids, gone) == len(ids),
            ),
        ],
        success=success,
        facts=Delete(query="Trailhead Weekly", subjects=tuple(m.subject for m in letters)),
        tags=("action", "search", "delete", "long"),
        start_path=START,
    )


def _star_task(data: MailData) -> Draft:
    teammate = data.roles.teammate
    unread = [
        m
        for m in data.messages
        if m.sender_email == teammate.email and not m.read and m.folder != "trash"
    ]
    ids = {m.id for m in unread}

    def starred(state: MailState) -> int:
        return sum(1 for i in ids if state.star_changes().get(i))

    def success(state: MailState, answer: str | None) -> bool:
        changes = state.star_changes()
        return (
            set(changes) == ids
            and all(changes.values())
            and not state.folder_changes()
            and not state.sent
        )

    return Draft(
        intent=(
            f"Star every email from {teammate.name} that I haven't read yet. "
            "Don't star anything else."
        ),
        milestones=[
            Milestone(
                f"{teammate.name}'s unread emails have been listed", lambda s: ids <= listed(s)
            ),
            Milestone(
                f"One unread email from {teammate.name} is starred", lambda s: starred(s) >= 1
            ),
            Milestone(
                f"All {len(ids)} unread emails from {teammate.name} are starred",
                lambda s: starred(s) == len(ids),
            ),
        ],
        success=success,
        facts=Star(query=teammate.name, sender=teammate.name),
        tags=("action", "search", "star"),
        start_path=START,
    )


def _reply_all_task(data: MailData) -> Draft:
    lease = data.message("lease")
    everyone = {lease.sender_email, *lease.cc}
    text = str(data.facts["lease_reply"])
    lawyer = data.roles.lawyer

    def to_all(m: Message) -> bool:
        return m.in_reply_to == lease.id and set(m.recipients) == everyone

    def right(m: Message) -> bool:
        return to_all(m) and len(m.recipients) == len(everyone) and says(m.body, text)

    return Draft(
        intent=(
            f"{lawyer.name} asked who will attend the lease renewal signing. Reply to everyone on "
            f'that email with the message: "{text}"'
        ),
        milestones=[
            Milestone(
                f"{lawyer.name}'s email about the lease signing is open",
                lambda s: lease.id in s.opened,
            ),
            Milestone(
                "A reply to that email is being written",
                lambda s: any(
                    v.ref == lease.id and v.mode in ("reply", "reply_all") for v in s.compose_views
                ),
            ),
            Milestone(
                "The reply is sent to the sender and everyone in Cc",
                lambda s: any(to_all(m) for m in s.sent),
            ),
        ],
        success=sent_one(right),
        facts=ReplyAll(query="lease renewal", subject=lease.subject, text=text),
        tags=("action", "search", "reply-all"),
        start_path=START,
    )


def _receipts_task(data: MailData) -> Draft:
    receipts = [m for m in data.keyed("brightwater-") if m.folder == "receipts"]
    ids = {m.id for m in receipts}
    total = int(data.facts["brightwater_total"])  # type: ignore[call-overload]

    def opened(state: MailState) -> int:
        return len(ids & set(state.opened))

    success = answered(lambda answer: parse_amount(answer) == total, untouched)

    return Draft(
        intent=(
            "How much have I spent at Brightwater Office Supply in total, according to the "
            "receipts in my Receipts folder? Answer with the amount in dollars and cents."
        ),
        milestones=[
            Milestone(
                "The Brightwater receipts in the Receipts folder are listed",
                lambda s: ids <= listed(s),
            ),
            Milestone(
                "A Brightwater receipt from the Receipts folder is open", lambda s: opened(s) >= 1
            ),
            Milestone(
                f"At least {len(ids) // 2} of the Brightwater receipts have been opened",
                lambda s: opened(s) >= len(ids) // 2,
            ),
            Milestone(
                f"All {len(ids)} Brightwater receipts in Receipts have been opened",
                lambda s: opened(s) == len(ids),
            ),
        ],
        success=success,
        facts=Receipts(
            folder="Receipts",
            subject=receipts[0].subject,
            count=len(ids),
            expected_answer=money(total),
        ),
        tags=("information", "folders", "arithmetic", "long"),
        start_path=START,
    )


def _restore_task(data: MailData) -> Draft:
    target = data.message("restore")
    builder = data.roles.builder

    def success(state: MailState, answer: str | None) -> bool:
        return (
            state.folder_changes() == {target.id: ("trash", "inbox")}
            and not state.star_changes()
            and not state.sent
        )

    return Draft(
        intent=(
            f"I deleted {builder.name}'s email with the signed construction schedule by mistake. "
            "Put it back in my Inbox."
        ),
        milestones=[
            Milestone(
                "The Trash folder is listed",
                lambda s: any(v.folder == "trash" for v in s.folder_views),
            ),
            Milestone(
                "The deleted construction schedule email is open", lambda s: target.id in s.opened
            ),
            Milestone(
                "The construction schedule email is back in the Inbox",
                lambda s: _folder_of(s, target.id) == "inbox",
            ),
        ],
        success=success,
        facts=Restore(subject=target.subject, folder="Inbox"),
        tags=("action", "folders", "move"),
        start_path=START,
    )


def _draft_task(data: MailData) -> Draft:
    company = data.roles.crate_company
    people = [c for c in data.contacts if c.company == company]
    emails = {c.email for c in people}
    ids = {c.id for c in people}
    subject = str(data.facts["crate_subject"])
    body = str(data.facts["crate_body"])

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
                f"A draft to the {len(ids)} {company} contacts with the requested subject and "
                "message is saved",
                lambda s: any(complete(m) for m in s.drafts_saved),
            ),
        ],
        success=success,
        facts=SaveDraft(company=company, subject=subject, body=body),
        tags=("action", "contacts", "compose", "draft", "long"),
        start_path=START,
    )


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
