"""`mira sites …` and `mira models …`: what mira can drive and with which models."""

from __future__ import annotations

from typing import Annotated

import typer

from mira_agent.cli.app import console, models_app, sites_app
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
