"""`mira bench`: success rates on a suite of tasks with checkers, every episode recorded."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from mira_agent.cli.app import (
    BrowserPathOption,
    DbOption,
    PromptsOption,
    app,
    console,
    err_console,
)
from mira_agent.errors import UsageError, interruption_code


@app.command()
def bench(
    suite: Annotated[
        str,
        typer.Argument(
            help="sandbox (every sandbox site), a site's name (flights, shop…), miniwob"
            " (the default subset), miniwob-all, or webarena."
        ),
    ],
    tasks: Annotated[
        list[str] | None,
        typer.Option("--tasks", help="Only these task ids or id prefixes (repeatable)."),
    ] = None,
    scripted: Annotated[
        bool,
        typer.Option(
            "--scripted",
            help="MiniWoB++: only the tasks with a scripted solution (the set the oracle's"
            " demonstrations cover, and the evaluation protocol's).",
        ),
    ] = False,
    split: Annotated[
        str | None,
        typer.Option(
            "--split",
            help="Fixed tasks: train, test or all (default: test, or all when --tasks names"
            " the tasks). With --instances: train, test-instances (train templates, held-out"
            " seeds; the default) or test-templates (templates never trained on).",
            show_default=False,
        ),
    ] = None,
    instances: Annotated[
        int | None,
        typer.Option(
            "--instances",
            help="Sandbox suites: run N distinct instances of every template of --split"
            " instead of the fixed tasks (--tasks then takes template ids or prefixes).",
            show_default=False,
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed",
            help="With --instances: the first instance seed (default: the split's first;"
            " train seeds are 0-99999, held-out seeds 100000-199999).",
            show_default=False,
        ),
    ] = None,
    episodes_per_task: Annotated[
        int, typer.Option("--episodes-per-task", "-k", min=1, help="Episodes (seeds) per task.")
    ] = 1,
    workers: Annotated[
        int, typer.Option("--workers", "-j", min=1, help="Worker processes, each its own browser.")
    ] = 1,
    policy: Annotated[
        str,
        typer.Option("--policy", help="agent (the models) or oracle (the scripted solution)."),
    ] = "agent",
    milestones: Annotated[
        str | None,
        typer.Option(
            "--milestones",
            help="site (the task's own checks; default for sandbox suites), llm (the planner"
            " decomposes and checks, as `mira run`; default elsewhere for --policy agent),"
            " both (site checks, and the LLM checker judged beside them), none (no plan;"
            " default elsewhere for --policy oracle, whose demonstrations need no model).",
            show_default=False,
        ),
    ] = None,
    actor: Annotated[str, typer.Option("--actor", help="local, openai or gemini.")] = "local",
    model: Annotated[str | None, typer.Option("--model", help="The actor's model.")] = None,
    planner: Annotated[
        str | None, typer.Option("--planner", help="The planner's backend (default: the actor's).")
    ] = None,
    planner_model: Annotated[
        str | None, typer.Option("--planner-model", help="The planner's model.")
    ] = None,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="An OpenAI-compatible endpoint.")
    ] = None,
    max_steps: Annotated[int, typer.Option("--max-steps", min=1, help="Steps per episode.")] = 30,
    temperature: Annotated[
        float,
        typer.Option(
            "--temperature", min=0.0, help="The actor's sampling temperature (0: greedy)."
        ),
    ] = 0.0,
    prompts: PromptsOption = None,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    chart: Annotated[
        Path | None,
        typer.Option("--chart", help="Where to save the PNG chart (default: beside the database)."),
    ] = None,
    headed: Annotated[
        bool, typer.Option("--headed", help="Show the browsers (default: headless).")
    ] = False,
    browser_path: BrowserPathOption = None,
    webarena_tasks: Annotated[
        str | None,
        typer.Option("--webarena-tasks", help="WebArena-Lite task file (JSON) for `webarena`."),
    ] = None,
    site_url: Annotated[
        list[str] | None,
        typer.Option("--site-url", help="Where a WebArena site is hosted: NAME=URL (repeatable)."),
    ] = None,
) -> None:
    """Measure success rates on a suite; every episode goes to the episode database.

    Prints success per task and per split with 95% confidence intervals, milestones
    reached, steps, tokens and time per episode, and the failure modes; saves a chart.
    Ctrl-C stops the run and keeps (and reports) the episodes that finished.
    """
    from mira_agent.bench.chart import success_chart
    from mira_agent.bench.report import summarize
    from mira_agent.bench.runner import MILESTONE_SOURCES, POLICIES, BenchSpec, plan_jobs, run_jobs
    from mira_agent.bench.suites import load_instances, load_suite, select
    from mira_agent.sites.task_templates import short_templates
    from mira_agent.store.database import EpisodeStore, default_db_path

    if policy not in POLICIES:
        raise UsageError(f"--policy is one of {', '.join(POLICIES)}, not {policy!r}")
    if instances is not None:
        split = split or "test-instances"
        chosen = select(load_instances(suite, split, instances, seed), None, tasks)
        kind = "sandbox"
        _warn_short(short_templates((t.template for t in chosen), instances), split)
    else:
        if seed is not None:
            raise UsageError("--seed draws template instances: give --instances too")
        split = split or ("all" if tasks else "test")
        if split not in ("train", "test", "all"):
            raise UsageError(
                f"--split is train, test or all, not {split!r} (the template splits"
                " need --instances)"
            )
        all_tasks = load_suite(suite, webarena_file=webarena_tasks)
        kind = all_tasks[0].suite if all_tasks else suite
        chosen = select(all_tasks, None if split == "all" else split, tasks)
    from mira_agent.llm.models import prompt_style

    style = prompts or ("full" if policy == "oracle" else prompt_style(actor, model))
    mode = milestones or _default_milestones(kind, policy)
    if mode not in MILESTONE_SOURCES:
        raise UsageError(f"--milestones is one of {', '.join(MILESTONE_SOURCES)}, not {mode!r}")
    skipped: list[str] = []
    if scripted and kind != "miniwob":
        raise UsageError("--scripted picks MiniWoB++ tasks: the sandbox's all have solutions")
    if kind == "miniwob" and (scripted or policy == "oracle"):
        from mira_agent.bench.miniwob_oracle import has_oracle

        if policy == "oracle":  # the oracle says what it leaves out; --scripted asked for it
            skipped = [t.id for t in chosen if not has_oracle(t.site)]
        chosen = [t for t in chosen if has_oracle(t.site)]
        if not chosen:
            raise UsageError("none of these MiniWoB++ tasks has a scripted solution")
    path = db or default_db_path()
    EpisodeStore(path).close()  # a bad database is an error before anything starts
    run_id = time.strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]
    spec = BenchSpec(
        suite=kind,
        db=str(path),
        run_id=run_id,
        policy=policy,
        milestones=mode,
        actor=actor,
        actor_model=model,
        planner=planner,
        planner_model=planner_model,
        base_url=base_url,
        max_steps=max_steps,
        temperature=temperature,
        prompts=style,
        headless=not headed,
        browser_path=browser_path,
        site_urls=_site_urls(site_url or []),
    )
    jobs = plan_jobs(chosen, split if split in ("train", "test") else None, episodes_per_task)
    if skipped:
        err_console.print(f"[yellow]no scripted policy, skipped: {', '.join(skipped)}[/yellow]")
    results = []
    started = time.monotonic()
    interrupted: KeyboardInterrupt | None = None
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[tally]}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=as_json,
    )
    with progress:
        bar = progress.add_task(f"{suite} ({policy})", total=len(jobs), tally="")

        def done(result) -> None:  # type: ignore[no-untyped-def]
            results.append(result)
            wins = sum(r.success for r in results)
            progress.update(bar, advance=1, tally=f"{wins}/{len(results)} succeeded")

        try:
            run_jobs(spec, jobs, workers=workers, on_result=done)
        except KeyboardInterrupt as exc:
            interrupted = exc
    if not results:
        why = (
            "interrupted before any episode finished"
            if interrupted is not None
            else "no episode ran"
        )
        raise UsageError(why)
    report = summarize(
        results,
        run_id=run_id,
        suite=suite,
        policy=policy,
        milestones=mode,
        workers=workers,
        wall_seconds=time.monotonic() - started,
    )
    chart_path = chart or path.with_name(path.stem + ".files") / "bench" / f"{run_id}.png"
    success_chart(report, chart_path)
    data = report.to_json() | {"chart": str(chart_path), "interrupted": interrupted is not None}
    report_path = chart_path.with_suffix(".json")
    report_path.write_text(json.dumps(data, indent=1))
    if as_json:
        print(json.dumps(data, indent=1))
    else:
        _print_report(report, chart_path, interrupted is not None)
    if interrupted is not None:
        raise typer.Exit(interruption_code(interrupted))


def _default_milestones(kind: str, policy: str) -> str:
    """A sandbox site's own checks; elsewhere the planner, except for the oracle, whose
    episodes are demonstrations: a local model's plans would only slow them and add junk."""
    if kind == "sandbox":
        return "site"
    return "none" if policy == "oracle" else "llm"


