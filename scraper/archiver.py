"""`vngov archiver --redis URL --archive DIR`: the one writer of an archive that workers of a
shared frontier (`vngov crawl SITE --redis URL`, frontier.py) crawl into, on any machine.

Why one writer: the archive's index is SQLite and its locks are file locks, neither of which
holds over a network filesystem. Workers need no archive; they send each page to the Redis
stream `vngov:outbox` (pipelines/outbox.py). The archiver reads the stream in order (a consumer
group, so that what it read and did not acknowledge is read again after a crash), stores each
page as the crawl's pipelines do (normalize, validate, then the store's versioning, drift guard
and rejects), and acknowledges the pages only once a commit made them durable. A killed
archiver therefore loses nothing: its restart stores again what it had not committed, and what
it had committed but not acknowledged comes back unchanged (the archive stores it once).

After each commit it publishes the crawl state of what it stored (for each URL: when fetched,
published, first fetched, when to retry) to `vngov:<site>:state`, which workers read for their
incremental decisions; at start it publishes the whole index's. A worker's run report comes
after its pages: the archiver completes it with what became of them (new, updated, unchanged,
held, rejected), judges layout drift against the archive's history and keeps it, as a local
crawl does.

Exit statuses: 0 stopped (SIGTERM, Ctrl-C, or --idle-exit) with everything committed; 2 usage;
4 the archive cannot be written (the disk is full: nothing read is acknowledged, the next start
stores it); 75 another archiver writes this archive."""
from __future__ import annotations

import logging
import signal
import sqlite3
import time
from collections import defaultdict
from pathlib import Path

import orjson

from pipelines.normalize import normalize_record
from pipelines.outbox import OUTBOX, decode_page
from pipelines.store import Storer, disk_full, fetched_urls

from . import runlog
from .archive import ArchiveWriter
from .archive.layout import partition_of
from .archive.writer import ArchiveLocked
from .crawlstate import RETRY_DELAYS, CrawlState
from .extras import need
from .frontier import site_prefix
from .items import record_problem
from .report import format_report, stored_outcomes, write_report
from .runs import RunLock, new_run_id

logger = logging.getLogger(__name__)

GROUP = "vngov-archiver"
CONSUMER = "archiver"  # one writer: what a killed archiver read and did not acknowledge is its own
EXIT_STOPPED = 0
EXIT_ARCHIVE_FAILED = 4
EXIT_LOCKED = 75


