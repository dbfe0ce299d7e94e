"""End to end: real Scrapy processes crawl a mirror of three sites over real HTTP on loopback,
into a real archive, read back through the public API."""
import json
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta

import pytest

from scraper import runlog
from scraper.archive import Archive
from scraper.mirror import MirrorServer, MirrorSite
from scraper.mirror.site import TRAP_PREFIX
from scraper.parsing.dates import VN_TZ

from .helpers import REPO, article_hits, crawl, crawl_command

pytestmark = pytest.mark.slow
SITES = ["baochinhphu.vn", "nhandan.vn", "sotttt.hanoi.gov.vn"]
PER_SITE = 110


def _mirror_sites():
    return [MirrorSite(name, PER_SITE, seed=index + 7) for index, name in enumerate(SITES)]


def _latest(archive):
    return {r["id"]: r for r in Archive(archive).iter_articles()}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    sites = _mirror_sites()
    server = MirrorServer(sites).start()
    yield sites, server, tmp_path_factory.mktemp("e2e")
    server.stop()


def test_incremental_runs(world):
    sites, server, tmp = world
    archive = tmp / "archive"

    # Run 1: everything, once, with the fields the pages carry.
    crawl(archive, server.url, SITES)
    records = _latest(archive)
    expected = {site.url(a.path): (site, a) for site in sites for a in site.articles}
    assert len(records) == len(expected) == 3 * PER_SITE
    by_url = {r["url"]: r for r in records.values()}
    assert by_url.keys() == expected.keys()
    for url, (site, article) in expected.items():
        record = by_url[url]
        title, lead, paragraphs = site._content(article)
        assert record["title"] == title and record["sapo"] == lead
        assert record["body_text"] == "\n\n".join(paragraphs)
        assert record["published_at"] == article.published.isoformat()
        assert record["site"] == site.name and record["warc_file"]
    versions = Counter(r["id"] for r in Archive(archive).iter_articles(all_versions=True))
    assert set(versions.values()) == {1}
    # robots.txt: the trap linked from every first listing page was never requested.
    assert not server.hits_for(lambda hit: hit[1].startswith(TRAP_PREFIX))

    # Run 2: nothing new, and no article page fetched at all. The first run's walk completed,
    # so what it fetched is covered ground: a listing's first page (whose robots.txt trap link
    # is never fetched, so never covered), a covered page and the overlap page, not all of them.
    server.reset_hits()
    crawl(archive, server.url, SITES)
    assert article_hits(server, sites) == []
    for site in sites:
        walked = runlog.recent_runs(archive, site.name)[0]["pages_by_kind"].get("listing", 0)
        assert walked <= 3 * len(site.profile.listings), (site.name, walked)
    assert len(list(Archive(archive).iter_articles(all_versions=True))) == 3 * PER_SITE

    # Run 3: five new articles and one edited one.
    new_urls = sites[0].add_articles(2) + sites[1].add_articles(2) + sites[2].add_articles(1)
    edited_url = sites[1].edit_article(10)  # old: only the sitemap's lastmod reveals the edit
    server.reset_hits()
    crawl(archive, server.url, SITES)
    every = list(Archive(archive).iter_articles(all_versions=True))
    assert len(every) == 3 * PER_SITE + 5 + 1
    latest = {r["url"]: r for r in Archive(archive).iter_articles()}
    assert set(new_urls) <= latest.keys()
    assert latest[edited_url]["version"] == 2 and "(cập nhật lần 1)" in latest[edited_url]["title"]
    run3 = {r["url"] for r in every if r["run_id"] != every[0]["run_id"]}
    assert run3 == set(new_urls) | {edited_url}
    reports = sorted((archive / "reports").glob("*.json"))
    assert reports, "each run writes a report"
    memory = json.loads(reports[-1].read_text())["peak_rss_mb"]
    # The crawl ran with --fast: one parse worker beside the crawler, both measured.
    assert 20 < memory["crawler"] < 1000 and 10 < memory["parse_workers"] < 1000


