"""`mira finetune` and `mira train` refuse bad input with one line and a non-zero exit,
before loading anything they do not need."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from mira_agent.store.database import EpisodeStore
from tests.helpers import finetune, mira

pytest.importorskip("torch")


def refused(done: subprocess.CompletedProcess[str], message: str) -> None:
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mira: error:"), done.stderr
    assert message in lines[0], lines[0]


@pytest.fixture
def empty_db(tmp_path: Path) -> Path:
    path = tmp_path / "empty.db"
    EpisodeStore(path).close()
    return path


@pytest.fixture
def unlabelled_db(tmp_path: Path) -> Path:
    """An episode the user stopped: its steps are there, but nobody judged the outcome."""
    path = tmp_path / "unlabelled.db"
    with EpisodeStore(path) as store:
        episode = store.start_episode({"uuid": "u1", "task": "find the cheapest flight"})
        store.add(
            "steps",
            {
                "episode_id": episode,
                "step": 1,
                "messages": [{"role": "user", "content": "page"}],
                "completion": '{"action": "stop"}',
            },
        )
        store.update_episode(episode, status="stopped")
    return path


def test_a_missing_database(tmp_path: Path) -> None:
    refused(
        finetune(tmp_path / "none.db", tmp_path / "o"),
        "no episode database",
    )


def test_an_empty_database(empty_db: Path, tmp_path: Path) -> None:
    refused(
        finetune(empty_db, tmp_path / "o"),
        "no episodes to train on",
    )


def test_episodes_without_labels_are_counted_and_refused(
    unlabelled_db: Path, tmp_path: Path
) -> None:
    refused(
        finetune(unlabelled_db, tmp_path / "o"),
        "1 no outcome label",
    )


def test_a_model_path_that_does_not_exist(tmp_path: Path, episodes_db: Path) -> None:
    refused(
        finetune(episodes_db, tmp_path / "o", "--base", str(tmp_path / "nope.gguf")),
        "no model at",
    )


def test_a_file_that_is_not_a_model(tmp_path: Path, episodes_db: Path) -> None:
    text = tmp_path / "notes.gguf"
    text.write_text("not a model")
    refused(
        finetune(episodes_db, tmp_path / "o", "--base", str(text)),
        "is not a GGUF file",
    )


def test_a_model_that_does_not_say_its_size_is_refused_before_loading(
    tmp_path: Path, episodes_db: Path
) -> None:
    folder = tmp_path / "hf"
    folder.mkdir()
    (folder / "config.json").write_text('{"model_type": "gemma3_text"}')
    cut = tmp_path / "cut.gguf"
    cut.write_bytes(b"GGUF" + (3).to_bytes(4, "little") + (1).to_bytes(8, "little"))
    for base, message in ((folder, "does not state hidden_size"), (cut, "could not be read")):
        refused(finetune(episodes_db, tmp_path / "o", "--base", str(base)), message)
    assert not (tmp_path / "o").exists()


def test_an_output_folder_with_something_in_it(tmp_path: Path, episodes_db: Path) -> None:
    out = tmp_path / "o"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    refused(
        finetune(episodes_db, out),
        "is not empty",
    )
    assert (out / "keep.txt").read_text() == "mine"


def test_resume_with_nothing_to_resume(tmp_path: Path, episodes_db: Path) -> None:
    refused(
        finetune(episodes_db, tmp_path, "--resume"),
        "nothing to resume",
    )


@pytest.mark.parametrize("cache", ["fresh", "warm"])
def test_the_memory_guard_stops_a_run_that_cannot_fit(
    cache: str, tmp_path: Path, episodes_db: Path, request: pytest.FixtureRequest
) -> None:
    """On a machine that never trained (fresh) the guard answers from the GGUF header,
    before the minute-long conversion; on one that did (warm), the same one line."""
    if cache == "fresh":
        env = {"HOME": str(tmp_path / "home")}
    else:
        request.getfixturevalue("converted_base")
        env = {}
    done = finetune(
        episodes_db,
        tmp_path / "o",
        "--max-tokens",
        "40000000",
        "--micro-batch-tokens",
        "40000000",
        env=env,
    )
    refused(done, "training needs about")
    assert done.returncode == 3
    assert "--micro-batch-tokens" in done.stderr  # what to change
    assert not (tmp_path / "o").exists()  # nothing started
    if cache == "fresh":
        data = tmp_path / "home" / ".local" / "share" / "mira"
        assert (data / "models").is_dir()  # the embedded model was found there, first use
        assert not (data / "hf-models").exists()  # and not converted: the guard came first


def test_a_first_finetune_writes_only_mira_s_own_lines(converted_base: Any) -> None:
    """The session's first finetune converted the GGUF (transformers' own progress bar
    and warnings would show here) and trained: stderr holds mira's progress alone."""
    done, _out = converted_base
    assert "Traceback" not in done.stderr
    for noise in ("de-quantizing", "it/s]", "Warning", "warn(", "huggingface", "llama_"):
        assert noise not in done.stderr, done.stderr
    assert "trained: run" in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--algo", "ppo"), "--algo"),
        (("--objective", "dpo"), "--objective"),
        (("--gguf-type", "q2_k"), "--gguf-type"),
        (("--label-source", "crowd"), "--label-source"),
        (("--no-merge",), "needs the merged model"),
        (("--algo", "sft", "--roles", "actor,foo"), "--roles takes actor, planner"),
        (("--algo", "sft", "--roles", " , "), "--roles names at least one"),
        (("--roles", "actor,checker"), "--roles checker needs --algo sft"),
    ],
)
def test_bad_options(args: tuple[str, ...], message: str, tmp_path: Path, empty_db: Path) -> None:
    refused(
        finetune(empty_db, tmp_path / "o", *args),
        message,
    )


