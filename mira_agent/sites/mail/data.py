"""Deterministic mailbox for the webmail sandbox: the user, their contacts and messages.

Everything is drawn from `random.Random(seed)`: which contacts exist and their phone
numbers, who plays which part in the stories the tasks are about (the client whose
latest email needs a reply, the analyst whose emails go to Projects...), dates,
amounts and invoice numbers. Story messages are registered under a key so tasks can
find them again; the rest of the mailbox is everyday filler that shares no sender
and no tell-tale word with the stories, so a task's answer is never ambiguous.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from mira_agent.sites.answers import long_date, money

TODAY = datetime(2026, 3, 16, 9, 30)
"""The mailbox's fixed "now": message dates are shown relative to it."""

FOLDERS: dict[str, str] = {
    "inbox": "Inbox",
    "sent": "Sent",
    "drafts": "Drafts",
    "archive": "Archive",
    "projects": "Projects",
    "receipts": "Receipts",
    "trash": "Trash",
}
MOVE_TARGETS: tuple[str, ...] = ("inbox", "archive", "projects", "receipts", "trash")
"""Folders a message can be moved into (Sent and Drafts fill themselves)."""


@dataclass(frozen=True)
class Person:
    name: str
    email: str

    @property
    def first(self) -> str:
        return self.name.split()[0]


USER = Person("Jordan Ellis", "jordan.ellis@larkspur.example")
ACCOUNTING = "accounting@larkspur.example"


@dataclass(frozen=True)
class Contact:
    id: int
    name: str
    email: str
    phone: str
    company: str
    title: str

    @property
    def person(self) -> Person:
        return Person(self.name, self.email)

    @property
    def first(self) -> str:
        return self.name.split()[0]


_RE_PREFIX = re.compile(r"^\s*((re|fwd?)\s*:\s*)+", re.IGNORECASE)


def thread_key(subject: str) -> str:
    """The conversation a subject belongs to: without Re:/Fwd: prefixes, case-folded."""
    return " ".join(_RE_PREFIX.sub("", subject).split()).casefold()


@dataclass(frozen=True)
class Message:
    """One email; `body` paragraphs are separated by blank lines."""

    id: int
    folder: str
    sender_name: str
    sender_email: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    sent_at: datetime
    subject: str
    body: str
    read: bool = True
    starred: bool = False
    in_reply_to: int | None = None
    forward_of: int | None = None

    @property
    def thread(self) -> str:
        return thread_key(self.subject)

    @property
    def paragraphs(self) -> list[str]:
        return [p.strip() for p in self.body.split("\n\n") if p.strip()]

    @property
    def snippet(self) -> str:
        text = " ".join(self.body.split())
        return text if len(text) <= 70 else text[:69].rstrip() + "…"

    @property
    def recipients(self) -> tuple[str, ...]:
        return self.to + self.cc


# -- contacts --------------------------------------------------------------------

_COMPANIES: tuple[tuple[str, str, int], ...] = (
    ("Larkspur Studio", "larkspur.example", 8),
    ("Harbor & Pine Builders", "harborpine.example", 4),
    ("Bluefin Analytics", "bluefin.example", 4),
    ("Meadowlark Foods", "meadowlark.example", 4),
    ("Quarry Lane Legal", "quarrylane.example", 3),
    ("Tidewater Logistics", "tidewater.example", 3),
    ("Northwind Media", "northwind.example", 4),
    ("Cobalt Print Co.", "cobaltprint.example", 2),
    ("Freelance", "fastmail.example", 2),
)
_TITLES: dict[str, tuple[str, ...]] = {
    "Larkspur Studio": ("Designer", "Art Director", "Studio Manager", "Developer", "Producer"),
    "Harbor & Pine Builders": ("Project Manager", "Site Supervisor", "Estimator"),
    "Bluefin Analytics": ("Data Analyst", "Engineer", "Account Lead"),
    "Meadowlark Foods": ("Marketing Director", "CFO", "Brand Manager"),
    "Quarry Lane Legal": ("Partner", "Paralegal", "Associate"),
    "Tidewater Logistics": ("Dispatcher", "Sales Manager", "Operations Lead"),
    "Northwind Media": ("Creative Director", "Producer", "Head of Digital"),
    "Cobalt Print Co.": ("Print Manager", "Account Manager"),
    "Freelance": ("Photographer", "Copywriter", "Illustrator"),
}
_FIRST = (
    "Maya", "Daniel", "Priya", "Lucas", "Hannah", "Omar", "Grace", "Theo", "Nadia", "Felix",
    "Iris", "Mateo", "Chloe", "Ravi", "Elena", "Owen", "Sofia", "Kwame", "Leah", "Marcus",
    "Ingrid", "Tomas", "Aisha", "Julian", "Camille", "Diego", "Yuki", "Rosa", "Ben", "Naomi",
)  # fmt: skip
_LAST = (
    "Chen", "Okafor", "Natarajan", "Brennan", "Lindqvist", "Haddad", "Moreau", "Castillo",
    "Whitfield", "Abara", "Sato", "Kowalski", "Ferreira", "Gallagher", "Mendes", "Novak",
    "Osei", "Park", "Quinn", "Romero", "Schmidt", "Tran", "Varga", "Weber", "Young",
)  # fmt: skip
_AREAS = ("415", "212", "617", "312", "206", "503", "720", "512")


