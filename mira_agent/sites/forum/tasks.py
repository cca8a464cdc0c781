"""The forum's tasks, built from its seeded content so expected answers are exact.

Some facts are fixed (which forum, which of the signed-in user's posts, the text to
write); the rest (which user, which posts and comments, the answer) are read off the
data for the seed, choosing cases where a careless agent would go wrong: the top post
of the month is not the top post overall, the user to count has comments in other
forums too, the top comment is not the first one.

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
    wanted = tuple(ids)
    return lambda state: sum(state.votes.get((kind, i)) == 1 for i in wanted)


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


def _forum_title(slug: str) -> str:
    return FORUMS_BY_SLUG[slug].title


# -- information tasks -----------------------------------------------------------------


def _june(data: ForumData, forum: str) -> list[Post]:
    return [p for p in data.posts_in(forum) if (p.created.year, p.created.month) == (2026, 6)]


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
    posts = data.posts_in(forum)
    expected = max(_june(data, forum), key=lambda p: p.score)
    name = _forum_title(forum)
    return Draft(
        intent=(
            f"Which post submitted to the {name} forum this month (June 2026) has the highest "
            "score? Don't vote or post anything. Answer with the post's title."
        ),
        milestones=[
            Milestone(f"The {name} forum is open", lambda s: _listed(s, forum)),
            Milestone(
                f"The {name} forum's posts are sorted by top score",
                lambda s: _listed(s, forum, "top"),
            ),
        ],
        success=answered(
            lambda a: names_one(a, expected.title, [p.title for p in posts]), _unchanged
        ),
        facts=TopMonth(
            forum=forum, forum_title=name, answer=expected.title, expected_post_id=expected.id
        ),
        tags=("information", "sorting", "comparison"),
    )


def _comment_counts(data: ForumData) -> dict[tuple[str, str], int]:
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
    counts = _comment_counts(data)
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
    expected = _comment_counts(data)[(user, forum)]
    name = _forum_title(forum)
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
    )


def find_author(data: ForumData) -> Draft:
    post = data.post_by_title("Printer keeps going offline on Wi-Fi")
    return Draft(
        intent=(
            "Someone on Commons asked for help because their printer keeps going offline on "
            "Wi-Fi. Which user posted that question? Answer with the username."
        ),
        milestones=[
            Milestone(
                "The printer question is found (in a search or the Tech Help forum)",
                lambda s: (
                    any(post.id in r.post_ids for r in s.searches)
                    or any(post.id in v.post_ids for v in s.listings)
                ),
            ),
            Milestone("The printer question is open", lambda s: post.id in s.post_views),
        ],
        success=answered(lambda a: names_user(a, post.author), _unchanged),
        facts=FindAuthor(
            query="printer offline", title=post.title, answer=post.author, expected_post_id=post.id
        ),
        tags=("information", "search"),
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
    post, top_id = chosen
    top = data.comment(top_id)
    assert top is not None

    def replied(state: ForumState) -> bool:
        return any(
            c.parent_id == top_id and c.post_id == post.id and same_text(c.body, text)
            for c in state.new_comments
        )

    def success(state: ForumState, answer: str | None) -> bool:
        return len(state.new_comments) == 1 and replied(state) and untouched(state, comments=False)

    return Draft(
        intent=(
            f"In the Cooking forum, open the post “{post.title}” and reply to its "
            f"highest-scored comment with exactly this text: {text}"
        ),
        milestones=[
            Milestone(f"The post “{post.title}” is open", lambda s: post.id in s.post_views),
            Milestone(
                f"The reply form for {top.author}'s comment (the highest-scored) is open",
                lambda s: top_id in s.reply_forms,
            ),
            Milestone(f"The reply to {top.author}'s comment is posted", replied),
        ],
        success=success,
        facts=ReplyTop(
            forum="cooking",
            forum_title="Cooking",
            title=post.title,
            post_id=post.id,
            comment_id=top_id,
            comment_author=top.author,
            text=text,
        ),
        tags=("action", "comment", "comparison"),
    )


def create_post(data: ForumData) -> Draft:
    forum, title = "techhelp", "Laptop won't wake from sleep"
    body = (
        "Since the last update my laptop stays black when I open the lid. "
        "Holding the power button is the only fix."
    )
    name = _forum_title(forum)

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
    )


def edit_own_post(data: ForumData) -> Draft:
    post = data.post_by_title("Which climbing beans for a north fence?")
    assert post.author == CURRENT_USER
    line = "Update: I planted runner beans and they are already at the top of the fence."
    new_body = f"{post.body}\n{line}"

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
            f"Edit your post “{post.title}” in the {_forum_title(post.forum)} forum: add the line "
            f"“{line}” at the end of its body, keeping the existing text and the title as "
            "they are."
        ),
        milestones=[
            Milestone(f"Your post “{post.title}” is open", lambda s: post.id in s.post_views),
            Milestone("Its edit form is open", lambda s: post.id in s.edit_forms),
            Milestone("The body now ends with the update line", edited),
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
    ids = [p.id for p in theirs]
    name = _forum_title(forum)

    count_up = _upvotes("post", ids)

    return Draft(
        intent=(
            f"Upvote every post that the user {user} has submitted to the {name} forum. "
            "Don't vote on anything else."
        ),
        milestones=[
            Milestone(
                f"{user}'s posts in {name} are in view (the {name} forum or {user}'s profile)",
                lambda s: _listed(s, forum) or any(v.user == user for v in s.profile_views),
            ),
            Milestone(f"One of {user}'s {name} posts is upvoted", lambda s: count_up(s) >= 1),
            Milestone(
                f"All {len(ids)} of {user}'s {name} posts are upvoted",
                lambda s: count_up(s) == len(ids),
            ),
        ],
        success=lambda s, a: _only_upvotes(s, "post", ids) and untouched(s, votes=False),
        facts=UpvotePosts(
            user=user,
            forum=forum,
            forum_title=name,
            titles=tuple(p.title for p in theirs),
            post_ids=tuple(ids),
        ),
        tags=("action", "vote", "multi-item"),
    )


def upvote_user_comments(data: ForumData, taken: set[str]) -> Draft:
    """Upvote every comment a user wrote in one forum: one post page per comment."""
    user, forum = _pick_commenter(data, ("gardening", "cycling", "books", "localnews"), 3, 4, taken)
    comments = [c for c in data.comments_by(user) if data.post_of(c).forum == forum]
    ids = [c.id for c in comments]
    post_ids = {c.post_id for c in comments}
    titles = [data.post_of(c).title for c in comments]
    name = _forum_title(forum)

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
                f"All {len(ids)} of {user}'s {name} comments are upvoted",
                lambda s: count_up(s) == len(ids),
            ),
        ],
        success=lambda s, a: _only_upvotes(s, "comment", ids) and untouched(s, votes=False),
        facts=UpvoteComments(
            user=user, forum=forum, forum_title=name, titles=tuple(titles), comment_ids=tuple(ids)
        ),
        tags=("action", "vote", "multi-item", "long"),
    )


def subscribe_and_ask(data: ForumData) -> Draft:
    first, second = "gardening", "cooking"
    title = "Best time to divide hostas?"
    body = "My hostas have doubled in size. Should I split them now or wait until autumn?"
    wanted = INITIAL_SUBSCRIPTIONS | {first, second}
    a, b = _forum_title(first), _forum_title(second)

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
    )


def move_post(data: ForumData) -> Draft:
    post = data.post_by_title("Street party on Willow Lane on July 4")
    assert post.author == CURRENT_USER and post.forum == "techhelp"
    target = "localnews"
    name, old_name = _forum_title(target), _forum_title(post.forum)

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
    )


def upvote_top_three(data: ForumData) -> Draft:
    forum = "books"
    name = _forum_title(forum)
    top = sorted(data.posts_in(forum), key=lambda p: p.score, reverse=True)[:3]
    ids = [p.id for p in top]
    text = "Great thread, thanks for starting it."

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
            f"Upvote the three highest-scored posts in the {name} forum, then comment “{text}” "
            "on the highest-scored one of them. Don't vote on anything else."
        ),
        milestones=[
            Milestone(
                f"The {name} forum is sorted by top score", lambda s: _listed(s, forum, "top")
            ),
            Milestone(f"One of the top three {name} posts is upvoted", lambda s: count_up(s) >= 1),
            Milestone(f"All three top {name} posts are upvoted", lambda s: count_up(s) == 3),
            Milestone(f"The comment is posted on “{top[0].title}”", commented),
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
