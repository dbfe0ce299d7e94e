"""What `vngov crawl` shows on a terminal while it runs: one line per site (pages, new, updated,
held, errors), redrawn every second, instead of Scrapy's log, which goes to a file. Enabled by
VNGOV_PROGRESS (vngov crawl sets it when stderr is a terminal)."""
from __future__ import annotations

import sys

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task


class _Board:
    """The lines of every crawler in the process (one per site), drawn together."""

    def __init__(self, stream):
        self.stream = stream
        self.rows: dict[str, object] = {}  # site -> its crawler's stats
        self.running: set[str] = set()
        self.drawn = 0
        self.loop: task.LoopingCall | None = None

    def add(self, site: str, stats) -> None:
        self.rows[site] = stats
        self.running.add(site)
        if self.loop is None:
            self.loop = task.LoopingCall(self.draw)
            self.loop.start(1.0, now=False)

    def done(self, site: str) -> None:
        self.running.discard(site)
        self.draw()  # a finished site's last counts stay on screen until every site is done
        if not self.running and self.loop is not None:
            self.loop.stop()
            self.loop = None
            self.rows.clear()
            self.drawn = 0

    def draw(self) -> None:
        lines = [progress_line(site, stats.get_stats()) for site, stats in self.rows.items()]
        if self.drawn:
            self.stream.write(f"\x1b[{self.drawn}F")  # back to the first line drawn last time
        for line in lines:
            self.stream.write(f"\x1b[2K{line}\n")
        self.stream.flush()
        self.drawn = len(lines)


_board: _Board | None = None


def progress_line(site: str, stats: dict) -> str:
    errors = sum(int(v) for k, v in stats.items()
                 if k.startswith("downloader/response_status_count/") and k.rsplit("/", 1)[1] >= "400")
    # Network errors; not the requests robots.txt forbids, which are no error.
    errors += int(stats.get("downloader/exception_count", 0)) - int(
        stats.get("downloader/exception_type_count/scrapy.exceptions.IgnoreRequest", 0))
    count = lambda outcome: int(stats.get(f"vngov/{site}/{outcome}", 0))  # noqa: E731
    held = f", held {count('held')}" if count("held") else ""
    return (f"{site}: {int(stats.get('response_received_count', 0))} pages, new {count('new')}, "
            f"updated {count('updated')}{held}, errors {errors}")


class ConsoleProgress:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("VNGOV_PROGRESS"):
            raise NotConfigured  # off unless on a terminal (no warning: nothing is wrong)
        extension = cls(crawler)
        crawler.signals.connect(extension.opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.closed, signal=signals.spider_closed)
        return extension

    def _site(self, spider) -> str:
        return getattr(spider, "site", None) or spider.name

    def opened(self, spider):
        global _board
        if _board is None:
            _board = _Board(sys.stderr)
        _board.add(self._site(spider), self.crawler.stats)

    def closed(self, spider, reason):
        if _board is not None:
            _board.done(self._site(spider))
