"""The site's demonstrations of the planner's jobs: a site-checked episode records its
plan, its checks and its re-plans as calls in the real planner's own prompt and answer
format, answered with the site's milestones and done-vectors, and training reads them
per role."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from mira_agent.agent.actor import Decision
from mira_agent.bench import runner
from mira_agent.bench.policies import OracleActor, SitePlanner
from mira_agent.bench.runner import BenchSpec, EpisodeResult, Job, Worker
from mira_agent.bench.sandbox import sandbox_tasks
from mira_agent.bench.suites import select
from mira_agent.bench.tasks import BenchTask
from mira_agent.browser.actions import Action
from mira_agent.browser.observation import Observation
from mira_agent.llm.base import Completion, Message, Usage
from mira_agent.llm.scripted import ScriptedBackend
from mira_agent.planning.demonstrations import is_demonstration
from mira_agent.planning.planner import Planner, read_check, read_plan, read_replan
from mira_agent.store.database import EpisodeStore
from mira_agent.train.episodes import load_episodes
from mira_agent.train.samples import build_samples, role_counts
from tests.helpers import SUCCESS_TASK

TASK = "Book the cheapest nonstop flight from Boston to Denver"
PAGE = 'URL: http://flights.test/\n[1] button "Search"'
WORDS = ["search results for BOS to DEN are shown", "the booking confirmation is shown"]


def test_the_demonstrations_are_what_the_planner_sends_a_model() -> None:
    """The same jobs, done by the site and by the real planner on a scripted model: the
    same messages, and answers the planner's schema admits and its readers accept."""
    truth = iter([[True, False], [True, False]])
    site = SitePlanner(WORDS, lambda: next(truth), site="flights")
    backend = ScriptedBackend(
        [
            {"milestones": WORDS},
            {"done": [True, False], "reason": "r"},
            {"milestones": WORDS[1:]},
            {"done": [True, False], "reason": "r"},
        ]
    )
    model = Planner(backend)
    plans = []
    for planner in (site, model):
        plan = planner.decompose(TASK, PAGE)
        plan, _ = plan.mark(planner.check(TASK, plan, PAGE, "click(1)", "ok").done, 1)
        plan = planner.replan(TASK, plan, PAGE, "nothing changed for 4 steps")
        planner.check(TASK, plan, PAGE, "click(1)", "ok")
        plans.append(plan)
    assert [c.purpose for c in site.calls] == ["plan", "check", "replan", "check"]
    assert [c.messages for c in site.calls] == [c.messages for c in model.calls]
    assert all(is_demonstration(c.completion.model) for c in site.calls)
    assert not any(is_demonstration(c.completion.model) for c in model.calls)
    for call, (_, schema) in zip(site.calls, backend.calls, strict=True):
        jsonschema.validate(call.completion.json(), schema)
    plan_call, check_call, replan_call, _ = (c.completion.json() for c in site.calls)
    assert [m.text for m in read_plan(plan_call).milestones] == WORDS
    assert read_check(check_call, 2).done == [True, False]
    assert check_call["reason"] == f"Reached: 1. Next: 2 ({WORDS[1]})"
    assert [m.text for m in read_replan(replan_call, plans[0], "x").milestones] == WORDS
    # A site with fixed milestones keeps its plan; the re-planner's answer still shows it.
    assert [m.text for m in plans[0].milestones] == [m.text for m in plans[1].milestones]


def test_a_check_reason_names_the_next_milestone_in_its_words() -> None:
    from mira_agent.planning.demonstrations import check_reason

    assert check_reason(WORDS, [False, False]) == f"Nothing reached yet. Next: 1 ({WORDS[0]})"
    assert check_reason(WORDS, [True, True]) == "All milestones are reached."
    assert len(check_reason(["x" * 300, "y"], [False, False])) == 200


def test_a_branch_becomes_the_new_plan_and_is_checked_by_its_words() -> None:
    branch: list[str] = []
    sold_out = ["the cart page is shown", "the red mug is in the cart"]

    def milestones() -> list[str]:
        return sold_out if branch else ["the cart page is shown", "the blue mug is in the cart"]

    site = SitePlanner(milestones, lambda: [True, False], site="shop")
    plan = site.decompose("buy a mug", PAGE)
    plan, _ = plan.mark(site.check("buy a mug", plan, PAGE, "-", "-").done, 1)
    branch.append("taken")
    revised = site.replan("buy a mug", plan, PAGE, "the blue mug is sold out")
    assert [m.text for m in revised.milestones] == sold_out and revised.version == 2
    assert revised.milestones[0].done and site.calls[-1].completion.json() == {
        "milestones": sold_out[1:]
    }
    assert site.check("buy a mug", revised, PAGE, "-", "-").done == [True, False]


# -- recorded episodes on a real site, in a real browser --------------------------------


