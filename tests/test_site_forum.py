"""The forum sandbox site without a browser: pages through `app.handle`, one real HTTP
round trip, and the task checks.

These tests specify what agents and task checks rely on: content fixed by the seed,
pages that show what the state records, forms that refuse bad input next to the field,
and task checks that pass for the right outcome and fail for a wrong one or for any
extra change to the forum.
"""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest

from mira_agent.sites import get_site
from mira_agent.sites.answers import names_one, parse_count, same_text
from mira_agent.sites.base import Task
from mira_agent.sites.forum import ForumSite
from mira_agent.sites.forum.board import hot_rank
from mira_agent.sites.forum.data import (
    CURRENT_USER,
    FORUMS,
    INITIAL_SUBSCRIPTIONS,
    ForumData,
)
from mira_agent.sites.forum.tasks import names_user
from mira_agent.sites.web import Request, Response

TASK_IDS = [t.id for t in ForumSite(0).tasks()]


@pytest.fixture(scope="module")
def shared_site() -> ForumSite:
    return ForumSite(seed=0)


@pytest.fixture
def site(shared_site: ForumSite) -> Iterator[ForumSite]:
    shared_site.reset()
    yield shared_site
    shared_site.reset()


def get(site: ForumSite, path_and_query: str) -> Response:
    parts = urlsplit(path_and_query)
    query = parse_qs(parts.query, keep_blank_values=True)
    return site.app.handle(Request("GET", parts.path, query))


def post(site: ForumSite, path: str, **form: str) -> Response:
    return site.app.handle(Request("POST", path, form={k: [v] for k, v in form.items()}))


def text_of(response: Response) -> str:
    return response.body.decode()


def task_by_id(site: ForumSite, task_id: str) -> Task:
    return next(t for t in site.tasks() if t.id == task_id)


def post_path(site: ForumSite, post_id: int) -> str:
    found = site.data.post(post_id)
    assert found is not None
    return f"/f/{found.forum}/{found.id}"


def vote(site: ForumSite, kind: str, target: int, direction: str = "up") -> Response:
    return post(site, "/vote", kind=kind, id=str(target), dir=direction, next="/")


def someone_elses_post(site: ForumSite):  # type: ignore[no-untyped-def]
    return next(p for p in site.data.posts if p.author != CURRENT_USER)


def own_post(site: ForumSite):  # type: ignore[no-untyped-def]
    return next(p for p in site.data.posts if p.author == CURRENT_USER)


# -- data ------------------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_forum_and_tasks() -> None:
    a, b = ForumData(3), ForumData(3)
    assert a.posts == b.posts and a.comments == b.comments
    tasks_a, tasks_b = ForumSite(3).tasks(), ForumSite(3).tasks()
    assert [(t.id, t.intent, t.params) for t in tasks_a] == [
        (t.id, t.intent, t.params) for t in tasks_b
    ]


def test_another_seed_gives_another_forum_with_the_same_task_ids() -> None:
    a, b = ForumData(0), ForumData(1)
    assert [(p.author, p.score) for p in a.posts] != [(p.author, p.score) for p in b.posts]
    assert [t.id for t in ForumSite(1).tasks()] == TASK_IDS


def test_the_forum_is_realistically_sized_and_never_ties() -> None:
    data = ForumData(0)
    assert 60 <= len(data.posts) <= 120
    assert {p.forum for p in data.posts} == {f.slug for f in FORUMS}
    assert len({p.score for p in data.posts}) == len(data.posts)
    assert len({p.title for p in data.posts}) == len(data.posts)
    for p in data.posts:
        thread = data.comments_on(p.id)
        assert len({c.score for c in thread}) == len(thread)
        assert len({c.author for c in thread}) == len(thread)
        assert all(c.created >= p.created for c in thread)
    assert any(c.parent_id is not None for c in data.comments)


def test_tasks_are_a_fixed_mix_of_splits_and_kinds() -> None:
    tasks = ForumSite(0).tasks()
    assert 11 <= len(tasks) <= 13
    assert len(set(TASK_IDS)) == len(TASK_IDS)
    assert all(t.id.startswith("forum-") and t.site == "forum" for t in tasks)
    assert sum(t.split == "test" for t in tasks) >= 4
    assert {t.split for t in tasks} == {"train", "test"}
    assert all(2 <= len(t.milestones) <= 6 for t in tasks)
    assert sum("long" in t.tags for t in tasks) >= 4
    assert sum("information" in t.tags for t in tasks) >= 3


