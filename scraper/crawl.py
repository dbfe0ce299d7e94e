"""Running crawls in-process: one Scrapy crawler per site, one shared archive writer.

Each site crawls under a run lock (a second run of the site exits, or waits). A run that is
interrupted however it is (Ctrl-C, SIGTERM, SIGKILL, a full disk) needs no resume file: the
index knows what it fetched, and the next run of the site continues it (crawlstate). The
archive's dedup means a run never stores an article twice.

A worker of a shared frontier (`--redis`, frontier.py) takes no lock and writes no archive:
its sites are shared with the other workers, and `vngov archiver` keeps the archive.

The exit statuses of `vngov crawl` are stable (README): a scheduler acts on them.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from .runlog import site_failure
from .runs import holding, new_run_id, safe_run_id
from .sites import site_name

# Exit statuses of `vngov crawl`, documented in the README; the first that applies wins.
EXIT_OK = 0
EXIT_CODE_FAILED = 1  # our own code failed on some page (an exception in a callback or pipeline)
EXIT_INTERRUPTED = 3  # stopped before the end (Ctrl-C, SIGTERM): the same command resumes it
EXIT_SITE_FAILED = 4  # a site could not be crawled: nothing fetched, or most requests failed
EXIT_DRIFT = 5  # a site's layout seems to have changed: fields went missing (runlog.judge_drift)
EXIT_LOCKED = 75  # another run crawls one of the sites into this archive (EX_TEMPFAIL: try later)

logger = logging.getLogger(__name__)

# For mirrors and benchmarks only: no delay, no throttle, many requests at once.
FAST = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "DOWNLOAD_DELAY_JITTER": 0,
    "CONCURRENT_REQUESTS": 32,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "VNGOV_PARSE_WORKERS": 1,  # parsing on the second core: the crawl is CPU-bound without limits
}


@dataclass
class CrawlRequest:
    sites: list[str] = field(default_factory=list)
    archive: Path = Path("data/archive")
    since: str | None = None
    until: str | None = None
    max_articles: int | None = None
    full: bool = False
    mirror: str | None = None
    start_url: str | None = None
    allow_domain: str | None = None
    fast: bool = False
    run_id: str | None = None
    log_level: str = "INFO"
    settings: dict = field(default_factory=dict)
    wait: float = 0.0  # seconds to wait for a site's run lock held by another run
    log_file: Path | None = None  # Scrapy's log; None: standard error
    progress: bool = False  # one line per site on standard error (a terminal), redrawn each second
    redis: str | None = None  # a worker of the shared frontier in this Redis (frontier.py): no archive
    idle_close: float | None = None  # a worker closes once the frontier has been empty this long


@dataclass
class SiteOutcome:
    """How one site's crawl ended: Scrapy's finish reason and the site's part of the run report."""

    key: str
    reason: str
    report: dict = field(default_factory=dict)

    @property
    def interrupted(self) -> bool:
        return self.reason != "finished"

    @property
    def code_failures(self) -> int:
        return sum(sum((data.get("failed_in_code") or {}).values()) for data in self.report.values())

    @property
    def failure(self) -> str | None:
        """Why the site counts as failed, or None (runlog.site_failure, over its report)."""
        for data in self.report.values():
            failure = site_failure(data, not self.interrupted)
            if failure:
                return failure
        if not self.report and not self.interrupted:
            return "no page fetched"
        return None

    @property
    def drift(self) -> list[str]:
        return [finding for data in self.report.values() for finding in data.get("drift") or ()]


def exit_status(outcomes: dict[str, SiteOutcome]) -> int:
    if any(o.code_failures for o in outcomes.values()):
        return EXIT_CODE_FAILED
    if any(o.failure for o in outcomes.values()):
        return EXIT_SITE_FAILED
    if any(o.drift for o in outcomes.values()):
        return EXIT_DRIFT
    if any(o.interrupted for o in outcomes.values()):
        return EXIT_INTERRUPTED
    return EXIT_OK


