"""The forum's tasks, built from its seeded content so expected answers are exact.

Some facts are fixed (which forum, which of the signed-in user's posts, the text to
write); the rest (which user, which posts and comments, the answer) are read off the
data for the seed, choosing cases where a careless agent would go wrong: the top post
of the month is not the top post overall, the user to count has comments in other
forums too, the top comment is not the first one.

Each fixed task is one call of a builder that takes its parameters (`post_of_month`,
`reply_to_comment`, `vote_user_posts`...); the templates (`templates.py`) call the same
builders with parameters they draw.

Milestone and success checks are closures over the task's facts and read only the
`ForumState` (and the agent's answer), never the pages. Success is strict: the right
final state and nothing else changed on the forum (no stray vote, post, comment, edit,
deletion or subscription).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from mira_agent.sites.answers import names_one, parse_count, same_text
from mira_agent.sites.base import Milestone, Task
from mira_agent.sites.forum.data import (
    CURRENT_USER,
    FORUMS_BY_SLUG,
    INITIAL_SUBSCRIPTIONS,
    USERS,
    ForumData,
    Post,
)
from mira_agent.sites.forum.facts import (
    CountComments,
    CreatePost,
    DownvotePosts,
    EditOwn,
    FindAuthor,
    MovePost,
    ReplyTop,
    SubscribeAsk,
    Top3Comment,
    TopMonth,
    UpvoteComments,
    UpvotePosts,
)
from mira_agent.sites.forum.state import ForumState, NewPost
from mira_agent.sites.specs import Draft, Spec, answered
from mira_agent.sites.specs import build_tasks as build

SITE = "forum"
Check = Callable[[ForumState], bool]
Success = Callable[[ForumState, "str | None"], bool]


def names_user(answer: str | None, user: str) -> bool:
    """The answer names `user` ("packetloss", "u/packetloss") and no other user."""
    tokens = set(re.findall(r"[a-z0-9_]+", (answer or "").casefold()))
    others = {u for u in (*USERS, CURRENT_USER) if u != user}
    return user in tokens and not tokens & others


# -- what else may have changed ---------------------------------------------------------


def untouched(
    state: ForumState,
    *,
    votes: bool = True,
    posts: bool = True,
    comments: bool = True,
    edits: bool = True,
    deletions: bool = True,
    subscriptions: bool = True,
) -> bool:
    """Whether each kind of change left True is absent: a task passes False for the
    kinds it checks itself."""
    return not (
        (votes and state.votes)
        or (posts and state.live_new_posts)
        or (comments and state.new_comments)
        or (edits and state.seeded_edits)
        or (deletions and state.seeded_deletions)
        or (subscriptions and state.subscriptions != INITIAL_SUBSCRIPTIONS)
    )


def _only_upvotes(state: ForumState, kind: str, ids: Iterable[int]) -> bool:
    return state.votes == {(kind, i): 1 for i in ids}


def _upvotes(kind: str, ids: Iterable[int]) -> Callable[[ForumState], int]:
    """How many of these posts (or comments) the user has upvoted: for milestones that
    count the way to "all of them"."""
    return _voted(kind, ids, 1)


def _voted(kind: str, ids: Iterable[int], direction: int) -> Callable[[ForumState], int]:
    """How many of these posts (or comments) carry the user's vote in `direction`."""
    wanted = tuple(ids)
    return lambda state: sum(state.votes.get((kind, i)) == direction for i in wanted)


def _one_post(state: ForumState, forum: str, title: str, body: str) -> NewPost | None:
    """The single standing new post, when it is in `forum` with this title and body."""
    posts = state.live_new_posts
    if len(posts) != 1:
        return None
    post = posts[0]
    ok = post.forum == forum and same_text(post.title, title) and same_text(post.body, body)
    return post if ok else None


def _posted(state: ForumState, forum: str, title: str, body: str) -> bool:
    return any(
        p.forum == forum and same_text(p.title, title) and same_text(p.body, body)
        for p in state.live_new_posts
    )


