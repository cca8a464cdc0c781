"""What a fine-tuning phase leaves behind: the numbers it reports, the per-action
signals, the saved models and GGUF, the model card and plots, and the checkpoint that
`--resume` reads. Kept apart from the training arithmetic in `trainer.py`."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from array import array
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mira_agent.errors import UsageError
from mira_agent.train.base_model import BaseModel, write_origin
from mira_agent.train.phase import Phase, PhaseData
from mira_agent.train.samples import Sample, role_counts

CHECKPOINT = "checkpoint"


def find_adapter(path: str | Path) -> Path:
    """The peft adapter folder `--init-adapter` names: the folder itself, a finetune
    run's `adapter`, or its last checkpoint's, in that order."""
    where = Path(path).expanduser()
    for folder in (where, where / "adapter", where / CHECKPOINT / "adapter"):
        if (folder / "adapter_config.json").is_file():
            return folder
    raise UsageError(
        f"--init-adapter: no LoRA adapter at {where} (no adapter_config.json there, in"
        f" {where.name}/adapter or in {where.name}/{CHECKPOINT}/adapter)"
    )


def corpus_digest(samples: Sequence[Sample]) -> str:
    """A SHA-256 of exactly what was trained on: each sample's role, token ids and where
    its answer starts, in training order. Two runs share it only if they saw the same
    prompts and answers token for token, whatever database ids the episodes had."""
    digest = hashlib.sha256()
    for sample in samples:
        digest.update(f"{sample.role}:{sample.prompt_len}:".encode())
        digest.update(array("I", sample.ids).tobytes())
    return digest.hexdigest()


def data_summary(data: PhaseData) -> dict[str, Any]:
    return {
        "samples": len(data.samples),
        "tokens": sum(len(s.ids) for s in data.samples),
        "corpus_sha256": corpus_digest(data.samples),
        "episodes": len(data.episodes),
        "episode_ids": [e.episode_id for e in data.episodes],
        "succeeded": sum(1 for e in data.episodes if e.outcome > 0),
        "actions": sum(len(e.steps) for e in data.episodes),
        "demonstrations": dict(Counter(d.role for e in data.episodes for d in e.demonstrations)),
        "with_milestones": sum(1 for e in data.episodes if e.milestones > 0),
        "skipped": data.skipped,
    }


# -- results ---------------------------------------------------------------------------


def summarize(phase: Phase, after: Any, losses: list[float]) -> dict[str, Any]:
    """What the phase did, in numbers a reader can check: how each group of actions'
    log-probability moved (positive advantages up, negative down, if it worked)."""
    data, signals = phase.data, phase.signals
    # SFT reads no reference: there is no before to compare `after` with.
    delta = [] if phase.reference is None else (after - phase.reference.logp).tolist()
    summary: dict[str, Any] = {
        "steps": len(losses),
        "first_loss": losses[0] if losses else None,
        "last_loss": losses[-1] if losses else None,
        "actions": sum(1 for s in data.samples if s.role == "actor"),
        "roles": role_counts(data.samples),
        "truncated_prompts": sum(1 for s in data.samples if s.truncated),
    }
    if delta:
        summary["mean_delta_logp"] = sum(delta) / len(delta)
    if signals is not None and signals.advantages:
        advantages = signals.advantages
        up = [d for d, a in zip(delta, advantages, strict=True) if a > 0]
        down = [d for d, a in zip(delta, advantages, strict=True) if a < 0]
        summary["delta_logp_positive_advantage"] = sum(up) / len(up) if up else None
        summary["delta_logp_negative_advantage"] = sum(down) / len(down) if down else None
        summary["mean_advantage"] = sum(advantages) / len(advantages)
        summary["value_loss"] = signals.value_losses[-1]
        if signals.potential_losses:
            summary["potential_loss"] = signals.potential_losses[-1]
        if signals.held_out is not None:
            for key, value in signals.held_out.metrics.items():
                summary[f"held_out_{key}"] = value
    return summary


def write_signals(phase: Phase, after: Any) -> None:
    """What each action was taught and how its log-probability moved, one line each."""
    assert phase.reference is not None
    data, signals, logp_ref = phase.data, phase.signals, phase.reference.logp
    with (phase.out_dir / "signals.jsonl").open("w") as handle:
        for index, sample in enumerate(data.samples):
            episode = data.episodes[sample.episode]
            row: dict[str, Any] = {
                "episode_id": episode.episode_id,
                "role": sample.role,
                "step": sample.step + 1
                if sample.role == "actor"
                else episode.demonstrations[sample.step].step,
                "logp_ref": float(logp_ref[index]),
                "logp_after": float(after[index]),
            }
            if signals is not None:
                row |= {
                    "advantage": signals.advantages[index],
                    "reward": signals.rewards[index],
                    "value": signals.values[index],
                    "value_target": signals.targets.value[index],
                    "progress_label": signals.targets.potential[index],
                }
                if signals.potentials is not None:
                    row["potential"] = signals.potentials[index]
            handle.write(json.dumps(row) + "\n")


def write_outputs(
    phase: Phase, model: Any, tokenizer: Any, summary: dict[str, Any]
) -> dict[str, str]:
    """The adapter, the merged model and its GGUF, the plots and the model card; returns
    {what: path relative to the output folder}."""
    from mira_agent.train.card import model_card
    from mira_agent.train.plots import write_plots

    out_dir, settings, model_ref, reporter = (
        phase.out_dir,
        phase.settings,
        phase.model_ref,
        phase.reporter,
    )
    files: dict[str, str] = {}
    (out_dir / "settings.json").write_text(json.dumps(settings.as_dict(), indent=2) + "\n")
    reporter.stage("saving", None)
    if settings.lora:
        model.save_pretrained(out_dir / "adapter")
        files["adapter"] = "adapter"
        if model_ref.gguf_template is not None and not settings.load_4bit:
            files["adapter_gguf"] = _export_adapter(phase, model)
    merged_model = model
    if settings.merge:
        merged_model = model.merge_and_unload() if settings.lora else model
        merged_model.save_pretrained(out_dir / "merged")
        tokenizer.save_pretrained(out_dir / "merged")
        write_origin(out_dir / "merged", model_ref.gguf_template, base=model_ref.label)
        files["merged"] = "merged"
    if settings.gguf:
        if model_ref.gguf_template is None:
            reporter.note("no GGUF export: the base did not come from a GGUF file")
        elif settings.load_4bit:
            reporter.note("no GGUF export from 4-bit base weights")
        else:
            from mira_agent.train.gguf_export import export_gguf

            reporter.stage("exporting GGUF", None)
            export_gguf(
                merged_model,
                model_ref.gguf_template,
                out_dir / "model.gguf",
                dtype=settings.gguf_type,
                name=f"{model_ref.label} + mira {settings.algo}",
            )
            files["gguf"] = "model.gguf"
    for what, name in (
        ("critics", "critics.pt"),
        ("metrics", "metrics.jsonl"),
        ("signals", "signals.jsonl"),
    ):
        if (out_dir / name).is_file():
            files[what] = name
    files.update(write_plots(out_dir / "plots", out_dir / "metrics.jsonl", phase.signals))
    (out_dir / "README.md").write_text(
        model_card(model_ref.label, settings, data_summary(phase.data), summary, files)
    )
    files["card"] = "README.md"
    return files


def _export_adapter(phase: Phase, model: Any) -> str:
    """The LoRA as llama.cpp's adapter GGUF, for `mira run --model DIR/adapter.gguf`: a
    few megabytes against the merged model's hundreds."""
    phase.reporter.stage("exporting the adapter", None)
    model_ref = phase.model_ref
    write_adapter_gguf(
        model,
        model_ref,
        phase.out_dir / "adapter.gguf",
        f"{model_ref.label} + mira {phase.settings.algo}",
    )
    return "adapter.gguf"


