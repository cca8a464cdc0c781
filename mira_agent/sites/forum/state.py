"""Everything done on the forum during one episode.

The seeded content (`ForumData`) never changes; this object holds what the signed-in
user added or changed on top of it (votes, posts, comments, edits, deletions,
subscriptions) and a record of what they looked at (listings, posts, searches,
profiles, forms). Task checks read it instead of scraping pages; snapshots are
immutable. Request threads write to it concurrently, hence the lock.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import datetime

from mira_agent.sites.forum.data import CURRENT_USER, INITIAL_SUBSCRIPTIONS, NOW, ForumData


@dataclass(frozen=True)
class ListingView:
    """A listing page served: a forum (None: every forum), its sort and the posts shown."""

    forum: str | None
    sort: str
    page: int
    post_ids: tuple[int, ...]


@dataclass(frozen=True)
class SearchRecord:
    query: str
    post_ids: tuple[int, ...]
    users: tuple[str, ...]


@dataclass(frozen=True)
class ProfileView:
    user: str
    tab: str  # "posts" or "comments"


@dataclass(frozen=True)
class NewPost:
    """A post the signed-in user submitted (its latest title and body)."""

    id: int
    forum: str
    title: str
    body: str
    created: datetime


@dataclass(frozen=True)
class NewComment:
    id: int
    post_id: int
    parent_id: int | None
    body: str
    created: datetime


@dataclass(frozen=True)
class Edit:
    """One accepted edit of the signed-in user's post."""

    post_id: int
    title: str
    body: str


@dataclass(frozen=True)
class Vote:
    """One vote click: on a "post" or "comment", the value it left (+1, -1 or 0)."""

    kind: str
    target: int
    value: int


@dataclass(frozen=True)
class Rejection:
    """A form the site refused, and which fields were wrong."""

    form: str
    fields: tuple[str, ...]


