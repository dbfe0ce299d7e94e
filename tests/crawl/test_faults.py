"""A bad day at the sites must not cost an article: what a faulty run could not take (error pages
served with 200, PDFs, pages cut short, redirects home, failing listings and feeds) is taken by
the next clean run, and nothing it stored is wrong."""
import json
import sqlite3
import subprocess

import pytest

from scraper.archive import Archive
from scraper.crawl import EXIT_SITE_FAILED
from scraper.crawlstate import reject_policy
from scraper.mirror import MirrorServer, MirrorSite

from .helpers import article_hits, crawl

SITES = ["nhandan.vn", "baochinhphu.vn"]
NOW = ["--set", "VNGOV_RETRY_DELAYS=0"]  # the back-off of a scheduled run's next day, in a test


def _latest(root) -> dict[str, str]:
    return {r["id"]: r["content_hash"] for r in Archive(root).iter_articles()}


@pytest.mark.slow
def test_a_faulty_run_then_a_clean_run_gives_what_a_clean_run_gives(tmp_path):
    sites = [MirrorSite(name, 60, seed=41 + i) for i, name in enumerate(SITES)]
    faulted = sum(1 for site in sites for article in site.articles if site.fault_of(article))
    assert faulted == 40  # a third of the articles
    with MirrorServer(sites) as server:
        crawl(tmp_path / "clean", server.url, SITES)
        for site in sites:
            site.faulty = True
        faulty = crawl(tmp_path / "faulty", server.url, SITES, *NOW, status=None)
        assert "Traceback" not in faulty.stderr
        stored_while_faulty = _latest(tmp_path / "faulty")
        for site in sites:
            site.faulty = False
        crawl(tmp_path / "faulty", server.url, SITES, *NOW, status=None)
    clean = _latest(tmp_path / "clean")
    assert len(clean) == 120
    # Nothing the faulty run stored was wrong: each record is what the clean crawl stored.
    assert all(clean[key] == digest for key, digest in stored_while_faulty.items())
    # The windows-1258 pages declared as UTF-8 were repaired, not garbled: stored at once.
    wrong_charset = sum(1 for site in sites for a in site.articles if site.fault_of(a) == "wrong-charset")
    assert len(stored_while_faulty) >= 120 - faulted + wrong_charset
    # Then 0 missing, 0 wrong, 0 twice.
    assert _latest(tmp_path / "faulty") == clean
    assert len(list(Archive(tmp_path / "faulty").iter_articles(all_versions=True))) == 120
    # The rejects say what each was, and that it would be fetched again.
    rejects = [json.loads(line) for path in (tmp_path / "faulty" / "rejects").glob("*.jsonl")
               for line in path.read_text().splitlines()]
    reasons = {entry["reason"].split(" (")[0].split(":")[1].strip() for entry in rejects}
    assert {"page is an error page", "page is cut short", "page is not HTML"} <= reasons
    assert all("(transient: fetched again after" in entry["reason"] for entry in rejects)
    with sqlite3.connect(tmp_path / "faulty" / "index.sqlite") as db:
        assert db.execute("SELECT count(*) FROM fetches WHERE retry_after IS NOT NULL").fetchone() == (0,)


