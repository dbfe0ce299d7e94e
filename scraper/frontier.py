"""The shared frontier of `vngov crawl --redis URL`: one queue of requests and one duplicate
filter per site in Redis, for any number of crawler processes on any number of machines. Built
on scrapy-redis's scheduler and duplicate filter, with what a long backfill needs besides:

- **Generations.** A site's scheduled run is a generation: the first worker to start makes one,
  the others join it, and the last worker out of a drained frontier ends it. Its queue and its
  duplicate filter are the generation's, so that the next scheduled run reads the listings
  again; a worker restarted while the frontier still holds requests joins the same generation
  and picks them up (the frontier persists in Redis).
- **Leases.** A request taken from the queue is leased to its worker (kept in the worker's
  `leased` hash) until the engine is done with it: its response parsed and its items handed to
  the outbox, or its failure handled. Each worker keeps an `alive` key with a short lifetime;
  when it lapses (the worker was killed), any other worker puts the dead worker's leases back
  in the queue. A killed worker loses nothing; what it had finished but not yet acknowledged
  is fetched again, and the archive stores it once (same content).
- **Redirects and retries** of a leased request take its lease over in the same step as they
  enter the queue. Redirect hops are never filtered: withdrawn articles that all redirect to
  the home page must each reach the spider to be rejected.
- **Closing.** A worker closes when the frontier is empty and no worker holds a lease, and has
  stayed so for VNGOV_IDLE_CLOSE seconds: a scheduled backfill ends by itself.
- **Walk completion** (crawlstate): a generation that ended with no worker reporting an
  incomplete walk (a listing failure, a cap, a date bound, a stop) and no worker dying marks
  its end as `covered_before`, as a completed single-process run does.

Keys, per site S: `vngov:S:gen` (the generation: id, started_at, incomplete), and per generation
G `vngov:S:frontier:G` (sorted set by -priority), `vngov:S:seen:G` (fingerprints), `vngov:S:workers:G`,
`vngov:S:leased:G:<worker>`; `vngov:S:alive:<worker>`; `vngov:S:state` and
`vngov:S:covered_before`, the crawl state the archiver publishes."""
from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections import deque
from datetime import datetime, timezone

import redis
from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.request import request_from_dict

from scrapy_redis import picklecompat
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

from .runs import new_run_id

logger = logging.getLogger(__name__)

LEASE_META = "vngov_leased"  # request.meta: the queue entry a popped request was leased as

