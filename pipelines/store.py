"""Last pipeline: the archive. A rejected record goes to the rejects file; otherwise the
writer decides (once) whether it is new, an update or unchanged, and a new version goes into
the archive with its fetch in WARC beside it. An update that lost fields the archived version
has (a template change, a page cut short) is held aside, not stored: the layout-drift guard.
Either way the fetch is remembered for the next run's incremental decisions: this is the one
place that records a fetch.

Encoding the WARC records (SHA-1 digests and a deflate of the whole page) is the costly part
of storing. A parse worker (VNGOV_PARSE_WORKERS) encodes them with the record; otherwise they
are encoded here on a thread of their own (all of it releases the GIL) while the crawl goes on,
and only for pages that changed. Either way the writer appends the finished bytes in the
reactor thread, so offsets stay exact."""
from __future__ import annotations

import asyncio
import errno
import logging
import sqlite3
import time
from datetime import datetime, timezone
from concurrent.futures import ThreadPoolExecutor

from scrapy import signals
from scrapy.exceptions import DropItem
from scrapy.utils.defer import deferred_from_coro

from scraper.archive.warc import encode_fetch
from scraper.crawlstate import RETRY_DELAYS, reject_policy, retry_after
from scraper.items import WITHDRAWN, CrawledPage
from scraper.parsing.urls import canonicalize_url

from .base import CrawlerPipeline
from .session import archive_writer

logger = logging.getLogger(__name__)
STOP_WAIT = 5.0  # seconds a stopping run waits for the archive's lock


def disk_full(error: Exception) -> bool:
    if isinstance(error, OSError):
        return error.errno in (errno.ENOSPC, errno.EDQUOT)
    return "disk is full" in str(error)  # SQLite's SQLITE_FULL


def fetched_urls(item: CrawledPage) -> list[str]:
    """Every canonical URL the page is known by: the one asked for (what listings link), the
    one it answered at, and the one it names as canonical; looked up by the next run (the
    writer keeps each once)."""
    fetch, record = item.fetch, item.record
    urls = [canonicalize_url(fetch.asked_for), canonicalize_url(fetch.url)]
    if record.get("canonical_url"):
        urls.append(record["canonical_url"])
    return urls


class StorePipeline(CrawlerPipeline):
    def __init__(self, crawler):
        super().__init__(crawler)
        self.keep_warc = crawler.settings.getbool("VNGOV_KEEP_WARC", True)
        self.retry_delays = tuple(float(d) for d in crawler.settings.getlist("VNGOV_RETRY_DELAYS", RETRY_DELAYS))
        self._encoder: ThreadPoolExecutor | None = None
        crawler.signals.connect(self._close, signal=signals.spider_closed)

    async def process_item(self, item: CrawledPage, spider=None) -> CrawledPage:
        if self.stats.get_value("vngov/archive_error"):  # the disk filled: nothing more is written
            raise DropItem(f"not stored, the archive cannot be written: {item.record.get('url')}")
        try:
            return await self._store(item)
        except (OSError, sqlite3.OperationalError) as error:
            if not disk_full(error):
                raise
            self._stop_on_full_disk(archive_writer(self.crawler), error)
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="disk_full"))
            raise DropItem(f"not stored, the disk is full: {item.record.get('url')}") from None

    def _stop_on_full_disk(self, writer, error: Exception) -> None:
        """What is not committed is dropped (none of it recorded as fetched: the next run, once
        there is space, fetches it), and the run fails with one line."""
        archive = self.crawler.settings.get("VNGOV_ARCHIVE")
        message = f"the disk is full ({error}) under {archive}; free space and run again"
        logger.error(message)
        self.stats.set_value("vngov/archive_error", message)
        writer.discard()

    async def _store(self, item: CrawledPage) -> CrawledPage:
        storer = Storer(archive_writer(self.crawler), self.stats.inc_value, self.keep_warc, self.retry_delays)
        record = item.record
        if item.problem is not None:
            storer.reject(item)
            raise DropItem(f"rejected {record.get('url')}: {item.problem}")
        planned = storer.plan(item)
        member = None
        if planned.status != "unchanged" and self.keep_warc:
            member = item.warc_member or await self._encode(item.fetch)
        status = storer.finish(item, planned, member)
        if status == "held":
            raise DropItem(f"held {record['canonical_url']}: {planned.reason}")
        if status == "unchanged":
            raise DropItem(f"unchanged {record['canonical_url']}")
        return item

    async def close_spider(self, spider=None) -> None:
        """Commit what this crawl added before the run ends, waiting for the archive's lock
        without blocking the reactor (a compaction may hold it). After VNGOV_LOCK_TIMEOUT the
        uncommitted part is dropped and the run fails: none of it was recorded as fetched, so
        the next run fetches it again."""
        writer = getattr(self.crawler, "vngov_writer", None)
        if writer is None:
            return
        if self.stats.get_value("vngov/archive_error"):
            writer.discard()
            return
        timeout = self.crawler.settings.getfloat("VNGOV_LOCK_TIMEOUT", 600)
        started = time.monotonic()
        while not self._try_commit(writer):
            waited = time.monotonic() - started
            # A run told to stop (SIGTERM, Ctrl-C) stops within seconds.
            stopping = not getattr(self.crawler.engine, "running", True)
            if waited >= timeout or (stopping and waited >= STOP_WAIT):
                message = (f"the archive stayed locked by another writer for {waited:.0f} s; this run's last "
                           f"uncommitted pages are left for the next run")
                logger.error(message)
                self.stats.set_value("vngov/archive_error", message)
                writer.discard()
                return
            await asyncio.sleep(0.2)

    def _try_commit(self, writer) -> bool:
        try:
            return writer.commit(wait=False)
        except (OSError, sqlite3.OperationalError) as error:
            if not disk_full(error):
                raise
            self._stop_on_full_disk(writer, error)
            return True

    async def _encode(self, fetch) -> bytes:
        if self._encoder is None:
            self._encoder = ThreadPoolExecutor(1, thread_name_prefix="vngov-warc")
        return await asyncio.wrap_future(self._encoder.submit(encode_fetch, fetch))

    def _close(self, spider=None, reason=None) -> None:
        if self._encoder is not None:
            self._encoder.shutdown(wait=True)
            self._encoder = None


