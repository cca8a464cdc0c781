"""The typed facts of each kind of forum task: which forum, post, comment or user it is
about, the text to write and the answer to give."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from mira_agent.sites.base import TaskFacts


@dataclass(frozen=True)
class TopMonth(TaskFacts):
    kind: ClassVar[str] = "top_month"
    forum: str
    forum_title: str
    answer: str
    expected_post_id: int


@dataclass(frozen=True)
class CountComments(TaskFacts):
    kind: ClassVar[str] = "count_comments"
    user: str
    forum: str
    answer: str


@dataclass(frozen=True)
class FindAuthor(TaskFacts):
    kind: ClassVar[str] = "find_author"
    query: str
    title: str
    answer: str
    expected_post_id: int


@dataclass(frozen=True)
class ReplyTop(TaskFacts):
    kind: ClassVar[str] = "reply_top"
    forum: str
    forum_title: str
    title: str
    post_id: int
    comment_id: int
    comment_author: str
    text: str


@dataclass(frozen=True)
class Submission(TaskFacts):
    """A task that ends with a post submitted to `forum` with this title and body."""

    forum: str
    forum_title: str
    title: str
    body: str


@dataclass(frozen=True)
class CreatePost(Submission):
    kind: ClassVar[str] = "create_post"


@dataclass(frozen=True)
class SubscribeAsk(Submission):
    kind: ClassVar[str] = "subscribe_ask"
    subscribe: tuple[str, ...]


@dataclass(frozen=True)
class MovePost(Submission):
    kind: ClassVar[str] = "move_post"
    post_id: int


@dataclass(frozen=True)
class EditOwn(TaskFacts):
    kind: ClassVar[str] = "edit_own"
    title: str
    post_id: int
    forum: str
    old_body: str
    line: str
    new_body: str


@dataclass(frozen=True)
class UpvotePosts(TaskFacts):
    kind: ClassVar[str] = "upvote_posts"
    user: str
    forum: str
    forum_title: str
    titles: tuple[str, ...]
    post_ids: tuple[int, ...]


@dataclass(frozen=True)
class DownvotePosts(UpvotePosts):
    """The same posts as `UpvotePosts`, to be downvoted instead."""

    kind: ClassVar[str] = "downvote_posts"


@dataclass(frozen=True)
class UpvoteComments(TaskFacts):
    kind: ClassVar[str] = "upvote_comments"
    user: str
    forum: str
    forum_title: str
    titles: tuple[str, ...]
    comment_ids: tuple[int, ...]


@dataclass(frozen=True)
class Top3Comment(TaskFacts):
    kind: ClassVar[str] = "top3_comment"
    forum: str
    forum_title: str
    titles: tuple[str, ...]
    post_ids: tuple[int, ...]
    text: str
