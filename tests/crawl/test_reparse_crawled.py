"""`vngov reparse` on an archive a crawl wrote gives exactly what the crawl gave: 0 new versions
with the same parser, for pages dated only by their feed, pages in a legacy charset, and pages
reached by a URL other than their own. The crawl's WARC files pass warcio's own checker and
indexer."""
import json
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from scraper.archive import Archive
from scraper.mirror import MirrorServer, MirrorSite

from .helpers import REPO, crawl

pytestmark = pytest.mark.slow
SITES = ["nhandan.vn", "sotttt.hanoi.gov.vn"]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    root = tmp_path_factory.mktemp("crawled")
    sites = [MirrorSite(name, 40, seed=i + 3, feed_dated=True, legacy_charset=True, url_variants=True)
             for i, name in enumerate(SITES)]
    with MirrorServer(sites) as server:
        crawl(root, server.url, SITES)
    return root, sites


def test_warc_files_pass_warcios_check_and_index(crawled):
    tmp_path, _ = crawled
    warcio = shutil.which("warcio", path=str(Path(sys.executable).parent)) or shutil.which("warcio")
    files = sorted(str(p) for p in tmp_path.glob("site=*/warc/*.warc.gz"))
    assert files and warcio
    check = subprocess.run([warcio, "check", "-v", *files], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout[-2000:] + check.stderr[-2000:]
    assert "digest pass" in check.stdout and "digest fail" not in check.stdout
    index = subprocess.run([warcio, "index", "-f", "warc-type,warc-target-uri,http:status,offset,filename", *files],
                           capture_output=True, text=True)
    assert index.returncode == 0, index.stderr
    entries = [json.loads(line) for line in index.stdout.splitlines()]
    kinds = [e["warc-type"] for e in entries]
    assert kinds.count("warcinfo") == len(files) and kinds.count("response") == kinds.count("metadata") == 80
    # Each file opens with its warcinfo, and each record the archive cites is a response there.
    assert all(e["warc-type"] == "warcinfo" for e in entries if e["offset"] == "0")
    responses = {(Path(e["filename"]).name, int(e["offset"])) for e in entries if e["warc-type"] == "response"}
    cited = {(Path(r["warc_file"]).name, r["warc_offset"]) for r in Archive(tmp_path).iter_articles()}
    assert cited == responses


def test_reparse_of_a_crawled_archive_changes_nothing(crawled):
    tmp_path, sites = crawled
    before = {r["id"]: r for r in Archive(tmp_path).iter_articles()}
    assert len(before) == 80
    by_url = {(r["site"], urlsplit(r["url"]).path): r for r in before.values()}  # any host spelling
    feed_dated = [(s, a) for s in sites for a in s.articles if s.is_feed_dated(a)]
    # A feed lists a site's newest 30: those it lists are dated by it, the rest stay undated.
    in_feed = [(s, a) for s, a in feed_dated if s.profile.feeds and a in list(reversed(s.articles))[:30]]
    assert in_feed and len(in_feed) < len(feed_dated)
    for site, article in in_feed:
        record = by_url[(site.name, article.path)]
        assert (record["published_at"], record["date_source"]) == (article.published.isoformat(), "feed")
    legacy = [(s, a) for s in sites for a in s.articles if s.is_legacy_charset(a)]
    assert legacy
    for site, article in legacy:
        assert by_url[(site.name, article.path)]["title"] == site._content(article)[0]

    result = subprocess.run([sys.executable, "-m", "scraper", "reparse", "--archive", str(tmp_path)],
                            cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "re-parsed 80 articles" in result.stdout and ": 0 new versions, 0 rejected now" in result.stdout
    after = {r["id"]: r for r in Archive(tmp_path).iter_articles(all_versions=True)}
    assert after.keys() == before.keys() and all(r["version"] == 1 for r in after.values())
    for site, article in in_feed:  # still in their month, not in year=undated
        assert list(Archive(tmp_path).iter_articles(since=article.published.date(), until=article.published.date(),
                                                    sites=[site.name]))
