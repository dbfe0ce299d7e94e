"""Site quirks handled by downloader middlewares, each proven by a real crawl of a mirror that
misbehaves the way the live site does."""
import json
import sqlite3
import time
from datetime import datetime

import pytest

from scraper.archive import Archive
from scraper.mirror import Faults, MirrorServer, MirrorSite

from .helpers import crawl

pytestmark = pytest.mark.slow


def _run(tmp_path, faults, *extra):
    site = MirrorSite("nhandan.vn", 12, seed=3)
    with MirrorServer([site], faults) as server:
        started = time.monotonic()
        result = crawl(tmp_path / "archive", server.url, ["nhandan.vn"], *extra)
        elapsed = time.monotonic() - started
        hits = list(server.hits)
    stored = {r["url"] for r in Archive(tmp_path / "archive").iter_articles()}
    return site, hits, stored, elapsed, result


def test_javascript_cookie_challenge_is_answered(tmp_path):
    site, hits, stored, _, _ = _run(tmp_path, Faults(cookie_challenge={"nhandan.vn"}))
    assert stored == set(site.article_urls())
    # Each page was asked for twice at most: once challenged, once with the cookie.
    assert max(sum(1 for h in hits if h[1] == path) for path in {h[1] for h in hits}) <= 2


def test_session_priming_before_a_looping_feed(tmp_path):
    faults = Faults(session_priming={"nhandan.vn": "/rss/home.rss"})
    priming = json.dumps({"nhandan.vn": "https://nhandan.vn/"})
    site, hits, stored, _, _ = _run(tmp_path, faults, "--set", f"VNGOV_SESSION_PRIMING={priming}")
    feed = [h for h in hits if h[1] == "/rss/home.rss"]
    assert feed and feed[-1][2] == 200, "the feed answered once the session was primed"
    assert [h[1] for h in hits].index("/") < [h[1] for h in hits].index("/rss/home.rss")
    assert stored == set(site.article_urls())


def test_feed_loops_without_priming(tmp_path):
    faults = Faults(session_priming={"nhandan.vn": "/rss/home.rss"})
    _, hits, _, _, _ = _run(tmp_path, faults)
    assert all(h[2] == 302 for h in hits if h[1] == "/rss/home.rss")  # the trap is real


def test_retry_after_is_honoured(tmp_path):
    site, hits, stored, elapsed, _ = _run(tmp_path, Faults(retry_after={"nhandan.vn": 1}))
    assert stored == set(site.article_urls())
    assert any(h[2] == 429 for h in hits)
    assert elapsed >= 1.0
    report = json.loads(next((tmp_path / "archive" / "reports").glob("*.json")).read_text())
    assert report["sites"]["nhandan.vn"]["http_errors"]["429"] >= 1


def test_archived_articles_taken_down_become_withdrawal_events_and_keep_their_last_version(tmp_path):
    """410 Gone is a withdrawal at once; a 404 or a redirect home only when the next try gives it
    again. Each is one event in the index with its time; the article's versions stay."""
    site = MirrorSite("nhandan.vn", 12, seed=5)
    faults = Faults()
    archive = tmp_path / "archive"
    # Re-fetch the archived ones: a later run, days after the first.
    again = ["--set", "VNGOV_REFETCH_DAYS=30", "--set", "VNGOV_REFETCH_BACKOFF=0", "--set", "VNGOV_RETRY_DELAYS=0"]
    gone, missing, moved = (site.articles[i].path for i in range(3))
    with MirrorServer([site], faults) as server:
        crawl(archive, server.url, ["nhandan.vn"])
        faults.gone["nhandan.vn"] = {gone: 410, missing: 404}
        faults.withdrawn["nhandan.vn"] = {moved}
        ids = {path: next(r["id"] for r in Archive(archive).iter_articles() if r["url"] == site.url(path))
               for path in (gone, missing, moved)}

        def events():
            with sqlite3.connect(archive / "index.sqlite") as db:
                return {row[0]: row[1:] for row in db.execute("SELECT id, kind, detail, at FROM events")}

        crawl(archive, server.url, ["nhandan.vn"], *again)
        assert {key: value[:2] for key, value in events().items()} == {
            ids[gone]: ("withdrawn", "the article's URL answers 410 Gone")}
        crawl(archive, server.url, ["nhandan.vn"], *again)
        assert {key: value[:2] for key, value in events().items()} == {
            ids[gone]: ("withdrawn", "the article's URL answers 410 Gone"),
            ids[missing]: ("withdrawn", "the article's URL answers 404 Not Found"),
            ids[moved]: ("withdrawn", "redirected to a page that is not an article: https://nhandan.vn/")}
        assert all(datetime.fromisoformat(at).tzinfo is not None for _, _, at in events().values())
        crawl(archive, server.url, ["nhandan.vn"], *again)
        assert len(events()) == 3  # one event per withdrawal, however often it is seen again
    stored = {r["url"] for r in Archive(archive).iter_articles()}
    assert stored == set(site.article_urls())  # the last versions stay


