"""Politeness shared through a real Redis: three crawler processes together keep one site's delay
and concurrency, where each alone would keep only its own; and a Retry-After pause holds for all."""
from __future__ import annotations

import asyncio
import subprocess
import time

import pytest

from scraper.archive import Archive
from scraper.mirror import Faults, MirrorServer, MirrorSite
from scraper.politeness import SharedPolitenessMiddleware

from ..crawl.helpers import REPO, crawl_command
from .redis_server import redis_server

HOST = "nhandan.vn"


def _crawl_three(server, tmp_path, *extra):
    processes = [subprocess.Popen(crawl_command(tmp_path / f"archive-{n}", server.url, [HOST], *extra), cwd=REPO,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for n in range(3)]
    for process in processes:
        _, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr[-3000:]


def _most_in_window(times: list[float], window: float) -> int:
    """The most requests that arrived within any `window` seconds."""
    times, most, first = sorted(times), 0, 0
    for last, moment in enumerate(times):
        while moment - times[first] > window:
            first += 1
        most = max(most, last - first + 1)
    return most


@pytest.mark.slow
def test_three_workers_together_keep_one_sites_delay_and_concurrency(tmp_path):
    site = MirrorSite(HOST, 15, seed=61)
    delay = 0.1  # at most 10 requests a second to the site, from all workers together
    with redis_server(tmp_path) as url, MirrorServer([site], Faults(latency=0.02)) as server:
        shared = ["--set", f"VNGOV_REDIS_URL={url}", "--set", f"VNGOV_GLOBAL_DELAY={delay}",
                  "--set", "VNGOV_GLOBAL_CONCURRENCY=1"]
        _crawl_three(server, tmp_path / "shared", *shared)
        times = [moment for host, moment in server.arrivals if host == HOST]
        in_flight = server.max_in_flight[HOST]
        server.reset_hits()
        _crawl_three(server, tmp_path / "alone")  # the same three workers, each polite only on its own
        alone = [moment for host, moment in server.arrivals if host == HOST]
        alone_in_flight = server.max_in_flight[HOST]
    for n in range(3):
        assert len(list(Archive(tmp_path / "shared" / f"archive-{n}").iter_articles())) == 15
    assert len(times) >= 3 * 15
    # Over any two seconds, no more than the limit allows, give or take 10%; one at a time.
    assert _most_in_window(times, 2.0) <= 2.0 / delay * 1.1, _most_in_window(times, 2.0)
    assert in_flight == 1
    # Without Redis, the three together go far past both (what makes this test able to fail).
    assert _most_in_window(alone, 2.0) > 2.0 / delay * 1.1 and alone_in_flight > 1


def test_a_retry_after_pause_and_the_leases_hold_for_every_worker(tmp_path):
    """The middleware's Redis scripts on a real server: reservations are spaced by the delay, a
    Retry-After pause pushes every next start past it, and a host's leases run out at the limit
    until one is given back."""
    with redis_server(tmp_path) as url:
        async def scenario():
            first = SharedPolitenessMiddleware(url, delay=0.2, concurrency=1, lease=30, retry_after_max=120)
            second = SharedPolitenessMiddleware(url, delay=0.2, concurrency=1, lease=30, retry_after_max=120)
            leases = "vngov:polite:nhandan.vn:leases"
            keys = ["vngov:polite:nhandan.vn:next", "vngov:polite:nhandan.vn:pause", leases]
            waits = [await worker.reserve(keys=keys, args=[200, 60000, "x", 30000]) for worker in (first, second, first)]
            await second.pause(keys=keys[1:2], args=[1500])
            paused = await first.reserve(keys=keys, args=[200, 60000, "x", 30000])
            taken = [await worker.acquire(keys=[leases], args=[token, 1, 30000])
                     for worker, token in ((first, "a"), (second, "b"))]
            await first.client.zrem(leases, "a")
            again = await second.acquire(keys=[leases], args=["b", 1, 30000])
            for worker in (first, second):
                await worker.client.aclose()
            return waits, paused, taken, again

        started = time.monotonic()
        waits, paused, taken, again = asyncio.run(scenario())
    assert waits[0] == 0 and 150 <= waits[1] <= 200 and 350 <= waits[2] <= 400
    assert paused >= 1400  # the pause, not the next slot at 600 ms
    assert taken == [1, 0] and again == 1
    assert time.monotonic() - started < 10
