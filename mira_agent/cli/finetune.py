"""`mira finetune`: one phase of MiRA (or an ablation, or SFT) on recorded episodes."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from mira_agent.cli.app import app, console, err_console
from mira_agent.errors import UsageError
from mira_agent.store.database import EpisodeFilter, EpisodeStore, default_db_path

TRAIN_PACKAGES = ("torch", "transformers", "peft", "gguf")


class ProgressReporter:
    """The trainer's progress as a rich bar: stage, steps, loss, tokens/s and an ETA."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: Any = None

    def stage(self, name: str, total: int | None) -> None:
        if self.task is not None:
            self.progress.update(self.task, visible=False)
        self.task = self.progress.add_task(name, total=total, loss="", speed="")

    def advance(self, amount: int = 1, **fields: Any) -> None:
        extra = {}
        if "loss" in fields:
            extra["loss"] = f"loss {fields['loss']:.4f}"
        if "tokens_per_s" in fields:
            extra["speed"] = f"{fields['tokens_per_s']:,.0f} tok/s"
        self.progress.update(self.task, advance=amount, **extra)

    def note(self, text: str) -> None:
        self.progress.console.print(text)


def require_training_stack() -> None:
    missing = [name for name in TRAIN_PACKAGES if importlib.util.find_spec(name) is None]
    if missing:
        raise UsageError(
            f"training needs {', '.join(missing)}: pip install 'mira-agent[train]'"
            " (on a CPU machine, pip install torch==2.13.0 first for the CPU build)"
        )


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[loss]}"),
        TextColumn("{task.fields[speed]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=err_console,
        transient=False,
    )


