"""An LLM judge for episodes nobody labelled: `mira finetune --judge BACKEND`.

The paper labels outcomes with a programmatic evaluator where there is one and an LLM
"AutoRater" otherwise. mira's checker labels bench episodes; a `mira run` on an open web
task ends with no verdict unless the user rates it. The judge reads what the store kept
(task, actions, final answer, the last page the actor saw) and writes its verdict as the
episode's label with the source `judge`, once: a judged episode is not judged again, and
a user's rating later overrides it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mira_agent.llm.base import Backend, ModelOutputError
from mira_agent.store.database import EpisodeFilter, EpisodeStore, now
from mira_agent.templates import render_prompt

JUDGE_SCHEMA: dict[str, object] = {
    "type": "object",
    "properties": {"success": {"type": "boolean"}, "reason": {"type": "string"}},
    "required": ["success", "reason"],
}
# Episodes still running, or cut short by a crash or Ctrl-C, are not judged: what they
# did is not what they would have done.
JUDGEABLE = ("succeeded", "failed", "stopped")
PAGE_CHARS = 6000


@dataclass(frozen=True)
class Verdict:
    episode_id: int
    success: bool
    reason: str


def judge_prompt(row: dict[str, Any], steps: Sequence[dict[str, Any]]) -> list[Any]:
    actions = "\n".join(
        f"{s['step']}. {s.get('action') or s.get('completion') or '?'}"
        + (f" → {s['error']}" if s.get("error") else "")
        for s in steps
    )
    page = next((s["observation"] for s in reversed(steps) if s.get("observation")), None)
    return render_prompt(
        "judge",
        task=row["task"],
        answer=row.get("answer") or "(none)",
        actions=actions or "(none)",
        observation=(page or "(not recorded)")[-PAGE_CHARS:],
    )


def judge_unlabelled(
    store: EpisodeStore, which: EpisodeFilter | None, backend: Backend, *, max_tokens: int = 200
) -> list[Verdict]:
    """Judge every finished, unlabelled episode the filter picks; store each verdict."""
    verdicts = []
    for row in store.episodes(which):
        if row["label"] is not None or row["status"] not in JUDGEABLE:
            continue
        steps = store.children("steps", row["id"])
        completion = backend.complete(
            judge_prompt(row, steps), schema=JUDGE_SCHEMA, max_tokens=max_tokens
        )
        try:
            data = completion.json()
        except ModelOutputError:
            continue  # no verdict: the episode stays unlabelled, and is counted as such
        if not isinstance(data, dict) or not isinstance(data.get("success"), bool):
            continue
        success = data["success"]
        reason = str(data.get("reason", ""))[:200]
        store.update_episode(
            row["id"],
            label="succeeded" if success else "failed",
            label_source="judge",
            labelled_at=now(),
        )
        store.add(
            "events",
            {
                "episode_id": row["id"],
                "step": row["steps"] or 0,
                "kind": "judged",
                "data": {"success": success, "reason": reason, "model": completion.model},
                "at": now(),
            },
        )
        verdicts.append(Verdict(row["id"], success, reason))
    return verdicts
