"""`vngov reparse` on an archive a crawl wrote gives exactly what the crawl gave: 0 new versions
with the same parser, for pages dated only by their feed, pages in a legacy charset said only by
the response header, and pages reached by a URL other than their own."""
import subprocess
import sys
from urllib.parse import urlsplit

import pytest

from scraper.archive import Archive
from scraper.mirror import MirrorServer, MirrorSite

from .helpers import REPO, crawl

pytestmark = pytest.mark.slow
SITES = ["nhandan.vn", "sotttt.hanoi.gov.vn"]


def test_reparse_of_a_crawled_archive_changes_nothing(tmp_path):
    sites = [MirrorSite(name, 40, seed=i + 3, feed_dated=True, legacy_charset=True, url_variants=True)
             for i, name in enumerate(SITES)]
    with MirrorServer(sites) as server:
        crawl(tmp_path, server.url, SITES)
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
