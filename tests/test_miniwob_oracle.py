"""MiniWoB++'s scripted solutions, played on the real task pages in a real Chromium
through the bench worker (the agent loop with the oracle as its actor), so each episode
is recorded as the bench records a demonstration: every scripted task earns the page's
reward on train and test seeds, and every text task is either scripted or explained."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mira_agent.bench.miniwob import MiniWobSuite, miniwob_tasks, text_tasks
from mira_agent.bench.miniwob_oracle import (
    UNSCRIPTED,
    MiniWobOracle,
    has_oracle,
    scripted_tasks,
)
from mira_agent.bench.runner import BenchSpec, Job, Worker
from mira_agent.browser.observation import Observation

SUITE = MiniWobSuite()


@pytest.fixture(scope="module")
def worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worker]:
    """One bench worker (one browser, one store) for every episode of the module."""
    db = tmp_path_factory.mktemp("wob") / "episodes.db"
    worker = Worker(BenchSpec("miniwob", str(db), "oracle", policy="oracle", milestones="none"))
    yield worker
    worker.close()


def failures(worker: Worker, task_name: str, per_split: int) -> list[str]:
    """Each seed of `per_split` train and test seeds whose episode did not succeed."""
    (task,) = miniwob_tasks([task_name])
    missed = []
    for split in ("train", "test"):
        for k in range(per_split):
            seed = SUITE.seed(task, split, k)
            result = worker.run(Job(task, seed))
            if not (result.success and result.reward == 1.0):
                missed.append(f"seed {seed}: {result.status} reward {result.reward} {result.error}")
            else:
                steps = worker.store.children("steps", result.episode_id)  # type: ignore[arg-type]
                assert len(steps) == result.steps and all(s["parsed"] for s in steps)
    return missed


def test_every_text_task_is_scripted_or_explained() -> None:
    scripted = scripted_tasks()
    assert len(scripted) >= 40
    assert not set(scripted) & set(UNSCRIPTED)
    assert sorted([*scripted, *UNSCRIPTED]) == text_tasks()
    assert all(reason.strip() for reason in UNSCRIPTED.values())
    assert has_oracle("click-button") and not has_oracle("drag-box")


def test_a_script_reads_each_new_page_and_stops_when_done_or_lost() -> None:
    def page(text: str) -> Observation:
        return Observation(url="http://wob/", title="", tabs=(), text=text)

    oracle = MiniWobOracle("click-tab-2", 'Switch between the tabs to find the link "x".')
    first = oracle.next_action(page('[1] tab "Tab #1" selected [2] tab "Tab #2"'))
    assert first.to_json() == {"action": "click", "element": "2"}
    found = oracle.next_action(page('[1] tab "Tab #1" [2] tab "Tab #2" selected [7] link "x"'))
    assert found.to_json() == {"action": "click", "element": "7"}
    assert oracle.next_action(page("")).name == "stop"
    lost = MiniWobOracle("click-button", 'Click on the "Yes" button.')
    stop = lost.next_action(page('[1] button "No"'))
    assert stop.name == "stop" and "no button named 'Yes'" in stop.args["answer"]


def test_a_click_onto_a_covered_button_is_done_with_tab_and_enter() -> None:
    buttons = '[1] button "ONE" [2] button "TWO"'

    def page(focused: str | None = None, error: str | None = None) -> Observation:
        return Observation("http://wob/", "", (), buttons, focused=focused, last_error=error)

    oracle = MiniWobOracle("click-button-sequence", "Click button ONE, then click button TWO.")
    actions = [
        oracle.next_action(page()),
        oracle.next_action(page(error="timed out: Timeout 5000ms exceeded.")),
        oracle.next_action(page(focused="1")),
        oracle.next_action(page(focused="1")),
    ]
    assert [str(a) for a in actions] == [
        "click(element='1')",
        "press(key='Tab')",
        "press(key='Enter')",
        "click(element='2')",
    ]


@pytest.mark.parametrize("task", scripted_tasks())
def test_each_scripted_task_succeeds_on_a_train_and_a_test_seed(worker: Worker, task: str) -> None:
    assert failures(worker, task, 1) == []


@pytest.mark.slow
@pytest.mark.timeout(1800)  # 40 episodes: some tasks take many steps, or wait for menus
@pytest.mark.parametrize("task", scripted_tasks())
def test_each_scripted_task_succeeds_on_twenty_seeds_of_each_split(
    worker: Worker, task: str
) -> None:
    assert failures(worker, task, 20) == []
