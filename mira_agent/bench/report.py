"""What a bench run measured: success per task and per suite with a confidence interval,
milestones reached, steps, tokens and time per episode, and why failures failed.

Pure functions over `EpisodeResult`s, so the figures can be checked by hand.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from mira_agent.bench.runner import EpisodeResult

FAILURE_MODES = ("stuck midway", "stopped at the wrong page", "no reasonable attempt", "other")


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a success rate (95% by default): unlike the normal
    approximation it stays inside [0, 1] and is sensible for small n and rates near 0 or 1."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def failure_mode(result: EpisodeResult) -> str | None:
    """Why an episode failed, in the paper's four modes (None when it succeeded):
    stopped at the wrong page (the agent ended it, wrongly), stuck midway (a guard or the
    step budget ended it after some progress), no reasonable attempt (ended so with no
    milestone reached), other (a crash, an interruption, a model error)."""
    if result.success:
        return None
    if result.status == "failed":
        return "stopped at the wrong page"
    if result.status == "gave_up":
        if result.milestones_total and result.milestones_done == 0:
            return "no reasonable attempt"
        return "stuck midway"
    return "other"


@dataclass(frozen=True)
class Summary:
    """Figures over a group of episodes (one task, or one suite)."""

    name: str
    episodes: int
    successes: int
    success_rate: float
    ci_low: float
    ci_high: float
    mean_reward: float
    milestone_fraction: float  # milestones reached / milestones in the plan, averaged
    mean_steps: float
    mean_tokens: float
    mean_seconds: float


def summarize_group(name: str, results: Sequence[EpisodeResult]) -> Summary:
    n = len(results)
    wins = sum(r.success for r in results)
    low, high = wilson(wins, n)
    fractions = [r.milestones_done / r.milestones_total for r in results if r.milestones_total]

    def mean(values: Sequence[float]) -> float:
        return sum(values) / len(values) if values else 0.0

    return Summary(
        name=name,
        episodes=n,
        successes=wins,
        success_rate=wins / n if n else 0.0,
        ci_low=low,
        ci_high=high,
        mean_reward=mean([r.reward for r in results]),
        milestone_fraction=mean(fractions),
        mean_steps=mean([r.steps for r in results]),
        mean_tokens=mean([r.prompt_tokens + r.completion_tokens for r in results]),
        mean_seconds=mean([r.seconds for r in results]),
    )


@dataclass(frozen=True)
class Report:
    run_id: str
    suite: str
    policy: str
    milestones: str
    workers: int
    wall_seconds: float
    overall: Summary
    tasks: list[Summary]
    splits: list[Summary]
    sites: list[Summary]  # per sandbox site, when the suite spans several
    templates: list[Summary]  # per task template, when the episodes are template instances
    failures: dict[str, int]
    judge_agreement: float | None
    errors: list[str] = field(default_factory=list)

    @property
    def episodes_per_hour(self) -> float:
        return 3600 * self.overall.episodes / self.wall_seconds if self.wall_seconds else 0.0

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["episodes_per_hour"] = round(self.episodes_per_hour, 1)
        return data


def summarize(
    results: Sequence[EpisodeResult],
    *,
    run_id: str,
    suite: str,
    policy: str,
    milestones: str,
    workers: int,
    wall_seconds: float,
) -> Report:
    by_task: dict[str, list[EpisodeResult]] = defaultdict(list)
    by_split: dict[str, list[EpisodeResult]] = defaultdict(list)
    by_site: dict[str, list[EpisodeResult]] = defaultdict(list)
    by_template: dict[str, list[EpisodeResult]] = defaultdict(list)
    for result in results:
        if result.template:
            by_template[result.template].append(result)
        by_task[result.task_id].append(result)
        by_split[result.split].append(result)
        if result.suite == "sandbox":
            by_site[result.site].append(result)
    modes = Counter(m for r in results if (m := failure_mode(r)) is not None)
    judged = sum(r.judge_total for r in results)
    return Report(
        run_id=run_id,
        suite=suite,
        policy=policy,
        milestones=milestones,
        workers=workers,
        wall_seconds=wall_seconds,
        overall=summarize_group(suite, results),
        tasks=[summarize_group(task, group) for task, group in sorted(by_task.items())],
        splits=[summarize_group(split, group) for split, group in sorted(by_split.items())],
        sites=[summarize_group(site, group) for site, group in sorted(by_site.items())]
        if len(by_site) > 1
        else [],
        templates=[summarize_group(t, group) for t, group in sorted(by_template.items())],
        failures={mode: modes.get(mode, 0) for mode in FAILURE_MODES},
        judge_agreement=(sum(r.judge_agree for r in results) / judged) if judged else None,
        errors=sorted({f"{r.task_id}: {r.error}" for r in results if r.error}),
    )
