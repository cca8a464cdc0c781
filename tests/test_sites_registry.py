"""Every sandbox site keeps the same contract: served on loopback, tasks with a fixed
split, milestones and checks, and a scripted policy for each task."""

from __future__ import annotations

import pytest

from mira_agent.sites import SITES, get_site, list_sites

NAMES = sorted(SITES)


def test_the_sandbox_has_four_sites_and_forty_tasks_with_unique_ids() -> None:
    assert set(NAMES) == {"flights", "forum", "mail", "shop"}
    tasks = [task for name in NAMES for task in get_site(name).tasks()]
    assert len(tasks) >= 40
    ids = [t.id for t in tasks]
    assert len(ids) == len(set(ids))
    assert [name for name, _ in list_sites()] == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_each_site_has_a_fixed_split_milestones_and_an_oracle(name: str) -> None:
    site = get_site(name)
    tasks = site.tasks()
    assert {t.split for t in tasks} == {"train", "test"}
    assert sum(t.split == "test" for t in tasks) >= 4
    assert [t.id for t in tasks] == [t.id for t in get_site(name).tasks()]  # deterministic
    for task in tasks:
        assert task.site == name and task.id.startswith(f"{name}-") and task.intent.strip()
        assert task.milestones and all(m.text.strip() for m in task.milestones)
        assert hasattr(site.oracle(task), "next_action")
    site.start()
    try:
        assert site.url.startswith("http://127.0.0.1:")
        assert all(progress is False for t in tasks for progress in t.progress(site.state))
    finally:
        site.stop()
