"""Runs of a crawl: their ids, and the lock that keeps two runs of one site from sharing an
archive's job state. Depends on nothing of ours, so that settings.py may import it."""
from __future__ import annotations

import errno
import json
import os
import secrets
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

LOCKS_DIR = ".locks"


def new_run_id() -> str:
    """A run's id: its start time in UTC and a few random characters, unique per process."""
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(2)


class SiteLocked(RuntimeError):
    """Another run crawls this site into this archive; the message names it."""


class RunLock:
    """An exclusive flock on <archive>/.locks/<site>.lock, held for a whole run of that site,
    taken before the run touches the site's JOBDIR. The kernel releases it when its process
    ends, however it ends: a lock left by a killed run is free at once. The file says who holds
    it (pid, run id, start time, UTC), for the message a second run prints."""

    def __init__(self, archive: Path | str, site: str, run_id: str):
        self.path = Path(archive) / LOCKS_DIR / f"{site.replace('/', '_')}.lock"
        self.site = site
        self.run_id = run_id
        self._handle = None

    def acquire(self, wait: float = 0.0) -> None:
        """Take the lock, waiting up to `wait` seconds for its holder; SiteLocked if it is held."""
        import fcntl  # POSIX: crawls run on Linux and macOS

        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as error:
                if error.errno not in (errno.EAGAIN, errno.EACCES):
                    handle.close()
                    raise
                if time.monotonic() >= deadline:
                    holder = self.holder()
                    handle.close()
                    raise SiteLocked(self._describe(holder)) from None
                time.sleep(0.2)
        handle.seek(0)
        handle.truncate()
        json.dump({"pid": os.getpid(), "run_id": self.run_id,
                   "since": datetime.now(timezone.utc).isoformat(timespec="seconds")}, handle)
        handle.flush()
        self._handle = handle

    def holder(self) -> dict:
        try:
            return json.loads(self.path.read_text(encoding="utf-8") or "{}")
        except (OSError, ValueError):
            return {}

    def _describe(self, holder: dict) -> str:
        who = f"run {holder.get('run_id', '?')} (pid {holder.get('pid', '?')}, since {holder.get('since', '?')} UTC)"
        return f"{self.site} is being crawled into {self.path.parent.parent} by {who}"

    def release(self) -> None:
        if self._handle is not None:
            import fcntl

            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


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
