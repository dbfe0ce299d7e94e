from datetime import datetime, timedelta, timezone

from scraper.crawlstate import CrawlState, Seen
from scraper.download import LEGACY_CIPHERS, PerHostTlsPolicy, legacy_tls_hosts

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
WINDOW = timedelta(days=3)
URL = "https://nhandan.vn/a-post1.html"


def test_should_fetch_rules():
    state = CrawlState({URL: Seen(NOW - timedelta(days=1), NOW - timedelta(days=10))})
    assert state.should_fetch("https://nhandan.vn/new-post2.html", now=NOW, refetch_window=WINDOW)
    assert not state.should_fetch(URL + "#comments", now=NOW, refetch_window=WINDOW)  # canonicalized
    assert state.should_fetch(URL, now=NOW, refetch_window=WINDOW, lastmod_hint=NOW)  # sitemap says edited
    recent = CrawlState({URL: Seen(NOW - timedelta(hours=1), NOW - timedelta(days=1))})
    assert recent.should_fetch(URL, now=NOW, refetch_window=WINDOW)  # young: re-fetch to catch edits


def test_state_of_a_missing_archive_is_empty(tmp_path):
    assert CrawlState.load(tmp_path).seen == {}


class _Factory:
    def __init__(self, name):
        self.name = name

    def creatorForNetloc(self, hostname, port):  # noqa: N802
        return self.name


def test_legacy_tls_only_for_listed_hosts():
    class Settings:
        def getlist(self, name):
            return ["old.example.gov.vn"]

    hosts = legacy_tls_hosts(Settings())
    assert {"moh.gov.vn", "old.example.gov.vn"} <= hosts
    policy = PerHostTlsPolicy(_Factory("default"), _Factory("legacy"), hosts)
    assert policy.creatorForNetloc(b"moh.gov.vn", 443) == "legacy"
    assert policy.creatorForNetloc(b"nhandan.vn", 443) == "default"
    assert "SECLEVEL=0" in LEGACY_CIPHERS