def test_the_site_is_registered_and_served_over_http() -> None:
    site = get_site("forum", seed=0)
    assert isinstance(site, ForumSite)
    with site:
        with urllib.request.urlopen(site.url + "/f/books", timeout=10) as response:
            page = response.read().decode()
        assert response.status == 200
        assert "<h1" in page and "Books" in page
        with urllib.request.urlopen(site.url + "/static/site.css", timeout=10) as response:
            assert response.headers["Content-Type"].startswith("text/css")


# -- pages -------------------------------------------------------------------------------------


def test_listings_sort_by_top_new_and_hot(site: ForumSite) -> None:
    get(site, "/f/cycling?sort=top")
    get(site, "/f/cycling?sort=new")
    get(site, "/f/cycling")
    by_top, by_new, by_hot = (v.post_ids for v in site.state.listings)
    posts = {p.id: p for p in site.data.posts_in("cycling")}
    assert [posts[i].score for i in by_top] == sorted(
        (p.score for p in posts.values()), reverse=True
    )
    assert [posts[i].created for i in by_new] == sorted(
        (p.created for p in posts.values()), reverse=True
    )
    hot = sorted(posts.values(), key=lambda p: hot_rank(p.score, p.created), reverse=True)
    assert list(by_hot) == [p.id for p in hot]
    assert [v.sort for v in site.state.listings] == ["top", "new", "hot"]


def test_the_front_page_pages_through_every_forum(site: ForumSite) -> None:
    first = text_of(get(site, "/"))
    assert "Next page" in first
    seen: list[int] = []
    for page in range(1, 6):
        get(site, f"/?sort=new&page={page}")
    for view in site.state.listings[1:]:
        seen.extend(view.post_ids)
    assert sorted(set(seen)) == sorted(p.id for p in site.data.posts)
    assert all(v.forum is None for v in site.state.listings)


@pytest.mark.parametrize(
    "path",
    ["/f/knitting", "/f/books/99999", "/u/nobody_here", "/nowhere", "/f/books/1/reply/99999"],
)
def test_unknown_pages_are_404_with_the_error_page(site: ForumSite, path: str) -> None:
    response = get(site, path)
    assert response.status == 404
    assert "Page not found" in text_of(response)


def test_a_post_under_the_wrong_forum_is_404(site: ForumSite) -> None:
    p = site.data.posts_in("books")[0]
    assert get(site, f"/f/books/{p.id}").status == 200
    assert get(site, f"/f/cooking/{p.id}").status == 404


def test_a_post_page_shows_the_post_and_its_threaded_comments(site: ForumSite) -> None:
    p = next(p for p in site.data.posts if any(c.parent_id for c in site.data.comments_on(p.id)))
    page = text_of(get(site, post_path(site, p.id)))
    assert p.title in page and p.body.split(".")[0] in page
    reply = next(c for c in site.data.comments_on(p.id) if c.parent_id)
    parent = site.data.comment(reply.parent_id)  # type: ignore[arg-type]
    assert parent is not None
    assert f"in reply to {parent.author}" in page
    assert f'aria-label="Upvote comment by {reply.author}"' in page
    assert site.state.post_views == (p.id,)


def test_profiles_list_posts_and_comments_and_are_recorded(site: ForumSite) -> None:
    user = "sprocket"
    posts_page = text_of(get(site, f"/u/{user}"))
    comments_page = text_of(get(site, f"/u/{user}/comments"))
    for p in site.data.posts_by(user):
        assert p.title in posts_page
    assert comments_page.count("<blockquote>") == len(site.data.comments_by(user))
    assert [(v.user, v.tab) for v in site.state.profile_views] == [
        (user, "posts"),
        (user, "comments"),
    ]


def test_search_finds_posts_by_words_and_users_by_name(site: ForumSite) -> None:
    page = text_of(get(site, "/search?q=printer+offline"))
    assert "Printer keeps going offline on Wi-Fi" in page
    get(site, "/search?q=sprock")
    first, second = site.state.searches
    assert [site.data.post(i).title for i in first.post_ids] == [  # type: ignore[union-attr]
        "Printer keeps going offline on Wi-Fi"
    ]
    assert second.users == ("sprocket",)
    assert "No posts match" in text_of(get(site, "/search?q=zeppelin"))


# -- forms and changes ---------------------------------------------------------------------