def test_interrupted_run_resumes_to_the_same_archive(tmp_path):
    # Recent articles, all inside the re-fetch window: a resumed run must still not fetch again
    # what the run it resumes archived minutes ago.
    newest = datetime.now(VN_TZ).replace(microsecond=0) - timedelta(hours=1)
    sites = [MirrorSite(name, PER_SITE, seed=index + 7, newest=newest, spacing=timedelta(minutes=15))
             for index, name in enumerate(SITES)]
    with MirrorServer(sites) as server:
        _interrupt_and_resume(sites, server, tmp_path)


def _interrupt_and_resume(sites, server, tmp):
    reference, resumed = tmp / "reference", tmp / "resumed"
    crawl(reference, server.url, SITES, "--full")
    # Slow and committing often, so that the interruption lands half-way with work on disk.
    slow = ["--set", "DOWNLOAD_DELAY=0.02", "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=1", "--set", "VNGOV_COMMIT_EVERY=10"]
    process = subprocess.Popen(crawl_command(resumed, server.url, SITES, *slow), cwd=REPO,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        stored = len(list(resumed.glob("site=*/year=*/month=*/part-*")))
        # Early, before the sitemaps are read: they list again what the first part archived.
        if stored and len(_latest(resumed)) >= 10:
            break
        time.sleep(0.1)
    process.send_signal(signal.SIGINT)  # what Ctrl-C or a scheduler's stop does
    assert process.wait(120) == 3, "interrupted: the resumable exit status"
    archived = {r["url"] for r in _latest(resumed).values()}
    assert 0 < len(archived) < len(_latest(reference)), "the interruption should land mid-crawl"
    server.reset_hits()
    crawl(resumed, server.url, SITES)
    # The resumed run fetches none of the pages the interrupted one archived.
    again = {f"https://{host}{path}" for host, path, _ in article_hits(server, sites)}
    assert not again & archived, f"{len(again & archived)} archived pages fetched again"
    ours = {(r["id"], r["content_hash"]) for r in Archive(resumed).iter_articles(all_versions=True)}
    theirs = {(r["id"], r["content_hash"]) for r in Archive(reference).iter_articles(all_versions=True)}
    assert ours == theirs


def test_a_resumed_run_does_not_fetch_again_what_its_first_part_fetched(tmp_path):
    # A run killed before it finished leaves its row in the index's runs as "running". The next
    # run continues it: everything archived since it began was fetched by it, minutes ago, and
    # recent as the articles are (inside the re-fetch window), they are not fetched again.
    # Deterministic, where the interruption above lands wherever the machine's speed puts it.
    # Recent articles are re-fetched at every run here, not at growing intervals: what keeps the
    # continuing run from fetching them is that it continues.
    every_run = ["--set", "VNGOV_REFETCH_BACKOFF=0"]
    newest = datetime.now(VN_TZ).replace(microsecond=0) - timedelta(hours=1)
    site = MirrorSite("nhandan.vn", 40, seed=5, newest=newest, spacing=timedelta(minutes=15))
    with MirrorServer([site]) as server:
        crawl(tmp_path, server.url, ["nhandan.vn"])
        with sqlite3.connect(tmp_path / "index.sqlite") as db:  # as if it had been killed at its end
            db.execute("UPDATE runs SET outcome = 'running', summary = json_set(summary, '$.outcome', 'running')")
        server.reset_hits()
        crawl(tmp_path, server.url, ["nhandan.vn"], *every_run)
        assert article_hits(server, [site]) == []
        # `vngov runs`, as text and as JSON, calls the run that never reported "killed".
        listed = subprocess.run([sys.executable, "-m", "scraper", "runs", "--archive", str(tmp_path), "--json"],
                                capture_output=True, text=True, cwd=REPO, check=True).stdout
        assert [json.loads(line)["outcome"] for line in listed.splitlines()] == ["ok", "killed"]
        # A new run, not a continuing one, fetches the recent articles again to catch edits.
        server.reset_hits()
        crawl(tmp_path, server.url, ["nhandan.vn"], *every_run)
        assert len(article_hits(server, [site])) == 40
