"""Downloader middlewares for site quirks and for crawling local mirrors. Each is off unless
its setting or a profile turns it on."""
from __future__ import annotations

import asyncio
import logging
import re
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.downloadermiddlewares.retry import RetryMiddleware, get_retry_request
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as ScrapyRobotsTxtMiddleware
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

from .sites import PROFILES

logger = logging.getLogger(__name__)


class CookieChallengeMiddleware:
    """Answers the JavaScript cookie challenge of quochoi.vn and laodong.vn: a tiny page whose
    script sets document.cookie="D1N=..." and reloads. We set the cookie and ask once more."""

    CHALLENGE = re.compile(rb'document\.cookie\s*=\s*["\']([A-Za-z0-9_]+)=([^;"\']+)')

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("VNGOV_COOKIE_CHALLENGE", True):
            raise NotConfigured("VNGOV_COOKIE_CHALLENGE is off")
        return cls()

    def process_response(self, request, response, spider=None):
        if response.status != 200 or len(response.body) > 4096 or request.meta.get("vngov_challenge_answered"):
            return response
        match = self.CHALLENGE.search(response.body)
        if not match:
            return response
        name, value = match.group(1).decode(), match.group(2).decode()
        logger.info("cookie challenge on %s: retrying with %s", request.url, name)
        cookies = {**(request.cookies if isinstance(request.cookies, dict) else {}), name: value}
        retry = request.replace(dont_filter=True, cookies=cookies)
        retry.meta["vngov_challenge_answered"] = True
        return retry


class SessionPrimingMiddleware:
    """Some sites (qdnd.vn) redirect their feeds in a loop until a first page has set a session
    cookie. Before the first request to such a host, fetch the profile's priming URL (its
    cookies land in the jar), then let the request go."""

    def __init__(self, crawler, priming: dict[str, str]):
        self.crawler = crawler
        self.priming = priming  # host -> priming URL
        self.primed: dict[str, asyncio.Future] = {}

    @classmethod
    def from_crawler(cls, crawler):
        priming = {}
        for profile in PROFILES.values():
            if profile.session_priming_url:
                for domain in profile.domains:
                    priming[domain] = profile.session_priming_url
        priming.update(crawler.settings.getdict("VNGOV_SESSION_PRIMING"))
        if not priming:
            raise NotConfigured("no host needs session priming")
        return cls(crawler, priming)

    async def process_request(self, request, spider=None):
        parts = urlsplit(request.url)
        host = parts.hostname or ""
        if host not in self.priming or request.meta.get("vngov_priming") or parts.path == "/robots.txt":
            return None
        primed = self.primed.get(host)
        if primed is None:  # the first request to the host primes; the others wait for it
            primed = self.primed[host] = asyncio.get_running_loop().create_future()
            logger.info("priming a session on %s before %s", host, request.url)
            try:
                await self.crawler.engine.download_async(
                    Request(self.priming[host], dont_filter=True, meta={"vngov_priming": True}))
            except Exception as error:  # a failed priming must not stop the crawl
                logger.warning("session priming on %s failed: %s", host, error)
            primed.set_result(True)
        await primed
        return None


class RetryAfterMiddleware(RetryMiddleware):
    """Scrapy's retries with backoff, honouring a server's Retry-After on 429 and 503
    (capped by VNGOV_RETRY_AFTER_MAX seconds)."""

    def __init__(self, settings):
        super().__init__(settings)
        self.max_wait = settings.getfloat("VNGOV_RETRY_AFTER_MAX", 120)
        self.backoff = settings.getfloat("VNGOV_RETRY_BACKOFF", 2.0)

    async def process_response(self, request, response, spider=None):
        if request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            return response
        retries = request.meta.get("retry_times", 0)
        wait = self.backoff * (2 ** retries)
        header = response.headers.get("Retry-After")
        if header and header.strip().isdigit():
            wait = float(header.strip())
        wait = min(wait, self.max_wait)
        retry = get_retry_request(request, spider=self.crawler.spider, reason=f"{response.status} (waited {wait:.0f}s)",
                                  max_retry_times=self.max_retry_times)
        if retry is None:
            return response
        if wait > 0:
            await asyncio.sleep(wait)
        return retry


