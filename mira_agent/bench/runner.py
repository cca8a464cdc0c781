"""Run a suite's episodes, in one process or several workers, each worker with its own
browser, models and sites; every episode is recorded in the episode store as `mira run`
records it, with its suite, seed, reward and the checker's verdict.

Workers are processes (spawned): a llama.cpp model, a browser and a site's state are
per worker, and a worker that crashes takes no one else with it. They share only the
database, which SQLite serialises.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from multiprocessing import get_context
from typing import Any

from mira_agent.agent import events as ev
from mira_agent.agent.actor import Actor
from mira_agent.agent.safety import Redactor
from mira_agent.agent.usage import Totals
from mira_agent.bench.policies import OracleActor, SitePlanner
from mira_agent.bench.suites import split_seed, world_for
from mira_agent.bench.tasks import BenchTask, World
from mira_agent.browser.session import BrowserOptions, BrowserSession
from mira_agent.errors import Terminated, interruption_code
from mira_agent.planning.planner import Planner
from mira_agent.run.assemble import Limits, RunHooks, assemble_agent
from mira_agent.run.site import Goal
from mira_agent.store.database import EpisodeStore, now
from mira_agent.store.recorder import EpisodeRecorder

POLICIES = ("agent", "oracle")
MILESTONE_SOURCES = ("site", "llm", "both", "none")


@dataclass(frozen=True)
class BenchSpec:
    """How every episode of a bench run is played (plain data: it goes to workers)."""

    suite: str
    db: str
    run_id: str
    policy: str = "agent"
    milestones: str = "site"
    actor: str = "local"
    actor_model: str | None = None
    planner: str | None = None
    planner_model: str | None = None
    base_url: str | None = None
    max_steps: int = 30
    temperature: float = 0.0
    prompts: str = "full"  # the actor prompt's style (the oracle records this one)
    headless: bool = True
    browser_path: str | None = None
    site_urls: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Job:
    task: BenchTask
    seed: int


@dataclass(frozen=True)
class EpisodeResult:
    """One episode's verdict and costs: what the report is computed from."""

    task_id: str
    suite: str
    split: str
    seed: int
    episode_id: int | None
    status: str  # the loop's outcome status (succeeded, failed, gave_up, …)
    success: bool
    reward: float
    steps: int
    milestones_done: int
    milestones_total: int
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    judge_agree: int = 0
    judge_total: int = 0
    error: str | None = None
    site: str = ""  # the sandbox site (or MiniWoB++ page) the task is on
    template: str = ""  # the task template a sandbox instance was drawn from


