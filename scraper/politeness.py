"""Politeness shared by every crawler process through Redis (VNGOV_REDIS_URL): the per-site delay,
concurrency and Retry-After pauses hold for the sum of all workers, on every machine, not per
process as Scrapy's own download slots and AutoThrottle do.

Per host, in Redis (keys under `vngov:polite:<host>:`):
- `next`: the earliest moment (Redis's clock, ms) the next request may start. Each request
  reserves a start time in one atomic step (a Lua script): the later of now, `next` and a pause,
  and moves `next` on by the delay. Requests to a host therefore start at least
  VNGOV_GLOBAL_DELAY seconds apart, whatever the number of processes.
- `leases`: the requests in flight (a sorted set of tokens scored by their expiry): at most
  VNGOV_GLOBAL_CONCURRENCY at once. A lease ends with the response or the failure, or by itself
  DOWNLOAD_TIMEOUT plus 5 s after its download may start, so that a killed worker holds none for
  long.
- `pause`: until when a server's Retry-After (on 429 or 503) asked every worker to wait.

robots.txt needs nothing shared: every worker reads the same file and obeys it. A process's own
limits still apply on top (a worker alone is as polite as a single crawl)."""
from __future__ import annotations

import asyncio
import logging
import uuid
from urllib.parse import urlsplit

from scrapy.exceptions import NotConfigured

from .extras import async_redis

logger = logging.getLogger(__name__)

# Each script reads the time on Redis's clock (ms): one clock for all workers.
_NOW = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
"""
# KEYS: next, pause, leases. ARGV: delay in ms, key lifetime in ms, the request's lease token,
# lease in ms. Returns the ms to wait; a lease that waits is lengthened by the wait, since the
# download may last DOWNLOAD_TIMEOUT from its start.
_RESERVE = _NOW + """
local start = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'), tonumber(redis.call('GET', KEYS[2]) or '0'))
redis.call('SET', KEYS[1], start + tonumber(ARGV[1]), 'PX', ARGV[2])
if start > now then
  redis.call('ZADD', KEYS[3], 'XX', start + tonumber(ARGV[4]), ARGV[3])
  redis.call('PEXPIRE', KEYS[3], start - now + tonumber(ARGV[4]), 'GT')
end
return start - now
"""
# KEYS: leases. ARGV: token, limit, lease in ms. Returns 1 when the lease was taken.
_ACQUIRE = _NOW + """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return 1
end
return 0
"""
# KEYS: pause. ARGV: ms from now. Only ever lengthens a pause.
_PAUSE = _NOW + """
local until_ms = now + tonumber(ARGV[1])
if until_ms > tonumber(redis.call('GET', KEYS[1]) or '0') then
  redis.call('SET', KEYS[1], until_ms, 'PX', ARGV[1])
end
return until_ms
"""
_TOKEN = "vngov_lease"
LEASE_MARGIN = 5.0  # seconds a lease outlives its request's longest possible download
_PAUSE_CODES = (429, 503)


class SharedPolitenessMiddleware:
    """A downloader middleware, next to the downloader: each request waits for its host's next
    start time and a free lease, both kept in Redis."""

    def __init__(self, url: str, delay: float, concurrency: int, lease: float, retry_after_max: float):
        self.client = async_redis(url, "VNGOV_REDIS_URL (shared politeness)")
        self.delay_ms = int(delay * 1000)
        self.concurrency = concurrency
        self.lease_ms = int(lease * 1000)
        self.retry_after_max = retry_after_max
        self.reserve = self.client.register_script(_RESERVE)
        self.acquire = self.client.register_script(_ACQUIRE)
        self.pause = self.client.register_script(_PAUSE)

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        url = settings.get("VNGOV_REDIS_URL")
        if not url:
            raise NotConfigured  # no VNGOV_REDIS_URL: politeness is this process's own (no warning)
        delay = settings.getfloat("VNGOV_GLOBAL_DELAY") if settings.get("VNGOV_GLOBAL_DELAY") is not None \
            else settings.getfloat("DOWNLOAD_DELAY", 1.0)
        if delay == 0 and settings.get("VNGOV_GLOBAL_CONCURRENCY") is None:
            # Politeness lifted (--fast: mirrors, benchmarks): nothing to share, no Redis round trips.
            raise NotConfigured
        concurrency = settings.getint("VNGOV_GLOBAL_CONCURRENCY") if settings.get("VNGOV_GLOBAL_CONCURRENCY") is not None \
            else settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 2)
        lease = settings.getfloat("DOWNLOAD_TIMEOUT", 180) + LEASE_MARGIN
        return cls(url, delay, concurrency, lease, settings.getfloat("VNGOV_RETRY_AFTER_MAX", 120))

    @staticmethod
    def _keys(request) -> tuple[str, str, str]:
        host = (urlsplit(request.url).hostname or "").lower()
        prefix = f"vngov:polite:{host}:"
        return prefix + "next", prefix + "pause", prefix + "leases"

    async def process_request(self, request, spider=None):
        next_key, pause_key, leases_key = self._keys(request)
        token = uuid.uuid4().hex
        wait = 0.05
        while not await self.acquire(keys=[leases_key], args=[token, self.concurrency, self.lease_ms]):
            await asyncio.sleep(wait)  # every lease is out: another worker's request is in flight
            wait = min(wait * 1.5, 1.0)
        request.meta[_TOKEN] = token
        delay = await self.reserve(keys=[next_key, pause_key, leases_key],
                                   args=[self.delay_ms, max(self.delay_ms * 10, 60000), token, self.lease_ms])
        if delay > 0:
            await asyncio.sleep(delay / 1000)
        return None

    async def _release(self, request) -> None:
        token = request.meta.pop(_TOKEN, None)
        if token:
            await self.client.zrem(self._keys(request)[2], token)

    async def process_response(self, request, response, spider=None):
        await self._release(request)
        if response.status in _PAUSE_CODES:
            header = (response.headers.get("Retry-After") or b"").strip()
            if header.isdigit():
                wait = min(float(header), self.retry_after_max)
                await self.pause(keys=[self._keys(request)[1]], args=[int(wait * 1000)])
                logger.info("%s asked to wait %.0f s: every worker waits", urlsplit(request.url).hostname, wait)
        return response

    async def process_exception(self, request, exception, spider=None):
        await self._release(request)
        return None
