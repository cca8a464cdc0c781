"""The forum as the pages show it: the seeded content with the episode's changes applied.

Scores include the signed-in user's votes, edited posts show their latest text,
deleted posts (and their comments) disappear, and posts and comments the user added
join the rest. Pages read the forum only through a `Board`, so what an agent sees is
always what the state says.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime

from mira_agent.sites.forum.data import CURRENT_USER, FIRST_DAY, USERS, Comment, ForumData, Post
from mira_agent.sites.forum.state import ForumState

SORTS: dict[str, str] = {"hot": "Hot", "new": "New", "top": "Top"}


@dataclass(frozen=True)
class PostView(Post):
    """A post as a page shows it: with its edits applied, its comments counted and the
    signed-in user's vote."""

    comment_count: int
    vote: int
    own: bool
    edited: bool


@dataclass(frozen=True)
class CommentView(Comment):
    """A comment as a page shows it: with its edits applied and the user's vote."""

    vote: int


@dataclass
class CommentNode:
    """A comment with its replies, for the nested thread on a post page."""

    comment: CommentView
    replies: list[CommentNode] = field(default_factory=list)


def hot_rank(score: int, created: datetime) -> float:
    """Reddit's hot ranking: the order of magnitude of the score plus recency."""
    sign = (score > 0) - (score < 0)
    seconds = (created - FIRST_DAY).total_seconds()
    return sign * math.log10(max(abs(score), 1)) + seconds / 45000


def sort_posts(posts: list[PostView], sort: str) -> list[PostView]:
    if sort == "new":
        return sorted(posts, key=lambda p: (p.created, p.id), reverse=True)
    if sort == "top":
        return sorted(posts, key=lambda p: (p.score, p.created), reverse=True)
    return sorted(posts, key=lambda p: (hot_rank(p.score, p.created), p.id), reverse=True)


def words(text: str) -> list[str]:
    return re.findall(r"[\w'-]+", text.casefold())


class Board:
    """Read access to the live forum for one data set and one episode state."""

    def __init__(self, data: ForumData, state: ForumState) -> None:
        self.data = data
        self.state = state

    # -- posts --------------------------------------------------------------------------

    def posts(self, forum: str | None = None) -> list[PostView]:
        """Every live post (of one forum when given), in no particular order."""
        deleted = self.state.deleted
        counts = self._comment_counts()
        views = [
            self._post_view(p.id, p.forum, p.title, p.author, p.created, p.score, p.body, counts)
            for p in self.data.posts
            if p.id not in deleted
        ]
        views += [
            self._post_view(p.id, p.forum, p.title, CURRENT_USER, p.created, 1, p.body, counts)
            for p in self.state.new_posts
            if p.id not in deleted
        ]
        return [v for v in views if forum is None or v.forum == forum]

    def post(self, post_id: int) -> PostView | None:
        return next((p for p in self.posts() if p.id == post_id), None)

    def listing(self, forum: str | None, sort: str) -> list[PostView]:
        return sort_posts(self.posts(forum), sort)

    def _post_view(
        self,
        post_id: int,
        forum: str,
        title: str,
        author: str,
        created: datetime,
        base_score: int,
        body: str,
        counts: dict[int, int],
    ) -> PostView:
        vote = self.state.vote("post", post_id)
        edit = self.state.latest_edit(post_id)
        return PostView(
            id=post_id,
            forum=forum,
            title=edit.title if edit else title,
            author=author,
            created=created,
            score=base_score + vote,
            body=edit.body if edit else body,
            comment_count=counts.get(post_id, 0),
            vote=vote,
            own=author == CURRENT_USER,
            edited=edit is not None,
        )

    # -- comments -----------------------------------------------------------------------

    def comments(self, post_id: int | None = None) -> list[CommentView]:
        """Live comments (on one post when given), oldest first."""
        deleted = self.state.deleted
        views = [
            CommentView(
                c.id,
                c.post_id,
                c.parent_id,
                c.author,
                c.created,
                c.score + self.state.vote("comment", c.id),
                c.body,
                self.state.vote("comment", c.id),
            )
            for c in self.data.comments
            if (post_id is None or c.post_id == post_id) and c.post_id not in deleted
        ]
        views += [
            CommentView(
                c.id,
                c.post_id,
                c.parent_id,
                CURRENT_USER,
                c.created,
                1 + self.state.vote("comment", c.id),
                c.body,
                self.state.vote("comment", c.id),
            )
            for c in self.state.new_comments
            if (post_id is None or c.post_id == post_id) and c.post_id not in deleted
        ]
        return sorted(views, key=lambda c: (c.created, c.id))

    def comment(self, comment_id: int) -> CommentView | None:
        return next((c for c in self.comments() if c.id == comment_id), None)

    def thread(self, post_id: int) -> list[CommentNode]:
        """A post's comments as a tree: top-level comments oldest first, replies under
        the comment they answer."""
        nodes = {c.id: CommentNode(c) for c in self.comments(post_id)}
        roots: list[CommentNode] = []
        for node in nodes.values():
            parent = node.comment.parent_id
            if parent is not None and parent in nodes:
                nodes[parent].replies.append(node)
            else:
                roots.append(node)
        return roots

    def _comment_counts(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        for c in self.data.comments:
            counts[c.post_id] = counts.get(c.post_id, 0) + 1
        for n in self.state.new_comments:
            counts[n.post_id] = counts.get(n.post_id, 0) + 1
        return counts

    # -- users and search -----------------------------------------------------------------

    @staticmethod
    def users() -> list[str]:
        return sorted((*USERS, CURRENT_USER))

    def user_posts(self, user: str) -> list[PostView]:
        return sort_posts([p for p in self.posts() if p.author == user], "new")

    def user_comments(self, user: str) -> list[tuple[CommentView, PostView]]:
        """The user's comments, newest first, each with the post it is on."""
        posts = {p.id: p for p in self.posts()}
        found = [(c, posts[c.post_id]) for c in self.comments() if c.author == user]
        return sorted(found, key=lambda pair: (pair[0].created, pair[0].id), reverse=True)

    def search(self, query: str) -> tuple[list[PostView], list[str]]:
        """Posts whose title or body has every word of `query` (newest first), and users
        whose name contains the query."""
        terms = words(query)
        if not terms:
            return [], []
        posts = [
            p
            for p in self.posts()
            if all(t in words(p.title + " " + p.body) or t in p.title.casefold() for t in terms)
        ]
        needle = query.strip().casefold().removeprefix("u/")
        users = [u for u in self.users() if needle and needle in u.casefold()]
        return sort_posts(posts, "new"), users
