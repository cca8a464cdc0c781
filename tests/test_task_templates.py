"""Task templates: instances named TEMPLATE@SEED that are the same on any machine, split
by template and by seed range, rejected when unfit, and each solved by its site's oracle
through the full agent loop with the site's own checks."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from mira_agent.bench.runner import BenchSpec, Worker, plan_jobs, run_jobs
from mira_agent.bench.sandbox import bench_task
from mira_agent.errors import UsageError
from mira_agent.sites import SITES, get_site
from mira_agent.sites import task_templates as tt
from mira_agent.sites.specs import Draft

SITE_NAMES = sorted(SITES)


def test_an_instance_is_named_by_template_and_seed_and_drawn_the_same_each_time() -> None:
    first, again = get_site("flights"), get_site("flights")
    for task_id in ("flights-book-cheapest@17", "flights-fare-earliest@100003"):
        one, two = first.task(task_id), again.task(task_id)
        assert (one.intent, one.outcome, one.params) == (two.intent, two.outcome, two.params)
        assert [m.text for m in one.milestones] == [m.text for m in two.milestones]
    assert (
        first.task("flights-book-cheapest@17").intent
        != first.task("flights-book-cheapest@18").intent
    )
    # The generator is seeded by the instance's name alone: the draw does not depend on
    # what was drawn before in this process.
    random.seed(12345)
    assert (
        get_site("flights").task("flights-book-cheapest@17").intent
        == first.task("flights-book-cheapest@17").intent
    )


def test_splits_come_from_the_template_and_the_seed_range() -> None:
    site = get_site("flights")
    train = site.task("flights-book-cheapest@5")
    held_out_seed = site.task(f"flights-book-cheapest@{tt.TEST_SEEDS.start + 5}")
    held_out_template = site.task("flights-book-earliest@5")
    assert (train.split, held_out_seed.split, held_out_template.split) == (
        "train",
        "test-instances",
        "test-templates",
    )
    assert train.template == "flights-book-cheapest"
    assert set(tt.TRAIN_SEEDS).isdisjoint(tt.TEST_SEEDS)
    for split in tt.SPLITS:
        drawn = site.instances(split, 2)
        assert {t.split for t in drawn} == {split}
        assert all(tt.parse_instance_id(t.id)[1] in tt.seeds_of(split) for t in drawn)


def test_no_held_out_instance_is_a_train_instance_under_another_seed() -> None:
    site = get_site("flights")
    train = {t.intent for t in site.instances("train", 60)}
    held_out = {t.intent for t in site.instances("test-instances", 60)}
    assert train.isdisjoint(held_out)
    assert all(tt.held_out(intent) for intent in held_out)
    assert not any(tt.held_out(intent) for intent in train)


def test_fixed_tasks_keep_their_ids_and_splits() -> None:
    site = get_site("flights")
    fixed = site.task("flights-cheapest-nonstop-bos-den")
    assert (fixed.split, fixed.template) == ("train", "")
    assert fixed.intent.startswith("Book the cheapest non-stop flight from Boston to Denver")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: s.task("flights-no-such-template@3"), "no template 'flights-no-such-template'"),
        (lambda s: s.task("flights-book-cheapest@999999999"), "outside the template seeds"),
        (lambda s: s.task("flights-nope"), "or TEMPLATE@SEED"),
        (lambda s: s.instances("train", 0), "--instances must be at least 1"),
        (lambda s: s.instances("train", 3, tt.TEST_SEEDS.start), "outside train's seeds"),
        (lambda s: s.instances("test-instances", 3, 7), "outside test-instances's seeds"),
        (lambda s: s.instances("tests", 3), "the template splits are"),
    ],
)
def test_bad_template_requests_are_usage_errors(call, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UsageError, match=message):
        call(get_site("flights"))


def test_unfit_draws_are_redrawn_and_a_template_that_never_fits_is_an_error() -> None:
    calls = []

    def sometimes(data: object, rng: random.Random) -> Draft:
        calls.append(1)
        if rng.random() < 0.7:
            raise tt.Unfit("no answer")
        return Draft("do it", (), lambda state, answer: True, None, (), outcome="done")  # type: ignore[arg-type]

    task = tt.instantiate("flights", tt.Template("flights-x", "train", "do it", sometimes), None, 1)
    assert task.intent == "do it" and len(calls) >= 1

    def never(data: object, rng: random.Random) -> Draft:
        raise tt.Unfit("empty result")

    with pytest.raises(UsageError, match="cannot be instantiated from flights's data"):
        tt.instantiate("flights", tt.Template("flights-y", "train", "never", never), None, 1)


@pytest.mark.parametrize("name", SITE_NAMES)
def test_each_site_has_eight_templates_in_both_splits(name: str) -> None:
    templates = get_site(name).templates()
    assert len(templates) >= 8
    assert {t.split for t in templates} == {"train", "test"}
    assert len({t.id for t in templates}) == len(templates)
    assert all(t.id.startswith(f"{name}-") for t in templates)


@pytest.mark.parametrize("name", SITE_NAMES)
def test_instances_are_distinct_and_checked_by_the_site(name: str) -> None:
    site = get_site(name)
    drawn = site.instances("train", 20)
    assert len({t.intent for t in drawn}) == len(drawn)
    for task in drawn:
        assert task.milestones and task.outcome
        # A fresh site's state completes no milestone and passes no success check.
        assert not any(task.progress(site.state))
        assert not task.success(site.state, None)


# -- every template's oracle, through the full agent loop ---------------------------------------


def _templates() -> list[tuple[str, str]]:
    return [(name, t.id) for name in SITE_NAMES for t in get_site(name).templates()]


@pytest.fixture(scope="module")
def worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worker]:
    """One bench worker (its browser and served sites) for every template's episodes."""
    db = tmp_path_factory.mktemp("templates") / "e.db"
    played = Worker(BenchSpec("sandbox", str(db), "templates", policy="oracle"))
    yield played
    played.close()