class Storer:
    """Storing one validated page, wherever the archive's writer runs: in the crawl's store
    pipeline, and in the archiver of a shared frontier (scraper/archiver.py). `count(key)` counts
    outcomes under the crawl's stats keys."""

    def __init__(self, writer, count, keep_warc: bool = True, retry_delays: tuple[float, ...] = RETRY_DELAYS,
                 fetched_at: str | None = None):
        self.writer = writer
        self.fetched_at = fetched_at  # when a worker fetched the page (UTC, ms), if not just now
        self.count = count
        self.keep_warc = keep_warc
        self.retry_delays = retry_delays

    def plan(self, item: CrawledPage):
        """New, updated, unchanged or held (the layout-drift guard): the writer's one decision."""
        return self.writer.plan(item.record, guard=True)

    def finish(self, item: CrawledPage, planned, member: bytes | None) -> str:
        """Carry out the plan, its page going to WARC as `member` (encoded by the caller when the
        plan stores something); remember the fetch. Returns the outcome."""
        record, fetch, writer = item.record, item.fetch, self.writer
        site = record.get("site") or "_"
        result = writer.write(planned, fetch if self.keep_warc else None, member)
        # A held page is remembered as fetched, its content hash not: the archived version's stays.
        digest = planned.digest if result.status != "held" else None
        writer.record_fetch(fetched_urls(item), site, fetch.status, digest, record.get("published_at"),
                            at=self.fetched_at)
        self.count(f"vngov/articles/{result.status}")
        self.count(f"vngov/{site}/{result.status}")
        fetch.body, item.warc_member = b"", None  # the page is in WARC now; do not hold it in memory
        if result.status == "held":
            for name in planned.lost:
                self.count(f"vngov/{site}/held/{name.split(' ')[0]}")
        return result.status

    def reject(self, item: CrawledPage) -> None:
        """A rejected page goes to rejects/ with its reason, marked transient (fetched again
        after a back-off, whatever its age) or final (crawlstate.reject_policy)."""
        writer = self.writer
        site = item.record.get("site") or "_"
        urls = fetched_urls(item)
        previous, failures = writer.fetch_state(urls[0]) or (None, 0)
        final = reject_policy(item.problem, previous)
        failures = 0 if final else (failures or 0) + 1
        retry = None if final else retry_after(failures, datetime.now(timezone.utc), self.retry_delays)
        writer.reject(item.record, f"{item.problem} ({'final' if final else f'transient: fetched again after {retry}'})")
        published = item.record.get("published_at")
        # The URL asked for carries the retry; the others are what it answered at or named.
        others = [url for url in urls[1:] if url != urls[0]]
        writer.record_fetch(urls[:1], site, item.fetch.status, None, published, item.problem, failures, retry,
                            at=self.fetched_at)
        writer.record_fetch(others, site, item.fetch.status, None, published, item.problem, at=self.fetched_at)
        if not final:
            self.count(f"vngov/{site}/rejected_transient")
        elif any(kind in item.problem for kind in WITHDRAWN):
            writer.withdrawn(urls, item.problem.split(": ", 1)[-1])
            self.count(f"vngov/{site}/withdrawn")
