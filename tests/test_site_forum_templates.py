"""The forum's task templates without a browser: the fixed tasks unchanged by the data
the templates added, enough distinct instances for every split, and draws rejected where
a careless agent would pass by luck. (The oracle playing them in Chromium is in
tests/test_task_templates.py.)"""

from __future__ import annotations

import hashlib
import json

import pytest

from mira_agent.sites import task_templates as tt
from mira_agent.sites.base import Task
from mira_agent.sites.forum import ForumSite, tasks
from mira_agent.sites.forum import facts as kind
from mira_agent.sites.forum.data import CURRENT_USER, POSTS, ForumData

# The seed-0 fixed tasks (ids, splits, intents, facts, milestones) as they were before
# the templates and the signed-in user's older posts: earlier results stay comparable.
# (Updated once for milestone wording alone, that no longer names what the agent finds.)
FIXED_DIGEST = "685fd281b48fcaeb6cd4036dda6878bbd5c657aa797786ca5928965ecb547d04"


@pytest.fixture(scope="module")
def site() -> ForumSite:
    return ForumSite(0)


def drawn(site: ForumSite, template: str, count: int = 40) -> list[Task]:
    return [site.task(tt.instance_id(template, seed)) for seed in range(count)]


def test_the_fixed_tasks_are_as_they_were(site: ForumSite) -> None:
    rows = [
        [t.id, t.split, t.intent, t.params, [m.text for m in t.milestones]] for t in site.tasks()
    ]
    digest = hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()
    assert digest == FIXED_DIGEST


def test_the_older_own_posts_come_after_every_seeded_post_and_have_no_comments() -> None:
    data = ForumData(0)
    seeded = len(POSTS) + 3
    older = data.posts[seeded:]
    assert older and all(p.author == CURRENT_USER for p in older)
    assert all(p.created.month in (3, 4) for p in older)
    assert not {c.post_id for c in data.comments} & {p.id for p in older}


@pytest.mark.parametrize("split", tt.SPLITS)
def test_every_template_has_fifty_distinct_instances_in_each_split(
    site: ForumSite, split: str
) -> None:
    # What the slow oracle test draws: 50 per template from 1000 seeds into the split.
    chosen = site.instances(split, 50, tt.seeds_of(split).start + 1000)
    assert len({t.id for t in chosen}) == len(chosen)


def test_the_train_templates_give_five_hundred_distinct_instances(site: ForumSite) -> None:
    intents = set()
    for template in site.templates():
        if template.split == "train":
            intents |= {t.intent for t in drawn(site, template.id, 200)}
    assert len(intents) >= 500


def test_a_month_question_is_answered_by_another_post_over_all_time(site: ForumSite) -> None:
    for task in drawn(site, "forum-month-post-by-score"):
        facts = task.facts
        assert isinstance(facts, kind.TopMonth)
        rank = next(r for r in tasks.RANKS if f"the {r} score" in task.intent)
        scope = site.data.posts_in(facts.forum) if facts.forum else list(site.data.posts)
        assert tasks.by_rank(scope, rank).id != facts.expected_post_id
        assert task.success(site.state, facts.answer)
        assert not task.success(site.state, tasks.by_rank(scope, rank).title)


def test_the_comment_to_reply_to_is_never_the_first_shown(site: ForumSite) -> None:
    for task in drawn(site, "forum-reply-by-comment-score"):
        facts = task.facts
        assert isinstance(facts, kind.ReplyTop)
        assert site.data.comments_on(facts.post_id)[0].id != facts.comment_id


def test_counting_the_whole_profile_gives_a_wrong_number(site: ForumSite) -> None:
    for task in drawn(site, "forum-user-comment-count"):
        facts = task.facts
        assert isinstance(facts, kind.CountComments)
        everywhere = len(site.data.comments_by(facts.user))
        assert task.success(site.state, facts.answer)
        assert not task.success(site.state, str(everywhere))


def test_a_vote_the_other_way_fails_and_a_single_post_has_one_vote_milestone(
    site: ForumSite,
) -> None:
    seen = set()
    for task in drawn(site, "forum-vote-user-posts", 80):
        facts = task.facts
        assert isinstance(facts, kind.UpvotePosts)
        down = isinstance(facts, kind.DownvotePosts)
        seen.add((down, len(facts.post_ids) == 1))
        assert len(task.milestones) == (2 if len(facts.post_ids) == 1 else 3)
        site.reset()
        for post_id in facts.post_ids:
            site.state.cast_vote("post", post_id, 1)
        assert task.success(site.state, None) is not down
        site.reset()
    assert seen == {(False, False), (False, True), (True, False), (True, True)}


def test_the_top_posts_of_a_month_are_not_the_top_posts_of_all_time(site: ForumSite) -> None:
    for task in drawn(site, "forum-upvote-top-posts"):
        facts = task.facts
        assert isinstance(facts, kind.Top3Comment)
        if " 2026," not in task.intent:
            continue
        everyone = tasks.top_posts(site.data, facts.forum, len(facts.post_ids), None)
        assert {p.id for p in everyone} != set(facts.post_ids)


def test_reposting_and_editing_draw_from_every_own_post(site: ForumSite) -> None:
    own = {p.id for p in site.data.posts if p.author == CURRENT_USER}
    moved = {t.facts.post_id for t in drawn(site, "forum-repost-elsewhere", 200)}  # type: ignore[attr-defined]
    edited = {t.facts.post_id for t in drawn(site, "forum-add-line-to-own-post", 200)}  # type: ignore[attr-defined]
    assert moved == own and edited == own