def _contacts(rng: random.Random) -> list[Contact]:
    """34 contacts; some share a first or last name, so a name must be read in full."""
    total = sum(n for _, _, n in _COMPANIES)
    firsts = rng.sample(_FIRST, 26)
    firsts += rng.sample(firsts, total - len(firsts))  # namesakes: shared first names
    lasts = rng.sample(_LAST, 22)
    lasts += rng.sample(lasts, total - len(lasts))  # and shared last names
    rng.shuffle(firsts)
    rng.shuffle(lasts)
    names: list[str] = []
    for first, last in zip(firsts, lasts, strict=True):
        name = f"{first} {last}"
        while name in names:
            name = f"{first} {rng.choice(_LAST)}"
        names.append(name)
    suffixes = rng.sample(range(100), total)
    contacts = []
    index = 0
    for company, domain, count in _COMPANIES:
        for _ in range(count):
            name = names[index]
            first, last = name.split()
            local = first.lower() if company == "Freelance" else f"{first}.{last}".lower()
            contacts.append(
                Contact(
                    id=0,
                    name=name,
                    email=f"{local}@{domain}",
                    phone=f"({rng.choice(_AREAS)}) 555-01{suffixes[index]:02d}",
                    company=company,
                    title=rng.choice(_TITLES[company]),
                )
            )
            index += 1
    contacts.sort(key=lambda c: (c.name.split()[1], c.name.split()[0]))
    return [
        Contact(i, c.name, c.email, c.phone, c.company, c.title)
        for i, c in enumerate(contacts, start=1)
    ]


# -- messages ----------------------------------------------------------------------


@dataclass
class _Draft:
    key: str
    folder: str
    sender: Person
    to: tuple[Person, ...]
    cc: tuple[Person, ...]
    when: datetime
    subject: str
    body: str
    read: bool
    starred: bool


@dataclass
class _Mailbox:
    rng: random.Random
    drafts: list[_Draft] = field(default_factory=list)

    def add(
        self,
        key: str,
        folder: str,
        sender: Person,
        when: datetime,
        subject: str,
        body: str,
        *,
        to: tuple[Person, ...] = (USER,),
        cc: tuple[Person, ...] = (),
        read: bool = True,
        starred: bool = False,
    ) -> None:
        taken = {d.when for d in self.drafts}
        while when in taken:  # every message has its own minute: "latest" is never a tie
            when += timedelta(minutes=1)
        self.drafts.append(_Draft(key, folder, sender, to, cc, when, subject, body, read, starred))


def _at(days_ago: int, hour: int, minute: int) -> datetime:
    day = TODAY.date() - timedelta(days=days_ago)
    return datetime(day.year, day.month, day.day, hour, minute)


def long_day(day: date) -> str:
    """Tuesday, March 24: how the mailbox's people write a day of this year."""
    return long_date(day, weekday=True, year=False)


def _weekday_after(start: date, days: int) -> date:
    day = start + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


@dataclass(frozen=True)
class Roles:
    """Who plays which part in the task stories."""

    contractor: Contact
    client: Contact
    analyst: Contact
    teammate: Contact
    organizer: Contact
    guest: Contact
    lawyer: Contact
    lawyer_colleague: Contact
    studio_colleague: Contact
    builder: Contact
    invitees: tuple[Contact, Contact, Contact]
    crate_company: str


