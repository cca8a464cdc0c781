"""Template instances from the command line: listed with their splits, run by id, and
benched per template; bad requests are one-line errors that write nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_cli import assert_one_line_error, mira


def test_sites_tasks_lists_instances_with_their_splits() -> None:
    listed = mira("sites", "tasks", "flights", "--instances", "2", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    by_split: dict[str, set[str]] = {}
    for row in rows:
        template, _seed = row["id"].split("@")
        assert template == row["template"] and row["milestones"] and row["outcome"]
        by_split.setdefault(row["split"], set()).add(template)
    assert set(by_split) == {"train", "test-instances", "test-templates"}
    # Train templates give both the train and the held-out-seed split; the held-out
    # templates give only theirs.
    assert by_split["train"] == by_split["test-instances"]
    assert by_split["train"].isdisjoint(by_split["test-templates"])
    assert len(rows) == 2 * (2 * len(by_split["train"]) + len(by_split["test-templates"]))

    again = mira("sites", "tasks", "flights", "--instances", "2", "--json")
    assert json.loads(again.stdout) == rows  # the same seeds draw the same tasks


def test_sites_templates_shows_the_table() -> None:
    table = mira("sites", "templates", "flights")
    assert table.returncode == 0, table.stderr
    assert "flights-book-cheapest" in table.stdout and "test-templates" in table.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--instances", "0"], "--instances must be at least 1"),
        (["--instances", "1", "--split", "train", "--seed", "150000"], "outside train's seeds"),
        (["--instances", "1", "--seed", "3"], "give --split too"),
        (["--seed", "3"], "give --instances too"),
        (["--instances", "1", "--split", "dev"], "the template splits are"),
    ],
)
def test_bad_instance_requests_are_one_line(args: list[str], message: str) -> None:
    assert_one_line_error(mira("sites", "tasks", "flights", *args), 2, message)


def test_mira_run_opens_an_instance_by_template_and_seed() -> None:
    shown = mira("run", "--task-id", "flights-book-cheapest@17", "--observe-only", "--headless")
    assert shown.returncode == 0, shown.stderr
    assert "Book the cheapest flight" in shown.stdout
    unknown = mira("run", "--task-id", "flights-nope@3", "--observe-only", "--headless")
    assert_one_line_error(unknown, 2, "no template 'flights-nope' on flights")


def test_bench_runs_instances_and_reports_per_template(tmp_path: Path) -> None:
    done = mira(
        "bench", "flights", "--policy", "oracle", "--instances", "1",
        "--split", "test-templates", "--json", "--db", str(tmp_path / "b.db"),
        timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert [s["name"] for s in report["splits"]] == ["test-templates"]
    assert [t["name"] for t in report["templates"]] == [
        "flights-book-earliest",
        "flights-fare-shortest",
    ]
    assert all(t["success_rate"] == 1.0 and t["episodes"] == 1 for t in report["templates"])

    # The corpus summary counts what the run recorded.
    stats = mira("episodes", "stats", "--db", str(tmp_path / "b.db"), "--json")
    assert stats.returncode == 0, stats.stderr
    corpus = json.loads(stats.stdout)
    assert (corpus["episodes"], corpus["tasks"], corpus["templates"]) == (2, 2, 2)
    assert corpus["succeeded"] == 2 and corpus["suites"] == {"sandbox": 2}
    (actor,) = [r for r in corpus["roles"] if r["role"] == "actor"]
    assert actor["calls"] == corpus["steps"] and actor["prompt_tokens"] > 100 * actor["calls"]
    # A scripted demonstration has no token counts of its own: they are estimated.
    assert actor["estimated"] == actor["calls"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["flights", "--instances", "0"], "--instances must be at least 1"),
        (["flights", "--instances", "2", "--split", "train", "--seed", "100000"], "outside train"),
        (["flights", "--instances", "2", "--split", "test"], "the template splits are"),
        (["flights", "--instances", "2", "--tasks", "flights-nope"], "no such task"),
        (["miniwob", "--instances", "2"], "--instances draws sandbox task templates"),
        (["flights", "--seed", "4"], "give --instances too"),
    ],
)
def test_bad_bench_instance_requests_write_nothing(
    args: list[str], message: str, tmp_path: Path
) -> None:
    db = tmp_path / "b.db"
    assert_one_line_error(mira("bench", *args, "--db", str(db)), 2, message)
    assert not db.exists()