def _listed(state: ForumState, forum: str, sort: str | None = None) -> bool:
    return any(v.forum == forum and (sort is None or v.sort == sort) for v in state.listings)


def _unchanged(state: ForumState) -> bool:
    return not state.changed


def forum_title(slug: str) -> str:
    return FORUMS_BY_SLUG[slug].title


# -- information tasks -----------------------------------------------------------------


MONTHS = {3: "March", 4: "April", 5: "May", 6: "June"}  # the site's months; June is now
RANKS = ("highest", "second-highest", "third-highest", "lowest")
NUMBERS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}


def in_month(posts: Iterable[Post], month: int) -> list[Post]:
    """The posts submitted in `month` of 2026."""
    return [p for p in posts if (p.created.year, p.created.month) == (2026, month)]


def _june(data: ForumData, forum: str) -> list[Post]:
    return in_month(data.posts_in(forum), 6)


def when(month: int) -> str:
    """A month as intents name it: June 2026 is "this month"."""
    return "this month (June 2026)" if month == 6 else f"in {MONTHS[month]} 2026"


def by_rank(posts: Iterable[Post], rank: str) -> Post:
    """The post at `rank` by score (scores are unique, so there is no tie)."""
    ordered = sorted(posts, key=lambda p: p.score, reverse=True)
    return ordered[-1] if rank == "lowest" else ordered[RANKS.index(rank)]


def _month_forums(data: ForumData) -> list[str]:
    """Forums in order of preference for the top-of-the-month tasks: first those where
    the answer is neither the forum's all-time top post nor its newest post (so neither
    sorting alone answers it), then the rest that had a post this month."""

    def telling(forum: str) -> bool:
        posts, june = data.posts_in(forum), _june(data, forum)
        best = max(june, key=lambda p: p.score)
        newest = max(posts, key=lambda p: p.created)
        return best != newest and best != max(posts, key=lambda p: p.score)

    order = ("cycling", "gardening", "books", "localnews", "techhelp", "cooking")
    usable = [f for f in order if _june(data, f)]
    return sorted(usable, key=lambda f: not telling(f))


def top_of_month(data: ForumData, forum: str) -> Draft:
    """The highest-scored post submitted to `forum` in June 2026 (the site's month)."""
    return post_of_month(data, forum, 6, "highest")


def post_of_month(data: ForumData, forum: str | None, month: int, rank: str) -> Draft:
    """The post at `rank` by score among those submitted to `forum` (None: any forum, on
    the front page) in `month` of 2026."""
    posts = data.posts_in(forum) if forum else list(data.posts)
    expected = by_rank(in_month(posts, month), rank)
    name = forum_title(forum) if forum else ""
    where, listing = (f"the {name} forum", f"The {name} forum") if forum else ("any forum", "")
    open_text = f"{listing} is open" if forum else "The front page (every forum) is open"
    sorted_text = (
        f"{listing}'s posts are sorted by top score"
        if forum
        else "The front page's posts are sorted by top score"
    )
    return Draft(
        intent=(
            f"Which post submitted to {where} {when(month)} has the {rank} "
            "score? Don't vote or post anything. Answer with the post's title."
        ),
        milestones=[
            Milestone(open_text, lambda s: _listed(s, forum)),
            Milestone(sorted_text, lambda s: _listed(s, forum, "top")),
        ],
        success=answered(
            lambda a: names_one(a, expected.title, [p.title for p in posts]), _unchanged
        ),
        facts=TopMonth(
            forum=forum or "",
            forum_title=name,
            answer=expected.title,
            expected_post_id=expected.id,
        ),
        tags=("information", "sorting", "comparison"),
        outcome=expected.title,
    )


def comment_counts(data: ForumData) -> dict[tuple[str, str], int]:
    """How many comments each (user, forum) pair has."""
    counts: dict[tuple[str, str], int] = {}
    for c in data.comments:
        key = (c.author, data.post_of(c).forum)
        counts[key] = counts.get(key, 0) + 1
    return counts


