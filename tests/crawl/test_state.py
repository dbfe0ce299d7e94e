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
    # Young: fetched again to catch edits, once the time since its last fetch is as long as its
    # age was then (ages a, 2a, 4a, ...), not at every run.
    fetched_at_one_hour = CrawlState({URL: Seen(NOW - timedelta(hours=2), NOW - timedelta(hours=3))})
    assert fetched_at_one_hour.should_fetch(URL, now=NOW, refetch_window=WINDOW)
    fetched_at_a_day = CrawlState({URL: Seen(NOW - timedelta(hours=1), NOW - timedelta(hours=25))})
    assert not fetched_at_a_day.should_fetch(URL, now=NOW, refetch_window=WINDOW)
    assert fetched_at_a_day.should_fetch(URL, now=NOW, refetch_window=WINDOW, backoff=False)  # at every run
    assert fetched_at_a_day.should_fetch(URL, now=NOW + timedelta(hours=23), refetch_window=WINDOW)
    assert not fetched_at_a_day.should_fetch(URL, now=NOW + timedelta(days=2), refetch_window=WINDOW)  # too old
    # An hourly schedule over the three days fetches it a few times, not 72.
    state, fetches = CrawlState({URL: Seen(NOW, NOW - timedelta(minutes=20))}), 0
    for hour in range(1, 72):
        now = NOW + timedelta(hours=hour)
        if state.should_fetch(URL, now=now, refetch_window=WINDOW):
            state.seen[URL] = Seen(now, NOW - timedelta(minutes=20))
            fetches += 1
    assert 4 <= fetches <= 8, fetches


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
