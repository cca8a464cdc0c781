"""`mira run`: carry out a task, shown in the terminal UI or as plain lines, and
recorded in the episode database."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mira_agent.agent import events as ev
from mira_agent.cli.app import (
    BrowserPathOption,
    DbOption,
    HeadlessOption,
    ProfileOption,
    PromptsOption,
    XvfbOption,
    app,
    console,
    err_console,
)
from mira_agent.errors import MiraError, interruption, interruption_code

if TYPE_CHECKING:
    from mira_agent.agent.safety import Redactor
    from mira_agent.browser.session import BrowserSession
    from mira_agent.run.assemble import RunHooks
    from mira_agent.run.spec import RunSpec
    from mira_agent.store.recorder import EpisodeRecorder
    from mira_agent.tui.app import RunApp


@app.command()
def run(
    task: Annotated[
        str | None, typer.Argument(help="What the agent should do, in plain words.")
    ] = None,
    url: Annotated[
        str | None,
        typer.Option("--url", help="Page to start on (default: the sandbox site's start page)."),
    ] = None,
    task_id: Annotated[
        str | None,
        typer.Option(
            "--task-id",
            help="A sandbox task (see `mira sites tasks`): its intent, start page and checker.",
        ),
    ] = None,
    site: Annotated[
        str | None,
        typer.Option(
            "--site",
            help="Sandbox site to serve when no --url is given (default: the --task-id's"
            " site, else flights).",
            show_default=False,
        ),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the sandbox site's data.")] = 0,
    actor: Annotated[
        str, typer.Option("--actor", help="Backend that picks actions: local, openai or gemini.")
    ] = "local",
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            help="The actor's model: a name from `mira models list` or, for local, a .gguf path"
            " (default: the embedded Gemma 3 270M).",
        ),
    ] = None,
    planner: Annotated[
        str | None,
        typer.Option("--planner", help="Backend of the milestone planner (default: the actor's)."),
    ] = None,
    planner_model: Annotated[
        str | None, typer.Option("--planner-model", help="The planner's model.")
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", help="Endpoint of an OpenAI-compatible server (or Gemini's)."),
    ] = None,
    plan: Annotated[
        bool, typer.Option("--plan/--no-plan", help="Plan in milestones (--no-plan to compare).")
    ] = True,
    max_steps: Annotated[
        int, typer.Option("--max-steps", min=1, help="Give up after this many steps.")
    ] = 30,
    prompts: PromptsOption = None,
    allow_domain: Annotated[
        list[str] | None,
        typer.Option("--allow-domain", help="Only let the agent visit this domain (repeatable)."),
    ] = None,
    yes: Annotated[
        bool,
        typer.Option("--yes", help="Allow paying, buying, deleting and sending without asking."),
    ] = False,
    observe_only: Annotated[
        bool,
        typer.Option(
            "--observe-only", help="Only open the page and print what the agent sees; no model."
        ),
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Show tokens and time of each model call.")
    ] = False,
    headless: HeadlessOption = False,
    xvfb: XvfbOption = False,
    browser_path: BrowserPathOption = None,
    profile: ProfileOption = None,
    screenshot: Annotated[
        Path | None,
        typer.Option(
            "--screenshot", help="With --observe-only: save a PNG with element ids drawn on it."
        ),
    ] = None,
    wait: Annotated[
        bool | None,
        typer.Option(
            "--wait/--no-wait",
            help="With --observe-only: keep the browser open until Enter (default: on a terminal).",
        ),
    ] = None,
    tui: Annotated[
        bool | None,
        typer.Option(
            "--tui/--no-tui",
            help="Show the run in the terminal UI (default: when the output is a terminal).",
            show_default=False,
        ),
    ] = None,
    db: DbOption = None,
    screenshots: Annotated[
        bool,
        typer.Option(
            "--screenshots/--no-screenshots",
            help="Keep a screenshot of every step beside the episode database.",
        ),
    ] = True,
    trace: Annotated[
        bool,
        typer.Option(
            "--trace",
            help="Record a Playwright trace of the episode (open it with `playwright show-trace`).",
        ),
    ] = False,
) -> None:
    """Carry out a task in the browser: plan milestones, act step by step, report the outcome.

    Every run is recorded in the episode database (see `mira episodes`).
    Exits 0 when the task succeeded, 1 when it failed, was stopped or gave up.
    """
    from mira_agent.browser.session import BrowserOptions
    from mira_agent.config import new_run_dir
    from mira_agent.llm.models import prompt_style
    from mira_agent.run.spec import RunSpec

    spec = RunSpec(
        task=task,
        task_id=task_id,
        url=url,
        site=site,
        seed=seed,
        actor=actor,
        actor_model=model,
        planner=planner,
        planner_model=planner_model,
        base_url=base_url,
        plan=plan,
        max_steps=max_steps,
        prompts=prompts or prompt_style(actor, model),
        allow_domains=allow_domain or (),
        auto_approve=yes,
        screenshots=screenshots,
        browser=BrowserOptions(
            headless=headless,
            xvfb=xvfb,
            browser_path=browser_path,
            profile=profile,
            run_dir=new_run_dir(),
        ),
    )
    if observe_only:
        _observe_only(spec, screenshot, wait)
        return
    use_tui = tui if tui is not None else _terminal_can_show_the_ui()
    try:
        _run_agent(spec, verbose=verbose, use_tui=use_tui, db=db, trace=trace)
    except KeyboardInterrupt as exc:
        # Click would swallow this into its own exit; say it, with the usual code.
        err_console.print(f"mira: {interruption(exc)}")
        raise typer.Exit(interruption_code(exc)) from None


def _print_warnings(session: BrowserSession) -> None:
    for warning in session.warnings:
        err_console.print(f"[yellow]mira: {warning}[/yellow]")


def _terminal_can_show_the_ui() -> bool:
    import os

    interactive = sys.stdout.isatty() and sys.stdin.isatty()
    return interactive and os.environ.get("TERM", "") not in ("", "dumb")


def _run_agent(
    spec: RunSpec, *, verbose: bool, use_tui: bool, db: Path | None, trace: bool
) -> None:
    from dataclasses import replace

    from mira_agent.agent.safety import Redactor
    from mira_agent.store.database import EpisodeStore, default_db_path
    from mira_agent.store.recorder import EpisodeRecorder

    store = EpisodeStore(db or default_db_path())
    redactor = Redactor()
    recorder = EpisodeRecorder(store, redactor=redactor, meta=_episode_meta(spec))
    if trace:
        spec.browser = replace(spec.browser, trace=recorder.trace_file())
    try:
        if use_tui:
            outcome = _run_in_tui(spec, recorder, redactor)
        else:
            outcome = _run_plain(spec, recorder, redactor, verbose)
    finally:
        if recorder.episode_id is not None:
            console.print(f"[dim]episode {recorder.episode_id} saved in {store.path}[/dim]")
        store.close()
    if outcome.status == "error":
        raise MiraError(outcome.reason, exit_code=4)
    if outcome.status == "crashed":
        raise MiraError(outcome.reason, exit_code=3)
    if not outcome.ok:
        raise typer.Exit(1)


def _episode_meta(spec: RunSpec) -> dict[str, object]:
    """What the episode row keeps of the run's settings (the events say the rest)."""
    from mira_agent.run.spec import site_of

    return {
        "task_id": spec.task_id,
        "site": site_of(spec) if spec.task_id or spec.url is None else None,
        "seed": spec.seed if spec.task_id or spec.url is None else None,
        "settings": {
            "actor": spec.actor,
            "actor_model": spec.actor_model,
            "planner": spec.planner,
            "planner_model": spec.planner_model,
            "plan": spec.plan,
            "max_steps": spec.max_steps,
            "allow_domains": list(spec.allow_domains),
            "auto_approve": spec.auto_approve,
            "headless": spec.browser.headless,
        },
    }


