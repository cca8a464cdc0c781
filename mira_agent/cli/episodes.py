"""`mira episodes …`: what the episode database holds, and what a person can do with it."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from mira_agent.cli.app import (
    BrowserPathOption,
    DbOption,
    HeadlessOption,
    XvfbOption,
    console,
    episodes_app,
    err_console,
)
from mira_agent.errors import UsageError
from mira_agent.store.database import STATUSES, EpisodeFilter, EpisodeStore, default_db_path

IdArgument = Annotated[int, typer.Argument(help="The episode's id (see `mira episodes list`).")]


def _open(db: Path | None) -> EpisodeStore:
    path = db or default_db_path()
    if not path.exists():
        raise UsageError(f"no episode database at {path} (run `mira run` first, or pass --db)")
    return EpisodeStore(path)


def _filter(
    status: list[str] | None,
    task: str | None,
    since: str | None,
    until: str | None,
    labelled: bool = False,
    ids: list[int] | None = None,
    limit: int | None = None,
) -> EpisodeFilter:
    for value in status or []:
        if value not in STATUSES:
            raise UsageError(f"--status is one of {', '.join(STATUSES)}, not {value!r}")
    for name, value in (("--since", since), ("--until", until)):
        if value is not None:
            _check_date(name, value)
    return EpisodeFilter(
        status=status or (), task=task, since=since, until=until, labelled=labelled,
        ids=ids or (), limit=limit,
    )  # fmt: skip


def _check_date(option: str, value: str) -> None:
    from datetime import datetime

    try:
        datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option} takes a date like 2026-11-24, not {value!r}") from None


StatusOption = Annotated[
    list[str] | None,
    typer.Option("--status", help=f"Only these statuses (repeatable): {', '.join(STATUSES)}."),
]
TaskOption = Annotated[
    str | None, typer.Option("--task", help="Only episodes whose task or task id contains this.")
]
SinceOption = Annotated[
    str | None, typer.Option("--since", help="Only episodes started on or after this date.")
]
UntilOption = Annotated[
    str | None, typer.Option("--until", help="Only episodes started before this date.")
]


@episodes_app.command("list")
def episodes_list(
    db: DbOption = None,
    status: StatusOption = None,
    task: TaskOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Show at most this many.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """List recorded episodes, newest first."""
    store = _open(db)
    episodes = store.episodes(_filter(status, task, since, until, limit=limit))
    if as_json:
        for episode in episodes:
            print(json.dumps(episode, ensure_ascii=False))
        return
    table = Table("id", "started", "status", "label", "steps", "milestones", "task")
    for e in episodes:
        label = f"{e['label']} ({e['label_source']})" if e["label"] else ""
        milestones = (
            f"{e['milestones_done']}/{e['milestones_total']}" if e["milestones_total"] else ""
        )
        task_text = e["task_id"] or e["task"]
        table.add_row(
            str(e["id"]), e["started_at"][:19].replace("T", " "), _status(e["status"]),
            escape(label), str(e["steps"]), milestones, escape(_short(task_text, 60)),
        )  # fmt: skip
    console.print(table)
    if not episodes:
        console.print("[dim]no episodes match[/dim]")


@episodes_app.command("stats")
def episodes_stats(
    db: DbOption = None,
    status: StatusOption = None,
    task: TaskOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    bench_run: Annotated[
        str | None, typer.Option("--bench-run", help="Only the episodes of this bench run.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """What the episodes make as a training corpus: episodes, steps, labels, tasks and
    templates, and each role's calls and tokens (estimated from the text, characters / 4,
    where no model counted them, as in scripted demonstrations)."""
    from dataclasses import replace

    from mira_agent.store.corpus import corpus_stats

    store = _open(db)
    stats = corpus_stats(store, replace(_filter(status, task, since, until), bench_run=bench_run))
    if as_json:
        print(json.dumps(stats.to_json(), indent=1))
        return
    suites = ", ".join(f"{name}: {count:,}" for name, count in sorted(stats.suites.items()))
    console.print(
        f"{stats.episodes:,} episodes ({suites or 'none'}), {stats.steps:,} steps;"
        f" {stats.labelled:,} labelled, {stats.succeeded:,} succeeded;"
        f" {stats.tasks:,} tasks from {stats.templates:,} templates",
        highlight=False,
    )
    table = Table("role", "calls", "prompt tokens", "completion tokens", "estimated")
    for role in stats.roles:
        table.add_row(
            role.role, f"{role.calls:,}", f"{role.prompt_tokens:,}",
            f"{role.completion_tokens:,}", f"{role.estimated:,} calls",
        )  # fmt: skip
    console.print(table)


def _status(status: str) -> str:
    colour = {"succeeded": "green", "running": "cyan", "failed": "red", "crashed": "red"}
    return f"[{colour.get(status, 'yellow')}]{status}[/]"


def _short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


@episodes_app.command("show")
def episodes_show(
    episode_id: IdArgument,
    db: DbOption = None,
    prompts: Annotated[
        bool, typer.Option("--prompts", help="Also print each model call's exact messages.")
    ] = False,
    tui: Annotated[
        bool, typer.Option("--tui", help="Step through the episode in the terminal UI.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="The whole episode as JSON (the export format).")
    ] = False,
) -> None:
    """Show one episode step by step: plan, reasoning, actions, results, outcome."""
    from mira_agent.store.exchange import episode_record
    from mira_agent.store.timeline import episode_events

    store = _open(db)
    if as_json:
        print(json.dumps(episode_record(store, episode_id), ensure_ascii=False, indent=1))
        return
    events = episode_events(store, episode_id)
    if tui:
        from mira_agent.tui.app import EpisodeApp

        EpisodeApp(events, title=f"episode {episode_id}").run()
        return
    from mira_agent.cli.console import ConsolePrinter

    episode = store.episode(episode_id)
    console.print(
        f"[bold]Episode {episode_id}[/bold] [dim]{episode['started_at'][:19]} ·"
        f" {_status(episode['status'])}"
        + (f" · task {escape(episode['task_id'])}" if episode["task_id"] else "")
        + "[/dim]"
    )
    printer = ConsolePrinter(console, verbose=prompts)
    for event in events:
        printer(event)
        if prompts:
            _print_prompt(event)
    if episode["status"] == "running":
        console.print("[cyan]still running[/cyan]")
    if episode["label_source"] == "user":
        note = f": {escape(episode['note'])}" if episode["note"] else ""
        console.print(f"Rated {episode['label']} by a person{note}")


def _print_prompt(event: Any) -> None:
    from mira_agent.agent import events as ev

    if not isinstance(event, ev.ModelCalled):
        return
    for message in event.messages:
        console.print(f"[dim]--- {message.role} ---[/dim]")
        console.print(message.content, markup=False, highlight=False)
    console.print("[dim]--- completion ---[/dim]")
    console.print(event.completion.text, markup=False, highlight=False)


@episodes_app.command("export")
def episodes_export(
    db: DbOption = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="File to write (default: standard output).")
    ] = None,
    ids: Annotated[list[int] | None, typer.Argument(help="Only these episodes.")] = None,
    status: StatusOption = None,
    task: TaskOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    labelled: Annotated[
        bool, typer.Option("--labelled", help="Only episodes with an outcome label.")
    ] = False,
) -> None:
    """Export episodes as JSON Lines, one episode per line (what `mira finetune` reads).

    Screenshots stay beside the database; the lines carry their paths.
    """
    from mira_agent.store.exchange import export_jsonl

    store = _open(db)
    which = _filter(status, task, since, until, labelled=labelled, ids=ids)
    if out is None:
        count = export_jsonl(store, sys.stdout, which)
    else:
        with out.open("w", encoding="utf-8") as handle:
            count = export_jsonl(store, handle, which)
    err_console.print(f"[dim]exported {count} episode(s)[/dim]")


@episodes_app.command("import")
def episodes_import(
    file: Annotated[Path, typer.Argument(help="A JSON Lines file `mira episodes export` wrote.")],
    db: DbOption = None,
) -> None:
    """Add exported episodes to a database (episodes already there are skipped)."""
    from mira_agent.store.exchange import import_records, read_jsonl

    if not file.is_file():
        raise UsageError(f"no such file: {file}")
    store = EpisodeStore(db or default_db_path())
    with file.open(encoding="utf-8") as handle:
        added, skipped = import_records(store, read_jsonl(handle, str(file)))
    console.print(f"imported {added} episode(s), {skipped} already there, into {store.path}")


@episodes_app.command("rate")
def episodes_rate(
    episode_id: IdArgument,
    verdict: Annotated[str, typer.Argument(help="succeeded or failed.")],
    note: Annotated[str | None, typer.Option("--note", help="Why, in a few words.")] = None,
    db: DbOption = None,
) -> None:
    """Rate an episode's outcome by hand; the rating becomes its training label."""
    store = _open(db)
    store.rate(episode_id, verdict, note)
    console.print(f"episode {episode_id} rated {verdict}")


