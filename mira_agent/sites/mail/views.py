"""The webmail's pages: handlers that render templates and record in `MailState` what
the agent looked at and did. Every form follows post/redirect/get, and every action
on a message returns to the list it was opened from (its `back` address).
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from mira_agent.sites.mail.data import FOLDERS, MOVE_TARGETS, TODAY, USER, MailData, Message
from mira_agent.sites.mail.forms import validate_compose
from mira_agent.sites.mail.state import MailState, Outgoing
from mira_agent.sites.web import Request, Response, WebApp, redirect

SITE_TITLE = "Postbox"
SORTS: dict[str, str] = {"newest": "Newest first", "oldest": "Oldest first", "sender": "Sender"}
VIEWS: dict[str, str] = {**FOLDERS, "starred": "Starred"}
"""What the folder pages list: the real folders and the Starred view across them."""

NOTICES: dict[str, str] = {
    "archived": "Message archived.",
    "deleted": "Message moved to Trash.",
    "purged": "Message deleted forever.",
    "unread": "Message marked as unread.",
    "sent": "Your message was sent.",
    "saved": "Draft saved.",
    **{f"moved-{key}": f"Message moved to {label}." for key, label in FOLDERS.items()},
}
COMMANDS = ("archive", "delete", "purge", "move", "unread", "star", "unstar")


def when(moment: datetime) -> str:
    """A list date: the time for today's mail, else the day (Mar 14)."""
    if moment.date() == TODAY.date():
        return f"{moment.hour % 12 or 12}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"
    return f"{moment:%b} {moment.day}"


def full_date(moment: datetime) -> str:
    """Saturday, March 14, 2026 at 9:41 AM."""
    clock = f"{moment.hour % 12 or 12}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"
    return f"{moment:%A}, {moment:%B} {moment.day}, {moment.year} at {clock}"


def safe_back(value: str, default: str) -> str:
    """A same-site path to return to (never another host), else `default`."""
    if value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return default


def with_notice(url: str, notice: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}notice={notice}"


def _matches(message: Message, words: list[str], names: dict[str, str]) -> bool:
    people = [message.sender_name, message.sender_email]
    for address in message.recipients:
        people += [address, names.get(address, "")]
    haystack = " ".join([*people, message.subject, message.body]).casefold()
    return all(word in haystack for word in words)


def search_results(
    messages: tuple[Message, ...], query: str, names: dict[str, str], sort: str = "newest"
) -> list[Message]:
    """What a search for `query` lists: every message out of Trash whose people, subject
    or body hold all its words (names: address -> name, so a recipient's name counts)."""
    words = query.casefold().split()
    found = [m for m in messages if m.folder != "trash" and _matches(m, words, names)]
    return sort_messages(found, sort)


def sort_messages(messages: list[Message], sort: str) -> list[Message]:
    if sort == "oldest":
        return sorted(messages, key=lambda m: (m.sent_at, m.id))
    if sort == "sender":
        return sorted(messages, key=lambda m: (m.sender_name.casefold(), -m.sent_at.timestamp()))
    return sorted(messages, key=lambda m: (m.sent_at, m.id), reverse=True)