def test_submitting_without_a_title_shows_the_error_next_to_the_field(site: ForumSite) -> None:
    response = post(site, "/submit", forum="books", title="  ", body="Some text")
    page = text_of(response)
    assert response.status == 422
    assert re.search(r'id="title"[^>]*aria-invalid="true"', page)
    assert '<p class="field-error" id="title-error" role="alert">Enter a title.</p>' in page
    assert "Some text" in page  # what was typed is kept
    assert not site.state.new_posts
    assert site.state.rejections[-1].fields == ("title",)


def test_submitting_needs_a_real_forum_and_a_body(site: ForumSite) -> None:
    response = post(site, "/submit", forum="", title="Hello", body="")
    page = text_of(response)
    assert response.status == 422
    assert "Choose the forum to post in." in page and "Write the body of your post." in page
    assert post(site, "/submit", forum="knitting", title="Hi", body="x").status == 422
    assert post(site, "/submit", forum="books", title="x" * 121, body="x").status == 422
    assert not site.state.new_posts


def test_a_valid_post_redirects_to_its_page_and_joins_the_listing(site: ForumSite) -> None:
    response = post(
        site, "/submit", forum="books", title="  A new   post ", body="Line one\r\nLine two"
    )
    assert response.status == 303 and response.location
    (added,) = site.state.new_posts
    assert (added.forum, added.title, added.body) == ("books", "A new post", "Line one\nLine two")
    assert response.location == f"/f/books/{added.id}"
    page = text_of(get(site, response.location))
    assert "<p>Line one</p><p>Line two</p>" in page and "Delete post" in page
    assert "A new post" in text_of(get(site, "/f/books?sort=new"))
    assert site.state.listings[-1].post_ids[0] == added.id


def test_comments_and_replies_are_validated_and_threaded(site: ForumSite) -> None:
    p = site.data.posts_in("cooking")[0]
    path = post_path(site, p.id)
    empty = post(site, path + "/comment", body="   ")
    assert empty.status == 422 and "Write something before posting." in text_of(empty)
    assert post(site, path + "/comment", body="Lovely.").status == 303
    (comment,) = site.state.new_comments
    assert get(site, f"{path}/reply/{comment.id}").status == 200
    assert site.state.reply_forms == (comment.id,)
    assert post(site, f"{path}/reply/{comment.id}", body="Replying to myself").status == 303
    reply = site.state.new_comments[-1]
    assert reply.parent_id == comment.id and reply.post_id == p.id
    page = text_of(get(site, path))
    assert f"in reply to {CURRENT_USER}" in page


def test_voting_toggles_and_changes_the_score_shown(site: ForumSite) -> None:
    p = someone_elses_post(site)
    label = f"{p.score + 1} points"
    assert vote(site, "post", p.id).status == 303
    assert site.state.votes == {("post", p.id): 1}
    assert label in text_of(get(site, post_path(site, p.id)))
    vote(site, "post", p.id)  # the same way again takes the vote back
    assert site.state.votes == {}
    vote(site, "post", p.id, "down")
    assert site.state.votes == {("post", p.id): -1}
    assert [v.value for v in site.state.vote_log] == [1, 0, -1]
    c = site.data.comments[0]
    vote(site, "comment", c.id)
    assert site.state.vote("comment", c.id) == 1
    assert vote(site, "comment", 999_999).status == 404
    assert post(site, "/vote", kind="post", id="1", dir="sideways").status == 400
    assert get(site, "/vote").status == 405


def test_only_your_own_posts_can_be_edited_or_deleted(site: ForumSite) -> None:
    theirs = someone_elses_post(site)
    assert get(site, post_path(site, theirs.id) + "/edit").status == 403
    assert post(site, post_path(site, theirs.id) + "/delete").status == 403
    assert "Edit post" not in text_of(get(site, post_path(site, theirs.id)))
    assert not site.state.deleted and not site.state.edits


def test_editing_your_post_changes_what_the_page_shows(site: ForumSite) -> None:
    mine = own_post(site)
    path = post_path(site, mine.id)
    assert f'value="{mine.title}"' in text_of(get(site, path + "/edit"))
    bad = post(site, path + "/edit", title="", body="x")
    assert bad.status == 422 and "Enter a title." in text_of(bad)
    assert post(site, path + "/edit", title=mine.title, body=mine.body + "\nMore.").status == 303
    page = text_of(get(site, path))
    assert "<p>More.</p>" in page and "edited" in page
    assert site.state.seeded_edits == {mine.id} and site.state.edit_forms == (mine.id,)


