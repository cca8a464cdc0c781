"""What `mira finetune` and `mira train` share: their training options, the progress bar,
and the check that the training stack is installed.

The options are declared once, by the `TrainSettings` fields themselves (their help,
flag, choices and default are the fields' metadata): `training_options` adds one option
per field to a command's signature, and hands the command a checked `TrainSettings`
built from what was given. The two commands cannot drift apart, and what `--help` says is
what the trainer reads.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.util
import inspect
import typing
from collections.abc import Callable, Container
from typing import Annotated, Any, Literal, TypeVar

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from mira_agent.cli.app import err_console
from mira_agent.errors import UsageError
from mira_agent.train.settings import TrainSettings, preset

TRAIN_PACKAGES = ("torch", "transformers", "peft", "gguf")
PANEL = "Training"
# The options' parameter names: a command's own may share a setting's name (`mira train
# --max-steps` counts an episode's steps; the setting `max_steps` is --max-updates).
PREFIX = "setting_"

Command = TypeVar("Command", bound=Callable[..., Any])


def option_fields(exclude: Container[str] = ()) -> list[dataclasses.Field[Any]]:
    """The settings that are command-line options, in declaration order."""
    return [
        f
        for f in dataclasses.fields(TrainSettings)
        if "help" in f.metadata and f.name not in exclude
    ]


def flag_of(field: dataclasses.Field[Any]) -> str:
    return field.metadata["flag"] or "--" + field.name.replace("_", "-")


def _help(field: dataclasses.Field[Any]) -> str:
    meta = field.metadata
    if meta["switch"] is not None:
        return meta["help"]
    shown = meta["shown"]
    if shown is None:
        default = field.default
        shown = ",".join(default) if isinstance(default, tuple) else str(default)
    return f"{meta['help']} {escape(f'[{shown}]')}"  # escaped: rich markup would eat it


def _value_type(field: dataclasses.Field[Any]) -> type:
    """The type an option's value is read as: the field's, without None; str for a tuple
    (read comma-separated)."""
    hint = typing.get_type_hints(TrainSettings)[field.name]
    kinds = [k for k in typing.get_args(hint) if k is not type(None)] or [hint]
    kind = typing.get_origin(kinds[0]) or kinds[0]
    return str if kind is tuple else kind


def _parameter(field: dataclasses.Field[Any]) -> inspect.Parameter:
    meta = field.metadata
    flag = flag_of(field)
    if meta["switch"] is not None:
        annotation: Any = Annotated[
            bool, typer.Option(flag, help=_help(field), rich_help_panel=PANEL)
        ]
        default: Any = False
    elif "/" in flag:  # an on/off pair: None leaves the choice to the trainer
        annotation = Annotated[
            bool | None,
            typer.Option(flag, help=_help(field), show_default=False, rich_help_panel=PANEL),
        ]
        default = None
    else:
        choices = meta["choices"]
        value_type = Literal[choices] if choices else _value_type(field)  # a click choice
        annotation = Annotated[
            value_type | None,
            typer.Option(flag, help=_help(field), show_default=False, rich_help_panel=PANEL),
        ]
        default = None
    keyword = inspect.Parameter.KEYWORD_ONLY
    return inspect.Parameter(PREFIX + field.name, keyword, default=default, annotation=annotation)


def settings_from(values: dict[str, Any]) -> TrainSettings:
    """The checked settings for the options as given (None: not given)."""
    overrides: dict[str, Any] = {}
    for field in option_fields():
        if field.name not in values or field.name == "algo":
            continue
        value, switch = values[field.name], field.metadata["switch"]
        if switch is not None:
            value = switch if value else None
        elif isinstance(field.default, tuple) and value is not None:
            value = tuple(dict.fromkeys(p.strip() for p in value.split(",") if p.strip()))
            if not value:
                example = ",".join(field.default)
                raise UsageError(f"{flag_of(field)} names at least one, e.g. {example}")
        overrides[field.name] = value
    return preset(values.get("algo") or "mira", **overrides)


def training_options(*, exclude: Container[str] = ()) -> Callable[[Command], Command]:
    """Give a command one option per training setting (all but `exclude`); the command
    takes a `settings: TrainSettings` parameter instead of them."""

    def decorate(command: Command) -> Command:
        fields = option_fields(exclude)
        names = [f.name for f in fields]
        own = [
            p for p in inspect.signature(command, eval_str=True).parameters.values()
            if p.name != "settings"
        ]  # fmt: skip

        @functools.wraps(command)
        def with_settings(**given: Any) -> Any:
            values = {name: given.pop(PREFIX + name) for name in names}
            return command(**given, settings=settings_from(values))

        with_settings.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [*own, *(_parameter(f) for f in fields)]
        )
        return typing.cast(Command, with_settings)

    return decorate


# -- progress and the training stack ----------------------------------------------------


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


def require_training_stack() -> None:
    missing = [name for name in TRAIN_PACKAGES if importlib.util.find_spec(name) is None]
    if missing:
        raise UsageError(
            f"training needs {', '.join(missing)}: pip install 'mira-agent[train]'"
            " (on a CPU machine, pip install torch==2.13.0 first for the CPU build)"
        )