@episodes_app.command("delete")
def episodes_delete(
    ids: Annotated[list[int], typer.Argument(help="The episodes to delete.")],
    db: DbOption = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
) -> None:
    """Delete episodes with their steps and files."""
    store = _open(db)
    for episode_id in ids:
        store.episode(episode_id)  # every id must exist before anything is deleted
    if not yes:
        if not sys.stdin.isatty():
            raise UsageError("deleting needs --yes when there is no terminal to ask")
        if not typer.confirm(f"Delete {len(ids)} episode(s) from {store.path}?"):
            raise typer.Exit(1)
    count = store.delete(ids)
    console.print(f"deleted {count} episode(s)")


@episodes_app.command("replay")
def episodes_replay(
    episode_id: IdArgument,
    db: DbOption = None,
    secret: Annotated[
        list[str] | None,
        typer.Option(
            "--secret", help="A value that was masked when stored (repeatable, in typing order)."
        ),
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", help="Allow paying, deleting and sending without asking.")
    ] = False,
    headless: HeadlessOption = False,
    xvfb: XvfbOption = False,
    browser_path: BrowserPathOption = None,
) -> None:
    """Re-run an episode's actions in a fresh browser, with no model.

    Each element is found again by its role and name when its id changed. The replay
    stops at the first step it cannot reproduce and says why. Exits 0 when every step
    (and the task's checker, for a sandbox task) agrees with the record, 1 otherwise.
    """
    from mira_agent.browser.session import BrowserOptions
    from mira_agent.cli.run import _print_warnings
    from mira_agent.config import new_run_dir
    from mira_agent.run.replay import ReplayedStep, replay_episode

    store = _open(db)

    def approve(action: str, reason: str) -> bool:
        if yes:
            return True
        if not sys.stdin.isatty():
            return False
        return typer.confirm(f"Allow {action}? ({reason})", default=False)

    def show(step: ReplayedStep) -> None:
        colour = {"ok": "green", "skipped": "dim"}.get(step.status, "yellow")
        console.print(
            f"{step.step:>3}. {escape(step.action)} [{colour}]{step.status}[/]"
            + (f" [dim]{escape(_short(step.note, 80))}[/dim]" if step.note else ""),
            highlight=False,
        )

    options = BrowserOptions(
        headless=headless, xvfb=xvfb, browser_path=browser_path, run_dir=new_run_dir()
    )
    report = replay_episode(
        store,
        episode_id,
        options,
        secrets=secret or (),
        approver=approve,
        on_step=show,
        on_browser=_print_warnings,
    )
    if report.failure:
        console.print(f"[red]not reproduced:[/red] {escape(report.failure)}")
    if report.verdict is not None:
        verdict = "succeeded" if report.verdict else "failed"
        console.print(f"checker: {verdict} (recorded: {report.recorded_status})")
    if not report.reproduced:
        raise typer.Exit(1)
    console.print("[green]reproduced[/green]")
