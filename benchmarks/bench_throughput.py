"""Episodes per hour of `mira bench` with 1 and with 2 workers, on the same jobs.

    python benchmarks/bench_throughput.py                      # the oracle on every sandbox task
    python benchmarks/bench_throughput.py --instances 3 --split train   # template instances
    python benchmarks/bench_throughput.py --policy agent --suite miniwob --max-steps 8

Each configuration runs the same (task, seed) jobs into a fresh database and prints the
wall time, episodes per hour, success rate and the speed-up of 2 workers over 1. A
worker is a process with its own browser (and, for `--policy agent`, its own copy of
the local model), so on a 2-core machine the speed-up is bounded by what the two
processes leave each other.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from mira_agent.bench.runner import BenchSpec, plan_jobs, run_jobs
from mira_agent.bench.suites import load_instances, load_suite, select


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suite", default="sandbox")
    parser.add_argument("--policy", default="oracle", choices=["oracle", "agent"])
    parser.add_argument("--milestones", default=None)
    parser.add_argument("--split", default="all")
    parser.add_argument("--episodes-per-task", "-k", type=int, default=1)
    parser.add_argument("--max-steps", type=int, default=30)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--instances",
        type=int,
        default=None,
        help="sandbox suites: N instances of every template of --split instead of the fixed tasks",
    )
    args = parser.parse_args()

    split = None if args.split == "all" else args.split
    if args.instances is not None:
        split = split or "train"
        chosen = load_instances(args.suite, split, args.instances, None)
    else:
        chosen = select(load_suite(args.suite), split, None)
    if args.policy == "oracle" and chosen[0].suite == "miniwob":
        from mira_agent.bench.miniwob_oracle import has_oracle

        chosen = [t for t in chosen if has_oracle(t.site)]
    jobs = plan_jobs(chosen, split, args.episodes_per_task)
    mode = args.milestones or ("site" if chosen[0].suite == "sandbox" else "none")
    print(f"{len(jobs)} episodes of {args.suite} ({args.policy}, milestones {mode})")
    rates = {}
    for workers in args.workers:
        with tempfile.TemporaryDirectory() as folder:
            spec = BenchSpec(
                chosen[0].suite,
                str(Path(folder) / "bench.db"),
                f"throughput-{workers}",
                policy=args.policy,
                milestones=mode,
                max_steps=args.max_steps,
            )
            started = time.monotonic()
            results = run_jobs(spec, jobs, workers=workers)
            seconds = time.monotonic() - started
        rate = 3600 * len(results) / seconds
        rates[workers] = rate
        wins = sum(r.success for r in results)
        print(
            f"workers={workers}: {seconds:7.1f} s  {rate:7.0f} episodes/hour"
            f"  success {wins}/{len(results)}"
        )
    if 1 in rates and 2 in rates:
        print(f"speed-up with 2 workers: {rates[2] / rates[1]:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
