"""What a store holds as training data: episodes, steps, labelled outcomes, the tasks and
templates they cover, and the model calls and tokens of each role.

Read with SQL over the episodes and the `all_model_calls` view (actor steps and planner
calls alike), so counting a corpus of thousands of episodes loads none of them.
A scripted demonstration records no token counts (no model ran), so tokens are the
recorded counts where a model gave them, and else the text's length in characters / 4,
a common rough rate for English under sub-word tokenizers; `estimated` says how many
calls were counted so.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from mira_agent.store.database import EpisodeFilter, EpisodeStore

CHARS_PER_TOKEN = 4


@dataclass(frozen=True)
class RoleCounts:
    """One role's calls (actor, planner, checker...) and their tokens."""

    role: str
    calls: int
    prompt_tokens: int
    completion_tokens: int
    estimated: int  # calls whose tokens are estimated from their text (no recorded count)


@dataclass(frozen=True)
class CorpusStats:
    episodes: int
    steps: int
    succeeded: int
    labelled: int
    tasks: int
    templates: int
    suites: dict[str, int]
    roles: list[RoleCounts] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def corpus_stats(store: EpisodeStore, which: EpisodeFilter | None = None) -> CorpusStats:
    """The corpus figures of the episodes `which` selects (every episode by default)."""
    where, params = (which or EpisodeFilter()).where()
    chosen = f"SELECT id FROM episodes WHERE {where}"
    db = store.db
    row = db.execute(
        f"""SELECT COUNT(*), COALESCE(SUM(steps), 0),
                   SUM(CASE WHEN label = 'succeeded' THEN 1 ELSE 0 END),
                   SUM(CASE WHEN label IS NOT NULL THEN 1 ELSE 0 END),
                   COUNT(DISTINCT COALESCE(task_id, task)),
                   COUNT(DISTINCT CASE WHEN instr(task_id, '@') > 0
                         THEN substr(task_id, 1, instr(task_id, '@') - 1) END)
            FROM episodes WHERE {where}""",
        params,
    ).fetchone()
    suites = dict(
        db.execute(
            f"SELECT COALESCE(suite, 'run'), COUNT(*) FROM episodes WHERE {where} GROUP BY 1",
            params,
        ).fetchall()
    )
    roles = [
        RoleCounts(role, calls, prompt, completion, estimated)
        for role, calls, prompt, completion, estimated in db.execute(
            f"""SELECT role, COUNT(*),
                   SUM(CASE WHEN COALESCE(prompt_tokens, 0) > 0 THEN prompt_tokens
                       ELSE length(COALESCE(messages, '')) / {CHARS_PER_TOKEN} END),
                   SUM(CASE WHEN COALESCE(completion_tokens, 0) > 0 THEN completion_tokens
                       ELSE length(COALESCE(completion, '')) / {CHARS_PER_TOKEN} END),
                   SUM(CASE WHEN COALESCE(prompt_tokens, 0) > 0 THEN 0 ELSE 1 END)
                FROM all_model_calls
                WHERE episode_id IN ({chosen}) AND completion IS NOT NULL
                GROUP BY role ORDER BY role""",
            params,
        ).fetchall()
    ]
    episodes, steps, succeeded, labelled, tasks, templates = row
    return CorpusStats(
        episodes=episodes,
        steps=steps,
        succeeded=succeeded or 0,
        labelled=labelled or 0,
        tasks=tasks,
        templates=templates,
        suites=suites,
        roles=roles,
    )