def _pick_commenter(
    data: ForumData, forums: Iterable[str], low: int, high: int, taken: set[str]
) -> tuple[str, str]:
    """A (user, forum) with `low`..`high` comments in the forum and at least two in
    other forums, so that counting everything on the profile gives a wrong number."""
    counts = comment_counts(data)
    for forum in forums:
        for user in sorted(USERS):
            if user in taken:
                continue
            here = counts.get((user, forum), 0)
            elsewhere = sum(n for (u, f), n in counts.items() if u == user and f != forum)
            if low <= here <= high and elsewhere >= 2:
                taken.add(user)
                return user, forum
    raise RuntimeError("no user fits a comment task; the seeded data is too sparse")


def count_comments(data: ForumData, taken: set[str]) -> Draft:
    user, forum = _pick_commenter(data, ("cooking", "gardening", "cycling", "books"), 3, 7, taken)
    return user_comment_count(data, user, forum)


def user_comment_count(data: ForumData, user: str, forum: str) -> Draft:
    """How many comments `user` wrote in `forum` (their profile lists every forum's)."""
    expected = comment_counts(data).get((user, forum), 0)
    name = forum_title(forum)
    return Draft(
        intent=(
            f"How many comments has the user {user} written in the {name} forum? Count only "
            f"comments in {name}. Answer with a number."
        ),
        milestones=[
            Milestone(
                f"{user}'s profile is open", lambda s: any(v.user == user for v in s.profile_views)
            ),
            Milestone(
                f"{user}'s comments are listed",
                lambda s: any(v.user == user and v.tab == "comments" for v in s.profile_views),
            ),
        ],
        success=answered(lambda a: parse_count(a) == expected, _unchanged),
        facts=CountComments(user=user, forum=forum, answer=str(expected)),
        tags=("information", "counting", "profile"),
        outcome=f"{expected} comment{'s' if expected != 1 else ''}",
    )


def find_author(data: ForumData) -> Draft:
    post = data.post_by_title("Printer keeps going offline on Wi-Fi")
    question = (
        "Someone on Commons asked for help because their printer keeps going offline on "
        "Wi-Fi. Which user posted that question?"
    )
    return author_of(post, question, "The printer question", "printer offline")


def author_of(post: Post, question: str, label: str, query: str) -> Draft:
    """Who posted `post`, asked by `question`; `label` names the post in milestones and
    `query` is what the oracle searches for."""
    forum = forum_title(post.forum)
    # Where the post is is named only where the question says it.
    where = f"the {forum} forum" if forum in question else "its forum"
    return Draft(
        intent=f"{question} Answer with the username.",
        milestones=[
            Milestone(
                f"{label} is found (in a search or {where})",
                lambda s: (
                    any(post.id in r.post_ids for r in s.searches)
                    or any(post.id in v.post_ids for v in s.listings)
                ),
            ),
            Milestone(f"{label} is open", lambda s: post.id in s.post_views),
        ],
        success=answered(lambda a: names_user(a, post.author), _unchanged),
        facts=FindAuthor(
            query=query, title=post.title, answer=post.author, expected_post_id=post.id
        ),
        tags=("information", "search"),
        outcome=post.author,
    )


# -- action tasks ----------------------------------------------------------------------


def reply_to_top_comment(data: ForumData) -> Draft:
    """Reply to the highest-scored comment of a Cooking post whose comments are many and
    whose best comment is neither the first nor the last one shown."""
    text = "Thanks, that's really useful. I'll try it this weekend."
    chosen: tuple[Post, int] | None = None
    # The strictest case the data allows: the best comment hidden in the middle of a long
    # thread, then looser ones.
    for least, middle in ((5, True), (4, False), (2, False)):
        for post in data.posts_in("cooking"):
            comments = data.comments_on(post.id)
            if len(comments) < least:
                continue
            top = max(comments, key=lambda c: c.score)
            hidden = top.id not in (comments[0].id, comments[-1].id) and top.parent_id is None
            if hidden or (not middle and top.id != comments[0].id):
                chosen = (post, top.id)
                break
        if chosen is not None:
            break
    if chosen is None:
        raise RuntimeError("no Cooking post fits the reply task")
    return reply_to_comment(data, chosen[0], "highest", text)


