"""`mira train`: the loop that makes MiRA's claim measurable.

Each phase: roll out the current policy on the suite's train split (episodes labelled by
the tasks' checkers, milestones by the sites' checks or the planner) → fine-tune on the
new episodes plus a replay of earlier successes → evaluate the new policy on the test
split. Every episode, training run and evaluation is recorded, tagged with the loop's
id, so two loops (say `--algo mira` and `--algo webrl` from the same SFT checkpoint and
with the same budget) can be compared task by task afterwards.

With `--rollout oracle` the episodes are the sandbox's scripted demonstrations instead:
that is the SFT starting point every method shares, as in the paper.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from mira_agent.bench.report import wilson
from mira_agent.bench.runner import BenchSpec, EpisodeResult, plan_jobs, run_jobs
from mira_agent.bench.suites import load_suite, select
from mira_agent.bench.tasks import BenchTask
from mira_agent.errors import UsageError
from mira_agent.llm.models import EMBEDDED
from mira_agent.store.database import EpisodeFilter, EpisodeStore
from mira_agent.train.phase import PhaseSpec
from mira_agent.train.progress import Reporter, Silent
from mira_agent.train.settings import TrainSettings
from mira_agent.train.trainer import finetune


@dataclass(frozen=True)
class LoopSpec:
    suite: str
    out_dir: Path
    db: Path
    phases: int = 1
    base: str | None = None  # a GGUF, a finetune output folder, or None: the embedded model
    tasks: tuple[str, ...] = ()
    rollout: str = "policy"  # or "oracle": scripted demonstrations
    rollouts_per_task: int = 1
    eval_per_task: int = 1
    max_steps: int = 15
    temperature: float = 1.0  # rollouts explore (WebRL samples at 1.0); evaluation is greedy
    milestones: str | None = None  # None: the sites' checks on sandbox suites, else the LLM
    replay: int = 2  # earlier successes replayed, at most this many times the new episodes
    evaluate_base: bool = True
    workers: int = 1
    browser_path: str | None = None


@dataclass
class PhaseResult:
    phase: int
    model: str
    train: tuple[int, int] = (0, 0)  # successes, episodes (the rollouts)
    test: tuple[int, int] = (0, 0)
    training_run: int | None = None
    replayed: int = 0
    seconds: float = 0.0
    summary: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Policy:
    """What one phase plays and trains from."""

    train_base: str | None  # for `finetune --base`
    gguf: str  # for the local actor: a known model's name or a .gguf path


def policy_of(base: str | None) -> Policy:
    """A loop's starting point: a GGUF file, an earlier `mira finetune` output folder
    (its merged model to train, its model.gguf to play), or the embedded base model. The
    base is played by its name, not as "the default": the default is mira-270m, an
    adapter the loop does not train."""
    if base is None or base == EMBEDDED:
        return Policy(None, EMBEDDED)
    path = Path(base).expanduser()
    if path.is_file():
        return Policy(str(path), str(path))
    if (path / "merged" / "config.json").is_file() and (path / "model.gguf").is_file():
        return Policy(str(path / "merged"), str(path / "model.gguf"))
    if path.exists():
        raise UsageError(
            f"{path}: the loop needs a GGUF to play and a model to train — pass a .gguf file"
            " or a `mira finetune` output folder (with merged/ and model.gguf)"
        )
    raise UsageError(f"no model at {path}")


def _milestones(spec: LoopSpec, tasks: Sequence[BenchTask]) -> str:
    kind = tasks[0].suite if tasks else spec.suite
    return spec.milestones or ("site" if kind == "sandbox" else "llm")


@dataclass(frozen=True)
class Rollouts:
    """One batch of episodes a phase plays: its training rollouts or its evaluation."""

    split: str  # "train" or "test"
    per_task: int
    policy: str  # "agent", or "oracle" for scripted demonstrations
    gguf: str  # the local actor's model: a known model's name or a .gguf path
    temperature: float
    run_id: str  # the bench run the episodes are tagged with


def _play(
    spec: LoopSpec,
    tasks: Sequence[BenchTask],
    rollouts: Rollouts,
    reporter: Reporter,
) -> list[EpisodeResult]:
    bench = BenchSpec(
        suite=tasks[0].suite,
        db=str(spec.db),
        run_id=rollouts.run_id,
        policy=rollouts.policy,
        milestones=_milestones(spec, tasks),
        actor="local",
        actor_model=rollouts.gguf,
        max_steps=spec.max_steps,
        temperature=rollouts.temperature,
        browser_path=spec.browser_path,
    )
    jobs = plan_jobs(tasks, rollouts.split, rollouts.per_task)
    return run_jobs(bench, jobs, workers=spec.workers, on_result=lambda r: reporter.advance(1))


def _tally(results: Sequence[EpisodeResult]) -> tuple[int, int]:
    return sum(1 for r in results if r.success), len(results)


def _replay(store: EpisodeStore, earlier: Sequence[int], new: int, factor: int) -> list[int]:
    """The most recent successful episodes of earlier phases, at most `factor` × `new`
    (WebRL replays successes only; its perplexity filter is not applied here)."""
    if not earlier or factor <= 0:
        return []
    rows = store.episodes(EpisodeFilter(ids=list(earlier)))
    wins = [row["id"] for row in rows if row["label"] == "succeeded"]
    return wins[: factor * new]


def run_loop(
    spec: LoopSpec,
    settings: TrainSettings,
    *,
    reporter: Reporter | None = None,
    on_phase: Callable[[PhaseResult], None] = lambda phase: None,
) -> list[PhaseResult]:
    """Run the phases; returns one row per phase (phase 0: the starting policy, measured
    only). Writes `loop.json` in the output folder after every phase."""
    reporter = reporter or Silent()
    if spec.rollout not in ("policy", "oracle"):
        raise UsageError("--rollout is policy or oracle")
    if spec.phases < 1:
        raise UsageError("--phases must be at least 1")
    out = spec.out_dir.expanduser()
    if out.exists() and any(out.iterdir()):
        raise UsageError(f"{out} is not empty: choose a new --out")
    every = select(load_suite(spec.suite), None, spec.tasks or None)
    train_tasks = [t for t in every if t.split in ("train", "both")]
    test_tasks = [t for t in every if t.split in ("test", "both")] if spec.eval_per_task else []
    if not train_tasks:
        raise UsageError("no train-split task among these: nothing to roll out")
    if spec.rollout == "oracle" and train_tasks[0].suite == "miniwob":
        from mira_agent.bench.miniwob_oracle import has_oracle

        train_tasks = [t for t in train_tasks if has_oracle(t.site)]
        if not train_tasks:
            raise UsageError("no scripted policy for any of these MiniWoB++ tasks")
    current = policy_of(spec.base)
    loop_id = time.strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]
    out.mkdir(parents=True, exist_ok=True)
    phases: list[PhaseResult] = []
    earlier: list[int] = []

    def evaluate(row: PhaseResult, gguf: str) -> None:
        if not test_tasks:
            return
        reporter.stage(f"phase {row.phase}: evaluating on the test split", len(test_tasks))
        greedy = Rollouts(
            "test", spec.eval_per_task, "agent", gguf, 0.0, f"{loop_id}-p{row.phase}-test"
        )
        results = _play(spec, test_tasks, greedy, reporter)
        row.test = _tally(results)

    def save() -> None:
        data = {
            "loop": loop_id,
            "spec": {k: str(v) if isinstance(v, Path) else v for k, v in asdict(spec).items()},
            "settings": settings.as_dict(),
            "phases": [asdict(p) for p in phases],
        }
        (out / "loop.json").write_text(json.dumps(data, indent=2) + "\n")

    if spec.evaluate_base:
        start = PhaseResult(0, spec.base or "gemma3-270m")
        evaluate(start, current.gguf)
        phases.append(start)
        save()
        on_phase(start)
    with EpisodeStore(spec.db) as store:
        for number in range(1, spec.phases + 1):
            began = time.monotonic()
            row = PhaseResult(number, "")
            reporter.stage(f"phase {number}: rollouts on the train split", len(train_tasks))
            rollouts = Rollouts(
                split="train",
                per_task=spec.rollouts_per_task,
                policy="agent" if spec.rollout == "policy" else "oracle",
                gguf=current.gguf,
                temperature=spec.temperature,
                run_id=f"{loop_id}-p{number}-train",
            )
            results = _play(spec, train_tasks, rollouts, reporter)
            row.train = _tally(results)
            new = [r.episode_id for r in results if r.episode_id is not None]
            replayed = _replay(store, earlier, len(new), spec.replay)
            row.replayed = len(replayed)
            phase_dir = out / f"phase-{number}"
            phase_spec = PhaseSpec(
                out_dir=phase_dir,
                settings=replace(settings, gguf=True, merge=True),
                base=current.train_base,
                which=EpisodeFilter(ids=new + replayed),
                parent=loop_id,
                number=number,
            )
            result = finetune(store, phase_spec, reporter)
            earlier += new
            row.training_run = result.run_id
            row.summary = result.summary
            current = Policy(str(phase_dir / "merged"), str(phase_dir / "model.gguf"))
            row.model = str(phase_dir)
            evaluate(row, current.gguf)
            row.seconds = time.monotonic() - began
            phases.append(row)
            save()
            on_phase(row)
    return phases


def interval(successes: int, n: int) -> str:
    if not n:
        return "–"
    low, high = wilson(successes, n)
    return f"{successes}/{n} ({100 * successes / n:.0f}%, {100 * low:.0f}–{100 * high:.0f}%)"
