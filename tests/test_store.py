"""The episode store: real SQLite files, written by a real run of the agent (scripted
models on the real flight site in a real Chromium), read back, migrated, exported and
imported, and written by two processes at once."""

from __future__ import annotations

import io
import json
import multiprocessing
import sqlite3
from pathlib import Path

import pytest
from sqlite_utils import Database

from mira_agent.agent import events as ev
from mira_agent.agent.actor import Actor
from mira_agent.agent.loop import Agent, AgentConfig
from mira_agent.agent.safety import Redactor
from mira_agent.browser.session import BrowserSession
from mira_agent.llm.base import Completion, Message, Usage
from mira_agent.llm.scripted import ScriptedBackend
from mira_agent.planning.milestones import Plan
from mira_agent.planning.planner import Planner
from mira_agent.store.database import EpisodeFilter, EpisodeStore, StoreError
from mira_agent.store.exchange import export_jsonl, import_records, read_jsonl
from mira_agent.store.recorder import EpisodeRecorder
from mira_agent.store.schema import LATEST, applied, migrate
from mira_agent.store.timeline import episode_events
from tests.helpers import booking_started, oracle_actor, site_planner


def record_booking(
    session: BrowserSession, site, store: EpisodeStore, *, screenshots: bool = False
):  # type: ignore[no-untyped-def]
    """Book a flight with the oracle and record it; returns the recorder and the models."""
    task = booking_started(session, site)
    planner = site_planner(task, site)
    actor = ScriptedBackend([oracle_actor(task)] * 60)
    redactor = Redactor()
    recorder = EpisodeRecorder(
        store, redactor=redactor, meta={"task_id": task.id, "site": "flights", "seed": 0}
    )
    from mira_agent.browser.observe import ObserveOptions

    Agent(
        session,
        Actor(actor),
        task.intent,
        planner=Planner(planner),
        config=AgentConfig(auto_approve=True, observe=ObserveOptions(screenshot=screenshots)),
        sink=recorder,
        judge=lambda answer: task.success(site.state, answer),
        redactor=redactor,
    ).run()
    return task, recorder, actor, planner


