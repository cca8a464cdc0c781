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
from mira_agent.planning.planner import Planner
from mira_agent.store.database import EpisodeFilter, EpisodeStore, now

# Episodes still running, or cut short by a crash or Ctrl-C, are not judged: what they
# did is not what they would have done.
JUDGEABLE = ("succeeded", "failed", "stopped")


@dataclass(frozen=True)
class Verdict:
    episode_id: int
    success: bool
    reason: str


def evidence(steps: Sequence[dict[str, Any]]) -> tuple[str, str]:
    """What a stored episode did, as the judge reads it: its actions, one a line (with
    their errors), and the last page the actor saw."""
    actions = "\n".join(
        f"{s['step']}. {s.get('action') or s.get('completion') or '?'}"
        + (f" → {s['error']}" if s.get("error") else "")
        for s in steps
    )
    page = next((s["observation"] for s in reversed(steps) if s.get("observation")), None)
    return actions, page or "(not recorded)"


def judge_unlabelled(
    store: EpisodeStore, which: EpisodeFilter | None, backend: Backend, *, max_tokens: int = 200
) -> list[Verdict]:
    """Judge every finished, unlabelled episode the filter picks; store each verdict."""
    verdicts = []
    judge = Planner(backend, max_tokens=max_tokens)
    for row in store.episodes(which):
        if row["label"] is not None or row["status"] not in JUDGEABLE:
            continue
        actions, page = evidence(store.children("steps", row["id"]))
        try:
            verdict = judge.judge(row["task"], row.get("answer"), actions, page)
        except ModelOutputError:
            continue  # no verdict: the episode stays unlabelled, and is counted as such
        store.update_episode(
            row["id"],
            label="succeeded" if verdict.success else "failed",
            label_source="judge",
            labelled_at=now(),
        )
        model = judge.calls[-1].completion.model
        store.add(
            "events",
            {
                "episode_id": row["id"],
                "step": row["steps"] or 0,
                "kind": "judged",
                "data": {"success": verdict.success, "reason": verdict.reason, "model": model},
                "at": now(),
            },
        )
        verdicts.append(Verdict(row["id"], verdict.success, verdict.reason))
    return verdicts
