"""Parsing on worker processes gives the same records as parsing in process, and survives
its workers dying."""
import asyncio
import dataclasses
import os
import signal

import pytest

from scraper import parsepool
from scraper.items import Fetch, Hints
from scraper.mirror import MirrorSite
from scraper.parsing.record import build_record


@pytest.fixture(scope="module")
def pages():
    site = MirrorSite("nhandan.vn", 6, seed=3)
    return [Fetch(url="https://nhandan.vn" + a.path, body=site.render(a.path).body,
                  fetched_at="2026-11-28T01:02:03+00:00") for a in site.articles]


def _without_volatile(record: dict) -> dict:
    return {k: v for k, v in record.items() if k != "parsed_at"}


def test_worker_records_equal_in_process_records(pages):
    pool = parsepool.ParsePool(2)
    try:
        async def run():
            return [r for r, _ in await asyncio.gather(*[pool.process(fetch, "nhandan.vn", False) for fetch in pages])]
        remote = asyncio.run(run())
    finally:
        pool.close()
    local = [build_record(fetch, "nhandan.vn") for fetch in pages]
    assert [_without_volatile(r) for r in remote] == [_without_volatile(r) for r in local]
    assert all(r["title"] and r["body_text"] for r in remote)


def test_a_dead_worker_means_parsing_in_process_not_lost_pages(pages, caplog):
    pool = parsepool.ParsePool(1)
    try:
        async def run():
            first, _ = await pool.process(pages[0], "nhandan.vn", False)
            for pid in pool.pids():  # kill the worker under the pool
                os.kill(pid, signal.SIGKILL)
            rest = [(await pool.process(fetch, "nhandan.vn", False))[0] for fetch in pages[1:]]
            return [first, *rest]
        records = asyncio.run(run())
    finally:
        pool.close()
    assert [r["url"] for r in records] == [fetch.url for fetch in pages]
    assert all(r["title"] for r in records)
    assert "parsing in process from now on" in caplog.text


def test_pool_is_shared_and_closed_by_its_last_user():
    assert parsepool.acquire(0) is None
    first = parsepool.acquire(1)
    second = parsepool.acquire(1)
    assert first is second
    pids = first.pids()
    assert parsepool.worker_pids() == pids and len(pids) == 1
    parsepool.release(first)
    assert first.pids() == pids
    parsepool.release(second)
    assert first.pids() == [] and parsepool.worker_pids() == []


def test_worker_encodes_the_warc_records_the_store_would(pages):
    import gzip

    from scraper.archive.warc import encode_fetch

    fetch = dataclasses.replace(pages[0], headers=[("Content-Type", "text/html; charset=utf-8")],
                                hints=Hints(source="feed", published_at="2026-11-27T08:00:00+07:00"))
    pool = parsepool.ParsePool(1)
    try:
        record, member = asyncio.run(pool.process(fetch, "nhandan.vn", True))
    finally:
        pool.close()
    local = gzip.decompress(encode_fetch(fetch))
    remote = gzip.decompress(member)
    # Identical but for the random WARC-Record-ID.
    strip = lambda data: b"\n".join(line for line in data.split(b"\n")
                                    if not line.startswith((b"WARC-Record-ID", b"WARC-Concurrent-To")))
    assert strip(remote) == strip(local) and record["url"] == fetch.url
    assert b"WARC-Type: metadata" in remote and b'"source": "feed"' in remote


def test_workers_that_cannot_start_mean_parsing_in_process(pages, caplog, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("no processes here")

    monkeypatch.setattr(parsepool.subprocess, "Popen", refuse)
    pool = parsepool.ParsePool(1)
    record, member = asyncio.run(pool.process(pages[0], "nhandan.vn", True))
    pool.close()
    assert record["title"] and member is None
    assert "cannot start parse workers" in caplog.text
