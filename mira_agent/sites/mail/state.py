"""Everything done in the mailbox during one episode.

The state holds the live copy of every message (folder, read, starred) next to the
seeded original, so checks can ask what changed, and it logs what the agent looked
at: searches with the messages they listed, folders listed, messages opened, compose
forms opened, contacts shown. Request threads write concurrently, hence the lock;
checks read immutable snapshots.

New messages (sent mail and saved drafts) get ids from 1001 up, in order, so a
replayed episode numbers them the same way.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from mira_agent.sites.mail.data import TODAY, USER, MailData, Message

PURGED = "purged"
"""The folder a change report gives a message deleted from Trash for good."""

FIRST_NEW_ID = 1001


@dataclass(frozen=True)
class SearchRecord:
    """One search results page served: the query and the message ids it listed."""

    query: str
    message_ids: tuple[int, ...]


@dataclass(frozen=True)
class FolderView:
    folder: str
    sort: str
    message_ids: tuple[int, ...]


@dataclass(frozen=True)
class ComposeView:
    """A compose form served: ``new``, ``reply``, ``reply_all``, ``forward`` or ``draft``,
    and the message it answers, forwards or continues."""

    mode: str
    ref: int | None


@dataclass(frozen=True)
class ContactView:
    query: str
    contact_ids: tuple[int, ...]


@dataclass(frozen=True)
class Move:
    message_id: int
    source: str
    target: str


@dataclass(frozen=True)
class Outgoing:
    """What a compose form submits, to send or to keep as a draft (`draft_id`: the draft
    it was opened from, if any)."""

    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    body: str
    in_reply_to: int | None = None
    forward_of: int | None = None
    draft_id: int | None = None

    def message(self, message_id: int, folder: str, sent_at: datetime) -> Message:
        """The message it makes in `folder`, from the signed-in user."""
        return Message(
            id=message_id,
            folder=folder,
            sender_name=USER.name,
            sender_email=USER.email,
            to=self.to,
            cc=self.cc,
            sent_at=sent_at,
            subject=self.subject,
            body=self.body,
            in_reply_to=self.in_reply_to,
            forward_of=self.forward_of,
        )


@dataclass(frozen=True)
class Rejection:
    """A submission the site refused, and which fields were wrong."""

    page: str
    fields: tuple[str, ...]


class MailState:
    """The live mailbox and the record of one episode on it."""

    def __init__(self, data: MailData) -> None:
        self.data = data
        self._lock = threading.RLock()
        self.initial: dict[int, Message] = {m.id: m for m in data.messages}
        self.reset()

    def reset(self) -> None:
        """Back to the seeded mailbox, with nothing searched, opened or sent."""
        with self._lock:
            self._messages: dict[int, Message] = dict(self.initial)
            self._searches: list[SearchRecord] = []
            self._folder_views: list[FolderView] = []
            self._opened: list[int] = []
            self._compose_views: list[ComposeView] = []
            self._contact_views: list[ContactView] = []
            self._moves: list[Move] = []
            self._sent: list[int] = []
            self._sent_copies: dict[int, Message] = {}
            self._drafts_saved: list[int] = []
            self._rejections: list[Rejection] = []
            self._next_id = FIRST_NEW_ID

    # -- snapshots read by pages and checks --------------------------------------------

    @property
    def messages(self) -> tuple[Message, ...]:
        """Every message that still exists (purged ones are gone), oldest first."""
        with self._lock:
            return tuple(sorted(self._messages.values(), key=lambda m: (m.sent_at, m.id)))

    def message(self, message_id: int) -> Message | None:
        with self._lock:
            return self._messages.get(message_id)

    def in_folder(self, folder: str) -> list[Message]:
        return [m for m in self.messages if m.folder == folder]

    def unread_count(self, folder: str) -> int:
        return sum(1 for m in self.messages if m.folder == folder and not m.read)

    @property
    def searches(self) -> tuple[SearchRecord, ...]:
        with self._lock:
            return tuple(self._searches)

    @property
    def folder_views(self) -> tuple[FolderView, ...]:
        with self._lock:
            return tuple(self._folder_views)

    @property
    def opened(self) -> tuple[int, ...]:
        """Ids of the messages opened, in order (repeats included)."""
        with self._lock:
            return tuple(self._opened)

    @property
    def compose_views(self) -> tuple[ComposeView, ...]:
        with self._lock:
            return tuple(self._compose_views)

    @property
    def contact_views(self) -> tuple[ContactView, ...]:
        with self._lock:
            return tuple(self._contact_views)

    @property
    def moves(self) -> tuple[Move, ...]:
        with self._lock:
            return tuple(self._moves)

    @property
    def sent(self) -> tuple[Message, ...]:
        """Messages sent during the episode, in order."""
        with self._lock:
            return tuple(self._sent_message(i) for i in self._sent)

    @property
    def drafts_saved(self) -> tuple[Message, ...]:
        """Drafts created during the episode that still exist, as last saved."""
        with self._lock:
            found = (self._messages.get(i) for i in self._drafts_saved)
            return tuple(m for m in found if m is not None and m.folder == "drafts")

    @property
    def rejections(self) -> tuple[Rejection, ...]:
        with self._lock:
            return tuple(self._rejections)

    def folder_changes(self) -> dict[int, tuple[str, str]]:
        """Seeded messages now elsewhere: id -> (original folder, folder now or purged)."""
        with self._lock:
            changes = {}
            for message_id, original in self.initial.items():
                now = self._messages.get(message_id)
                where = now.folder if now is not None else PURGED
                if where != original.folder:
                    changes[message_id] = (original.folder, where)
            return changes

    def star_changes(self) -> dict[int, bool]:
        """Seeded messages whose star changed: id -> starred now."""
        with self._lock:
            changes = {}
            for message_id, original in self.initial.items():
                now = self._messages.get(message_id)
                if now is not None and now.starred != original.starred:
                    changes[message_id] = now.starred
            return changes

    # -- writes from request handlers ----------------------------------------------------

    def _sent_message(self, message_id: int) -> Message:
        return self._sent_copies[message_id]

    def record_search(self, query: str, message_ids: tuple[int, ...]) -> None:
        with self._lock:
            self._searches.append(SearchRecord(query, message_ids))

    def record_folder_view(self, folder: str, sort: str, message_ids: tuple[int, ...]) -> None:
        with self._lock:
            self._folder_views.append(FolderView(folder, sort, message_ids))

    def record_compose(self, mode: str, ref: int | None) -> None:
        with self._lock:
            self._compose_views.append(ComposeView(mode, ref))

    def record_contacts(self, query: str, contact_ids: tuple[int, ...]) -> None:
        with self._lock:
            self._contact_views.append(ContactView(query, contact_ids))

    def record_rejection(self, page: str, fields: tuple[str, ...]) -> None:
        with self._lock:
            self._rejections.append(Rejection(page, fields))

    def open(self, message_id: int) -> Message | None:
        """The message, now marked read, and the opening recorded."""
        with self._lock:
            message = self._messages.get(message_id)
            if message is None:
                return None
            self._opened.append(message_id)
            message = replace(message, read=True)
            self._messages[message_id] = message
            return message

    def set_read(self, message_id: int, read: bool) -> None:
        with self._lock:
            self._messages[message_id] = replace(self._messages[message_id], read=read)

    def set_starred(self, message_id: int, starred: bool) -> None:
        with self._lock:
            self._messages[message_id] = replace(self._messages[message_id], starred=starred)

    def move(self, message_id: int, target: str) -> None:
        with self._lock:
            message = self._messages[message_id]
            if message.folder == target:
                return
            self._moves.append(Move(message_id, message.folder, target))
            self._messages[message_id] = replace(message, folder=target)

    def purge(self, message_id: int) -> None:
        """Delete a message for good (only done from Trash)."""
        with self._lock:
            message = self._messages.pop(message_id)
            self._moves.append(Move(message_id, message.folder, PURGED))

    def _stamp(self) -> datetime:
        """The time a new message gets: "now", a minute later for each new message."""
        return TODAY + timedelta(minutes=self._next_id - FIRST_NEW_ID)

    def send(self, outgoing: Outgoing) -> Message:
        """Send a message (it lands in Sent); a draft it came from is used up."""
        with self._lock:
            draft = self._draft(outgoing.draft_id)
            if draft is not None:
                del self._messages[draft.id]
            message = outgoing.message(self._next_id, "sent", self._stamp())
            self._next_id += 1
            self._messages[message.id] = message
            self._sent_copies[message.id] = message
            self._sent.append(message.id)
            return message

    def save_draft(self, outgoing: Outgoing) -> Message:
        """Save a draft; saving an existing draft again replaces it under the same id."""
        with self._lock:
            existing = self._draft(outgoing.draft_id)
            if existing is not None:
                message_id, stamp = existing.id, existing.sent_at
            else:
                message_id, stamp = self._next_id, self._stamp()
                self._next_id += 1
                self._drafts_saved.append(message_id)
            message = outgoing.message(message_id, "drafts", stamp)
            self._messages[message_id] = message
            return message

    def _draft(self, draft_id: int | None) -> Message | None:
        """The draft a compose form was opened from, if it still is one."""
        message = self._messages.get(draft_id) if draft_id is not None else None
        return message if message is not None and message.folder == "drafts" else None
