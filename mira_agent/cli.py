"""The `mira` command line. Each command is a thin shell over the library.

Errors the user can fix are `MiraError`s: they are caught once, in `main`, and printed
on one line with a non-zero exit code. A traceback shows only with ``--debug``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from mira_agent import __version__
from mira_agent.errors import MiraError, UsageError

if TYPE_CHECKING:
    from mira_agent.browser.session import BrowserSession
    from mira_agent.runner import RunSpec

app = typer.Typer(
    name="mira",
    help="mira: an open browser agent that plans in milestones.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="rich",
)
sites_app = typer.Typer(
    help="The sandbox web sites mira serves itself, with their tasks.", no_args_is_help=True
)
app.add_typer(sites_app, name="sites")
models_app = typer.Typer(
    help="The models mira knows and whether each can run here.", no_args_is_help=True
)
app.add_typer(models_app, name="models")

console = Console()
err_console = Console(stderr=True, soft_wrap=True)
_debug = {"on": False}


def _version(value: bool) -> None:
    if value:
        console.print(f"mira {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show full tracebacks on errors.")] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    _debug["on"] = debug


BrowserPathOption = Annotated[
    str | None,
    typer.Option(
        "--browser-path",
        envvar="MIRA_BROWSER",
        help="Chromium or Chrome executable to drive (default: found automatically).",
    ),
]
HeadlessOption = Annotated[
    bool, typer.Option("--headless", help="Hide the browser window (default: visible).")
]
XvfbOption = Annotated[
    bool,
    typer.Option("--xvfb", help="With no display, show the browser on a virtual X display (Xvfb)."),
]
ProfileOption = Annotated[
    Path | None,
    typer.Option(
        "--profile",
        help="Profile folder that keeps cookies and logins between runs (default: a fresh one).",
    ),
]


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
        str, typer.Option("--site", help="Sandbox site to serve when no --url is given.")
    ] = "flights",
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
) -> None:
    """Carry out a task in the browser: plan milestones, act step by step, report the outcome.

    Exits 0 when the task succeeded, 1 when it failed, was stopped or gave up.
    """
    from mira_agent.browser.session import BrowserOptions
    from mira_agent.config import new_run_dir
    from mira_agent.runner import RunSpec

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
        allow_domains=allow_domain or (),
        auto_approve=yes,
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
    _run_agent(spec, verbose)


def _print_warnings(session: BrowserSession) -> None:
    for warning in session.warnings:
        err_console.print(f"[yellow]mira: {warning}[/yellow]")


def _run_agent(spec: RunSpec, verbose: bool) -> None:
    from mira_agent.agent.controls import Controls
    from mira_agent.console import ConsolePrinter
    from mira_agent.runner import RunHooks, run_task
    from mira_agent.terminal_controls import HELP, TerminalControls

    controls = Controls()

    def say(text: str) -> None:
        console.print(f"[cyan]{text}[/cyan]", highlight=False)

    def refuse(action: str, reason: str) -> bool:
        err_console.print("mira: no terminal to ask for a yes; refused (pass --yes to allow)")
        return False

    approver, asker = refuse, lambda question: None
    if sys.stdin.isatty():
        terminal = TerminalControls(controls, sys.stdin, say).start()
        say(HELP)
        approver, asker = terminal.approve, terminal.answer
    hooks = RunHooks(
        ConsolePrinter(console, verbose=verbose),
        approver,
        asker,
        controls=controls,
        on_browser=_print_warnings,
    )
    outcome = run_task(spec, hooks)
    if outcome.status == "error":
        raise MiraError(outcome.reason, exit_code=4)
    if outcome.status == "crashed":
        raise MiraError(outcome.reason, exit_code=3)
    if not outcome.ok:
        raise typer.Exit(1)


def _observe_only(spec: RunSpec, screenshot: Path | None, wait: bool | None) -> None:
    from mira_agent.browser.observe import ObserveOptions, observe
    from mira_agent.browser.session import BrowserSession
    from mira_agent.runner import open_start_page, prepared_site

    with prepared_site(spec) as prepared, BrowserSession(spec.browser) as session:
        _print_warnings(session)
        mode = "headless" if session.headless else "visible"
        console.print(f"[bold]Task:[/bold] {prepared.task}", highlight=False)
        console.print(f"[dim]{mode} browser: {session.found.path if session.found else '?'}[/dim]")
        open_start_page(session, prepared.url)
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


@sites_app.command("list")
def sites_list() -> None:
    """List the sandbox sites and their tasks."""
    from rich.table import Table

    from mira_agent.sites import get_site, list_sites

    table = Table("site", "description", "tasks")
    for name, description in list_sites():
        table.add_row(name, description, str(len(get_site(name).tasks())))
    console.print(table)


@sites_app.command("tasks")
def sites_tasks(
    name: Annotated[str, typer.Argument(help="The site, as `mira sites list` names it.")],
    seed: Annotated[int, typer.Option("--seed", help="Seed of the site's data.")] = 0,
) -> None:
    """List a site's tasks with their milestones."""
    from mira_agent.sites import get_site

    for task in get_site(name, seed=seed).tasks():
        console.print(f"[bold]{task.id}[/bold] ({task.split}) {task.intent}", highlight=False)
        for n, milestone in enumerate(task.milestones, 1):
            console.print(f"   {n}. {milestone.text}", highlight=False)


@sites_app.command("serve")
def sites_serve(
    name: Annotated[str, typer.Argument(help="The site, as `mira sites list` names it.")],
    port: Annotated[
        int, typer.Option("--port", help="Port on 127.0.0.1 (0: any free port).")
    ] = 8765,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the site's data.")] = 0,
) -> None:
    """Serve a sandbox site on 127.0.0.1 until Ctrl-C, to open it in your own browser."""
    import time

    from mira_agent.sites import get_site

    if not 0 <= port <= 65535:
        raise UsageError(f"--port must be between 0 and 65535, got {port}")
    served = get_site(name, seed=seed)
    url = served.start(port=port)
    console.print(f"{name} is served at {url} (Ctrl-C to stop)")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        served.stop()


@models_app.command("list")
def models_list() -> None:
    """List the known models: backend, context, and whether each is available here."""
    from rich.table import Table

    from mira_agent.llm.models import availability, known_models

    table = Table("model", "backend", "context", "available", "how", "description")
    for info in known_models():
        ok, how = availability(info)
        name = info.name + (" (default)" if info.default else "")
        table.add_row(
            name, info.backend, f"{info.context:,}", "yes" if ok else "no", how, info.description
        )
    console.print(table)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def main() -> None:
    """Entry point of the `mira` command."""
    try:
        app()
    except MiraError as exc:
        if _debug["on"]:
            raise
        print(f"mira: error: {_one_line(str(exc))}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        print("mira: interrupted", file=sys.stderr)
        sys.exit(130)
