"""The model card written beside a fine-tuned model: what it was trained from, on what
data, with which settings, and what the update did, so the folder explains itself."""

from __future__ import annotations

from typing import Any

from mira_agent.train.samples import describe_roles
from mira_agent.train.settings import TrainSettings

ALGO_TEXT = {
    "mira": "MiRA: milestone-shaped rewards (potential critic), WebRL's mixed advantage",
    "webrl": "sparse outcome rewards (no potential critic), WebRL's mixed advantage",
    "awr": "advantage-weighted regression on milestone-shaped rewards",
    "sft": "behaviour cloning on successful episodes",
}


def _number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "–" if value is None else str(value)


def model_card(
    base: str,
    settings: TrainSettings,
    data: dict[str, Any],
    summary: dict[str, Any],
    files: dict[str, str],
) -> str:
    """Markdown for `README.md` in the output folder."""
    algo = ALGO_TEXT.get(settings.algo, settings.algo)
    if settings.algo != "sft":
        algo += f"; objective {settings.objective}, advantage {settings.advantage}"
        algo += "" if settings.use_potential else "; potential critic off"
    lines = [
        f"# {base}, fine-tuned by mira ({settings.algo})",
        "",
        f"- Base model: `{base}`",
        f"- Method: {algo}",
        f"- Weights: {'LoRA r=' + str(settings.lora_r) if settings.lora else 'full fine-tuning'}",
        f"- Critics' features: {settings.critic_base or 'the policy before the update'}",
    ]
    if settings.init_adapter:
        lines.append(
            f"- Started from the adapter in `{settings.init_adapter}`: its own card gives"
            " the data it learnt first"
        )
    lines += [
        "",
        "## Data",
        "",
        f"- Episodes: {data['episodes']} ({data['succeeded']} succeeded),"
        f" {data['actions']} actions; {data['with_milestones']} with milestones",
    ]
    if data.get("corpus_sha256"):
        lines.append(
            f"- Trained on {data['samples']} samples, {data['tokens']:,} tokens;"
            f" corpus SHA-256 `{data['corpus_sha256']}`"
        )
    if data.get("demonstrations"):
        calls = ", ".join(f"{n} {role}" for role, n in data["demonstrations"].items())
        lines.append(f"- The site's demonstrations: {calls} (trained: {', '.join(settings.roles)})")
    for reason, count in (data.get("skipped") or {}).items():
        lines.append(f"- Left out: {count} ({reason})")
    lines += ["", "## What the update did", ""]
    for key, value in summary.items():
        shown = describe_roles(value) if key == "roles" else _number(value)
        lines.append(f"- {key.replace('_', ' ')}: {shown}")
    lines += ["", "## Files", ""]
    for what, name in files.items():
        lines.append(f"- {what}: `{name}`")
    if "adapter_gguf" in files:
        lines += [
            "",
            'Run it on its base: `mira run --actor local --model DIR/adapter.gguf "…"`',
        ]
    if "gguf" in files:
        lines += [
            "",
            'Run it: `mira run --actor local --model DIR/model.gguf "…"`',
        ]
    lines += ["", "## Settings", "", "| setting | value |", "|---|---|"]
    for key, value in settings.as_dict().items():
        if key != "extra":
            lines.append(f"| {key} | {_number(value)} |")
    return "\n".join(lines) + "\n"