def test_a_run_is_recorded_with_exact_prompts_milestones_and_outcome(
    session: BrowserSession, flight_site, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    store = EpisodeStore(tmp_path / "episodes.db")
    task, recorder, actor, planner = record_booking(session, flight_site, store, screenshots=True)
    episode = store.episode(recorder.episode_id)
    assert episode["status"] == "succeeded" and episode["label"] == "succeeded"
    assert episode["label_source"] == "checker" and episode["task_id"] == task.id
    steps = store.children("steps", recorder.episode_id)
    assert [s["step"] for s in steps] == list(range(1, episode["steps"] + 1))
    # The exact messages the actor was sent, and its raw answer, step by step, with only
    # the card number (in the task's text) masked.
    first_messages, _ = actor.calls[0]
    mask = Redactor().redact
    assert steps[0]["messages"] == [
        {"role": m.role, "content": mask(m.content)} for m in first_messages
    ]
    assert steps[0]["messages"][-1]["content"] != first_messages[-1].content
    assert json.loads(steps[0]["completion"])["action"] == steps[0]["parsed"]
    assert all(s["ok"] == 1 and s["ended_at"] for s in steps)
    # Milestones: one plan, completed in order, with the step each was reached at.
    milestones = store.children("milestones", recorder.episode_id)
    assert [m["text"] for m in milestones] == [m.text for m in task.milestones]
    completed = [m["completed_step"] for m in milestones]
    assert None not in completed and completed == sorted(completed)
    # The progress vector after each step agrees with the milestone completion steps.
    for s in steps:
        after = s["progress_after"]
        assert after == [c <= s["step"] + 1 for c in completed], s["step"]
    # Planner calls are kept with their roles; the screenshots are files beside the db.
    roles = [c["role"] for c in store.children("model_calls", recorder.episode_id)]
    assert roles[0] == "plan" and roles.count("check") == len(planner.calls) - 1
    shot = store.resolve(steps[0]["screenshot"])
    assert shot is not None and shot.read_bytes().startswith(b"\x89PNG")
    assert shot.parent.parent == tmp_path / "episodes.files"


def test_typed_card_details_never_reach_the_file(
    session: BrowserSession, flight_site, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    store = EpisodeStore(tmp_path / "episodes.db")
    task, recorder, _, _ = record_booking(session, flight_site, store)
    card = task.params["card"]
    raw = (tmp_path / "episodes.db").read_bytes() + (tmp_path / "episodes.db-wal").read_bytes()
    assert card["number"].replace(" ", "").encode() not in raw.replace(b" ", b"")
    typed: dict[str, str] = {}
    for s in store.children("steps", recorder.episode_id):
        if s["parsed"] and s["parsed"]["action"] == "type":
            typed[s["target"]["name"]] = s["parsed"]["text"]
        if s["parsed"] and s["parsed"]["action"] == "fill":  # a form in one step
            names = [f["name"] for f in s["target"]["fields"]]
            typed.update(zip(names, s["parsed"]["values"], strict=True))
    assert typed["Card number"] == typed["Security code (CVV)"] == "••••"
    assert typed["Name on card"] == card["name"]  # the holder's name is not a secret


def test_an_older_database_upgrades_itself_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = Database(sqlite3.connect(path))
    migrate(old, stop_before="0002_outcome_labels_and_files")
    assert applied(old) == ["0001_episodes_steps_plans"]
    old["episodes"].insert(
        {"uuid": "u1", "task": "book", "started_at": "2026-01-01", "status": "succeeded"}
    )
    assert "label" not in old["episodes"].columns_dict
    old.conn.close()
    store = EpisodeStore(path)
    assert applied(store.db)[-1] == LATEST
    (episode,) = store.episodes()
    assert episode["task"] == "book" and "label" in episode
    store.rate(episode["id"], "failed", "wrong date")
    assert store.episode(episode["id"])["label_source"] == "user"


def test_a_new_database_has_every_migration_in_number_order_and_latest_is_the_last() -> None:
    db = Database(memory=True)
    migrate(db)
    names = applied(db)
    assert [int(name.split("_")[0]) for name in names] == list(range(1, len(names) + 1))
    assert names[-1] == LATEST


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_text("not a database at all " * 100)
    with pytest.raises(StoreError, match="cannot open"):
        EpisodeStore(junk)
    with pytest.raises(StoreError, match="is a folder"):
        EpisodeStore(tmp_path)


def recorder_of(store: EpisodeStore) -> EpisodeRecorder:
    """A recorder for a synthetic run: it types no secret, so a redactor of its own does."""
    return EpisodeRecorder(store, redactor=Redactor())


def synthetic_run(sink, steps: int, label: str) -> None:  # type: ignore[no-untyped-def]
    """The events of a run, without a browser: what a recorder must keep."""
    sink(ev.RunStarted(0, f"task {label}", "http://x/", "scripted:a", None))
    sink(ev.PlanMade(0, Plan.create(["one", "two"]), "initial plan"))
    for step in range(1, steps + 1):
        messages = (Message("user", f"{label} step {step}"),)
        sink(ev.ModelCalled(step, "actor", messages, Completion("{}", Usage(10, 2, 10, 0.1))))
        sink(ev.StepDecided(step, "http://x/", "t", "scroll(direction='down')", "page"))
        sink(ev.ActionDone(step, "scroll(direction='down')", True, "scrolled", None))
    sink(ev.Finished(steps, ev.Outcome("gave_up", None, "budget", steps, 0, 2, "none")))


def _write_episodes(path: str, label: str, count: int, steps: int) -> None:
    store = EpisodeStore(path)
    for n in range(count):
        synthetic_run(recorder_of(store), steps, f"{label}{n}")


def test_two_processes_writing_one_database_lose_no_rows(tmp_path: Path) -> None:
    path = str(tmp_path / "shared.db")
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_write_episodes, args=(path, label, 3, 20)) for label in "ab"]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    store = EpisodeStore(path)
    assert store.count() == 6 and store.count("steps") == 120
    assert all(e["status"] == "failed" and e["steps"] == 20 for e in store.episodes())


