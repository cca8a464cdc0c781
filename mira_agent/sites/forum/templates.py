"""The forum's task templates: each kind of fixed task (`tasks.py`), drawn over the
seeded forum with other forums, months, users, posts and texts.

A draw picks its parameters with the generator it is given and hands them to the same
builder the fixed tasks use, so milestones, checks and the oracle's facts are derived
the one way. It is unfit (`Unfit`, drawn again) where the parameters give no answer or an
empty result, or where a careless agent would pass by luck: the month must change the
answer, the comment to reply to must not be the first one shown, the user to count or
upvote must have comments in other forums too. A draw whose success check or milestones a
fresh forum already passes is unfit as well.

Which fixed task each template covers (each fixed task is one instance of it):

====================================  ======================================================
template                              fixed tasks
====================================  ======================================================
forum-month-post-by-score             forum-top-june-post, forum-top-june-post-other-forum
forum-user-comment-count              forum-count-user-comments
forum-reply-by-comment-score          forum-reply-top-comment
forum-new-post                        forum-create-techhelp-post
forum-vote-user-posts                 forum-upvote-user-posts
forum-upvote-comments-of-user         forum-upvote-user-comments
forum-repost-elsewhere                forum-move-post-to-local-news
forum-upvote-top-posts                forum-upvote-top-three-and-comment
forum-post-author (test)              forum-find-printer-question (a description, not the title)
forum-add-line-to-own-post (test)     forum-edit-own-post
forum-subscribe-two-and-ask (test)    forum-subscribe-and-ask
====================================  ======================================================

The held-out templates are the kinds no train template has: finding a post by search,
editing a post, and subscribing.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable

from mira_agent.sites.forum import tasks
from mira_agent.sites.forum.data import (
    CURRENT_USER,
    FORUMS,
    INITIAL_SUBSCRIPTIONS,
    NEW_POSTS,
    OWN_UPDATES,
    REPLIES,
    THREAD_COMMENTS,
    USERS,
    ForumData,
    Post,
)
from mira_agent.sites.forum.state import ForumState
from mira_agent.sites.specs import Draft
from mira_agent.sites.task_templates import Template, Unfit

Draw = Callable[[ForumData, random.Random], Draft]

SLUGS = tuple(f.slug for f in FORUMS)
# How many posts a month needs for each rank to say something ("the lowest" of one post
# is its highest too).
_LEAST = {"highest": 2, "second-highest": 3, "third-highest": 4, "lowest": 2}


def _fit(draw: Draw) -> Draw:
    """`draw`, refusing tasks that the untouched forum already completes in part."""

    def checked(data: ForumData, rng: random.Random) -> Draft:
        draft = draw(data, rng)
        fresh = ForumState(data)
        if draft.success(fresh, None) or any(m.check(fresh) for m in draft.milestones):
            raise Unfit("a fresh forum already passes part of the task")
        return draft

    return checked


def _own_posts(data: ForumData) -> list[Post]:
    return [p for p in data.posts if p.author == CURRENT_USER]


# -- information ---------------------------------------------------------------------------


def _month_post(data: ForumData, rng: random.Random) -> Draft:
    """A post by rank of score among one month's posts of a forum (or of every forum),
    where the month changes the answer: the same rank over all time is another post."""
    forum = rng.choice((None, *SLUGS))
    month = rng.choice(tuple(tasks.MONTHS))
    rank = rng.choice(tasks.RANKS)
    posts = data.posts_in(forum) if forum else list(data.posts)
    window = tasks.in_month(posts, month)
    if len(window) < _LEAST[rank]:
        raise Unfit(f"too few posts in {tasks.MONTHS[month]} for the {rank} one")
    if tasks.by_rank(window, rank) == tasks.by_rank(posts, rank):
        raise Unfit("the month does not change the answer")
    return tasks.post_of_month(data, forum, month, rank)


def _comment_count(data: ForumData, rng: random.Random) -> Draft:
    """A user's comment count in one forum, for a user with at least two comments
    elsewhere (the profile's total is then wrong)."""
    user, forum = rng.choice(USERS), rng.choice(SLUGS)  # uniform: a count of one is fine
    counts = tasks.comment_counts(data)
    here = counts.get((user, forum), 0)
    elsewhere = sum(n for (u, _), n in counts.items() if u == user) - here
    if here == 0 or elsewhere < 2:
        raise Unfit(f"{user} has {here} comments in {forum} and {elsewhere} elsewhere")
    return tasks.user_comment_count(data, user, forum)


def _post_author(data: ForumData, rng: random.Random) -> Draft:
    """Who posted a post named by its title and forum (someone else's post)."""
    post = rng.choice([p for p in data.posts if p.author != CURRENT_USER])
    forum = tasks.forum_title(post.forum)
    question = f"Which user posted “{post.title}” in the {forum} forum?"
    return tasks.author_of(post, question, f"The post “{post.title}”", post.title)


# -- actions ---------------------------------------------------------------------------------


def _reply(data: ForumData, rng: random.Random) -> Draft:
    """A reply to a post's highest- or lowest-scored comment, which is not the first
    comment shown (replying to the first one fails)."""
    post = rng.choice(data.posts)
    comments = data.comments_on(post.id)
    rank = rng.choice(("highest", "lowest"))
    if len(comments) < 2:
        raise Unfit(f"“{post.title}” has {len(comments)} comments")
    target = (max if rank == "highest" else min)(comments, key=lambda c: c.score)
    if target.id == comments[0].id:
        raise Unfit(f"the {rank}-scored comment is the first one shown")
    return tasks.reply_to_comment(data, post, rank, rng.choice(REPLIES))


def _new_post(data: ForumData, rng: random.Random) -> Draft:
    forum = rng.choice(SLUGS)
    title, body = rng.choice(NEW_POSTS[forum])
    return tasks.new_post(forum, title, body)


def _vote_posts(data: ForumData, rng: random.Random) -> Draft:
    """Up- or downvote every post a user submitted to one forum (one post or several):
    the author of a post drawn at random, so that regulars with several are drawn most."""
    post = rng.choice([p for p in data.posts if p.author != CURRENT_USER])
    return tasks.vote_user_posts(data, post.author, post.forum, rng.choice((1, -1)))


def _upvote_comments(data: ForumData, rng: random.Random) -> Draft:
    """Upvote a user's two to five comments in one forum; they have comments elsewhere
    too, so upvoting the whole profile fails. The author and forum of a comment drawn at
    random."""
    comment = rng.choice(data.comments)
    user, forum = comment.author, data.post_of(comment).forum
    counts = Counter(data.post_of(c).forum for c in data.comments_by(user))
    here, elsewhere = counts[forum], sum(counts.values()) - counts[forum]
    if not 2 <= here <= 5 or elsewhere == 0:
        raise Unfit(f"{user} has {here} comments in {forum} and {elsewhere} elsewhere")
    return tasks.upvote_comments_of(data, user, forum)


def _repost(data: ForumData, rng: random.Random) -> Draft:
    post = rng.choice(_own_posts(data))
    target = rng.choice([s for s in SLUGS if s != post.forum])
    return tasks.repost(post, target)


def _upvote_top(data: ForumData, rng: random.Random) -> Draft:
    """Upvote a forum's top two to four posts (of all time or of one month) and comment
    on the first: the window has more posts than that, and a month changes which."""
    forum = rng.choice(SLUGS)
    count = rng.choice((2, 3, 4))
    month = rng.choice((None, *tasks.MONTHS))
    window = data.posts_in(forum) if month is None else tasks.in_month(data.posts_in(forum), month)
    if len(window) <= count:
        raise Unfit(f"{forum} has only {len(window)} posts in the window")
    top = tasks.top_posts(data, forum, count, month)
    if month is not None and {p.id for p in top} == {
        p.id for p in tasks.top_posts(data, forum, count, None)
    }:
        raise Unfit("the month does not change which posts are the top ones")
    return tasks.upvote_top(data, forum, count, month, rng.choice(THREAD_COMMENTS))


def _add_line(data: ForumData, rng: random.Random) -> Draft:
    post = rng.choice(_own_posts(data))
    line = rng.choice(OWN_UPDATES[post.title])
    return tasks.add_line(post, line, at_end=rng.random() < 0.5)


def _subscribe_ask(data: ForumData, rng: random.Random) -> Draft:
    first, second = rng.sample([s for s in SLUGS if s not in INITIAL_SUBSCRIPTIONS], 2)
    title, body = rng.choice(NEW_POSTS[first])
    return tasks.subscribe_then_ask(first, second, title, body)


def _template(id: str, split: str, pattern: str, draw: Draw) -> Template[ForumData]:
    return Template(f"forum-{id}", split, pattern, _fit(draw))


TEMPLATES: tuple[Template[ForumData], ...] = (
    _template(
        "month-post-by-score",
        "train",
        "Which post submitted to {the forum | any forum} {in month} has the {highest | "
        "second-highest | third-highest | lowest} score? Don't vote or post anything. …",
        _month_post,
    ),
    _template(
        "user-comment-count",
        "train",
        "How many comments has the user {user} written in the {forum} forum? …",
        _comment_count,
    ),
    _template(
        "reply-by-comment-score",
        "train",
        "In the {forum} forum, open the post “{title}” and reply to its {highest | lowest}-"
        "scored comment with exactly this text: {text}",
        _reply,
    ),
    _template(
        "new-post",
        "train",
        "Submit a new post to the {forum} forum with the title “{title}” and the body “{body}”",
        _new_post,
    ),
    _template(
        "vote-user-posts",
        "train",
        "{Upvote | Downvote} every post that the user {user} has submitted to the {forum} "
        "forum. Don't vote on anything else.",
        _vote_posts,
    ),
    _template(
        "upvote-comments-of-user",
        "train",
        "Upvote every comment that the user {user} has written in the {forum} forum …",
        _upvote_comments,
    ),
    _template(
        "repost-elsewhere",
        "train",
        "You posted “{your post}” in the {forum} forum by mistake. Delete that post and "
        "submit it again in the {other forum} forum with exactly the same title and body.",
        _repost,
    ),
    _template(
        "upvote-top-posts",
        "train",
        "Upvote the {two | three | four} highest-scored posts {in the forum | submitted to "
        "the forum in month}, then comment “{text}” on the highest-scored one of them. …",
        _upvote_top,
    ),
    _template(
        "post-author",
        "test",
        "Which user posted “{title}” in the {forum} forum? Answer with the username.",
        _post_author,
    ),
    _template(
        "add-line-to-own-post",
        "test",
        "Edit your post “{your post}” in the {forum} forum: add the line “{line}” at the "
        "{end | start} of its body, keeping the existing text and the title as they are.",
        _add_line,
    ),
    _template(
        "subscribe-two-and-ask",
        "test",
        "Subscribe to the {forum} and {forum} forums (keep your other subscriptions), then "
        "ask a question in {the first}: a post titled “{title}” with the body “{body}”",
        _subscribe_ask,
    ),
)
