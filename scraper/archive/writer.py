"""Appending records to the archive without ever losing or duplicating one.

Lines go to hidden temporary segments; `commit()` fsyncs them, renames them into place and only
then records them in the index, in one transaction. A writer killed at any point leaves either
nothing visible or whole segments; the next writer deletes leftover temporary files and indexes
any committed segment the index missed, so repeating the run never writes an article twice.
Writers share the archive. A crawl's writer holds the archive's lock (<archive>/.lock) only
while it commits, and never waits for it: a busy lock defers the commit, so that runs of
several sites in several processes write side by side while their commits stay serialized.
Maintenance (compact, reparse) holds the lock for its whole run. Each writer also holds a
shared lock on <archive>/.locks/writer-<run>.lock while it lives, so that recovery removes only
the temporary files of writers that are gone.
"""
from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, NamedTuple

import orjson

from .. import __version__
from ..items import Fetch
from ..items import article_id as id_for_url
from ..schema import CONTENT_FIELDS, COVERAGE, json_schema_text
from . import index as archive_index
from .codec import CODECS, DamagedSegment, SegmentWriter, dumps, read_records
from ..runs import LOCKS_DIR, FileLock, new_run_id
from .index import utc_now
from .journal import replay_journal
from .layout import NotAnArchive, fsync_dir, iter_segments, may_hold_archive, partition_dir, partition_of, partition_of_path, safe_component, warc_dir
from .warc import encode_fetch, encode_warcinfo

logger = logging.getLogger(__name__)

MAX_OPEN_SEGMENTS = 8  # partitions open at once; the least recently written is closed for a new one

SCHEMA_FILE = "schema.json"  # the record's JSON Schema, for readers without our code


def _coverage(record: dict) -> tuple[int, ...]:
    return tuple(int(bool(record.get(name))) for name in COVERAGE.values())


def _index_fields(record: dict) -> dict:
    """What the index needs of a record: kept until commit instead of the whole record."""
    return {
        "canonical_url": record.get("canonical_url") or record.get("url") or "",
        "site": record.get("site") or "_",
        "first_seen_at": record.get("first_seen_at"),
        "coverage": _coverage(record),
        "body_length": len(record.get("body_text") or ""),
    }


# The fields the index keeps per article (has_title, ...) and the body's length: what the
# archived version had, for the layout-drift guard.
_KEPT = (*COVERAGE, "body_length")
_ARTICLE_UPSERT = (
    f"INSERT INTO articles (id, canonical_url, site, latest_version, content_hash, published_at, first_seen_at, "
    f"last_seen_at, {', '.join(_KEPT)}) VALUES ({', '.join('?' * (8 + len(_KEPT)))}) "
    "ON CONFLICT(id) DO UPDATE SET latest_version = excluded.latest_version, content_hash = excluded.content_hash, "
    "published_at = excluded.published_at, last_seen_at = excluded.last_seen_at, "
    + ", ".join(f"{column} = excluded.{column}" for column in _KEPT)
    + " WHERE excluded.latest_version >= articles.latest_version")

# A new version whose body is shorter than this share of the archived one's was cut, not edited.
BODY_CUT = 0.5
HELD = "suspected layout change"


class Previous(NamedTuple):
    """The archived latest version of an article, as the index knows it."""

    hash: str
    version: int
    first_seen: str
    coverage: tuple  # schema.COVERAGE's flags (None where an older archive did not keep them)
    body_length: int | None


def lost_fields(previous: Previous, record: dict) -> list[str]:
    """The fields `record` lacks that the archived version had, and a body cut to a fraction:
    what a template change does to an article, which an editor's change does not."""
    lost = [name for name, had in zip(COVERAGE.values(), previous.coverage) if had and not record.get(name)]
    length = len(record.get("body_text") or "")
    if "body_text" not in lost and previous.body_length and length < BODY_CUT * previous.body_length:
        lost.append(f"body_text (cut to {length / previous.body_length:.0%})")
    return lost


class ArchiveLocked(RuntimeError):
    """Another process holds the archive's write lock."""