def test_deleting_your_post_removes_it_everywhere(site: ForumSite) -> None:
    mine = own_post(site)
    path = post_path(site, mine.id)
    response = post(site, path + "/delete")
    assert response.status == 303 and response.location == f"/f/{mine.forum}"
    assert get(site, path).status == 404
    assert mine.title not in text_of(get(site, f"/f/{mine.forum}"))
    assert mine.title not in text_of(get(site, f"/u/{CURRENT_USER}"))
    assert site.state.seeded_deletions == {mine.id}


def test_subscriptions_follow_the_buttons(site: ForumSite) -> None:
    assert site.state.subscriptions == INITIAL_SUBSCRIPTIONS
    assert "Subscribe to Cycling" in text_of(get(site, "/forums"))
    post(site, "/f/cycling/subscribe", action="subscribe", next="/forums")
    post(site, "/f/books/subscribe", action="unsubscribe", next="/forums")
    assert site.state.subscriptions == (INITIAL_SUBSCRIPTIONS | {"cycling"}) - {"books"}
    page = text_of(get(site, "/subscriptions"))
    assert "Unsubscribe from Cycling" in page and "Unsubscribe from Books" not in page
    assert post(site, "/f/knitting/subscribe", action="subscribe").status == 404


def test_reset_forgets_the_episode(site: ForumSite) -> None:
    p = someone_elses_post(site)
    get(site, "/f/books")
    get(site, post_path(site, p.id))
    get(site, "/search?q=bike")
    vote(site, "post", p.id)
    post(site, "/submit", forum="books", title="T", body="B")
    post(site, post_path(site, p.id) + "/comment", body="C")
    post(site, "/f/cycling/subscribe", action="subscribe")
    post(site, post_path(site, own_post(site).id) + "/delete")
    assert site.state.changed
    first_new_post = site.state.new_posts[0].id
    site.reset()
    state = site.state
    assert not state.changed
    assert not (state.listings or state.post_views or state.searches or state.vote_log)
    assert not (state.new_posts or state.new_comments or state.deleted or state.rejections)
    assert state.subscriptions == INITIAL_SUBSCRIPTIONS
    post(site, "/submit", forum="books", title="T", body="B")
    assert state.new_posts[0].id == first_new_post  # ids restart: episodes replay exactly


# -- reading answers ---------------------------------------------------------------------------


def test_answers_are_read_leniently_but_not_loosely() -> None:
    titles = ["Cheap upgrades that made a difference", "First century ride done!"]
    assert names_one("  cheap upgrades that made a difference. ", titles[0], titles)
    assert names_one("“Cheap Upgrades That Made A Difference”", titles[0], titles)
    assert names_one("The post is: Cheap upgrades that made a difference", titles[0], titles)
    assert not names_one("Cheap upgrades", titles[0], titles)
    assert not names_one(" or ".join(titles), titles[0], titles)
    assert parse_count("5") == 5 and parse_count("They wrote five comments.") == 5
    assert parse_count("5 or 6") is None and parse_count("none") is None
    assert names_user("u/packetloss", "packetloss")
    assert not names_user("packetloss or sprocket", "packetloss")
    assert not names_user("packet", "packetloss")
    assert same_text(
        " Great  thread,\nthanks for starting it. ", "Great thread, thanks for starting it."
    )
    assert not same_text("Great thread!", "Great thread, thanks for starting it.")


# -- each task's checks ------------------------------------------------------------------------


