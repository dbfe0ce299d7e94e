"""One report per crawl: per site, pages fetched, articles new / updated / unchanged / rejected /
held, pages our own code failed on, HTTP errors by code, network errors by kind, field coverage
and the layout-drift guard's findings (runlog). Each site's part is kept in the index too.
JSON for machines (<archive>/reports/<run>-<spider>.json) and a short summary for people, in
the log and beside the JSON."""
from __future__ import annotations

import json
import logging
import sqlite3
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.logformatter import LogFormatter

from . import parsepool, runlog
from .runs import run_id_of
from .schema import COVERAGE
from .sites import site_name

logger = logging.getLogger(__name__)
_OUTCOMES = ("new", "updated", "unchanged", "rejected", "held")
# What each response was fetched as, by the spider callback that asked for it (robots.txt and
# other requests of Scrapy's own are "other"): a scheduled run should fetch listings, feeds and
# sitemaps, and only the articles that are new or inside the re-fetch window.
_KINDS = {"parse_article": "article", "parse_listing": "listing", "parse_generic_listing": "listing",
          "parse_feed": "feed", "parse_sitemap": "sitemap"}
_COVERED = (*COVERAGE.values(), "sidebar")  # the layout-drift guard compares runs on these


class QuietDropFormatter(LogFormatter):
    """Dropped items (unchanged or rejected articles) are routine: log them at DEBUG."""

    def dropped(self, item, exception, response, spider=None):
        entry = super().dropped(item, exception, response, spider)
        entry["level"] = logging.DEBUG
        return entry


