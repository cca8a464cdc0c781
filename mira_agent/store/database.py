"""The episode database: opening it safely, writing rows as they happen, reading them back.

Every write commits at once (WAL mode), so a crash or Ctrl-C loses nothing already
recorded, and several processes can write to one file: SQLite serialises them, and a
writer waits up to `BUSY_TIMEOUT_S` for its turn instead of failing.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

from sqlite_utils import Database

from mira_agent.config import data_dir
from mira_agent.errors import MiraError
from mira_agent.store.schema import migrate

BUSY_TIMEOUT_S = 30.0
STATUSES = ("running", "succeeded", "failed", "stopped", "interrupted", "crashed")
LABELS = ("succeeded", "failed")
# Columns holding JSON text, decoded when rows are read back.
JSON_COLUMNS = {"settings", "milestones", "parsed", "target", "messages", "progress"}
JSON_COLUMNS |= {"progress_after", "data", "site_progress", "summary", "metrics"}


class StoreError(MiraError):
    """The episode database cannot be used as asked."""

    exit_code = 2


class EpisodeNotFoundError(StoreError):
    pass


def default_db_path() -> Path:
    """`MIRA_DB`, else episodes.db in mira's data folder."""
    env = os.environ.get("MIRA_DB")
    return Path(env).expanduser() if env else data_dir() / "episodes.db"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class EpisodeFilter:
    """Which episodes a listing, an export or a training run takes."""

    status: Sequence[str] = ()
    task: str | None = None  # a substring of the task text or its task id
    since: str | None = None  # ISO date or time, inclusive
    until: str | None = None  # ISO date or time, exclusive
    labelled: bool = False
    ids: Sequence[int] = ()
    limit: int | None = None
    bench_run: str | None = None  # the bench run that played them

    def where(self) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if self.status:
            clauses.append(f"status IN ({', '.join('?' * len(self.status))})")
            params.extend(self.status)
        if self.task:
            clauses.append("(task LIKE ? OR task_id LIKE ?)")
            params.extend([f"%{self.task}%"] * 2)
        if self.since:
            clauses.append("started_at >= ?")
            params.append(self.since)
        if self.until:
            clauses.append("started_at < ?")
            params.append(self.until)
        if self.labelled:
            clauses.append("label IS NOT NULL")
        if self.ids:
            clauses.append(f"id IN ({', '.join('?' * len(self.ids))})")
            params.extend(self.ids)
        if self.bench_run:
            clauses.append("bench_run = ?")
            params.append(self.bench_run)
        return (" AND ".join(clauses) or "1"), params


