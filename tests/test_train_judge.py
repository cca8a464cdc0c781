"""`mira finetune --judge`: the embedded Gemma 3 270M judges episodes nobody labelled.
What it decides is a small model's guess; what is tested is that a verdict is stored as
a `judge` label with its reason, once, only for finished episodes, and that training
then learns from them."""

from __future__ import annotations

from pathlib import Path

import pytest

from mira_agent.store.database import EpisodeStore
from tests.helpers import finetune

pytest.importorskip("torch")
# The session converts the embedded model once, in its first finetune, before these run.
pytestmark = pytest.mark.usefixtures("converted_base")


def record(store: EpisodeStore, uuid: str, status: str, label: str | None = None) -> int:
    episode = store.start_episode({"uuid": uuid, "task": "Star the unread mail from Dana"})
    store.add(
        "steps",
        {
            "episode_id": episode,
            "step": 1,
            "observation": 'Inbox\n[3] link "Lunch on Friday? — Dana" (unread)',
            "action": 'click [3] "Lunch on Friday? — Dana"',
            "messages": [{"role": "user", "content": "Star the unread mail from Dana"}],
            "completion": '{"thought": "open it", "action": "click", "element": "3"}',
        },
    )
    fields = {"status": status, "steps": 1, "answer": "starred"}
    if label:
        fields |= {"label": label, "label_source": "user"}
    store.update_episode(episode, **fields)
    return episode


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "episodes.db"
    with EpisodeStore(path) as store:
        record(store, "open", "stopped")
        record(store, "rated", "failed", label="succeeded")
        record(store, "cut", "interrupted")
    return path


def test_the_judge_labels_finished_unlabelled_episodes_once(db: Path, tmp_path: Path) -> None:
    small = ("--no-gguf", "--no-merge", "--max-tokens", "256", "--micro-batch-tokens", "512")
    done = finetune(db, tmp_path / "out", "--judge", "local", *small, "--critic-epochs", "10")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "judged 1 episodes" in done.stdout
    with EpisodeStore(db) as store:
        rows = {row["uuid"]: row for row in store.episodes()}
        judged = rows["open"]
        assert judged["label"] in ("succeeded", "failed") and judged["label_source"] == "judge"
        [event] = [e for e in store.children("events", judged["id"]) if e["kind"] == "judged"]
        assert event["data"]["success"] == (judged["label"] == "succeeded")
        assert rows["rated"]["label"] == "succeeded"  # the user's rating stands
        assert rows["rated"]["label_source"] == "user"
        assert rows["cut"]["label"] is None  # an interrupted run is not judged
        [run] = store.training_runs()
        assert run["data"]["episodes"] == 2  # the judged one and the rated one
    again = finetune(db, tmp_path / "again", "--judge", "local", "--algo", "sft", *small)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "judged 0 episodes" in again.stdout
