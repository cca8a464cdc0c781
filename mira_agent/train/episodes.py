"""Episodes from the store as training data: for each step, exactly what the actor was
shown and answered, for each state, its milestone progress and the outcome, and the
site's demonstrations of the planner's jobs (the calls its checks answered in the
planner's, checker's and re-planner's formats).

States are indexed as in `rewards.py`: step t (1-based, as the store numbers steps) is
taken in state s_{t-1} and leads to s_t. A step row's `progress` is the progress vector
of s_{t-1} and its `progress_after` that of s_t, so milestone completion states come
straight from the rows, whatever checker (the site's or an LLM's) produced them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from mira_agent.planning.demonstrations import is_demonstration
from mira_agent.store.database import EpisodeFilter, EpisodeStore

# The role a planner call is stored under (its purpose), by the name training gives it.
PURPOSES = {"planner": "plan", "checker": "check", "replanner": "replan"}


@dataclass(frozen=True)
class Step:
    """One action as the actor produced it: the exact messages and raw completion."""

    messages: list[dict[str, Any]]
    completion: str


@dataclass(frozen=True)
class Demonstration:
    """One planner call the site answered: its role, the step it was made at, and the
    exact messages and completion, as an actor step has them."""

    role: str  # planner, checker or replanner
    step: int
    messages: list[dict[str, Any]]
    completion: str


@dataclass(frozen=True)
class Episode:
    episode_id: int
    task_id: str | None
    outcome: float  # 1 succeeded, 0 failed (from the episode's label)
    label_source: str
    steps: list[Step]
    completions: list[int | None]  # per milestone: the first state index where it is done
    milestones: int
    demonstrations: list[Demonstration] = field(default_factory=list)

    @property
    def states(self) -> int:
        return len(self.steps) + 1


@dataclass
class Loaded:
    episodes: list[Episode] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)


def completion_states(rows: list[dict[str, Any]], milestones: int) -> list[int | None]:
    """The first state index at which each milestone is done, from the step rows'
    progress vectors (None: never done in the episode)."""
    vectors: list[list[bool] | None] = [rows[0].get("progress") if rows else None]
    vectors += [row.get("progress_after") for row in rows]
    first: list[int | None] = [None] * milestones
    for state, vector in enumerate(vectors):
        for index, done in enumerate((vector or [])[:milestones]):
            if done and first[index] is None:
                first[index] = state
    return first


def load_episodes(
    store: EpisodeStore,
    which: EpisodeFilter | None = None,
    *,
    sources: tuple[str, ...] = ("checker", "judge", "user"),
) -> Loaded:
    """Every episode the filter picks that training can use, and why the others were
    left out (no label, a label from a source not accepted, no usable step)."""
    loaded = Loaded()
    for row in reversed(store.episodes(which)):
        if row["label"] not in ("succeeded", "failed"):
            loaded.skipped["no outcome label"] += 1
            continue
        if row["label_source"] not in sources:
            loaded.skipped[f"label from {row['label_source']}"] += 1
            continue
        rows = store.children("steps", row["id"])
        # A step the model answered with nothing usable still taught it something
        # (that answer was wrong), so it stays: only rows without a completion go.
        usable = [r for r in rows if r["messages"] and r["completion"] is not None]
        if not usable:
            loaded.skipped["no recorded actor steps"] += 1
            continue
        total = row["milestones_total"] or 0
        loaded.episodes.append(
            Episode(
                episode_id=row["id"],
                task_id=row["task_id"],
                outcome=1.0 if row["label"] == "succeeded" else 0.0,
                label_source=row["label_source"],
                steps=[Step(r["messages"], r["completion"]) for r in usable],
                completions=completion_states(usable, total),
                milestones=total,
                demonstrations=demonstrations(store.children("model_calls", row["id"])),
            )
        )
    return loaded


def demonstrations(calls: list[dict[str, Any]]) -> list[Demonstration]:
    """The planner calls among an episode's that the site answered. An LLM's own planner
    calls are left out: nothing checked their answers (a judge measured beside the site
    is often wrong), so they would teach its mistakes."""
    role_of = {purpose: role for role, purpose in PURPOSES.items()}
    return [
        Demonstration(role_of[c["role"]], c["step"], c["messages"], c["completion"])
        for c in calls
        if c["role"] in role_of
        and is_demonstration(c["model"])
        and c["messages"]
        and c["completion"] is not None
    ]
