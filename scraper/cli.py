"""The `vngov` command: argument handling only; the work lives in parsing/, archive/ and spiders/."""
from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import os
import shutil
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from . import settings
from .extras import need

USER_GUIDE = """\
vngov archives what Vietnamese government, state and party news sites publish: it crawls them
politely on a schedule, parses each article into a clean record (title, sapo, times, author,
body, images, related lists), keeps every version, and exports any date range.

Start here:
  vngov demo                                   crawl a bundled local mirror (offline) into data/demo-archive
  vngov crawl nhandan.vn baochinhphu.vn        crawl real sites into data/archive (incremental)
  vngov export --from 2026-03-01 --to 2026-03-31 -o march.csv
  vngov history URL                            every version of an article, and what changed
  vngov changes --from 2026-03-01 -o edits.csv articles edited or withdrawn in a period
  vngov report -o report.html                  coverage, edits and runs, as one HTML page
  vngov crawl SITE --redis URL; vngov archiver --redis URL   many crawlers on many machines, one archive

Exit statuses: 0 ok, 1 a failure in vngov's code, 2 a usage mistake, 3 interrupted crawl,
4 a site failed, 5 layout drift, 6 damaged archive, 69 Redis unreachable (--redis, archiver,
frontier), 75 locked by another run, 130 Ctrl-C."""
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # Ctrl-C outside a crawl (a crawl stops cleanly: status 3)
EXIT_DAMAGED = 6  # export, check: the archive holds a damaged file (README: exit statuses)
EXIT_UNAVAILABLE = 69  # crawl --redis, archiver: Redis cannot be reached (EX_UNAVAILABLE)
DEMO_ARCHIVE = "data/demo-archive"
LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")


class UsageError(Exception):
    """Something the user typed is wrong; the message names the bad value."""


def _archive_dir(value: str | None) -> Path:
    return Path(value or os.environ.get("VNGOV_ARCHIVE") or settings.DEFAULT_ARCHIVE)


def _fetch(url: str) -> tuple[bytes, str | None]:
    request = urllib.request.Request(url, headers={"User-Agent": settings.USER_AGENT})
    with urllib.request.urlopen(request, timeout=settings.DOWNLOAD_TIMEOUT) as response:
        return response.read(), response.headers.get_content_charset()


def _mirror_arg(value: str) -> None:
    from urllib.parse import urlsplit

    parts = urlsplit(value)
    try:
        port = parts.port
    except ValueError:
        port = -1
    if parts.scheme != "http" or not parts.hostname or port == -1 or port == 0:
        raise UsageError(f"--mirror {value!r} must be an http:// URL with a host (and a port up to 65535)")


def _url_arg(value: str, flag: str) -> str:
    """An http(s) URL with a host the URL parser accepts, else a usage error naming it."""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 -- raises on a port that is not a number
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{flag} {value!r} is not an http(s) URL")
    return value


def _redis_arg(value: str) -> str:
    """A Redis URL (redis://HOST:PORT/DB, rediss:// or unix://), else a usage error naming it."""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 -- raises on a port that is not a number
        database = parts.path.strip("/")
    except ValueError:
        parts, database = None, "x"
    if parts is None or parts.scheme not in ("redis", "rediss", "unix") or \
            (parts.scheme != "unix" and not parts.hostname) or (parts.scheme != "unix" and database and not database.isdigit()):
        raise UsageError(f"--redis {value!r} is not a Redis URL such as redis://HOST:6379/0")
    return value


def _redis_unreachable(url: str, command: str) -> bool:
    """Whether Redis at `url` does not answer; if so, one line on standard error says so."""
    redis = need("redis", "scale", f"vngov {command}")
    client = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=5)
    try:
        client.ping()
        return False
    except redis.RedisError as error:
        print(f"vngov {command}: cannot reach Redis at {url}: {error}", file=sys.stderr)
        return True
    finally:
        client.close()


def cmd_parse(args: argparse.Namespace) -> int:
    from .parsing import parse_article

    source = args.source
    encoding = None
    if args.url is not None:
        _url_arg(args.url, "--url")
    if source.startswith(("http://", "https://")):
        _url_arg(source, "SOURCE")
        try:
            html, encoding = _fetch(source)
        except OSError as error:
            raise UsageError(f"cannot fetch {source}: {error}") from None
        url = args.url or source
    else:
        path = Path(source)
        if not path.is_file():
            raise UsageError(f"no such file: {source}")
        html = path.read_bytes()
        url = args.url or path.resolve().as_uri()
    article = parse_article(html, url, encoding=encoding)
    indent = None if args.compact else 2
    print(json.dumps(article.to_dict(), ensure_ascii=False, indent=indent))
    return 0


