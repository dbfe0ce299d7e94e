"""Last pipeline: the record goes into the archive (a new article or a new version) and the
page it came from into WARC beside it."""
from __future__ import annotations

from scraper.archive import RawPage
from scraper.items import CrawledPage

from .base import CrawlerPipeline
from .session import archive_writer


class StorePipeline(CrawlerPipeline):
    def process_item(self, item: CrawledPage, spider=None) -> CrawledPage:
        writer = archive_writer(self.crawler)
        record = item.record
        raw = RawPage(url=record["url"], body=item.body, status=item.status, headers=item.headers,
                      fetched_at=item.fetched_at) if self.crawler.settings.getbool("VNGOV_KEEP_WARC", True) else None
        result = writer.add(record, raw)
        site = record.get("site") or "_"
        writer.record_fetch(record["canonical_url"], site, item.status, None, record.get("published_at"))
        self.stats.inc_value(f"vngov/articles/{result.status}")
        self.stats.inc_value(f"vngov/{site}/{result.status}")
        item.body = b""  # the page is in WARC now; do not hold it in memory
        return item