def _run_plain(
    spec: RunSpec, recorder: EpisodeRecorder, redactor: Redactor, verbose: bool
) -> ev.Outcome:
    from mira_agent.agent.controls import Controls
    from mira_agent.agent.loop import no_answer
    from mira_agent.cli.console import ConsolePrinter
    from mira_agent.cli.terminal_controls import HELP, TerminalControls
    from mira_agent.run.assemble import RunHooks, run_task

    controls = Controls()

    def say(text: str) -> None:
        console.print(f"[cyan]{text}[/cyan]", highlight=False)

    def refuse(action: str, reason: str) -> bool:
        err_console.print("mira: no terminal to ask for a yes; refused (pass --yes to allow)")
        return False

    approver, asker = refuse, no_answer
    if sys.stdin.isatty():
        terminal = TerminalControls(controls, sys.stdin, say).start()
        say(HELP)
        approver, asker = terminal.approve, terminal.answer
    hooks = RunHooks(
        sink=ev.fan_out(recorder, ConsolePrinter(console, verbose=verbose)),
        redactor=redactor,
        approver=approver,
        asker=asker,
        controls=controls,
        on_browser=_print_warnings,
    )
    return run_task(spec, hooks)


def app_hooks(app: RunApp, redactor: Redactor, sink: ev.Sink) -> RunHooks:
    """A run's hooks for the terminal UI: the app's modals say yes and answer the
    agent, its keys are the controls, its stream shows the browser's warnings; events go
    to `sink` (which hands them to `app.sink` among others)."""
    from mira_agent.run.assemble import RunHooks

    return RunHooks(
        sink,
        redactor,
        approver=app.approve,
        asker=app.ask,
        controls=app.controls,
        on_browser=app.browser_opened,
    )


