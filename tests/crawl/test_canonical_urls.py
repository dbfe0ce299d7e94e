"""Incremental state that is exactly right when the URL a listing gives is not the article's own:
"www." or not, http for https, a trailing slash or an old slug that redirects, a rel=canonical
on another host. Each
fetch is remembered under every URL the page is known by, so the next run asks for none of them
again outside the re-fetch window, and the archive holds each article once."""
import json
from collections import Counter
from datetime import datetime, timedelta

import pytest

from scraper.archive import Archive
from scraper.mirror import MirrorServer, MirrorSite
from scraper.parsing.dates import VN_TZ

from .helpers import crawl

pytestmark = pytest.mark.slow
SITES = ["nhandan.vn", "baochinhphu.vn", "sotttt.hanoi.gov.vn"]
COUNT = 60


def _article_of(site: MirrorSite, path: str):
    return site.by_path.get(path) or site.by_old_path.get(path)


def test_second_run_fetches_only_listings_and_recent_articles(tmp_path):
    # Off the window's edge by 1.5 hours either way: articles every 3 hours from 2 days and
    # 1.5 hours ago, and a re-fetch window of 3 days.
    newest = datetime.now(VN_TZ).replace(microsecond=0) - timedelta(days=2, hours=1, minutes=30)
    sites = [MirrorSite(name, COUNT, seed=i + 11, newest=newest, url_variants=True) for i, name in enumerate(SITES)]
    variants = [a for s in sites for a in s.articles if a.linked or a.canonical]
    assert len(variants) == len(SITES) * COUNT // 3
    kinds = Counter(a.variant for a in variants)
    assert set(kinds) == {"www", "trailing-slash", "http", "old-slug", "syndicated"}
    with MirrorServer(sites) as server:
        crawl(tmp_path, server.url, SITES)
        records = list(Archive(tmp_path).iter_articles(all_versions=True))
        assert len(records) == len(SITES) * COUNT and len({r["id"] for r in records}) == len(SITES) * COUNT
        # A page naming the site it was syndicated from keeps its own URL as its id, and says so.
        syndicated = [r for r in records if any("tinchinhthuc.example.vn" in w for w in r["warnings"])]
        assert len(syndicated) == kinds["syndicated"] and all(r["site"] in SITES for r in syndicated)
        assert not [r for r in records if "tinchinhthuc.example.vn" in r["canonical_url"]]

        server.reset_hits()
        # Every article inside the window is due again (as at a later run, where the back-off
        # makes some of them due): exactly those are fetched, none outside it.
        crawl(tmp_path, server.url, SITES, "--set", "VNGOV_REFETCH_BACKOFF=0")
        now = datetime.now(VN_TZ)
        recent = {(s.host, a.path) for s in sites for a in s.articles if now - a.published < timedelta(days=3)}
        assert 0 < len(recent) < len(SITES) * COUNT
        fetched = set()
        for host, path, _ in server.hits:
            site = next((s for s in sites if host in s.profile.domains), None)
            article = _article_of(site, path.split("?")[0]) if site else None
            if article is not None:
                fetched.add((site.host, article.path))
        assert fetched == recent
        assert len(list(Archive(tmp_path).iter_articles(all_versions=True))) == len(SITES) * COUNT
        # The run's reports (one a site) say the same, page kind by page kind.
        reports = [json.loads(p.read_text()) for p in (tmp_path / "reports").glob("*.json")]
        last = max(r["run_id"] for r in reports)
        sites_data = [data for r in reports if r["run_id"] == last for data in r["sites"].values()]
        assert len(sites_data) == len(SITES) and all(data["pages_by_kind"]["listing"] > 0 for data in sites_data)
        redirects = sum(1 for s in sites for a in s.articles if a.old_path and (s.host, a.path) in recent)
        assert sum(data["pages_by_kind"]["article"] for data in sites_data) == len(recent) + redirects
        assert sum(data["articles"]["unchanged"] for data in sites_data) == len(recent)
