"""The `mira` command line's root: the app, the options several commands share, and the
entry point. Each command is a thin shell over the library.

Errors the user can fix are `MiraError`s: they are caught once, in `main`, and printed
on one line with a non-zero exit code. A traceback shows only with ``--debug``.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console

from mira_agent import __version__
from mira_agent.errors import MiraError, Terminated, interruption, interruption_code

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
episodes_app = typer.Typer(
    help="The recorded episodes: list, show, export, import, rate, delete, replay.",
    no_args_is_help=True,
)
app.add_typer(episodes_app, name="episodes")

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
DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db",
        envvar="MIRA_DB",
        help="Episode database (default: episodes.db in mira's data folder).",
        show_default=False,
    ),
]


def _prompt_style(value: str | None) -> str | None:
    from mira_agent.agent.actor import PROMPT_STYLES

    if value is not None and value not in PROMPT_STYLES:
        raise typer.BadParameter(f"{' or '.join(PROMPT_STYLES)}, not {value!r}")
    return value


PromptsOption = Annotated[
    str | None,
    typer.Option(
        "--prompts",
        callback=_prompt_style,
        help="The actor prompt's style: full (every action spelt out) or compact (one line,"
        " for a small model trained on it). Default: what the actor's model reads"
        " (`mira models list`).",
        show_default=False,
    ),
]


ProfileOption = Annotated[
    Path | None,
    typer.Option(
        "--profile",
        help="Profile folder that keeps cookies and logins between runs (default: a fresh one).",
    ),
]


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _terminated(signum: int, frame: object) -> None:
    # A polite kill (SIGTERM) unwinds a run as Ctrl-C does: the episode is marked
    # interrupted, its reason says it was terminated.
    raise Terminated


def main() -> None:
    """Entry point of the `mira` command."""
    signal.signal(signal.SIGTERM, _terminated)
    try:
        code = app(standalone_mode=False)
    except typer.TyperException as exc:  # bad usage, found by click before any command ran
        _usage_error(exc)
    except typer.Abort:
        print("mira: aborted", file=sys.stderr)
        sys.exit(1)
    except MiraError as exc:
        if _debug["on"]:
            raise
        print(f"mira: error: {_one_line(str(exc))}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt as exc:
        print(f"mira: {interruption(exc)}", file=sys.stderr)
        sys.exit(interruption_code(exc))
    sys.exit(code if type(code) is int else 0)  # typer.Exit(n) comes back as n


def _usage_error(exc: typer.TyperException) -> NoReturn:
    """Click's usage errors on one line, as mira's own errors are, with where to look.
    Asked for nothing at all, a command answers with its help, as click does."""
    message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
    code = int(getattr(exc, "exit_code", 2))
    if not message.strip() or "\n" in message.strip():
        # No arguments: click's answer is the help, printed already (rich) or here.
        if message.strip():
            print(message, file=sys.stderr)
        sys.exit(code)
    context = getattr(exc, "ctx", None)
    where = f" (see `{context.command_path} --help`)" if context is not None else ""
    print(f"mira: error: {_one_line(message)}{where}", file=sys.stderr)
    sys.exit(code)
