"""`mira finetune` for real: the embedded Gemma 3 270M, LoRA, on the CPU, on episodes the
sandbox's oracle recorded in the actor's own prompt format (one success, one failure cut
off by the step limit, both labelled by the site's checker).

The module trains once (a few optimiser steps on a repeated batch, short prompts) and
the tests read what that run left: files, database rows, the adapter's effect, and the
GGUF export in llama.cpp.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from mira_agent.store.database import EpisodeStore

pytest.importorskip("torch")
pytest.importorskip("peft")

from tests.helpers import SUCCESS_TASK, TRAIN_ARGS, finetune, mira

# The session converts the embedded model once, in its first finetune, before these run.
pytestmark = pytest.mark.usefixtures("converted_base")


@pytest.fixture(scope="module")
def trained(episodes_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("finetune") / "run"
    done = finetune(episodes_db, out, "--epochs", "4", *TRAIN_ARGS)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "action log-probability change" in done.stdout
    return out


def test_a_mira_phase_writes_every_output(trained: Path) -> None:
    for name in (
        "adapter/adapter_config.json",
        "merged/config.json",
        "merged/mira-origin.json",
        "model.gguf",
        "adapter.gguf",
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


def test_the_adapter_gguf_fits_the_embedded_base(trained: Path) -> None:
    from mira_agent.llm.adapters import check_adapter
    from mira_agent.llm.models import default_local_model

    settings = json.loads((trained / "settings.json").read_text())
    info = check_adapter(trained / "adapter.gguf", default_local_model())
    assert info.ranks == {settings["lora_r"]} and info.base == "gemma3-270m"
    assert info.alpha == pytest.approx(settings["lora_alpha"])
    assert "Run it on its base" in (trained / "README.md").read_text()


def test_the_run_and_its_metrics_are_in_the_database(trained: Path, episodes_db: Path) -> None:
    with EpisodeStore(episodes_db) as store:
        [run] = [r for r in store.training_runs() if r["out_dir"] == str(trained.resolve())]
        assert run["status"] == "finished" and run["algo"] == "mira"
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


def sft_logprobs(out: Path, episodes_db: Path, role: str) -> list[tuple[float, float]]:
    """(before, after) log-probability of every `role` sample an SFT run learned from,
    recomputed outside the trainer with the base and with the saved adapter: SFT itself
    reads neither (no reference pass, no measuring pass)."""
    import torch
    from peft import PeftModel

    from mira_agent.train.base_model import load_model, resolve_base
    from mira_agent.train.episodes import load_episodes
    from mira_agent.train.policy import action_logprobs, collate
    from mira_agent.train.samples import Renderer, build_samples

    with EpisodeStore(episodes_db) as store:
        episodes = [e for e in load_episodes(store).episodes if e.outcome > 0]
    base, tokenizer = load_model(resolve_base(None), device="cpu", dtype=torch.float32)
    renderer = Renderer(tokenizer, base.config.model_type)
    samples = [s for s in build_samples(episodes, renderer, 256, (role,)) if s.role == role]
    batch = collate(samples, tokenizer.pad_token_id or 0, "cpu")
    with torch.no_grad():
        before = action_logprobs(base, batch)[0].tolist()
        tuned = PeftModel.from_pretrained(base, out / "adapter").eval()
        after = action_logprobs(tuned, batch)[0].tolist()
    return list(zip(before, after, strict=True))


def test_sft_makes_the_demonstrated_actions_more_likely(
    converted_base: tuple[subprocess.CompletedProcess[str], Path], episodes_db: Path
) -> None:
    done, out = converted_base  # the session's first finetune: an SFT phase
    assert done.returncode == 0, done.stderr[-3000:]
    moved = sft_logprobs(out, episodes_db, "actor")
    assert len(moved) == 4  # the successful episode's actions only
    assert all(after > before for before, after in moved)
    losses = [json.loads(line)["loss"] for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert len(losses) == 3 and losses[-1] < losses[0]
    assert "failed (sft learns from successes)" in (out / "README.md").read_text()
    # Behaviour cloning needs no π_ref and no critics: neither pass ran.
    for skipped in ("critics.pt", "reference.pt", "signals.jsonl"):
        assert not (out / skipped).exists(), skipped
    assert "reference pass" not in done.stdout + done.stderr


class InterruptAt:
    """Ctrl-C as the trainer would meet it: raised from inside the update loop."""

    def __init__(self, stage: str, count: int) -> None:
        self.stage_name, self.count, self.current = stage, count, ""

    def stage(self, name: str, total: int | None) -> None:
        self.current = name

    def advance(self, amount: int = 1, **fields: object) -> None:
        if self.current == self.stage_name and "loss" in fields:
            self.count -= 1
            if self.count == 0:
                raise KeyboardInterrupt

    def note(self, text: str) -> None:
        pass


def test_ctrl_c_saves_a_checkpoint_that_resume_finishes(episodes_db: Path, tmp_path: Path) -> None:
    from mira_agent.train.phase import PhaseSpec
    from mira_agent.train.settings import preset
    from mira_agent.train.trainer import Interrupted, finetune

    out = tmp_path / "resumed"
    settings = preset(
        "webrl",
        max_tokens=256,
        micro_batch_tokens=2048,
        batch_size=2,
        critic_epochs=50,
        gguf=False,
        merge=False,
    )
    with EpisodeStore(episodes_db) as store:
        with pytest.raises(Interrupted, match="--resume"):
            finetune(store, PhaseSpec(out, settings), InterruptAt("training the policy", 2))
        run = store.training_runs()[-1]
        assert run["status"] == "interrupted"
        assert json.loads((out / "checkpoint" / "state.json").read_text())["step"] == 2
        result = finetune(store, PhaseSpec(out, settings, resume=True))
        assert result.run_id == run["id"]
        run = store.training_runs()[-1]
        steps = [row["step"] for row in store.training_metrics(run["id"], "policy")]
    assert run["status"] == "finished"
    assert steps == [1, 2, 3]  # 6 actions in batches of 2: each step once, none repeated
    assert run["summary"]["steps"] == 3
    assert not (out / "checkpoint").exists()


class PowerCut(BaseException):
    """A stop no handler sees (a killed process, a restarted machine)."""


class CutAt(InterruptAt):
    def advance(self, amount: int = 1, **fields: object) -> None:
        if self.current == self.stage_name and "loss" in fields:
            self.count -= 1
            if self.count == 0:
                raise PowerCut


def test_a_hard_stop_resumes_from_the_last_periodic_checkpoint(
    episodes_db: Path, tmp_path: Path
) -> None:
    """Checkpoints are written while training, not only on Ctrl-C: a run cut off without
    warning resumes from the last one, and the steps it redoes are logged once."""
    from mira_agent.train.phase import PhaseSpec
    from mira_agent.train.settings import preset
    from mira_agent.train.trainer import finetune

    out = tmp_path / "cut"
    settings = preset(
        "sft",
        max_tokens=256,
        micro_batch_tokens=2048,
        batch_size=2,
        epochs=2,
        gguf=False,
        merge=False,
        checkpoint_minutes=1e-6,  # after every step
    )
    with EpisodeStore(episodes_db) as store:
        with pytest.raises(PowerCut):
            finetune(store, PhaseSpec(out, settings), CutAt("training the policy", 3))
        # Step 3 was taken and logged, but the cut came before its checkpoint.
        assert json.loads((out / "checkpoint" / "state.json").read_text())["step"] == 2
        result = finetune(store, PhaseSpec(out, settings, resume=True))
        run = store.training_runs()[-1]
        steps = [row["step"] for row in store.training_metrics(run["id"], "policy")]
    assert result.run_id == run["id"] and run["status"] == "finished"
    assert steps == [1, 2, 3, 4]  # 4 actions in batches of 2, two epochs: each step once
    logged = [json.loads(line)["step"] for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert logged == [1, 2, 3, 4]


def test_the_train_loop_plays_trains_and_evaluates_the_new_model(tmp_path: Path) -> None:
    db = tmp_path / "loop.db"
    out = tmp_path / "loop"
    done = mira(
        "train",
        "mail",
        "--tasks",
        SUCCESS_TASK,
        "--tasks",
        "mail-rescheduled-review-date",
        "--algo",
        "sft",
        "--phases",
        "1",
        "--out",
        str(out),
        "--db",
        str(db),
        "--max-steps",
        "4",
        "--skip-base-eval",
        "--max-tokens",
        "256",
        "--micro-batch-tokens",
        "2048",
        "--gguf-type",
        "q8_0",
    )
    assert done.returncode == 0, done.stderr[-3000:]
    loop = json.loads((out / "loop.json").read_text())
    [phase] = loop["phases"]
    assert phase["train"] == [1, 1]  # the oracle's demonstration
    assert phase["test"][1] == 1  # one test episode, played by the new model
    with EpisodeStore(db) as store:
        [run] = store.training_runs()
        assert run["parent"] == loop["loop"] and run["phase"] == 1 and run["algo"] == "sft"
        played = [row for row in store.episodes() if row["policy"] == "agent"]
    assert [row["task_id"] for row in played] == ["mail-rescheduled-review-date"]
    assert played[0]["actor"].endswith("model.gguf")
    assert (out / "phase-1" / "model.gguf").is_file()


def test_the_critics_can_read_a_separate_model(episodes_db: Path, tmp_path: Path) -> None:
    """`--critic-base` loads a model of its own for the critics' features. With the same
    270M as that model, its features must be the reference pass's, read independently."""
    import torch

    out = tmp_path / "critic"
    done = finetune(
        episodes_db,
        out,
        "--critic-base",
        "gemma3-270m",
        "--max-updates",
        "1",
        "--no-gguf",
        "--no-merge",
        *TRAIN_ARGS,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    own = torch.load(out / "critic_features.pt")
    reference = torch.load(out / "reference.pt")["features"]
    assert own.shape == reference.shape == (6, 640)
    assert torch.allclose(own, reference, atol=1e-3)
    assert "Critics' features: gemma3-270m" in (out / "README.md").read_text()
    assert len((out / "metrics.jsonl").read_text().splitlines()) == 1  # --max-updates 1


def test_sft_on_the_planner_role_learns_from_the_sites_plan_demonstrations(
    episodes_db: Path, tmp_path: Path
) -> None:
    """`--roles planner`: one sample per plan the site demonstrated in the episodes SFT
    learns from (the successful ones), and no actor step."""
    out = tmp_path / "planner"
    done = finetune(
        episodes_db, out, "--algo", "sft", "--roles", "planner", "--no-gguf", "--no-merge",
        "--epochs", "1", *TRAIN_ARGS,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    with EpisodeStore(episodes_db) as store:
        wins = [e["id"] for e in store.episodes() if e["label"] == "succeeded"]
        plans = [c for e in wins for c in store.children("model_calls", e) if c["role"] == "plan"]
        [run] = [r for r in store.training_runs() if r["out_dir"] == str(out.resolve())]
    moved = sft_logprobs(out, episodes_db, "planner")
    assert plans and len(moved) == len(plans) == run["summary"]["roles"]["planner"]["samples"]
    assert all(after > before for before, after in moved)
    assert set(run["summary"]["roles"]) == {"planner"}
    assert run["settings"]["roles"] == ["planner"] and run["summary"]["actions"] == 0
    assert f"samples: planner {len(plans)} (" in done.stdout


def test_init_adapter_starts_from_an_earlier_run(
    trained: Path, episodes_db: Path, tmp_path: Path
) -> None:
    """A run started with `init_adapter` trains the earlier run's LoRA further: with a
    vanishing learning rate its adapter leaves as the earlier run's came in, where a new
    LoRA would have started from zero in its B matrices (and other A matrices)."""
    import torch
    from safetensors.torch import load_file

    from mira_agent.train.phase import PhaseSpec
    from mira_agent.train.settings import preset
    from mira_agent.train.trainer import finetune

    out = tmp_path / "continued"
    settings = preset(
        "sft",
        max_tokens=256,
        micro_batch_tokens=2048,
        batch_size=2,
        max_steps=1,
        learning_rate=1e-12,
        gguf=False,
        merge=False,
        init_adapter=str(trained),
    )
    with EpisodeStore(episodes_db) as store:
        finetune(store, PhaseSpec(out, settings))
    before = load_file(trained / "adapter" / "adapter_model.safetensors")
    after = load_file(out / "adapter" / "adapter_model.safetensors")
    assert before.keys() == after.keys()
    lora_b = [k for k in before if "lora_B" in k]
    assert lora_b and any(before[k].abs().sum() > 0 for k in lora_b)
    for key in before:
        assert torch.allclose(before[key].float(), after[key].float(), atol=1e-6), key


def test_init_adapter_without_an_adapter_is_one_line(episodes_db: Path, tmp_path: Path) -> None:
    done = finetune(episodes_db, tmp_path / "out", "--init-adapter", str(tmp_path), *TRAIN_ARGS)
    assert done.returncode != 0
    assert "--init-adapter: no LoRA adapter at" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "out").exists()
