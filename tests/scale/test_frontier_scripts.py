"""The shared frontier's Redis scripts on a real server, step by step: a request taken is leased
to its worker, a redirect or retry takes its lease over as it is queued, a dead worker's leases
go back to the queue, a redirect hop is never filtered, and only the last worker out of a
drained frontier ends the generation, marking its walk complete unless a worker died."""
from __future__ import annotations

import json
import subprocess
import sys

import redis
import scrapy

from scraper import frontier

from ..crawl.helpers import REPO
from .redis_server import redis_server

P = "vngov:example.gov.vn:"


def _join(client, worker: str, generation: str = "g1") -> str:
    found, _ = client.eval(frontier._JOIN, 1, P + "gen", P, generation, "2026-12-06T00:00:00.000+00:00", worker, 60000)
    return found.decode()


ENDED = "2026-12-06T01:30:00.000+00:00"  # when the last worker leaves


def _leave(client, generation: str, worker: str, incomplete: str = "") -> int:
    return client.eval(frontier._LEAVE, 5, P + "gen", f"{P}frontier:{generation}", f"{P}seen:{generation}",
                       f"{P}workers:{generation}", P + "covered_before", P, generation, worker, incomplete, ENDED)


def test_leases_follow_requests_and_a_dead_workers_go_back_to_the_queue(tmp_path):
    with redis_server(tmp_path) as url:
        client = redis.Redis.from_url(url)
        generation = _join(client, "a")
        assert _join(client, "b", "g2") == generation  # the second worker joins the first's generation
        queue, leased_a, leased_b = (f"{P}frontier:{generation}", f"{P}leased:{generation}:a",
                                     f"{P}leased:{generation}:b")
        for request, score in ((b"listing", 0), (b"article-1", -10), (b"article-2", -10)):
            client.eval(frontier._PUSH, 3, queue, leased_a, P + "seen:" + generation, score, request, "", "")
        assert client.eval(frontier._POP, 2, queue, leased_a, 1) == [b"article-1"]  # the highest priority first
        assert client.eval(frontier._POP, 2, queue, leased_b, 8) == [b"article-2", b"listing"]  # what there is
        # Worker b stops before its engine took the listing: it goes back, with its priority.
        client.eval(frontier._GIVE_BACK, 2, queue, leased_b, b"listing")
        assert client.zscore(queue, b"listing") == 0 and client.hkeys(leased_b) == [b"article-2"]
        assert client.eval(frontier._POP, 2, queue, leased_b, 8) == [b"listing"]
        client.eval(frontier._GIVE_BACK, 2, queue, leased_b, b"listing")
        # Worker a's request redirects: the hop is queued and takes the lease over in one step.
        client.eval(frontier._PUSH, 3, queue, leased_a, P + "seen:" + generation, -10, b"article-1-moved",
                    b"article-1", "")
        assert client.hlen(leased_a) == 0 and client.zscore(queue, b"article-1-moved") == -10
        # Worker b dies: its sign of life lapses, and the next recovery queues its lease again.
        assert client.eval(frontier._RECOVER, 3, f"{P}workers:{generation}", queue, P + "gen", P, generation) == 0
        client.delete(P + "alive:b")
        assert client.eval(frontier._RECOVER, 3, f"{P}workers:{generation}", queue, P + "gen", P, generation) == 1
        assert client.zscore(queue, b"article-2") == -10 and not client.exists(leased_b)
        assert client.hget(P + "gen", "incomplete") == b"a worker died"
        assert client.eval(frontier._OUTSTANDING, 2, f"{P}workers:{generation}", queue, P, generation) == 3
        client.close()