def solve(site: ForumSite, task: Task) -> str | None:
    """Do what each task asks through the pages (no browser), the right way."""
    p = task.params
    kind = p["kind"]
    if kind == "top_month":
        get(site, f"/f/{p['forum']}")
        get(site, f"/f/{p['forum']}?sort=top")
        return p["answer"]
    if kind == "count_comments":
        get(site, f"/u/{p['user']}")
        get(site, f"/u/{p['user']}/comments")
        return f"{p['answer']} comments"
    if kind == "find_author":
        get(site, "/search?q=" + p["query"].replace(" ", "+"))
        get(site, post_path(site, p["expected_post_id"]))
        return f"u/{p['answer']}"
    if kind == "reply_top":
        path = post_path(site, p["post_id"])
        get(site, path)
        get(site, f"{path}/reply/{p['comment_id']}")
        post(site, f"{path}/reply/{p['comment_id']}", body=p["text"])
        return None
    if kind in ("create_post", "subscribe_ask"):
        for title in p.get("subscribe", []):
            slug = next(f.slug for f in FORUMS if f.title == title)
            post(site, f"/f/{slug}/subscribe", action="subscribe", next="/forums")
        get(site, "/submit")
        post(site, "/submit", forum=p["forum"], title=p["title"], body=p["body"])
        return None
    if kind == "edit_own":
        path = post_path(site, p["post_id"])
        get(site, path)
        get(site, path + "/edit")
        post(site, path + "/edit", title=p["title"], body=p["new_body"])
        return None
    if kind == "upvote_posts":
        get(site, f"/f/{p['forum']}")
        for post_id in p["post_ids"]:
            vote(site, "post", post_id)
        return None
    if kind == "upvote_comments":
        get(site, f"/u/{p['user']}/comments")
        for comment_id in p["comment_ids"]:
            comment = site.data.comment(comment_id)
            assert comment is not None
            get(site, post_path(site, comment.post_id))
            vote(site, "comment", comment_id)
        return None
    if kind == "move_post":
        path = post_path(site, p["post_id"])
        get(site, path)
        post(site, path + "/delete")
        post(site, "/submit", forum=p["forum"], title=p["title"], body=p["body"])
        return None
    if kind == "top3_comment":
        get(site, f"/f/{p['forum']}?sort=top")
        for post_id in p["post_ids"]:
            vote(site, "post", post_id)
        post(site, post_path(site, p["post_ids"][0]) + "/comment", body=p["text"])
        return None
    raise AssertionError(f"no solution for {kind}")


@pytest.mark.parametrize("task_id", TASK_IDS)
def test_each_task_starts_with_no_milestone_done(site: ForumSite, task_id: str) -> None:
    task = task_by_id(site, task_id)
    get(site, task.start_path)
    assert task.progress(site.state) == [False] * len(task.milestones)
    assert not task.success(site.state, None)


@pytest.mark.parametrize("task_id", TASK_IDS)
def test_each_task_accepts_the_right_outcome(site: ForumSite, task_id: str) -> None:
    task = task_by_id(site, task_id)
    answer = solve(site, task)
    assert task.progress(site.state) == [True] * len(task.milestones)
    assert task.success(site.state, answer)


@pytest.mark.parametrize("task_id", TASK_IDS)
def test_each_task_rejects_an_extra_unwanted_vote(site: ForumSite, task_id: str) -> None:
    task = task_by_id(site, task_id)
    answer = solve(site, task)
    voted = {i for (kind, i) in site.state.votes if kind == "post"}
    stray = next(p for p in site.data.posts if p.id not in voted)
    vote(site, "post", stray.id, "down")
    assert not task.success(site.state, answer)


@pytest.mark.parametrize("task_id", TASK_IDS)
def test_each_task_rejects_an_extra_post_or_comment(site: ForumSite, task_id: str) -> None:
    task = task_by_id(site, task_id)
    answer = solve(site, task)
    post(site, post_path(site, someone_elses_post(site).id) + "/comment", body="Off topic.")
    assert not task.success(site.state, answer)
    site.reset()
    answer = solve(site, task)
    post(site, "/submit", forum="cycling", title="Anything", body="Else")
    assert not task.success(site.state, answer)


@pytest.mark.parametrize("task_id", [t.id for t in ForumSite(0).tasks() if "information" in t.tags])
def test_information_tasks_reject_a_wrong_answer(site: ForumSite, task_id: str) -> None:
    task = task_by_id(site, task_id)
    solve(site, task)
    assert not task.success(site.state, None)
    assert not task.success(site.state, "I don't know")
    if task.params["kind"] == "count_comments":
        wrong = str(int(task.params["answer"]) + 1)
    elif task.params["kind"] == "find_author":
        wrong = "sprocket" if task.params["answer"] != "sprocket" else "oatcake"
    else:
        forum_posts = site.data.posts_in(task.params["forum"])
        wrong = max(forum_posts, key=lambda p: p.score).title
        assert wrong != task.params["answer"]  # the all-time top post is not this month's
    assert not task.success(site.state, wrong)


def test_the_top_post_of_the_month_is_neither_the_top_nor_the_newest() -> None:
    data = ForumData(0)
    for task in ForumSite(0).tasks():
        if task.params["kind"] != "top_month":
            continue
        posts = data.posts_in(task.params["forum"])
        newest = max(posts, key=lambda p: p.created)
        top = max(posts, key=lambda p: p.score)
        assert task.params["answer"] not in (newest.title, top.title)


