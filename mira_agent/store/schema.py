"""The episode database's schema, as numbered migrations.

A database records which migrations it has had (sqlite-utils' `_sqlite_migrations`
table), so one written by an older mira upgrades itself when it is opened. A migration
is never edited once released: a change to the schema is a new, higher-numbered one.

Plain SQLite types only (JSON as TEXT, times as ISO 8601 TEXT) and declared foreign
keys, so the file opens as it is in Datasette or the `sqlite3` shell.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

MIGRATIONS = Migrations("mira-episodes")


@MIGRATIONS(name="0001_episodes_steps_plans")
def _initial(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE episodes (
            id INTEGER PRIMARY KEY,
            uuid TEXT NOT NULL UNIQUE,
            task TEXT NOT NULL,
            task_id TEXT,
            site TEXT,
            seed INTEGER,
            start_url TEXT,
            actor TEXT,
            planner TEXT,
            settings TEXT,
            started_at TEXT NOT NULL,
            ended_at TEXT,
            status TEXT NOT NULL,
            ended_as TEXT,
            reason TEXT,
            answer TEXT,
            steps INTEGER NOT NULL DEFAULT 0,
            milestones_done INTEGER NOT NULL DEFAULT 0,
            milestones_total INTEGER NOT NULL DEFAULT 0,
            pid INTEGER,
            host TEXT
        )
        """
    )
    db.execute(
        """
        CREATE TABLE plans (
            id INTEGER PRIMARY KEY,
            episode_id INTEGER NOT NULL REFERENCES episodes(id),
            version INTEGER NOT NULL,
            step INTEGER NOT NULL,
            reason TEXT,
            milestones TEXT NOT NULL,
            UNIQUE (episode_id, version)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE milestones (
            id INTEGER PRIMARY KEY,
            episode_id INTEGER NOT NULL REFERENCES episodes(id),
            plan_version INTEGER NOT NULL,
            idx INTEGER NOT NULL,
            text TEXT NOT NULL,
            completed_step INTEGER,
            UNIQUE (episode_id, plan_version, idx)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE steps (
            id INTEGER PRIMARY KEY,
            episode_id INTEGER NOT NULL REFERENCES episodes(id),
            step INTEGER NOT NULL,
            url TEXT,
            title TEXT,
            observation TEXT,
            thought TEXT,
            action TEXT,
            parsed TEXT,
            target TEXT,
            messages TEXT,
            completion TEXT,
            model TEXT,
            prompt_tokens INTEGER,
            completion_tokens INTEGER,
            prompt_evaluated INTEGER,
            latency_s REAL,
            ok INTEGER,
            result TEXT,
            error TEXT,
            progress TEXT,
            progress_after TEXT,
            screenshot TEXT,
            started_at TEXT,
            ended_at TEXT,
            UNIQUE (episode_id, step)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE model_calls (
            id INTEGER PRIMARY KEY,
            episode_id INTEGER NOT NULL REFERENCES episodes(id),
            step INTEGER NOT NULL,
            role TEXT NOT NULL,
            model TEXT,
            messages TEXT,
            completion TEXT,
            prompt_tokens INTEGER,
            completion_tokens INTEGER,
            prompt_evaluated INTEGER,
            latency_s REAL,
            at TEXT
        )
        """
    )
    db.execute(
        """
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            episode_id INTEGER NOT NULL REFERENCES episodes(id),
            step INTEGER NOT NULL,
            kind TEXT NOT NULL,
            data TEXT NOT NULL,
            at TEXT
        )
        """
    )
    for table in ("plans", "milestones", "steps", "model_calls", "events"):
        db.execute(f"CREATE INDEX idx_{table}_episode ON {table}(episode_id)")
    db.execute("CREATE INDEX idx_episodes_started ON episodes(started_at)")


