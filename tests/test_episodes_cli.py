"""`mira episodes …` and a real `mira run` killed mid-episode, on real SQLite files."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mira_agent.browser.observation import parse_elements
from mira_agent.browser.session import BrowserOptions, BrowserSession
from mira_agent.run.replay import find_element, replay_episode
from mira_agent.store.database import EpisodeStore
from tests.test_store import record_booking, recorder_of, synthetic_run

MIRA = [sys.executable, "-m", "mira_agent"]


def mira(*args: str, db: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*MIRA, *args, "--db", str(db)],
        capture_output=True,
        text=True,
        input=stdin,
        timeout=120,
        env={**os.environ, "COLUMNS": "200"},
    )


@pytest.fixture
def filled(tmp_path: Path) -> Path:
    db = tmp_path / "episodes.db"
    store = EpisodeStore(db)
    for label in ("alpha", "beta", "gamma"):
        synthetic_run(recorder_of(store), 2, label)
    store.update_episode(2, status="succeeded")
    store.close()
    return db


def test_list_filters_and_json(filled: Path) -> None:
    listed = mira("episodes", "list", db=filled)
    assert (
        listed.returncode == 0 and "task alpha" in listed.stdout and "task gamma" in listed.stdout
    )
    only = mira("episodes", "list", "--status", "succeeded", "--json", db=filled)
    rows = [json.loads(line) for line in only.stdout.splitlines()]
    assert [r["task"] for r in rows] == ["task beta"]


def test_show_rate_export_import_delete(filled: Path, tmp_path: Path) -> None:
    shown = mira("episodes", "show", "1", db=filled)
    assert shown.returncode == 0
    assert "Step 2" in shown.stdout and "scroll(direction='down')" in shown.stdout
    prompts = mira("episodes", "show", "1", "--prompts", db=filled)
    assert "alpha step 1" in prompts.stdout  # the exact message the actor was sent
    assert (
        mira("episodes", "rate", "1", "succeeded", "--note", "looked right", db=filled).returncode
        == 0
    )
    out = tmp_path / "all.jsonl"
    assert mira("episodes", "export", "--out", str(out), db=filled).returncode == 0
    lines = out.read_text().splitlines()
    assert len(lines) == 3
    first = json.loads(lines[0])
    assert first["episode"]["label"] == "succeeded" and first["episode"]["note"] == "looked right"
    assert len(first["steps"]) == 2
    other = tmp_path / "other.db"
    imported = mira("episodes", "import", str(out), db=other)
    assert "imported 3 episode(s), 0 already there" in imported.stdout
    refused = mira("episodes", "delete", "1", db=filled)  # no terminal: needs --yes
    assert refused.returncode == 2 and "--yes" in refused.stderr
    assert mira("episodes", "delete", "1", "2", "--yes", db=filled).returncode == 0
    assert [
        json.loads(x)["id"]
        for x in mira("episodes", "list", "--json", db=filled).stdout.splitlines()
    ] == [3]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["episodes", "show", "99"], "no episode 99"),
        (["episodes", "rate", "1", "great"], "a rating is one of succeeded, failed"),
        (["episodes", "list", "--status", "done"], "--status is one of"),
        (["episodes", "list", "--since", "yesterday"], "--since takes a date"),
        (["episodes", "import", "/nonexistent.jsonl"], "no such file"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(filled: Path, args: list[str], message: str) -> None:
    result = mira(*args, db=filled)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("mira: error:") and message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_database_is_not_created_by_reading_it(tmp_path: Path) -> None:
    result = mira("episodes", "list", db=tmp_path / "none.db")
    assert result.returncode == 2 and "no episode database" in result.stderr
    assert not (tmp_path / "none.db").exists()


# -- replay -----------------------------------------------------------------------------


def test_an_element_is_found_again_by_role_and_name() -> None:
    page = parse_elements('[4] button "Search" [7] link "Search" [9] textbox "From"')
    assert find_element(page, "4", {"role": "button", "name": "Search"}).id == "4"  # type: ignore[union-attr]
    assert find_element(page, "2", {"role": "link", "name": "Search"}).id == "7"  # type: ignore[union-attr]
    assert find_element(page, "9", {"role": "button", "name": "Go"}) is None


def test_replay_reproduces_a_booking_and_stops_where_it_cannot(
    session: BrowserSession, flight_site, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    store = EpisodeStore(tmp_path / "episodes.db")
    task, recorder, _, _ = record_booking(session, flight_site, store)
    episode_id = recorder.episode_id
    assert episode_id is not None
    options = BrowserOptions(headless=True, run_dir=tmp_path)
    card = task.params["card"]
    yes = lambda action, reason: True  # noqa: E731
    # Ids are per page load: shift every stored id so each element must be found again.
    for row in store.children("steps", episode_id):
        if row["parsed"] and "element" in row["parsed"]:
            moved = {**row["parsed"], "element": str(int(row["parsed"]["element"]) + 1000)}
            store.update_step(episode_id, row["step"], parsed=moved)
        if row["parsed"] and "elements" in row["parsed"]:  # a form filled in one step
            shifted = [str(int(i) + 1000) for i in row["parsed"]["elements"]]
            store.update_step(
                episode_id, row["step"], parsed={**row["parsed"], "elements": shifted}
            )
    report = replay_episode(
        store, episode_id, options, secrets=[card["number"], card["cvv"]], approver=yes
    )
    assert report.failure is None and report.verdict is True and report.reproduced
    # The card number was masked when stored: without it the replay says where it stops.
    report = replay_episode(store, episode_id, options, approver=yes)
    assert not report.reproduced and "masked" in (report.failure or "")
    card_step = next(
        s["step"]
        for s in store.children("steps", episode_id)
        if s["target"]
        and "Card number" in [f and f["name"] for f in s["target"].get("fields", [s["target"]])]
    )
    stored = next(s for s in store.children("steps", episode_id) if s["step"] == card_step)
    assert card["number"] not in str(stored["parsed"])  # a filled form's card is masked too
    assert report.failed_step == card_step
    # A payment needs a yes in a replay too.
    report = replay_episode(store, episode_id, options, secrets=[card["number"], card["cvv"]])
    assert not report.reproduced and "needs a yes" in (report.failure or "")


# -- a real `mira run`, killed ----------------------------------------------------------


def _start_run(db: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            *MIRA, "run", "--task-id", "flights-cheapest-nonstop-bos-den", "--no-plan",
            "--headless", "--no-tui", "--no-screenshots", "--max-steps", "40", "--db", str(db),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip


def _wait_for_steps(db: Path, count: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        if db.exists():
            store = EpisodeStore(db)
            done = store.db.execute(
                "SELECT count(*) FROM steps WHERE ended_at IS NOT NULL"
            ).fetchone()[0]
            store.close()
            if done >= count:
                return
        time.sleep(0.3)
    process.kill()
    pytest.fail("the run did not record its steps in time")


SIGNALS = {"interrupt": signal.SIGINT, "terminate": signal.SIGTERM, "kill": signal.SIGKILL}


@pytest.mark.parametrize("how", list(SIGNALS))
def test_a_run_killed_mid_episode_keeps_its_finished_steps(tmp_path: Path, how: str) -> None:
    db = tmp_path / "episodes.db"
    process = _start_run(db)
    _wait_for_steps(db, 2, process)
    process.send_signal(SIGNALS[how])
    _, err = process.communicate(timeout=60)
    store = EpisodeStore(db)  # opening it notices a process that died without a word
    (episode,) = store.episodes()
    steps = store.children("steps", episode["id"])
    assert len([s for s in steps if s["ended_at"]]) >= 2
    assert all(s["messages"] and s["completion"] for s in steps)
    if how == "interrupt":
        assert process.returncode == 130 and "interrupted" in err
        assert episode["status"] == "interrupted" and episode["ended_at"]
        assert "Ctrl-C" in episode["reason"]
    elif how == "terminate":
        assert process.returncode == 143 and "terminated" in err
        assert episode["status"] == "interrupted" and episode["ended_at"]
        assert "terminated" in episode["reason"] and "Ctrl-C" not in episode["reason"]
    else:
        assert process.returncode == -signal.SIGKILL
        assert episode["status"] == "crashed" and "without finishing" in episode["reason"]


def test_a_trace_is_kept_in_the_episodes_folder(tmp_path: Path, pages_server: str) -> None:
    import zipfile

    store = EpisodeStore(tmp_path / "episodes.db")
    recorder = recorder_of(store)
    path = recorder.trace_file()
    with BrowserSession(BrowserOptions(headless=True, run_dir=tmp_path, trace=path)) as browser:
        browser.goto(pages_server + "/widgets.html")
    names = zipfile.ZipFile(path).namelist()
    assert any(name.endswith(".trace") for name in names), names
    synthetic_run(recorder, 1, "traced")
    assert store.resolve(store.episode(recorder.episode_id)["trace"]) == path
