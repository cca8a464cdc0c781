"""Where an agent step's time goes with the local model, and what the KV cache saves.

Runs the agent with the embedded Gemma 3 270M (llama.cpp, 2 threads) as planner and
actor on a sandbox flight task, headless, twice: with llama.cpp's prefix cache reused
across steps, and with it reset before every call. Greedy decoding makes both runs take
the same steps. Per step it reports wall time split into observe, plan-check (the
milestone checker), act (the actor's model call) and execute (the browser action), and
the prompt tokens evaluated against the prompt's size. It also measures llama.cpp's raw
prompt-evaluation and generation rates here, to compare step time against them.

    python benchmarks/step_latency.py [--steps 8] [--task-id ID]
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass, field

from mira_agent.agent import events as ev
from mira_agent.agent.actor import Actor
from mira_agent.agent.guards import GuardConfig
from mira_agent.agent.loop import Agent, AgentConfig
from mira_agent.agent.safety import Redactor
from mira_agent.browser.session import BrowserOptions, BrowserSession
from mira_agent.llm.base import Message, Usage
from mira_agent.llm.llamacpp import LocalBackend
from mira_agent.planning.planner import Planner
from mira_agent.sites import get_site


@dataclass
class Step:
    """The actor call's token counts at one step, and the step's phases in seconds."""

    actor: Usage = field(default_factory=Usage)
    plan: float = 0.0
    observe_and_check: float = 0.0
    check: float = 0.0
    act: float = 0.0
    execute: float = 0.0

    def evaluated(self) -> int:
        """The actor's prompt tokens computed anew (the rest came from the KV cache)."""
        return self.actor.prompt_evaluated or 0


@dataclass
class Timer:
    """A sink that timestamps events; the gaps between them are the phases of a step.

    observe = the time from the last action (or the start) to the checker's or actor's
    call, less the model time spent in between on planning and checking.
    """

    steps: dict[int, Step] = field(default_factory=dict)
    last: float = field(default_factory=time.perf_counter)
    decided_at: float = 0.0
    planning: float = 0.0  # planner model time since `last`

    def __call__(self, event: ev.Event) -> None:
        now = time.perf_counter()
        step = self.steps.setdefault(max(event.step, 1), Step())
        if isinstance(event, ev.ModelCalled) and event.role in ("plan", "replan"):
            step.plan += event.completion.usage.latency_s
            self.planning += event.completion.usage.latency_s
        elif isinstance(event, ev.ModelCalled) and event.role == "check":
            latency = event.completion.usage.latency_s
            step.observe_and_check += now - self.last - self.planning
            step.check += latency
            self.last, self.planning = now, 0.0
        elif isinstance(event, ev.ModelCalled) and event.role == "actor":
            usage = event.completion.usage
            step.observe_and_check += now - self.last - self.planning - usage.latency_s
            self.last, self.planning = now, 0.0
            step.act, step.actor = usage.latency_s, usage
        elif isinstance(event, ev.StepDecided):
            self.decided_at = now
        elif isinstance(event, ev.ActionDone):
            step.execute = now - self.decided_at
            self.last = now


def raw_rates(backend: LocalBackend) -> tuple[float, float]:
    """llama.cpp's own prompt-eval and generation rates (tokens/s) on this machine."""
    prompt = [Message("user", "The quick brown fox jumps over the lazy dog. " * 90)]
    backend.reuse_cache = False
    start = time.perf_counter()
    done = backend.complete(prompt, max_tokens=1)
    eval_rate = done.usage.prompt_tokens / (time.perf_counter() - start)
    start = time.perf_counter()
    done = backend._llm.create_completion(backend.tokenize("Once upon a time"), max_tokens=64)
    gen_rate = done["usage"]["completion_tokens"] / (time.perf_counter() - start)
    backend.reuse_cache = True
    return eval_rate, gen_rate


def run(task_id: str, steps: int, reuse: bool, threads: int) -> Timer:
    site = get_site("flights")
    site.start()
    task = next(t for t in site.tasks() if t.id == task_id)
    actor = LocalBackend(threads=threads, reuse_cache=reuse)
    planner = LocalBackend(threads=threads, reuse_cache=reuse)
    timer = Timer()
    try:
        with BrowserSession(BrowserOptions(headless=True)) as session:
            session.goto(site.url + task.start_path)
            timer.last = time.perf_counter()
            Agent(
                session,
                Actor(actor),
                task.intent,
                planner=Planner(planner),
                config=AgentConfig(guards=GuardConfig(max_steps=steps, max_repeats=steps + 1)),
                sink=timer,
                redactor=Redactor(),
            ).run()
    finally:
        site.stop()
    return timer


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--task-id", default="flights-cheapest-nonstop-bos-den")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    eval_rate, gen_rate = raw_rates(LocalBackend(threads=args.threads))
    print(
        f"llama.cpp raw rates here: prompt eval {eval_rate:.0f} tok/s,"
        f" generation {gen_rate:.0f} tok/s"
    )
    for reuse in (True, False):
        timer = run(args.task_id, args.steps, reuse, args.threads)
        label = "with KV reuse" if reuse else "without KV reuse (cache reset every call)"
        print(f"\n{label}")
        columns = (
            "step",
            "plan",
            "observe",
            "check",
            "act",
            "execute",
            "prompt",
            "evaluated",
            "gen",
        )
        widths = (4, 6, 8, 7, 7, 8, 7, 10, 5)
        print(" ".join(f"{c:>{w}}" for c, w in zip(columns, widths, strict=True)) + "  vs raw")
        rows = [(n, s) for n, s in sorted(timer.steps.items()) if n > 0 and s.act]
        ratios = []
        for n, s in rows:
            observe = max(0.0, s.observe_and_check - s.check)
            plan = f"{s.plan:>5.1f}s" if s.plan else f"{'-':>6}"
            expected = s.evaluated() / eval_rate + s.actor.completion_tokens / gen_rate
            ratio = s.act / expected if expected else 0.0
            ratios.append(ratio)
            print(
                f"{n:>4} {plan} {observe * 1000:>6.0f}ms {s.check:>6.2f}s {s.act:>6.2f}s"
                f" {s.execute * 1000:>6.0f}ms {s.actor.prompt_tokens:>7} {s.evaluated():>10}"
                f" {s.actor.completion_tokens:>5} {ratio:>6.2f}x"
            )
        later = [s for n, s in rows if n > 1]
        if later:
            new = statistics.median(s.evaluated() / s.actor.prompt_tokens for s in later)
            print(f"median share of the actor prompt evaluated after step 1: {new:.0%}")
            print(f"median actor time vs raw rates: {statistics.median(ratios):.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