@MIGRATIONS(name="0002_outcome_labels_and_files")
def _labels(db: Database) -> None:
    """Outcome labels apart from the run's own verdict: training filters on who judged
    (the site's checker, an LLM judge, or a person), and a person's rating must not
    overwrite what the run itself concluded."""
    episodes = db["episodes"]
    episodes.add_column("label", str)  # type: ignore[union-attr]
    episodes.add_column("label_source", str)  # type: ignore[union-attr]
    episodes.add_column("labelled_at", str)  # type: ignore[union-attr]
    episodes.add_column("note", str)  # type: ignore[union-attr]
    episodes.add_column("trace", str)  # type: ignore[union-attr]
    db.execute("CREATE INDEX idx_episodes_status ON episodes(status)")
    db.execute(
        """
        CREATE VIEW all_model_calls AS
            SELECT episode_id, step, 'actor' AS role, model, messages, completion,
                   prompt_tokens, completion_tokens, prompt_evaluated, latency_s,
                   started_at AS at
            FROM steps
            UNION ALL
            SELECT episode_id, step, role, model, messages, completion,
                   prompt_tokens, completion_tokens, prompt_evaluated, latency_s, at
            FROM model_calls
        """
    )


@MIGRATIONS(name="0003_benchmark_runs")
def _bench(db: Database) -> None:
    """What a benchmark adds to an episode: its suite and run, the task's own reward
    (MiniWoB++'s is not just 0/1), where the milestones came from (the planner's LLM or
    the site's checks), and, per step, the site's own milestone checks beside the
    planner's, so the two can be compared."""
    for column, kind in (
        ("suite", "TEXT"),
        ("bench_run", "TEXT"),
        ("reward", "REAL"),
        ("milestones_source", "TEXT"),
        ("policy", "TEXT"),
    ):
        db.execute(f"ALTER TABLE episodes ADD COLUMN {column} {kind}")
    db.execute("ALTER TABLE steps ADD COLUMN site_progress TEXT")
    db.execute("CREATE INDEX idx_episodes_bench_run ON episodes(bench_run)")


@MIGRATIONS(name="0004_training_runs")
def _training(db: Database) -> None:
    """Training runs beside the episodes they learnt from: what was trained, from which
    base, on which data, with which settings, and every logged metric, so a result in
    the README can be traced back to its run and `mira train` phases to each other."""
    db.execute(
        """
        CREATE TABLE training_runs (
            id INTEGER PRIMARY KEY,
            uuid TEXT NOT NULL UNIQUE,
            algo TEXT NOT NULL,
            base TEXT NOT NULL,
            out_dir TEXT NOT NULL,
            settings TEXT,
            data TEXT,
            summary TEXT,
            status TEXT NOT NULL,
            reason TEXT,
            started_at TEXT NOT NULL,
            ended_at TEXT,
            parent TEXT,
            phase INTEGER,
            pid INTEGER,
            host TEXT
        )
        """
    )
    db.execute(
        """
        CREATE TABLE training_metrics (
            id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES training_runs(id),
            stage TEXT NOT NULL,
            step INTEGER NOT NULL,
            metrics TEXT NOT NULL,
            at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX idx_training_metrics_run ON training_metrics(run_id, stage, step)")


def _names() -> list[str]:
    """Every migration's name in the order they are declared above, read from the set
    itself (what a brand-new database would have pending), so no hand-kept list can fall
    behind it."""
    return [m.name for m in MIGRATIONS.pending(Database(memory=True))]


LATEST = _names()[-1]  # the schema a database has once `migrate` has run


def migrate(db: Database, *, stop_before: str | None = None) -> None:
    """Bring `db` up to the newest schema. The whole upgrade holds the write lock, so two
    processes opening a new database at once do not both try to create it."""
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        MIGRATIONS.apply(db, stop_before=stop_before)
    except BaseException:
        conn.rollback()
        raise
    conn.commit()


def applied(db: Database) -> list[str]:
    """The names of the migrations `db` has had, oldest first."""
    return [m.name for m in MIGRATIONS.applied(db)]
