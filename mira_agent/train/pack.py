"""A trained adapter made into a named model: the adapter GGUF, a manifest that puts it
on its base, and the run's model card, side by side in a manifests folder.

This is how `mira-270m` is made from a `mira finetune` run, so the shipped files come
from mira's own commands and say where they came from (the card carries the corpus's
SHA-256 and the settings).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from mira_agent.errors import UsageError

MAX_SHIPPED_BYTES = 30 * 1024 * 1024  # what may live in the repository


@dataclass(frozen=True)
class Listing:
    """How a packed model is listed: its line in `mira models list`, the actor prompt
    style it reads, and whether it is the default local model."""

    description: str
    prompts: str = "full"
    default: bool = False
    notes: str = ""  # Markdown appended to the card (its evaluation, its limits)


@dataclass(frozen=True)
class Packed:
    adapter: Path
    manifest: Path
    card: Path


def _toml_string(value: str) -> str:
    # A JSON string is a TOML basic string for every character mira writes here.
    return json.dumps(value, ensure_ascii=False)


def manifest_text(name: str, base: str, adapter_file: str, card: str, listing: Listing) -> str:
    """The manifest of an adapter model, its base's fields carried over (how it runs,
    its context and turn format come from the base)."""
    from mira_agent.llm.models import model_info

    info = model_info(base)
    if info is None:
        raise UsageError(f"the adapter's base {base!r} is not a model mira knows")
    lines = [
        f"# {listing.description}. Made by `mira models pack`; its card is {card}.",
        f"name = {_toml_string(name)}",
        'backend = "local"',
        f"description = {_toml_string(listing.description)}",
        f"source = {_toml_string(info.source)}",
        f"base = {_toml_string(base)}",
        f"adapter = {_toml_string(adapter_file)}",
        f"prompts = {_toml_string(listing.prompts)}",
        f"context = {info.context}",
        f"takes_images = {'true' if info.takes_images else 'false'}",
        f"default = {'true' if listing.default else 'false'}",
    ]
    if info.package:
        lines.append(f"package = {_toml_string(info.package)}")
    if info.chat_format:
        lines.append(f"chat_format = {_toml_string(info.chat_format)}")
    lines.append(f"notes = {_toml_string(f'A LoRA adapter on {base}; see {card}.')}")
    return "\n".join(lines) + "\n"


def pack_adapter(
    run_dir: Path,
    name: str,
    into: Path,
    listing: Listing,
    *,
    overwrite: bool = False,
) -> Packed:
    """Copy RUN_DIR's `adapter.gguf` to INTO/NAME.gguf, after checking it against its
    base, and write INTO/NAME.toml and INTO/NAME.md (the run's card). A run without
    one (still training, or stopped) is packed from its last checkpoint. `listing.default` makes
    it the local model mira runs when none is named; another default in INTO is refused,
    since two would leave the choice to the order of the files."""
    from mira_agent.llm.adapters import check_adapter, read_adapter
    from mira_agent.llm.models import resolve_local_model
    from mira_agent.train.outputs import CHECKPOINT
    from mira_agent.train.trainer import export_checkpoint_adapter

    source = run_dir / "adapter.gguf"
    if not source.is_file() and (run_dir / CHECKPOINT).is_dir():
        source = export_checkpoint_adapter(run_dir, run_dir / "checkpoint-adapter.gguf")
    if not source.is_file():
        raise UsageError(
            f"no adapter.gguf in {run_dir}: pack a LoRA run of `mira finetune` from a GGUF base"
        )
    info = read_adapter(source)
    if not info.base:
        raise UsageError(f"{source} does not name its base model")
    check_adapter(source, resolve_local_model(info.base))
    size = source.stat().st_size
    if size > MAX_SHIPPED_BYTES:
        raise UsageError(
            f"{source} is {size / 2**20:.1f} MiB, over the {MAX_SHIPPED_BYTES // 2**20} MiB"
            " a shipped adapter may be: train a smaller rank or fewer targets"
        )
    if listing.default:
        _refuse_another_default(into, name)
    into.mkdir(parents=True, exist_ok=True)
    packed = Packed(into / f"{name}.gguf", into / f"{name}.toml", into / f"{name}.md")
    if not overwrite and any(p.exists() for p in (packed.adapter, packed.manifest, packed.card)):
        raise UsageError(f"{name} is already in {into}: pass --overwrite to replace it")
    card = run_dir / "README.md"
    card_text = card.read_text() if card.is_file() else checkpoint_card(run_dir, name)
    shutil.copyfile(source, packed.adapter)
    notes = "\n" + listing.notes.strip() + "\n" if listing.notes.strip() else ""
    packed.card.write_text(
        f"<!-- {name}: packed from {run_dir.name} by `mira models pack` -->\n"
        + card_text.rstrip("\n")
        + "\n"
        + notes
    )
    packed.manifest.write_text(
        manifest_text(name, info.base, packed.adapter.name, packed.card.name, listing)
    )
    return packed


def _refuse_another_default(into: Path, name: str) -> None:
    import tomllib

    for manifest in sorted(into.glob("*.toml")):
        data = tomllib.loads(manifest.read_text())
        if data.get("default") and data.get("backend") == "local" and data.get("name") != name:
            raise UsageError(
                f"{manifest} is the default local model: set its default = false first"
            )


def checkpoint_card(run_dir: Path, name: str) -> str:
    """The card of a run packed from its checkpoint (a run still training, or stopped):
    the trainer's own card, with the step it stopped at and the losses so far in place of
    the finished update's figures."""
    from mira_agent.llm.models import EMBEDDED
    from mira_agent.train.card import model_card
    from mira_agent.train.outputs import read_checkpoint, settings_fields
    from mira_agent.train.settings import TrainSettings

    state = read_checkpoint(run_dir)
    data = state.get("data")
    if not data:  # written before checkpoints carried their data summary
        return f"# {name}\n\nPacked from the checkpoint after step {state.get('step')}.\n"
    losses = []
    metrics = run_dir / "metrics.jsonl"
    if metrics.is_file():
        rows = (json.loads(line) for line in metrics.read_text().splitlines() if line.strip())
        losses = [r["loss"] for r in rows if "loss" in r and r.get("step", 0) <= state["step"]]
    summary: dict[str, object] = {"checkpoint_after_step": state["step"]}
    if losses:
        summary |= {"first_loss": losses[0], "last_loss": losses[-1]}
    return model_card(
        state.get("base") or EMBEDDED,
        TrainSettings(**settings_fields(state["settings"])),
        data,
        summary,
        {"adapter_gguf": "checkpoint-adapter.gguf"},
    )