class Worker:
    """What one worker keeps between episodes: the store, a browser, the models and the
    suite's world (its served sites or pages). A dead browser is replaced before the
    next episode."""

    def __init__(self, spec: BenchSpec) -> None:
        self.spec = spec
        self.store = EpisodeStore(spec.db)
        self.world: World = world_for(spec.suite, site_urls=spec.site_urls)
        self.session: BrowserSession | None = None
        self._backends: tuple[Any, Any] | None = None

    def _browser(self) -> BrowserSession:
        if self.session is not None and self.session.dead:
            self.session.close()
            self.session = None
        if self.session is None:
            options = BrowserOptions(
                headless=self.spec.headless, browser_path=self.spec.browser_path
            )
            self.session = BrowserSession(options).start()
        return self.session

    def _models(self) -> tuple[Any, Any]:
        if self._backends is None:
            from mira_agent.run.spec import RunSpec, load_backends

            wants_llm_planner = self.spec.milestones in ("llm", "both")
            run = RunSpec(
                actor=self.spec.actor,
                actor_model=self.spec.actor_model,
                planner=self.spec.planner,
                planner_model=self.spec.planner_model,
                base_url=self.spec.base_url,
                plan=wants_llm_planner,
            )
            if self.spec.policy == "oracle" and not wants_llm_planner:
                self._backends = (None, None)
            else:
                self._backends = load_backends(run)
        return self._backends

    def run(self, job: Job) -> EpisodeResult:
        started = time.monotonic()
        task, spec = job.task, self.spec
        session = self._browser()
        episode = self.world.open(task, job.seed, session)
        actor_backend, planner_backend = self._models()
        if spec.policy == "oracle":
            oracle = episode.oracle()
            if oracle is None:
                raise ValueError(f"no scripted policy for {task.id}")
            actor: Actor = OracleActor(oracle, task.site, prompts=spec.prompts)
        else:
            actor = Actor(
                actor_backend,
                images=actor_backend.takes_images,
                temperature=spec.temperature,
                prompts=spec.prompts,
            )
        planner, source = self._planner(task, episode, planner_backend)
        redactor = Redactor(masking=False)  # synthetic tasks: see Redactor
        recorder = EpisodeRecorder(
            self.store,
            redactor=redactor,
            meta={
                "task_id": task.id,
                "site": task.site,
                "seed": job.seed,
                "suite": task.suite,
                "bench_run": spec.run_id,
                "milestones_source": source,
                "policy": spec.policy,
                "settings": {"max_steps": spec.max_steps, "milestones": spec.milestones},
            },
        )
        totals = Totals()

        def site_checks(event: ev.Event) -> None:
            # Beside an LLM planner's verdicts, the site's own, after every action (when
            # the site's checks are the planner, its progress vectors already are them).
            if source == "site":
                return
            if isinstance(event, ev.ActionDone) and recorder.episode_id is not None:
                progress = episode.progress()
                if progress is not None:
                    self.store.update_step(recorder.episode_id, event.step, site_progress=progress)

        agent = assemble_agent(
            session,
            Goal(episode.instruction, episode.judge, episode.over),
            actor,
            RunHooks(sink=ev.fan_out(recorder, totals, site_checks), redactor=redactor),
            planner=planner,
            limits=Limits(max_steps=spec.max_steps, auto_approve=True),
        )
        outcome = agent.run()
        reward = episode.reward(outcome.answer) if outcome.status != "crashed" else 0.0
        if recorder.episode_id is not None:
            fields: dict[str, Any] = {"reward": reward}
            if outcome.status not in ("error", "crashed", "interrupted"):
                # The task's checker is the bench's verdict for every episode that ran to
                # an end, including one cut off by the step limit: a failure is a label
                # training needs as much as a success.
                label = "succeeded" if outcome.ok else "failed"
                fields |= {"label": label, "label_source": "checker", "labelled_at": now()}
            self.store.update_episode(recorder.episode_id, **fields)
        agree, total = planner.agreement if isinstance(planner, SitePlanner) else (0, 0)
        return EpisodeResult(
            task_id=task.id,
            suite=task.suite,
            split=task.split,
            seed=job.seed,
            episode_id=recorder.episode_id,
            status=outcome.status,
            success=outcome.ok,
            reward=reward,
            steps=outcome.steps,
            milestones_done=outcome.milestones_done,
            milestones_total=outcome.milestones_total,
            prompt_tokens=totals.prompt_tokens,
            completion_tokens=totals.completion_tokens,
            seconds=time.monotonic() - started,
            judge_agree=agree,
            judge_total=total,
            error=outcome.reason if outcome.status in ("error", "crashed") else None,
            site=task.site,
            template=task.template,
        )

    def _planner(self, task: BenchTask, episode: Any, backend: Any) -> tuple[Planner | None, str]:
        mode = self.spec.milestones
        has_site_checks = bool(task.milestones) and episode.progress() is not None
        if mode in ("site", "both") and has_site_checks:
            judge = Planner(backend) if mode == "both" and backend is not None else None
            return SitePlanner(
                task.milestones, episode.progress, site=task.site, judge=judge
            ), "site"
        if mode in ("llm", "both") and backend is not None:
            return Planner(backend), "llm"
        return None, "none"

    def close(self) -> None:
        self.world.close()
        if self.session is not None:
            self.session.close()
        self.store.close()


