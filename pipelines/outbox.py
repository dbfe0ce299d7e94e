"""Last pipeline of a worker of a shared frontier (`vngov crawl --redis URL`), in place of the
store: each validated page goes to the Redis stream `vngov:outbox`, with its WARC records
already encoded (the workers spread that cost; the archiver only appends them). The archiver
(scraper/archiver.py) is the archive's one writer: it takes the pages from the stream in order,
stores them as the store pipeline does and acknowledges each only once it is committed.

When the archiver falls behind, workers wait: the stream holds at most VNGOV_OUTBOX_MAX pages,
so that Redis's memory stays bounded whatever the speed of the fetching."""
from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict
from datetime import datetime, timezone

import orjson
from scrapy import signals

from scraper.archive.warc import encode_fetch
from scraper.extras import async_redis
from scraper.items import CrawledPage, Fetch, Hints

from .base import CrawlerPipeline

logger = logging.getLogger(__name__)
OUTBOX = "vngov:outbox"


def encode_page(item: CrawledPage, run_id: str, warc_member: bytes | None) -> dict:
    """A stream entry for one crawled page (decode_page reads it back)."""
    fetch = asdict(item.fetch)
    fetch.pop("body")
    # When the page was fetched, to the millisecond (Fetch keeps seconds): the crawl state the
    # archiver records, however far behind it is (a lastmod after it means an edit to fetch).
    at = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
    return {"kind": "page", "run": run_id, "at": at, "warc": warc_member or b"",
            "data": orjson.dumps({"record": item.record, "fetch": fetch})}


def decode_page(fields: dict) -> CrawledPage:
    data = orjson.loads(fields[b"data"])
    fetch = data["fetch"]
    fetch["hints"] = Hints.from_dict(fetch.get("hints"))
    fetch["headers"] = [tuple(pair) for pair in fetch.get("headers") or []]
    return CrawledPage(record=data["record"], fetch=Fetch(**fetch), warc_member=fields.get(b"warc") or None)


def encode_report(report: dict) -> dict:
    """A stream entry for a worker's run report: after the worker's pages in the stream, so that
    the archiver has stored them all when it completes the report with their outcomes."""
    return {"kind": "report", "run": report.get("run_id") or "", "data": orjson.dumps(report)}


class OutboxPipeline(CrawlerPipeline):
    def __init__(self, crawler):
        super().__init__(crawler)
        self.client = async_redis(crawler.settings.get("VNGOV_REDIS_URL"), "vngov crawl --redis (the shared frontier)")
        self.keep_warc = crawler.settings.getbool("VNGOV_KEEP_WARC", True)
        self.limit = crawler.settings.getint("VNGOV_OUTBOX_MAX", 5000)
        self.run_id = crawler.settings.get("VNGOV_RUN_ID")
        self.pushed = 0  # the stream's length is looked at every 20 pages
        crawler.signals.connect(self._close, signal=signals.spider_closed)

    async def process_item(self, item: CrawledPage, spider=None) -> CrawledPage:
        member = item.warc_member
        if member is None and self.keep_warc and item.problem is None:
            member = await asyncio.to_thread(encode_fetch, item.fetch)
        entry = encode_page(item, self.run_id, member if self.keep_warc else None)
        waited = False
        self.pushed += 1
        while self.pushed % 20 == 0 and await self.client.xlen(OUTBOX) >= self.limit:
            if not waited:
                logger.info("the archiver is %d pages behind: waiting for it", self.limit)
                waited = True
            await asyncio.sleep(0.5)
        await self.client.xadd(OUTBOX, entry)
        item.fetch.body, item.warc_member = b"", None
        self.stats.inc_value("vngov/outbox/pages")
        return item

    async def _close(self, spider=None, reason=None) -> None:
        await self.client.aclose()
