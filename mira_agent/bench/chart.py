"""A PNG of a bench run's success rate per task, with its confidence interval."""

from __future__ import annotations

from pathlib import Path

from mira_agent.bench.report import Report


def success_chart(report: Report, path: Path) -> Path:
    """Horizontal bars, one per task, with 95% Wilson intervals; returns `path`."""
    import matplotlib

    matplotlib.use("Agg")  # no display needed
    import matplotlib.pyplot as plt

    tasks = report.tasks
    height = max(2.5, 0.32 * len(tasks) + 1.2)
    figure, axes = plt.subplots(figsize=(8, height), dpi=110)
    names = [t.name for t in tasks]
    rates = [100 * t.success_rate for t in tasks]
    below = [100 * (t.success_rate - t.ci_low) for t in tasks]
    above = [100 * (t.ci_high - t.success_rate) for t in tasks]
    positions = list(range(len(tasks)))
    axes.barh(positions, rates, xerr=[below, above], color="#4c72b0", ecolor="#333333", capsize=3)
    axes.set_yticks(positions, names, fontsize=8)
    axes.invert_yaxis()
    axes.set_xlim(0, 100)
    axes.set_xlabel("success rate, % (95% Wilson interval)")
    overall = report.overall
    axes.set_title(
        f"{report.suite} · {report.policy} · milestones {report.milestones} · "
        f"{100 * overall.success_rate:.1f}% of {overall.episodes} episodes",
        fontsize=9,
    )
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
    return path