class MailApp(WebApp):
    """Routes requests to the webmail's pages over a seeded mailbox and an episode state."""

    def __init__(self, data: MailData, state: MailState) -> None:
        self.data = data
        self.state = state
        super().__init__(
            "mira_agent.sites.mail",
            home=("/folder/inbox", "Back to Inbox"),
            filters={
                "when": when,
                "full_date": full_date,
                "person": self.person,
                "name_of": self.display_name,
            },
            globals={
                "site_title": SITE_TITLE,
                "user": USER,
                "folders": FOLDERS,
                "views": VIEWS,
                "unread": state.unread_count,
                "sorts": SORTS,
            },
        )
        self.route("GET", r"/", lambda request: redirect("/folder/inbox"))
        self.route("GET", r"/folder/(?P<folder>[a-z]+)", self.folder)
        self.route("GET", r"/search", self.search)
        self.route("GET", r"/message/(?P<message_id>\d+)", self.message)
        self.route("POST", r"/message/(?P<message_id>\d+)/(?P<command>[a-z]+)", self.act)
        self.route("GET", r"/compose", self.compose)
        self.route("POST", r"/compose", self.submit_compose)
        self.route("GET", r"/contacts", self.contacts)

    # -- helpers for templates ---------------------------------------------------------

    def display_name(self, address: str) -> str:
        return self.data.names.get(address, address)

    def person(self, address: str) -> str:
        """Name <address> when the address book knows the name, else the address."""
        name = self.data.names.get(address)
        return f"{name} <{address}>" if name else address

    @staticmethod
    def _here(request: Request) -> str:
        """This page's address without its one-off notice, for `back` links."""
        query = {k: v for k, v in request.query.items() if k != "notice"}
        return request.path + ("?" + urlencode(query, doseq=True) if query else "")

    def _list_page(
        self,
        request: Request,
        *,
        heading: str,
        messages: list[Message],
        show_folder: bool,
        view: str,
        query: str = "",
    ) -> Response:
        return self.render(
            "folder.html",
            heading=heading,
            messages=messages,
            show_folder=show_folder,
            view=view,
            query=query,
            sort=request.arg("sort") if request.arg("sort") in SORTS else "newest",
            here=self._here(request),
            notice=NOTICES.get(request.arg("notice"), ""),
        )

    # -- lists -------------------------------------------------------------------------

    def folder(self, request: Request, folder: str) -> Response:
        if folder not in VIEWS:
            return self.not_found(f"There is no folder called \u201c{folder}\u201d.")
        sort = request.arg("sort") if request.arg("sort") in SORTS else "newest"
        if folder == "starred":
            found = [m for m in self.state.messages if m.starred and m.folder != "trash"]
        else:
            found = self.state.in_folder(folder)
        messages = sort_messages(found, sort)
        self.state.record_folder_view(folder, sort, tuple(m.id for m in messages))
        return self._list_page(
            request,
            heading=VIEWS[folder],
            messages=messages,
            show_folder=folder == "starred",
            view=folder,
        )

    def search(self, request: Request) -> Response:
        query = " ".join(request.arg("q").split())
        if not query:
            return self.render(
                "error.html",
                status=400,
                title="Nothing to search for",
                problems=["Type a name, an address or words from a message, then search."],
                back_url="/folder/inbox",
                back_text="Back to Inbox",
            )
        sort = request.arg("sort") if request.arg("sort") in SORTS else "newest"
        messages = search_results(self.state.messages, query, self.data.names, sort)
        self.state.record_search(query, tuple(m.id for m in messages))
        return self._list_page(
            request,
            heading=f"Search results for \u201c{query}\u201d",
            messages=messages,
            show_folder=True,
            view="search",
            query=query,
        )

    # -- one message -------------------------------------------------------------------

    def _message_page(
        self, message: Message, back: str, error: str = "", status: int = 200
    ) -> Response:
        conversation = sorted(
            (
                m
                for m in self.state.messages
                if m.thread == message.thread and m.folder not in ("trash", "drafts")
            ),
            key=lambda m: (m.sent_at, m.id),
        )
        contact = self.data.contact_by_email(message.sender_email)
        return self.render(
            "message.html",
            status=status,
            message=message,
            back=back,
            back_label=self._back_label(back),
            here=f"/message/{message.id}?" + urlencode({"back": back}),
            conversation=conversation if len(conversation) > 1 else [],
            contact=contact,
            targets=[(f, FOLDERS[f]) for f in MOVE_TARGETS if f != message.folder],
            error=error,
        )

    @staticmethod
    def _back_label(back: str) -> str:
        path = back.split("?", 1)[0]
        if path.startswith("/folder/") and path[8:] in VIEWS:
            return f"Back to {VIEWS[path[8:]]}"
        if path == "/search":
            return "Back to search results"
        return "Back"

    def message(self, request: Request, message_id: str) -> Response:
        found = self.state.message(int(message_id))
        if found is None:
            return self.not_found("This message doesn't exist or was deleted for good.")
        if found.folder == "drafts":
            return redirect(f"/compose?draft={found.id}")
        message = self.state.open(found.id)
        assert message is not None
        back = safe_back(request.arg("back"), f"/folder/{message.folder}")
        return self._message_page(message, back)

    def act(self, request: Request, message_id: str, command: str) -> Response:
        message = self.state.message(int(message_id))
        if message is None or command not in COMMANDS:
            return self.not_found("This message doesn't exist or was deleted for good.")
        back = safe_back(request.field("back"), f"/folder/{message.folder}")
        if command in ("star", "unstar"):
            self.state.set_starred(message.id, command == "star")
            return redirect(back)
        if command == "unread":
            self.state.set_read(message.id, False)
            return redirect(with_notice(back, "unread"))
        if command == "purge":
            if message.folder != "trash":
                return self._message_page(
                    message, back, "Only messages in Trash can be deleted forever.", 409
                )
            self.state.purge(message.id)
            return redirect(with_notice(back, "purged"))
        if command == "move":
            target = request.field("folder")
            if target not in MOVE_TARGETS or target == message.folder:
                self.state.record_rejection("move", ("folder",))
                return self._message_page(
                    message, back, "Choose a folder to move the message to.", 422
                )
        else:
            target = "archive" if command == "archive" else "trash"
        if message.folder in ("sent", "drafts") and target != "trash":
            return self._message_page(
                message, back, "Sent messages stay in Sent; they can only be deleted.", 409
            )
        self.state.move(message.id, target)
        notice = {"archive": "archived", "delete": "deleted"}.get(command, f"moved-{target}")
        return redirect(with_notice(back, notice))

    # -- compose -----------------------------------------------------------------------

    def _original(self, value: str) -> Message | None:
        return self.state.message(int(value)) if value.isdigit() else None

    def compose(self, request: Request) -> Response:
        values = {"to": request.arg("to"), "cc": "", "subject": "", "body": ""}
        hidden = {"reply_to": "", "forward_of": "", "draft_id": ""}
        quoted: Message | None = None
        mode, ref = "new", None
        draft = self._original(request.arg("draft"))
        reply = self._original(request.arg("reply"))
        forward = self._original(request.arg("forward"))
        if request.arg("draft") and (draft is None or draft.folder != "drafts"):
            return self.not_found("This draft doesn't exist any more.")
        if (request.arg("reply") and reply is None) or (request.arg("forward") and not forward):
            return self.not_found("The message you wanted to answer doesn't exist any more.")
        if draft is not None:
            mode, ref = "draft", draft.id
            values = {
                "to": ", ".join(draft.to),
                "cc": ", ".join(draft.cc),
                "subject": draft.subject,
                "body": draft.body,
            }
            hidden["draft_id"] = str(draft.id)
            if draft.in_reply_to is not None:
                hidden["reply_to"] = str(draft.in_reply_to)
                quoted = self.state.message(draft.in_reply_to)
            if draft.forward_of is not None:
                hidden["forward_of"] = str(draft.forward_of)
                quoted = self.state.message(draft.forward_of)
        elif reply is not None:
            everyone = request.arg("all") == "1"
            mode, ref, quoted = ("reply_all" if everyone else "reply"), reply.id, reply
            # Answering one's own sent message goes to its recipients again.
            to = list(reply.to) if reply.sender_email == USER.email else [reply.sender_email]
            cc = []
            if everyone:
                cc = [a for a in (*reply.to, *reply.cc) if a != USER.email and a not in to]
            subject = reply.subject
            values |= {
                "to": ", ".join(to),
                "cc": ", ".join(cc),
                "subject": subject if subject.lower().startswith("re:") else f"Re: {subject}",
            }
            hidden["reply_to"] = str(reply.id)
        elif forward is not None:
            mode, ref, quoted = "forward", forward.id, forward
            values["subject"] = f"Fwd: {forward.subject}"
            hidden["forward_of"] = str(forward.id)
        self.state.record_compose(mode, ref)
        return self.render(
            "compose.html", values=values, hidden=hidden, errors={}, quoted=quoted, mode=mode
        )

    def submit_compose(self, request: Request) -> Response:
        action = request.field("action")
        if action not in ("send", "save"):
            return self.render(
                "error.html",
                status=400,
                title="We couldn't tell what to do",
                problems=["Use the Send or Save draft button."],
                back_url="/compose",
                back_text="Back to compose",
            )
        reply = self._original(request.field("reply_to"))
        forward = self._original(request.field("forward_of"))
        draft_id = request.field("draft_id")
        result = validate_compose(request.form, sending=action == "send", forwarding=bool(forward))
        hidden = {
            "reply_to": str(reply.id) if reply else "",
            "forward_of": str(forward.id) if forward else "",
            "draft_id": draft_id if draft_id.isdigit() else "",
        }
        if not result.ok:
            self.state.record_rejection("compose", tuple(result.errors))
            mode = "forward" if forward else "reply" if reply else "new"
            return self.render(
                "compose.html",
                status=422,
                values=result.values,
                hidden=hidden,
                errors=result.errors,
                quoted=forward or reply,
                mode=mode,
            )
        outgoing = Outgoing(
            to=result.to,
            cc=result.cc,
            subject=result.values["subject"],
            body=result.values["body"],
            in_reply_to=reply.id if reply else None,
            forward_of=forward.id if forward else None,
            draft_id=int(draft_id) if draft_id.isdigit() else None,
        )
        if action == "send":
            self.state.send(outgoing)
            return redirect(with_notice("/folder/sent", "sent"))
        self.state.save_draft(outgoing)
        return redirect(with_notice("/folder/drafts", "saved"))

    # -- contacts ----------------------------------------------------------------------

    def contacts(self, request: Request) -> Response:
        query = " ".join(request.arg("q").split())
        words = query.casefold().split()
        shown = [
            c
            for c in self.data.contacts
            if all(
                w in f"{c.name} {c.email} {c.company} {c.title} {c.phone}".casefold() for w in words
            )
        ]
        self.state.record_contacts(query, tuple(c.id for c in shown))
        return self.render("contacts.html", contacts=shown, contact_query=query)
