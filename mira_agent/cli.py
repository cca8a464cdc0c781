"""The `mira` command line. Each command is a thin shell over the library.

Errors the user can fix are `MiraError`s: they are caught once, in `main`, and printed
on one line with a non-zero exit code. A traceback shows only with ``--debug``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from mira_agent import __version__
from mira_agent.errors import MiraError, UsageError

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
    task: Annotated[str, typer.Argument(help="What the agent should do, in plain words.")],
    url: Annotated[
        str | None,
        typer.Option("--url", help="Page to start on (default: the sandbox site's start page)."),
    ] = None,
    site: Annotated[
        str, typer.Option("--site", help="Sandbox site to serve when no --url is given.")
    ] = "flights",
    seed: Annotated[int, typer.Option("--seed", help="Seed of the sandbox site's data.")] = 0,
    headless: HeadlessOption = False,
    xvfb: XvfbOption = False,
    browser_path: BrowserPathOption = None,
    profile: ProfileOption = None,
    screenshot: Annotated[
        Path | None,
        typer.Option(
            "--screenshot", help="Save a PNG of the page here, with element ids drawn on it."
        ),
    ] = None,
    wait: Annotated[
        bool | None,
        typer.Option(
            "--wait/--no-wait",
            help="Keep the browser open until Enter is pressed (default: from a terminal).",
        ),
    ] = None,
) -> None:
    """Open the browser on the task's start page and show what the agent sees.

    The planner and actor that carry the task out come in a later release; for now this
    launches the browser, serves the sandbox site when no --url is given, and prints
    the observation a model would read.
    """
    from mira_agent.browser.actions import Action
    from mira_agent.browser.executor import execute
    from mira_agent.browser.observe import ObserveOptions, observe
    from mira_agent.browser.session import BrowserOptions, BrowserSession
    from mira_agent.config import new_run_dir

    if not task.strip():
        raise UsageError("the task is empty: say what the agent should do")
    served = None
    if url is None:
        from mira_agent.sites import get_site

        served = get_site(site, seed=seed)
        url = served.start()
    run_dir = new_run_dir()
    options = BrowserOptions(
        headless=headless, xvfb=xvfb, browser_path=browser_path, profile=profile, run_dir=run_dir
    )
    try:
        with BrowserSession(options) as session:
            for warning in session.warnings:
                err_console.print(f"[yellow]mira: {warning}[/yellow]")
            mode = "headless" if session.headless else "visible"
            console.print(f"[bold]Task:[/bold] {task}")
            console.print(
                f"[dim]{mode} browser: {session.found.path if session.found else '?'}[/dim]"
            )
            result = execute(session, Action("goto", {"url": url}))
            if not result.ok:
                raise UsageError(f"cannot start there: {result.error}")
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
    finally:
        if served is not None:
            served.stop()


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
