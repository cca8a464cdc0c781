"""`mira finetune`: one phase of MiRA (or an ablation, or SFT) on recorded episodes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from mira_agent.cli.app import app, console
from mira_agent.cli.training import (
    ProgressReporter,
    progress_bar,
    require_training_stack,
    training_options,
)
from mira_agent.errors import UsageError
from mira_agent.store.database import EpisodeFilter, EpisodeStore, default_db_path
from mira_agent.train.samples import describe_roles
from mira_agent.train.settings import TrainSettings

LABEL_SOURCES = ("checker", "judge", "user")


@app.command()
@training_options()
def finetune(
    out: Annotated[
        Path, typer.Option("--out", help="Folder for the adapter, merged model, GGUF and card.")
    ],
    settings: TrainSettings,
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

    Rebuilds each step's exact actor prompt, trains on the action tokens only (with
    --roles, the site's planner/checker/re-planner demonstrations too; SFT only), fits a
    value and a potential critic, and writes to --out: the LoRA adapter, the merged
    model, model.gguf for `mira run --model`, the critics, a model card, plots and
    metrics (also in the database's training_runs). Ctrl-C saves a checkpoint that
    --resume continues. Episodes without an outcome label are skipped and counted.
    """
    sources = tuple(label_source or LABEL_SOURCES)
    unknown = set(sources) - set(LABEL_SOURCES)
    if unknown:
        raise UsageError(f"--label-source is checker, judge or user, not {sorted(unknown)[0]}")
    db_path = episodes or default_db_path()
    if not db_path.is_file():
        raise UsageError(f"no episode database at {db_path}")
    require_training_stack()
    from mira_agent.train.base_model import quiet_transformers

    quiet_transformers()
    from mira_agent.train.phase import PhaseSpec
    from mira_agent.train.trainer import finetune as run_finetune

    which = EpisodeFilter(status=tuple(status or ()), task=task, since=since, until=until)
    if judge:
        _judge(db_path, which, judge, judge_model, judge_base_url)
    with EpisodeStore(db_path) as store, progress_bar() as progress:
        spec = PhaseSpec(out, settings, base, which, sources, resume)
        result = run_finetune(store, spec, ProgressReporter(progress))
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
    if summary.get("roles"):
        console.print(f"samples: {describe_roles(summary['roles'])}")
    if summary.get("first_loss") is not None:
        console.print(f"loss {summary['first_loss']:.4f} → {summary['last_loss']:.4f}")
    up = summary.get("delta_logp_positive_advantage")
    down = summary.get("delta_logp_negative_advantage")
    if up is not None or down is not None:
        console.print(
            "action log-probability change: positive advantage "
            f"{_signed(up)}, negative advantage {_signed(down)}"
        )
    elif "mean_delta_logp" in summary:
        console.print(f"action log-probability change: {_signed(summary['mean_delta_logp'])}")
    for what, name in result.files.items():
        console.print(f"{what}: {result.out_dir / name}")


def _signed(value: float | None) -> str:
    return "–" if value is None else f"{value:+.3f}"
