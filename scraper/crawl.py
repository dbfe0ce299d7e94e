"""Running crawls in-process: one Scrapy crawler per site, one shared archive writer.

Each site crawls with its own JOBDIR (<archive>/.jobs/<site>). A run that finishes removes it;
a run that is interrupted (Ctrl-C, SIGTERM) keeps it, and the next run of the same site resumes
where it stopped. The archive's dedup means a resumed run never stores an article twice.
"""
from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from .archive.writer import new_run_id

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


def project_settings(request: CrawlRequest) -> Settings:
    settings = Settings()
    settings.setmodule("scraper.settings", priority="project")
    settings.set("VNGOV_ARCHIVE", str(request.archive), priority="cmdline")
    settings.set("VNGOV_RUN_ID", request.run_id or new_run_id(), priority="cmdline")
    settings.set("LOG_LEVEL", request.log_level, priority="cmdline")
    if request.mirror:
        settings.set("VNGOV_MIRROR", request.mirror, priority="cmdline")
    if request.fast:
        settings.setdict(FAST, priority="cmdline")
    settings.setdict(request.settings, priority="cmdline")
    return settings


def _spider_class(name: str):
    from spiders.site import SiteSpider

    for cls in SiteSpider.__subclasses__():
        if cls.name == name:
            return cls
    raise KeyError(name)


def run_crawl(request: CrawlRequest) -> dict[str, str]:
    """Crawl every requested site (or the generic start URL); returns finish reason per site."""
    settings = project_settings(request)
    process = CrawlerProcess(settings)
    jobs = Path(request.archive) / ".jobs"
    crawlers = {}
    arguments = {"since": request.since, "until": request.until, "max_articles": request.max_articles,
                 "full": request.full}
    targets = [(site, _spider_class(site), {}) for site in request.sites]
    if request.start_url:
        from spiders.site import SiteSpider

        targets.append(("generic", SiteSpider, {"start_url": request.start_url, "allow_domain": request.allow_domain}))
    for key, spidercls, extra in targets:
        jobdir = jobs / key.replace("/", "_")
        resumable = type(spidercls.__name__, (spidercls,), {
            "custom_settings": {**(spidercls.custom_settings or {}), "JOBDIR": str(jobdir)},
            "__module__": spidercls.__module__,
        })
        crawler = process.create_crawler(resumable)
        crawlers[key] = (crawler, jobdir)
        process.crawl(crawler, **arguments, **extra)
    process.start()
    reasons = {}
    for key, (crawler, jobdir) in crawlers.items():
        reason = crawler.stats.get_value("finish_reason") or "unknown"
        reasons[key] = reason
        if reason == "finished":
            shutil.rmtree(jobdir, ignore_errors=True)  # the next run starts fresh, incrementally
        else:
            logger.warning("%s stopped (%s): the next run resumes from %s", key, reason, jobdir)
    return reasons