@pytest.mark.parametrize(("name", "template_id"), _templates())
def test_every_templates_oracle_solves_its_instances(
    name: str, template_id: str, worker: Worker
) -> None:
    """Three instances of the template (two train and one held-out seed for a train
    template, three for a held-out template), each played by the site's oracle in a bench
    worker and judged by the site's own success check, every milestone done."""
    site = get_site(name)
    template = tt.find_template(name, site.templates(), template_id)
    splits = (
        ["train", "train", "test-instances"]
        if template.split == "train"
        else ["test-templates"] * 3
    )
    seeds = {split: iter(tt.seeds_of(split)) for split in set(splits)}
    tasks = []
    for split in splits:
        # The first seeds of the split that draw an intent not drawn yet.
        while True:
            task = site.task(tt.instance_id(template_id, next(seeds[split])))
            if task.intent not in {t.intent for t in tasks}:
                tasks.append(bench_task(name, task))
                break
    for job in plan_jobs(tasks, None, 1):
        result = worker.run(job)
        assert result.success, (result.task_id, result.status, result.error)
        assert result.milestones_done == result.milestones_total > 0


@pytest.mark.slow
@pytest.mark.timeout(7200)
@pytest.mark.parametrize("split", tt.SPLITS)
@pytest.mark.parametrize("name", SITE_NAMES)
def test_every_templates_oracle_solves_fifty_instances_per_split(
    name: str, split: str, tmp_path: Path
) -> None:
    # Fifty random seeds each (a template with a small parameter space repeats intents).
    site, first = get_site(name), tt.seeds_of(split).start + 1000
    tasks = [
        bench_task(name, site.task(tt.instance_id(template.id, seed)))
        for template in site.templates()
        if tt.in_split(template, split)
        for seed in range(first, first + 50)
    ]
    spec = BenchSpec("sandbox", str(tmp_path / "e.db"), "templates", policy="oracle")
    results = run_jobs(spec, plan_jobs(tasks, None, 1), workers=2)
    failed = [(r.task_id, r.status, r.error) for r in results if not r.success]
    assert not failed and len(results) == len(tasks)