def _pick_roles(rng: random.Random, contacts: list[Contact]) -> Roles:
    by_company: dict[str, list[Contact]] = {}
    for contact in contacts:
        by_company.setdefault(contact.company, []).append(contact)
    used: set[int] = set()

    def pick(company: str) -> Contact:
        choice = rng.choice([c for c in by_company[company] if c.id not in used])
        used.add(choice.id)
        return choice

    contractor = pick("Harbor & Pine Builders")
    builder = pick("Harbor & Pine Builders")
    client = pick("Northwind Media")
    analyst = pick("Bluefin Analytics")
    teammate = pick("Larkspur Studio")
    organizer = pick("Larkspur Studio")
    studio_colleague = pick("Larkspur Studio")
    guest = pick("Meadowlark Foods")
    lawyer = pick("Quarry Lane Legal")
    lawyer_colleague = pick("Quarry Lane Legal")
    # Invitees: people with a namesake in the address book, so a lookup needs the full name.
    firsts = [c.first for c in contacts]
    lasts = [c.name.split()[1] for c in contacts]
    namesakes = [
        c
        for c in contacts
        if c.id not in used
        and c.company not in ("Tidewater Logistics", "Cobalt Print Co.")
        and (firsts.count(c.first) > 1 or lasts.count(c.name.split()[1]) > 1)
    ]
    chosen = rng.sample(namesakes, 3)
    used.update(c.id for c in chosen)
    return Roles(
        contractor=contractor,
        client=client,
        analyst=analyst,
        teammate=teammate,
        organizer=organizer,
        guest=guest,
        lawyer=lawyer,
        lawyer_colleague=lawyer_colleague,
        studio_colleague=studio_colleague,
        builder=builder,
        invitees=(chosen[0], chosen[1], chosen[2]),
        crate_company="Tidewater Logistics",
    )


COBALT_BILLING = Person("Cobalt Print Co. Billing", "billing@cobaltprint.example")
TIDEWATER_BILLING = Person("Tidewater Logistics Accounts", "accounts@tidewater.example")
TRAILHEAD_NEWS = Person("Trailhead Outfitters", "news@trailhead.example")
TRAILHEAD_ORDERS = Person("Trailhead Outfitters Orders", "orders@trailhead.example")
BRIGHTWATER = Person("Brightwater Office Supply", "receipts@brightwater.example")
COPPERLINE = Person("Copperline Coffee", "hello@copperline.example")
DESIGNWEEK = Person("Designweek Digest", "digest@designweek.example")
CLOUDNEST = Person("Cloudnest", "no-reply@cloudnest.example")
CITY_PARKING = Person("City Parking Services", "permits@cityparking.example")


