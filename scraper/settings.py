"""Scrapy settings for vngov: polite by default, every value explained next to it.

The CLI reads DEFAULT_ARCHIVE, USER_AGENT and DOWNLOAD_TIMEOUT from here too, so there is one
place to change them.
"""

from scraper.runs import new_run_id

BOT_NAME = "vngov"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# Where the archive lives unless --archive or $VNGOV_ARCHIVE says otherwise.
DEFAULT_ARCHIVE = "data/archive"

# Name the project and a contact so that site operators can reach us instead of blocking us.
VNGOV_CONTACT_URL = "https://github.com/vngov/vngov"
USER_AGENT = f"vngov/0.1 (+{VNGOV_CONTACT_URL}; research archive of public government news)"

ROBOTSTXT_OBEY = True  # never fetch what a site asks crawlers to leave alone

# Government servers are small: one or two requests at a time per site, with a pause.
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5  # ±50% around DOWNLOAD_DELAY
# AutoThrottle backs off further when a server slows down.
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# Fail fast on dead hosts instead of holding a slot for minutes.
DOWNLOAD_TIMEOUT = 30
DNS_TIMEOUT = 20
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]

# Fewer parallel item workers per response: measured ~55% more throughput on 2 cores.
CONCURRENT_ITEMS = 8

# Development only: `HTTPCACHE_ENABLED=1 scrapy crawl ...` replays pages from disk.
HTTPCACHE_ENABLED = False
HTTPCACHE_DIR = "httpcache"
HTTPCACHE_EXPIRATION_SECS = 0

# A batch crawl opens no port: no telnet console for anyone on the machine to reach.
TELNETCONSOLE_ENABLED = False

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"

# -- vngov components ------------------------------------------------------------------------
ITEM_PIPELINES = {
    "pipelines.normalize.NormalizePipeline": 100,
    "pipelines.validate.ValidatePipeline": 200,
    "pipelines.store.StorePipeline": 400,
}
DOWNLOADER_MIDDLEWARES = {
    # robots.txt that cannot be read (a 5xx, a network failure) disallows, not allows (RFC 9309).
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "scraper.middlewares.RobotsTxtMiddleware": 100,
    # Retries honour Retry-After (replaces Scrapy's RetryMiddleware at the same place).
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "scraper.middlewares.RetryAfterMiddleware": 550,
    "scraper.middlewares.SessionPrimingMiddleware": 580,
    "scraper.middlewares.CookieChallengeMiddleware": 650,
    # Beside the downloader: sees every failed attempt before the retry middleware does.
    "scraper.middlewares.NetworkErrorsMiddleware": 950,
    # With VNGOV_REDIS_URL: delay, concurrency and Retry-After shared by every worker.
    "scraper.politeness.SharedPolitenessMiddleware": 960,
}
VNGOV_REDIS_URL = None  # redis://host:port/db: politeness shared by every crawler process (scraper/politeness.py)
# The shared per-host limits (default: DOWNLOAD_DELAY and CONCURRENT_REQUESTS_PER_DOMAIN), for
# the sum of all workers.
VNGOV_GLOBAL_DELAY = None
VNGOV_GLOBAL_CONCURRENCY = None
# A worker of a shared frontier (`vngov crawl --redis URL` sets these; scraper/frontier.py).
VNGOV_WORKER = False
VNGOV_IDLE_CLOSE = 30  # seconds the shared frontier stays empty before a worker closes
VNGOV_WORKER_TTL = 15  # seconds without a sign of life before a worker's leased requests are queued again
VNGOV_LEASE_BATCH = 8  # requests a worker leases from the shared queue in one round trip
VNGOV_OUTBOX_MAX = 5000  # pages waiting for the archiver in Redis before workers wait for it
# Scrapy's HTTP/1.1 handler with local mirrors (VNGOV_MIRROR) and per-host legacy TLS.
DOWNLOAD_HANDLERS = {
    "http": "scraper.download.DownloadHandler",
    "https": "scraper.download.DownloadHandler",
}
EXTENSIONS = {"scraper.report.RunReport": 500, "scraper.console.ConsoleProgress": 510,
              "scraper.runs.RunLockExtension": 100}
VNGOV_RUN_LOCKED = False  # vngov crawl sets it: it holds the run locks itself
VNGOV_RUN_LOCK_WAIT = 0  # seconds a `scrapy crawl` or Scrapyd job waits for its site's run lock
VNGOV_PROGRESS = False  # vngov crawl turns it on when standard error is a terminal
LOG_FORMATTER = "scraper.report.QuietDropFormatter"  # unchanged articles are not warnings

VNGOV_ARCHIVE = DEFAULT_ARCHIVE
# Names the run's archive segments, WARC files and reports. `vngov crawl` gives each run its
# own; under `scrapy crawl`, each process makes one here; under Scrapyd the job's id (its
# `_job` spider argument) is the run id instead (runs.run_id_of), so that reports name the job.
VNGOV_RUN_ID = new_run_id()
VNGOV_CODEC = "zstd"
VNGOV_REFETCH_DAYS = 3  # re-fetch articles younger than this to catch edits
# ... once the time since the last fetch is the article's age then (ages a, 2a, 4a, ...);
# False: at every run.
VNGOV_REFETCH_BACKOFF = True
VNGOV_OVERLAP_PAGES = 1  # listing pages read past the first one with nothing new
VNGOV_MIRROR = ""  # "http://127.0.0.1:PORT": crawl a local mirror instead of the live site
VNGOV_KEEP_WARC = True
VNGOV_RETRY_AFTER_MAX = 120  # seconds: longest Retry-After we wait for
VNGOV_LOCK_TIMEOUT = 600  # seconds a run's last commit waits for the archive's lock (compact, reparse)
# A crash loses at most this much: the archive commits after so many records or seconds.
VNGOV_COMMIT_EVERY = 2000
VNGOV_COMMIT_INTERVAL = 60
VNGOV_LEGACY_TLS_HOSTS: list[str] = []  # hosts that need relaxed TLS, besides profiles with legacy_tls
# Worker processes that parse articles beside the crawl (0: parse in the crawl's process). Worth
# it only when politeness is lifted (mirrors, backfills from a cache); `--fast` sets it to 1.
VNGOV_PARSE_WORKERS = 0
VNGOV_FETCH_ONLY = False  # benchmarks: download articles without parsing or storing them
# An article page over this size is rejected unparsed ("page is too large"); a download over
# DOWNLOAD_MAXSIZE is not even finished. Article pages run to 0.1-1 MB.
VNGOV_MAX_PAGE_MB = 8
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
# A page rejected as transient (an error page, a PDF, a page cut short, a first redirect away)
# is fetched again after these many seconds (1 h, 1 day, 7 days, then every 30 days).
VNGOV_RETRY_DELAYS = [3600, 86400, 7 * 86400, 30 * 86400]
VNGOV_FULL_WALK = False  # walk every listing to its end, even past ground a completed walk covered
VNGOV_RUN_WARNINGS: list[str] = []  # what went wrong around a run, for its report (set by whoever starts it)
