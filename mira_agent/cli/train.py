"""`mira train`: phases of rollouts, fine-tuning and evaluation (see train/loop.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from mira_agent.cli.app import BrowserPathOption, DbOption, app, console
from mira_agent.cli.training import (
    ProgressReporter,
    progress_bar,
    require_training_stack,
    training_options,
)
from mira_agent.store.database import default_db_path
from mira_agent.train.settings import TrainSettings

# Every phase is played, so it needs the merged model and its GGUF: not the user's choice.
LOOP_DECIDES = ("merge", "gguf")


@app.command()
@training_options(exclude=LOOP_DECIDES)
def train(
    suite: Annotated[
        str,
        typer.Argument(help="sandbox, a sandbox site's name (flights, shop…), or miniwob."),
    ],
    out: Annotated[Path, typer.Option("--out", help="Folder for every phase's model.")],
    settings: TrainSettings,
    phases: Annotated[int, typer.Option("--phases", min=1, help="Training phases.")] = 1,
    base: Annotated[
        str | None,
        typer.Option(
            "--base",
            help="Start from a GGUF file or a `mira finetune` output folder (e.g. an SFT"
            " phase's); default: the embedded Gemma 3 270M.",
            show_default=False,
        ),
    ] = None,
    tasks: Annotated[
        list[str] | None,
        typer.Option("--tasks", help="Only these task ids or id prefixes (repeatable)."),
    ] = None,
    rollout: Annotated[
        str | None,
        typer.Option(
            "--rollout",
            help="policy (the current model plays; default) or oracle (scripted"
            " demonstrations; the default with --algo sft).",
            show_default=False,
        ),
    ] = None,
    rollouts_per_task: Annotated[
        int, typer.Option("--rollouts-per-task", min=1, help="Train episodes per task per phase.")
    ] = 1,
    eval_per_task: Annotated[
        int,
        typer.Option("--eval-per-task", min=0, help="Test episodes per task (0: no evaluation)."),
    ] = 1,
    max_steps: Annotated[int, typer.Option("--max-steps", min=1, help="Steps per episode.")] = 15,
    temperature: Annotated[
        float, typer.Option("--temperature", min=0.0, help="Rollout sampling temperature.")
    ] = 1.0,
    milestones: Annotated[
        str | None,
        typer.Option(
            "--milestones",
            help="site (sandbox default), llm, both or none: where progress comes from.",
            show_default=False,
        ),
    ] = None,
    replay: Annotated[
        int,
        typer.Option("--replay", min=0, help="Replay earlier successes, up to this × new data."),
    ] = 2,
    skip_base_eval: Annotated[
        bool, typer.Option("--skip-base-eval", help="Do not measure the starting policy.")
    ] = False,
    workers: Annotated[int, typer.Option("--workers", "-j", min=1, help="Rollout workers.")] = 1,
    db: DbOption = None,
    browser_path: BrowserPathOption = None,
) -> None:
    """Phases of: roll out on the train split → fine-tune → evaluate on the test split.

    Every episode and training run is recorded. Compare methods with the same budget
    from the same start, e.g. an SFT phase on oracle demonstrations, then `--algo mira`
    and `--algo webrl` from its folder. Prints a table of train and test success per
    phase with 95% intervals; loop.json in --out keeps it.
    """
    require_training_stack()
    from mira_agent.train.base_model import quiet_transformers
    from mira_agent.train.loop import LoopSpec, interval, run_loop

    quiet_transformers()
    algo = settings.algo
    spec = LoopSpec(
        suite=suite,
        out_dir=out,
        db=db or default_db_path(),
        phases=phases,
        base=base,
        tasks=tuple(tasks or ()),
        rollout=rollout or ("oracle" if algo == "sft" else "policy"),
        rollouts_per_task=rollouts_per_task,
        eval_per_task=eval_per_task,
        max_steps=max_steps,
        temperature=temperature,
        milestones=milestones,
        replay=replay,
        evaluate_base=not skip_base_eval,
        workers=workers,
        browser_path=browser_path,
    )
    table = Table(title=f"mira train {suite} --algo {algo}")
    for column in ("phase", "train (rollouts)", "test", "replayed", "Δ log p (A>0 / A<0, or all)"):
        table.add_column(column)
    with progress_bar() as progress:
        rows = run_loop(
            spec,
            settings,
            reporter=ProgressReporter(progress),
            on_phase=lambda row: progress.console.print(
                f"phase {row.phase}: test {interval(*row.test)}"
            ),
        )
    for row in rows:
        up = row.summary.get("delta_logp_positive_advantage")
        down = row.summary.get("delta_logp_negative_advantage")
        moved = f"{_num(up)} / {_num(down)}"
        if up is None and down is None:  # sft: one change, every action is a success
            moved = _num(row.summary.get("mean_delta_logp"))
        table.add_row(
            str(row.phase),
            interval(*row.train),
            interval(*row.test),
            str(row.replayed) if row.phase else "–",
            moved,
        )
    console.print(table)
    console.print(f"loop.json: {out / 'loop.json'}")


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:+.2f}"
