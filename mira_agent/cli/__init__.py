"""The `mira` command line: `app.py` holds the root and the entry point, one module per
group of commands registers its commands on it."""

from mira_agent.cli import bench, catalog, episodes, finetune, run, train
from mira_agent.cli.app import app, main

__all__ = ["app", "bench", "catalog", "episodes", "finetune", "main", "run", "train"]