# KEYS: gen. ARGV: prefix, new id, now, worker, alive ms. Returns {id, started_at}. A generation
# left behind by workers that all died with nothing queued or leased is over: a new one starts.
_JOIN = """
local id = redis.call('HGET', KEYS[1], 'id')
if id then
  local workers = ARGV[1] .. 'workers:' .. id
  local over = redis.call('ZCARD', ARGV[1] .. 'frontier:' .. id) == 0
  for _, worker in ipairs(redis.call('HKEYS', workers)) do
    if redis.call('EXISTS', ARGV[1] .. 'alive:' .. worker) == 1
        or redis.call('HLEN', ARGV[1] .. 'leased:' .. id .. ':' .. worker) > 0 then
      over = false
    end
  end
  if over then
    for _, worker in ipairs(redis.call('HKEYS', workers)) do
      redis.call('DEL', ARGV[1] .. 'leased:' .. id .. ':' .. worker)
    end
    redis.call('DEL', KEYS[1], workers, ARGV[1] .. 'seen:' .. id, ARGV[1] .. 'frontier:' .. id)
    id = false
  end
end
if not id then
  redis.call('HSET', KEYS[1], 'id', ARGV[2], 'started_at', ARGV[3])
  id = ARGV[2]
end
redis.call('HSET', ARGV[1] .. 'workers:' .. id, ARGV[4], ARGV[3])
redis.call('SET', ARGV[1] .. 'alive:' .. ARGV[4], ARGV[3], 'PX', ARGV[5])
return {id, redis.call('HGET', KEYS[1], 'started_at')}
"""
# KEYS: frontier, leased. ARGV: how many. Moves the first requests to the worker's leases (the
# lease keeps the score); returns them, first first.
_POP = """
local first = redis.call('ZRANGE', KEYS[1], 0, ARGV[1] - 1, 'WITHSCORES')
local taken = {}
for i = 1, #first, 2 do
  redis.call('HSET', KEYS[2], first[i], first[i + 1])
  taken[#taken + 1] = first[i]
end
if #taken > 0 then redis.call('ZREM', KEYS[1], unpack(taken)) end
return taken
"""
# KEYS: frontier, leased. ARGV: requests leased and never started. Puts them back in the queue
# with their scores (a request whose lease another worker took back already is left alone).
_GIVE_BACK = """
for _, entry in ipairs(ARGV) do
  local score = redis.call('HGET', KEYS[2], entry)
  if score then
    redis.call('ZADD', KEYS[1], score, entry)
    redis.call('HDEL', KEYS[2], entry)
  end
end
"""
# KEYS: frontier, leased, seen. ARGV: score, request, the lease it takes over ('' for none), its
# fingerprint ('' not to filter it). Returns 0 for a duplicate (not queued), else 1.
_PUSH = """
if ARGV[4] ~= '' and redis.call('SADD', KEYS[3], ARGV[4]) == 0 then return 0 end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
if ARGV[3] ~= '' then redis.call('HDEL', KEYS[2], ARGV[3]) end
return 1
"""
# KEYS: workers, frontier, gen. ARGV: prefix, generation. Puts dead workers' leases back.
_RECOVER = """
local moved = 0
for _, worker in ipairs(redis.call('HKEYS', KEYS[1])) do
  if redis.call('EXISTS', ARGV[1] .. 'alive:' .. worker) == 0 then
    local leased = ARGV[1] .. 'leased:' .. ARGV[2] .. ':' .. worker
    local entries = redis.call('HGETALL', leased)
    for i = 1, #entries, 2 do
      redis.call('ZADD', KEYS[2], entries[i + 1], entries[i])
      moved = moved + 1
    end
    redis.call('DEL', leased)
    redis.call('HDEL', KEYS[1], worker)
    if redis.call('HGET', KEYS[3], 'id') == ARGV[2] then
      redis.call('HSET', KEYS[3], 'incomplete', 'a worker died')
    end
  end
end
return moved
"""
# KEYS: workers, frontier. ARGV: prefix, generation. Requests queued or leased to any worker.
_OUTSTANDING = """
local total = redis.call('ZCARD', KEYS[2])
for _, worker in ipairs(redis.call('HKEYS', KEYS[1])) do
  total = total + redis.call('HLEN', ARGV[1] .. 'leased:' .. ARGV[2] .. ':' .. worker)
end
return total
"""
# KEYS: gen, frontier, seen, workers, covered_before. ARGV: prefix, generation, worker,
# why the worker's walk is incomplete ('' if it is not), now. The worker leaves; the last one
# out of a drained frontier ends the generation, and when no walk was cut short, what was
# first fetched before now is covered ground. Returns 1 when it ended it.
_LEAVE = """
redis.call('HDEL', KEYS[4], ARGV[3])
redis.call('DEL', ARGV[1] .. 'alive:' .. ARGV[3])
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[2] then return 0 end
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'incomplete', ARGV[4]) end
if redis.call('ZCARD', KEYS[2]) > 0 or redis.call('HLEN', KEYS[4]) > 0 then return 0 end
if not redis.call('HGET', KEYS[1], 'incomplete') then
  redis.call('SET', KEYS[5], ARGV[5])
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
return 1
"""


def site_prefix(site: str) -> str:
    return f"vngov:{site}:"


def worker_name() -> str:
    """This process's name among the workers: host, pid and a few random characters."""
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(2)}"