class Archiver:
    def __init__(self, redis_url: str, archive: Path, *, codec: str = "zstd", batch: int = 500,
                 commit_interval: float = 2.0, retry_delays: tuple[float, ...] = RETRY_DELAYS):
        redis = need("redis", "scale", "vngov archiver")
        self.client = redis.Redis.from_url(redis_url)
        self.root = Path(archive)
        self.run_id = "archiver-" + new_run_id()
        self.codec = codec
        self.batch = batch
        self.commit_interval = commit_interval
        self.retry_delays = retry_delays
        self.stopping = False
        self.unacknowledged: list[bytes] = []
        self.touched: dict[str, set[str]] = defaultdict(set)  # site -> canonical URLs stored since the last commit
        # (run, site) -> stats key -> n: what became of a worker's pages, until its report comes.
        self.counts: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.stored = 0
        self.failures = 0  # entries our code failed on
        self.writer: ArchiveWriter | None = None

    # -- running ---------------------------------------------------------------------------

    def run(self, idle_exit: float | None = None) -> int:
        """Store what the workers send until stopped (or idle for `idle_exit` seconds)."""
        lock = RunLock(self.root, "archiver", self.run_id)
        lock.acquire()  # runs.SiteLocked: another archiver writes this archive
        try:
            # Commits only when the archiver says: what is acknowledged must be durable.
            self.writer = ArchiveWriter(self.root, run_id=self.run_id, codec=self.codec, exclusive=False,
                                        commit_every=10**9, commit_interval=float("inf"), lock_timeout=30)
            try:
                self.client.xgroup_create(OUTBOX, GROUP, id="0", mkstream=True)
            except Exception as error:  # BUSYGROUP: the group exists, and remembers what was read
                if "BUSYGROUP" not in str(error):
                    raise
            self.publish_all()
            return self._loop(idle_exit)
        except (OSError, sqlite3.OperationalError) as error:
            if not disk_full(error):
                raise
            logger.error("the disk is full (%s) under %s; nothing uncommitted was acknowledged: free space "
                         "and start the archiver again", error, self.root)
            if self.writer is not None:
                self.writer.discard()
            return EXIT_ARCHIVE_FAILED
        finally:
            if self.writer is not None:
                if self.unacknowledged:  # not committed (the archive stayed locked): read again next time
                    self.writer.discard()
                self.writer.close()
            lock.release()
            self.client.close()

    def _loop(self, idle_exit: float | None) -> int:
        cursor = "0"  # first what this consumer read before and never acknowledged (a crash)
        backlog = True
        last_commit = idle_since = time.monotonic()
        # What was read since the last commit is stored together, just before it: workers send
        # a few pages at a time, of every month mixed, and one batch sorted by partition gives
        # each partition one segment file per commit (stored as it came, each would close one).
        waiting: list = []
        while not self.stopping:
            answer = self.client.xreadgroup(GROUP, CONSUMER, {OUTBOX: cursor}, count=self.batch - len(waiting),
                                            block=None if backlog else 1000)
            entries = answer[0][1] if answer else []
            if backlog and not entries:
                cursor, backlog = ">", False  # the backlog is stored: now what comes
                continue
            waiting += entries
            if backlog:
                cursor = entries[-1][0]  # the backlog goes on after what was just read
            now = time.monotonic()
            if entries:
                idle_since = now
            if waiting and (len(waiting) >= self.batch or not entries or now - last_commit >= self.commit_interval):
                self._take_batch(waiting)
                waiting = []
                self.commit()
                last_commit = now
            elif entries and len(entries) < self.batch // 10:
                time.sleep(0.05)  # let the workers' pages gather: fewer and fuller reads
            if idle_exit is not None and not entries and now - idle_since >= idle_exit:
                break
        self._take_batch(waiting)
        self.commit()
        logger.info("archiver stopped: %d pages stored, %d failed in our code", self.stored, self.failures)
        return EXIT_STOPPED

    def stop(self, *_) -> None:
        self.stopping = True

    # -- one entry -------------------------------------------------------------------------

    def _take_batch(self, entries: list) -> None:
        """The pages of a batch in the order of their partitions (site, month), so that each
        partition is written in one run and gets one segment file per commit: workers send
        pages of every month mixed. Pages of one article keep their order (the first one's
        partition counts for all), and a worker's report still comes after its pages."""
        pages: list = []
        for entry_id, fields in entries:
            if fields and fields.get(b"kind") == b"report":
                self._take_pages(pages)
                pages = []
                self._take_one(entry_id, fields)
                self.unacknowledged.append(entry_id)
            else:  # an entry read before and deleted since has no fields
                pages.append((entry_id, fields))
        self._take_pages(pages)

    def _take_pages(self, pages: list) -> None:
        partitions: dict = {}  # article -> the partition of its first page
        decoded = []
        for entry_id, fields in pages:
            item = key = None
            if fields:
                try:
                    item = decode_page(fields)
                    record = item.record
                    key = partitions.setdefault(record.get("id") or record.get("url"),
                                                (record.get("site") or "", *partition_of(record.get("published_at"))))
                except Exception:  # a damaged entry: _take_one logs it
                    item = None
            decoded.append((key or ("",), entry_id, fields, item))
        decoded.sort(key=lambda entry: entry[0])  # stable: an article's pages keep their order
        for _, entry_id, fields, item in decoded:
            if fields:
                self._take_one(entry_id, fields, item)
            self.unacknowledged.append(entry_id)

    def _take_one(self, entry_id: bytes, fields: dict, item=None) -> None:
        """A page our code fails on is logged and left out, as a crawl's pipeline failure is: not
        remembered as fetched, so the next run fetches it again (and it never blocks the stream)."""
        try:
            self.take(fields, item)
        except (OSError, sqlite3.OperationalError):
            raise  # the disk: the run stops (run)
        except Exception:
            logger.exception("could not store stream entry %s; the next run fetches its page again", entry_id)
            self.failures += 1

    def take(self, fields: dict, item=None) -> None:
        kind = fields.get(b"kind")
        run = (fields.get(b"run") or b"").decode()
        if kind == b"report":
            self.commit()  # the worker's pages are stored before its report says what became of them
            self.keep_report(orjson.loads(fields[b"data"]))
            return
        item = item or decode_page(fields)
        record = normalize_record(item.record)
        site = record.get("site") or "_"
        counts = self.counts[run, site]

        def count(key: str, n: int = 1) -> None:
            counts[key] += n

        item.problem = record_problem(record)
        storer = Storer(self.writer, count, item.warc_member is not None, self.retry_delays,
                        (fields.get(b"at") or b"").decode() or None)
        if item.problem is not None:
            count(f"vngov/{site}/rejected")
            storer.reject(item)
        else:
            storer.finish(item, storer.plan(item), item.warc_member)
        self.touched[site].update(fetched_urls(item))
        self.stored += 1

    def keep_report(self, report: dict) -> None:
        for site, data in report.get("sites", {}).items():
            counts = self.counts.pop((report.get("run_id") or "", site), {})
            data.update(stored_outcomes(counts, site))
            data["drift"] = runlog.judge_drift(data, runlog.recent_runs(self.root, site))
            data["outcome"] = runlog.outcome(data, report.get("finish_reason") or "finished")
        write_report(self.root, report, format_report(report))

    # -- committing and publishing ---------------------------------------------------------

    def commit(self) -> None:
        """Make what was stored durable, then acknowledge it and publish its crawl state. While
        another writer holds the archive (a compaction), nothing is acknowledged: the next
        commit tries again, and a crash meanwhile loses nothing."""
        try:
            self.writer.commit(wait=True)
        except ArchiveLocked as error:
            logger.warning("the archive stays locked (%s); committing later", error)
            return
        if self.unacknowledged:
            for start in range(0, len(self.unacknowledged), 1000):
                chunk = self.unacknowledged[start:start + 1000]
                self.client.xack(OUTBOX, GROUP, *chunk)
                self.client.xdel(OUTBOX, *chunk)
            self.unacknowledged = []
        for site, urls in self.touched.items():
            self._publish(site, sorted(urls))
        self.touched.clear()

    def publish_all(self) -> None:
        """The whole index's crawl state, for workers that start before anything new is stored."""
        sites = [site for (site,) in self.writer.db.execute("SELECT DISTINCT site FROM fetches WHERE site IS NOT NULL")]
        for site in sites:
            self._publish(site, None)

    def _publish(self, site: str, urls: list[str] | None) -> None:
        query = "SELECT canonical_url, last_fetched_at, published_at, first_fetched_at, retry_after FROM fetches"
        if urls is None:
            chunks = [self.writer.db.execute(query + " WHERE site = ?", (site,))]
        else:
            chunks = (self.writer.db.execute(query + f" WHERE canonical_url IN ({','.join('?' * len(part))})", part)
                      for part in (urls[i:i + 500] for i in range(0, len(urls), 500)))
        key = site_prefix(site) + "state"
        for rows in chunks:
            mapping = {}
            for url, fetched, published, first, retry in rows:
                mapping[url] = CrawlState.state_value(fetched, published, first, retry)
                if len(mapping) >= 5000:
                    self.client.hset(key, mapping=mapping)
                    mapping = {}
            if mapping:
                self.client.hset(key, mapping=mapping)


def run_archiver(redis_url: str, archive: Path, idle_exit: float | None = None, codec: str = "zstd") -> int:
    archiver = Archiver(redis_url, archive, codec=codec)
    previous = {sig: signal.signal(sig, archiver.stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        return archiver.run(idle_exit)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