def _warn_short(short: dict[str, int], split: str) -> None:
    for template, given in sorted(short.items()):
        err_console.print(
            f"[yellow]{template} has {given} distinct instances in {split} from this seed:"
            " all of them run[/yellow]"
        )


def _site_urls(pairs: list[str]) -> dict[str, str]:
    urls = {}
    for pair in pairs:
        name, sep, url = pair.partition("=")
        if not sep or not name or not url.startswith(("http://", "https://")):
            raise UsageError(f"--site-url takes NAME=URL (http or https), not {pair!r}")
        urls[name.strip()] = url.strip().rstrip("/")
    return urls


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def _print_report(report, chart: Path, interrupted: bool) -> None:  # type: ignore[no-untyped-def]
    table = Table(
        "task", "episodes", "success", "95% CI", "milestones", "steps", "tokens", "seconds",
        title=f"{report.suite} · {report.policy} · milestones: {report.milestones}",
    )  # fmt: skip
    sites = [None, *report.sites] if report.sites else []
    # Template instances are reported per template: one row per instance says little.
    groups = report.templates or report.tasks
    if report.templates:
        table.columns[0].header = "template"
    for row in [*groups, *sites, None, *report.splits, report.overall]:
        if row is None:
            table.add_section()
            continue
        table.add_row(
            escape(row.name), str(row.episodes), f"{row.successes} ({_pct(row.success_rate)})",
            f"{_pct(row.ci_low)}–{_pct(row.ci_high)}", _pct(row.milestone_fraction),
            f"{row.mean_steps:.1f}", f"{row.mean_tokens:,.0f}", f"{row.mean_seconds:.1f}",
        )  # fmt: skip
    console.print(table)
    failures = ", ".join(f"{mode}: {count}" for mode, count in report.failures.items())
    console.print(f"failure modes: {failures}")
    if report.judge_agreement is not None:
        console.print(
            f"LLM checker agrees with the site's checks on {_pct(report.judge_agreement)}"
            " of milestone verdicts"
        )
    console.print(
        f"{report.overall.episodes} episodes in {report.wall_seconds:.0f} s with"
        f" {report.workers} worker(s): {report.episodes_per_hour:.0f} episodes/hour"
    )
    for error in report.errors[:5]:
        console.print(f"[red]{escape(error)}[/red]")
    console.print(f"[dim]run {report.run_id}; chart {chart}[/dim]")
    if interrupted:
        console.print("[yellow]interrupted: the report covers the episodes that finished[/yellow]")
