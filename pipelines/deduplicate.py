"""Third pipeline: same canonical URL and same content hash as the archive already holds means
unchanged: counted, remembered as fetched, not written again. A different hash goes on to be
stored as a new version."""
from __future__ import annotations

from scrapy.exceptions import DropItem

from scraper.archive import content_hash
from scraper.items import CrawledPage

from .base import CrawlerPipeline
from .session import archive_writer


class DeduplicatePipeline(CrawlerPipeline):
    def process_item(self, item: CrawledPage, spider=None) -> CrawledPage:
        writer = archive_writer(self.crawler)
        record = item.record
        digest = item.digest = content_hash(record)
        if writer.is_unchanged(record["id"], digest):
            site = record.get("site") or "_"
            writer.record_fetch(record["canonical_url"], site, item.status, digest, record.get("published_at"))
            writer.mark_seen(record["id"])
            self.stats.inc_value("vngov/articles/unchanged")
            self.stats.inc_value(f"vngov/{site}/unchanged")
            raise DropItem(f"unchanged {record['canonical_url']}")
        return item
