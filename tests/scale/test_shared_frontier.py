"""Scale-out through a real Redis: workers of one shared frontier (`vngov crawl --redis`) and one
archiver (`vngov archiver`) crawl a mirror of two sites together. Every article is archived
once and fetched once, robots.txt and the shared politeness hold for all, a killed worker or a
killed archiver loses nothing, and a second scheduled run fetches what a single-process
incremental run fetches."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter

import pytest
import redis

from scraper.archive import Archive
from scraper.archive.index import INDEX_NAME
from scraper.mirror import MirrorServer, MirrorSite
from pipelines.outbox import OUTBOX
from scraper.mirror.site import TRAP_PREFIX

from ..crawl.helpers import REPO, article_hits, crawl
from .redis_server import redis_server
from .test_shared_politeness import _most_in_window

HOSTS = ("nhandan.vn", "baochinhphu.vn")
DELAY = 0.02  # the shared per-site delay: at most 50 requests a second to a site, all workers together


def _worker(url: str, mirror: str, *extra: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "scraper", "crawl", *HOSTS, "--redis", url, "--mirror", mirror, "--fast",
               "--log-level", "WARNING", "--idle-close", "1", "--set", f"VNGOV_GLOBAL_DELAY={DELAY}",
               "--set", "VNGOV_GLOBAL_CONCURRENCY=2", "--set", "VNGOV_WORKER_TTL=10",
               # A killed worker's politeness leases lapse 5 s after this (the mirror answers in ms).
               "--set", "DOWNLOAD_TIMEOUT=3", *extra]
    return subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _archiver(url: str, archive) -> subprocess.Popen:
    command = [sys.executable, "-m", "scraper", "archiver", "--redis", url, "--archive", str(archive),
               "--log-level", "WARNING"]
    return subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _drain(url: str, archiver: subprocess.Popen) -> None:
    """Once the workers are done: wait until the archiver has committed everything they sent
    (it deletes each page from the stream once committed), then stop it as a service is stopped."""
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 120
    while client.xlen(OUTBOX):
        assert time.monotonic() < deadline and archiver.poll() is None, archiver.stderr.read()[-3000:]
        time.sleep(0.1)
    client.close()
    archiver.send_signal(signal.SIGTERM)
    _finish(archiver)


def _finish(process: subprocess.Popen, timeout: float = 240) -> str:
    """The process's standard output and error, once it exited with status 0."""
    stdout, stderr = process.communicate(timeout=timeout)
    assert process.returncode == 0, stderr[-3000:]
    return stdout + stderr


def _sent(stdout: str) -> int:
    """Article pages a worker sent to the archiver, from its summary lines."""
    return sum(int(line.rsplit(" article pages", 1)[0].rsplit(" ", 1)[1])
               for line in stdout.splitlines() if "article pages sent" in line)


def _versions(archive) -> tuple[int, int]:
    """(versions stored, distinct articles) in the index."""
    connection = sqlite3.connect(archive / INDEX_NAME)
    try:
        return connection.execute("SELECT COUNT(*), COUNT(DISTINCT id) FROM versions").fetchone()
    finally:
        connection.close()