class MailData:
    """The seeded mailbox: contacts, initial messages, and the facts tasks are built on."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        rng = random.Random(f"mira-mail:{seed}")
        self.user = USER
        self.contacts: tuple[Contact, ...] = tuple(_contacts(rng))
        self.roles = _pick_roles(rng, list(self.contacts))
        self.facts: dict[str, object] = {}
        box = _Mailbox(rng)
        self._stories(box, rng)
        self._filler(box, rng)
        # The week plans come last, from a generator of their own, so that adding them
        # changed none of the draws the stories and the filler were made from.
        self.schedules: tuple[Schedule, ...] = _schedules(
            box, random.Random(f"mira-mail-schedules:{seed}"), list(self.contacts), self.roles
        )
        box.drafts.sort(key=lambda d: d.when)
        self.keys: dict[str, int] = {}
        messages = []
        for number, d in enumerate(box.drafts, start=1):
            self.keys[d.key] = number
            messages.append(
                Message(
                    id=number,
                    folder=d.folder,
                    sender_name=d.sender.name,
                    sender_email=d.sender.email,
                    to=tuple(p.email for p in d.to),
                    cc=tuple(p.email for p in d.cc),
                    sent_at=d.when,
                    subject=d.subject,
                    body=d.body,
                    read=d.read,
                    starred=d.starred,
                )
            )
        self.messages: tuple[Message, ...] = tuple(messages)
        self._by_id = {m.id: m for m in messages}
        self.names: dict[str, str] = {c.email: c.name for c in self.contacts}
        for m in messages:
            self.names.setdefault(m.sender_email, m.sender_name)
        self.names[USER.email] = USER.name

    def message(self, key: str) -> Message:
        return self._by_id[self.keys[key]]

    def message_by_id(self, message_id: int) -> Message:
        return self._by_id[message_id]

    def keyed(self, prefix: str) -> list[Message]:
        """Story messages whose key starts with `prefix`, oldest first."""
        return [self._by_id[i] for k, i in self.keys.items() if k.startswith(prefix)]

    def contact(self, contact_id: int) -> Contact | None:
        return next((c for c in self.contacts if c.id == contact_id), None)

    def contact_by_email(self, email: str) -> Contact | None:
        return next((c for c in self.contacts if c.email == email.casefold()), None)

    # -- the stories the tasks are about -------------------------------------------

    def _stories(self, box: _Mailbox, rng: random.Random) -> None:
        r = self.roles
        me = USER.first

        # A quote in the archive whose sender's phone number is asked for.
        c = r.contractor
        quote = rng.randrange(180, 420) * 100
        box.add(
            "quote",
            "archive",
            c.person,
            _at(rng.randint(18, 24), 16, rng.randrange(60)),
            "Quote for the office kitchen renovation",
            f"Hi {me},\n\nAs promised after the site visit, here is our quote for the office "
            "kitchen renovation: new cabinets, a quartz counter and plumbing for a second sink. "
            f"The total comes to {money(quote)}, materials included.\n\nWe could start the "
            "week after next. Give me a call if you want to go through it line by line."
            f"\n\nBest,\n{c.first}",
        )
        box.add(
            "rota",
            "inbox",
            r.studio_colleague.person,
            _at(3, 8, rng.randrange(60)),
            "Kitchen cleaning rota for March",
            f"Hi all,\n\nThe kitchen cleaning rota for March is pinned by the fridge. {me}, "
            f"you're on the week of the 23rd.\n\nThanks,\n{r.studio_colleague.first}",
        )
        box.add(
            "builder-visit",
            "archive",
            r.builder.person,
            _at(rng.randint(25, 30), 11, rng.randrange(60)),
            "Site visit on Thursday",
            f"Hi {me},\n\n{c.name} and I will come by on Thursday at 9 to measure up. "
            f"Someone needs to let us in through the side door.\n\nCheers,\n{r.builder.first}",
        )

        # The client's three emails; only the latest needs an answer.
        cl = r.client
        box.add(
            "client-1",
            "archive",
            cl.person,
            _at(rng.randint(11, 14), 10, rng.randrange(60)),
            "Homepage mockups: first round",
            f"Hi {me},\n\nThanks for the first round of homepage mockups. The team loves the "
            f"second direction. Notes to follow by the end of the week.\n\n{cl.first}",
        )
        box.add(
            "client-2",
            "inbox",
            cl.person,
            _at(rng.randint(5, 7), 15, rng.randrange(60)),
            "Notes on the homepage mockups",
            f"Hi {me},\n\nHere are our notes: bigger product photos, a shorter hero line, and "
            f"the newsletter sign-up moved above the footer.\n\nBest,\n{cl.first}",
        )
        box.add(
            "client-3",
            "inbox",
            cl.person,
            _at(1, rng.randint(13, 17), rng.randrange(60)),
            "Can we move the launch review?",
            f"Hi {me},\n\nSomething came up on our side. Could we move the launch review to "
            f"Thursday at 3 PM? Let me know if that works for you.\n\nThanks,\n{cl.first}",
            read=False,
        )
        box.add(
            "client-sent",
            "sent",
            USER,
            _at(4, 11, rng.randrange(60)),
            "Revised homepage mockups",
            f"Hi {cl.first},\n\nThe revised mockups are in the shared folder. Bigger photos, "
            f"shorter hero line, sign-up above the footer.\n\nBest,\n{me}",
            to=(cl.person,),
        )
        self.facts["client_reply"] = "Thursday at 3 PM works for me. See you then."

        # Printer invoices: three months from one vendor, one from another.
        numbers = rng.sample(range(1000, 9999), 4)
        months = (("january", "January 2026", 45), ("february", "February 2026", 20))
        months += (("march", "March 2026", 4),)
        for (slug, period, days_ago), number in zip(months, numbers, strict=False):
            amount = rng.randrange(30000, 150000)
            box.add(
                f"invoice-{slug}",
                "archive" if slug == "january" else "inbox",
                COBALT_BILLING,
                _at(days_ago, 7, rng.randrange(60)),
                f"Invoice INV-{number} from Cobalt Print Co.",
                f"Hello,\n\nPlease find your invoice INV-{number} below.\n\nBilling period: "
                f"{period}\nAmount due: {money(amount)}\nPayment terms: 30 days\n\n"
                "Thank you for printing with us.\nCobalt Print Co. Billing",
                read=slug != "march",
            )
        box.add(
            "invoice-tidewater",
            "inbox",
            TIDEWATER_BILLING,
            _at(rng.randint(15, 19), 8, rng.randrange(60)),
            f"Invoice {numbers[3]} for February 2026 deliveries",
            f"Hello,\n\nAttached is invoice {numbers[3]} for courier deliveries in February "
            f"2026. Amount due: {money(rng.randrange(8000, 40000))}.\n\nTidewater Logistics",
        )

        # The analyst's emails, spread over two folders, and a message only about them.
        a = r.analyst
        analyst_subjects = (
            ("analyst-1", "archive", 28, "Kickoff notes: analytics dashboard"),
            ("analyst-2", "archive", 21, "Access to the staging server"),
            ("analyst-3", "inbox", 9, "Dashboard wireframes, version 2"),
            ("analyst-4", "inbox", 2, "Data dictionary for the dashboard"),
        )
        bodies = (
            "Notes from the kickoff are below. We agreed on weekly check-ins and a first "
            "prototype in three weeks.",
            "You should now have access to the staging server. Your login is your work email.",
            "Version 2 of the wireframes is ready. The filters now sit on the left.",
            "I put together a data dictionary so your designers know what each metric means.",
        )
        for (key, folder, days, subject), text in zip(analyst_subjects, bodies, strict=True):
            box.add(
                key,
                folder,
                a.person,
                _at(days, rng.randint(9, 17), rng.randrange(60)),
                subject,
                f"Hi {me},\n\n{text}\n\nBest,\n{a.first}",
                read=key != "analyst-4",
            )
        box.add(
            "analyst-lunch",
            "inbox",
            r.teammate.person,
            _at(6, 12, rng.randrange(60)),
            "Lunch with the Bluefin team",
            f"Hi {me},\n\n{a.name} suggested we all get lunch on Friday after the dashboard "
            f"review. Are you in?\n\n{r.teammate.first}",
        )
        box.add(
            "analyst-sent",
            "sent",
            USER,
            _at(8, 14, rng.randrange(60)),
            "Re: Dashboard wireframes, version 2",
            f"Hi {a.first},\n\nLooks great. Could the date picker go at the top?\n\n{me}",
            to=(a.person,),
        )

        # The meeting thread: proposed, objected to, then moved again.
        org, guest = r.organizer, r.guest
        first_day = _weekday_after(TODAY.date(), rng.randint(2, 4))
        second_day = _weekday_after(first_day, rng.randint(3, 5))
        final_day = _weekday_after(second_day, rng.randint(1, 3))
        self.facts["meeting_first"] = first_day
        self.facts["meeting_second"] = second_day
        self.facts["meeting_final"] = final_day
        subject = "Quarterly review with Meadowlark Foods"
        box.add(
            "meeting-1",
            "archive",
            org.person,
            _at(9, 10, rng.randrange(60)),
            subject,
            f"Hi {me} and {guest.first},\n\nLet's hold the quarterly review on "
            f"{long_day(first_day)} at 10 AM in the large meeting room.\n\n{org.first}",
            cc=(guest.person,),
        )
        box.add(
            "meeting-2",
            "sent",
            USER,
            _at(9, 11, rng.randrange(60)),
            "Re: " + subject,
            f"Works for me.\n\n{me}",
            to=(org.person,),
            cc=(guest.person,),
        )
        box.add(
            "meeting-3",
            "inbox",
            guest.person,
            _at(6, 9, rng.randrange(60)),
            "Re: " + subject,
            f"Hi both,\n\nOur CFO is travelling that week. Could we do {long_day(second_day)} "
            f"at 2 PM instead?\n\n{guest.first}",
            to=(org.person, USER),
        )
        box.add(
            "meeting-4",
            "inbox",
            org.person,
            _at(5, 16, rng.randrange(60)),
            "Re: " + subject,
            f"Hi {me} and {guest.first},\n\nThe large room is taken on "
            f"{long_day(second_day)}, so let's make it {long_day(final_day)} at 2 PM "
            f"instead. That's final; I've updated the calendar invite.\n\n{org.first}",
            cc=(guest.person,),
        )

        # Newsletters from an outdoor shop, among its order emails.
        letters = (
            ("news-1", "archive", 27, "Trailhead Weekly: Camping checklist"),
            ("news-2", "inbox", 20, "Trailhead Weekly: Meet our gear testers"),
            ("news-3", "inbox", 13, "Trailhead Weekly: 20% off rain shells"),
            ("news-4", "inbox", 6, "Trailhead Weekly: Spring trail guide"),
        )
        for key, folder, days, subject in letters:
            box.add(
                key,
                folder,
                TRAILHEAD_NEWS,
                _at(days, 6, rng.randrange(60)),
                subject,
                "This week at Trailhead Outfitters: new arrivals, trail reports from our "
                "community and a few deals for members.\n\nYou are receiving this newsletter "
                "because you signed up at trailhead.example.",
                read=key in ("news-1", "news-2"),
            )
        order = rng.randrange(40000, 49999)
        box.add(
            "trailhead-order",
            "inbox",
            TRAILHEAD_ORDERS,
            _at(3, 18, rng.randrange(60)),
            f"Your Trailhead order TH-{order} has shipped",
            f"Good news: your order TH-{order} (one rain shell, size M) is on its way. "
            "Expected delivery: two to four business days.",
        )
        box.add(
            "designweek",
            "inbox",
            DESIGNWEEK,
            _at(2, 6, rng.randrange(60)),
            "Designweek Digest: type trends for spring",
            "This week: variable fonts in the wild, a studio tour in Lisbon and five "
            "portfolios we loved.",
        )

        # The teammate's messages, some still unread (one already filed in Projects).
        t = r.teammate
        teammate_messages = (
            ("teammate-1", 14, True, "Photos from the client workshop"),
            ("teammate-2", 10, False, "Draft copy for the Northwind brochure"),
            ("teammate-3", 7, True, "Printer on the second floor"),
            ("teammate-4", 4, False, "Feedback round for the portfolio site"),
            ("teammate-5", 1, False, "Can you review my slides before Friday?"),
        )
        for key, days, read, subject in teammate_messages:
            box.add(
                key,
                "projects" if key == "teammate-2" else "inbox",
                t.person,
                _at(days, rng.randint(9, 17), rng.randrange(60)),
                subject,
                f"Hi {me},\n\n{subject}: details inside. Let me know what you think when "
                f"you have a minute.\n\n{t.first}",
                read=read,
            )

        # A message that needs a reply to everyone on it.
        law, law2, col = r.lawyer, r.lawyer_colleague, r.studio_colleague
        signing = _weekday_after(TODAY.date(), rng.randint(5, 8))
        box.add(
            "lease",
            "inbox",
            law.person,
            _at(2, 10, rng.randrange(60)),
            f"Lease renewal: signing on {long_day(signing)}",
            f"Dear {me},\n\nThe renewed studio lease is ready for signature. We propose "
            f"{long_day(signing)} at 11 AM at our office.\n\nPlease reply to all to confirm "
            f"who will attend, so {law2.first} can prepare the copies.\n\nKind regards,\n"
            f"{law.name}\nQuarry Lane Legal",
            cc=(law2.person, col.person),
            read=False,
        )
        self.facts["lease_reply"] = "Confirmed: I will attend the signing."

        # Receipts: four from one shop to add up, one of its receipts outside the folder.
        amounts = []
        for n, days in enumerate((40, 31, 17, 8), start=1):
            cents = rng.randrange(1500, 25000)
            amounts.append(cents)
            box.add(
                f"brightwater-{n}",
                "receipts",
                BRIGHTWATER,
                _at(days, 13, rng.randrange(60)),
                "Your Brightwater Office Supply receipt",
                f"Thank you for your order BW-{rng.randrange(100000, 999999)}.\n\nItems: "
                f"{rng.choice(('printer paper', 'sketchbooks', 'markers', 'toner'))} and "
                f"{rng.choice(('sticky notes', 'binders', 'cutting mats', 'tape'))}\n\n"
                f"Total charged: {money(cents)} (card ending 4417)",
            )
        self.facts["brightwater_total"] = sum(amounts)
        box.add(
            "brightwater-inbox",
            "inbox",
            BRIGHTWATER,
            _at(1, 8, rng.randrange(60)),
            "Your Brightwater Office Supply receipt",
            f"Thank you for your order BW-{rng.randrange(100000, 999999)}.\n\nItems: a desk "
            f"lamp\n\nTotal charged: {money(rng.randrange(2000, 9000))} (card ending 4417)",
            read=False,
        )
        for key, sender, days, subject in (
            ("copperline-1", COPPERLINE, 35, "Your Copperline Coffee receipt"),
            ("copperline-2", COPPERLINE, 12, "Your Copperline Coffee receipt"),
            ("trailhead-receipt", TRAILHEAD_ORDERS, 4, "Your receipt from Trailhead Outfitters"),
            ("cloudnest", CLOUDNEST, 16, "Cloudnest: payment received"),
        ):
            box.add(
                key,
                "receipts",
                sender,
                _at(days, 9, rng.randrange(60)),
                subject,
                f"Thanks for your purchase.\n\nTotal charged: {money(rng.randrange(500, 9000))} "
                "(card ending 4417)",
            )

        # Trash: one message deleted by mistake among real junk.
        b = r.builder
        box.add(
            "restore",
            "trash",
            b.person,
            _at(5, 14, rng.randrange(60)),
            "Signed construction schedule for April",
            f"Hi {me},\n\nHere is the construction schedule for April, signed by both of us. "
            f"Please keep it for your records.\n\n{b.first}",
        )
        for key, sender, days, subject, text in (
            ("junk-1", CITY_PARKING, 11, "Your parking permit renewal", "Renew online now."),
            ("junk-2", DESIGNWEEK, 9, "Designweek Digest: studio tours", "Five studio tours."),
            ("junk-3", CLOUDNEST, 7, "Cloudnest: your storage is 80% full", "Upgrade today."),
        ):
            box.add(key, "trash", sender, _at(days, 7, rng.randrange(60)), subject, text)

        # Drafts the user left unfinished.
        box.add(
            "draft-1",
            "drafts",
            USER,
            _at(3, 17, rng.randrange(60)),
            "Ideas for the summer party",
            "Rooftop? Food trucks? Ask the team.",
            to=(),
        )
        invitees = r.invitees
        self.facts["invite_subject"] = "Studio open day on April 10"
        self.facts["invite_body"] = (
            "We're opening the studio to friends and clients on April 10 from 4 PM. "
            "Hope you can come!"
        )
        self.facts["invitees"] = invitees
        self.facts["crate_subject"] = "Shipping crates for the April exhibition"
        self.facts["crate_body"] = (
            "Could you send us a quote for six large crates, picked up on April 2?"
        )

    # -- everyday mail -------------------------------------------------------------

    def _filler(self, box: _Mailbox, rng: random.Random) -> None:
        r = self.roles
        reserved = {
            r.contractor.id,
            r.client.id,
            r.analyst.id,
            r.teammate.id,
            r.builder.id,
        }
        senders = [c for c in self.contacts if c.id not in reserved]
        me = USER.first
        templates = (
            ("Moodboard for the spring campaign", "I pinned a few references to the board."),
            ("Fonts license renewal", "Our font licenses renew next month. Keep all three?"),
            ("Coffee next week?", "It's been a while. Coffee next Tuesday or Wednesday?"),
            ("Photos from the shoot", "The selects from Tuesday's shoot are in the folder."),
            ("Thank you!", "Thanks again for the introduction, it went really well."),
            ("Question about the style guide", "Which grey do we use for body text?"),
            ("New laptop setup", "Your new laptop arrives Monday; IT will set it up at 10."),
            ("Conference talk proposal", "Want to co-submit a talk about design systems?"),
            ("Parking this week", "The garage is closed Wednesday. Street parking only."),
            ("Out of office Friday", "I'm out on Friday; urgent things go to the team inbox."),
            ("Portfolio feedback", "I had a look at your portfolio: the case studies shine."),
            ("Team offsite ideas", "Cabin by the lake or a city day? Vote in the sheet."),
            ("Recommendation for a printer", "Do you know a good risograph print shop?"),
            ("Brand workshop recap", "Recap of the workshop with the three key takeaways."),
            ("Usability test volunteers", "We need five volunteers for Thursday's test."),
            ("Quick question on hours", "Did you log your hours for February yet?"),
            ("Lunch and learn on Thursday", "Bring your lunch; we'll talk about motion design."),
            ("Holiday calendar", "Please add your April days off to the shared calendar."),
        )
        days = rng.sample(range(1, 34), len(templates))
        for n, ((subject, text), days_ago) in enumerate(zip(templates, days, strict=True)):
            sender = rng.choice(senders)
            folder = "inbox" if days_ago < 15 or rng.random() < 0.3 else "archive"
            box.add(
                f"filler-{n}",
                folder,
                sender.person,
                _at(days_ago, rng.randint(8, 18), rng.randrange(60)),
                subject,
                f"Hi {me},\n\n{text}\n\n{sender.first}",
                read=days_ago > 3 or rng.random() < 0.5,
                starred=rng.random() < 0.12,
            )
        replies = (
            ("Re: Coffee next week?", "Wednesday works. The usual place at 10?"),
            ("Statement for February", "Could you resend last month's statement?"),
            ("Re: Photos from the shoot", "These are lovely, thank you!"),
            ("Slides for Monday", "Here are the slides for Monday's pitch."),
        )
        for n, (subject, text) in enumerate(replies):
            to = rng.choice(senders)
            box.add(
                f"sent-{n}",
                "sent",
                USER,
                _at(rng.randint(2, 30), rng.randint(9, 18), rng.randrange(60)),
                subject,
                f"Hi {to.first},\n\n{text}\n\n{me}",
                to=(to.person,),
            )


# -- week plans that change in a thread ------------------------------------------------

_EVENTS = (
    "design critique", "portfolio review", "budget check-in", "photo shoot", "usability test",
    "copy review", "sprint planning", "print proof check", "type workshop",
    "client walkthrough", "motion demo", "team retro",
)  # fmt: skip
_SLOT_TIMES = ((9, 0), (9, 30), (10, 0), (11, 0), (13, 30), (14, 0), (15, 0), (16, 30))
_WEEKS = (date(2026, 3, 23), date(2026, 3, 30), date(2026, 4, 6), date(2026, 4, 13))
_EVENTS_PER_WEEK = 8


def clock(hour: int, minute: int) -> str:
    """10 AM, 2:30 PM: how the mailbox's people write a time."""
    suffix = "AM" if hour < 12 else "PM"
    return f"{hour % 12 or 12}{f':{minute:02d}' if minute else ''} {suffix}"