def _open_and_close(path: str) -> None:
    EpisodeStore(path).close()


def test_processes_opening_a_new_database_at_once_all_get_in(tmp_path: Path) -> None:
    """The first opening switches the file to WAL, which needs it alone for a moment."""
    context = multiprocessing.get_context("spawn")
    for round_ in range(3):
        path = str(tmp_path / f"new-{round_}.db")
        openers = [context.Process(target=_open_and_close, args=(path,)) for _ in range(4)]
        for opener in openers:
            opener.start()
        for opener in openers:
            opener.join(60)
        assert [o.exitcode for o in openers] == [0, 0, 0, 0]
        assert applied(EpisodeStore(path).db)[-1] == LATEST


def test_export_then_import_gives_the_same_episodes(tmp_path: Path) -> None:
    first = EpisodeStore(tmp_path / "a.db")
    for n in range(3):
        synthetic_run(recorder_of(first), 2 + n, f"r{n}")
    out = io.StringIO()
    assert export_jsonl(first, out) == 3
    lines = out.getvalue().splitlines()
    assert len(lines) == 3 and json.loads(lines[0])["episode"]["task"] == "task r0"
    second = EpisodeStore(tmp_path / "b.db")
    assert import_records(second, read_jsonl(lines)) == (3, 0)
    assert import_records(second, read_jsonl(lines)) == (0, 3)  # the same file twice
    again = io.StringIO()
    export_jsonl(second, again)
    assert again.getvalue() == out.getvalue()
    only = io.StringIO()
    assert export_jsonl(second, only, EpisodeFilter(task="r1")) == 1


def test_a_broken_export_line_is_reported_with_its_number() -> None:
    with pytest.raises(StoreError, match=r"episodes\.jsonl:2: not JSON"):
        list(read_jsonl(['{"format": "mira-episode/1", "episode": {}}', "{oops"], "episodes.jsonl"))


def test_the_timeline_rebuilt_from_the_rows_matches_the_live_events(tmp_path: Path) -> None:
    store = EpisodeStore(tmp_path / "e.db")
    live: list[ev.Event] = []
    recorder = recorder_of(store)

    def both(event: ev.Event) -> None:
        live.append(event)
        recorder(event)

    synthetic_run(both, 3, "x")
    rebuilt = episode_events(store, recorder.episode_id)
    assert [type(e).__name__ for e in rebuilt] == [type(e).__name__ for e in live]
    assert [e.step for e in rebuilt] == [e.step for e in live]


def test_filters_pick_episodes_by_status_task_and_date(tmp_path: Path) -> None:
    store = EpisodeStore(tmp_path / "f.db")
    synthetic_run(recorder_of(store), 1, "alpha")
    synthetic_run(recorder_of(store), 1, "beta")
    (beta,) = store.episodes(EpisodeFilter(task="beta"))
    store.update_episode(beta["id"], status="succeeded", started_at="2020-01-01T00:00:00")
    assert [e["task"] for e in store.episodes(EpisodeFilter(status=["failed"]))] == ["task alpha"]
    assert [e["task"] for e in store.episodes(EpisodeFilter(until="2021-01-01"))] == ["task beta"]
    assert len(store.episodes(EpisodeFilter(since="2021-01-01"))) == 1
    assert store.delete([beta["id"]]) == 1 and store.count() == 1


def test_a_training_run_whose_process_died_is_marked_crashed(tmp_path: Path) -> None:
    import subprocess
    import sys

    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    path = tmp_path / "e.db"
    with EpisodeStore(path) as store:
        alive = store.start_training({"algo": "mira", "base": "b", "out_dir": "o"})
        dead = store.start_training(
            {"algo": "sft", "base": "b", "out_dir": "o", "pid": int(gone.stdout)}
        )
        store.log_metrics(dead, "policy", 1, {"loss": 0.5})
    with EpisodeStore(path) as store:
        runs = {run["id"]: run for run in store.training_runs()}
        assert runs[alive]["status"] == "running"  # this very process: still alive
        assert runs[dead]["status"] == "crashed"
        assert store.training_metrics(dead)[0]["metrics"] == {"loss": 0.5}  # nothing lost
