"""What earlier runs fetched, read from the archive index: the basis of incremental crawling.

Two rules keep a run from missing what an earlier run did not finish:

- A listing walk stops early (after a page or two with nothing new) only on ground that a
  completed walk covered: pages whose every article was first fetched before the end of the
  last run that walked its listings to their end or to such ground (what that run fetched, it
  fetched on ground its walk went over; what runs before it fetched, it walked past or covered
  ground held). Without one (the first run, or after runs that were killed or capped), a walk
  goes on to the listing's end. A run that did not complete needs no resume file: the next
  run walks until it meets covered ground.
- A run after an interrupted one (killed, stopped, or failed to commit) continues it: what the
  interrupted chain fetched since it began is not fetched again.

A page rejected for a reason that may pass (an error page served with 200, a PDF where an
article was, a page cut short, a first redirect away) is fetched again after a back-off,
whatever its age; only a confirmed withdrawal is final.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from .archive import index as archive_index
from .items import GONE, LISTED_HEADLINE, TOO_LARGE, WITHDRAWN
from .parsing.urls import canonicalize_url

# Fetch a transiently rejected page again after these delays (then every 30 days), in seconds:
# VNGOV_RETRY_DELAYS.
RETRY_DELAYS = (3600, 86400, 7 * 86400, 30 * 86400)


@dataclass
class Seen:
    last_fetched_at: datetime
    published_at: datetime | None
    first_fetched_at: datetime | None = None
    retry_after: datetime | None = None


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def reject_policy(problem: str, previous: str | None) -> bool:
    """Whether a reject is final (remembered as done) rather than transient (fetched again after
    a back-off). `previous` is the reject of the URL's last fetch, if it was rejected. Final: a
    confirmed withdrawal (410 Gone; or a 404, a redirect away from the article, or the home page
    or a section served in its place, on two fetches in a row), a list served at an article's
    URL, a page over the size limit, a record the parser cannot date. Anything else may pass: an
    error page, a PDF, a page cut short or undecodable, a page without title or body, a first
    404 or redirect away (a CMS has bad hours)."""
    if problem.startswith(("bad ", "missing url")) or TOO_LARGE in problem or LISTED_HEADLINE in problem:
        return True
    if f"{GONE} 410" in problem:
        return True
    withdrawn = any(kind in problem for kind in WITHDRAWN)
    return withdrawn and previous is not None and any(kind in previous for kind in WITHDRAWN)


def retry_after(failures: int, now: datetime, delays: tuple[float, ...] = RETRY_DELAYS) -> str:
    """When a page rejected transiently `failures` times in a row is fetched again (UTC)."""
    delay = delays[min(failures, len(delays)) - 1]
    return (now + timedelta(seconds=delay)).isoformat(timespec="seconds")


class CrawlState:
    """Seen URLs of some sites, with their fetch times, and where the sites' runs stand."""

    def __init__(self, seen: dict[str, Seen] | None = None, covered_before: datetime | None = None,
                 continues: datetime | None = None):
        self.seen = seen or {}
        # End of the last run whose listing walks completed: ground first fetched before it is
        # covered. None: no walk completed, walk to the end.
        self.covered_before = covered_before
        # Start of the interrupted run (chain) this run continues, or None for a fresh run.
        self.continues = continues

    @classmethod
    def load(cls, archive: Path | str, sites: list[str] | None = None) -> "CrawlState":
        root = Path(archive)
        if not (root / archive_index.INDEX_NAME).exists():
            return cls()
        connection = archive_index.connect(root)  # brings an older index's columns up to date
        try:
            query = "SELECT canonical_url, last_fetched_at, published_at, first_fetched_at, retry_after FROM fetches"
            rows = connection.execute(query + (f" WHERE site IN ({','.join('?' * len(sites))})" if sites else ""),
                                      sites or []).fetchall()
            runs = [json.loads(summary) for (summary,) in connection.execute(
                "SELECT summary FROM runs" + (f" WHERE site IN ({','.join('?' * len(sites))})" if sites else "")
                + " ORDER BY started_at DESC LIMIT 50", sites or [])]
        finally:
            connection.close()
        seen = {url: Seen(_parse(fetched) or datetime.min.replace(tzinfo=timezone.utc), _parse(published),
                          _parse(first), _parse(retry)) for url, fetched, published, first, retry in rows}
        covered = next((_parse(run.get("finished_at") or run.get("started_at")) for run in runs
                        if run.get("walk_complete")), None)
        continues = None
        last = runs[0] if runs else {}
        if last.get("outcome") in ("running", "interrupted") or last.get("archive_error"):
            continues = _parse(last.get("continues") or last.get("started_at"))
        return cls(seen, covered, continues)

    @classmethod
    def from_redis(cls, client, prefix: str, generation_started: str | None) -> "CrawlState":
        """A worker's crawl state (frontier.py): what the archiver published under `prefix`, and
        the start of the generation it joined, whose own fetches it does not repeat."""
        seen = {}
        for url, value in client.hscan_iter(prefix + "state", count=5000):
            fetched, published, first, retry = json.loads(value)
            seen[url.decode()] = Seen(_parse(fetched) or datetime.min.replace(tzinfo=timezone.utc), _parse(published),
                                      _parse(first), _parse(retry))
        covered = client.get(prefix + "covered_before")
        return cls(seen, _parse(covered.decode() if covered else None), _parse(generation_started))

    @staticmethod
    def state_value(last_fetched_at: str | None, published_at: str | None, first_fetched_at: str | None,
                    retry_after: str | None) -> str:
        """One URL's entry in the state a worker reads (from_redis): its row of the index."""
        return json.dumps([last_fetched_at, published_at, first_fetched_at, retry_after])

    def due_retries(self, now: datetime) -> list[str]:
        """Transiently rejected URLs whose back-off is over: fetched whether or not a listing
        still shows them."""
        return sorted(url for url, seen in self.seen.items() if seen.retry_after is not None and seen.retry_after <= now)

    def last_run(self) -> datetime | None:
        return max((s.last_fetched_at for s in self.seen.values()), default=None)

    def covered(self, url: str) -> bool:
        """Whether a completed walk covered `url`: first fetched before that walk began."""
        if self.covered_before is None:
            return False
        seen = self.seen.get(canonicalize_url(url))
        return seen is not None and seen.first_fetched_at is not None and seen.first_fetched_at < self.covered_before

    def should_fetch(self, url: str, *, now: datetime, refetch_window: timedelta,
                     published_hint: datetime | None = None, lastmod_hint: datetime | None = None,
                     run_started: datetime | None = None, backoff: bool = True) -> bool:
        """New URLs, URLs a sitemap says changed since we fetched them, transient rejects whose
        back-off is over, and recent articles (younger than the re-fetch window, to catch
        edits), unless fetched since `run_started`: the start of this run, or of the
        interrupted run it continues.

        A recent article is fetched again once the time since its last fetch is as long as its
        age was then: at ages a, 2a, 4a, ... Edits come soonest after publication, and an hourly
        schedule then fetches an article a few times in the window, not at every run (a sitemap's
        lastmod still brings an edit at once). Without `backoff`, at every run."""
        seen = self.seen.get(canonicalize_url(url))
        if seen is None:
            return True
        if run_started is not None and seen.last_fetched_at >= run_started:
            return False
        if seen.retry_after is not None:
            return now >= seen.retry_after
        if lastmod_hint is not None and lastmod_hint > seen.last_fetched_at:
            return True
        published = seen.published_at or published_hint
        if published is None or now - published >= refetch_window:
            return False
        return not backoff or now - seen.last_fetched_at >= max(seen.last_fetched_at - published, timedelta(0))