def cmd_sites(args: argparse.Namespace) -> int:
    from .sites import PROFILES

    if args.json:
        rows = [{"site": p.name, "family": p.family, "verified": p.verified, "note": p.verified_note,
                 "feeds": list(p.feeds), "sitemaps": list(p.sitemaps), "listings": [l.url for l in p.listings]}
                for p in PROFILES.values()]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    print(f"{'site':32} {'family':9} {'verified':8}  evidence")
    for profile in sorted(PROFILES.values(), key=lambda p: p.name):
        flag = "yes" if profile.verified else "no"
        print(f"{profile.name:32} {profile.family:9} {flag:8}  {profile.verified_note}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from . import evaluation

    corpus = Path(args.corpus)
    if not (corpus / "gold.jsonl").is_file():
        raise UsageError(f"no gold.jsonl in corpus folder: {args.corpus}")
    columns = {"vngov": evaluation.evaluate(corpus)}
    if args.generic:
        columns["generic-only"] = evaluation.evaluate(corpus, evaluation.generic_only)
    if not args.no_baseline and (baseline := evaluation.trafilatura_extractor()):
        columns["trafilatura"] = evaluation.evaluate(corpus, baseline)
    print(evaluation.format_table(columns))
    ours = columns["vngov"]
    return 0 if all(p.passed == p.total for p in ours) or not args.strict else 1


def _date_arg(value: str | None, flag: str):
    from .vietnam import parse_day

    try:
        return parse_day(value, flag)
    except ValueError as error:
        raise UsageError(str(error)) from None


def _existing_archive(args: argparse.Namespace) -> Path:
    from .archive.layout import is_archive

    root = _archive_dir(args.archive)
    if not root.exists():
        raise UsageError(f"archive not found: {root}")
    if not root.is_dir() or not is_archive(root):
        raise UsageError(f"not a vngov archive: {root}")
    return root


def _writable_archive(value: str | None) -> Path:
    """The archive a crawl writes into: an archive, an empty folder, or a folder to make."""
    from .archive.layout import may_hold_archive

    root = _archive_dir(value)
    if not may_hold_archive(root):
        raise UsageError(f"not a vngov archive (a folder with other files, or a file): {root}")
    return root


_EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv", ".parquet": "parquet"}


def _export_format(given: str | None, output: str) -> str:
    """The format: --format, else the output's extension (JSON Lines on standard output); a
    --format that contradicts the extension is a mistake, not a file named wrongly."""
    from .archive.export import FORMATS

    if given is not None and given not in FORMATS:
        raise UsageError(f"unknown format {given!r}; choose {', '.join(FORMATS)}")
    by_name = _EXTENSIONS.get(Path(output).suffix.lower()) if output != "-" else None
    if given and by_name and given != by_name:
        raise UsageError(f"--format {given} does not match the output's extension: {output}")
    if given:
        return given
    if output == "-" or by_name:
        return by_name or "jsonl"
    raise UsageError(f"cannot tell the format of {output!r} from its extension; give --format "
                     f"({', '.join(FORMATS)})")


def _export_output(output: str) -> None:
    if output == "-":
        return
    path = Path(output)
    if path.is_dir():
        raise UsageError(f"the output is a folder: {output}")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(f"the output's folder does not exist: {folder}")
    if not os.access(folder, os.W_OK):
        raise UsageError(f"the output's folder is not writable: {folder}")


def _date_range(args: argparse.Namespace):
    """(--from, --to) as dates, either None; --from after --to is a usage error."""
    date_from, date_to = _date_arg(args.date_from, "--from"), _date_arg(args.date_to, "--to")
    if date_from and date_to and date_from > date_to:
        raise UsageError(f"--from {date_from} is after --to {date_to}")
    return date_from, date_to


def _unless_forced(args: argparse.Namespace) -> None:
    """An output file that exists is replaced only with --force."""
    if args.output != "-" and Path(args.output).exists() and not args.force:
        raise UsageError(f"output file exists: {args.output} (use --force to overwrite)")


def cmd_export(args: argparse.Namespace) -> int:
    from .archive import Archive
    from .archive.codec import DamagedSegment
    from .archive.export import EXPORT_ONLY_FIELDS, ExportRequest, export
    from .schema import BY_NAME

    root = _existing_archive(args)
    date_from, date_to = _date_range(args)
    _export_output(args.output)
    args.format = _export_format(args.format, args.output)
    archive = Archive(root)
    known = set(archive.sites())
    for site in args.site:
        if site not in known:
            raise UsageError(f"unknown site {site!r}; the archive holds: {', '.join(sorted(known)) or 'nothing'}")
    _unless_forced(args)
    fields = [f.strip() for f in args.fields.split(",") if f.strip()] if args.fields else None
    unknown = [name for name in fields or () if name not in BY_NAME and name not in EXPORT_ONLY_FIELDS]
    if unknown:
        raise UsageError(f"unknown field{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
                         f"fields are: {', '.join([*BY_NAME, *EXPORT_ONLY_FIELDS])}")
    request = ExportRequest(date_from, date_to, args.site, args.format, args.output, fields, args.query,
                            args.all_versions, args.skip_damaged, withdrawn=args.withdrawn, bom=not args.no_bom)
    progress = sys.stderr.isatty() and not args.quiet
    try:
        result = export(archive, request, ["vngov", *sys.argv[1:]], progress=progress)
    except DamagedSegment as error:
        print(f"vngov export: {error}; nothing written (run `vngov check`, or export with --skip-damaged)",
              file=sys.stderr)
        return EXIT_DAMAGED
    for error in result.damaged:
        print(f"vngov export: skipped past {error} (see `vngov check`)", file=sys.stderr)
    if args.output != "-":
        print(f"exported {result.rows} articles to {args.output} (manifest: {result.manifest_path})", file=sys.stderr)
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    from .archive.history import UnknownArticle, format_history, history
    from .parsing.urls import canonicalize_url

    root = _existing_archive(args)
    canonical = canonicalize_url(args.article.strip()) if "://" in args.article else None
    try:
        item = history(root, args.article, canonical)
    except UnknownArticle as error:
        raise UsageError(str(error)) from None
    print(json.dumps(item.to_dict(), ensure_ascii=False, indent=2) if args.json else format_history(item))
    return 0


def cmd_changes(args: argparse.Namespace) -> int:
    import csv
    import io

    from .archive.export import write_atomically
    from .archive.history import CHANGE_COLUMNS, changes

    root = _existing_archive(args)
    date_from, date_to = _date_range(args)
    _export_output(args.output)
    form = _export_format(args.format, args.output)
    if form == "parquet":
        raise UsageError("changes are written as jsonl or csv")
    _unless_forced(args)
    rows = changes(root, date_from, date_to, args.site or None)
    if form == "csv":
        text = io.StringIO(newline="")
        writer = csv.DictWriter(text, CHANGE_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
        data = text.getvalue()
    else:
        data = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    if args.output == "-":
        sys.stdout.write(data)
        return 0
    write_atomically(Path(args.output), (("\ufeff" if form == "csv" else "") + data).encode("utf-8"))
    edited = sum(row["kind"] == "edited" for row in rows)
    print(f"{edited} edits and {len(rows) - edited} withdrawals to {args.output}", file=sys.stderr)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from .archive.coverage import render_report, report_data
    from .archive.export import write_atomically

    root = _existing_archive(args)
    data = report_data(root)
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    _export_output(args.output)
    _unless_forced(args)
    write_atomically(Path(args.output), render_report(data).encode("utf-8"))
    print(f"report on {data['articles']} articles in {len(data['sites'])} sites: {args.output}", file=sys.stderr)
    return 0


SCHEMA_FORMATS = ("json-schema", "duckdb", "parquet", "polars", "spark", "markdown")


def cmd_schema(args: argparse.Namespace) -> int:
    from . import schema

    if args.format == "json-schema":
        print(schema.json_schema_text(), end="")
    elif args.format == "duckdb":  # read_json(..., columns = <this>)
        print("{" + ", ".join(f"'{name}': '{kind}'" for name, kind in schema.duckdb_columns().items()) + "}")
    elif args.format == "parquet":
        if importlib.util.find_spec("pyarrow") is None:
            raise UsageError("schema --format parquet prints pyarrow's schema: pip install 'vngov[analysis]'")
        print(schema.arrow_schema().to_string(show_schema_metadata=False))
    elif args.format == "polars":
        print(schema.polars_text())
    elif args.format == "spark":
        print(schema.spark_ddl())
    else:
        print(schema.markdown_table("parser") + "\n\n" + schema.markdown_table("archive"))
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from .archive.stats import archive_stats, format_stats

    root = _existing_archive(args)
    stats = archive_stats(root)
    print(json.dumps(stats, ensure_ascii=False, indent=2) if args.json else format_stats(stats))
    return 0


def cmd_runs(args: argparse.Namespace) -> int:
    from .runlog import all_runs, site_failure

    root = _existing_archive(args)
    if args.limit < 1:
        raise UsageError(f"--limit {args.limit} must be at least 1")
    runs = all_runs(root, args.limit, args.site)
    if args.json:
        for run in runs:
            print(json.dumps(run, ensure_ascii=False))
        return 0
    if not runs:
        print(f"no runs recorded in {root}" + (f" for {args.site}" if args.site else ""))
        return 0
    site_width = max(len("site"), *(len(run["site"]) for run in runs))
    print(f"{'finished (UTC)':<20} {'site':<{site_width}} {'outcome':<12} {'new':>5} {'upd':>5} {'held':>5} "
          f"{'rej':>5} {'pages':>6}  run")
    for run in runs:
        articles = run.get("articles") or {}
        print(f"{(run['finished_at'] or '')[:19]:<20} {run['site']:<{site_width}} {run['outcome']:<12} "
              f"{articles.get('new', 0):>5} {articles.get('updated', 0):>5} {articles.get('held', 0):>5} "
              f"{articles.get('rejected', 0):>5} {run.get('pages_fetched', 0):>6}  {run['run_id']}")
        notes = [f"layout: {finding}" for finding in run.get("drift") or ()]
        failure = site_failure(run, run.get("finish_reason") == "finished")
        notes += [f"failed: {failure}"] if failure else []
        failed = run.get("failed_in_code") or {}
        notes += [f"our code failed: {', '.join(f'{kind} {n}' for kind, n in failed.items())}"] if failed else []
        notes += [f"warning: {warning}" for warning in run.get("warnings") or ()]
        for note in notes:
            print(f"    {note}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from .archive import ArchiveWriter
    from .check import repair

    root = _existing_archive(args)
    result = _checked(root)
    for finding in result.findings:
        lost = f"; {len(finding.lost)} archived versions in it" if finding.lost else ""
        print(f"{finding.path}: {finding.problem}{lost}")
    print(f"checked {result.segments} segments and {result.warcs} WARC files: "
          + ("all read back whole and match the index" if result.clean else f"{len(result.findings)} problems"))
    if result.clean or not args.repair:
        return 0 if result.clean else EXIT_DAMAGED
    with ArchiveWriter(root, run_id="check") as writer:
        repair(writer, result)
    print(f"repaired: damaged segments rewritten with what they hold (the damaged files are in damaged/), "
          f"{result.rebuilt} articles rebuilt from their WARC snapshots, {result.refetch} marked for re-fetch "
          f"by the next crawl")
    unrepaired = [finding for finding in _checked(root).findings if not finding.path.endswith(".warc.gz")]
    return EXIT_DAMAGED if unrepaired else 0


def _checked(root: Path):
    from .archive import index as archive_index
    from .check import check

    connection = archive_index.connect(root, readonly=True)
    try:
        return check(root, connection)
    finally:
        connection.close()


def cmd_compact(args: argparse.Namespace) -> int:
    from .archive import ArchiveWriter
    from .archive.compact import compact

    root = _existing_archive(args)
    with ArchiveWriter(root, run_id="compact") as writer:
        result = compact(writer)
    print(f"merged {result['partitions']} partitions, {result['segments_removed']} segments replaced")
    return 0


def cmd_reparse(args: argparse.Namespace) -> int:
    from .archive import Archive
    from .parsing import PARSER_VERSION
    from .reparse import reparse

    root = _existing_archive(args)
    since = _date_arg(args.since, "--since")
    if args.site and args.site not in Archive(root).sites():
        raise UsageError(f"unknown site {args.site!r}")
    from .crawl import EXIT_LOCKED
    from .runs import SiteLocked

    try:
        result = reparse(root, since=since, sites=[args.site] if args.site else None,
                         remove_rejected=args.remove_rejected)
    except SiteLocked as error:
        print(f"vngov reparse: {error}; not started", file=sys.stderr)
        return EXIT_LOCKED
    versions = f"{result.removed} archived version{'' if result.removed == 1 else 's'}"
    kept = (f"taken out of the archive, {versions}; see removed/" if args.remove_rejected
            else "their earlier versions kept; see rejects/, and --remove-rejected")
    print(f"re-parsed {result.reparsed} articles with parser {PARSER_VERSION}: {result.changed} new versions,"
          f" {len(result.rejected)} rejected now ({kept}),"
          f" {result.missing_snapshot} without a readable snapshot")
    if result.taken_in or result.still_held:
        print(f"{result.taken_in} pages a crawl held aside (suspected layout change) now parse whole and are "
              f"stored; {result.still_held} still lose fields and stay held")
    if result.renamed or result.merged:
        print(f"{result.renamed} articles took the id of their canonical URL as now spelt;"
              f" {result.merged} archived under both ids are one now (the other id's versions are in removed/)")
    return 0


def cmd_crawl(args: argparse.Namespace) -> int:
    from .crawl import CrawlRequest
    from .sites import PROFILES

    sites = sorted(PROFILES) if args.all else list(args.sites)
    for site in sites:
        if site not in PROFILES:
            raise UsageError(f"unknown site {site!r}; see `vngov sites`")
    if not sites and not args.start_url:
        raise UsageError("name at least one site, --all, or --start-url URL")
    if args.start_url:
        _url_arg(args.start_url, "--start-url")
    since, until = _date_arg(args.since, "--since"), _date_arg(args.until, "--until")
    if since and until and since > until:
        raise UsageError(f"--since {since} is after --until {until}")
    if args.max_articles is not None and args.max_articles < 1:
        raise UsageError(f"--max-articles {args.max_articles} must be at least 1")
    if args.mirror:
        _mirror_arg(args.mirror)
    overrides = {}
    for item in args.set:
        name, sep, value = item.partition("=")
        if not sep or not name.isupper():
            raise UsageError(f"--set {item!r} is not SETTING=VALUE")
        overrides[name] = value
    if args.wait is not None and args.wait < 0:
        raise UsageError(f"--wait {args.wait} must not be negative")
    from .crawl import EXIT_LOCKED
    from .runs import new_run_id, safe_run_id

    if args.idle_close is not None and not args.redis:
        raise UsageError(f"--idle-close {args.idle_close} needs --redis (it closes a worker of a shared frontier)")
    if args.idle_close is not None and args.idle_close < 0:
        raise UsageError(f"--idle-close {args.idle_close} must not be negative")
    if args.redis:  # a worker of a shared frontier: no archive of its own, the archiver keeps it
        _redis_arg(args.redis)
        need("scrapy_redis", "scale", "vngov crawl --redis")
        if args.full or args.wait is not None or args.archive:
            raise UsageError("--full, --wait and --archive do not apply to a worker of a shared frontier "
                             "(--redis): `vngov archiver` keeps the archive")
        if _redis_unreachable(args.redis, "crawl"):
            return EXIT_UNAVAILABLE
    archive = None if args.redis else _writable_archive(args.archive)
    run_id = safe_run_id(overrides["VNGOV_RUN_ID"]) if "VNGOV_RUN_ID" in overrides else new_run_id()
    if args.log_file == "-" or (args.redis and not args.log_file):
        log_file = None
    else:
        log_file = Path(args.log_file) if args.log_file else archive / "logs" / f"{run_id}.log"
        if log_file.is_dir():
            raise UsageError(f"--log-file {str(log_file)!r} is a folder")
    request = CrawlRequest(sites=sites, archive=archive, since=args.since, until=args.until,
                           max_articles=args.max_articles, full=args.full, mirror=args.mirror,
                           start_url=args.start_url, allow_domain=args.allow_domain, fast=args.fast,
                           log_level=args.log_level, settings=overrides, wait=args.wait or 0.0, run_id=run_id,
                           log_file=log_file, progress=log_file is not None and sys.stderr.isatty(),
                           redis=args.redis, idle_close=args.idle_close)
    status = _crawl_status(request)
    if status != EXIT_LOCKED and archive is not None:
        reports = archive / "reports"
        print(f"report: {reports / run_id}-<site>.txt (and .json); log: {log_file or 'standard error'}")
    return status


def _crawl_status(request) -> int:
    """Run the crawl; its exit status, and a line on stderr for each site that failed."""
    from .crawl import EXIT_LOCKED, exit_status, run_crawl
    from .runs import SiteLocked

    try:
        outcomes = run_crawl(request)
    except SiteLocked as error:
        print(f"vngov crawl: {error}; not started (--wait SECONDS waits for it)", file=sys.stderr)
        return EXIT_LOCKED
    for outcome in outcomes.values():
        for site, data in outcome.report.items():
            if data.get("shared_frontier"):  # a worker: the archiver stores the pages and reports
                print(f"{site}: {data.get('outcome', '?')}; {data.get('pages_fetched', 0)} pages; "
                      f"{data.get('pages_parsed', 0) + data.get('pages_unusable', 0)} article pages sent to the archiver")
                continue
            articles = data.get("articles") or {}
            print(f"{site}: {data.get('outcome', '?')}; {data.get('pages_fetched', 0)} pages; articles new "
                  f"{articles.get('new', 0)}, updated {articles.get('updated', 0)}, unchanged "
                  f"{articles.get('unchanged', 0)}, held {articles.get('held', 0)}, rejected {articles.get('rejected', 0)}")
        if outcome.failure:
            print(f"vngov crawl: {outcome.key} failed: {outcome.failure}", file=sys.stderr)
        for finding in outcome.drift:
            print(f"vngov crawl: {outcome.key}: suspected layout change: {finding}", file=sys.stderr)
        if outcome.code_failures:
            print(f"vngov crawl: {outcome.key}: our code failed on {outcome.code_failures} pages (see the run report)",
                  file=sys.stderr)
        if outcome.interrupted:
            print(f"vngov crawl: {outcome.key} stopped ({outcome.reason}); the same command resumes it", file=sys.stderr)
    return exit_status(outcomes)


def cmd_archiver(args: argparse.Namespace) -> int:
    from .archiver import EXIT_LOCKED, run_archiver
    from .runs import SiteLocked

    _redis_arg(args.redis)
    need("redis", "scale", "vngov archiver")
    if args.idle_exit is not None and args.idle_exit < 0:
        raise UsageError(f"--idle-exit {args.idle_exit} must not be negative")
    archive = _writable_archive(args.archive)
    if _redis_unreachable(args.redis, "archiver"):
        return EXIT_UNAVAILABLE
    logging.basicConfig(level=args.log_level, format="%(asctime)s [%(name)s] %(levelname)s: %(message)s")
    try:
        return run_archiver(args.redis, archive, idle_exit=args.idle_exit)
    except SiteLocked as error:
        print(f"vngov archiver: {error}; not started", file=sys.stderr)
        return EXIT_LOCKED


def cmd_frontier(args: argparse.Namespace) -> int:
    _redis_arg(args.redis)
    need("scrapy_redis", "scale", "vngov frontier")
    if _redis_unreachable(args.redis, "frontier"):
        return EXIT_UNAVAILABLE
    import redis

    from .frontier_status import describe, format_status

    client = redis.Redis.from_url(args.redis)
    try:
        status = describe(client)
    finally:
        client.close()
    print(json.dumps(status, ensure_ascii=False, indent=2) if args.json else format_status(status))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from .archive.stats import archive_stats, format_stats
    from .crawl import CrawlRequest
    from .mirror import Faults, MirrorServer, build_demo_sites

    root = Path(args.archive or DEMO_ARCHIVE)  # never $VNGOV_ARCHIVE: the demo must not write into real data
    sites = build_demo_sites(args.articles)
    faults = Faults()
    edited: list[str] = []
    with MirrorServer(sites, faults) as mirror:
        print(f"demo: serving a local mirror of {', '.join(s.host for s in sites)} at {mirror.url}", file=sys.stderr)
        request = CrawlRequest(sites=[s.name for s in sites], archive=root, mirror=mirror.url, fast=True,
                               log_level=args.log_level)
        status = _crawl_status(request)
        if status == 0:
            # A later day at the sites: a few articles edited, one taken down (410 Gone). The
            # second run re-fetches the recent ones (the re-fetch window) and records both.
            edited = [site.edit_article(i) for site in sites for i in (len(site.articles) - 2, len(site.articles) - 5)]
            gone = sites[0].articles[-3]
            faults.gone[sites[0].host] = {gone.path: 410}
            print(f"demo: the sites edit {len(edited)} articles and withdraw 1; crawling again", file=sys.stderr)
            # A process of its own: Twisted's reactor runs once a process.
            status = subprocess.run([sys.executable, "-m", "scraper", "crawl", *request.sites, "--archive", str(root),
                                     "--mirror", mirror.url, "--fast", "--log-level", args.log_level,
                                     "--set", "VNGOV_REFETCH_DAYS=30", "--set", "VNGOV_REFETCH_BACKOFF=0"]).returncode
    print(format_stats(archive_stats(root)))
    newest = max(s.articles[-1].published for s in sites)
    first = min(s.articles[0].published for s in sites)
    prog = _program_name()
    print(f"""
Next, as an analyst would:
  {prog} export --archive {root} --from {first:%Y-%m-%d} --to {newest:%Y-%m-%d} --format csv -o demo.csv
  {prog} export --archive {root} --from {first:%Y-%m-%d} --query "chuyen doi so" --fields title,url,published_at
  {_python_name()} -c "from collections import Counter; from scraper.archive import Archive; print(Counter(r['site'] for r in Archive('{root}').iter_articles()))"
  {prog} changes --archive {root} --from {first:%Y-%m-%d}              # what the sites edited or withdrew
  {prog} history --archive {root} {edited[0] if edited else 'URL'}
  {prog} report --archive {root} -o demo-report.html
""")
    return status


def cmd_mirror(args: argparse.Namespace) -> int:
    from .mirror import MirrorServer, build_demo_sites

    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port} is not a port number")
    sites = build_demo_sites(args.articles)
    try:
        server = MirrorServer(sites, port=args.port)
    except OSError as error:
        raise UsageError(f"cannot serve on 127.0.0.1:{args.port}: {error.strerror}") from None
    with server:
        names = " ".join(s.name for s in sites)
        print(f"serving {names} at {server.url} (Ctrl-C stops)\n"
              f"try: {_program_name()} crawl {names} --mirror {server.url} --archive data/mirror-archive --fast",
              flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
    return 0


def _python_name() -> str:
    relative = os.path.relpath(sys.executable)
    return relative if not relative.startswith("..") else sys.executable


def _program_name() -> str:
    """How the user can call us again: `vngov` when that is on PATH, else the path they used."""
    invoked = Path(sys.argv[0])
    if invoked.name == "__main__.py":
        return f"{_python_name()} -m scraper"
    found = shutil.which("vngov")
    if found and Path(found).resolve() == invoked.resolve():
        return "vngov"
    return os.path.relpath(invoked) if invoked.exists() else "vngov"


class _Parser(argparse.ArgumentParser):
    """argparse, but a mistake is one line on stderr and exit status 2 (no usage dump), and no
    abbreviated options (`--form` is no `--format`)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str):
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    from . import __version__
    from .archive.export import WITHDRAWN_CHOICES
    from .schema import CSV_DEFAULT_FIELDS

    parser = _Parser(prog="vngov", description=USER_GUIDE, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"vngov {__version__}")
    common = _Parser(add_help=False)
    common.add_argument("--archive", metavar="DIR", help="archive folder (default data/archive or $VNGOV_ARCHIVE)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("parse", parents=[common], help="parse one article page into a JSON record")
    p.add_argument("source", metavar="FILE_OR_URL", help="a saved page, or a URL to fetch once")
    p.add_argument("--url", help="the page's URL when SOURCE is a file")
    p.add_argument("--compact", action="store_true", help="one line of JSON")
    p.set_defaults(func=cmd_parse)

    p = sub.add_parser("sites", parents=[common], help="list site profiles and whether each was verified")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=cmd_sites)

    p = sub.add_parser("eval", parents=[common], help="score extraction against a corpus's gold.jsonl")
    p.add_argument("corpus", nargs="?", default="../shared/corpus", help="folder with gold.jsonl and its pages (default ../shared/corpus)")
    p.add_argument("--no-baseline", action="store_true", help="do not run trafilatura beside ours")
    p.add_argument("--generic", action="store_true", help="also score the generic extractor with profiles ignored")
    p.add_argument("--strict", action="store_true", help="exit 1 unless every check passes")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("export", parents=[common], help="export a publication-date range",
                       description="Dates are inclusive publication dates in Asia/Ho_Chi_Minh; --from alone means "
                                   "until now. A manifest (<output>.manifest.json) records what was exported.")
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help="first publication date, inclusive (default: the oldest)")
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="last publication date, inclusive (default: today)")
    p.add_argument("--site", action="append", default=[], help="repeatable; default all sites")
    p.add_argument("--format", help="jsonl, csv or parquet (default: from the output's extension; JSON Lines on "
                                    "standard output)")
    p.add_argument("--output", "-o", default="-", help="file, or - for standard output (default)")
    p.add_argument("--fields", help="comma-separated field names (default: every field; for CSV: "
                                    f"{','.join(CSV_DEFAULT_FIELDS)}; all names: `vngov schema --format markdown`). "
                                    "withdrawn_at adds when the site withdrew the article, or nothing")
    p.add_argument("--withdrawn", choices=WITHDRAWN_CHOICES, default="include",
                   help="articles the site withdrew since (their last version): include (default), exclude or only")
    p.add_argument("--no-bom", action="store_true",
                   help="CSV without the UTF-8 byte-order mark (by default it has one, so that Excel reads UTF-8)")
    p.add_argument("--query", help="keep articles whose title, sapo or body contain this (case- and accent-insensitive)")
    p.add_argument("--all-versions", action="store_true", help="every stored version, not only the latest")
    p.add_argument("--force", action="store_true", help="overwrite an existing output file")
    p.add_argument("--skip-damaged", action="store_true",
                   help="export what damaged segments still hold instead of failing (they are listed on stderr "
                        "and in the manifest; `vngov check` repairs the archive)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("history", parents=[common], help="every version of one article, and what changed",
                       description="Each version of an article: when it was seen, what changed in its title, sapo, "
                                   "dates, author and body (paragraphs that changed as a word diff: [-removed-] "
                                   "{+added+}), and its withdrawal by the site, if any.")
    p.add_argument("article", metavar="URL_OR_ID", help="the article's URL (any URL it is known by) or its id")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(func=cmd_history)

    p = sub.add_parser("changes", parents=[common], help="articles edited or withdrawn in a period",
                       description="Articles the sites edited (a new version from a new fetch) or withdrew "
                                   "(410, or twice a 404 or a redirect away), by the Vietnam date the change was "
                                   "seen, oldest first, with the fields that changed. A re-parse of the same fetch "
                                   "and a suspected layout change are not edits.")
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help="first day (default: the beginning)")
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="last day, inclusive (default: today)")
    p.add_argument("--site", action="append", default=[], help="repeatable; default all sites")
    p.add_argument("--format", help="jsonl or csv (default: from the output's extension; JSON Lines on standard "
                                    "output)")
    p.add_argument("--output", "-o", default="-", help="file, or - for standard output (default)")
    p.add_argument("--force", action="store_true", help="overwrite an existing output file")
    p.set_defaults(func=cmd_changes)

    p = sub.add_parser("report", parents=[common], help="a coverage report as one HTML page (opens offline)",
                       description="Per site: articles per publication month (empty months stand out), field "
                                   "coverage per run (a layout change shows as a drop), edits and withdrawals per "
                                   "month; and the latest runs' outcomes. One HTML file with inline SVG charts, no "
                                   "script and nothing fetched.")
    p.add_argument("--output", "-o", default="report.html", help="the HTML file to write (default report.html)")
    p.add_argument("--force", action="store_true", help="overwrite an existing output file")
    p.add_argument("--json", action="store_true", help="print the report's figures as JSON instead")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("crawl", parents=[common], help="crawl sites (incremental; resumes an interrupted run)")
    p.add_argument("sites", nargs="*", metavar="SITE", help="profile names, see `vngov sites`")
    p.add_argument("--all", action="store_true", help="every profiled site")
    p.add_argument("--since", metavar="YYYY-MM-DD", help="only articles published on or after (backfill bound)")
    p.add_argument("--until", metavar="YYYY-MM-DD", help="only articles published on or before")
    p.add_argument("--max-articles", type=int, help="fetch at most N articles per site")
    p.add_argument("--full", action="store_true", help="ignore what earlier runs fetched")
    p.add_argument("--start-url", help="crawl a site without a profile from this page (generic extractor)")
    p.add_argument("--allow-domain", help="domains the generic crawl may follow (comma-separated)")
    p.add_argument("--mirror", metavar="URL", help="fetch from a local mirror (http://127.0.0.1:PORT) instead")
    p.add_argument("--fast", action="store_true", help="lift politeness limits (mirrors and benchmarks only)")
    p.add_argument("--set", action="append", default=[], metavar="SETTING=VALUE",
                   help="override a Scrapy or vngov setting, e.g. --set DOWNLOAD_DELAY=5 (repeatable)")
    p.add_argument("--wait", type=float, metavar="SECONDS",
                   help="when another run crawls a site into this archive, wait up to this long for it "
                        "(default: exit at once with status 75)")
    p.add_argument("--log-level", default="INFO", type=str.upper, choices=LOG_LEVELS,
                   help="how much Scrapy logs (default INFO)")
    p.add_argument("--log-file", metavar="PATH",
                   help="where the log goes (default <archive>/logs/<run>.log, or standard error for a "
                        "worker; - for standard error)")
    p.add_argument("--redis", metavar="URL",
                   help="run as one worker of a shared frontier in Redis (redis://HOST:PORT/DB): no local "
                        "archive, `vngov archiver` stores the pages (README: running across machines)")
    p.add_argument("--idle-close", type=float, metavar="SECONDS",
                   help="with --redis: close once the shared frontier has been empty this long (default 30)")
    p.set_defaults(func=cmd_crawl)

    p = sub.add_parser("archiver", parents=[common], help="store what workers of a shared frontier crawl (--redis)",
                       description="The one writer of an archive crawled by `vngov crawl SITE --redis URL` workers: "
                                   "reads their pages from Redis, stores them, and acknowledges each once "
                                   "committed. Runs until SIGTERM or Ctrl-C, or --idle-exit.")
    p.add_argument("--redis", required=True, metavar="URL", help="the shared frontier's Redis (redis://HOST:PORT/DB)")
    p.add_argument("--idle-exit", type=float, metavar="SECONDS",
                   help="exit once no page has come for this long (default: run until stopped)")
    p.add_argument("--log-level", default="INFO", type=str.upper, choices=LOG_LEVELS,
                   help="how much the archiver logs (default INFO)")
    p.set_defaults(func=cmd_archiver)

    p = sub.add_parser("frontier", parents=[common],
                       help="what a shared frontier holds now: queues, workers, the archiver's backlog",
                       description="Per site: the running generation, requests queued and leased, each worker and "
                                   "whether it answers, the crawl state the archiver published; and the pages "
                                   "waiting for the archiver. Reads only.")
    p.add_argument("--redis", required=True, metavar="URL", help="the shared frontier's Redis (redis://HOST:PORT/DB)")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.set_defaults(func=cmd_frontier)

    p = sub.add_parser("demo", help="crawl a bundled local mirror into a demo archive (offline)")
    p.add_argument("--archive", metavar="DIR", help=f"the demo archive (default {DEMO_ARCHIVE}; never $VNGOV_ARCHIVE)")
    p.add_argument("--articles", type=int, default=40, help="articles per demo site")
    p.add_argument("--log-level", default="WARNING", type=str.upper, choices=LOG_LEVELS, help="how much Scrapy logs (default WARNING)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("mirror", parents=[common], help="serve the bundled local mirror, for trying crawls by hand",
                       description="Serves the demo's mirror of three sites on 127.0.0.1 until Ctrl-C; crawl it with "
                                   "vngov crawl SITE --mirror URL.")
    p.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (default 8765; 0 picks a free one)")
    p.add_argument("--articles", type=int, default=40, help="articles per site")
    p.set_defaults(func=cmd_mirror)

    p = sub.add_parser("schema", parents=[common], help="print the record's schema for a reader",
                       description="The archive record's fields and types, as a reader needs them: JSON Schema, "
                                   "DuckDB read_json columns, a Parquet (Arrow) schema, a Polars schema, Spark DDL "
                                   "or the docs' tables. Every archive holds the JSON Schema as schema.json.")
    p.add_argument("--format", choices=SCHEMA_FORMATS, default="json-schema", help="which reader's form (default json-schema)")
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser("stats", parents=[common], help="articles per site and month, coverage, versions")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("runs", parents=[common], help="recent crawl runs per site: outcome, counts, warnings",
                       description="Newest first. Outcome: ok, running, killed (ended without a report), "
                                   "interrupted, locked, drifted (suspected layout change), "
                                   "failed (site unreachable, most requests failed, or pages left uncommitted), "
                                   "code-failed (our code failed on some pages). Times are UTC.")
    p.add_argument("--site", help="only this site")
    p.add_argument("--limit", type=int, default=20, help="how many runs (default 20)")
    p.add_argument("--json", action="store_true", help="each run's full entry as JSON Lines")
    p.set_defaults(func=cmd_runs)

    p = sub.add_parser("check", parents=[common], help="verify every segment and WARC file against the index",
                       description="Reads every segment and WARC file back and compares the segments with the "
                                   "index. Exit status 0: all whole; 6: damage found (listed). --repair rewrites "
                                   "damaged segments with what they still hold (the damaged files go to damaged/), "
                                   "rebuilds lost records from their WARC snapshots, and marks the rest for "
                                   "re-fetch by the next crawl.")
    p.add_argument("--repair", action="store_true", help="make the archive whole from what survives")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("compact", parents=[common], help="merge small segments (content unchanged)")
    p.set_defaults(func=cmd_compact)

    p = sub.add_parser("reparse", parents=[common], help="rebuild records from stored WARC snapshots (no network)")
    p.add_argument("--site", help="only this site (default: every site)")
    p.add_argument("--since", metavar="YYYY-MM-DD", help="only articles published on or after")
    p.add_argument("--remove-rejected", action="store_true",
                   help="take the articles the current parser rejects out of the archive "
                        "(their lines are kept in removed/<run>.jsonl; the fetched pages stay)")
    p.set_defaults(func=cmd_reparse)
    return parser


def main(argv: list[str] | None = None) -> int:
    from .archive.index import IndexMissing
    from .extras import MissingExtra

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except UsageError as error:
        print(f"vngov {args.command}: {error}", file=sys.stderr)
        return EXIT_USAGE
    except IndexMissing as error:
        print(f"vngov {args.command}: {error}", file=sys.stderr)
        return EXIT_DAMAGED
    except MissingExtra as error:
        print(f"vngov {args.command}: {error}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:  # what was being written is removed by whoever wrote it
        print(f"vngov {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
