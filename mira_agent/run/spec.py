"""What a run is asked to do, as the CLI's options say it, and the models it needs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from mira_agent.browser.session import BrowserOptions
from mira_agent.llm.base import Backend
from mira_agent.llm.registry import make_backend


@dataclass
class RunSpec:
    """Everything a run needs, as the CLI's options say it."""

    task: str | None = None
    task_id: str | None = None
    url: str | None = None
    site: str | None = None  # None: the task id's site (`shop-…`), else flights
    seed: int = 0
    actor: str = "local"
    actor_model: str | None = None
    planner: str | None = None  # None: the actor's backend and model
    planner_model: str | None = None
    base_url: str | None = None
    plan: bool = True
    max_steps: int = 30
    prompts: str = "full"  # the actor prompt's style
    allow_domains: Sequence[str] = ()
    auto_approve: bool = False
    screenshots: bool = False  # a PNG of every step, for the episode store
    browser: BrowserOptions = field(default_factory=BrowserOptions)


def load_backends(spec: RunSpec) -> tuple[Backend, Backend | None]:
    """The actor's backend and the planner's (None with --no-plan). Loaded before the
    browser opens, so a missing key or model fails fast."""
    actor = make_backend(spec.actor, spec.actor_model, spec.base_url)
    if not spec.plan:
        return actor, None
    kind = spec.planner or spec.actor
    model = (
        spec.planner_model
        if spec.planner_model is not None
        else (spec.actor_model if kind == spec.actor else None)
    )
    # A second instance even for the same local model: each keeps its own KV cache, so
    # alternating planner and actor prompts does not throw away the other's prefix.
    return actor, make_backend(kind, model, spec.base_url)


def site_of(spec: RunSpec) -> str:
    """The sandbox site a run uses: the one named, else the one a task id starts with."""
    from mira_agent.sites import SITES

    if spec.site:
        return spec.site
    prefix = (spec.task_id or "").split("-", 1)[0]
    return prefix if prefix in SITES else "flights"