class ForumState:
    """The live record of an episode on the forum."""

    def __init__(self, data: ForumData) -> None:
        self._first_post_id = max(p.id for p in data.posts) + 1
        self._first_comment_id = max(c.id for c in data.comments) + 1
        self._own_seeded = frozenset(p.id for p in data.posts if p.author == CURRENT_USER)
        self._lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        """Forget everything (a fresh episode); new ids restart from the same numbers."""
        with self._lock:
            self._listings: list[ListingView] = []
            self._post_views: list[int] = []
            self._searches: list[SearchRecord] = []
            self._profiles: list[ProfileView] = []
            self._reply_forms: list[int] = []
            self._submit_forms: list[str] = []
            self._edit_forms: list[int] = []
            self._votes: dict[tuple[str, int], int] = {}
            self._vote_log: list[Vote] = []
            self._new_posts: dict[int, NewPost] = {}
            self._new_comments: list[NewComment] = []
            self._edits: list[Edit] = []
            self._deleted: list[int] = []
            self._subscriptions: set[str] = set(INITIAL_SUBSCRIPTIONS)
            self._rejections: list[Rejection] = []

    # -- snapshots read by checks and pages ---------------------------------------------

    @property
    def listings(self) -> tuple[ListingView, ...]:
        with self._lock:
            return tuple(self._listings)

    @property
    def post_views(self) -> tuple[int, ...]:
        with self._lock:
            return tuple(self._post_views)

    @property
    def searches(self) -> tuple[SearchRecord, ...]:
        with self._lock:
            return tuple(self._searches)

    @property
    def profile_views(self) -> tuple[ProfileView, ...]:
        with self._lock:
            return tuple(self._profiles)

    @property
    def reply_forms(self) -> tuple[int, ...]:
        """Comment ids whose reply form was opened."""
        with self._lock:
            return tuple(self._reply_forms)

    @property
    def submit_forms(self) -> tuple[str, ...]:
        """The forum preselected each time the submit form was opened ("" for none)."""
        with self._lock:
            return tuple(self._submit_forms)

    @property
    def edit_forms(self) -> tuple[int, ...]:
        with self._lock:
            return tuple(self._edit_forms)

    @property
    def votes(self) -> dict[tuple[str, int], int]:
        """The user's standing votes: (kind, id) to +1 or -1 (no entry: no vote)."""
        with self._lock:
            return dict(self._votes)

    @property
    def vote_log(self) -> tuple[Vote, ...]:
        with self._lock:
            return tuple(self._vote_log)

    @property
    def new_posts(self) -> tuple[NewPost, ...]:
        """Posts the user submitted (edited ones with their latest text), deleted included."""
        with self._lock:
            return tuple(self._new_posts.values())

    @property
    def new_comments(self) -> tuple[NewComment, ...]:
        with self._lock:
            return tuple(self._new_comments)

    @property
    def edits(self) -> tuple[Edit, ...]:
        with self._lock:
            return tuple(self._edits)

    @property
    def deleted(self) -> frozenset[int]:
        with self._lock:
            return frozenset(self._deleted)

    @property
    def subscriptions(self) -> frozenset[str]:
        with self._lock:
            return frozenset(self._subscriptions)

    @property
    def rejections(self) -> tuple[Rejection, ...]:
        with self._lock:
            return tuple(self._rejections)

    def vote(self, kind: str, target: int) -> int:
        with self._lock:
            return self._votes.get((kind, target), 0)

    def latest_edit(self, post_id: int) -> Edit | None:
        with self._lock:
            return next((e for e in reversed(self._edits) if e.post_id == post_id), None)

    def is_own(self, post_id: int) -> bool:
        """Whether the post is the signed-in user's (seeded or submitted this episode)."""
        with self._lock:
            return post_id in self._own_seeded or post_id in self._new_posts

    @property
    def live_new_posts(self) -> tuple[NewPost, ...]:
        """The user's submitted posts that still stand (not deleted again)."""
        with self._lock:
            return tuple(p for p in self._new_posts.values() if p.id not in self._deleted)

    @property
    def seeded_edits(self) -> frozenset[int]:
        """Ids of posts that existed before the episode and were edited in it."""
        with self._lock:
            return frozenset(e.post_id for e in self._edits if e.post_id < self._first_post_id)

    @property
    def seeded_deletions(self) -> frozenset[int]:
        """Ids of posts that existed before the episode and were deleted in it."""
        with self._lock:
            return frozenset(i for i in self._deleted if i < self._first_post_id)

    @property
    def changed(self) -> bool:
        """Whether the episode left a mark on the forum: a standing vote, a post (not
        deleted again), a comment, an edit or deletion of an existing post, or a
        different set of subscriptions."""
        return bool(
            self.votes
            or self.live_new_posts
            or self.new_comments
            or self.seeded_edits
            or self.seeded_deletions
            or self.subscriptions != INITIAL_SUBSCRIPTIONS
        )

    # -- writes from request handlers -----------------------------------------------------

    def record_listing(self, view: ListingView) -> None:
        with self._lock:
            self._listings.append(view)

    def record_post_view(self, post_id: int) -> None:
        with self._lock:
            self._post_views.append(post_id)

    def record_search(self, record: SearchRecord) -> None:
        with self._lock:
            self._searches.append(record)

    def record_profile(self, user: str, tab: str) -> None:
        with self._lock:
            self._profiles.append(ProfileView(user, tab))

    def record_reply_form(self, comment_id: int) -> None:
        with self._lock:
            self._reply_forms.append(comment_id)

    def record_submit_form(self, forum: str) -> None:
        with self._lock:
            self._submit_forms.append(forum)

    def record_edit_form(self, post_id: int) -> None:
        with self._lock:
            self._edit_forms.append(post_id)

    def record_rejection(self, form: str, fields: tuple[str, ...]) -> None:
        with self._lock:
            self._rejections.append(Rejection(form, fields))

    def cast_vote(self, kind: str, target: int, direction: int) -> int:
        """Vote up (+1) or down (-1); voting the same way again takes the vote back.
        Returns the vote that stands afterwards."""
        with self._lock:
            key = (kind, target)
            value = 0 if self._votes.get(key, 0) == direction else direction
            if value:
                self._votes[key] = value
            else:
                self._votes.pop(key, None)
            self._vote_log.append(Vote(kind, target, value))
            return value

    def add_post(self, forum: str, title: str, body: str) -> NewPost:
        with self._lock:
            post_id = self._first_post_id + len(self._new_posts)
            post = NewPost(post_id, forum, title, body, NOW)
            self._new_posts[post_id] = post
            return post

    def add_comment(self, post_id: int, parent_id: int | None, body: str) -> NewComment:
        with self._lock:
            comment_id = self._first_comment_id + len(self._new_comments)
            comment = NewComment(comment_id, post_id, parent_id, body, NOW)
            self._new_comments.append(comment)
            return comment

    def edit_post(self, post_id: int, title: str, body: str) -> None:
        with self._lock:
            self._edits.append(Edit(post_id, title, body))
            if post_id in self._new_posts:
                self._new_posts[post_id] = replace(self._new_posts[post_id], title=title, body=body)

    def delete_post(self, post_id: int) -> None:
        with self._lock:
            if post_id not in self._deleted:
                self._deleted.append(post_id)

    def subscribe(self, forum: str, on: bool) -> None:
        with self._lock:
            if on:
                self._subscriptions.add(forum)
            else:
                self._subscriptions.discard(forum)
