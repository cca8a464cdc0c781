"""`mira sites …` and `mira models …`: what mira can drive and with which models."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mira_agent.cli.app import PromptsOption, console, err_console, models_app, sites_app
from mira_agent.errors import UsageError


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
    instances: Annotated[
        int | None,
        typer.Option(
            "--instances",
            help="List N distinct instances of every template (of --split, or of every"
            " split) instead of the fixed tasks.",
            show_default=False,
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed",
            help="With --instances: the first instance seed (default: each split's first).",
            show_default=False,
        ),
    ] = None,
    split: Annotated[
        str | None,
        typer.Option(
            "--split",
            help="With --instances: train, test-instances or test-templates (default: all).",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the tasks as JSON.")] = False,
    data_seed: Annotated[int, typer.Option("--data-seed", help="Seed of the site's data.")] = 0,
) -> None:
    """List a site's fixed tasks, or its template instances, with their milestones."""
    import json

    from mira_agent.sites import get_site
    from mira_agent.sites.task_templates import SPLITS, short_templates

    site = get_site(name, seed=data_seed)
    if instances is None:
        if seed is not None or split is not None:
            raise UsageError("--seed and --split draw template instances: give --instances too")
        tasks = site.tasks()
    else:
        if seed is not None and split is None:
            raise UsageError("--seed is a seed of one split: give --split too")
        splits = [split] if split else list(SPLITS)
        tasks = []
        for each in splits:
            drawn = site.instances(each, instances, seed)
            for template, given in short_templates((t.template for t in drawn), instances).items():
                err_console.print(
                    f"[yellow]{template} has {given} distinct instances in {each}[/yellow]"
                )
            tasks += drawn
    if as_json:
        rows = [
            {
                "id": t.id,
                "template": t.template or None,
                "split": t.split,
                "intent": t.intent,
                "milestones": [m.text for m in t.milestones],
                "outcome": t.outcome,
                "facts": t.params,
            }
            for t in tasks
        ]
        print(json.dumps(rows, indent=1, ensure_ascii=False, default=str))
        return
    for task in tasks:
        console.print(f"[bold]{task.id}[/bold] ({task.split}) {task.intent}", highlight=False)
        for n, milestone in enumerate(task.milestones, 1):
            console.print(f"   {n}. {milestone.text}", highlight=False)


@sites_app.command("templates")
def sites_templates(
    name: Annotated[
        str | None, typer.Argument(help="The site (default: every site).", show_default=False)
    ] = None,
) -> None:
    """List the sites' task templates: id, split and the intent with its slots."""
    from rich.table import Table

    from mira_agent.sites import get_site, list_sites

    names = [name] if name else [site for site, _ in list_sites()]
    table = Table(
        "site",
        caption="A train template is drawn for train (seeds 0-99999) and test-instances"
        " (seeds 100000-199999); a test-templates one is never trained on.",
    )
    table.add_column("template", no_wrap=True)
    table.add_column("split", no_wrap=True)
    table.add_column("intent")
    for site_name in names:
        for template in get_site(site_name).templates():
            split = "train" if template.split == "train" else "test-templates"
            table.add_row(site_name, template.id, split, template.pattern)
    console.print(table)


@sites_app.command("serve")
def sites_serve(
    name: Annotated[str, typer.Argument(help="The site, as `mira sites list` names it.")],
    port: Annotated[
        int, typer.Option("--port", help="Port on 127.0.0.1 (0: any free port).")
    ] = 8765,
    data_seed: Annotated[int, typer.Option("--data-seed", help="Seed of the site's data.")] = 0,
) -> None:
    """Serve a sandbox site on 127.0.0.1 until Ctrl-C, to open it in your own browser."""
    import time

    from mira_agent.sites import get_site

    if not 0 <= port <= 65535:
        raise UsageError(f"--port must be between 0 and 65535, got {port}")
    served = get_site(name, seed=data_seed)
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


@models_app.command("pack")
def models_pack(
    run: Annotated[
        Path,
        typer.Argument(
            help="A `mira finetune` output folder: its adapter.gguf, or its last checkpoint's."
        ),
    ],
    name: Annotated[str, typer.Option("--name", help="The model's name, e.g. mira-270m.")],
    into: Annotated[
        Path,
        typer.Option("--into", help="The manifests folder to write to (the repository's models/)."),
    ] = Path("models"),
    description: Annotated[
        str, typer.Option("--description", help="One line for `mira models list`.")
    ] = "",
    prompts: PromptsOption = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace a model of that name.")
    ] = False,
    default: Annotated[
        bool,
        typer.Option("--default", help="Make it the local model mira runs when none is named."),
    ] = False,
    notes: Annotated[
        Path | None,
        typer.Option(
            "--notes",
            help="A Markdown file appended to the card: how the model was evaluated, what it"
            " cannot do yet (kept apart, so a repack keeps them).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Make a trained LoRA adapter a named model: copy its adapter.gguf beside a manifest
    that puts it on its base, with the run's model card.

    The adapter is checked against its base first, and must be at most 30 MB.
    """
    from mira_agent.train.pack import Listing, pack_adapter

    if notes is not None and not notes.is_file():
        raise UsageError(f"--notes: no file at {notes}")
    listing = Listing(
        description or f"{name}: a LoRA adapter trained by mira",
        prompts or "full",
        default,
        notes.read_text() if notes is not None else "",
    )
    packed = pack_adapter(run, name, into, listing, overwrite=overwrite)
    for path in (packed.adapter, packed.manifest, packed.card):
        console.print(f"wrote {path}")