def mail_task() -> BenchTask:
    (task,) = select(sandbox_tasks(["mail"]), None, [SUCCESS_TASK])
    return task


def play(db: Path, worker_class: type[Worker] = Worker) -> EpisodeResult:
    worker = worker_class(BenchSpec("sandbox", str(db), "run", policy="oracle"))
    try:
        return worker.run(Job(mail_task(), 0))
    finally:
        worker.close()


@pytest.fixture(scope="module")
def oracle_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, EpisodeResult]:
    db = tmp_path_factory.mktemp("demonstrations") / "e.db"
    result = play(db)
    assert result.success, result
    return db, result


def test_an_oracle_episode_records_the_planner_and_checker_demonstrations(
    oracle_db: tuple[Path, EpisodeResult],
) -> None:
    db, result = oracle_db
    task = mail_task()
    with EpisodeStore(db) as store:
        calls = store.children("model_calls", result.episode_id)  # type: ignore[arg-type]
        progress = [
            e["data"]["progress"]
            for e in store.children("events", result.episode_id)  # type: ignore[arg-type]
            if e["kind"] == "progress"
        ]
    assert {c["model"] for c in calls} == {"site"}
    [plan] = [c for c in calls if c["role"] == "plan"]
    assert plan["step"] == 0 and task.intent in plan["messages"][-1]["content"]
    assert [m.text for m in read_plan(json.loads(plan["completion"])).milestones] == list(
        task.milestones
    )
    checks = [c for c in calls if c["role"] == "check"]
    done = [read_check(json.loads(c["completion"]), len(task.milestones)).done for c in checks]
    assert checks and done == progress and all(done[-1])
    assert all(task.milestones[0] in c["messages"][-1]["content"] for c in checks)


def test_training_reads_the_demonstrations_per_role(
    oracle_db: tuple[Path, EpisodeResult],
) -> None:
    db, result = oracle_db
    with EpisodeStore(db) as store:
        (episode,) = load_episodes(store).episodes
        calls = store.children("model_calls", result.episode_id)  # type: ignore[arg-type]
    assert len(episode.demonstrations) == len(calls)
    roles = ("planner", "checker")
    samples = build_samples([episode], Characters(), 10_000, roles)
    counts = role_counts(samples)
    assert counts["planner"]["samples"] == sum(c["role"] == "plan" for c in calls) == 1
    assert counts["checker"]["samples"] == sum(c["role"] == "check" for c in calls)
    assert "actor" not in counts
    actor_only = build_samples([episode], Characters(), 10_000)
    assert [s.role for s in actor_only] == ["actor"] * result.steps


class Characters:
    """A renderer of one token per character: enough to count what is trained."""

    def prompt(self, messages: Sequence[dict[str, Any]]) -> str:
        return "".join(m["content"] for m in messages)

    def action(self, completion: str) -> str:
        return completion + "."

    def encode(self, text: str) -> list[int]:
        return [ord(c) for c in text]


def test_a_re_plan_through_the_loop_records_the_branch_the_site_took(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The actor says its way is blocked (the loop's re-plan path); the site, whose task
    has another branch from then on, answers with that branch's milestones."""
    asked: list[str] = []

    class BlockedFirst(OracleActor):
        def choose(self, messages: list[Message], observation: Observation, plan: str) -> Decision:
            if asked:
                return super().choose(messages, observation, plan)
            asked.append("the usual way is closed")
            action = Action("replan", {"reason": asked[0]})
            text = json.dumps({"thought": "blocked", "action": action.to_json()})
            return Decision(messages, Completion(text, Usage(), "oracle"), "blocked", action)

    class Branching(Worker):
        def _planner(self, task: BenchTask, episode: Any, backend: Any) -> Any:
            words = list(task.milestones)
            other = [words[0], *(f"{w} (the other way)"[:100] for w in words[1:])]
            branch = SitePlanner(lambda: other if asked else words, episode.progress, site="mail")
            return branch, "site"

    monkeypatch.setattr(runner, "OracleActor", BlockedFirst)
    result = play(tmp_path / "e.db", Branching)
    assert result.success, result
    with EpisodeStore(tmp_path / "e.db") as store:
        eid = result.episode_id
        plans = store.children("plans", eid)  # type: ignore[arg-type]
        calls = store.children("model_calls", eid)  # type: ignore[arg-type]
        milestones = store.children("milestones", eid)  # type: ignore[arg-type]
    [replan] = [c for c in calls if c["role"] == "replan"]
    assert replan["model"] == "site" and asked[0] in replan["messages"][-1]["content"]
    assert [p["version"] for p in plans] == [1, 2]
    assert json.loads(replan["completion"])["milestones"] == plans[1]["milestones"]
    assert plans[1]["milestones"][-1].endswith("(the other way)")
    assert all(m["completed_step"] is not None for m in milestones if m["plan_version"] == 2)