def _wait_for_hits(server, sites, count: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while len(article_hits(server, sites)) < count:
        assert time.monotonic() < deadline, "the crawl made no progress"
        time.sleep(0.05)


def _holding_leases(url: str, workers: list[str], timeout: float = 120) -> int:
    """The index of a worker in `workers` that holds leased requests, once one does."""
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + timeout
    try:
        while True:
            for index, worker in enumerate(workers):
                if any(client.hlen(key) for key in client.scan_iter(f"vngov:*:leased:*:{worker}")):
                    return index
            assert time.monotonic() < deadline, "no worker took a request"
            time.sleep(0.01)
    finally:
        client.close()


def _sites(count: int) -> tuple[list[MirrorSite], int]:
    """A mirror site per host with `count` articles each, and their total."""
    return [MirrorSite(host, count, seed=70 + n) for n, host in enumerate(HOSTS)], count * len(HOSTS)


@pytest.mark.slow
def test_three_workers_and_an_archiver_store_each_article_once_and_the_next_run_is_incremental(tmp_path):
    sites, total = _sites(300)
    with redis_server(tmp_path) as url, MirrorServer(sites) as server:
        archiver = _archiver(url, tmp_path / "archive")
        workers = [_worker(url, server.url) for _ in range(3)]
        sent = [_sent(_finish(worker)) for worker in workers]
        _drain(url, archiver)
        hits = article_hits(server, sites)
        arrivals = {host: [moment for h, moment in server.arrivals if h == host] for host in HOSTS}
        trapped = server.hits_for(lambda hit: hit[1].startswith(TRAP_PREFIX))
        first_versions = _versions(tmp_path / "archive")

        # A single-process crawl of the same mirror, for the second run's comparison.
        crawl(tmp_path / "alone", server.url, list(HOSTS))
        time.sleep(1.1)  # a sitemap's lastmod has whole seconds: the edits come after every fetch
        for site in sites:
            site.add_articles(5)
            site.edit_article(len(site.articles) - 8)
        server.reset_hits()
        archiver = _archiver(url, tmp_path / "archive")
        for worker in [_worker(url, server.url) for _ in range(2)]:
            _finish(worker)
        _drain(url, archiver)
        second = Counter((host, path) for host, path, _ in article_hits(server, sites))
        server.reset_hits()
        crawl(tmp_path / "alone", server.url, list(HOSTS))
        alone = Counter((host, path) for host, path, _ in article_hits(server, sites))

    assert len(hits) == total == 600
    assert len({(host, path) for host, path, _ in hits}) == total  # no article fetched twice
    assert first_versions == (total, total)  # every article archived, each once
    # Every worker did work. (Their article pages may be a few more than the articles: a link that
    # only looks like an article's is fetched and rejected, by a single process too.)
    assert all(n > 0 for n in sent) and sum(sent) >= total, sent
    assert not trapped  # robots.txt obeyed by every worker
    for host, times in arrivals.items():  # the per-site limit held for all three together
        assert _most_in_window(times, 2.0) <= 2.0 / DELAY * 1.1, (host, _most_in_window(times, 2.0))
    # The second run: the new articles, the recent ones in the re-fetch window, as one process does.
    assert second == alone and set(second) >= {(site.host, a.path) for site in sites for a in site.articles[-5:]}
    latest = {record["url"]: record for record in Archive(tmp_path / "archive").iter_articles()}
    assert len(latest) == total + 10
    # The edits the re-fetch window caught became new versions, as in the single-process archive.
    assert _versions(tmp_path / "archive") == _versions(tmp_path / "alone")
    assert _versions(tmp_path / "archive")[0] > total + 10


@pytest.mark.slow
def test_a_killed_worker_loses_nothing_and_a_killed_archiver_stores_nothing_twice(tmp_path):
    sites, total = _sites(150)
    with redis_server(tmp_path) as url, MirrorServer(sites) as server:
        archiver = _archiver(url, tmp_path / "archive")
        # A killed worker's leases go back to the queue 3 s after its last sign of life.
        workers = [_worker(url, server.url, "--set", "VNGOV_WORKER_TTL=3", "--set", f"VNGOV_WORKER_NAME=w{n}")
                   for n in range(3)]
        _wait_for_hits(server, sites, total // 4)
        # A worker holding leases (on a loaded machine one may still be starting).
        victim = workers.pop(_holding_leases(url, [f"w{n}" for n in range(3)]))
        os.kill(victim.pid, signal.SIGKILL)  # its leased requests go to the others
        victim.wait()
        _wait_for_hits(server, sites, total // 2)
        os.kill(archiver.pid, signal.SIGKILL)  # what it read and did not commit is read again
        archiver.wait()
        archiver = _archiver(url, tmp_path / "archive")
        survivors = [_finish(worker) for worker in workers]
        _drain(url, archiver)
    # The killed worker's leased requests went back to the queue, and the others fetched them.
    assert any("queued again" in output for output in survivors), survivors
    latest = list(Archive(tmp_path / "archive").iter_articles())
    assert len(latest) == len({record["id"] for record in latest}) == total
    assert _versions(tmp_path / "archive") == (total, total)  # nothing stored twice
