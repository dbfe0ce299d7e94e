"""Second pipeline: an article needs a URL, a title and a body, and must be the article its URL
names (not a list or a section served there, not the home page it now redirects to). Anything
else is rejected with its reason (scraper.items.record_problem, which `vngov reparse` applies
too), written to the archive's rejects file and counted in Scrapy stats; never silently dropped."""
from __future__ import annotations

from scrapy.exceptions import DropItem

from scraper.items import CrawledPage, record_problem

from .base import CrawlerPipeline
from .session import archive_writer


class ValidatePipeline(CrawlerPipeline):
    def process_item(self, item: CrawledPage, spider=None) -> CrawledPage:
        record = item.record
        reason = record_problem(record)
        if reason is None:
            return item
        site = record.get("site") or "_"
        writer = archive_writer(self.crawler)
        writer.reject(record, reason)
        if record.get("canonical_url"):  # fetched all the same: do not fetch it again next run
            writer.record_fetch(record["canonical_url"], site, item.status, None, record.get("published_at"))
        self.stats.inc_value("vngov/rejected")
        self.stats.inc_value(f"vngov/{site}/rejected")
        self.stats.inc_value(f"vngov/rejected/{reason.split(':')[0]}")
        self.stats.inc_value(f"vngov/{site}/rejected/{reason.split(':')[0]}")  # for the run report
        raise DropItem(f"rejected {record.get('url')}: {reason}")