# -- worker processes ---------------------------------------------------------------------

_WORKER: Worker | None = None


def _start_worker(spec: BenchSpec, workers: int) -> None:
    import atexit
    import os
    import signal

    global _WORKER
    # Each worker's local models get their share of the cores (see llm/llamacpp.py).
    os.environ.setdefault("MIRA_THREADS", str(max(1, (os.cpu_count() or 2) // workers)))
    # Ctrl-C goes to the whole process group: the parent decides, a worker finishes
    # its episode as interrupted only when the parent stops it (with SIGTERM).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _terminated)
    _WORKER = Worker(spec)
    atexit.register(_WORKER.close)


def _terminated(signum: int, frame: object) -> None:
    # Once: the episode's record and the browser's closing must not be cut short again.
    import signal

    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Terminated


def _run_job(job: Job) -> EpisodeResult:
    assert _WORKER is not None
    try:
        return _safe_run(_WORKER, job)
    except KeyboardInterrupt as exc:
        # Stopped mid-episode: the episode is recorded as interrupted; close the browser
        # and go (the pool would otherwise keep this process waiting for more work).
        import os

        try:
            _WORKER.close()
        finally:  # a browser that fails to close must not keep the worker either
            os._exit(interruption_code(exc))


def _safe_run(worker: Worker, job: Job) -> EpisodeResult:
    """Run a job; an unexpected error becomes a failed result, not a lost worker."""
    try:
        return worker.run(job)
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as exc:  # reported per episode; the run goes on
        return EpisodeResult(
            job.task.id, job.task.suite, job.task.split, job.seed, None, "error", False,
            0.0, 0, 0, 0, error=f"{type(exc).__name__}: {exc}", site=job.task.site,
            template=job.task.template,
        )  # fmt: skip


def run_jobs(
    spec: BenchSpec,
    jobs: Sequence[Job],
    *,
    workers: int = 1,
    on_result: Callable[[EpisodeResult], None] = lambda result: None,
) -> list[EpisodeResult]:
    """Run every job; results come back in the order they finish. Ctrl-C stops the
    run and keeps every episode that finished (they are in the store already)."""
    results: list[EpisodeResult] = []
    if workers <= 1:
        worker = Worker(spec)
        try:
            for job in jobs:
                result = _safe_run(worker, job)
                results.append(result)
                on_result(result)
        finally:
            worker.close()
        return results
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=get_context("spawn"),
        initializer=_start_worker,
        initargs=(spec, workers),
    )
    pending: set[Future[EpisodeResult]] = set()
    try:
        queue = iter(jobs)
        for _ in range(workers * 2):
            _submit(pool, queue, pending)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                result = future.result()
                results.append(result)
                on_result(result)
                _submit(pool, queue, pending)
    except KeyboardInterrupt:
        _stop_workers(pool)
        raise
    pool.shutdown(wait=True)
    return results


def _stop_workers(pool: ProcessPoolExecutor, grace_s: float = 15.0) -> None:
    """Stop every worker of an interrupted run: each is asked (SIGTERM) to record its
    episode as interrupted and close its browser, and one still there after `grace_s` is
    killed. No worker outlives the run."""
    # The pool forgets its processes on shutdown: take them first.
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    deadline = time.monotonic() + grace_s
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()
            process.join(5)


def _submit(pool: ProcessPoolExecutor, queue: Iterator[Job], pending: set[Future[Any]]) -> None:
    job = next(queue, None)
    if job is not None:
        pending.add(pool.submit(_run_job, job))


def plan_jobs(tasks: Sequence[BenchTask], split: str | None, per_task: int) -> list[Job]:
    """Every (task, seed) of the run, task by task."""
    return [
        Job(task, split_seed(task, split or "train", k)) for task in tasks for k in range(per_task)
    ]
