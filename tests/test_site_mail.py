"""The mail sandbox site without a browser: pages through `app.handle`, checks on state.

These tests specify what agents and task checks rely on: a deterministic mailbox,
pages that show and record what the state holds, forms that refuse bad input with
the error next to the field, and task checks that pass for the right outcome and
fail for a wrong recipient, message, folder or answer, or for one change too many.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import date

import pytest

from mira_agent.sites.answers import parse_amount
from mira_agent.sites.base import Task
from mira_agent.sites.mail import MailSite
from mira_agent.sites.mail.data import ACCOUNTING, USER, MailData, Message
from mira_agent.sites.mail.forms import parse_addresses
from mira_agent.sites.mail.state import PURGED
from mira_agent.sites.web import Request, Response


@pytest.fixture(scope="module")
def shared_site() -> MailSite:
    return MailSite(seed=0)


@pytest.fixture
def site(shared_site: MailSite) -> MailSite:
    shared_site.reset()
    return shared_site


def get(site: MailSite, path: str, **query: str) -> Response:
    return site.app.handle(Request("GET", path, {k: [v] for k, v in query.items()}))


def post(site: MailSite, path: str, **form: str) -> Response:
    return site.app.handle(Request("POST", path, form={k: [v] for k, v in form.items()}))


def text(response: Response) -> str:
    return response.body.decode()


def task(site: MailSite, task_id: str) -> Task:
    return next(t for t in site.tasks() if t.id == task_id)


def send(site: MailSite, **fields: str) -> Response:
    return post(site, "/compose", action="send", **fields)


def move(site: MailSite, message: Message, folder: str) -> Response:
    return post(site, f"/message/{message.id}/move", folder=folder)


# -- data ----------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_mailbox_and_tasks() -> None:
    one, two = MailData(7), MailData(7)
    assert one.messages == two.messages
    assert one.contacts == two.contacts
    assert [t.intent for t in MailSite(7).tasks()] == [t.intent for t in MailSite(7).tasks()]


def test_another_seed_gives_another_mailbox() -> None:
    one, two = MailData(0), MailData(1)
    assert [c.phone for c in one.contacts] != [c.phone for c in two.contacts]
    assert [m.sent_at for m in one.messages] != [m.sent_at for m in two.messages]


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_the_mailbox_is_a_realistic_size_with_every_folder_in_use(seed: int) -> None:
    data = MailData(seed)
    folders = {m.folder for m in data.messages}
    assert 40 <= len(data.messages) <= 80
    assert folders >= {"inbox", "sent", "drafts", "archive", "projects", "receipts", "trash"}
    assert len({m.sent_at for m in data.messages}) == len(data.messages)  # no ties for "latest"
    assert len({c.email for c in data.contacts}) == len(data.contacts)


def test_there_are_eleven_to_thirteen_tasks_with_a_fixed_split() -> None:
    tasks = MailSite(0).tasks()
    assert 11 <= len(tasks) <= 13
    assert len({t.id for t in tasks}) == len(tasks)
    assert all(t.id.startswith("mail-") and t.site == "mail" for t in tasks)
    assert sum(t.split == "test" for t in tasks) >= 4
    assert sum("long" in t.tags for t in tasks) >= 4
    assert all(2 <= len(t.milestones) <= 6 for t in tasks)
    assert [t.split for t in tasks] == [t.split for t in MailSite(5).tasks()]


def test_no_milestone_is_done_before_the_agent_does_anything(site: MailSite) -> None:
    for t in site.tasks():
        assert t.progress(site.state) == [False] * len(t.milestones), t.id


# -- pages -----------------------------------------------------------------------------


def test_the_home_page_redirects_to_the_inbox(site: MailSite) -> None:
    response = get(site, "/")
    assert (response.status, response.location) == (303, "/folder/inbox")


def test_the_inbox_lists_its_messages_newest_first_and_records_the_view(site: MailSite) -> None:
    page = text(get(site, "/folder/inbox"))
    inbox = sorted(site.state.in_folder("inbox"), key=lambda m: m.sent_at, reverse=True)
    subjects = re.findall(r'<td class="subject"><a href="[^"]*">([^<]*)</a>', page)
    assert subjects == [m.subject.replace("'", "&#39;") for m in inbox]
    unread = sum(not m.read for m in inbox)
    assert f"{len(inbox)} messages, {unread} unread." in page
    assert site.state.folder_views[-1].message_ids == tuple(m.id for m in inbox)


def test_a_folder_can_be_sorted_oldest_first(site: MailSite) -> None:
    get(site, "/folder/archive", sort="oldest")
    view = site.state.folder_views[-1]
    dates = [site.state.message(i).sent_at for i in view.message_ids]  # type: ignore[union-attr]
    assert view.sort == "oldest" and dates == sorted(dates)


@pytest.mark.parametrize(
    "path", ["/folder/spam", "/message/999", "/nowhere", "/compose?draft=1", "/compose?reply=999"]
)
def test_unknown_pages_and_messages_are_404(site: MailSite, path: str) -> None:
    route, _, query = path.partition("?")
    params = dict(p.split("=") for p in query.split("&")) if query else {}
    response = get(site, route, **params)
    assert response.status == 404
    assert "Page not found" in text(response)


def test_search_matches_sender_subject_and_body_but_not_trash(site: MailSite) -> None:
    data = site.data
    get(site, "/search", q="kitchen renovation")
    assert data.message("quote").id in site.state.searches[-1].message_ids
    get(site, "/search", q=data.roles.analyst.name)
    found = set(site.state.searches[-1].message_ids)
    assert {m.id for m in data.keyed("analyst-")} <= found  # the sender, the body, the To
    get(site, "/search", q="construction schedule")
    assert data.message("restore").id not in site.state.searches[-1].message_ids


def test_an_empty_search_explains_what_to_type(site: MailSite) -> None:
    response = get(site, "/search", q="  ")
    assert response.status == 400
    assert "Type a name" in text(response)
    assert not site.state.searches


def test_opening_a_message_marks_it_read_and_shows_its_headers(site: MailSite) -> None:
    lease = site.data.message("lease")
    assert not lease.read
    page = text(get(site, f"/message/{lease.id}"))
    assert site.state.message(lease.id).read  # type: ignore[union-attr]
    assert site.state.opened == (lease.id,)
    assert lease.subject in page and lease.sender_email in page
    for address in lease.cc:
        assert address in page
    post(site, f"/message/{lease.id}/unread", back="/folder/inbox")
    assert not site.state.message(lease.id).read  # type: ignore[union-attr]


def test_a_message_shows_the_rest_of_its_conversation(site: MailSite) -> None:
    first, *later = site.data.keyed("meeting-")
    page = text(get(site, f"/message/{first.id}"))
    assert f"Conversation ({1 + len(later)} messages)" in page
    for message in later:
        assert f"/message/{message.id}?" in page


def test_moving_a_message_records_it_and_returns_to_the_list_with_a_notice(
    site: MailSite,
) -> None:
    message = site.data.message("analyst-3")
    response = post(site, f"/message/{message.id}/move", folder="projects", back="/search?q=Diego")
    assert response.status == 303
    assert response.location == "/search?q=Diego&notice=moved-projects"
    assert site.state.folder_changes() == {message.id: ("inbox", "projects")}
    assert "Message moved to Projects." in text(
        get(site, "/search", q="Diego", notice="moved-projects")
    )


def test_moving_without_a_folder_shows_the_error_next_to_the_control(site: MailSite) -> None:
    message = site.data.message("analyst-3")
    response = post(site, f"/message/{message.id}/move", folder="")
    assert response.status == 422
    assert "Choose a folder to move the message to." in text(response)
    assert 'aria-invalid="true"' in text(response)
    assert not site.state.folder_changes()


def test_a_back_address_to_another_site_is_ignored(site: MailSite) -> None:
    message = site.data.message("analyst-3")
    response = post(site, f"/message/{message.id}/archive", back="//evil.example/")
    assert response.location == "/folder/inbox?notice=archived"


def test_delete_moves_to_trash_and_only_trash_deletes_for_good(site: MailSite) -> None:
    message = site.data.message("news-4")
    assert post(site, f"/message/{message.id}/purge").status == 409
    post(site, f"/message/{message.id}/delete")
    assert site.state.message(message.id).folder == "trash"  # type: ignore[union-attr]
    post(site, f"/message/{message.id}/purge")
    assert site.state.message(message.id) is None
    assert site.state.folder_changes() == {message.id: ("inbox", PURGED)}


def test_the_star_button_toggles_and_returns_to_the_page(site: MailSite) -> None:
    message = site.data.message("teammate-4")
    response = post(site, f"/message/{message.id}/star", back="/folder/inbox")
    assert response.location == "/folder/inbox"
    assert site.state.star_changes() == {message.id: True}
    assert f'aria-label="Unstar: {message.subject}"' in text(get(site, "/folder/inbox"))
    post(site, f"/message/{message.id}/unstar")
    assert site.state.star_changes() == {}


def test_reply_and_reply_all_fill_in_the_recipients(site: MailSite) -> None:
    lease = site.data.message("lease")
    reply = text(get(site, "/compose", reply=str(lease.id)))
    assert f'value="{lease.sender_email}"' in reply
    assert f'value="Re: {lease.subject}"' in reply
    everyone = text(get(site, "/compose", reply=str(lease.id), all="1"))
    assert f'value="{", ".join(lease.cc)}"' in everyone
    assert [(v.mode, v.ref) for v in site.state.compose_views] == [
        ("reply", lease.id),
        ("reply_all", lease.id),
    ]


def test_a_bad_address_is_refused_with_the_error_next_to_the_field(site: MailSite) -> None:
    response = send(site, to="Sam Ortiz, ok@example.com", subject="Hi", body="Hello")
    page = text(response)
    assert response.status == 422
    assert "\u201cSam Ortiz\u201d is not a valid email address." in page
    assert re.search(r'id="to"[^>]*aria-invalid="true"', page)
    assert 'value="Sam Ortiz, ok@example.com"' in page  # what was typed stays
    assert not site.state.sent
    assert site.state.rejections[-1].fields == ("to",)


def test_sending_needs_a_recipient_a_subject_and_a_message(site: MailSite) -> None:
    response = send(site, to="", subject="", body="")
    page = text(response)
    assert response.status == 422
    for error in ("Add at least one recipient.", "Add a subject.", "Write a message."):
        assert error in page
    assert "3 problems to fix" in page


def test_a_sent_message_lands_in_sent(site: MailSite) -> None:
    response = send(
        site, to="Ana <ana@example.com>; bo@example.com", cc="", subject="Hi", body="Hello"
    )
    assert (response.status, response.location) == (303, "/folder/sent?notice=sent")
    (sent,) = site.state.sent
    assert sent.to == ("ana@example.com", "bo@example.com")
    assert sent.folder == "sent" and sent.sender_email == USER.email
    assert "Your message was sent." in text(get(site, "/folder/sent", notice="sent"))


def test_a_draft_can_be_saved_edited_and_sent(site: MailSite) -> None:
    response = post(site, "/compose", action="save", to="", subject="Plan", body="")
    assert response.location == "/folder/drafts?notice=saved"
    (draft,) = site.state.drafts_saved
    page = text(get(site, "/compose", draft=str(draft.id)))
    assert 'value="Plan"' in page
    post(
        site, "/compose", action="save", draft_id=str(draft.id), to="a@example.com", subject="Plan"
    )
    (again,) = site.state.drafts_saved
    assert again.id == draft.id and again.to == ("a@example.com",)
    send(site, draft_id=str(draft.id), to="a@example.com", subject="Plan", body="Go")
    assert site.state.message(draft.id) is None
    assert not site.state.drafts_saved and len(site.state.sent) == 1


def test_an_empty_draft_is_not_saved(site: MailSite) -> None:
    response = post(site, "/compose", action="save")
    assert response.status == 422
    assert "There is nothing to save yet." in text(response)


def test_contacts_can_be_searched_by_name_or_company(site: MailSite) -> None:
    page = text(get(site, "/contacts", q="tidewater"))
    people = [c for c in site.data.contacts if c.company == "Tidewater Logistics"]
    for contact in people:
        assert contact.email in page and contact.phone in page
    assert set(site.state.contact_views[-1].contact_ids) == {c.id for c in people}
    assert "No contacts match" in text(get(site, "/contacts", q="nobody-here"))


def test_reset_forgets_everything_the_agent_did(site: MailSite) -> None:
    get(site, "/search", q="invoice")
    get(site, "/contacts")
    message = site.data.message("news-4")
    get(site, f"/message/{message.id}")
    post(site, f"/message/{message.id}/delete")
    post(site, f"/message/{site.data.message('teammate-4').id}/star")
    send(site, to="a@example.com", subject="Hi", body="Hello")
    site.reset()
    state = site.state
    assert state.messages == tuple(sorted(site.data.messages, key=lambda m: (m.sent_at, m.id)))
    assert not (state.searches or state.opened or state.contact_views or state.sent)
    assert not (state.folder_changes() or state.star_changes() or state.moves)
    send(site, to="a@example.com", subject="Hi", body="Hello")
    assert state.sent[0].id == 1001  # new ids start over


def test_the_site_serves_over_http_on_loopback() -> None:
    with MailSite(0) as site:
        with urllib.request.urlopen(site.url + "/folder/inbox", timeout=10) as response:
            assert response.status == 200
            assert "Postbox" in response.read().decode()
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(site.url + "/message/4242", timeout=10)
        assert missing.value.code == 404


# -- reading answers -----------------------------------------------------------------


def test_addresses_are_parsed_from_names_and_separators() -> None:
    assert parse_addresses("A <A@X.example>, b@y.example; a@x.example") == (
        ("a@x.example", "b@y.example"),
        [],
    )
    assert parse_addresses("nobody, c@z.example") == (("c@z.example",), ["nobody"])


# -- task checks: the right outcome passes, a wrong one fails ------------------------------

Act = Callable[[MailSite], object]


def outcome(site: MailSite, task_id: str, *steps: Act, answer: str | None = None) -> bool:
    site.reset()
    for step in steps:
        step(site)
    return task(site, task_id).success(site.state, answer)


def test_the_phone_task_wants_the_quote_senders_number_and_nothing_changed(
    site: MailSite,
) -> None:
    sender = site.data.roles.contractor
    other = next(c for c in site.data.contacts if c.id != sender.id)
    digits = re.sub(r"\D", "", sender.phone)
    tid = "mail-quote-sender-phone"
    assert outcome(site, tid, answer=sender.phone)
    assert outcome(site, tid, answer=f"{digits[:3]}.{digits[3:6]}.{digits[6:]}")
    assert not outcome(site, tid, answer=other.phone)
    assert not outcome(site, tid, answer=None)
    quote = site.data.message("quote")
    assert not outcome(
        site, tid, lambda s: post(s, f"/message/{quote.id}/delete"), answer=sender.phone
    )


def test_the_phone_task_milestones_follow_the_search_and_the_contacts_page(
    site: MailSite,
) -> None:
    t = task(site, "mail-quote-sender-phone")
    get(site, "/search", q="kitchen")
    assert t.progress(site.state) == [True, False]
    get(site, "/contacts", q=site.data.roles.contractor.name)
    assert t.progress(site.state) == [True, True]


def reply_to(message: Message, body: str, *, everyone: bool = False, **extra: str) -> Act:
    def act(site: MailSite) -> None:
        query = {"reply": str(message.id)} | ({"all": "1"} if everyone else {})
        page = text(get(site, "/compose", **query))
        to = re.search(r'id="to" name="to" type="text" value="([^"]*)"', page).group(1)  # type: ignore[union-attr]
        cc = re.search(r'id="cc" name="cc" type="text" value="([^"]*)"', page).group(1)  # type: ignore[union-attr]
        fields = {"to": to, "cc": cc, "subject": f"Re: {message.subject}", "body": body}
        send(site, reply_to=str(message.id), **(fields | extra))

    return act


def test_the_reply_task_wants_the_text_sent_to_the_client_on_the_latest_email(
    site: MailSite,
) -> None:
    latest, older = site.data.message("client-3"), site.data.message("client-2")
    text_ = task(site, "mail-reply-latest-from-client").params["text"]
    tid = "mail-reply-latest-from-client"
    assert outcome(site, tid, reply_to(latest, f"Hi!\n\n{text_.lower()}\n\nJordan"))
    assert not outcome(site, tid, reply_to(older, text_))
    assert not outcome(site, tid, reply_to(latest, "Sounds good."))
    assert not outcome(site, tid, reply_to(latest, text_, cc="boss@larkspur.example"))
    assert not outcome(site, tid, reply_to(latest, text_), reply_to(latest, text_))
    t = task(site, tid)
    site.reset()
    get(site, f"/message/{latest.id}")
    get(site, "/compose", reply=str(latest.id))
    assert t.progress(site.state) == [True, True, False]


def test_the_reply_all_task_wants_everyone_on_the_email(site: MailSite) -> None:
    lease = site.data.message("lease")
    tid = "mail-reply-all-lease-signing"
    reply = task(site, tid).params["text"]
    assert outcome(site, tid, reply_to(lease, reply, everyone=True))
    assert not outcome(site, tid, reply_to(lease, reply))  # the sender only
    assert not outcome(site, tid, reply_to(lease, "I will be there", everyone=True))


def forward(message: Message, to: str, **extra: str) -> Act:
    def act(site: MailSite) -> None:
        get(site, f"/message/{message.id}")
        get(site, "/compose", forward=str(message.id))
        fields = {"to": to, "subject": f"Fwd: {message.subject}", "body": ""} | extra
        send(site, forward_of=str(message.id), **fields)

    return act


def test_the_forward_task_wants_the_february_invoice_sent_to_accounting(site: MailSite) -> None:
    tid = "mail-forward-february-invoice"
    february, march = site.data.message("invoice-february"), site.data.message("invoice-march")
    assert outcome(site, tid, forward(february, ACCOUNTING))
    assert not outcome(site, tid, forward(march, ACCOUNTING))
    assert not outcome(site, tid, forward(february, "accounts@larkspur.example"))
    assert not outcome(site, tid, forward(february, ACCOUNTING, cc="me@larkspur.example"))
    site.reset()
    forward(march, ACCOUNTING)(site)
    assert task(site, tid).progress(site.state) == [True, False, False, False]


def test_the_move_task_wants_exactly_the_analysts_emails_in_projects(site: MailSite) -> None:
    tid = "mail-move-analyst-to-projects"
    data = site.data
    mine = [m for m in data.keyed("analyst-") if m.sender_email == data.roles.analyst.email]
    lunch = data.message("analyst-lunch")

    def move_all(site: MailSite) -> None:
        for message in mine:
            move(site, message, "projects")

    assert outcome(site, tid, move_all)
    assert not outcome(site, tid, move_all, lambda s: move(s, lunch, "projects"))
    assert not outcome(site, tid, lambda s: [move(s, m, "projects") for m in mine[:-1]])
    assert not outcome(
        site,
        tid,
        lambda s: [move(s, m, "projects") for m in mine[:-1]],
        lambda s: move(s, mine[-1], "archive"),
    )
    site.reset()
    get(site, "/search", q=data.roles.analyst.name)
    move(site, mine[0], "projects")
    move(site, mine[1], "projects")
    assert task(site, tid).progress(site.state) == [True, True, True, False]


def test_the_newsletter_task_wants_every_newsletter_deleted_and_the_orders_kept(
    site: MailSite,
) -> None:
    tid = "mail-delete-trailhead-newsletters"
    letters = site.data.keyed("news-")
    order = site.data.message("trailhead-order")

    def delete_all(site: MailSite) -> None:
        for message in letters:
            post(site, f"/message/{message.id}/delete")

    assert outcome(site, tid, delete_all)
    assert outcome(site, tid, delete_all, lambda s: post(s, f"/message/{letters[0].id}/purge"))
    assert not outcome(site, tid, delete_all, lambda s: post(s, f"/message/{order.id}/delete"))
    assert not outcome(site, tid, lambda s: post(s, f"/message/{letters[0].id}/delete"))
    assert not outcome(site, tid, lambda s: [move(s, m, "archive") for m in letters[1:]])


def test_the_star_task_wants_exactly_the_unread_emails_starred(site: MailSite) -> None:
    tid = "mail-star-unread-from-teammate"
    teammate = site.data.roles.teammate
    theirs = [m for m in site.data.messages if m.sender_email == teammate.email]
    unread = [m for m in theirs if not m.read]
    read = [m for m in theirs if m.read]
    assert unread and read

    def star(messages: list[Message]) -> Act:
        return lambda s: [post(s, f"/message/{m.id}/star") for m in messages]

    assert outcome(site, tid, star(unread))
    assert outcome(site, tid, lambda s: [get(s, f"/message/{m.id}") for m in unread], star(unread))
    assert not outcome(site, tid, star(unread + read[:1]))
    assert not outcome(site, tid, star(unread[:-1]))


def test_the_restore_task_wants_the_schedule_back_in_the_inbox(site: MailSite) -> None:
    tid = "mail-restore-deleted-schedule"
    schedule = site.data.message("restore")
    junk = site.data.message("junk-1")
    assert outcome(site, tid, lambda s: move(s, schedule, "inbox"))
    assert not outcome(site, tid, lambda s: move(s, schedule, "archive"))
    assert not outcome(
        site, tid, lambda s: move(s, schedule, "inbox"), lambda s: move(s, junk, "inbox")
    )


def test_the_draft_task_wants_a_saved_unsent_draft_to_the_three_people(site: MailSite) -> None:
    tid = "mail-draft-to-tidewater"
    params = task(site, tid).params
    emails = [c.email for c in site.data.contacts if c.company == params["company"]]
    fields = {"subject": params["subject"], "body": params["body"]}

    def write(action: str, to: list[str]) -> Act:
        return lambda s: post(s, "/compose", action=action, to=", ".join(to), **fields)

    assert outcome(site, tid, write("save", emails))
    assert outcome(site, tid, write("save", list(reversed(emails))))
    assert not outcome(site, tid, write("send", emails))
    assert not outcome(site, tid, write("save", emails[:-1]))
    assert not outcome(site, tid, write("save", emails), write("send", emails))


def test_the_invite_task_wants_the_right_people_in_to_and_cc(site: MailSite) -> None:
    tid = "mail-invite-three-contacts"
    params = task(site, tid).params
    a, b, c = site.data.facts["invitees"]  # type: ignore[misc]
    namesake = next(
        x
        for x in site.data.contacts
        if x.id != a.id and (x.first == a.first or x.name.split()[1] == a.name.split()[1])
    )
    fields = {"subject": params["subject"], "body": params["body"]}

    def invite(to: str, cc: str) -> Act:
        return lambda s: send(s, to=to, cc=cc, **fields)

    assert outcome(site, tid, invite(a.email, f"{c.email}, {b.email}"))
    assert not outcome(site, tid, invite(f"{a.email}, {b.email}, {c.email}", ""))
    assert not outcome(site, tid, invite(namesake.email, f"{b.email}, {c.email}"))
    assert not outcome(
        site, tid, lambda s: send(s, to=a.email, cc=f"{b.email}, {c.email}", subject="Hi", body="x")
    )


def test_the_meeting_task_wants_the_final_date_and_nothing_changed(site: MailSite) -> None:
    tid = "mail-rescheduled-review-date"
    final = site.data.facts["meeting_final"]
    second = site.data.facts["meeting_second"]
    assert isinstance(final, date) and isinstance(second, date)
    assert outcome(site, tid, answer=final.isoformat())
    assert outcome(site, tid, answer=f"{final:%A}, {final:%B} {final.day}")
    assert not outcome(site, tid, answer=second.isoformat())
    assert not outcome(site, tid, answer=f"{second.isoformat()} or {final.isoformat()}")
    assert not outcome(
        site, tid, reply_to(site.data.keyed("meeting-")[-1], "ok"), answer=final.isoformat()
    )


def test_the_receipts_task_wants_the_total_of_the_receipts_folder_only(site: MailSite) -> None:
    tid = "mail-brightwater-receipts-total"
    total = site.data.facts["brightwater_total"]
    assert isinstance(total, int)
    inbox_receipt = site.data.message("brightwater-inbox")
    extra = parse_amount(re.search(r"Total charged: (\$[\d.,]+)", inbox_receipt.body).group(1))  # type: ignore[union-attr]
    assert extra is not None
    assert outcome(site, tid, answer=f"${total / 100:,.2f}")
    assert outcome(site, tid, answer=f"{total / 100:.2f} dollars")
    assert not outcome(site, tid, answer=f"${(total + extra) / 100:,.2f}")
    assert not outcome(site, tid, answer=f"${(total - 1) / 100:,.2f}")