class EpisodeStore:
    """One episode database and the folder of files (screenshots, traces) beside it."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path).expanduser()
        self.files_dir = self.path.with_name(self.path.stem + ".files")
        self._lock = threading.RLock()
        if self.path.is_dir():
            raise StoreError(f"{self.path} is a folder, not an episode database")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create {self.path}: {exc.strerror or exc}") from None
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                self.db = self._connect()
                break
            except sqlite3.OperationalError as exc:
                # Switching a new file to WAL needs it alone for a moment: another process
                # opening it at the same instant is told "locked" without waiting its turn.
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise StoreError(f"cannot open {self.path}: {exc}") from None
                time.sleep(0.05)
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"cannot open {self.path} as an episode database: {exc}") from None
        self.reconcile()

    def _connect(self) -> Database:
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, check_same_thread=False)
        try:
            db = Database(conn)
            db.execute("PRAGMA foreign_keys = ON")
            db.enable_wal()
            # With WAL, NORMAL syncs at checkpoints, not at every commit: a crash of mira
            # loses nothing committed; only a power cut could lose the last commits.
            db.execute("PRAGMA synchronous = NORMAL")
            migrate(db)
        except BaseException:
            conn.close()
            raise
        return db

    def close(self) -> None:
        with self._lock:
            self.db.conn.close()

    def __enter__(self) -> EpisodeStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        """One write transaction, taken with the write lock up front (BEGIN IMMEDIATE)
        so two writers never deadlock upgrading read locks."""
        with self._lock:
            conn = self.db.conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                conn.rollback()
                raise
            conn.commit()

    # -- files beside the database ------------------------------------------------------

    def episode_dir(self, uuid: str) -> Path:
        return self.files_dir / uuid

    def save_file(self, uuid: str, name: str, data: bytes) -> str:
        """Write a file of an episode; returns its path relative to the database's folder,
        so the database and its files can move together."""
        folder = self.episode_dir(uuid)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
        return (folder / name).relative_to(self.path.parent).as_posix()

    def resolve(self, relative: str | None) -> Path | None:
        return self.path.parent / relative if relative else None

    # -- writing ------------------------------------------------------------------------

    def _start(self, table: str, row: dict[str, Any]) -> int:
        """Insert `row` into `table` as `running` from now, and return its id. The row
        names this process and host, so that a later look can tell a run that is still
        going from one whose process died (`reconcile`)."""
        record = {
            "status": "running",
            "started_at": now(),
            "pid": os.getpid(),
            "host": socket.gethostname(),
            **row,
        }
        with self.transaction() as db:
            db[table].insert(encode_row(record))
            return int(db.execute("SELECT last_insert_rowid()").fetchone()[0])

    def start_episode(self, row: dict[str, Any]) -> int:
        return self._start("episodes", row)

    def update_episode(self, episode_id: int, **fields: Any) -> None:
        with self.transaction() as db:
            db["episodes"].update(episode_id, encode_row(fields))

    def add(self, table: str, row: dict[str, Any]) -> None:
        """Insert one row of a child table (plans, milestones, steps, model_calls, events)."""
        with self.transaction() as db:
            db[table].insert(encode_row(row))

    def update_step(self, episode_id: int, step: int, **fields: Any) -> None:
        with self.transaction() as db:
            assignments = ", ".join(f"{key} = ?" for key in fields)
            db.execute(
                f"UPDATE steps SET {assignments} WHERE episode_id = ? AND step = ?",
                [*encode_row(fields).values(), episode_id, step],
            )

    def complete_milestone(self, episode_id: int, version: int, index: int, step: int) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE milestones SET completed_step = ? WHERE episode_id = ?"
                " AND plan_version = ? AND idx = ? AND completed_step IS NULL",
                [step, episode_id, version, index],
            )

    def rate(self, episode_id: int, label: str, note: str | None = None) -> None:
        """A person's verdict on an episode; it becomes the episode's training label."""
        if label not in LABELS:
            raise StoreError(f"a rating is one of {', '.join(LABELS)}, not {label!r}")
        self.episode(episode_id)
        self.update_episode(
            episode_id, label=label, label_source="user", labelled_at=now(), note=note
        )

    def delete(self, episode_ids: Sequence[int]) -> int:
        """Delete episodes, their rows and their files; returns how many there were."""
        found = [self.episode(i) for i in episode_ids]
        with self.transaction() as db:
            for table in ("events", "model_calls", "steps", "milestones", "plans"):
                db.execute(
                    f"DELETE FROM {table} WHERE episode_id IN"
                    f" ({', '.join('?' * len(episode_ids))})",
                    list(episode_ids),
                )
            db.execute(
                f"DELETE FROM episodes WHERE id IN ({', '.join('?' * len(episode_ids))})",
                list(episode_ids),
            )
        for episode in found:
            shutil.rmtree(self.episode_dir(episode["uuid"]), ignore_errors=True)
        return len(found)

    def reconcile(self) -> int:
        """Mark `crashed` the episodes and training runs still `running` whose process on
        this host is gone (killed, or the machine lost power): nothing else would ever end
        them. Returns the number of episodes."""
        host = socket.gethostname()
        rows = self.db.execute(
            "SELECT id, pid FROM episodes WHERE status = 'running' AND host = ?", [host]
        ).fetchall()
        dead = [episode_id for episode_id, pid in rows if pid is None or not _pid_alive(pid)]
        for episode_id in dead:
            steps = self.db.execute(
                "SELECT count(*) FROM steps WHERE episode_id = ?", [episode_id]
            ).fetchone()[0]
            self.update_episode(
                episode_id,
                status="crashed",
                ended_as="crashed",
                reason="the process ended without finishing the episode",
                steps=steps,
            )
        runs = self.db.execute(
            "SELECT id, pid FROM training_runs WHERE status = 'running' AND host = ?", [host]
        ).fetchall()
        for run_id, pid in runs:
            if pid is None or not _pid_alive(pid):
                self.update_training(
                    run_id, status="crashed", reason="the process ended without finishing"
                )
        return len(dead)

    # -- training runs ------------------------------------------------------------------

    def start_training(self, row: dict[str, Any]) -> int:
        """A new `training_runs` row, `running` until `update_training` ends it."""
        return self._start("training_runs", {"uuid": uuid4().hex, **row})

    def update_training(self, run_id: int, **fields: Any) -> None:
        with self.transaction() as db:
            db["training_runs"].update(run_id, encode_row(fields))

    def log_metrics(self, run_id: int, stage: str, step: int, metrics: dict[str, Any]) -> None:
        """One logged point of a training run (a critic epoch, an optimiser step)."""
        self.add(
            "training_metrics",
            {"run_id": run_id, "stage": stage, "step": step, "metrics": metrics, "at": now()},
        )

    def forget_metrics_after(self, run_id: int, stage: str, step: int) -> None:
        """Drop a run's points of `stage` past `step`: a resumed run redoes the steps a
        hard stop took after its last checkpoint, and logs them again."""
        with self.transaction() as db:
            db.execute(
                "DELETE FROM training_metrics WHERE run_id = ? AND stage = ? AND step > ?",
                [run_id, stage, step],
            )

    def training_runs(self) -> list[dict[str, Any]]:
        return [decode_row(row) for row in self.db.query("SELECT * FROM training_runs ORDER BY id")]

    def training_metrics(self, run_id: int, stage: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM training_metrics WHERE run_id = ?"
        params: list[Any] = [run_id]
        if stage:
            sql += " AND stage = ?"
            params.append(stage)
        return [decode_row(row) for row in self.db.query(sql + " ORDER BY id", params)]

    # -- reading ------------------------------------------------------------------------

    def episodes(self, which: EpisodeFilter | None = None) -> list[dict[str, Any]]:
        which = which or EpisodeFilter()
        where, params = which.where()
        sql = f"SELECT * FROM episodes WHERE {where} ORDER BY id DESC"
        if which.limit:
            sql += f" LIMIT {int(which.limit)}"
        return [decode_row(row) for row in self.db.query(sql, params)]

    def episode(self, episode_id: int) -> dict[str, Any]:
        rows = list(self.db.query("SELECT * FROM episodes WHERE id = ?", [episode_id]))
        if not rows:
            raise EpisodeNotFoundError(f"no episode {episode_id} in {self.path}")
        return decode_row(rows[0])

    def children(self, table: str, episode_id: int) -> list[dict[str, Any]]:
        order = {
            "plans": "version",
            "milestones": "plan_version, idx",
            "steps": "step",
        }.get(table, "id")
        return [
            decode_row(row)
            for row in self.db.query(
                f"SELECT * FROM {table} WHERE episode_id = ? ORDER BY {order}", [episode_id]
            )
        ]

    def count(self, table: str = "episodes") -> int:
        return int(self.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def encode_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        key: json.dumps(value) if key in JSON_COLUMNS and value is not None else value
        for key, value in row.items()
    }


def decode_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        key: json.loads(value) if key in JSON_COLUMNS and isinstance(value, str) else value
        for key, value in row.items()
    }
