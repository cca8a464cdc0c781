"""The forum's seeded content: forums, users, posts and threaded comments.

Titles, bodies and comment texts are written by hand (content.json); who posted what,
when, and how it scored are drawn from `random.Random(seed)`, so every seed gives a
different but fixed forum and the task builder can compute exact answers from it. Post
scores are unique across the site and comment scores unique within a thread, so "the
highest-scored" is never a tie.
Nothing here reads the wall clock: the site's "now" is `NOW`.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources
from typing import Any

NOW = datetime(2026, 6, 18, 12, 0)
FIRST_DAY = datetime(2026, 3, 1, 0, 0)
OLDER_OWN_UNTIL = datetime(2026, 5, 1, 0, 0)  # the signed-in user's older posts are before it

CURRENT_USER = "juniper_k"
"""The signed-in user: the agent acts as this account."""


@dataclass(frozen=True)
class Forum:
    slug: str
    title: str
    description: str


FORUMS: tuple[Forum, ...] = (
    Forum("books", "Books", "What you're reading, what you loved, what you couldn't finish."),
    Forum("cooking", "Cooking", "Recipes, techniques, kitchen disasters and small victories."),
    Forum("cycling", "Cycling", "Commuting, touring, racing and fixing bikes."),
    Forum("gardening", "Gardening", "Vegetables, flowers, balconies and allotments."),
    Forum("localnews", "Local News", "News, events and notices from around Millbrook."),
    Forum("techhelp", "Tech Help", "Ask for help with computers, phones, networks and gadgets."),
)
FORUMS_BY_SLUG: dict[str, Forum] = {f.slug: f for f in FORUMS}

# Subscriptions the signed-in user starts every episode with.
INITIAL_SUBSCRIPTIONS: frozenset[str] = frozenset({"books", "localnews"})

USERS: tuple[str, ...] = (
    "amberwave", "bikebirder", "brightstone", "cedar_and_sage", "coilwhine", "dana_reads",
    "fernhollow", "gearhead_gus", "hannah_m", "inkwell", "kettlebell_kate", "lanternfish",
    "leafmold", "marcopolo88", "millbrook_mike", "moss_piglet", "nightowl_nina", "oatcake",
    "packetloss", "paperback_pete", "pedalpusher", "quill_and_tea", "rootvegetable",
    "saltcellar", "sprocket", "stackframe", "teapot_tom", "thornbury", "velo_vera", "wren_b",
)  # fmt: skip

# Each forum has regulars who post and comment there far more than anyone else.
REGULARS: dict[str, tuple[str, ...]] = {
    "books": ("dana_reads", "paperback_pete", "inkwell"),
    "cooking": ("saltcellar", "oatcake", "kettlebell_kate"),
    "cycling": ("velo_vera", "sprocket", "pedalpusher"),
    "gardening": ("leafmold", "rootvegetable", "fernhollow"),
    "localnews": ("millbrook_mike", "hannah_m", "thornbury"),
    "techhelp": ("packetloss", "stackframe", "coilwhine"),
}


def _load_content() -> dict[str, Any]:
    """The hand-written titles, bodies and comments (content.json, next to this module)."""
    text = resources.files(__package__).joinpath("content.json").read_text(encoding="utf-8")
    return json.loads(text)


_CONTENT = _load_content()

# (forum, title, body) of every post by someone else.
POSTS: tuple[tuple[str, str, str], ...] = tuple(
    (p["forum"], p["title"], p["body"]) for p in _CONTENT["posts"]
)
# The signed-in user's own posts: short bodies, so they can be read whole and retyped.
OWN_POSTS: tuple[tuple[str, str, str], ...] = tuple(
    (p["forum"], p["title"], p["body"]) for p in _CONTENT["own_posts"]
)
# The signed-in user's older posts (March and April), added after everything above is
# drawn and from a generator of their own, so that every earlier post, comment, author and
# score stays as it was; nobody has commented on them yet.
OLDER_OWN_POSTS: tuple[tuple[str, str, str], ...] = tuple(
    (p["forum"], p["title"], p["body"]) for p in _CONTENT["older_own_posts"]
)
# Lines the signed-in user might add to each of their posts (by title): what an edit writes.
OWN_UPDATES: dict[str, tuple[str, ...]] = {
    p["title"]: tuple(p["updates"]) for p in (*_CONTENT["own_posts"], *_CONTENT["older_own_posts"])
}
# Texts the agent is asked to write: new posts per forum (title, body), replies, comments.
NEW_POSTS: dict[str, tuple[tuple[str, str], ...]] = {
    forum: tuple((title, body) for title, body in posts)
    for forum, posts in _CONTENT["new_posts"].items()
}
REPLIES: tuple[str, ...] = tuple(_CONTENT["replies"])
THREAD_COMMENTS: tuple[str, ...] = tuple(_CONTENT["thread_comments"])
_FORUM_COMMENTS: dict[str, tuple[str, ...]] = {
    forum: tuple(lines) for forum, lines in _CONTENT["comments"].items()
}
_GENERIC_COMMENTS: tuple[str, ...] = tuple(_CONTENT["generic_comments"])


@dataclass(frozen=True)
class Post:
    id: int
    forum: str
    title: str
    author: str
    created: datetime
    score: int
    body: str


@dataclass(frozen=True)
class Comment:
    id: int
    post_id: int
    parent_id: int | None
    author: str
    created: datetime
    score: int
    body: str


def _unique(value: int, taken: set[int]) -> int:
    """`value`, or the next integer above it that nobody has taken yet."""
    while value in taken:
        value += 1
    taken.add(value)
    return value


def _low_score(rng: random.Random, taken: set[int]) -> int:
    """A score no post has yet, below what the seeded posts that lead a forum score:
    one of the free values from -15 to 30 (seeded posts score -4 or more: 11 are free)."""
    value = rng.choice([v for v in range(-15, 31) if v not in taken])
    taken.add(value)
    return value


class ForumData:
    """The forum as seeded for `seed`: read-only; episodes add to it through the state."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        rng = random.Random(f"mira-forum:{seed}")
        specs = [(f, t, b, False) for f, t, b in POSTS] + [(f, t, b, True) for f, t, b in OWN_POSTS]
        rng.shuffle(specs)
        span_minutes = int((NOW - FIRST_DAY).total_seconds() // 60)
        drafts = []
        post_scores: set[int] = set()
        for forum, title, body, own in specs:
            # Activity grows towards the present: more recent posts than old ones.
            age = int(rng.triangular(60, span_minutes, 60))
            created = NOW - timedelta(minutes=age)
            author = CURRENT_USER if own else self._author(rng, forum)
            raw = int(rng.lognormvariate(3.1, 1.15)) - 3
            score = _unique(max(raw, -4) if not own else rng.randint(2, 9), post_scores)
            drafts.append((created, forum, title, author, score, body))
        drafts.sort(key=lambda d: d[0])
        self.posts: tuple[Post, ...] = tuple(
            Post(i, forum, title, author, created, score, body)
            for i, (created, forum, title, author, score, body) in enumerate(drafts, start=1)
        )
        comments: list[Comment] = []
        for post in self.posts:
            comments.extend(self._thread(rng, post, first_id=len(comments) + 1))
        self.comments: tuple[Comment, ...] = tuple(comments)
        self.posts += self._older_own_posts(seed, len(self.posts) + 1, post_scores)
        self._posts_by_id = {p.id: p for p in self.posts}
        self._comments_by_id = {c.id: c for c in self.comments}

    @staticmethod
    def _older_own_posts(seed: int, first_id: int, scores: set[int]) -> tuple[Post, ...]:
        """The signed-in user's posts from March and April: low scores, no comments, ids
        after every other post's."""
        rng = random.Random(f"mira-forum-own:{seed}")
        span_minutes = int((OLDER_OWN_UNTIL - FIRST_DAY).total_seconds() // 60)
        return tuple(
            Post(
                first_id + k,
                forum,
                title,
                CURRENT_USER,
                FIRST_DAY + timedelta(minutes=rng.randint(60, span_minutes)),
                _low_score(rng, scores),
                body,
            )
            for k, (forum, title, body) in enumerate(OLDER_OWN_POSTS)
        )

    @staticmethod
    def _author(
        rng: random.Random, forum: str, exclude: set[str] | frozenset[str] = frozenset()
    ) -> str:
        regulars = REGULARS[forum]
        candidates = [u for u in USERS if u not in exclude]
        weights = [7 if u in regulars else 1 for u in candidates]
        return rng.choices(candidates, weights)[0]

    def _thread(self, rng: random.Random, post: Post, first_id: int) -> list[Comment]:
        """A post's comments: distinct authors, some replying to earlier comments."""
        count = rng.choices(range(10), weights=(3, 4, 5, 6, 6, 5, 4, 3, 2, 2))[0]
        pool = list(_FORUM_COMMENTS[post.forum]) + list(_GENERIC_COMMENTS)
        bodies = rng.sample(pool, count)
        authors: set[str] = {CURRENT_USER}
        scores: set[int] = set()
        thread: list[Comment] = []
        when = post.created
        for k in range(count):
            author = self._author(rng, post.forum, authors)
            authors.add(author)
            when = min(when + timedelta(minutes=rng.randint(5, 60 * 30)), NOW)
            parent = rng.choice(thread).id if thread and rng.random() < 0.4 else None
            score = _unique(max(int(rng.lognormvariate(1.6, 1.0)) - 2, -3), scores)
            thread.append(Comment(first_id + k, post.id, parent, author, when, score, bodies[k]))
        return thread

    # -- lookups --------------------------------------------------------------------

    def post(self, post_id: int) -> Post | None:
        return self._posts_by_id.get(post_id)

    def comment(self, comment_id: int) -> Comment | None:
        return self._comments_by_id.get(comment_id)

    def post_of(self, comment: Comment) -> Post:
        """The post a seeded comment is on."""
        return self._posts_by_id[comment.post_id]

    def post_by_title(self, title: str) -> Post:
        return next(p for p in self.posts if p.title == title)

    def posts_in(self, forum: str) -> list[Post]:
        return [p for p in self.posts if p.forum == forum]

    def comments_on(self, post_id: int) -> list[Comment]:
        return [c for c in self.comments if c.post_id == post_id]

    def comments_by(self, user: str) -> list[Comment]:
        return [c for c in self.comments if c.author == user]

    def posts_by(self, user: str) -> list[Post]:
        return [p for p in self.posts if p.author == user]