def content_hash(record: dict) -> str:
    """What a reader of the article sees (schema.CONTENT_FIELDS): a change here is a new
    version. The sidebar is left out: "latest news" lists change on every fetch."""
    content = {name: record.get(name) for name in CONTENT_FIELDS}
    return hashlib.blake2b(orjson.dumps(content, option=orjson.OPT_SORT_KEYS), digest_size=16).hexdigest()


@dataclass
class WriteResult:
    status: str  # "new", "updated" or "unchanged"
    id: str
    version: int


@dataclass
class Planned:
    """What adding a record will do, decided once (ArchiveWriter.plan) before any WARC bytes
    are encoded: an unchanged page needs none."""

    record: dict
    digest: str
    status: str  # "new", "updated", "unchanged", or "held" (an update that lost fields)
    previous: Previous | None
    lost: list[str] = field(default_factory=list)  # of a held update

    @property
    def changed(self) -> bool:
        return self.status in ("new", "updated")

    @property
    def reason(self) -> str:
        return f"{HELD}: lost {', '.join(self.lost)}"


class ArchiveLock(FileLock):
    """The lock on <archive>/.lock: whoever holds it may rename files into place and change the
    index. The file names the holder (pid and run), for the message of a writer that gave up."""

    POLL = 0.05

    def __init__(self, root: Path, holder: str):
        super().__init__(root / ".lock")
        self.holder = holder

    def holder_text(self) -> str:
        return f"{os.getpid()} {self.holder}\n"

    def acquire(self, timeout: float) -> None:
        """Wait up to `timeout` seconds; ArchiveLocked then. Not for the reactor's thread."""
        if not self.wait(timeout):
            raise ArchiveLocked(f"archive {self.path.parent} is locked by another writer "
                                f"(pid and run: {self.path.read_text().strip() or '?'})")


def _alive_path(root: Path, run_id: str) -> Path:
    return root / LOCKS_DIR / f"writer-{run_id}.lock"


class _AliveMark:
    """A shared flock on <archive>/.locks/writer-<run>.lock for the writer's life: its temporary
    files are someone's work in progress, not a dead writer's leftovers."""

    def __init__(self, root: Path, run_id: str):
        import fcntl

        self.path = _alive_path(root, run_id)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = open(self.path, "a")
        fcntl.flock(self._handle, fcntl.LOCK_SH)

    def release(self) -> None:
        if self._handle is not None:
            import fcntl

            self.path.unlink(missing_ok=True)
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


def _writer_alive(root: Path, run_id: str) -> bool:
    import fcntl

    path = _alive_path(root, run_id)
    if not path.exists():
        return False
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False


# A temporary file's name holds its writer's run: .part-<run>-0001.jsonl.zst.tmp, .<run>-0001.warc.gz.tmp
_TMP_RUN = re.compile(r"^\.(?:part-)?(?P<run>.+)-\d{4,}(?:-[a-z]+)?\.[^-]*\.tmp$")


@dataclass
class _OpenSegment:
    site: str
    year: str
    month: str
    tmp: Path
    final: Path
    writer: SegmentWriter
    rows: list[tuple] = field(default_factory=list)  # versions rows, line order


@dataclass
class _OpenWarc:
    tmp: Path
    final: Path
    handle: io.BufferedWriter
    relative: str  # the final path relative to the archive root, as records cite it