def reply_to_comment(data: ForumData, post: Post, rank: str, text: str) -> Draft:
    """Reply `text` to the comment of `post` with the `rank` ("highest" or "lowest")
    score."""
    comments = data.comments_on(post.id)
    top = (max if rank == "highest" else min)(comments, key=lambda c: c.score)
    top_id = top.id
    name = forum_title(post.forum)

    def replied(state: ForumState) -> bool:
        return any(
            c.parent_id == top_id and c.post_id == post.id and same_text(c.body, text)
            for c in state.new_comments
        )

    def success(state: ForumState, answer: str | None) -> bool:
        return len(state.new_comments) == 1 and replied(state) and untouched(state, comments=False)

    return Draft(
        intent=(
            f"In the {name} forum, open the post “{post.title}” and reply to its "
            f"{rank}-scored comment with exactly this text: {text}"
        ),
        milestones=[
            Milestone(f"The post “{post.title}” is open", lambda s: post.id in s.post_views),
            Milestone(
                f"The reply form for the {rank}-scored comment is open",
                lambda s: top_id in s.reply_forms,
            ),
            Milestone(f"The reply to the {rank}-scored comment is posted", replied),
        ],
        success=success,
        facts=ReplyTop(
            forum=post.forum,
            forum_title=name,
            title=post.title,
            post_id=post.id,
            comment_id=top_id,
            comment_author=top.author,
            text=text,
        ),
        tags=("action", "comment", "comparison"),
        outcome=f"replied to {top.author}'s comment on “{post.title}”",
    )


def create_post(data: ForumData) -> Draft:
    forum, title = "techhelp", "Laptop won't wake from sleep"
    body = (
        "Since the last update my laptop stays black when I open the lid. "
        "Holding the power button is the only fix."
    )
    return new_post(forum, title, body)


def new_post(forum: str, title: str, body: str) -> Draft:
    """Submit one post with this title and body to `forum`."""
    name = forum_title(forum)

    def success(state: ForumState, answer: str | None) -> bool:
        return _one_post(state, forum, title, body) is not None and untouched(state, posts=False)

    return Draft(
        intent=(
            f"Submit a new post to the {name} forum with the title “{title}” and the body “{body}”"
        ),
        milestones=[
            Milestone("The form to submit a post is open", lambda s: bool(s.submit_forms)),
            Milestone(
                f"The post “{title}” is submitted to {name} with the given body",
                lambda s: _posted(s, forum, title, body),
            ),
        ],
        success=success,
        facts=CreatePost(forum=forum, forum_title=name, title=title, body=body),
        tags=("action", "post", "form"),
        outcome=f"posted “{title}” in {name}",
    )


def edit_own_post(data: ForumData) -> Draft:
    post = data.post_by_title("Which climbing beans for a north fence?")
    line = "Update: I planted runner beans and they are already at the top of the fence."
    return add_line(post, line, at_end=True)


def add_line(post: Post, line: str, *, at_end: bool) -> Draft:
    """Add `line` at the end (or the start) of the signed-in user's `post`."""
    assert post.author == CURRENT_USER
    new_body = f"{post.body}\n{line}" if at_end else f"{line}\n{post.body}"
    end = "end" if at_end else "start"

    def edited(state: ForumState) -> bool:
        edit = state.latest_edit(post.id)
        return (
            edit is not None
            and same_text(edit.body, new_body)
            and same_text(edit.title, post.title)
        )

    def success(state: ForumState, answer: str | None) -> bool:
        return (
            edited(state)
            and state.seeded_edits == {post.id}
            and post.id not in state.deleted
            and untouched(state, edits=False)
        )

    return Draft(
        intent=(
            f"Edit your post “{post.title}” in the {forum_title(post.forum)} forum: add the line "
            f"“{line}” at the {end} of its body, keeping the existing text and the title as "
            "they are."
        ),
        milestones=[
            Milestone(f"Your post “{post.title}” is open", lambda s: post.id in s.post_views),
            Milestone("Its edit form is open", lambda s: post.id in s.edit_forms),
            Milestone(f"The body now {end}s with the update line", edited),
        ],
        success=success,
        facts=EditOwn(
            title=post.title,
            post_id=post.id,
            forum=post.forum,
            old_body=post.body,
            line=line,
            new_body=new_body,
        ),
        tags=("action", "edit"),
        outcome=f"“{line}” added at the {end} of “{post.title}”",
    )