def _run_in_tui(spec: RunSpec, recorder: EpisodeRecorder, redactor: Redactor) -> ev.Outcome:
    """The run in the terminal UI: the hooks are built from the app's endpoints (events
    to the recorder first, then the app) and the app is handed the run to do."""
    from mira_agent.run.assemble import run_task
    from mira_agent.tui.app import RunApp

    def rate(label: str) -> None:
        if recorder.episode_id is not None:
            recorder.store.rate(recorder.episode_id, label)

    app = RunApp(task=spec.task or spec.task_id or "", redactor=redactor, on_rate=rate)
    hooks = app_hooks(app, redactor, ev.fan_out(recorder, app.sink))
    app.work = lambda: run_task(spec, hooks)
    try:
        app.run()
    finally:
        # However the app ended (a signal included), the agent's thread must not go on.
        app.controls.stop()
        app.controls.resume()
    if app.error is not None:
        raise app.error
    if app.outcome is None:
        raise KeyboardInterrupt
    return app.outcome


def _observe_only(spec: RunSpec, screenshot: Path | None, wait: bool | None) -> None:
    from mira_agent.run.site import browser_at, prepared_site

    with prepared_site(spec) as prepared:

        def opened(session: BrowserSession) -> None:
            _print_warnings(session)
            mode = "headless" if session.headless else "visible"
            found = session.found.path if session.found else "?"
            console.print(f"[bold]Task:[/bold] {prepared.goal.text}", highlight=False)
            console.print(f"[dim]{mode} browser: {found}[/dim]")

        with browser_at(spec.browser, prepared.url, opened) as session:
            _look(session, screenshot, wait)


def _look(session: BrowserSession, screenshot: Path | None, wait: bool | None) -> None:
    """Print what the agent would see on the page open in `session`."""
    from mira_agent.browser.observe import ObserveOptions, observe

    observation = observe(session, ObserveOptions(marks=screenshot is not None))
    console.print(observation.render(), markup=False, highlight=False)
    if screenshot is not None and observation.screenshot:
        screenshot.write_bytes(observation.screenshot)
        console.print(f"[dim]screenshot saved to {screenshot}[/dim]")
    if wait if wait is not None else sys.stdin.isatty():
        console.print("[dim]Press Enter to close the browser.[/dim]")
        try:
            input()
        except EOFError:
            pass