@dataclass(frozen=True)
class Slot:
    """When an event takes place: a day and a time of day."""

    day: date
    hour: int
    minute: int

    def spoken(self) -> str:
        return f"{long_day(self.day)} at {clock(self.hour, self.minute)}"


@dataclass(frozen=True)
class Schedule:
    """One week's plan, sent to the user and two colleagues, then changed in replies:
    where each event stands after the thread's last word (`final`), and the thread's
    message keys, oldest first."""

    week: date
    subject: str
    final: dict[str, Slot]
    moved: frozenset[str]
    keys: tuple[str, ...]


def _schedules(
    box: _Mailbox, rng: random.Random, contacts: list[Contact], roles: Roles
) -> tuple[Schedule, ...]:
    """Four week plans from studio people the stories leave alone; two are changed
    twice, so the latest email is not always the first reply."""
    reserved = {roles.teammate.id, roles.organizer.id, roles.studio_colleague.id}
    studio = [c for c in contacts if c.company == "Larkspur Studio" and c.id not in reserved]
    made = []
    for n, week in enumerate(_WEEKS):
        made.append(_schedule(box, rng, studio, n, week, twice=n % 2 == 0))
    return tuple(made)


def _free_slot(rng: random.Random, week: date, taken: set[Slot]) -> Slot:
    while True:
        hour, minute = rng.choice(_SLOT_TIMES)
        slot = Slot(week + timedelta(days=rng.randrange(5)), hour, minute)
        if slot not in taken:
            return slot


