"""The real `mira run` in a real terminal (tmux): it opens the terminal UI, shows the
milestone checklist and the steps, stops on `q`, takes a rating, and the episode lands in
the database with the user's label. The local Gemma 3 270M drives a headless browser."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from mira_agent.store.database import EpisodeStore

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def tmux() -> Iterator[str]:
    if shutil.which("tmux") is None:
        pytest.fail("tmux is not installed: `make setup` installs it (apt-get install tmux)")
    name = f"mira-test-{uuid.uuid4().hex[:8]}"
    yield name
    subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)


def screen(name: str) -> str:
    return subprocess.run(
        ["tmux", "capture-pane", "-p", "-t", name], capture_output=True, text=True
    ).stdout


def wait_for(name: str, seen: Callable[[str], bool], what: str, timeout: float = 240) -> str:
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = screen(name)
        if seen(text):
            return text
        time.sleep(0.3)
    pytest.fail(f"the screen never showed {what}; it shows:\n{text}")


def keys(name: str, *sent: str) -> None:
    subprocess.run(["tmux", "send-keys", "-t", name, *sent], check=True)


def test_mira_run_in_a_terminal_shows_the_ui_stops_and_takes_a_rating(
    tmux: str, tmp_path: Path
) -> None:
    db = tmp_path / "episodes.db"
    done = tmp_path / "exit-code"
    command = [
        sys.executable, "-m", "mira_agent", "run", "--task-id",
        "flights-cheapest-nonstop-bos-den", "--headless", "--no-screenshots", "--db", str(db),
        # the base model: it keeps stepping until stopped, where mira-270m's checker can
        # end the run on its own after step 1, before the stop this test is about
        "--model", "gemma3-270m",
    ]  # fmt: skip
    shell = (
        f"cd {shlex.quote(str(ROOT))} && {shlex.join(command)}; echo $? > {shlex.quote(str(done))}"
    )
    subprocess.run(
        [
            "tmux",
            "new-session",
            "-d",
            "-s",
            tmux,
            "-x",
            "150",
            "-y",
            "45",
            "bash",
            "-c",
            shell + "; sleep 30",
        ],
        check=True,
        env={**os.environ, "TERM": "xterm-256color"},
    )
    # The UI: the task in the header, the checklist panel, and the agent's first step.
    text = wait_for(tmux, lambda t: "Milestones" in t and "Step 1" in t, "the checklist and step 1")
    assert "Book the cheapest non-stop flight" in text
    keys(tmux, "q")
    wait_for(tmux, lambda t: "Succeeded" in t and "Failed" in t, "the rating")
    keys(tmux, "f")
    keys(tmux, "q")
    deadline = time.monotonic() + 60
    while not done.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert done.read_text().strip() == "1"  # stopped: not a success
    (episode,) = EpisodeStore(db).episodes()
    assert episode["status"] == "stopped"
    assert episode["label"] == "failed" and episode["label_source"] == "user"
    assert episode["steps"] >= 1
