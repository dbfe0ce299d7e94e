"""Last pipeline: the record goes into the archive (a new article or a new version) and the
page it came from into WARC beside it.

Encoding the WARC record (two SHA-1 digests and a deflate of the whole page) is the costly
part of storing. A parse worker (VNGOV_PARSE_WORKERS) encodes it with the record; otherwise it
runs here on a thread of its own (all of it releases the GIL) while the crawl goes on. Either
way the writer appends the finished bytes in the reactor thread, so offsets stay exact."""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from scrapy import signals

from scraper.archive import RawPage
from scraper.archive.writer import encode_raw
from scraper.items import CrawledPage

from .base import CrawlerPipeline
from .session import archive_writer


class StorePipeline(CrawlerPipeline):
    def __init__(self, crawler):
        super().__init__(crawler)
        self.keep_warc = crawler.settings.getbool("VNGOV_KEEP_WARC", True)
        self._encoder: ThreadPoolExecutor | None = None
        crawler.signals.connect(self._close, signal=signals.spider_closed)

    async def process_item(self, item: CrawledPage, spider=None) -> CrawledPage:
        record = item.record
        raw = RawPage(url=record["url"], body=item.body, status=item.status, headers=item.headers,
                      fetched_at=item.fetched_at) if self.keep_warc else None
        member = None
        if raw is not None:
            member = item.warc_member or await self._encode(raw)
        writer = archive_writer(self.crawler)
        result = writer.add(record, raw, member, digest=item.digest)
        site = record.get("site") or "_"
        writer.record_fetch(record["canonical_url"], site, item.status, None, record.get("published_at"))
        self.stats.inc_value(f"vngov/articles/{result.status}")
        self.stats.inc_value(f"vngov/{site}/{result.status}")
        item.body = item.warc_member = b""  # the page is in WARC now; do not hold it in memory
        return item

    async def _encode(self, raw: RawPage) -> bytes:
        if self._encoder is None:
            self._encoder = ThreadPoolExecutor(1, thread_name_prefix="vngov-warc")
        return await asyncio.wrap_future(self._encoder.submit(encode_raw, raw))

    def _close(self, spider=None, reason=None) -> None:
        if self._encoder is not None:
            self._encoder.shutdown(wait=True)
            self._encoder = None