class RunReport:
    def __init__(self, crawler):
        self.crawler = crawler
        self.started = datetime.now(timezone.utc)
        self.pages: dict[str, int] = defaultdict(int)
        self.pages_ok: dict[str, int] = defaultdict(int)  # answered below 400, robots.txt aside
        self.kinds: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.errors: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        self.coverage: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.parsed: dict[str, int] = defaultdict(int)
        self.body_chars: dict[str, int] = defaultdict(int)
        self.unusable: dict[str, int] = defaultdict(int)  # article URLs that gave no usable page
        # Pages our own code failed on (an exception in a spider callback: a parser bug), by
        # exception type: not archived, not remembered as fetched, so the next run tries again.
        self.failures: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("VNGOV_REPORT", True):
            raise NotConfigured("VNGOV_REPORT is off")
        extension = cls(crawler)
        crawler.signals.connect(extension.response_received, signal=signals.response_downloaded)
        crawler.signals.connect(extension.item_seen, signal=signals.item_scraped)
        crawler.signals.connect(extension.item_seen, signal=signals.item_dropped)
        crawler.signals.connect(extension.spider_error, signal=signals.spider_error)
        crawler.signals.connect(extension.item_error, signal=signals.item_error)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider):
        site = getattr(spider, "site", None)
        if site and not self.crawler.settings.getbool("VNGOV_WORKER"):  # a worker has no archive
            continues = getattr(getattr(spider, "crawl_state", None), "continues", None)
            try:
                runlog.record_start(self.crawler.settings.get("VNGOV_ARCHIVE"), run_id_of(self.crawler), site,
                                    spider.name, self.started.isoformat(timespec="milliseconds"),
                                    continues.isoformat() if continues else None)
            except (OSError, sqlite3.Error) as error:  # a full disk: the writer says so when it first commits
                logger.error("the run's start could not be recorded: %s", error)

    def spider_error(self, failure, response, spider=None):
        self.failures[site_name(response.url)][getattr(failure.type, "__name__", str(failure.type))] += 1

    def item_error(self, item, response=None, spider=None, failure=None):
        """An exception in a pipeline: our code failed on the page, as in a callback."""
        record = getattr(item, "record", None) or {}
        site = record.get("site") or (site_name(response.url) if response is not None else "_")
        self.failures[site][getattr(getattr(failure, "type", None), "__name__", "Exception")] += 1

    def response_received(self, response, request, spider=None):
        # response_downloaded: every response, including the 429s and 503s that retries absorb.
        site = site_name(response.url)
        self.pages[site] += 1
        callback = getattr(request, "callback", None)
        if getattr(request, "meta", {}).get("dont_obey_robotstxt") and urlsplit(response.url).path == "/robots.txt":
            kind = "robots.txt"
        else:
            kind = _KINDS.get(getattr(callback, "__name__", ""), "other")
        self.kinds[site][kind] += 1
        if response.status >= 400:
            self.errors[site][response.status] += 1
        elif kind != "robots.txt":
            self.pages_ok[site] += 1

    def item_seen(self, item, response=None, spider=None, exception=None):
        record = getattr(item, "record", None)
        if not record:
            return
        site = record.get("site") or "_"
        if (getattr(item, "problem", None) or "").startswith("unusable page"):
            # No page was there to read (an error page, a PDF): it says nothing of the layout.
            self.unusable[site] += 1
            return
        self.parsed[site] += 1
        self.body_chars[site] += len(record.get("body_text") or "")
        for name in _COVERED:
            if record.get(name):
                self.coverage[site][name] += 1

    def build(self, reason: str) -> dict:
        stats = self.crawler.stats.get_stats()
        network = defaultdict(dict)  # site -> kind -> failed attempts, from NetworkErrorsMiddleware
        for key, count in stats.items():
            if key.startswith("vngov/") and "/network/" in key:
                site, kind = key[len("vngov/"):].split("/network/", 1)
                network[site][kind] = int(count)
        sites = sorted(set(self.pages) | set(self.parsed) | set(self.unusable) | set(self.failures) | set(network))
        if not sites and getattr(self.crawler.spider, "site", None):
            sites = [self.crawler.spider.site]  # a site that gave nothing at all is in the report too
        report = {
            "run_id": run_id_of(self.crawler),
            "spider": getattr(self.crawler.spider, "name", None),
            "started_at": self.started.isoformat(timespec="milliseconds"),
            "finished_at": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            "finish_reason": reason,
            "peak_rss_mb": peak_rss_mb(),
            # What went wrong around the crawl rather than in it (VNGOV_RUN_WARNINGS).
            "warnings": self.crawler.settings.getlist("VNGOV_RUN_WARNINGS"),
            "sites": {},
        }
        for site in sites:
            parsed = self.parsed.get(site, 0)
            stored = stored_outcomes(stats, site)
            report["sites"][site] = {
                "pages_fetched": self.pages.get(site, 0),
                "pages_ok": self.pages_ok.get(site, 0),
                # Requests given up after their retries (network errors, 5xx, 429): the crawler
                # crawls one site, so its count is the site's.
                "requests_given_up": int(stats.get("retry/max_reached", 0)) if len(sites) == 1 else None,
                "pages_by_kind": dict(sorted(self.kinds.get(site, {}).items())),
                "forbidden_by_robots": int(stats.get("robotstxt/forbidden", 0)) if len(sites) == 1 else None,
                "articles": stored["articles"],
                # why: "missing title", "not an article" (a list, a section, a redirect away), ...
                "rejected_by_reason": _under(stats, f"vngov/{site}/rejected/"),
                # Of the rejected, those fetched again in a later run (crawlstate.reject_policy).
                "rejected_transient": stored["rejected_transient"],
                "http_errors": {str(code): n for code, n in sorted(self.errors.get(site, {}).items())},
                "network_errors": dict(sorted(network.get(site, {}).items())),
                "held_fields": stored["held_fields"],
                "pages_parsed": parsed,
                "pages_unusable": self.unusable.get(site, 0),
                "field_coverage": {name: round(self.coverage[site][name] / parsed, 4) if parsed else None
                                   for name in _COVERED},
                "body_chars_mean": round(self.body_chars[site] / parsed) if parsed else None,
                "skipped_seen": int(stats.get(f"vngov/{site}/skipped_seen", 0)),
                "failed_in_code": dict(sorted(self.failures.get(site, {}).items())),
                # The run's last pages could not be committed (the archive stayed locked).
                "archive_error": stats.get("vngov/archive_error"),
            }
        worker = self.crawler.settings.getbool("VNGOV_WORKER")
        archive = None if worker else self.crawler.settings.get("VNGOV_ARCHIVE")
        spider = self.crawler.spider
        continues = getattr(getattr(spider, "crawl_state", None), "continues", None)
        walked = getattr(spider, "walk_completed", None)
        for site, data in report["sites"].items():
            if worker:
                data["shared_frontier"] = True
            data["drift"] = runlog.judge_drift(data, runlog.recent_runs(archive, site) if archive else [])
            data["outcome"] = runlog.outcome(data, reason)
            # Whether the listings were walked to their end or to covered ground (crawlstate).
            # A worker's walk is part of its generation's, which the shared frontier judges.
            data["walk_complete"] = bool(walked and site == spider.site and walked(reason)
                                         and not data.get("archive_error") and not worker)
            data["continues"] = continues.isoformat() if continues else None
        return report

    def spider_closed(self, spider, reason):
        report = self.crawler.vngov_report = self.build(reason)  # vngov crawl's exit status reads it
        for site, data in report["sites"].items():
            for finding in data["drift"]:
                logger.error("%s: suspected layout change: %s", site, finding)
        summary = format_report(report)
        logger.info("run report:\n%s", summary)
        if self.crawler.settings.getbool("VNGOV_WORKER"):
            self._send(report)
            return
        write_report(Path(self.crawler.settings.get("VNGOV_ARCHIVE")), report, summary)

    def _send(self, report: dict) -> None:
        """A worker's report goes to the archiver, after the worker's pages: it completes it with
        what became of them, judges drift against the archive's history and keeps it."""
        import redis

        from pipelines.outbox import OUTBOX, encode_report

        client = redis.Redis.from_url(self.crawler.settings.get("VNGOV_REDIS_URL"))
        try:
            client.xadd(OUTBOX, encode_report(report))
        except redis.RedisError as error:
            logger.error("the run report could not reach the archiver: %s", error)
        finally:
            client.close()


