"""Runs of a crawl: their ids, and the locks that keep two runs of one site, or two commits into
one archive, apart. Depends on nothing of ours, so that settings.py may import it."""
from __future__ import annotations

import errno
import json
import os
import re
import secrets
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

LOCKS_DIR = ".locks"


def new_run_id() -> str:
    """A run's id: its start time in UTC and a few random characters, unique per process."""
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(2)


def run_id_of(crawler) -> str:
    """The run id of a crawler's run: Scrapyd's job id (the `_job` argument it gives every
    spider) when Scrapyd started it, else the VNGOV_RUN_ID setting."""
    run_id = getattr(getattr(crawler, "spider", None), "_job", None) or crawler.settings.get("VNGOV_RUN_ID")
    return safe_run_id(run_id)


def safe_run_id(value: str | None) -> str:
    """A run id usable in file names: `--set VNGOV_RUN_ID=../../x` stays inside the archive."""
    return re.sub(r"[^\w.-]+", "_", str(value or "")).strip("._") or new_run_id()


class SiteLocked(RuntimeError):
    """Another run crawls this site into this archive; the message names it."""


class FileLock:
    """An exclusive flock on `path`, whose file names its holder while it is held. The kernel
    releases it when its process ends, however it ends: a lock left by a killed process is free
    at once. Subclasses say what the file holds (`holder_text`)."""

    POLL = 0.2  # seconds between attempts while waiting

    def __init__(self, path: Path):
        self.path = path
        self._handle = None

    def holder_text(self) -> str:
        raise NotImplementedError

    def try_acquire(self) -> bool:
        import fcntl  # not at import: the read-only Archive imports the writer on Windows too

        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            handle.close()
            if error.errno in (errno.EAGAIN, errno.EACCES):
                return False
            raise
        handle.seek(0)
        handle.truncate()
        handle.write(self.holder_text())
        handle.flush()
        self._handle = handle
        return True

    def wait(self, timeout: float) -> bool:
        """Take the lock, waiting up to `timeout` seconds for its holder; whether it did."""
        deadline = time.monotonic() + timeout
        while not self.try_acquire():
            if time.monotonic() >= deadline:
                return False
            time.sleep(self.POLL)
        return True

    @property
    def held(self) -> bool:
        return self._handle is not None

    def release(self) -> None:
        if self._handle is not None:
            import fcntl

            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


class RunLock(FileLock):
    """The lock on <archive>/.locks/<site>.lock, held for a whole run of that site, taken before
    the run starts. The file says who holds it (pid, run id, start time, UTC), for the message a
    second run prints."""

    def __init__(self, archive: Path | str, site: str, run_id: str):
        super().__init__(Path(archive) / LOCKS_DIR / f"{site.replace('/', '_')}.lock")
        self.site = site
        self.run_id = run_id

    def holder_text(self) -> str:
        return json.dumps({"pid": os.getpid(), "run_id": self.run_id,
                           "since": datetime.now(timezone.utc).isoformat(timespec="seconds")})

    def acquire(self, wait: float = 0.0) -> None:
        """Take the lock, waiting up to `wait` seconds for its holder; SiteLocked if it is held."""
        if not self.wait(wait):
            raise SiteLocked(self._describe(self.holder()))

    def holder(self) -> dict:
        try:
            return json.loads(self.path.read_text(encoding="utf-8") or "{}")
        except (OSError, ValueError):
            return {}

    def _describe(self, holder: dict) -> str:
        who = f"run {holder.get('run_id', '?')} (pid {holder.get('pid', '?')}, since {holder.get('since', '?')} UTC)"
        return f"{self.site} is being crawled into {self.path.parent.parent} by {who}"


@contextmanager
def holding(archive: Path | str, sites: list[str], run_id: str, wait: float = 0.0):
    """Hold the run locks of all `sites` (SiteLocked, before anything is done, if one is held)."""
    locks = []
    try:
        for site in sites:
            lock = RunLock(archive, site, run_id)
            lock.acquire(wait)
            locks.append(lock)
        yield
    finally:
        for lock in locks:
            lock.release()


class RunLockExtension:
    """The run lock under `scrapy crawl` and Scrapyd, where no `vngov crawl` takes it first
    (which sets VNGOV_RUN_LOCKED): taken when the crawler is made, before the engine opens the
    spider. A crawl that finds its site locked closes at once with finish reason "locked",
    having fetched nothing, and its report says so."""

    def __init__(self, crawler, lock: RunLock, problem: str | None):
        self.crawler = crawler
        self.lock = lock
        self.problem = problem

    @classmethod
    def from_crawler(cls, crawler):
        from scrapy import signals
        from scrapy.exceptions import NotConfigured

        if crawler.settings.getbool("VNGOV_RUN_LOCKED"):
            raise NotConfigured  # vngov crawl holds the run locks (no warning: nothing is wrong)
        spider = crawler.spider
        site = getattr(spider, "site", None) or spider.name
        lock = RunLock(crawler.settings.get("VNGOV_ARCHIVE"), site, run_id_of(crawler))
        try:
            lock.acquire(crawler.settings.getfloat("VNGOV_RUN_LOCK_WAIT", 0))
            problem = None
        except SiteLocked as error:
            problem = str(error)
        extension = cls(crawler, lock, problem)
        crawler.signals.connect(extension.opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.closed, signal=signals.spider_closed)
        return extension

    def opened(self, spider):
        if self.problem:
            import logging

            from scrapy.utils.defer import deferred_from_coro

            logging.getLogger(__name__).error("%s; this run stops without fetching", self.problem)
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="locked"))

    def closed(self, spider, reason):
        self.lock.release()
