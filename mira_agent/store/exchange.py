"""Episodes as JSON Lines: one episode per line with all its rows, the format `mira
episodes export` writes and `mira episodes import` and `mira finetune` read.

Row ids are left out (they belong to one database); the episode's `uuid` identifies it,
so importing the same file twice adds nothing the second time. Screenshots stay beside
the database they were taken for: a line carries their paths, not their bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import IO, Any

from mira_agent.store.database import EpisodeFilter, EpisodeStore, StoreError, encode_row

FORMAT = "mira-episode/1"
CHILD_TABLES = ("plans", "milestones", "steps", "model_calls", "events")


def episode_record(store: EpisodeStore, episode_id: int) -> dict[str, Any]:
    """One episode and all its rows, as plain JSON-able data."""
    episode = store.episode(episode_id)
    record: dict[str, Any] = {"format": FORMAT, "episode": _without(episode, "id")}
    for table in CHILD_TABLES:
        record[table] = [
            _without(row, "id", "episode_id") for row in store.children(table, episode_id)
        ]
    return record


def export_jsonl(store: EpisodeStore, out: IO[str], which: EpisodeFilter | None = None) -> int:
    """Write the chosen episodes, oldest first; returns how many."""
    count = 0
    for episode in reversed(store.episodes(which)):
        out.write(json.dumps(episode_record(store, episode["id"]), ensure_ascii=False) + "\n")
        count += 1
    return count


def read_jsonl(lines: Iterable[str], source: str = "input") -> Iterator[dict[str, Any]]:
    """Parse exported episodes, saying which line is wrong if one is."""
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise StoreError(f"{source}:{number}: not JSON ({exc.msg})") from None
        if not isinstance(record, dict) or record.get("format") != FORMAT:
            raise StoreError(f"{source}:{number}: not a mira episode (expected format {FORMAT})")
        yield record


def import_records(store: EpisodeStore, records: Iterable[dict[str, Any]]) -> tuple[int, int]:
    """Add exported episodes to `store`; returns (added, already there)."""
    added = skipped = 0
    for record in records:
        episode = dict(record["episode"])
        if store.db.execute("SELECT 1 FROM episodes WHERE uuid = ?", [episode["uuid"]]).fetchone():
            skipped += 1
            continue
        with store.transaction() as db:  # one transaction: an episode lands whole or not at all
            db["episodes"].insert(encode_row(episode))
            episode_id = int(db.execute("SELECT last_insert_rowid()").fetchone()[0])
            for table in CHILD_TABLES:
                rows = [
                    encode_row({**row, "episode_id": episode_id}) for row in record.get(table, [])
                ]
                if rows:
                    db[table].insert_all(rows)
        added += 1
    return added, skipped


def _without(row: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in keys}