def _method_name(spider, function) -> str | bool | None:
    """The name under which `function` is a method of `spider` (None for none), else False."""
    if function is None:
        return None
    bound = getattr(function, "__func__", None)
    name = getattr(function, "__name__", None)
    if bound is not None and name and getattr(getattr(spider, name, None), "__func__", None) is bound:
        return name
    return False


# What a Request is without being told otherwise: left out of a queued request (a quarter of
# its size in Redis), request_from_dict gives it back.
_DEFAULTS = {"method": "GET", "headers": {}, "body": b"", "cookies": {}, "meta": {}, "encoding": "utf-8",
             "priority": 0, "dont_filter": False, "flags": [], "cb_kwargs": {}}


def encode_request(request, spider, serializer=None) -> bytes:
    """A request as the frontier queues it: request.to_dict(spider=...) without the attributes
    that have their default value, and without its scan of every spider method per request (a
    quarter of a millisecond each) when the callbacks are the spider's own methods."""
    names = [_method_name(spider, function) for function in (request.callback, request.errback)]
    if False in names or type(request) is not Request:
        return (serializer or picklecompat).dumps(request.to_dict(spider=spider))
    data = {"url": request.url}
    if names[0]:
        data["callback"] = names[0]
    if names[1]:
        data["errback"] = names[1]
    headers = dict(request.headers)
    if headers:
        data["headers"] = headers
    for attribute in request.attributes:
        if attribute not in data and attribute not in ("url", "callback", "errback", "headers"):
            value = getattr(request, attribute)
            if attribute not in _DEFAULTS or value != _DEFAULTS[attribute]:
                data[attribute] = value
    return (serializer or picklecompat).dumps(data)


def _engine_in_progress(crawler) -> set | None:
    """The requests the engine has taken from the scheduler and not finished with (downloading,
    or their output still going through the spider and the pipelines). Scrapy keeps this set
    on the engine's private slot; None if a Scrapy version moved it (leases are then all given
    back when the worker closes)."""
    slot = getattr(crawler.engine, "_slot", None)
    return getattr(slot, "inprogress", None)


def _wake(crawler) -> None:
    """Ask the engine to look at the scheduler now, not at its next 5-second heartbeat: another
    worker may have queued requests."""
    slot = getattr(crawler.engine, "_slot", None)
    nextcall = getattr(slot, "nextcall", None)
    if nextcall is not None:
        nextcall.schedule()


class GenerationDupeFilter(RFPDupeFilter):
    """scrapy-redis's duplicate filter over the generation's fingerprints; a redirect hop always
    passes."""

    def fingerprint(self, request) -> str:
        """What the queueing script checks and adds: '' for a request never filtered."""
        if request.dont_filter or request.meta.get("redirect_urls"):
            return ""
        return self.request_fingerprint(request)

    def request_seen(self, request) -> bool:
        fingerprint = self.fingerprint(request)
        return bool(fingerprint) and self.server.sadd(self.key, fingerprint) == 0