def test_the_last_worker_out_of_a_drained_frontier_ends_the_generation(tmp_path):
    with redis_server(tmp_path) as url:
        client = redis.Redis.from_url(url)
        generation = _join(client, "a")
        _join(client, "b")
        queue = f"{P}frontier:{generation}"
        client.eval(frontier._PUSH, 3, queue, f"{P}leased:{generation}:a", f"{P}seen:{generation}", 0, b"listing",
                    "", "fingerprint")
        # The same request again: filtered, not queued twice.
        assert client.eval(frontier._PUSH, 3, queue, f"{P}leased:{generation}:a", f"{P}seen:{generation}", 0,
                           b"listing-again", "", "fingerprint") == 0
        assert _leave(client, generation, "a") == 0  # work is queued: the generation goes on
        assert client.exists(P + "gen")
        client.zrem(queue, b"listing")
        assert _leave(client, generation, "b") == 1  # the last one out of a drained frontier
        assert not client.exists(P + "gen", queue, f"{P}workers:{generation}")
        assert client.get(P + "covered_before") == ENDED.encode()  # what it fetched is covered ground
        # A next generation whose walk a worker cut short leaves covered_before as it was.
        client.set(P + "covered_before", "before")
        generation = _join(client, "c", "g3")
        assert generation == "g3"
        assert _leave(client, generation, "c", "c stopped (shutdown)") == 1
        assert client.get(P + "covered_before") == b"before"
        # Workers that all died with nothing queued or leased leave a generation that is over: the
        # next worker starts a new one (else the run would find its listings already seen).
        generation = _join(client, "d", "g4")
        client.delete(P + "alive:d")
        assert _join(client, "e", "g5") == "g5"
        # All workers killed with requests still queued: a restarted worker goes on where they stopped.
        client.eval(frontier._PUSH, 3, f"{P}frontier:g5", f"{P}leased:g5:e", f"{P}seen:g5", 0, b"listing-2", "", "")
        client.delete(P + "alive:e")
        assert _join(client, "f", "g6") == "g5"
        client.close()


def test_a_redirect_hop_passes_the_generations_duplicate_filter(tmp_path):
    with redis_server(tmp_path) as url:
        client = redis.Redis.from_url(url)
        seen = frontier.GenerationDupeFilter(client, key=P + "seen:g1")
        home = "https://example.gov.vn/"
        assert not seen.request_seen(scrapy.Request(home))
        assert seen.request_seen(scrapy.Request(home))
        # Two withdrawn articles both redirect to the home page: each hop reaches the spider.
        for article in ("a", "b"):
            assert not seen.request_seen(scrapy.Request(home, meta={"redirect_urls": [home + article]}))
        client.close()


def test_many_callers_at_once_wait_for_a_connection_instead_of_failing(tmp_path):
    """A worker's outbox and politeness ask Redis from hundreds of requests and items at once;
    redis-py's own pool would fail them with "Too many connections" (pages lost for the run)."""
    import asyncio

    from scraper.extras import async_redis

    with redis_server(tmp_path) as url:
        async def many() -> list:
            client = async_redis(url, "test", connections=2)
            try:
                return await asyncio.gather(*(client.xadd("vngov:test", {"n": n}) for n in range(300)))
            finally:
                await client.aclose()

        assert len(asyncio.run(many())) == 300


def test_vngov_frontier_shows_queues_workers_and_the_archivers_backlog(tmp_path):
    """`vngov frontier --redis URL` reads what the scripts left: two workers, one of them dead
    with a lease, three requests queued, two pages waiting for an archiver that never read."""
    with redis_server(tmp_path) as url:
        client = redis.Redis.from_url(url)
        generation = _join(client, "host-1")
        _join(client, "host-2")
        queue, leased = f"{P}frontier:{generation}", f"{P}leased:{generation}:host-2"
        for n in range(4):
            client.eval(frontier._PUSH, 3, queue, leased, P + "seen:" + generation, -10, f"article-{n}", "", f"fp{n}")
        client.eval(frontier._POP, 2, queue, leased, 1)
        client.delete(P + "alive:host-2")
        client.hset(P + "state", mapping={"https://example.gov.vn/a.html": "1", "https://example.gov.vn/b.html": "2"})
        for n in range(2):
            client.xadd("vngov:outbox", {"kind": "page", "data": b"{}"})
        client.close()
        command = [sys.executable, "-m", "scraper", "frontier", "--redis", url]
        text = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
        figures = subprocess.run([*command, "--json"], cwd=REPO, capture_output=True, text=True)
    assert text.returncode == 0 and figures.returncode == 0, text.stderr + figures.stderr
    assert "archiver's stream: 2 pages waiting; no archiver has read it yet" in text.stdout
    assert "3 queued, 1 leased, 4 seen; 1 of 2 workers alive" in text.stdout
    assert "host-2: 1 leased, not answering" in text.stdout
    site = json.loads(figures.stdout)["sites"][0]
    assert (site["site"], site["queued"], site["leased"], site["crawl_state_urls"]) == ("example.gov.vn", 3, 1, 2)
    assert [(w["worker"], w["alive"]) for w in site["workers"]] == [("host-1", True), ("host-2", False)]