# What a failed download's exception says went wrong, by its class's name: Scrapy's own
# (2.13 and later wrap Twisted's) and Twisted's.
_NETWORK_KINDS = {
    "CannotResolveHostError": "dns", "DNSLookupError": "dns",
    "DownloadTimeoutError": "timeout", "TimeoutError": "timeout", "TCPTimedOutError": "timeout",
    "DownloadConnectionRefusedError": "connection", "ConnectionRefusedError": "connection",
    "DownloadFailedError": "connection", "ResponseDataLossError": "connection", "ConnectError": "connection",
    "ConnectionDone": "connection", "ConnectionLost": "connection", "ResponseFailed": "connection",
    "ResponseNeverReceived": "connection", "NoRouteError": "connection", "TunnelError": "connection",
    "SSLError": "tls", "Error": "tls",
}


class NetworkErrorsMiddleware:
    """Counts the downloads that fail without a response (DNS failures, timeouts, refused or
    dropped connections, TLS errors), per site and kind, every attempt, retried or not: the run
    report shows them beside HTTP errors, and a run whose site could not be reached says so."""

    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_exception(self, request, exception, spider=None):
        from .sites import site_name

        name = type(exception).__name__
        if name == "IgnoreRequest":  # a middleware's decision (robots.txt, offsite), not the network's
            return None
        kind = _NETWORK_KINDS.get(name, f"other ({name})")
        if kind == "tls" and "SSL" not in type(exception).__module__ + name:
            kind = f"other ({name})"
        self.stats.inc_value(f"vngov/{site_name(request.url)}/network/{kind}")
        return None  # the retry middleware decides what happens next


class RobotsTxtMiddleware(ScrapyRobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, closed when robots.txt cannot be read (RFC 9309, 2.3.1):
    Scrapy allows everything when robots.txt fails to download and reads a 5xx error page as
    rules. Here a 4xx answer (no robots.txt) allows everything; a 5xx answer or a network
    failure, after the retry middleware's tries, disallows everything of the host for the run:
    the site fails loudly (nothing fetched, exit status 4) instead of being crawled against rules
    we could not read."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self._unreadable: set[str] = set()  # hosts whose robots.txt could not be read

    async def _parse_robots(self, response, netloc: str, request) -> None:
        if response.status >= 500:
            self._closed(netloc, f"it answered {response.status}")
        elif response.status >= 400:
            response = response.replace(body=b"")  # no robots.txt: no rules
        await super()._parse_robots(response, netloc, request)

    async def robot_parser(self, request):
        """Each request that waits for a host's robots.txt gets the rules. Scrapy 2.19 has every
        waiter await the one Deferred, whose first waiter takes its result and leaves None
        ("no rules": allowed) to the others (scrapy/scrapy#6802): a run's first requests to a
        host, and in a shared frontier any page a new worker takes, went through unchecked."""
        pending = self._parsers.get(urlparse_cached(request).netloc)
        if not isinstance(pending, Deferred):
            return await super().robot_parser(request)
        own: Deferred = Deferred()

        def forward(parser):
            own.callback(parser)
            return parser  # for the next waiter

        pending.addCallback(forward)
        return await maybe_deferred_to_future(own)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        self._closed(netloc, str(exc) or type(exc).__name__)
        super()._robots_error(exc, netloc)

    def process_request_2(self, rp, request) -> None:
        if urlparse_cached(request).netloc in self._unreadable:
            self._stats.inc_value("robotstxt/unreadable")  # not "forbidden": no rules were read
            raise IgnoreRequest("robots.txt could not be read")
        super().process_request_2(rp, request)

    def _closed(self, netloc: str, why: str) -> None:
        if netloc not in self._unreadable:
            logger.error("robots.txt of %s could not be read (%s): nothing of %s is fetched in this run", netloc,
                         why, netloc)
        self._unreadable.add(netloc)