class SharedScheduler(Scheduler):
    """scrapy-redis's scheduler, with generations, leases and idle closing (module docstring)."""

    def __init__(self, *args, crawler=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.crawler = crawler
        settings = crawler.settings
        self.worker = settings.get("VNGOV_WORKER_NAME") or worker_name()
        self.alive_ms = int(settings.getfloat("VNGOV_WORKER_TTL", 15) * 1000)
        self.idle_close = settings.getfloat("VNGOV_IDLE_CLOSE", 30)
        self.leased: dict = {}  # request -> its queue entry, while the engine has it
        # Leased a few at a time, one round trip for all: the engine takes them one by one.
        self.lease_batch = max(1, settings.getint("VNGOV_LEASE_BATCH", 8))
        self.taken: deque[bytes] = deque()  # leased, not handed to the engine yet
        self.queueing: list[tuple] = []  # (request, the lease it takes over): for the next flush
        self.idle_since: float | None = None
        self._tick = None
        self._push = self.server.register_script(_PUSH)
        self._pop = self.server.register_script(_POP)
        self._give_back = self.server.register_script(_GIVE_BACK)

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        kwargs = {"persist": True, "idle_before_close": 0}
        instance = cls(server=_server(settings), crawler=crawler, **kwargs)
        instance.stats = crawler.stats
        crawler.signals.connect(instance.spider_idle, signal=signals.spider_idle)
        return instance

    # -- the generation ----------------------------------------------------------------

    def open(self, spider):
        self.spider = spider
        site = getattr(spider, "site", None) or spider.name
        self.prefix = site_prefix(site)
        now = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
        generation, started = self.server.eval(_JOIN, 1, self.prefix + "gen", self.prefix,
                                               new_run_id(), now, self.worker,
                                               self.alive_ms)
        self.generation = generation.decode() if isinstance(generation, bytes) else generation
        self.started_at = started.decode() if isinstance(started, bytes) else started
        self.frontier_key = f"{self.prefix}frontier:{self.generation}"
        self.leased_key = f"{self.prefix}leased:{self.generation}:{self.worker}"
        self.workers_key = f"{self.prefix}workers:{self.generation}"
        self.df = GenerationDupeFilter(self.server, key=f"{self.prefix}seen:{self.generation}",
                                       debug=spider.settings.getbool("DUPEFILTER_DEBUG"))
        if hasattr(spider, "join_generation"):
            spider.join_generation(self.server, self.prefix, self.started_at)
        queued = self.server.zcard(self.frontier_key)
        logger.info("worker %s joined %s's generation %s (%d requests queued)", self.worker, site,
                    self.generation, queued)
        self._tick = task.LoopingCall(self.tick)
        self._tick.start(1.0, now=False)
        # The sign of life comes from a thread of its own: a reactor held up (a loaded machine)
        # must not make a live worker look dead and its requests be handed out again.
        self._beating = threading.Event()
        threading.Thread(target=self._heartbeat, name="vngov-heartbeat", daemon=True).start()

    def _heartbeat(self) -> None:
        client = _server(self.crawler.settings)
        key = self.prefix + "alive:" + self.worker
        while not self._beating.wait(min(1.0, self.alive_ms / 3000)):
            try:
                client.set(key, "1", px=self.alive_ms)
            except redis.RedisError as error:
                logger.warning("the shared frontier is unreachable: %s", error)
        client.close()

    def __len__(self):
        self.flush()
        return self.server.zcard(self.frontier_key) + len(self.taken)

    def has_pending_requests(self) -> bool:
        return len(self) > 0

    def enqueue_request(self, request) -> bool:
        """Filter and queue in one step; a redirect or retry of a leased request takes its lease
        over in the same step. The requests a response gives go to Redis together, in one round
        trip, before the engine takes the next request or any lease is given up (flush): a
        duplicate is logged then, and is not reported to the engine as dropped."""
        self.queueing.append((request, request.meta.pop(LEASE_META, b"")))
        if len(self.queueing) >= 500:
            self.flush()
        return True

    def flush(self) -> None:
        """Queue what enqueue_request took, in one round trip."""
        if not self.queueing:
            return
        queueing = self.queueing  # kept until Redis answered: queueing again changes nothing
        keys = [self.frontier_key, self.leased_key, self.df.key]
        pipe = self.server.pipeline(transaction=False)
        for request, taken_over in queueing:
            self._push(keys=keys, args=[-request.priority, self._encode(request), taken_over,
                                        self.df.fingerprint(request)], client=pipe)
        queued = pipe.execute()
        self.queueing = []
        hops = []
        for (request, taken_over), new in zip(queueing, queued):
            if new:
                continue
            if taken_over:  # a hop to a page already queued: the lease it came from is done
                hops.append(taken_over)
            self.df.log(request, self.spider)
        if hops:
            self.server.hdel(self.leased_key, *hops)
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis", len(queueing) - queued.count(0))

    def next_request(self):
        self.flush()
        if not self.taken:
            self.taken.extend(self._pop(keys=[self.frontier_key, self.leased_key], args=[self.lease_batch]))
            if not self.taken:
                return None
        data = self.taken.popleft()
        request = self._decode(data)
        request.meta[LEASE_META] = data
        self.leased[request] = data
        self.idle_since = None
        if self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def _encode(self, request) -> bytes:
        return encode_request(request, self.spider, self.serializer)

    def _decode(self, data: bytes):
        return request_from_dict((self.serializer or picklecompat).loads(data), spider=self.spider)

    # -- leases ------------------------------------------------------------------------

    def tick(self) -> None:
        """Every second: acknowledge what the engine finished,
        give dead workers' leases back, and let the engine look at the queue."""
        try:
            # Taken for dead while busy (its reactor held longer than VNGOV_WORKER_TTL): its leases
            # were queued again (fetched twice, stored once); it counts as a worker again.
            if self.server.hsetnx(self.workers_key, self.worker, self.started_at):
                logger.warning("this worker was taken for dead (busy over %.0f s): its requests were queued again",
                               self.alive_ms / 1000)
            self.acknowledge()
            moved = self.server.eval(_RECOVER, 3, self.workers_key, self.frontier_key, self.prefix + "gen",
                                     self.prefix, self.generation)
        except Exception as error:  # Redis away for a moment: the next tick tries again
            logger.warning("the shared frontier is unreachable: %s", error)
            return
        if moved:
            logger.warning("%d requests of a worker that stopped answering are queued again", moved)
            self.crawler.stats.inc_value("vngov/frontier/requeued", moved)
        _wake(self.crawler)

    def acknowledge(self, everything: bool = False) -> None:
        """Give up the leases of requests the engine is done with (all of them, once the
        spider is closed)."""
        self.flush()  # a redirect or retry queued before the lease it came from is given up
        in_progress = set() if everything else _engine_in_progress(self.crawler)
        if in_progress is None:
            return
        done = [request for request in self.leased if request not in in_progress]
        if not done:
            return
        entries = [self.leased.pop(request) for request in done]
        for start in range(0, len(entries), 500):
            self.server.hdel(self.leased_key, *entries[start:start + 500])

    def outstanding(self) -> int:
        self.flush()
        return int(self.server.eval(_OUTSTANDING, 2, self.workers_key, self.frontier_key, self.prefix,
                                    self.generation))

    def spider_idle(self, spider) -> None:
        """Keep the worker open while any worker has work that may queue more, and for
        VNGOV_IDLE_CLOSE seconds after the frontier drained."""
        if self.outstanding():
            self.idle_since = None
            raise DontCloseSpider
        now = time.monotonic()
        if self.idle_since is None:
            self.idle_since = now
        if now - self.idle_since < self.idle_close:
            raise DontCloseSpider

    def close(self, reason):
        if self._tick is not None and self._tick.running:
            self._tick.stop()
            self._beating.set()
        self.acknowledge(everything=True)
        if self.taken:  # a stop (--max-articles, a signal): what the engine never took goes back
            self._give_back(keys=[self.frontier_key, self.leased_key], args=list(self.taken))
            self.taken.clear()
        walk = getattr(self.spider, "walk_completed", None)
        incomplete = "" if walk is None or walk(reason) else f"{self.worker} stopped ({reason}) or its walk was cut short"
        ended = self.server.eval(_LEAVE, 5, self.prefix + "gen", self.frontier_key, self.df.key, self.workers_key,
                                 self.prefix + "covered_before", self.prefix, self.generation, self.worker,
                                 incomplete, datetime.now(timezone.utc).isoformat(timespec="milliseconds"))
        if ended:
            logger.info("generation %s of %s ended: its frontier is drained", self.generation, self.spider.name)


def _server(settings):
    return redis.Redis.from_url(settings.get("VNGOV_REDIS_URL"))