def test_a_queued_request_leaves_out_its_defaults_and_comes_back_whole():
    from scrapy.utils.request import request_from_dict
    from scrapy_redis import picklecompat

    from spiders.site import SiteSpider

    spider = SiteSpider(site="nhandan.vn")
    article = scrapy.Request("https://nhandan.vn/bai-viet-post800001.html", callback=spider.parse_article,
                             errback=spider.article_failed, priority=10, meta={"download_maxsize": 8_000_000},
                             cb_kwargs={"hints": {"source": "listing", "published_at": None, "lastmod": None}})
    unusual = scrapy.Request("https://nhandan.vn/tim-kiem", method="POST", body=b"q=1", headers={"X-A": "1"},
                             cookies={"session": "s"}, encoding="cp1258", priority=-3, dont_filter=True,
                             flags=["retry"], callback=spider.parse_article)
    for request in (article, unusual, scrapy.Request("https://nhandan.vn/")):
        encoded = frontier.encode_request(request, spider)
        back = request_from_dict(picklecompat.loads(encoded), spider=spider)
        assert back.to_dict(spider=spider) == request.to_dict(spider=spider)
    assert len(frontier.encode_request(article, spider)) < 0.8 * len(picklecompat.dumps(article.to_dict(spider=spider)))


def test_a_worker_that_stops_gives_back_what_it_leased_and_its_engine_never_took(tmp_path):
    from scrapy.utils.test import get_crawler

    from spiders.site import SiteSpider

    with redis_server(tmp_path) as url:
        crawler = get_crawler(SiteSpider, {"VNGOV_REDIS_URL": url, "VNGOV_WORKER": True, "VNGOV_WORKER_NAME": "host-1",
                                           "VNGOV_LEASE_BATCH": 8, "SCHEDULER_SERIALIZER": "scrapy_redis.picklecompat"})
        spider = SiteSpider.from_crawler(crawler, site="nhandan.vn")
        crawler.spider, crawler.engine = spider, None
        scheduler = frontier.SharedScheduler.from_crawler(crawler)
        scheduler.open(spider)
        for n in range(20):
            scheduler.enqueue_request(scrapy.Request(f"https://nhandan.vn/bai-viet-post{n}.html", priority=-n))
        first = scheduler.next_request()  # one round trip leases eight; the engine has one
        assert first.url.endswith("post0.html") and len(scheduler) == 19
        client = redis.Redis.from_url(url)
        assert client.zcard(scheduler.frontier_key) == 12 and client.hlen(scheduler.leased_key) == 8
        # Its response redirects, and links to a page already queued.
        moved = scrapy.Request("https://nhandan.vn/bai-viet-moi-post0.html",
                               meta={frontier.LEASE_META: first.meta[frontier.LEASE_META],
                                     "redirect_urls": [first.url]})
        scheduler.enqueue_request(moved)
        scheduler.enqueue_request(scrapy.Request("https://nhandan.vn/bai-viet-post5.html"))
        scheduler.close("closespider_itemcount")  # a bounded worker stops, its engine done with `first`
        # The seven its engine never took are queued again, for the other workers, with the page
        # `first` moved to (its lease taken over); none is stranded, the duplicate is not queued.
        assert client.zcard(scheduler.frontier_key) == 20 and not client.exists(scheduler.leased_key)
        assert b"bai-viet-moi-post0" in client.zrange(scheduler.frontier_key, 0, 0)[0]  # the redirect's priority
        assert crawler.stats.get_value("scheduler/enqueued/redis") == 21
        client.close()