def test_replying_to_another_comment_fails(site: ForumSite) -> None:
    task = task_by_id(site, "forum-reply-top-comment")
    p = task.params
    other = next(c for c in site.data.comments_on(p["post_id"]) if c.id != p["comment_id"])
    path = post_path(site, p["post_id"])
    post(site, f"{path}/reply/{other.id}", body=p["text"])
    assert not task.success(site.state, None)
    assert task.progress(site.state)[-1] is False
    site.reset()
    post(site, f"{path}/reply/{p['comment_id']}", body="Thanks!")
    assert not task.success(site.state, None)


def test_posting_in_the_wrong_forum_or_with_another_body_fails(site: ForumSite) -> None:
    task = task_by_id(site, "forum-create-techhelp-post")
    p = task.params
    post(site, "/submit", forum="cooking", title=p["title"], body=p["body"])
    assert not task.success(site.state, None)
    site.reset()
    post(site, "/submit", forum=p["forum"], title=p["title"], body=p["body"] + " Please help!")
    assert not task.success(site.state, None)
    site.reset()
    post(site, "/submit", forum=p["forum"], title=p["title"].lower(), body=p["body"])
    assert task.success(site.state, None)  # case is not held against anyone


def test_a_wrong_post_deleted_again_leaves_no_mark(site: ForumSite) -> None:
    task = task_by_id(site, "forum-create-techhelp-post")
    p = task.params
    post(site, "/submit", forum="cooking", title=p["title"], body=p["body"])
    wrong = site.state.new_posts[0]
    post(site, f"/f/cooking/{wrong.id}/delete")
    post(site, "/submit", forum=p["forum"], title=p["title"], body=p["body"])
    assert task.success(site.state, None)


def test_an_edit_that_drops_the_old_text_or_changes_the_title_fails(site: ForumSite) -> None:
    task = task_by_id(site, "forum-edit-own-post")
    p = task.params
    path = post_path(site, p["post_id"])
    post(site, path + "/edit", title=p["title"], body=p["line"])
    assert not task.success(site.state, None)
    site.reset()
    post(site, path + "/edit", title=p["title"] + " (update)", body=p["new_body"])
    assert not task.success(site.state, None)
    site.reset()
    post(site, path + "/edit", title=p["title"], body=p["old_body"] + " " + p["line"])
    assert task.success(site.state, None)  # on one line is still "added at the end"


@pytest.mark.parametrize(
    "task_id",
    ["forum-upvote-user-posts", "forum-upvote-user-comments", "forum-upvote-top-three-and-comment"],
)
def test_leaving_one_target_without_an_upvote_fails(site: ForumSite, task_id: str) -> None:
    task = task_by_id(site, task_id)
    answer = solve(site, task)
    kind, target = next(iter(site.state.votes))
    vote(site, kind, target)  # take one vote back
    assert not task.success(site.state, answer)
    site.reset()
    answer = solve(site, task)
    vote(site, kind, target, "down")  # or turn it into a downvote
    assert not task.success(site.state, answer)


def test_subscribing_to_one_forum_only_fails(site: ForumSite) -> None:
    task = task_by_id(site, "forum-subscribe-and-ask")
    p = task.params
    post(site, "/f/gardening/subscribe", action="subscribe")
    post(site, "/submit", forum=p["forum"], title=p["title"], body=p["body"])
    assert not task.success(site.state, None)
    post(site, "/f/cooking/subscribe", action="subscribe")
    assert task.success(site.state, None)
    post(site, "/f/books/subscribe", action="unsubscribe")  # keep the other subscriptions
    assert not task.success(site.state, None)


def test_moving_a_post_needs_the_delete_and_the_same_text(site: ForumSite) -> None:
    task = task_by_id(site, "forum-move-post-to-local-news")
    p = task.params
    post(site, "/submit", forum=p["forum"], title=p["title"], body=p["body"])
    assert not task.success(site.state, None)  # the old one is still there
    post(site, post_path(site, p["post_id"]) + "/delete")
    assert task.success(site.state, None)
    site.reset()
    post(site, post_path(site, p["post_id"]) + "/delete")
    post(site, "/submit", forum=p["forum"], title=p["title"], body="Street party!")
    assert not task.success(site.state, None)


def test_commenting_on_the_second_post_fails(site: ForumSite) -> None:
    task = task_by_id(site, "forum-upvote-top-three-and-comment")
    p = task.params
    for post_id in p["post_ids"]:
        vote(site, "post", post_id)
    post(site, post_path(site, p["post_ids"][1]) + "/comment", body=p["text"])
    assert not task.success(site.state, None)
    assert task.progress(site.state) == [False, True, True, False]
