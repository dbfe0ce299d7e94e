"""What earlier runs fetched, read from the archive index: the basis of incremental crawling."""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from .archive.index import INDEX_NAME
from .parsing.urls import canonicalize_url


@dataclass
class Seen:
    last_fetched_at: datetime
    published_at: datetime | None


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


class CrawlState:
    """Seen URLs of some sites, with their last fetch and publication times."""

    def __init__(self, seen: dict[str, Seen] | None = None):
        self.seen = seen or {}

    @classmethod
    def load(cls, archive: Path | str, sites: list[str] | None = None) -> "CrawlState":
        path = Path(archive) / INDEX_NAME
        if not path.exists():
            return cls()
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        try:
            query = "SELECT canonical_url, last_fetched_at, published_at FROM fetches"
            rows = connection.execute(query + (f" WHERE site IN ({','.join('?' * len(sites))})" if sites else ""),
                                      sites or []).fetchall()
        except sqlite3.OperationalError:
            rows = []
        finally:
            connection.close()
        return cls({url: Seen(_parse(fetched) or datetime.min.replace(tzinfo=timezone.utc), _parse(published))
                    for url, fetched, published in rows})

    def last_run(self) -> datetime | None:
        return max((s.last_fetched_at for s in self.seen.values()), default=None)

    def should_fetch(self, url: str, *, now: datetime, refetch_window: timedelta,
                     published_hint: datetime | None = None, lastmod_hint: datetime | None = None,
                     run_started: datetime | None = None) -> bool:
        """New URLs, URLs a sitemap says changed since we fetched them, and recent articles
        (younger than the re-fetch window, to catch edits), unless fetched since `run_started`:
        the start of this run, or of the interrupted run it resumes."""
        seen = self.seen.get(canonicalize_url(url))
        if seen is None:
            return True
        if run_started is not None and seen.last_fetched_at >= run_started:
            return False
        if lastmod_hint is not None and lastmod_hint > seen.last_fetched_at:
            return True
        published = seen.published_at or published_hint
        return published is not None and now - published < refetch_window
