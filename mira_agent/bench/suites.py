"""The registry of benchmark suites: which names `mira bench` and `mira train` take, the
tasks each name stands for, and the suite (`bench/tasks.py`'s `Suite`) that seeds and
opens them. Each suite lives in its own module and knows nothing of the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mira_agent.bench.miniwob import MiniWobSuite, miniwob_tasks, text_tasks
from mira_agent.bench.sandbox import SandboxSuite, sandbox_instances, sandbox_tasks
from mira_agent.bench.tasks import BenchTask, Suite, World
from mira_agent.bench.webarena import WebArenaSuite, load_tasks
from mira_agent.errors import UsageError
from mira_agent.sites import SITES

SUITES: dict[str, Suite] = {
    suite.name: suite for suite in (SandboxSuite(), MiniWobSuite(), WebArenaSuite())
}


def load_suite(name: str, *, webarena_file: str | None = None) -> list[BenchTask]:
    """The tasks a suite name stands for: a whole suite (sandbox, miniwob's default subset,
    webarena's task file), one sandbox site, or miniwob-all."""
    if name == "sandbox":
        return sandbox_tasks()
    if name == "miniwob":
        return miniwob_tasks(None)
    if name == "webarena":
        if webarena_file is None:
            raise UsageError("the webarena suite needs --webarena-tasks FILE.json")
        return load_tasks(webarena_file)
    if name in SITES:
        return sandbox_tasks([name])
    if name == "miniwob-all":
        return miniwob_tasks(text_tasks())
    known = ", ".join([*SUITES, "miniwob-all", *sorted(SITES)])
    raise UsageError(f"unknown suite {name!r}; known: {known}")


def load_instances(name: str, split: str, count: int, start: int | None) -> list[BenchTask]:
    """`count` distinct instances of every template of `split`, for the sandbox suite or
    one sandbox site: the suites whose tasks are templates."""
    if name == "sandbox":
        return sandbox_instances(None, split, count, start)
    if name in SITES:
        return sandbox_instances([name], split, count, start)
    raise UsageError(
        f"--instances draws sandbox task templates; {name!r} has none (MiniWoB++ draws"
        " an instance per seed: use -k)"
    )


def suite_of(name: str) -> Suite:
    """The suite a `BenchTask.suite` names."""
    try:
        return SUITES[name]
    except KeyError:
        raise UsageError(f"unknown suite {name!r}") from None


def split_seed(task: BenchTask, split: str, k: int) -> int:
    """The seed of episode `k` of a task in a split, as its suite draws them."""
    return suite_of(task.suite).seed(task, split, k)


def world_for(suite: str, **options: Any) -> World:
    """A fresh world of a suite for one worker (`site_urls=`: where hosted sites are)."""
    return suite_of(suite).world(options.get("site_urls", {}))


def select(
    tasks: Sequence[BenchTask], split: str | None, ids: Sequence[str] | None
) -> list[BenchTask]:
    """The tasks in `split` ("train", "test" or None for all) and, if given, in `ids`
    (exact ids or prefixes: `shop-` takes every shop task)."""
    chosen = [t for t in tasks if split is None or t.split in (split, "both")]
    if ids:
        picked = [t for t in chosen if any(t.id == i or t.id.startswith(i) for i in ids)]
        missing = [i for i in ids if not any(t.id == i or t.id.startswith(i) for t in chosen)]
        if missing:
            raise UsageError(f"no such task{'s' if len(missing) > 1 else ''}: {', '.join(missing)}")
        chosen = picked
    if not chosen:
        raise UsageError("no tasks to run: check --split and --tasks")
    return chosen