class ArchiveWriter:
    """Adds article records (dicts shaped like items.Article) to the archive at `root`."""

    def __init__(self, root: Path | str, *, run_id: str | None = None, codec: str = "zstd",
                 segment_records: int = 50_000, commit_every: int = 2_000, commit_interval: float = 60.0,
                 lock_timeout: float = 600.0, exclusive: bool = True):
        """`exclusive` holds the archive's lock from now until close (maintenance, tests); a
        crawl's writer takes it only to commit (see `commit`)."""
        if codec not in CODECS:
            raise ValueError(f"unknown codec {codec!r}; choose one of {', '.join(CODECS)}")
        self.root = Path(root)
        if not may_hold_archive(self.root):  # a folder of other files, or a file: never written into
            raise NotAnArchive(f"not a vngov archive (a folder with other files, or a file): {self.root}")
        self.root.mkdir(parents=True, exist_ok=True)
        self.run_id = safe_component(run_id or new_run_id())
        self.codec = codec
        self.segment_records = segment_records
        # A crash loses at most this much work: commit after so many records or seconds.
        self.commit_every = commit_every
        self.commit_interval = commit_interval
        self.lock_timeout = lock_timeout
        self._uncommitted = 0
        self._last_commit = time.monotonic()
        self.counts = {"new": 0, "updated": 0, "unchanged": 0, "rejected": 0, "held": 0}
        self._lock = ArchiveLock(self.root, self.run_id)
        self._alive = _AliveMark(self.root, self.run_id)
        self._recovered = False
        self._segments: dict[tuple[str, str, str], _OpenSegment] = {}
        self._warcs: dict[str, _OpenWarc] = {}
        self._closed: list[_OpenSegment] = []  # written whole, waiting for the next commit
        self._closed_warcs: list[_OpenWarc] = []
        try:
            if exclusive:
                self._lock.acquire(lock_timeout)
            self.db = archive_index.connect(self.root)
            if exclusive or self._lock.try_acquire():  # if busy, the first commit recovers
                try:
                    self.recover()
                finally:
                    if not exclusive:
                        self._lock.release()
        except BaseException:
            self._lock.release()
            self._alive.release()
            raise
        self._pending: dict[str, Previous] = {}  # id -> the version this writer added, until commit
        self._looked_up: dict[str, Previous | None] = {}  # id -> the index's row, until commit
        self._seen: list[tuple[str, str]] = []  # (last_seen_at, id) of unchanged articles
        self._fetches: list[tuple] = []
        self._held: list[tuple] = []  # rows of the index's `held` table
        self._events: list[tuple] = []  # (ids the page may be, kind, at, detail): the `events` table
        self._sequence = 0
        self._rejects = None

    # -- writing -------------------------------------------------------------------------

    def add(self, record: dict, fetch: Fetch | None = None, warc_member: bytes | None = None,
            digest: str | None = None) -> WriteResult:
        """Store `record` unless the same content is already there; returns what happened.
        `fetch` is the page it was built from, kept in WARC (a re-parse has none: the new
        version points at the snapshot its record names)."""
        return self.write(self.plan(record, digest), fetch, warc_member)

    def plan(self, record: dict, digest: str | None = None, guard: bool = False) -> Planned:
        """Whether `record` is new, an update or unchanged: the archive's one decision of
        "unchanged" (same id, same content hash as the latest version). `digest` is
        `content_hash(record)`, when known. With `guard` (a crawl), an update that lost fields
        the archived version has is "held" instead (see `hold`)."""
        digest = digest or content_hash(record)
        previous = self._previous(record["id"])
        if previous is None:
            return Planned(record, digest, "new", None)
        if previous.hash == digest:
            return Planned(record, digest, "unchanged", previous)
        lost = lost_fields(previous, record) if guard else []
        return Planned(record, digest, "held" if lost else "updated", previous, lost)

    def hold(self, planned: Planned, fetch: Fetch | None = None, warc_member: bytes | None = None) -> None:
        """Keep a held update out of the archive's versions: its page goes to WARC, a row to the
        index's `held` table (for `vngov reparse`) and the record to rejects/ with the reason.
        The archived version stays the latest."""
        record = planned.record
        warc_file = warc_offset = None
        if fetch is not None:
            warc_file, warc_offset = self._write_warc(record.get("site") or "_", fetch, warc_member)
        self._held.append((record["id"], record.get("url"), record.get("site"), planned.reason, warc_file,
                           warc_offset, fetch.fetched_at if fetch else None, self.run_id, utc_now()))
        self._log_reject(record, planned.reason)
        self.counts["held"] += 1

    def write(self, planned: Planned, fetch: Fetch | None = None, warc_member: bytes | None = None) -> WriteResult:
        """Carry out a plan: a new version, or for an unchanged record only its last-seen time.
        `warc_member` is `encode_fetch(fetch)` when the caller encoded it already (off the
        reactor's thread); otherwise it is encoded here."""
        record, digest, previous = planned.record, planned.digest, planned.previous
        article_id = record["id"]
        now = utc_now()
        if planned.status == "held":
            self.hold(planned, fetch, warc_member)
            return WriteResult("held", article_id, previous.version)
        if not planned.changed:
            self._seen.append((now, article_id))
            self.counts["unchanged"] += 1
            return WriteResult("unchanged", article_id, previous.version)
        version = previous.version + 1 if previous else 1
        stored = dict(record)
        stored["content_hash"] = digest
        stored["version"] = version
        stored["previous_hash"] = previous.hash if previous else None
        stored["first_seen_at"] = previous.first_seen if previous else now
        stored["written_at"] = now
        stored["run_id"] = self.run_id
        stored.setdefault("fetched_at", fetch.fetched_at if fetch else None)
        if fetch is not None:
            stored["warc_file"], stored["warc_offset"] = self._write_warc(record.get("site") or "_", fetch, warc_member)
        else:  # a re-parse keeps pointing at the snapshot it was made from
            stored["warc_file"], stored["warc_offset"] = record.get("warc_file"), record.get("warc_offset")
        year, month = partition_of(stored.get("published_at"))
        segment = self._segment_for(stored.get("site") or "_", year, month)
        fields = _index_fields(stored)
        segment.rows.append((article_id, version, digest, segment.writer.lines, stored.get("published_at"),
                             stored.get("parser_version"), now, stored["warc_file"], stored["warc_offset"], fields))
        segment.writer.write(dumps(stored))
        self._pending[article_id] = Previous(digest, version, stored["first_seen_at"], fields["coverage"],
                                             fields["body_length"])
        status = planned.status
        self.counts[status] += 1
        self._uncommitted += 1
        if (segment.writer.lines >= self.segment_records or self._uncommitted >= self.commit_every
                or time.monotonic() - self._last_commit >= self.commit_interval):
            self.commit(wait=False)
        return WriteResult(status, article_id, version)

    def _previous(self, article_id: str) -> Previous | None:
        """The article's latest version as archived, or None. A lookup is kept until the next
        commit: the pipelines ask twice per article."""
        previous = self._pending.get(article_id)
        if previous is None:
            if article_id in self._looked_up:
                return self._looked_up[article_id]
            row = self.db.execute(
                f"SELECT content_hash, latest_version, first_seen_at, {', '.join(_KEPT)} FROM articles WHERE id = ?",
                (article_id,),
            ).fetchone()
            if len(self._looked_up) >= 10000:  # a long run of unchanged articles commits nothing
                self._looked_up.clear()
            previous = self._looked_up[article_id] = (
                Previous(row[0], row[1], row[2], tuple(row[3:3 + len(COVERAGE)]), row[-1]) if row else None)
        return previous

    def reject(self, record: dict, reason: str) -> None:
        """Keep what could not be archived, and why, in <archive>/rejects/<run>.jsonl."""
        self._log_reject(record, reason)
        self.counts["rejected"] += 1

    def _log_reject(self, record: dict, reason: str) -> None:
        if self._rejects is None:
            (self.root / "rejects").mkdir(exist_ok=True)
            self._rejects = open(self.root / "rejects" / f"{self.run_id}.jsonl", "ab")
        entry = {"rejected_at": utc_now(), "reason": reason, "url": record.get("url"), "record": record}
        self._rejects.write(dumps(entry) + b"\n")
        self._rejects.flush()

    def record_fetch(self, urls: Iterable[str], site: str, status: int, digest: str | None = None,
                     published_at: str | None = None, rejected: str | None = None, failures: int = 0,
                     retry_after: str | None = None, at: str | None = None) -> None:
        """Crawl state: a page was fetched now, known by each of `urls` (canonical forms of the
        URL asked for, the URL it answered at and the one it names as canonical); kept even for
        pages that were not articles. `rejected` says why it was not archived; a transient
        reject has `failures` in a row and is fetched again after `retry_after`. Fetch times are
        kept to the millisecond: runs that follow each other within a second tell theirs apart.
        `at` is when the page was fetched, if not now (the archiver stores what workers fetched)."""
        now = at or datetime.now(timezone.utc).isoformat(timespec="milliseconds")
        for url in dict.fromkeys(urls):
            self._fetches.append((url, site, now, status, digest, published_at, now, rejected, failures or None,
                                  retry_after))

    def withdrawn(self, urls: Iterable[str], detail: str) -> None:
        """The page at `urls` (canonical forms) is confirmed withdrawn: an event for the archived
        article they name, if there is one (kept at the next commit; its versions stay)."""
        self._events.append(([id_for_url(url) for url in dict.fromkeys(urls)], "withdrawn", utc_now(), detail))

    def fetch_state(self, url: str) -> tuple | None:
        """(rejected, failures) of the last fetch of canonical `url`, as committed."""
        return self.db.execute("SELECT rejected, failures FROM fetches WHERE canonical_url = ?", (url,)).fetchone()

    def _segment_for(self, site: str, year: str, month: str) -> _OpenSegment:
        key = (site, year, month)
        segment = self._segments.get(key)
        if segment is not None:
            if next(reversed(self._segments)) != key:  # kept in the order of their last write
                self._segments[key] = self._segments.pop(key)
            return segment
        if len(self._segments) >= MAX_OPEN_SEGMENTS:
            # Each open segment holds a compressor (1-3 MB of window and tables): with records
            # spread over many months, the one written least recently is closed (the next
            # commit makes it visible with the rest) rather than everything committed.
            lru = self._segments.pop(next(iter(self._segments)))
            self._closed.append(lru)
            try:
                lru.writer.close()
            except BaseException:  # a full disk: what was pending is dropped, as a commit does
                self.discard()
                raise
        folder = partition_dir(self.root, site, year, month)
        folder.mkdir(parents=True, exist_ok=True)
        name = self.unused_name(folder, "part-", CODECS[self.codec])
        tmp = folder / f".{name}.tmp"
        segment = _OpenSegment(site, year, month, tmp, folder / name, SegmentWriter(tmp, self.codec))
        self._segments[key] = segment
        return segment

    def unused_name(self, folder: Path, prefix: str, suffix: str) -> str:
        """The next file name of this run in `folder` that no file has: a run id used again
        (by a caller, or a crash's rerun) must never replace a committed file."""
        while True:
            self._sequence += 1
            name = f"{prefix}{self.run_id}-{self._sequence:04d}{suffix}"
            if not (folder / name).exists() and not (folder / f".{name}.tmp").exists():
                return name

    def _write_warc(self, site: str, fetch: Fetch, member: bytes | None) -> tuple[str, int]:
        warc = self._warcs.get(site)
        if warc is None:
            folder = warc_dir(self.root, site)
            folder.mkdir(parents=True, exist_ok=True)
            name = self.unused_name(folder, "", ".warc.gz")
            handle = open(folder / f".{name}.tmp", "wb")
            handle.write(encode_warcinfo(name, f"vngov/{__version__}"))
            warc = _OpenWarc(folder / f".{name}.tmp", folder / name, handle,
                             str((folder / name).relative_to(self.root)))
            self._warcs[site] = warc
        if member is None:
            member = encode_fetch(fetch)
        offset = warc.handle.tell()
        warc.handle.write(member)
        return warc.relative, offset

    # -- committing ----------------------------------------------------------------------

    @property
    def dirty(self) -> bool:
        """Whether anything added is not committed yet."""
        return bool(self._segments or self._warcs or self._closed or self._closed_warcs or self._seen
                    or self._fetches or self._held or self._events)

    def commit(self, wait: bool = True) -> bool:
        """Make everything added so far durable and visible, atomically per segment; returns
        whether it did. With `wait`, waits up to the lock timeout for the archive's lock
        (ArchiveLocked then); without, a busy lock leaves everything pending for a later call
        (the crawl's reactor thread never waits), retried after a second."""
        if not self.dirty:
            return True
        if self._lock.held:
            self._commit_locked()
            return True
        if wait:
            self._lock.acquire(self.lock_timeout)
        elif not self._lock.try_acquire():
            self._last_commit = time.monotonic() - self.commit_interval + 1.0
            return False
        try:
            self._commit_locked()
        finally:
            self._lock.release()
        return True

    def _commit_locked(self) -> None:
        """Close the files (a failure there, such as a full disk, drops what was pending: none of
        it is recorded as fetched), rename them into place and index them in one transaction. If
        the renames or the index fail, the renames are undone: no reader ever sees a file the
        index does not have, and the next commit tries again."""
        if not self._recovered:
            self.recover()
        try:
            for warc in self._warcs.values():
                warc.handle.flush()
                os.fsync(warc.handle.fileno())
                warc.handle.close()
                self._closed_warcs.append(warc)
            self._warcs.clear()
            for segment in self._segments.values():
                segment.writer.close()
                self._closed.append(segment)
            self._segments.clear()
        except BaseException:
            self.discard()
            raise
        segments, renamed = list(self._closed), []
        try:
            for item in (*self._closed_warcs, *segments):
                os.replace(item.tmp, item.final)
                renamed.append(item)
                fsync_dir(item.final.parent)
            self._index_commit(segments)
        except BaseException:
            for item in reversed(renamed):
                try:
                    os.replace(item.final, item.tmp)
                except OSError as error:  # pragma: no cover - the disk refused even that
                    logger.error("could not take back %s after a failed commit: %s", item.final, error)
            raise
        self._closed.clear()
        self._closed_warcs.clear()
        self._forget_pending()
        self._last_commit = time.monotonic()

    def _index_commit(self, segments: list[_OpenSegment]) -> None:
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            for segment in segments:
                self._index_segment(segment.final, segment.site, segment.year, segment.month, segment.rows)
            self.db.executemany("UPDATE articles SET last_seen_at = ? WHERE id = ?", self._seen)
            self.db.executemany(
                "INSERT INTO fetches (canonical_url, site, last_fetched_at, status, content_hash, published_at, "
                "first_fetched_at, rejected, failures, retry_after) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(canonical_url) DO UPDATE SET "
                "last_fetched_at = excluded.last_fetched_at, status = excluded.status, "
                "content_hash = COALESCE(excluded.content_hash, fetches.content_hash), "
                "published_at = COALESCE(excluded.published_at, fetches.published_at), "
                "rejected = excluded.rejected, failures = excluded.failures, retry_after = excluded.retry_after",
                self._fetches,
            )
            self.db.executemany("INSERT INTO held VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", self._held)
            for ids, kind, at, detail in self._events:
                # An archived article, not already withdrawn since it was last seen: once per withdrawal.
                known = self.db.execute(
                    f"SELECT id FROM articles a WHERE id IN ({', '.join('?' * len(ids))}) AND NOT EXISTS "
                    "(SELECT 1 FROM events e WHERE e.id = a.id AND e.kind = ? AND e.at >= a.last_seen_at)",
                    (*ids, kind)).fetchone()
                if known:
                    self.db.execute("INSERT INTO events VALUES (?, ?, ?, ?, ?)", (known[0], kind, at, detail, self.run_id))

    def _forget_pending(self) -> None:
        """Empty what the next commit would have written, and the lookups it would have made stale."""
        self._seen.clear()
        self._fetches.clear()
        self._held.clear()
        self._events.clear()
        self._pending.clear()
        self._looked_up.clear()
        self._uncommitted = 0

    def _index_segment(self, path: Path, site: str, year: str, month: str, rows: list[tuple]) -> None:
        relative = str(path.relative_to(self.root))
        self.db.execute("INSERT OR REPLACE INTO segments VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (relative, site, year, month, len(rows), self.run_id, utc_now()))
        for article_id, version, digest, line, published, parser_version, written, warc_file, warc_offset, fields in rows:
            self.db.execute("INSERT OR REPLACE INTO versions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            (article_id, version, digest, relative, line, published, parser_version, written,
                             warc_file, warc_offset))
            self.db.execute(_ARTICLE_UPSERT, (article_id, fields["canonical_url"], fields["site"], version, digest,
                                              published, fields["first_seen_at"] or written, written,
                                              *fields["coverage"], fields["body_length"]))

    def close(self) -> None:
        try:
            self.commit()
        finally:
            if self._rejects is not None:
                self._rejects.close()
            self.db.close()
            self._lock.release()
            self._alive.release()

    def discard(self) -> None:
        """Drop what was not committed; the writer stays usable. Nothing dropped was recorded
        as fetched, so the next run fetches it again."""
        for close in [*(segment.writer.close for segment in self._segments.values()),
                      *(warc.handle.close for warc in self._warcs.values())]:
            try:
                close()
            except OSError:  # a full disk: the file goes anyway
                pass
        for item in self._uncommitted_files():
            item.tmp.unlink(missing_ok=True)
        self._segments.clear()
        self._warcs.clear()
        self._closed.clear()
        self._closed_warcs.clear()
        self._forget_pending()

    def _uncommitted_files(self) -> list:
        """The temporary files (segments and WARCs) holding what is not committed yet."""
        return [*self._segments.values(), *self._warcs.values(), *self._closed, *self._closed_warcs]

    def abort(self) -> None:
        """Drop what was not committed and close (used when a run fails half-way)."""
        self.discard()
        if self._rejects is not None:
            self._rejects.close()
        self.db.close()
        self._lock.release()
        self._alive.release()

    def __enter__(self) -> "ArchiveWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    # -- recovery ------------------------------------------------------------------------

    def _write_schema(self) -> None:
        """Keep <archive>/schema.json the schema of the records this code writes."""
        path = self.root / SCHEMA_FILE
        text = json_schema_text()
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            tmp = path.with_name(f".{SCHEMA_FILE}.tmp")
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, path)

    def recover(self) -> None:
        """Finish or undo what a killed writer left: journaled compactions, temporary files,
        committed segments the index never heard of."""
        replay_journal(self.root, self.db)
        own = {item.tmp for item in self._uncommitted_files()}
        alive: dict[str, bool] = {self.run_id: False}  # our own files are those open now

        def writer_alive(run: str) -> bool:
            if run not in alive:
                alive[run] = _writer_alive(self.root, run)
            return alive[run]

        for tmp in list(self.root.glob("site=*/**/.*.tmp")):
            match = _TMP_RUN.match(tmp.name)
            if tmp in own or (match is not None and writer_alive(match["run"])):
                continue  # work in progress
            logger.warning("removing uncommitted file %s", tmp)
            tmp.unlink(missing_ok=True)
        known = {row[0] for row in self.db.execute("SELECT path FROM segments")}
        for path in iter_segments(self.root):
            relative = str(path.relative_to(self.root))
            if relative in known:
                continue
            logger.warning("indexing committed segment the index missed: %s", relative)
            try:
                self._reindex(path)
            except DamagedSegment as error:  # left for `vngov check --repair`; readers name it too
                logger.error("%s; not indexed (vngov check --repair makes the archive whole)", error)
        for mark in (self.root / LOCKS_DIR).glob("writer-*.lock"):
            run = mark.name[len("writer-"):-len(".lock")]
            if run != self.run_id and not writer_alive(run):
                mark.unlink(missing_ok=True)
        self._write_schema()
        self._recovered = True

    def _reindex(self, path: Path) -> None:
        site, year, month = partition_of_path(path)
        rows, fetched = [], []
        for line_number, (_, record) in enumerate(read_records(path)):
            when = record.get("fetched_at") or record.get("written_at")
            fetched += [(url, when, record.get("content_hash"), record.get("published_at"),
                         record.get("first_seen_at") or when)
                        for url in dict.fromkeys(filter(None, (record.get("canonical_url"), record.get("url"))))]
            rows.append((record["id"], record.get("version", 1), record.get("content_hash") or content_hash(record),
                         line_number, record.get("published_at"), record.get("parser_version"),
                         record.get("written_at"), record.get("warc_file"), record.get("warc_offset"),
                         _index_fields(record)))
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self._index_segment(path, site, year, month, rows)
            # The crawl state of these articles, where the index has none (a rebuilt index).
            self.db.executemany(
                "INSERT OR IGNORE INTO fetches (canonical_url, site, last_fetched_at, status, content_hash, "
                "published_at, first_fetched_at) VALUES (?, ?, ?, 200, ?, ?, ?)",
                [(url, site, record_fetched, digest, published, first)
                 for url, record_fetched, digest, published, first in fetched])


