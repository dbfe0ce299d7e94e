"""Article parsing on worker processes, for crawls that outrun one CPU core.

A crawl with politeness lifted (a mirror, a backfill from a cache) is CPU-bound in Scrapy's one
thread, and parsing is its largest share. With VNGOV_PARSE_WORKERS = N > 0 the spider sends each
page's bytes to one of N worker processes and awaits the record, so downloading, pipelines and
parsing use separate cores. At polite live rates there is nothing to gain, and the default is 0:
parse in the crawl's own process.

The pool never loses a page: if a worker dies, that page and every later one is parsed in
process, with one warning in the log. Workers ignore SIGINT, so a Ctrl-C stops the crawl the
usual way (finish what is in flight, then close) rather than killing the parsers mid-page.
Nothing here imports Scrapy."""
from __future__ import annotations

import asyncio
import logging
import multiprocessing
import signal
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from .parsing import parse_article
from .sites import get_profile

logger = logging.getLogger(__name__)


def parse_record(body: bytes, url: str, profile_name: str | None, encoding: str | None) -> dict:
    """The record dict for one page: what the spider stores, in a process or out of it."""
    profile = get_profile(profile_name) if profile_name else None
    return parse_article(body, url, profile=profile, encoding=encoding).to_dict()


def _worker_init() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parse_record(b"<html><body><h1>x</h1><p>warm-up</p></body></html>", "https://example.vn/a-b-c-1.html", None, None)


class ParsePool:
    """N worker processes that turn (bytes, url) into record dicts."""

    def __init__(self, workers: int):
        self.workers = workers
        # spawn: a fork of a process running a reactor and threads is not safe.
        self._executor: ProcessPoolExecutor | None = ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn"), initializer=_worker_init)

    async def parse(self, body: bytes, url: str, profile_name: str | None, encoding: str | None) -> dict:
        executor = self._executor
        if executor is not None:
            try:
                future = executor.submit(parse_record, body, url, profile_name, encoding)
            except (BrokenProcessPool, RuntimeError) as error:  # RuntimeError: the pool was shut down
                self._give_up(executor, error)
            else:
                try:
                    return await asyncio.wrap_future(future)
                except BrokenProcessPool as error:
                    self._give_up(executor, error)
        return parse_record(body, url, profile_name, encoding)

    def _give_up(self, executor: ProcessPoolExecutor, error: Exception) -> None:
        if self._executor is executor:
            logger.warning("parse workers unavailable (%s); parsing in process from now on", error)
            self._executor = None
            executor.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)


_shared: dict = {}  # the process's pool and how many crawlers use it
_guard = threading.Lock()


def acquire(workers: int) -> ParsePool | None:
    """The process-wide pool (several sites crawl in one process), or None for workers <= 0."""
    if workers <= 0:
        return None
    with _guard:
        if "pool" not in _shared:
            _shared["pool"], _shared["users"] = ParsePool(workers), 0
        _shared["users"] += 1
        return _shared["pool"]


def release(pool: ParsePool | None) -> None:
    if pool is None:
        return
    with _guard:
        if _shared.get("pool") is not pool:
            return
        _shared["users"] -= 1
        if _shared["users"] > 0:
            return
        del _shared["pool"], _shared["users"]
    pool.close()