def write_adapter_gguf(model: Any, model_ref: BaseModel, out: Path, name: str) -> None:
    """The PEFT `model`'s LoRA as an adapter GGUF for the GGUF `model_ref` came from; it
    names that base when it is a model mira knows, so `--model out` finds it."""
    from mira_agent.llm.models import model_info
    from mira_agent.train.gguf_adapter import export_lora_adapter

    assert model_ref.gguf_template is not None
    export_lora_adapter(
        model,
        model_ref.gguf_template,
        out,
        name=name,
        base_name=model_ref.label if model_info(model_ref.label) else None,
    )


def save_checkpoint(phase: Phase, model: Any, optimiser: Any, step: int) -> None:
    """The weights (or adapter), the optimiser and the phase's state after `step`
    optimiser steps, written beside and then swapped in, so a crash while saving leaves
    the previous checkpoint whole."""
    import torch

    settings, model_ref = phase.settings, phase.model_ref
    folder = phase.out_dir / CHECKPOINT
    partial = folder.with_name(CHECKPOINT + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    if settings.lora:
        model.save_pretrained(partial / "adapter")
    else:
        torch.save(model.state_dict(), partial / "weights.pt")
    torch.save(optimiser.state_dict(), partial / "optimiser.pt")
    state = {
        "step": step,
        "run_id": phase.run_id,
        "base": None if model_ref.label == "gemma3-270m" else model_ref.label,
        "settings": settings.as_dict(),
        "episode_ids": [e.episode_id for e in phase.data.episodes],
        # what a card of this checkpoint says (`mira models pack` of a stopped run)
        "data": {k: v for k, v in data_summary(phase.data).items() if k != "episode_ids"},
    }
    (partial / "state.json").write_text(json.dumps(state, indent=2) + "\n")
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(partial, folder)


def read_checkpoint(out_dir: Path) -> dict[str, Any]:
    path = out_dir / CHECKPOINT / "state.json"
    if not path.is_file():
        raise UsageError(f"nothing to resume in {out_dir}: no {CHECKPOINT}/state.json")
    return dict(json.loads(path.read_text()))


def settings_fields(data: dict[str, Any]) -> dict[str, Any]:
    fields = {k: v for k, v in data.items() if k != "lr"}
    fields["lora_targets"] = tuple(fields.get("lora_targets", ()))
    fields["roles"] = tuple(fields.get("roles", ("actor",)))
    return fields


def append_jsonl(path: Path, row: dict[str, Any]) -> None:
    with path.open("a") as handle:
        handle.write(json.dumps(row) + "\n")
