"""PNG plots of a fine-tuning run: the policy's loss, the critics' calibration, and the
rewards and advantages the actions were given. Written when matplotlib is installed
(the `bench` extra); the same numbers are in `metrics.jsonl` and the database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mira_agent.train.signals import Signals


def calibration(predicted: list[float], actual: list[float], bins: int = 5) -> list[tuple]:
    """(mean prediction, mean target, count) per equal-width bin of the prediction: a
    calibrated critic's points lie on the diagonal."""
    groups: dict[int, list[tuple[float, float]]] = {}
    for p, a in zip(predicted, actual, strict=True):
        groups.setdefault(min(int(p * bins), bins - 1), []).append((p, a))
    out = []
    for key in sorted(groups):
        pairs = groups[key]
        out.append(
            (
                sum(p for p, _ in pairs) / len(pairs),
                sum(a for _, a in pairs) / len(pairs),
                len(pairs),
            )
        )
    return out


def write_plots(folder: Path, metrics_file: Path, signals: Signals | None) -> dict[str, str]:
    """The plots this run has data for; returns {what: path relative to the run folder}."""
    try:
        import matplotlib
    except ImportError:
        return {}
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {}
    rows = []
    if metrics_file.is_file():
        rows = [json.loads(line) for line in metrics_file.read_text().splitlines() if line]
    policy = [r for r in rows if r.get("stage") == "policy"]
    if policy:
        figure, axes = plt.subplots(figsize=(6, 3.5), dpi=110)
        axes.plot([r["step"] for r in policy], [r["loss"] for r in policy], marker=".")
        axes.set_xlabel("optimiser step")
        axes.set_ylabel("policy loss")
        axes.set_title("policy loss")
        _save(figure, folder / "loss.png", plt)
        files["loss plot"] = "plots/loss.png"
    if signals is not None:
        # Calibration on held-out episodes when there were enough to leave some out: on
        # the data they were fitted on, the critics are near perfect and tell nothing.
        held = signals.held_out
        values, value_truth = signals.values, signals.targets.value
        potentials, potential_truth = signals.potentials, signals.targets.potential
        where = "fitted data"
        if held is not None:
            values, value_truth = held.values, held.value_targets
            potentials, potential_truth = held.potentials, held.potential_targets
            where = "held-out episodes"
        figure, panels = plt.subplots(1, 3, figsize=(13, 3.8), dpi=110)
        value_points = calibration(values, value_truth)
        panels[0].plot([0, 1], [0, 1], color="#999999", linestyle="--")
        panels[0].scatter(
            [p for p, _, _ in value_points],
            [a for _, a, _ in value_points],
            s=[10 + 3 * n for *_, n in value_points],
        )
        panels[0].set_title(f"value critic: calibration ({where})")
        panels[0].set_xlabel("predicted V(s)")
        panels[0].set_ylabel("discounted outcome")
        if potentials is not None:
            panels[1].plot([0, 1], [0, 1], color="#999999", linestyle="--")
            panels[1].scatter(potential_truth, potentials, s=6, alpha=0.5)
        panels[1].set_title(f"potential critic ({where})")
        panels[1].set_xlabel("progress label")
        panels[1].set_ylabel("predicted P(s)")
        panels[2].hist(signals.advantages, bins=30, alpha=0.7, label="advantage")
        panels[2].hist(signals.rewards, bins=30, alpha=0.7, label="reward")
        panels[2].legend()
        panels[2].set_title("per action")
        _save(figure, folder / "critics.png", plt)
        files["critics plot"] = "plots/critics.png"
    return files


def _save(figure: Any, path: Path, plt: Any) -> None:
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