def upvote_user_posts(data: ForumData, taken: set[str]) -> Draft:
    """Upvote every post a user submitted to one forum (3 to 5 of them)."""
    candidates = []
    for forum in ("books", "gardening", "cycling", "localnews", "techhelp", "cooking"):
        for user in sorted(USERS):
            theirs = [p for p in data.posts_in(forum) if p.author == user]
            if user not in taken and 3 <= len(theirs) <= 5:
                elsewhere = len(data.posts_by(user)) - len(theirs)
                candidates.append((elsewhere == 0, forum, user, theirs))
    if not candidates:
        raise RuntimeError("no user has 3 to 5 posts in one forum")
    _, forum, user, theirs = min(candidates, key=lambda c: c[0])
    taken.add(user)
    return vote_user_posts(data, user, forum, 1)


def vote_user_posts(data: ForumData, user: str, forum: str, direction: int) -> Draft:
    """Upvote (`direction` 1) or downvote (-1) every post `user` submitted to `forum`;
    a user with one post there gets no "one of them" milestone."""
    theirs = [p for p in data.posts_in(forum) if p.author == user]
    ids = [p.id for p in theirs]
    name = forum_title(forum)
    verb = "upvote" if direction == 1 else "downvote"
    count_voted = _voted("post", ids, direction)
    in_view = Milestone(
        f"{user}'s posts in {name} are in view (the {name} forum or {user}'s profile)",
        lambda s: _listed(s, forum) or any(v.user == user for v in s.profile_views),
    )
    # The same wording whatever the count: the count is for the agent to find.
    every = f"All of {user}'s {name} posts are {verb}d"
    if len(ids) == 1:
        votes = [Milestone(every, lambda s: count_voted(s) == 1)]
    else:
        votes = [
            Milestone(f"One of {user}'s {name} posts is {verb}d", lambda s: count_voted(s) >= 1),
            Milestone(every, lambda s: count_voted(s) == len(ids)),
        ]
    kind = UpvotePosts if direction == 1 else DownvotePosts
    return Draft(
        intent=(
            f"{verb.capitalize()} every post that the user {user} has submitted to the {name} "
            "forum. Don't vote on anything else."
        ),
        milestones=[in_view, *votes],
        success=lambda s, a: (
            s.votes == {("post", i): direction for i in ids} and untouched(s, votes=False)
        ),
        facts=kind(
            user=user,
            forum=forum,
            forum_title=name,
            titles=tuple(p.title for p in theirs),
            post_ids=tuple(ids),
        ),
        tags=("action", "vote", "multi-item"),
        outcome=(
            f"{verb}d {user}'s only {name} post"
            if len(ids) == 1
            else f"{verb}d {len(ids)} {name} posts by {user}"
        ),
    )


def upvote_user_comments(data: ForumData, taken: set[str]) -> Draft:
    """Upvote every comment a user wrote in one forum: one post page per comment."""
    user, forum = _pick_commenter(data, ("gardening", "cycling", "books", "localnews"), 3, 4, taken)
    return upvote_comments_of(data, user, forum)


