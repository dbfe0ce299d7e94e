"""The one ArchiveWriter per process and archive that the pipelines of every crawler share
(several sites crawl in one process). It takes the archive's lock only to commit. Not a
pipeline."""
from __future__ import annotations

import threading
from pathlib import Path

from scrapy import signals

from scraper.archive import ArchiveWriter
from scraper.runs import run_id_of

_writers: dict[Path, list] = {}  # archive path -> [writer, crawlers still using it]
_guard = threading.Lock()


def archive_writer(crawler) -> ArchiveWriter:
    writer = getattr(crawler, "vngov_writer", None)
    if writer is not None:
        return writer
    settings = crawler.settings
    root = Path(settings.get("VNGOV_ARCHIVE")).resolve()
    with _guard:
        entry = _writers.get(root)
        if entry is None:
            entry = _writers[root] = [ArchiveWriter(root, run_id=run_id_of(crawler),
                                                    codec=settings.get("VNGOV_CODEC", "zstd"),
                                                    commit_every=settings.getint("VNGOV_COMMIT_EVERY", 2000),
                                                    commit_interval=settings.getfloat("VNGOV_COMMIT_INTERVAL", 60),
                                                    lock_timeout=settings.getfloat("VNGOV_LOCK_TIMEOUT", 600),
                                                    exclusive=False), 0]
        entry[1] += 1
    crawler.vngov_writer = entry[0]
    crawler.signals.connect(lambda spider, reason: _release(crawler, root), signal=signals.spider_closed, weak=False)
    return entry[0]


def _release(crawler, root: Path) -> None:
    crawler.vngov_writer = None
    with _guard:
        entry = _writers.get(root)
        if entry is None:
            return
        entry[1] -= 1
        if entry[1] <= 0:
            del _writers[root]
            entry[0].close()