@pytest.mark.parametrize("problem, previous, final", [
    ("unusable page: page is an error page: 'Lỗi hệ thống'", None, False),
    ("unusable page: page is cut short: it ends without </body> or </html> (2568 bytes)", None, False),
    ("unusable page: page is not HTML: PDF", None, False),
    ("missing body_text", None, False),
    # A redirect away, once: perhaps a bad moment. Twice in a row: the article was withdrawn.
    ("not an article: redirected to a page that is not an article: https://nhandan.vn/", None, False),
    ("not an article: redirected to a page that is not an article: https://nhandan.vn/",
     "not an article: redirected to a page that is not an article: https://nhandan.vn/", True),
    ("not an article: page names a home or section page as its address: https://nhandan.vn/chinhtri, and shows "
     "no publication date", "not an article: redirected to a page that is not an article: https://nhandan.vn/", True),
    ("not an article: page lists articles: https://nhandan.vn/a-post1.html", None, True),
    ("unusable page: page is too large: 20.0 MB (limit 8.0 MB)", None, True),
    ("unusable page: page is undecodable: no charset reads it cleanly (tried UTF-8, windows-1258, detection)",
     None, False),
    # 410 Gone says it for good; a 404, like a redirect away, only when the next try gives it again.
    ("not an article: the article's URL answers 410 Gone", None, True),
    ("not an article: the article's URL answers 404 Not Found", None, False),
    ("not an article: the article's URL answers 404 Not Found",
     "not an article: the article's URL answers 404 Not Found", True),
    ("unusable page: page is an error page: 'Lỗi hệ thống'",
     "not an article: redirected to a page that is not an article: https://nhandan.vn/", False),
])
def test_only_a_confirmed_withdrawal_and_what_cannot_change_are_final(problem, previous, final):
    assert reject_policy(problem, previous) is final


@pytest.fixture
def small_disk(tmp_path):
    """A 1.5 MB filesystem (tmpfs), grown when the test frees space; skipped where none can be
    mounted (not root, no tmpfs)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1536k", "tmpfs", str(mount)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a small filesystem here: {made.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


@pytest.mark.slow
def test_a_full_disk_stops_the_run_cleanly_and_the_next_run_makes_the_archive_whole(small_disk):
    archive = small_disk / "archive"
    site = MirrorSite("nhandan.vn", 150, seed=43, paragraphs=30)
    with MirrorServer([site]) as server:
        full = crawl(archive, server.url, ["nhandan.vn"], "--set", "VNGOV_COMMIT_EVERY=10", status=EXIT_SITE_FAILED,
                     timeout=120)
        assert "vngov crawl: nhandan.vn failed: the disk is full" in full.stderr and "Traceback" not in full.stderr
        # Readers see only what the index has: each article once, every segment indexed.
        stored = list(Archive(archive).iter_articles(all_versions=True))
        assert len(stored) == len({r["id"] for r in stored}) < 150
        with sqlite3.connect(f"file:{archive / 'index.sqlite'}?mode=ro", uri=True) as db:
            indexed = {row[0] for row in db.execute("SELECT path FROM segments")}
        assert {str(p.relative_to(archive)) for p in archive.glob("site=*/year=*/month=*/part-*")} == indexed
        subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
        crawl(archive, server.url, ["nhandan.vn"])  # no manual step
    stored = list(Archive(archive).iter_articles(all_versions=True))
    assert len(stored) == len({r["id"] for r in stored}) == 150


@pytest.mark.slow
def test_pages_over_the_size_limit_are_rejected_unread_and_memory_stays_bounded(tmp_path):
    """20 MB pages at article URLs: each download is cancelled at the limit (8 MB by default),
    the page rejected as too large for good, and the crawl's memory stays far from the pages'."""
    site = MirrorSite("nhandan.vn", 8, seed=44, page_kb=20_000, cache_pages=True)
    with MirrorServer([site]) as server:
        result = crawl(tmp_path, server.url, ["nhandan.vn"], status=EXIT_SITE_FAILED)
        assert "most article pages were unusable: 8 error pages, non-HTML or cut short" in result.stderr
        server.reset_hits()
        crawl(tmp_path, server.url, ["nhandan.vn"], *NOW)
        assert not article_hits(server, [site])  # final: not fetched again
    report = json.loads(min((tmp_path / "reports").glob("*.json"), key=lambda p: p.stat().st_mtime).read_text())
    assert report["sites"]["nhandan.vn"]["rejected_by_reason"] == {"unusable page": 8}
    assert report["peak_rss_mb"]["crawler"] < 300
    rejects = [json.loads(line) for path in (tmp_path / "rejects").glob("*.jsonl") for line in path.read_text().splitlines()]
    assert all("page is too large: over the limit of 8.0 MB, not downloaded (final)" in r["reason"] for r in rejects)