def upvote_comments_of(data: ForumData, user: str, forum: str) -> Draft:
    """Upvote every comment `user` wrote in `forum`: one post page per comment."""
    comments = [c for c in data.comments_by(user) if data.post_of(c).forum == forum]
    ids = [c.id for c in comments]
    post_ids = {c.post_id for c in comments}
    titles = [data.post_of(c).title for c in comments]
    name = forum_title(forum)

    count_up = _upvotes("comment", ids)

    return Draft(
        intent=(
            f"Upvote every comment that the user {user} has written in the {name} forum "
            f"({user}'s profile lists their comments). Don't vote on anything else."
        ),
        milestones=[
            Milestone(
                f"{user}'s comments are listed",
                lambda s: any(v.user == user and v.tab == "comments" for v in s.profile_views),
            ),
            Milestone(
                f"A {name} post with one of {user}'s comments is open",
                lambda s: any(p in post_ids for p in s.post_views),
            ),
            Milestone(f"One of {user}'s {name} comments is upvoted", lambda s: count_up(s) >= 1),
            Milestone(
                f"All of {user}'s {name} comments are upvoted", lambda s: count_up(s) == len(ids)
            ),
        ],
        success=lambda s, a: _only_upvotes(s, "comment", ids) and untouched(s, votes=False),
        facts=UpvoteComments(
            user=user, forum=forum, forum_title=name, titles=tuple(titles), comment_ids=tuple(ids)
        ),
        tags=("action", "vote", "multi-item", "long"),
        outcome=f"upvoted {len(ids)} {name} comments by {user}",
    )


def subscribe_and_ask(data: ForumData) -> Draft:
    first, second = "gardening", "cooking"
    title = "Best time to divide hostas?"
    body = "My hostas have doubled in size. Should I split them now or wait until autumn?"
    return subscribe_then_ask(first, second, title, body)


def subscribe_then_ask(first: str, second: str, title: str, body: str) -> Draft:
    """Subscribe to two more forums, then post a question in the first of them."""
    wanted = INITIAL_SUBSCRIPTIONS | {first, second}
    a, b = forum_title(first), forum_title(second)

    def success(state: ForumState, answer: str | None) -> bool:
        return (
            state.subscriptions == wanted
            and _one_post(state, first, title, body) is not None
            and untouched(state, posts=False, subscriptions=False)
        )

    return Draft(
        intent=(
            f"Subscribe to the {a} and {b} forums (keep your other subscriptions), then ask a "
            f"question in {a}: a post titled “{title}” with the body “{body}”"
        ),
        milestones=[
            Milestone(f"Subscribed to {a}", lambda s: first in s.subscriptions),
            Milestone(f"Subscribed to {b}", lambda s: second in s.subscriptions),
            Milestone(
                f"The question “{title}” is posted in {a}", lambda s: _posted(s, first, title, body)
            ),
        ],
        success=success,
        facts=SubscribeAsk(subscribe=(a, b), forum=first, forum_title=a, title=title, body=body),
        tags=("action", "subscription", "post", "long"),
        outcome=f"subscribed to {a} and {b}; asked “{title}” in {a}",
    )


def move_post(data: ForumData) -> Draft:
    post = data.post_by_title("Street party on Willow Lane on July 4")
    assert post.author == CURRENT_USER and post.forum == "techhelp"
    return repost(post, "localnews")


def repost(post: Post, target: str) -> Draft:
    """Delete the signed-in user's `post` and submit it again in the `target` forum."""
    assert post.author == CURRENT_USER and post.forum != target
    name, old_name = forum_title(target), forum_title(post.forum)

    def success(state: ForumState, answer: str | None) -> bool:
        return (
            state.seeded_deletions == {post.id}
            and _one_post(state, target, post.title, post.body) is not None
            and untouched(state, posts=False, deletions=False)
        )

    return Draft(
        intent=(
            f"You posted “{post.title}” in the {old_name} forum by mistake. Delete that post "
            f"and submit it again in the {name} forum with exactly the same title and body."
        ),
        milestones=[
            Milestone(f"Your post “{post.title}” is open", lambda s: post.id in s.post_views),
            Milestone(f"The post is deleted from {old_name}", lambda s: post.id in s.deleted),
            Milestone(
                f"It is posted again in {name} with the same title and body",
                lambda s: _posted(s, target, post.title, post.body),
            ),
        ],
        success=success,
        facts=MovePost(
            post_id=post.id, title=post.title, body=post.body, forum=target, forum_title=name
        ),
        tags=("action", "delete", "post", "long"),
        outcome=f"“{post.title}” moved from {old_name} to {name}",
    )


