"""What the archive-facing pipelines share: the crawler (for settings, stats and the shared
archive writer). Not a pipeline itself."""
from __future__ import annotations


class CrawlerPipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)
