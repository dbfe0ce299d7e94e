"""One profile-driven spider for every site: listings with their pagination, RSS feeds and
sitemaps lead to article pages, which the parser turns into records. Navigation only.

    scrapy crawl baochinhphu.vn -a since=2026-11-01
    scrapy crawl site -a start_url=https://example.gov.vn/tin-tuc -a allow_domain=example.gov.vn
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from http import HTTPStatus
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError

from scraper import parsepool
from scraper.crawlstate import CrawlState
from scraper.items import GONE, TOO_LARGE, CrawledPage, Fetch, Hints
from scraper.parsing.dates import to_iso
from scraper.parsing.feeds import parse_feed, parse_sitemap
from scraper.parsing.listing import ListingPage, parse_listing
from scraper.parsing.record import MAX_PAGE_BYTES, build_record
from scraper.parsing.sidebar import looks_like_article
from scraper.parsing.urls import canonicalize_url
from scraper.sites import PROFILES, SiteProfile, get_profile
from scraper.vietnam import VN_TZ, parse_day


class SiteSpider(scrapy.Spider):
    name = "site"
    profile_name: str | None = None  # set on the per-site subclasses below
    fetch_only = False
    shared_frontier = False  # a worker of `vngov crawl --redis` (from_crawler reads VNGOV_WORKER)
    full_walk = False  # from_crawler reads VNGOV_FULL_WALK
    max_page_bytes = MAX_PAGE_BYTES  # from_crawler reads VNGOV_MAX_PAGE_MB

    def __init__(self, site: str | None = None, since: str | None = None, until: str | None = None,
                 max_articles: str | int | None = None, full: str | bool = False, start_url: str | None = None,
                 allow_domain: str | None = None, refetch_days: str | float | None = None, **kwargs):
        super().__init__(**kwargs)
        name = site or self.profile_name
        self.profile: SiteProfile | None = get_profile(name) if name else None
        self.start_url = start_url
        if self.profile is None and not start_url:
            raise ValueError("give a site (one of: " + ", ".join(sorted(PROFILES)) + ") or a start_url")
        self.site = self.profile.name if self.profile else urlsplit(start_url).hostname
        self.allowed_domains = list(self.profile.domains) if self.profile else \
            [d.strip() for d in (allow_domain or urlsplit(start_url).hostname).split(",")]
        self.since = parse_day(since, "since")
        self.until = parse_day(until, "until")
        self.max_articles = int(max_articles) if max_articles not in (None, "", "0") else None
        self.full = str(full).lower() in ("1", "true", "yes") if not isinstance(full, bool) else full
        self.refetch_window = timedelta(days=float(refetch_days)) if refetch_days not in (None, "") else None
        self.refetch_backoff = True  # recent articles again at ages a, 2a, 4a, ... (crawlstate)
        self.scheduled = 0
        self.capped = False  # --max-articles stopped a walk
        self.listing_failures = 0  # listing pages that could not be fetched: the walk is not complete
        self.requested: set[str] = set()  # article URLs asked for in this run
        # What discovery said of each article URL: a feed may date an article that a listing
        # led to first. Read when the page arrives, beside what its request carried.
        self.discovered: dict[str, Hints] = {}

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        if spider.refetch_window is None:
            spider.refetch_window = timedelta(days=settings.getfloat("VNGOV_REFETCH_DAYS", 3))
        spider.refetch_backoff = settings.getbool("VNGOV_REFETCH_BACKOFF", True)
        spider.overlap_pages = settings.getint("VNGOV_OVERLAP_PAGES", 1)
        spider.full_walk = settings.getbool("VNGOV_FULL_WALK", False)  # walk every listing to its end
        spider.fetch_only = settings.getbool("VNGOV_FETCH_ONLY", False)
        spider.keep_warc = settings.getbool("VNGOV_KEEP_WARC", True)
        spider.max_page_bytes = int(settings.getfloat("VNGOV_MAX_PAGE_MB", MAX_PAGE_BYTES / 1e6) * 1_000_000)
        spider.parse_pool = None if spider.fetch_only else parsepool.acquire(settings.getint("VNGOV_PARSE_WORKERS", 0))
        # After the run report (spider_closed) has read the workers' memory.
        crawler.signals.connect(spider._release_pool, signal=scrapy.signals.engine_stopped)
        # A worker of a shared frontier (vngov crawl --redis) has no archive: its scheduler gives
        # it the crawl state the archiver published, when it joins the site's generation.
        spider.shared_frontier = settings.getbool("VNGOV_WORKER")
        if spider.full:
            spider.crawl_state = CrawlState()
        elif not spider.shared_frontier:
            spider.crawl_state = CrawlState.load(settings.get("VNGOV_ARCHIVE"), [spider.site])
        spider.now = datetime.now(timezone.utc)
        return spider

    def join_generation(self, client, prefix: str, started_at: str) -> None:
        """Called by the shared frontier's scheduler (frontier.py) as the spider opens."""
        if not self.full:
            self.crawl_state = CrawlState.from_redis(client, prefix, started_at)

    # -- entry points ----------------------------------------------------------------------

    async def start(self):
        for request in self._start_requests():
            yield request

    def start_requests(self):  # Scrapy < 2.13
        yield from self._start_requests()

    def _start_requests(self):
        # Pages rejected as transient (an error page, a PDF, a page cut short) whose back-off
        # is over: fetched again whether or not a listing still shows them.
        for url in [] if self.full else self.crawl_state.due_retries(self.now):
            request = self._article_request(url, source="retry")
            if request is not None:
                yield request
        if self.profile is None:
            yield scrapy.Request(self.start_url, callback=self.parse_generic_listing)
            return
        for listing in self.profile.listings:
            yield scrapy.Request(listing.url, callback=self.parse_listing, errback=self.listing_failed,
                                 cb_kwargs={"listing": listing, "page": 1, "zone": None, "dry": 0})
        for feed in self.profile.feeds:
            yield scrapy.Request(feed, callback=self.parse_feed)
        for sitemap in self.profile.sitemaps:
            yield scrapy.Request(sitemap, callback=self.parse_sitemap)

    # -- deciding what to fetch ------------------------------------------------------------

    def _in_range(self, published: datetime | None) -> bool:
        if published is None:
            return True
        day = published.astimezone(VN_TZ).date()
        return (self.since is None or day >= self.since) and (self.until is None or day <= self.until)

    def _article_request(self, url: str, *, published: datetime | None = None, lastmod: datetime | None = None,
                         source: str = "listing") -> scrapy.Request | None:
        """A request for an article worth fetching, or None (seen, out of range, capped)."""
        hints = Hints(source=source, published_at=to_iso(published), lastmod=to_iso(lastmod))
        known = self.discovered.get(url)
        self.discovered[url] = known.combine(hints) if known else hints
        if url in self.requested:  # listed in a feed, a sitemap and a listing: one request
            return None
        if self.max_articles is not None and self.scheduled >= self.max_articles:
            self.capped = True
            return None
        # lastmod is an edit time, never before publication: an old lastmod rules out `since`.
        too_old = lastmod is not None and self.since is not None and lastmod.astimezone(VN_TZ).date() < self.since
        if too_old or not self._in_range(published):
            self.crawler.stats.inc_value(f"vngov/{self.site}/skipped_out_of_range")
            return None
        if not self.full and not self.crawl_state.should_fetch(url, now=self.now, refetch_window=self.refetch_window,
                                                        published_hint=published, lastmod_hint=lastmod,
                                                        run_started=self._run_started(),
                                                        backoff=self.refetch_backoff):
            self.crawler.stats.inc_value(f"vngov/{self.site}/skipped_seen")
            return None
        self.scheduled += 1
        self.requested.add(url)
        # In one process, not Scrapy's duplicate filter (the set above does its work): withdrawn
        # articles that all redirect to the home page must each reach parse_article to be
        # rejected. Workers of a shared frontier filter through it: its filter lets redirects pass.
        return scrapy.Request(url, callback=self.parse_article, errback=self.article_failed, priority=10,
                              dont_filter=not self.shared_frontier, cb_kwargs={"hints": hints.to_dict()},
                              # A page over the size limit is never held whole in memory.
                              meta={"download_maxsize": self.max_page_bytes})

    def article_failed(self, failure):
        """An article request that failed after its retries. One cancelled for its size is
        rejected as too large (final: not fetched again); one answering 404 or 410 is rejected
        as gone (a withdrawal once confirmed, crawlstate.reject_policy); the others are counted
        by the network-error middleware and tried again by the next run, which finds them
        unfetched."""
        request = failure.request
        if failure.check(HttpError) and failure.value.response.status in (404, 410):
            response = failure.value.response
            redirected = request.meta.get("redirect_urls")
            fetch = Fetch(url=response.url, status=response.status, requested_url=redirected[0] if redirected else None,
                          fetched_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
            reason = HTTPStatus(response.status).phrase
            record = {"url": fetch.asked_for, "canonical_url": canonicalize_url(fetch.asked_for), "site": self.site,
                      "warnings": [f"{GONE} {response.status} {reason}"]}
            yield CrawledPage(record=record, fetch=fetch)
            return
        if "larger than download max size" in str(failure.value):
            fetch = Fetch(url=request.url, status=0, requested_url=request.url,
                          fetched_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
            record = {"url": request.url, "canonical_url": canonicalize_url(request.url), "site": self.site,
                      "warnings": [f"{TOO_LARGE}: over the limit of {self.max_page_bytes / 1e6:.1f} MB, "
                                   f"not downloaded"]}
            yield CrawledPage(record=record, fetch=fetch)
            return
        if failure.check(IgnoreRequest):  # robots.txt forbids it, or a middleware dropped it on purpose
            self.logger.debug("not fetched %s: %s", request.url, failure.getErrorMessage())
            return
        self.logger.warning("gave up on %s: %s", request.url, failure.getErrorMessage())

    def _run_started(self) -> datetime:
        """When this run began, or the interrupted run it continues (kept in the index's runs):
        a run after an interruption does not fetch again what the interrupted one fetched."""
        return self.crawl_state.continues or self.now

    def walk_completed(self, reason: str) -> bool:
        """Whether this run walked every listing to its end or to ground a completed walk
        covered: what lets a later walk stop early (crawlstate). Not a run that stopped, was
        capped or bounded by dates, or could not fetch a listing page."""
        return (reason == "finished" and self.profile is not None and not self.capped and self.since is None
                and self.until is None and not self.listing_failures)

    def listing_failed(self, failure) -> None:
        """A listing page that could not be read leaves the walk incomplete; not one that
        robots.txt forbids, nor a page past the listing's end answering 404 or 410."""
        if failure.check(IgnoreRequest) and not failure.check(HttpError):
            return
        if failure.check(HttpError) and failure.value.response.status in (404, 410) \
                and failure.request.cb_kwargs.get("page", 1) > 1:
            return
        self.listing_failures += 1
        self.crawler.stats.inc_value(f"vngov/{self.site}/listing_failures")

    def _is_article(self, url: str) -> bool:
        if self.profile is not None:
            return self.profile.is_article_url(url)
        host = (urlsplit(url).hostname or "").lower()
        return any(host == d or host.endswith("." + d) for d in self.allowed_domains) and looks_like_article(url)

    # -- listings --------------------------------------------------------------------------

    def _listing(self, response) -> ListingPage:
        return parse_listing(response.body, response.url, profile=self.profile, is_article=self._is_article)

    def parse_listing(self, response, listing, page: int, zone, dry: int):
        self.crawler.stats.inc_value(f"vngov/{self.site}/listing_pages")
        parsed = self._listing(response)
        links = [(item.url, item.published) for item in parsed.items]
        if zone is None and "{zone}" in listing.next_page:
            zone = parsed.zone
        too_old = bool(links) and self.since is not None
        for url, published in links:
            if published is None or published.astimezone(VN_TZ).date() >= (self.since or date.min):
                too_old = False
            request = self._article_request(url, published=published)
            if request is not None:
                yield request
        # Incremental: a page whose every article a completed walk covered is old ground; look
        # one page further (overlap) and stop. Articles fetched by a run that did not complete
        # are not old ground: the walk goes past them to what that run never reached.
        covered = bool(links) and all(self.crawl_state.covered(url) for url, _ in links)
        dry = dry + 1 if covered else 0
        if not links or too_old or page >= listing.max_pages or not (listing.next_page or parsed.next_page):
            return
        if self.max_articles is not None and self.scheduled >= self.max_articles:
            self.capped = True
            return
        if not self.full and not self.full_walk and self.since is None and dry > self.overlap_pages:
            return
        if "{zone}" in listing.next_page and not zone:
            self.logger.warning("no zone id on %s: cannot page further", response.url)
            return
        if listing.next_page:  # the profile knows this site's scheme (timelines need it)
            next_url = listing.next_page.format(url=listing.url, n=page + 1, zone=zone, base=listing.url.rsplit(".", 1)[0])
        else:  # else the page's own "next" link
            next_url = parsed.next_page
        yield scrapy.Request(next_url, callback=self.parse_listing, errback=self.listing_failed,
                             cb_kwargs={"listing": listing, "page": page + 1, "zone": zone, "dry": dry})

    def parse_generic_listing(self, response):
        parsed = self._listing(response)
        for item in parsed.items:
            request = self._article_request(item.url, published=item.published)
            if request is not None:
                yield request
        if parsed.next_page:
            yield scrapy.Request(parsed.next_page, callback=self.parse_generic_listing)

    # -- feeds and sitemaps ----------------------------------------------------------------

    def parse_feed(self, response):
        for entry in parse_feed(response.body):
            if self._is_article(entry.url):
                request = self._article_request(entry.url, published=entry.published, source="feed")
                if request is not None:
                    yield request

    def parse_sitemap(self, response):
        sitemap = parse_sitemap(response.body)
        last_run = self.crawl_state.last_run()
        for child in sitemap.children:
            if not self.full and self.since is None and last_run and child.lastmod and child.lastmod < last_run:
                continue  # nothing in it changed since the last run
            yield scrapy.Request(child.url, callback=self.parse_sitemap)
        for entry in sitemap.entries:
            if self._is_article(entry.url):
                request = self._article_request(entry.url, published=entry.published, lastmod=entry.lastmod,
                                                source="sitemap")
                if request is not None:
                    yield request

    # -- articles --------------------------------------------------------------------------

    def _release_pool(self) -> None:
        pool, self.parse_pool = self.parse_pool, None
        parsepool.release(pool)

    async def parse_article(self, response, hints: dict):
        if self.fetch_only:  # the throughput baseline: navigation and download, nothing else
            self.crawler.stats.inc_value(f"vngov/{self.site}/fetched_only")
            return
        redirected = response.meta.get("redirect_urls")
        # dict.items: the raw header lists, without Scrapy's per-access normalization.
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, values in dict.items(response.headers) for v in values]
        fetch = Fetch(url=response.url, body=response.body, status=response.status, headers=headers,
                      fetched_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                      requested_url=redirected[0] if redirected else response.url, hints=Hints.from_dict(hints))
        if fetch.asked_for in self.discovered:  # a resumed run's queued request has only its own
            fetch.hints = fetch.hints.combine(self.discovered[fetch.asked_for])
        profile = self.profile.name if self.profile else None
        warc_member = None
        if self.parse_pool:  # the worker encodes the WARC records too: the store pipeline only appends them
            record, warc_member = await self.parse_pool.process(fetch, profile, self.keep_warc, self.max_page_bytes)
        else:
            record = build_record(fetch, profile, self.max_page_bytes)
        if record.get("published_at") and not self._in_range(datetime.fromisoformat(record["published_at"])):
            self.crawler.stats.inc_value(f"vngov/{self.site}/skipped_out_of_range")
            return  # a backfill bound is a promise about the archive, not only about requests
        yield CrawledPage(record=record, fetch=fetch, warc_member=warc_member)


def _site_spiders() -> dict[str, type]:
    """One spider per profile, named after the site, so `scrapy crawl nhandan.vn` works."""
    spiders = {}
    for name in PROFILES:
        class_name = "Spider_" + re.sub(r"\W", "_", name)
        spiders[class_name] = type(class_name, (SiteSpider,), {"name": name, "profile_name": name,
                                                                "__module__": __name__})
    return spiders


globals().update(_site_spiders())
