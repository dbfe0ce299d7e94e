"""The archive's SQLite index: which versions of which article live in which segment, and what
the crawler has already fetched. The JSON Lines files are the data; this is how to find it fast."""
from __future__ import annotations

import re
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

INDEX_NAME = "index.sqlite"
SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    canonical_url TEXT NOT NULL,
    site TEXT NOT NULL,
    latest_version INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    published_at TEXT,
    first_seen_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    has_title INTEGER, has_sapo INTEGER, has_published INTEGER, has_author INTEGER, has_body INTEGER,
    body_length INTEGER
);
CREATE INDEX IF NOT EXISTS articles_url ON articles (canonical_url);
CREATE INDEX IF NOT EXISTS articles_site_published ON articles (site, published_at);
-- Edited articles are few: readers find the versions to skip without scanning every article.
CREATE INDEX IF NOT EXISTS articles_edited ON articles (id) WHERE latest_version > 1;
CREATE TABLE IF NOT EXISTS versions (
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    segment TEXT NOT NULL,
    line INTEGER NOT NULL,
    published_at TEXT,
    parser_version TEXT,
    written_at TEXT,
    warc_file TEXT,
    warc_offset INTEGER,
    PRIMARY KEY (id, version)
);
CREATE INDEX IF NOT EXISTS versions_segment ON versions (segment);
CREATE TABLE IF NOT EXISTS segments (
    path TEXT PRIMARY KEY,
    site TEXT NOT NULL,
    year TEXT NOT NULL,
    month TEXT NOT NULL,
    records INTEGER NOT NULL,
    run_id TEXT,
    committed_at TEXT
);
CREATE TABLE IF NOT EXISTS fetches (
    canonical_url TEXT PRIMARY KEY,
    site TEXT,
    last_fetched_at TEXT,
    status INTEGER,
    content_hash TEXT,
    published_at TEXT,
    first_fetched_at TEXT,  -- ground a completed listing walk covered (crawlstate)
    rejected TEXT,  -- why the last fetch was rejected, if it was
    failures INTEGER,  -- transient rejects in a row
    retry_after TEXT  -- a transient reject is fetched again from then on, whatever its age
);
CREATE TABLE IF NOT EXISTS journal (
    id INTEGER PRIMARY KEY,
    operation TEXT NOT NULL,
    payload TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
-- Pages a crawl fetched but did not store as a version: each lost fields the archived version
-- has (a suspected layout change). The WARC keeps the page; `vngov reparse` takes it in once
-- the parser reads it whole.
CREATE TABLE IF NOT EXISTS held (
    id TEXT NOT NULL,
    url TEXT,
    site TEXT,
    reason TEXT NOT NULL,
    warc_file TEXT,
    warc_offset INTEGER,
    fetched_at TEXT,
    run_id TEXT,
    held_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS held_id ON held (id);
-- One row per run and site: what it did, its field coverage, and whether its layout drifted.
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT NOT NULL,
    site TEXT NOT NULL,
    spider TEXT,
    started_at TEXT,
    finished_at TEXT,
    outcome TEXT NOT NULL,
    summary TEXT NOT NULL,
    PRIMARY KEY (run_id, site)
);
CREATE INDEX IF NOT EXISTS runs_site_started ON runs (site, started_at);  -- runs are read newest first
-- What happened to an archived article other than a new version: its withdrawal by the site
-- (its URL answers 410, or twice in a row 404 or a redirect to a home or section page). Its
-- last version stays in the archive; it counts as withdrawn while no fetch saw it since.
CREATE TABLE IF NOT EXISTS events (
    id TEXT NOT NULL,
    kind TEXT NOT NULL,  -- 'withdrawn'
    at TEXT NOT NULL,  -- UTC
    detail TEXT,  -- what the URL gave: "the article's URL answers 410 Gone"
    run_id TEXT
);
CREATE INDEX IF NOT EXISTS events_id ON events (id);
"""
# Columns added since the first archives: (table, column, type), added where missing.
_ADDED_COLUMNS = (("articles", "body_length", "INTEGER", None),
                  # Rows from before: first fetched when last fetched, which only makes a walk longer.
                  ("fetches", "first_fetched_at", "TEXT", "last_fetched_at"),
                  ("fetches", "rejected", "TEXT", None), ("fetches", "failures", "INTEGER", None),
                  ("fetches", "retry_after", "TEXT", None))


def utc_now() -> str:
    """A bookkeeping time (written_at, first_seen_at, fetches): ISO 8601 in UTC, to the second."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def connect(root: Path, *, readonly: bool = False) -> sqlite3.Connection:
    """The index of the archive at `root`, created on first write. WAL lets readers work while a
    crawl writes."""
    path = root / INDEX_NAME
    if readonly:
        if not path.exists() and any(root.glob("site=*/year=*/month=*/part-*")):
            _rebuild(root)  # a deleted index: readers would serve superseded versions
        if not path.exists():
            connection = sqlite3.connect(":memory:")
            connection.executescript(SCHEMA)
            return connection
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        try:
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError:
            # A read-only copy without its -shm file (read-only media, a folder we may not write):
            # SQLite cannot open it in WAL mode. Such a copy does not change: read it as immutable.
            connection.close()
            connection = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
        _missing_tables_as_temporary(connection)
        return connection
    connection = sqlite3.connect(path, timeout=60, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.executescript(SCHEMA)
    for table, column, kind, filled_from in _ADDED_COLUMNS:
        if column not in {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}:
            connection.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
            if filled_from:
                connection.execute(f"UPDATE {table} SET {column} = {filled_from}")
    connection.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', '1')")
    return connection


_TABLES = re.findall(r"CREATE TABLE IF NOT EXISTS (\w+) \((.*?)\);\n", SCHEMA, re.S)


def _missing_tables_as_temporary(connection: sqlite3.Connection) -> None:
    """An archive written by an older vngov, read without writing to it, lacks the tables added
    since (`events`, `runs`, `held`): empty temporary ones stand in for them, so that readers
    see no history where none was kept, not an error."""
    present = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    for name, columns in _TABLES:
        if name not in present:
            connection.execute(f"CREATE TEMP TABLE {name} ({columns}\n)")


class IndexMissing(RuntimeError):
    """The index was deleted and cannot be rebuilt here (the archive is read-only)."""


def _rebuild(root: Path) -> None:
    """Rebuild a deleted index from the segments (the writer's recovery indexes every segment
    it does not know, and the crawl state of their articles)."""
    import logging

    from .writer import ArchiveWriter  # the writer imports this module

    logging.getLogger(__name__).warning("the index of %s is missing: rebuilding it from the segments", root)
    try:
        ArchiveWriter(root, run_id="rebuild-index", lock_timeout=120).close()
    except OSError as error:
        raise IndexMissing(f"the index of {root} is missing and cannot be rebuilt here ({error}); "
                           f"open a writable copy once to rebuild it") from None


def superseded_versions(connection: sqlite3.Connection) -> set[tuple[str, int]]:
    """(id, version) of every version that a later one replaced: small, edits are rare."""
    rows = connection.execute(
        "SELECT a.id, v.version FROM articles a JOIN versions v ON v.id = a.id "
        "WHERE a.latest_version > 1 AND v.version < a.latest_version"
    )
    return {(row[0], row[1]) for row in rows}
