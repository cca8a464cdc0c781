"""`mira finetune` for real: the embedded Gemma 3 270M, LoRA, on the CPU, on episodes the
sandbox's oracle recorded in the actor's own prompt format (one success, one failure cut
off by the step limit, both labelled by the site's checker).

The module trains once (a few optimiser steps on a repeated batch, short prompts) and
the tests read what that run left: files, database rows, the adapter's effect, and the
GGUF export in llama.cpp.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mira_agent.store.database import EpisodeStore

pytest.importorskip("torch")
pytest.importorskip("peft")

SUCCESS_TASK = "mail-quote-sender-phone"  # 4 oracle steps, 2 milestones
FAILED_TASK = "mail-star-unread-from-teammate"  # cut off after 2 of its 5 steps


def mira(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "mira_agent", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


@pytest.fixture(scope="module")
def episodes_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("train-data") / "episodes.db"
    for task, steps in ((SUCCESS_TASK, "30"), (FAILED_TASK, "2")):
        done = mira(
            "bench",
            "mail",
            "--tasks",
            task,
            "--split",
            "train",
            "--policy",
            "oracle",
            "--max-steps",
            steps,
            "--db",
            str(db),
        )
        assert done.returncode == 0, done.stderr
    return db


TRAIN_ARGS = (
    "--max-tokens",
    "256",
    "--micro-batch-tokens",
    "2048",
    "--batch-size",
    "64",
    "--critic-epochs",
    "100",
)


@pytest.fixture(scope="module")
def trained(episodes_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("finetune") / "run"
    done = mira(
        "finetune",
        "--episodes",
        str(episodes_db),
        "--out",
        str(out),
        "--epochs",
        "4",
        *TRAIN_ARGS,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "action log-probability change" in done.stdout
    return out


def test_a_mira_phase_writes_every_output(trained: Path) -> None:
    for name in (
        "adapter/adapter_config.json",
        "merged/config.json",
        "merged/mira-origin.json",
        "model.gguf",
        "critics.pt",
        "README.md",
        "settings.json",
        "metrics.jsonl",
        "signals.jsonl",
        "plots/loss.png",
        "plots/critics.png",
    ):
        assert (trained / name).is_file(), name
    assert not (trained / "checkpoint").exists()  # a finished run keeps no checkpoint
    card = (trained / "README.md").read_text()
    assert "MiRA: milestone-shaped rewards" in card and "2 (1 succeeded), 6 actions" in card


def test_the_run_and_its_metrics_are_in_the_database(trained: Path, episodes_db: Path) -> None:
    with EpisodeStore(episodes_db) as store:
        [run] = store.training_runs()
        assert run["status"] == "finished" and run["algo"] == "mira"
        assert run["out_dir"] == str(trained.resolve())
        assert run["data"]["episodes"] == 2 and run["data"]["succeeded"] == 1
        assert run["settings"]["epochs"] == 4 and run["settings"]["use_potential"] is True
        policy = store.training_metrics(run["id"], "policy")
        assert [row["step"] for row in policy] == [1, 2, 3, 4]
        assert store.training_metrics(run["id"], "value")
        assert store.training_metrics(run["id"], "potential")
    losses = [row["metrics"]["loss"] for row in policy]
    assert all(loss == loss and loss < 1e6 for loss in losses)  # finite
    # One batch, seen four times: the loss must fall.
    assert losses[-1] < losses[0]
    assert run["summary"]["last_loss"] == losses[-1]


def test_actions_move_in_the_direction_of_their_advantage(trained: Path) -> None:
    rows = [json.loads(line) for line in (trained / "signals.jsonl").read_text().splitlines()]
    assert len(rows) == 6
    assert {row["episode_id"] for row in rows} == {1, 2}

    # Positive advantages are made more likely, and more so than the others.
    def moved(row: dict) -> float:
        return row["logp_after"] - row["logp_ref"]

    up = [moved(r) for r in rows if r["advantage"] > 0.05]
    rest = [moved(r) for r in rows if r["advantage"] <= 0.05]
    assert up and rest
    assert sum(up) / len(up) > 0
    assert sum(up) / len(up) > sum(rest) / len(rest)


def test_the_saved_adapter_reloads_and_changes_the_log_probabilities(
    trained: Path, episodes_db: Path
) -> None:
    """Load the base and the adapter anew, outside the trainer, rebuild the action with
    the highest advantage from the database, and recompute its log-probability."""
    import torch
    from peft import PeftModel

    from mira_agent.train.base_model import load_model, resolve_base
    from mira_agent.train.episodes import load_episodes
    from mira_agent.train.policy import action_logprobs, collate
    from mira_agent.train.samples import Renderer, build_samples

    rows = [json.loads(line) for line in (trained / "signals.jsonl").read_text().splitlines()]
    best = max(rows, key=lambda r: r["advantage"])
    with EpisodeStore(episodes_db) as store:
        episodes = load_episodes(store).episodes
    base, tokenizer = load_model(resolve_base(None), device="cpu", dtype=torch.float32)
    samples = build_samples(episodes, Renderer(tokenizer, base.config.model_type), 256)
    [sample] = [
        s
        for s in samples
        if episodes[s.episode].episode_id == best["episode_id"] and s.step + 1 == best["step"]
    ]
    batch = collate([sample], tokenizer.pad_token_id or 0, "cpu")
    with torch.no_grad():
        before = float(action_logprobs(base, batch)[0][0])
        tuned = PeftModel.from_pretrained(base, trained / "adapter").eval()
        after = float(action_logprobs(tuned, batch)[0][0])
    assert before == pytest.approx(best["logp_ref"], abs=1e-3)
    assert after == pytest.approx(best["logp_after"], abs=1e-2)
    assert after > before


def test_the_gguf_export_runs_in_llama_cpp_through_mira_s_backend(trained: Path) -> None:
    from mira_agent.llm.base import Message
    from mira_agent.llm.llamacpp import LocalBackend

    backend = LocalBackend(str(trained / "model.gguf"), context=512)
    reply = backend.complete([Message("user", "Say hello.")], max_tokens=8, temperature=0.0)
    assert reply.usage.completion_tokens > 0