def project_settings(request: CrawlRequest) -> Settings:
    settings = Settings()
    settings.setmodule("scraper.settings", priority="project")
    settings.set("VNGOV_ARCHIVE", str(request.archive), priority="cmdline")
    settings.set("VNGOV_RUN_ID", request.run_id or new_run_id(), priority="cmdline")
    settings.set("LOG_LEVEL", request.log_level, priority="cmdline")
    if request.log_file is not None:
        Path(request.log_file).parent.mkdir(parents=True, exist_ok=True)
        settings.set("LOG_FILE", str(request.log_file), priority="cmdline")
    settings.set("VNGOV_PROGRESS", request.progress, priority="cmdline")
    settings.set("VNGOV_RUN_LOCKED", True, priority="cmdline")  # run_crawl takes them before crawling
    if request.mirror:
        settings.set("VNGOV_MIRROR", request.mirror, priority="cmdline")
    if request.fast:
        settings.setdict(FAST, priority="cmdline")
    if request.redis:
        settings.setdict(worker_settings(request.redis, request.idle_close), priority="cmdline")
    settings.setdict(request.settings, priority="cmdline")
    return settings


def worker_settings(redis_url: str, idle_close: float | None = None) -> dict:
    """A worker of a shared frontier: scrapy-redis's scheduler with vngov's generations and
    leases, politeness shared through the same Redis, and the outbox in place of the archive."""
    settings = {
        "VNGOV_REDIS_URL": redis_url,
        "VNGOV_WORKER": True,
        "VNGOV_ARCHIVE": "",
        "SCHEDULER": "scraper.frontier.SharedScheduler",
        "ITEM_PIPELINES": {"pipelines.normalize.NormalizePipeline": 100,
                           "pipelines.validate.ValidatePipeline": 200,
                           "pipelines.outbox.OutboxPipeline": 400},
    }
    if idle_close is not None:
        settings["VNGOV_IDLE_CLOSE"] = idle_close
    return settings


def _spider_class(name: str):
    from spiders.site import SiteSpider

    for cls in SiteSpider.__subclasses__():
        if cls.name == name:
            return cls
    raise KeyError(name)


def run_crawl(request: CrawlRequest) -> dict[str, SiteOutcome]:
    """Crawl every requested site (or the generic start URL); returns how each ended. Raises
    runs.SiteLocked, before anything is crawled, when another run holds a site's lock."""
    settings = project_settings(request)
    targets = [(site, _spider_class(site), {}) for site in request.sites]
    if request.start_url:
        from spiders.site import SiteSpider

        # Keyed by the site its records name, as a profiled site's run is: one lock per site.
        targets.append((site_name(request.start_url), SiteSpider, {"start_url": request.start_url, "allow_domain": request.allow_domain}))
    keys = list(dict.fromkeys(key for key, _, _ in targets))
    settings.set("VNGOV_RUN_ID", safe_run_id(settings.get("VNGOV_RUN_ID")), priority="cmdline")
    if request.redis:  # workers share the sites: the archiver holds the archive
        return _crawl(request, settings, targets)
    asked = time.monotonic()
    with holding(request.archive, keys, settings.get("VNGOV_RUN_ID"), request.wait):
        waited = time.monotonic() - asked
        if waited >= 1:  # said in each site's report and in `vngov runs`
            settings.set("VNGOV_RUN_WARNINGS", [*settings.getlist("VNGOV_RUN_WARNINGS"),
                                                f"started {waited:.0f} s late: waited for another run to end"],
                         priority="cmdline")
        return _crawl(request, settings, targets)


def _crawl(request: CrawlRequest, settings: Settings, targets: list) -> dict[str, SiteOutcome]:
    process = CrawlerProcess(settings)
    crawlers = {}
    arguments = {"since": request.since, "until": request.until, "max_articles": request.max_articles,
                 "full": request.full}
    for key, spidercls, extra in targets:
        crawler = process.create_crawler(spidercls)
        crawlers[key] = crawler
        process.crawl(crawler, **arguments, **extra)
    process.start()
    outcomes = {}
    for key, crawler in crawlers.items():
        reason = crawler.stats.get_value("finish_reason") or "unknown"
        report = getattr(crawler, "vngov_report", None) or {}
        outcomes[key] = SiteOutcome(key, reason, report.get("sites", {}))
        if reason != "finished":
            logger.warning("%s stopped (%s): the next run continues it", key, reason)
    return outcomes