@pytest.mark.parametrize("command", ["finetune", "train"])
def test_bad_roles_exit_with_a_usage_error(command: str, tmp_path: Path, empty_db: Path) -> None:
    """`mira train` shares the option: both refuse before opening anything."""
    where = ("--episodes", str(empty_db)) if command == "finetune" else ("mail",)
    done = mira(command, *where, "--out", str(tmp_path / "o"), "--algo", "sft", "--roles", "foo")
    refused(done, "--roles takes actor, planner, checker, replanner, not 'foo'")
    assert done.returncode == 2


def test_train_refuses_a_base_it_cannot_play(tmp_path: Path) -> None:
    folder = tmp_path / "hf"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    refused(
        mira("train", "mail", "--out", str(tmp_path / "o"), "--base", str(folder)),
        "needs a GGUF to play",
    )


def test_train_refuses_a_suite_without_train_tasks(tmp_path: Path) -> None:
    refused(
        mira(
            "train",
            "mail",
            "--out",
            str(tmp_path / "o"),
            "--tasks",
            "mail-rescheduled-review-date",
        ),
        "no train-split task",
    )


def test_each_training_option_is_declared_once_for_both_commands() -> None:
    """`mira finetune` and `mira train` take the same training options, with the same
    flags, help and choices, built from the settings' own fields; `mira train` leaves
    out only what its loop decides (the merged model and its GGUF)."""
    import typer

    from mira_agent.cli import app
    from mira_agent.cli.training import PANEL, option_fields

    commands = typer.main.get_command(app).commands  # type: ignore[attr-defined]

    def training(name: str) -> dict[str, tuple[object, ...]]:
        return {
            p.opts[0]: (tuple(p.opts), tuple(p.secondary_opts), p.help)
            for p in commands[name].params
            if getattr(p, "rich_help_panel", None) == PANEL
        }

    finetune, train = training("finetune"), training("train")
    assert len(finetune) == len(option_fields()) > 20
    assert set(finetune) - set(train) == {"--no-merge", "--no-gguf"}
    for flag, declared in train.items():
        assert declared == finetune[flag], flag
    assert "[0.5]" in str(finetune["--beta"][2]) and "[mira]" in str(finetune["--algo"][2])
    for command in ("finetune", "train"):
        shown = mira(command, "--help", env={"COLUMNS": "300"}).stdout
        assert all(flag in shown for flag in train)
        assert "<f16|bf16|q8_0|f32>" in shown and "<mira|webrl|awr|sft>" in shown
