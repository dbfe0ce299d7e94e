"""Article parsing on worker processes, for crawls that outrun one CPU core.

A crawl with politeness lifted (a mirror, a backfill from a cache) is CPU-bound in Scrapy's one
thread, and parsing is its largest share. With VNGOV_PARSE_WORKERS = N > 0 the spider sends each
page's bytes to one of N worker processes and awaits the record, so downloading, pipelines and
parsing use separate cores. At polite live rates there is nothing to gain, and the default is 0:
parse in the crawl's own process.

A worker also encodes the page's WARC records (process_page), the other CPU-heavy step of
storing a page. Each worker is `python -m scraper.parsepool FD`, joined to the crawl by a
socket pair. Requests
and replies are length-prefixed pickles, answered in order; the crawl side is an asyncio
protocol on the reactor's own event loop. No helper threads: a thread that pickles 80 KB pages
competes with the reactor for the GIL.

The pool never loses a page: if a worker dies, its pages and every later one are parsed in
process, with one warning in the log. Workers ignore SIGINT, so a Ctrl-C stops the crawl the
usual way (finish what is in flight, then close) rather than killing the parsers mid-page.
Nothing here imports Scrapy."""
from __future__ import annotations

import asyncio
import collections
import logging
import os
import pickle
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

from .archive.warc import encode_fetch
from .items import Fetch
from .parsing.record import MAX_PAGE_BYTES, build_record

logger = logging.getLogger(__name__)
_HEADER = 4  # bytes of big-endian frame length


def process_page(fetch: Fetch, profile_name: str | None, keep_warc: bool,
                 max_bytes: int = MAX_PAGE_BYTES) -> tuple[dict, bytes | None]:
    """The record (build_record) and, with `keep_warc`, the fetch's WARC records: all the CPU
    work a fetched page needs, so that a worker can do it in one go."""
    return build_record(fetch, profile_name, max_bytes), encode_fetch(fetch) if keep_warc else None


class WorkerGone(RuntimeError):
    """The worker process exited or its socket closed."""


class _Channel(asyncio.Protocol):
    """The crawl's end of one worker's socket: frames out, replies in, in order."""

    def __init__(self):
        self.transport: asyncio.Transport | None = None
        self.waiting: collections.deque[asyncio.Future] = collections.deque()
        self.buffer = bytearray()
        self.lost: Exception | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def send(self, payload: bytes) -> asyncio.Future:
        future = asyncio.get_running_loop().create_future()
        if self.lost is not None:
            future.set_exception(WorkerGone(str(self.lost)))
            return future
        self.waiting.append(future)
        self.transport.write(len(payload).to_bytes(_HEADER, "big") + payload)
        return future

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while len(self.buffer) >= _HEADER:
            size = int.from_bytes(self.buffer[:_HEADER], "big")
            if len(self.buffer) < _HEADER + size:
                return
            frame = bytes(self.buffer[_HEADER:_HEADER + size])
            del self.buffer[:_HEADER + size]
            future = self.waiting.popleft()
            if not future.done():
                future.set_result(frame)

    def connection_lost(self, exc) -> None:
        self.lost = exc or WorkerGone("worker closed its socket")
        while self.waiting:
            future = self.waiting.popleft()
            if not future.done():
                future.set_exception(WorkerGone(str(self.lost)))


class _Worker:
    def __init__(self):
        ours, theirs = socket.socketpair()
        for end in (ours, theirs):  # room for whole pages: fewer partial writes and wake-ups
            end.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 22)
            end.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
        root = str(Path(__file__).resolve().parent.parent)
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])))
        try:
            self.process = subprocess.Popen([sys.executable, "-m", "scraper.parsepool", str(theirs.fileno())],
                                            pass_fds=[theirs.fileno()], env=env, stdin=subprocess.DEVNULL)
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        self.socket = ours
        self.channel: _Channel | None = None
        self._connected: asyncio.Future | None = None

    async def connect(self) -> _Channel:
        if self._connected is None:  # the first caller connects; the others await the same
            self._connected = asyncio.ensure_future(self._connect())
        return await self._connected

    async def _connect(self) -> _Channel:
        self.channel = _Channel()
        await asyncio.get_running_loop().create_connection(lambda: self.channel, sock=self.socket)
        return self.channel

    def close(self) -> None:
        if self.channel is not None and self.channel.transport is not None:
            try:
                self.channel.transport.close()
            except RuntimeError:  # the loop that owned it is gone
                pass
        self.socket.close()  # EOF: the worker finishes its page and exits
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class ParsePool:
    """N worker processes that turn (bytes, url) into record dicts."""

    def __init__(self, workers: int):
        self.workers: list[_Worker] = []
        self.broken = False
        try:
            for _ in range(workers):
                self.workers.append(_Worker())
        except (OSError, ValueError) as error:  # no fork/exec here (or no fd passing): parse in process
            logger.warning("cannot start parse workers (%s); parsing in process", error)
            self.close()
            self.broken = True

    def pids(self) -> list[int]:
        return [worker.process.pid for worker in self.workers if worker.process.poll() is None]

    async def process(self, fetch: Fetch, profile_name: str | None, keep_warc: bool,
                      max_bytes: int = MAX_PAGE_BYTES) -> tuple[dict, bytes | None]:
        """process_page on a worker. In process instead, when the workers are gone (the WARC
        records are then left to the store pipeline: None)."""
        if not self.broken:
            try:
                channels = [await worker.connect() for worker in self.workers]
                channel = min(channels, key=lambda c: len(c.waiting))  # the least busy worker
                request = pickle.dumps((fetch, profile_name, keep_warc, max_bytes), protocol=5)
                ok, value = pickle.loads(await channel.send(request))
                if ok:
                    return value
                logger.warning("parse worker failed on %s (%s); parsing it in process", fetch.url, value)
            except (WorkerGone, OSError) as error:
                if not self.broken:
                    self.broken = True
                    logger.warning("parse workers unavailable (%s); parsing in process from now on", error)
        return build_record(fetch, profile_name, max_bytes), None

    def close(self) -> None:
        workers, self.workers = self.workers, []
        for worker in workers:
            worker.close()


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


def worker_pids() -> list[int]:
    """Process ids of the live parse workers of this process (for memory reports)."""
    pool = _shared.get("pool")
    return pool.pids() if pool is not None else []


def _serve(fd: int) -> None:
    """A worker's life: read a request, parse, write the reply, until the crawl closes the socket."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    connection = socket.socket(fileno=fd)
    reader, writer = connection.makefile("rb"), connection.makefile("wb")
    while True:
        try:
            header = reader.read(_HEADER)
            request = reader.read(int.from_bytes(header, "big")) if len(header) == _HEADER else b""
        except OSError:  # the crawl went away
            return
        if not request:
            return
        try:
            reply = pickle.dumps((True, process_page(*pickle.loads(request))), protocol=5)
        except Exception as error:  # build_record does not raise; a bug must not kill the worker
            reply = pickle.dumps((False, repr(error)), protocol=5)
        try:
            writer.write(len(reply).to_bytes(_HEADER, "big") + reply)
            writer.flush()
        except OSError:  # the crawl went away
            return


if __name__ == "__main__":
    _serve(int(sys.argv[1]))