def _targets(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    names = tuple(part.strip() for part in value.split(",") if part.strip())
    if not names:
        raise UsageError("--lora-targets names at least one module, e.g. q_proj,v_proj")
    return names


@app.command()
def finetune(
    out: Annotated[
        Path, typer.Option("--out", help="Folder for the adapter, merged model, GGUF and card.")
    ],
    episodes: Annotated[
        Path | None,
        typer.Option(
            "--episodes",
            envvar="MIRA_DB",
            help="Episode database to learn from (default: mira's episodes.db).",
            show_default=False,
        ),
    ] = None,
    base: Annotated[
        str | None,
        typer.Option(
            "--base",
            help="The model to start from: a GGUF file, a transformers folder (e.g. an"
            " earlier run's DIR/merged), or gemma3-270m (the embedded model, default).",
            show_default=False,
        ),
    ] = None,
    algo: Annotated[
        str,
        typer.Option(
            "--algo",
            help="mira (milestone-shaped rewards), webrl (sparse outcome rewards), awr"
            " (advantage-weighted regression), sft (behaviour cloning on successes).",
        ),
    ] = "mira",
    no_potential: Annotated[
        bool,
        typer.Option("--no-potential", help="No potential critic: the sparse-reward ablation."),
    ] = False,
    advantage: Annotated[
        str | None,
        typer.Option(
            "--advantage",
            help="mixed (default), td (one-step) or mc (Monte-Carlo).",
            show_default=False,
        ),
    ] = None,
    objective: Annotated[
        str | None,
        typer.Option(
            "--objective",
            help="sqlogratio (default: (β·log π/π_ref − A)²), kl or awr.",
            show_default=False,
        ),
    ] = None,
    gamma: Annotated[float | None, typer.Option("--gamma", help="Discount [0.9].")] = None,
    lam: Annotated[
        float | None, typer.Option("--lam", help="Weight of the one-step advantage [0.5].")
    ] = None,
    beta: Annotated[
        float | None,
        typer.Option("--beta", help="How near π_ref the policy stays: larger is nearer [0.5]."),
    ] = None,
    lr: Annotated[
        float | None,
        typer.Option(
            "--lr",
            help="Learning rate [1e-5 with LoRA, 1e-6 full; sft 1e-4, 1e-5].",
            show_default=False,
        ),
    ] = None,
    epochs: Annotated[
        int | None, typer.Option("--epochs", help="Passes over the data [1; sft 3].")
    ] = None,
    batch_size: Annotated[
        int | None, typer.Option("--batch-size", help="Actions per optimiser step [16].")
    ] = None,
    micro_batch_tokens: Annotated[
        int | None,
        typer.Option("--micro-batch-tokens", help="Tokens per forward pass [4096]."),
    ] = None,
    max_tokens: Annotated[
        int | None,
        typer.Option("--max-tokens", help="Per action; longer prompts lose their start [2048]."),
    ] = None,
    max_updates: Annotated[
        int | None,
        typer.Option(
            "--max-updates", help="Stop after this many optimiser steps (default: every epoch's)."
        ),
    ] = None,
    critic_epochs: Annotated[
        int | None, typer.Option("--critic-epochs", help="Full-batch epochs of each critic [200].")
    ] = None,
    critic_base: Annotated[
        str | None,
        typer.Option(
            "--critic-base",
            help="A separate model whose features the critics read (a GGUF, a folder or"
            " gemma3-270m); default: the policy's own.",
            show_default=False,
        ),
    ] = None,
    potential_data: Annotated[
        str | None,
        typer.Option(
            "--potential-data",
            help="Episodes the potential critic learns from: successful (default) or all.",
            show_default=False,
        ),
    ] = None,
    full: Annotated[
        bool, typer.Option("--full", help="Fine-tune every weight instead of LoRA.")
    ] = False,
    lora_r: Annotated[int | None, typer.Option("--lora-r", help="LoRA rank [8].")] = None,
    lora_alpha: Annotated[int | None, typer.Option("--lora-alpha", help="LoRA alpha [16].")] = None,
    lora_targets: Annotated[
        str | None,
        typer.Option(
            "--lora-targets", help="Modules given adapters [q_proj,k_proj,v_proj,o_proj]."
        ),
    ] = None,
    device: Annotated[
        str | None, typer.Option("--device", help="auto (a GPU if any), cpu, cuda, cuda:1.")
    ] = None,
    dtype: Annotated[
        str | None,
        typer.Option("--dtype", help="auto (bf16 on a GPU, fp32 on a CPU), fp32, bf16, fp16."),
    ] = None,
    checkpointing: Annotated[
        bool | None,
        typer.Option(
            "--gradient-checkpointing/--no-gradient-checkpointing",
            help="Recompute activations in the backward pass [on with a GPU].",
            show_default=False,
        ),
    ] = None,
    load_4bit: Annotated[
        bool, typer.Option("--load-4bit", help="4-bit base weights (bitsandbytes, GPU).")
    ] = False,
    no_merge: Annotated[
        bool, typer.Option("--no-merge", help="Save the adapter only, not the merged model.")
    ] = False,
    no_gguf: Annotated[bool, typer.Option("--no-gguf", help="Skip the GGUF export.")] = False,
    gguf_type: Annotated[
        str | None, typer.Option("--gguf-type", help="f16 (default), bf16, q8_0 or f32.")
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed [0].")] = None,
    status: Annotated[
        list[str] | None,
        typer.Option("--status", help="Only episodes with this status (repeatable)."),
    ] = None,
    task: Annotated[
        str | None, typer.Option("--task", help="Only episodes whose task or id contains this.")
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Only episodes started on or after (ISO date).")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Only episodes started before (ISO date).")
    ] = None,
    label_source: Annotated[
        list[str] | None,
        typer.Option(
            "--label-source",
            help="Accept outcome labels from: checker, judge, user (repeatable; default all).",
        ),
    ] = None,
    resume: Annotated[
        bool,
        typer.Option("--resume", help="Continue the interrupted run in --out (same settings)."),
    ] = False,
    judge: Annotated[
        str | None,
        typer.Option(
            "--judge",
            help="Label finished, unlabelled episodes first with this LLM backend (local,"
            " openai, gemini); verdicts are stored with the source 'judge'.",
            show_default=False,
        ),
    ] = None,
    judge_model: Annotated[
        str | None, typer.Option("--judge-model", help="The judge's model.")
    ] = None,
    judge_base_url: Annotated[
        str | None, typer.Option("--judge-base-url", help="An OpenAI-compatible endpoint.")
    ] = None,
) -> None:
    """Train a model on recorded episodes with MiRA (milestone-based RL), an ablation, or SFT.

    Rebuilds each step's exact actor prompt, trains on the action tokens only, fits a
    value and a potential critic, and writes to --out: the LoRA adapter, the merged
    model, model.gguf for `mira run --model`, the critics, a model card, plots and
    metrics (also in the database's training_runs). Ctrl-C saves a checkpoint that
    --resume continues. Episodes without an outcome label are skipped and counted.
    """
    from mira_agent.train.settings import preset

    sources = tuple(label_source or ("checker", "judge", "user"))
    unknown = set(sources) - {"checker", "judge", "user"}
    if unknown:
        raise UsageError(f"--label-source is checker, judge or user, not {sorted(unknown)[0]}")
    settings = preset(
        algo,
        use_potential=False if no_potential else None,
        advantage=advantage,
        objective=objective,
        gamma=gamma,
        lam=lam,
        beta=beta,
        learning_rate=lr,
        epochs=epochs,
        batch_size=batch_size,
        micro_batch_tokens=micro_batch_tokens,
        max_tokens=max_tokens,
        max_steps=max_updates,
        critic_epochs=critic_epochs,
        critic_base=critic_base,
        potential_data=potential_data,
        lora=False if full else None,
        lora_r=lora_r,
        lora_alpha=lora_alpha,
        lora_targets=_targets(lora_targets),
        device=device,
        dtype=dtype,
        gradient_checkpointing=checkpointing,
        load_4bit=load_4bit or None,
        merge=False if no_merge else None,
        gguf=False if no_gguf else None,
        gguf_type=gguf_type,
        seed=seed,
    )
    if settings.gguf and settings.gguf_type not in ("f16", "bf16", "q8_0", "f32"):
        raise UsageError("--gguf-type is f16, bf16, q8_0 or f32")
    if settings.gguf and not settings.merge:
        raise UsageError("the GGUF export needs the merged model: drop --no-merge or add --no-gguf")
    db_path = episodes or default_db_path()
    if not db_path.is_file():
        raise UsageError(f"no episode database at {db_path}")
    require_training_stack()
    from mira_agent.train.base_model import quiet_transformers

    quiet_transformers()
    from mira_agent.train.trainer import finetune as run_finetune

    which = EpisodeFilter(status=tuple(status or ()), task=task, since=since, until=until)
    if judge:
        _judge(db_path, which, judge, judge_model, judge_base_url)
    with EpisodeStore(db_path) as store, progress_bar() as progress:
        result = run_finetune(
            store=store,
            base=base,
            out_dir=out,
            settings=settings,
            which=which,
            sources=sources,
            resume=resume,
            reporter=ProgressReporter(progress),
        )
    print_result(result)


def _judge(
    db_path: Path, which: EpisodeFilter, kind: str, model: str | None, base_url: str | None
) -> None:
    from mira_agent.llm.registry import make_backend
    from mira_agent.train.judge import judge_unlabelled

    backend = make_backend(kind, model, base_url)
    with EpisodeStore(db_path) as store, console.status("judging unlabelled episodes"):
        verdicts = judge_unlabelled(store, which, backend)
    wins = sum(1 for v in verdicts if v.success)
    console.print(
        f"judged {len(verdicts)} episodes: {wins} succeeded, {len(verdicts) - wins} failed"
    )


def print_result(result: Any) -> None:
    summary = result.summary
    console.print(f"[bold]trained[/]: run {result.run_id}, {summary['steps']} optimiser steps")
    if summary.get("first_loss") is not None:
        console.print(f"loss {summary['first_loss']:.4f} → {summary['last_loss']:.4f}")
    up = summary.get("delta_logp_positive_advantage")
    down = summary.get("delta_logp_negative_advantage")
    if up is not None or down is not None:
        console.print(
            "action log-probability change: positive advantage "
            f"{_signed(up)}, negative advantage {_signed(down)}"
        )
    else:
        console.print(f"action log-probability change: {_signed(summary['mean_delta_logp'])}")
    for what, name in result.files.items():
        console.print(f"{what}: {result.out_dir / name}")


def _signed(value: float | None) -> str:
    return "–" if value is None else f"{value:+.3f}"