def test_withdrawn_articles_that_redirect_home_are_rejected_not_archived(tmp_path):
    site = MirrorSite("nhandan.vn", 12, seed=3)
    withdrawn = {article.path for article in site.articles[:3]}
    with MirrorServer([site], Faults(withdrawn={"nhandan.vn": withdrawn})) as server:
        crawl(tmp_path / "archive", server.url, ["nhandan.vn"])
        archive = Archive(tmp_path / "archive")
        stored = {r["url"] for r in archive.iter_articles()}
        # Nothing archived under the home page's title or URL; the other articles all are.
        assert stored == {site.url(a.path) for a in site.articles[3:]}
        rejects = [json.loads(line) for path in (tmp_path / "archive" / "rejects").glob("*.jsonl")
                   for line in path.read_text(encoding="utf-8").splitlines()]
        assert sorted(r["url"] for r in rejects) == sorted(site.url(path) for path in withdrawn)
        # Once is not yet a withdrawal (a site may redirect home for a bad minute): fetched again later.
        assert all(r["reason"].startswith("not an article: redirected to a page that is not an article: "
                                          "https://nhandan.vn/ (transient: fetched again after ") for r in rejects)
        report = next((tmp_path / "archive" / "reports").glob("*.json"))
        assert json.loads(report.read_text())["sites"]["nhandan.vn"]["rejected_by_reason"] == {"not an article": 3}
        assert "rejected 3 (not an article 3)" in report.with_suffix(".txt").read_text()
        # Remembered as fetched: the next run, inside the back-off (an hour), does not ask for them again.
        server.reset_hits()
        crawl(tmp_path / "archive", server.url, ["nhandan.vn"])
        assert not server.hits_for(lambda hit: hit[1] in withdrawn)
        # An hour later a run asks again; redirected home a second time, each is a confirmed
        # withdrawal, final: never asked for again.
        with sqlite3.connect(tmp_path / "archive" / "index.sqlite") as db:
            db.execute("UPDATE fetches SET retry_after = '2026-01-01T00:00:00+00:00' WHERE retry_after IS NOT NULL")
        crawl(tmp_path / "archive", server.url, ["nhandan.vn"])
        assert {hit[1] for hit in server.hits_for(lambda hit: hit[1] in withdrawn)} == withdrawn
        server.reset_hits()
        with sqlite3.connect(tmp_path / "archive" / "index.sqlite") as db:
            assert db.execute("SELECT count(*) FROM fetches WHERE retry_after IS NOT NULL").fetchone() == (0,)
        crawl(tmp_path / "archive", server.url, ["nhandan.vn"])
        assert not server.hits_for(lambda hit: hit[1] in withdrawn)
        assert {r["url"] for r in Archive(tmp_path / "archive").iter_articles()} == stored


def test_a_robots_txt_that_cannot_be_read_closes_the_site_and_a_missing_one_opens_it(tmp_path):
    """RFC 9309: robots.txt answering 5xx (after its retries) disallows everything, so the run
    fetches nothing of the site and fails loudly (Scrapy alone would crawl it all, the pages
    robots.txt forbids too); robots.txt answering 404 means no rules."""
    site = MirrorSite("nhandan.vn", 12, seed=3)
    with MirrorServer([site], Faults(robots={"nhandan.vn": 503})) as server:
        result = crawl(tmp_path / "closed", server.url, ["nhandan.vn"], "--set", "RETRY_TIMES=1", status=4)
        closed = [path for _, path, _ in server.hits]
    assert set(closed) == {"/robots.txt"} and "nhandan.vn failed: no page fetched" in result.stderr
    with MirrorServer([site], Faults(robots={"nhandan.vn": 404})) as server:
        crawl(tmp_path / "open", server.url, ["nhandan.vn"])
        opened = [path for _, path, _ in server.hits]
    assert {a.path for a in site.articles} <= set(opened)


def test_every_request_that_waited_for_robots_txt_is_checked_against_it(tmp_path):
    """The run's first requests to a host (its feeds, sitemaps and listings, or in a shared
    frontier any queued page) all wait for its robots.txt; each is then checked. Scrapy 2.19
    gave the rules to the first and let the others through unchecked (scrapy/scrapy#6802)."""
    site = MirrorSite("nhandan.vn", 12, seed=3)
    with MirrorServer([site], Faults(robots_txt={"nhandan.vn": "User-agent: *\nDisallow: /\n"})) as server:
        result = crawl(tmp_path / "archive", server.url, ["nhandan.vn"], status=4)
        paths = [path for _, path, _ in server.hits]
    assert paths == ["/robots.txt"] and "nhandan.vn failed: no page fetched: robots.txt forbids" in result.stderr