def _schedule(
    box: _Mailbox,
    rng: random.Random,
    studio: list[Contact],
    n: int,
    week: date,
    *,
    twice: bool,
) -> Schedule:
    planner, changer, third = rng.sample(studio, 3)
    me = USER.first
    events = rng.sample(_EVENTS, _EVENTS_PER_WEEK)
    plan: dict[str, Slot] = {}
    for event in events:
        plan[event] = _free_slot(rng, week, set(plan.values()))
    plan = dict(sorted(plan.items(), key=lambda item: (item[1].day, item[1].hour, item[1].minute)))
    subject = f"Studio schedule for the week of {week:%B} {week.day}"
    key = f"schedule-{n}"
    lines = "\n".join(f"{event.capitalize()}: {slot.spoken()}" for event, slot in plan.items())
    box.add(
        f"{key}-1",
        "inbox",
        planner.person,
        _at(rng.randint(6, 12), rng.randint(8, 17), rng.randrange(60)),
        subject,
        f"Hi {me}, {changer.first} and {third.first},\n\nHere is the plan for the week of "
        f"{week:%B} {week.day}:\n\n{lines}\n\nShout if anything clashes.\n\n{planner.first}",
        cc=(changer.person, third.person),
    )
    final = dict(plan)
    changes = _moves(rng, week, final, 3)
    box.add(
        f"{key}-2",
        "inbox",
        changer.person,
        _at(rng.randint(3, 5), rng.randint(8, 17), rng.randrange(60)),
        "Re: " + subject,
        f"Hi all,\n\nA few changes: {changes}. Everything else stays as planned."
        f"\n\n{changer.first}",
        to=(planner.person, USER),
        cc=(third.person,),
        read=not twice,
    )
    keys = [f"{key}-1", f"{key}-2"]
    if twice:
        again = _moves(rng, week, final, 1)
        box.add(
            f"{key}-3",
            "inbox",
            planner.person,
            _at(rng.randint(1, 2), rng.randint(8, 17), rng.randrange(60)),
            "Re: " + subject,
            f"Hi all,\n\nOne more change: {again}. That's the final plan.\n\n{planner.first}",
            cc=(changer.person, third.person),
            read=False,
        )
        keys.append(f"{key}-3")
    moved = frozenset(e for e in final if final[e] != plan[e])
    return Schedule(week, subject, final, moved, tuple(keys))


def _moves(rng: random.Random, week: date, slots: dict[str, Slot], count: int) -> str:
    """Move `count` events of the plan (in place) to free slots; the sentence that says so."""
    said = []
    for event in rng.sample(sorted(slots), count):
        slot = _free_slot(rng, week, set(slots.values()))
        slots[event] = slot
        said.append(f"the {event} moves to {slot.spoken()}")
    return ", ".join(said[:-1]) + (" and " if len(said) > 1 else "") + said[-1]