def upvote_top_three(data: ForumData) -> Draft:
    return upvote_top(data, "books", 3, None, "Great thread, thanks for starting it.")


def top_posts(data: ForumData, forum: str, count: int, month: int | None) -> list[Post]:
    """The `count` highest-scored posts of `forum` (submitted in `month`, when given)."""
    posts = data.posts_in(forum) if month is None else in_month(data.posts_in(forum), month)
    return sorted(posts, key=lambda p: p.score, reverse=True)[:count]


def upvote_top(data: ForumData, forum: str, count: int, month: int | None, text: str) -> Draft:
    """Upvote the `count` highest-scored posts of `forum` (of `month`, when given), then
    comment `text` on the highest-scored one."""
    name = forum_title(forum)
    top = top_posts(data, forum, count, month)
    ids = [p.id for p in top]
    number = NUMBERS[count]
    scope = f"in the {name} forum" if month is None else f"submitted to {name} {when(month)}"
    of_month = "" if month is None else f" of {MONTHS[month]}"
    every = "Both" if count == 2 else f"All {number}"

    count_up = _upvotes("post", ids)

    def commented(state: ForumState) -> bool:
        return any(
            c.post_id == ids[0] and c.parent_id is None and same_text(c.body, text)
            for c in state.new_comments
        )

    def success(state: ForumState, answer: str | None) -> bool:
        return (
            _only_upvotes(state, "post", ids)
            and len(state.new_comments) == 1
            and commented(state)
            and untouched(state, votes=False, comments=False)
        )

    return Draft(
        intent=(
            f"Upvote the {number} highest-scored posts {scope}, then comment “{text}” "
            "on the highest-scored one of them. Don't vote on anything else."
        ),
        milestones=[
            Milestone(
                f"The {name} forum is sorted by top score", lambda s: _listed(s, forum, "top")
            ),
            Milestone(
                f"One of the top {number} {name} posts{of_month} is upvoted",
                lambda s: count_up(s) >= 1,
            ),
            Milestone(
                f"{every} top {name} posts{of_month} are upvoted",
                lambda s: count_up(s) == count,
            ),
            Milestone(
                f"The comment is posted on the highest-scored {name} post{of_month}", commented
            ),
        ],
        success=success,
        facts=Top3Comment(
            forum=forum,
            forum_title=name,
            titles=tuple(p.title for p in top),
            post_ids=tuple(ids),
            text=text,
        ),
        tags=("action", "vote", "comment", "sorting", "long"),
        outcome=f"upvoted the top {count} {name} posts{of_month}; commented on “{top[0].title}”",
    )


def build_tasks(data: ForumData) -> list[Task]:
    """All forum tasks for this data, in the table's order."""
    taken: set[str] = set()  # users some task is about: no two tasks share a user
    month = _month_forums(data)
    specs: tuple[Spec[ForumData], ...] = (
        Spec("forum-top-june-post", "train", lambda d: top_of_month(d, month[0])),
        Spec("forum-top-june-post-other-forum", "test", lambda d: top_of_month(d, month[1])),
        Spec("forum-count-user-comments", "train", lambda d: count_comments(d, taken)),
        Spec("forum-find-printer-question", "test", find_author),
        Spec("forum-reply-top-comment", "train", reply_to_top_comment),
        Spec("forum-create-techhelp-post", "train", create_post),
        Spec("forum-edit-own-post", "test", edit_own_post),
        Spec("forum-upvote-user-posts", "train", lambda d: upvote_user_posts(d, taken)),
        Spec("forum-upvote-user-comments", "train", lambda d: upvote_user_comments(d, taken)),
        Spec("forum-subscribe-and-ask", "test", subscribe_and_ask),
        Spec("forum-move-post-to-local-news", "train", move_post),
        Spec("forum-upvote-top-three-and-comment", "test", upvote_top_three),
    )
    return build(SITE, specs, data)
