"""A scripted policy that solves the forum's tasks from observations alone.

It reads the observation text a model reads (the URL and the elements by role and
name) and answers with the same actions a model would give, so a run of it proves each
task solvable through mira's browser layer. It keeps only the memory a person would
(what it already did: typed, posted, deleted, which comments it upvoted). Keyword changes
replace fields of the task's facts, so a test can make it do the wrong thing on purpose.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qs, urlparse

from mira_agent.browser.actions import Action
from mira_agent.browser.observation import ElementRef, Observation
from mira_agent.sites.base import Task, facts_as
from mira_agent.sites.forum import facts as kind
from mira_agent.sites.forum.data import CURRENT_USER

_POST_PAGE = re.compile(r"/f/\w+/\d+")


class ForumOracle:
    """Decides the next action for a forum task from the current observation."""

    def __init__(self, task: Task, **changes: Any) -> None:
        self.task = task
        self.facts = replace(task.facts, **changes)
        self.done: set[str] = set()  # things done once: "typed", "sent", "deleted"...
        self.upvoted: set[str] = set()  # titles of posts whose comment is upvoted
        self.current = ""

    def next_action(self, observation: Observation) -> Action:
        url = urlparse(observation.url)
        path, query = url.path, parse_qs(url.query)
        elements = observation.elements()
        steps = {
            kind.TopMonth: self._top_month,
            kind.CountComments: self._count_comments,
            kind.FindAuthor: self._find_author,
            kind.ReplyTop: self._reply_top,
            kind.CreatePost: self._create_post,
            kind.EditOwn: self._edit_own,
            kind.UpvotePosts: self._upvote_posts,
            kind.DownvotePosts: self._upvote_posts,
            kind.UpvoteComments: self._upvote_comments,
            kind.SubscribeAsk: self._subscribe_ask,
            kind.MovePost: self._move_post,
            kind.Top3Comment: self._top3_comment,
        }
        return steps[type(self.facts)](path, query, elements)

    # -- information tasks ---------------------------------------------------------------

    def _top_month(self, path: str, query: dict[str, list[str]], els: list[ElementRef]) -> Action:
        p = facts_as(self.facts, kind.TopMonth)
        # No forum: the question is about every forum, which the front page lists.
        if path == (f"/f/{p.forum}" if p.forum else "/"):
            if query.get("sort") != ["top"]:
                return _click(els, "Top", "link")
            return _stop(p.answer)
        return _click(els, p.forum_title or "Home", "link")

    def _count_comments(
        self, path: str, query: dict[str, list[str]], els: list[ElementRef]
    ) -> Action:
        p = facts_as(self.facts, kind.CountComments)
        user = p.user
        if path == f"/u/{user}/comments":
            return _stop(p.answer)
        return self._to_profile_comments(path, els, user)

    def _find_author(self, path: str, query: dict[str, list[str]], els: list[ElementRef]) -> Action:
        p = facts_as(self.facts, kind.FindAuthor)
        if path == "/search":
            return _click(els, p.title, "link")
        if _POST_PAGE.fullmatch(path):
            return _stop(p.answer)
        return _type(els, "Search", p.query, enter=True)

    # -- action tasks ----------------------------------------------------------------------

    def _reply_top(self, path: str, query: dict[str, list[str]], els: list[ElementRef]) -> Action:
        p = facts_as(self.facts, kind.ReplyTop)
        if "/reply/" in path:
            return self._write(els, "Your reply", p.text, "Post reply")
        if _POST_PAGE.fullmatch(path):
            if "sent" in self.done:
                return _stop("Replied to the top comment.")
            return _click(els, f"Reply to {p.comment_author}", "link")
        if path == f"/f/{p.forum}":
            return _click(els, p.title, "link")
        return _click(els, p.forum_title, "link")

    def _create_post(self, path: str, query: dict[str, list[str]], els: list[ElementRef]) -> Action:
        if path == "/submit":
            return self._fill_submit(els)
        if _POST_PAGE.fullmatch(path) and "sent" in self.done:
            return _stop("Posted.")
        return _click(els, "Submit a post", "link")

    def _edit_own(self, path: str, query: dict[str, list[str]], els: list[ElementRef]) -> Action:
        p = facts_as(self.facts, kind.EditOwn)
        if path.endswith("/edit"):
            return self._write(els, "Body", p.new_body, "Save changes")
        if _POST_PAGE.fullmatch(path):
            if "sent" in self.done:
                return _stop("Edited the post.")
            return _click(els, "Edit post", "link")
        if path == f"/u/{CURRENT_USER}":
            return _click(els, p.title, "link")
        return _click(els, "My profile", "link")

    def _upvote_posts(
        self, path: str, query: dict[str, list[str]], els: list[ElementRef]
    ) -> Action:
        p = facts_as(self.facts, kind.UpvotePosts)
        verb = "Downvote" if isinstance(p, kind.DownvotePosts) else "Upvote"
        if path == f"/f/{p.forum}":
            return _upvote_next(els, p.titles, verb) or _stop(f"{verb}d them all.")
        return _click(els, p.forum_title, "link")

    def _upvote_comments(
        self, path: str, query: dict[str, list[str]], els: list[ElementRef]
    ) -> Action:
        p = facts_as(self.facts, kind.UpvoteComments)
        user = p.user
        if path == f"/u/{user}/comments":
            remaining = [t for t in p.titles if t not in self.upvoted]
            if not remaining:
                return _stop("Upvoted every comment.")
            self.current = remaining[0]
            return _click(els, self.current, "link")
        if _POST_PAGE.fullmatch(path) and self.current:
            button = _named(els, f"Upvote comment by {user}", "button")
            if "pressed" not in button.flags:
                return _act("click", button)
            self.upvoted.add(self.current)
            return _click(els, user, "link")
        return self._to_profile_comments(path, els, user)

    def _subscribe_ask(
        self, path: str, query: dict[str, list[str]], els: list[ElementRef]
    ) -> Action:
        p = facts_as(self.facts, kind.SubscribeAsk)
        if path == "/forums":
            for name in p.subscribe:
                button = _find(els, f"Subscribe to {name}", "button")
                if button is not None:
                    return _act("click", button)
            return _click(els, "Submit a post", "link")
        if path == "/submit":
            return self._fill_submit(els)
        if _POST_PAGE.fullmatch(path) and "sent" in self.done:
            return _stop("Subscribed and posted the question.")
        return _click(els, "Forums", "link")

    def _move_post(self, path: str, query: dict[str, list[str]], els: list[ElementRef]) -> Action:
        p = facts_as(self.facts, kind.MovePost)
        if path == "/submit":
            return self._fill_submit(els)
        if _POST_PAGE.fullmatch(path):
            if "sent" in self.done:
                return _stop("Moved the post.")
            self.done.add("deleted")
            return _click(els, "Delete post", "button")
        if "deleted" in self.done:
            return _click(els, "Submit a post", "link")
        if path == f"/u/{CURRENT_USER}":
            return _click(els, p.title, "link")
        return _click(els, "My profile", "link")

    def _top3_comment(
        self, path: str, query: dict[str, list[str]], els: list[ElementRef]
    ) -> Action:
        p = facts_as(self.facts, kind.Top3Comment)
        if path == f"/f/{p.forum}":
            if query.get("sort") != ["top"]:
                return _click(els, "Top", "link")
            return _upvote_next(els, p.titles) or _click(els, p.titles[0], "link")
        if _POST_PAGE.fullmatch(path):
            if "sent" in self.done:
                return _stop("Upvoted the top three and commented.")
            return self._write(els, "Add a comment", p.text, "Post comment")
        return _click(els, p.forum_title, "link")

    # -- shared steps ------------------------------------------------------------------------

    def _to_profile_comments(self, path: str, els: list[ElementRef], user: str) -> Action:
        """Search for the user, open their profile, then its comments tab."""
        if path == f"/u/{user}":
            return _click(els, "Comments", "link")
        if path == "/search":
            return _click(els, f"u/{user}", "link")
        return _type(els, "Search", user, enter=True)

    def _write(self, els: list[ElementRef], field: str, text: str, button: str) -> Action:
        """Type `text` into `field` once (a long text shows clipped, so it is not compared
        again), then press `button`."""
        if "typed" not in self.done:
            self.done.add("typed")
            return _type(els, field, text)
        self.done.add("sent")
        return _click(els, button, "button")

    def _fill_submit(self, els: list[ElementRef]) -> Action:
        p = facts_as(self.facts, kind.Submission)
        forum = _named(els, "Forum", "combobox")
        if forum.value != p.forum_title:
            return Action("select", {"element": forum.id, "option": p.forum_title})
        for label, key, text in (("Title", "title", p.title), ("Body", "body", p.body)):
            if f"typed-{key}" not in self.done:
                self.done.add(f"typed-{key}")
                return _type(els, label, text)
        self.done.add("sent")
        return _click(els, "Submit", "button")


def _upvote_next(
    els: list[ElementRef], titles: tuple[str, ...], verb: str = "Upvote"
) -> Action | None:
    """Upvoting (or, with `verb` "Downvote", downvoting) the first of these posts not
    voted on that way yet; None when all are."""
    for title in titles:
        button = _named(els, f"{verb} post “{title}”", "button")
        if "pressed" not in button.flags:
            return _act("click", button)
    return None


def _find(els: list[ElementRef], name: str, role: str) -> ElementRef | None:
    return next((e for e in els if e.name == name and e.role == role), None)


def _named(els: list[ElementRef], name: str, role: str) -> ElementRef:
    found = _find(els, name, role)
    if found is None:
        raise LookupError(f"no {role} named {name!r} on the page")
    return found


def _act(name: str, element: ElementRef) -> Action:
    return Action(name, {"element": element.id})


def _click(els: list[ElementRef], name: str, role: str) -> Action:
    return _act("click", _named(els, name, role))


def _type(els: list[ElementRef], name: str, text: str, *, enter: bool = False) -> Action:
    field = next((e for e in els if e.name == name and e.role in ("textbox", "searchbox")), None)
    if field is None:
        raise LookupError(f"no text field named {name!r} on the page")
    args: dict[str, Any] = {"element": field.id, "text": text}
    if enter:
        args["enter"] = True
    return Action("type", args)


def _stop(answer: str) -> Action:
    return Action("stop", {"answer": answer})