def write_report(archive: Path, report: dict, summary: str) -> None:
    """Keep a run's report: each site's part in the index, the whole as JSON and text files."""
    try:
        runlog.record_run(archive, report)
        folder = archive / "reports"
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{report['run_id'] or 'run'}-{report['spider']}"
        (folder / f"{name}.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n",
                                             encoding="utf-8")
        (folder / f"{name}.txt").write_text(summary + "\n", encoding="utf-8")
    except (OSError, sqlite3.Error) as error:  # a full disk: the run's outcome still reaches vngov crawl
        logger.error("the run report could not be written under %s: %s", archive, error)


def stored_outcomes(stats: dict, site: str) -> dict:
    """What storing made of a site's pages, from the store's counters (the crawl's stats, or an
    archiver's counts for one worker run): articles by outcome, transient rejects, and the fields
    held updates lost."""
    return {"articles": {outcome: int(stats.get(f"vngov/{site}/{outcome}", 0)) for outcome in _OUTCOMES},
            "rejected_transient": int(stats.get(f"vngov/{site}/rejected_transient", 0)),
            "held_fields": _under(stats, f"vngov/{site}/held/")}


def _under(stats: dict, prefix: str) -> dict[str, int]:
    """The counters named `prefix` + something, by that something, in name order."""
    return {key[len(prefix):]: int(count) for key, count in sorted(stats.items()) if key.startswith(prefix)}


def _vm_hwm_mb(pid: int | str) -> float | None:
    """Peak resident set size of a live process from /proc (Linux), in MB. Unlike ru_maxrss it
    restarts at exec, so it does not count the memory of the process that forked this one."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def peak_rss_mb() -> dict:
    """Peak memory of the crawl: this process and its parse workers (None where unknown)."""
    workers = [_vm_hwm_mb(pid) for pid in parsepool.worker_pids()]
    return {"crawler": _vm_hwm_mb("self"),
            "parse_workers": round(sum(w for w in workers if w), 1) if any(workers) else None}


def format_report(report: dict) -> str:
    lines = [f"run {report['run_id']} ({report['spider']}): {report['finish_reason']}"]
    lines += [f"  WARNING: {warning}" for warning in report.get("warnings") or ()]
    memory = report.get("peak_rss_mb") or {}
    if memory.get("crawler"):
        workers = f", parse workers {memory['parse_workers']:.0f} MB" if memory.get("parse_workers") else ""
        lines.append(f"  peak memory: crawler {memory['crawler']:.0f} MB{workers}")
    for site, data in report["sites"].items():
        articles = data["articles"]
        errors = ", ".join(f"{code}x{n}" for code, n in data["http_errors"].items()) or "none"
        network = ", ".join(f"{kind} {n}" for kind, n in data.get("network_errors", {}).items()) or "none"
        coverage = ", ".join(f"{k} {v:.0%}" for k, v in data["field_coverage"].items() if v is not None) or "-"
        reasons = ", ".join(f"{reason} {n}" for reason, n in data.get("rejected_by_reason", {}).items())
        failed = data.get("failed_in_code") or {}
        failures = (f"; FAILED in our code {sum(failed.values())} ({', '.join(f'{kind} {n}' for kind, n in failed.items())})"
                    if failed else "")
        kinds = ", ".join(f"{kind} {n}" for kind, n in data.get("pages_by_kind", {}).items())
        held = f", held {articles['held']}" if articles.get("held") else ""
        lines.append(f"  {site}: {data['pages_fetched']} pages{f' ({kinds})' if kinds else ''}; articles new {articles['new']}, updated "
                     f"{articles['updated']}, unchanged {articles['unchanged']}, rejected {articles['rejected']}"
                     f"{f' ({reasons})' if reasons else ''}{held}{failures}; HTTP errors {errors}; network errors {network}; "
                     f"coverage {coverage}")
        lines += [f"  {site}: LAYOUT DRIFT: {finding}" for finding in data.get("drift") or ()]
    return "\n".join(lines)
