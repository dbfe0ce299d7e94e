"""Second pipeline: an article needs a URL, a title and a body, and must be the article its URL
names (not a list or a section served there, not the home page it now redirects to). The reason
a record fails (scraper.items.record_problem, which `vngov reparse` applies too) is set on the
item and counted; the store pipeline keeps it in the archive's rejects file and remembers the
fetch. Never silently dropped."""
from __future__ import annotations

from scraper.items import CrawledPage, record_problem

from .base import CrawlerPipeline


class ValidatePipeline(CrawlerPipeline):
    def process_item(self, item: CrawledPage, spider=None) -> CrawledPage:
        item.problem = record_problem(item.record)
        if item.problem is not None:
            site = item.record.get("site") or "_"
            kind = item.problem.split(":")[0]
            self.stats.inc_value("vngov/rejected")
            self.stats.inc_value(f"vngov/{site}/rejected")
            self.stats.inc_value(f"vngov/rejected/{kind}")
            self.stats.inc_value(f"vngov/{site}/rejected/{kind}")  # for the run report
        return item
