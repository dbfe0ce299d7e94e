"""The archiver (scraper/archiver.py) on a real Redis stream: pages that workers send with every
month mixed are stored one segment file per partition, and the pages of one article keep their
order whatever their months."""
from collections import Counter

import redis

from pipelines.outbox import OUTBOX, encode_page
from scraper.archive import Archive
from scraper.archiver import Archiver
from scraper.items import CrawledPage, Fetch

from ..archive.records import make_record
from .redis_server import redis_server


def _send(client, record: dict) -> None:
    fetch = Fetch(url=record["url"], body=b"<html><body>...</body></html>", fetched_at="2026-12-01T00:00:00+00:00")
    client.xadd(OUTBOX, encode_page(CrawledPage(record=record, fetch=fetch), "run-1", None))


def test_mixed_months_make_one_segment_per_partition_and_an_articles_pages_keep_their_order(tmp_path):
    records = []
    for n in range(60):  # twelve months, each page of another month than the one before
        record = make_record(n, site="nhandan.vn")
        record["published_at"] = f"2025-{n % 12 + 1:02d}-10T08:00:00+07:00"
        records.append(record)
    # Article 0 again, edited and now dated a month earlier: its second version must stay the
    # latest, though its month sorts before the first version's.
    edited = dict(records[0], body_text=records[0]["body_text"] + "\n\nĐính chính.",
                  published_at="2024-12-10T08:00:00+07:00")
    with redis_server(tmp_path) as url:
        client = redis.Redis.from_url(url)
        for record in [*records, edited]:
            _send(client, record)
        archiver = Archiver(url, tmp_path / "archive")
        assert archiver.run(idle_exit=0.5) == 0
        assert client.xlen(OUTBOX) == 0  # all committed, acknowledged and deleted
        client.close()
    archive = Archive(tmp_path / "archive")
    latest = {record["id"]: record for record in archive.iter_articles()}
    assert len(latest) == 60 and latest[edited["id"]]["body_text"].endswith("Đính chính.")
    assert latest[edited["id"]]["version"] == 2
    segments = Counter(path.parent for path in (tmp_path / "archive").rglob("part-*"))
    assert len(segments) == 13 and set(segments.values()) == {1}, segments


def test_pages_arriving_a_few_at_a_time_are_stored_together_at_each_commit(tmp_path):
    """Workers send a few pages at a time, of every month mixed: stored as they came, nearly
    every page would close a segment for the next one's month (a file per page or two)."""
    import threading
    import time

    with redis_server(tmp_path) as url:
        client = redis.Redis.from_url(url)
        archiver = Archiver(url, tmp_path / "archive")
        done: list = []
        thread = threading.Thread(target=lambda: done.append(archiver.run(idle_exit=1.5)))
        thread.start()
        for n in range(60):
            record = make_record(n, site="nhandan.vn")
            record["published_at"] = f"2025-{n % 12 + 1:02d}-10T08:00:00+07:00"
            _send(client, record)
            if n % 3 == 2:
                time.sleep(0.01)  # the archiver reads what is there: three pages
        thread.join(60)
        assert done == [0] and client.xlen(OUTBOX) == 0
        client.close()
    assert len(list(Archive(tmp_path / "archive").iter_articles())) == 60
    segments = list((tmp_path / "archive").rglob("part-*"))
    # One commit for all, or a few on a slow machine: never a file for every page or two.
    assert len(segments) <= 24, len(segments)
