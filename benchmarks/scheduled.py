"""What a scheduled run asks of the sites: requests per new article, by kind, over a first full
crawl and the runs that follow it, against two baselines run on copies of the same archive:
re-fetching recent articles at every run (`VNGOV_REFETCH_BACKOFF=0`) and walking every listing
to its end (`VNGOV_FULL_WALK=1`). On a polite crawl each request costs the site's delay, so this
is where a scheduled run's time goes. The runs follow each other within seconds; how often an
hourly schedule fetches a recent article again is worked out from the crawl state's rule.

    python benchmarks/scheduled.py --articles 1000 --write docs/benchmarks.md

The mirror's three families (baochinhphu.vn, nhandan.vn, sotttt.hanoi.gov.vn), `--articles` each
three hours apart; then a run with nothing new, and runs after `--new` new articles a site, as
an hourly schedule finds them. Counts come from the mirror's log of requests.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _markdown import publish  # noqa: E402

from scraper.crawlstate import CrawlState, Seen  # noqa: E402
from scraper.mirror import MirrorServer, MirrorSite  # noqa: E402
from scraper.mirror.site import FAMILIES  # noqa: E402

MARK_BEGIN = "<!-- scheduled-benchmark:begin -->"
MARK_END = "<!-- scheduled-benchmark:end -->"
KINDS = ("robots.txt", "feed", "sitemap", "listing", "article")


def _kind(site: MirrorSite, path: str) -> str:
    if path == "/robots.txt":
        return "robots.txt"
    if path in site.by_path:
        return "article"
    if any(path == feed.split(site.host, 1)[-1] for feed in site.profile.feeds):
        return "feed"
    if "sitemap" in path:
        return "sitemap"
    return "listing"


def _run(server: MirrorServer, sites: list[MirrorSite], archive: Path, *extra: str) -> Counter:
    server.reset_hits()
    command = [sys.executable, "-m", "scraper", "crawl", *(s.name for s in sites), "--archive", str(archive),
               "--mirror", server.url, "--fast", "--log-level", "WARNING", *extra]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"vngov crawl exited {result.returncode}: {result.stderr[-2000:]}")
    counts: Counter = Counter()
    for host, path, _ in server.hits_for(lambda hit: True):
        counts[_kind(server.sites[host], path)] += 1
    return counts


def _row(name: str, new: int, counts: Counter, *baselines: Counter) -> str:
    total = sum(counts.values())
    per = f"{total / new:.1f}" if new else "-"
    against = [str(sum(baseline.values())) for baseline in baselines] or ["-", "-"]
    return f"| {name} | {new} | " + " | ".join(str(counts[k]) for k in KINDS) + f" | {total} | {per} | " \
        + " | ".join(against) + " |"


def hourly_fetches(days: float = 3.0, first_age: timedelta = timedelta(minutes=30),
                   backoff: bool = True) -> tuple[int, list[float]]:
    """How many times an hourly schedule fetches an article within `days` of its publication,
    first `first_age` after it, by the crawl state's rule; and its ages (hours) at each fetch."""
    published = datetime(2026, 1, 1, tzinfo=timezone.utc)
    url = "https://example.gov.vn/a.html"
    state = CrawlState({url: Seen(published + first_age, published)})
    ages = [first_age.total_seconds() / 3600]
    for hour in range(1, int(days * 24) + 1):
        now = published + first_age + timedelta(hours=hour)
        if state.should_fetch(url, now=now, refetch_window=timedelta(days=days), backoff=backoff):
            state.seen[url] = Seen(now, published)
            ages.append((now - published).total_seconds() / 3600)
    return len(ages), ages


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=1000, help="articles a site has before the first run")
    parser.add_argument("--new", type=int, default=5, help="new articles a site publishes between two runs")
    parser.add_argument("--runs", type=int, default=3, help="runs after new articles")
    parser.add_argument("--write")
    args = parser.parse_args()
    sites = [MirrorSite(name, args.articles, seed=n + 3) for n, name in enumerate(FAMILIES)]
    rows = []
    with MirrorServer(sites) as server, tempfile.TemporaryDirectory() as tmp:
        archive, copy = Path(tmp) / "archive", Path(tmp) / "copy"
        rows.append(_row("first run (the archive is empty)", len(sites) * args.articles,
                         _run(server, sites, archive)))
        steps = [("nothing new", 0)] + [(f"{args.new} new a site", args.new)] * args.runs
        for n, (name, new) in enumerate(steps):
            for site in sites:
                if new:
                    site.add_articles(new)
            baselines = []
            for setting in ("VNGOV_REFETCH_BACKOFF=0", "VNGOV_FULL_WALK=1"):
                shutil.rmtree(copy, ignore_errors=True)
                shutil.copytree(archive, copy)
                baselines.append(_run(server, sites, copy, "--set", setting))
            rows.append(_row(f"{n + 2}: {name}", new * len(sites), _run(server, sites, archive), *baselines))
    lines = ["## Scheduled runs: requests per new article", "",
             f"Command: `python benchmarks/scheduled.py --articles {args.articles} --new {args.new} --runs {args.runs}` "
             f"({len(sites)} mirrored sites of {args.articles} articles each, three hours apart, with their "
             f"listings, feeds and sitemaps; new articles an hour old; the runs follow each other within seconds; "
             f"counts from the mirror's request log). The last two columns are the requests of the same run on a "
             f"copy of the archive with `VNGOV_REFETCH_BACKOFF=0` (every article younger than "
             f"`VNGOV_REFETCH_DAYS` fetched again at every run) and with `VNGOV_FULL_WALK=1` (every listing read "
             f"to its end, as a crawler without covered ground would).", "",
             "| run | new articles | robots.txt | feeds | sitemaps | listing pages | articles | requests "
             "| per new article | re-fetching at every run | walking every listing |",
             "|---|---|---|---|---|---|---|---|---|---|---|", *rows]
    (count, ages), (every_run, _) = hourly_fetches(), hourly_fetches(backoff=False)
    at_ages = ", ".join(f"{age:g}" for age in ages)
    lines += ["", f"An hourly schedule fetches an article first seen half an hour after publication **{count} times** "
                  f"in its first 3 days (at ages {at_ages} h), against {every_run} when recent articles are fetched "
                  f"again at every run (`VNGOV_REFETCH_BACKOFF=0`); a sitemap's lastmod brings an edit at once "
                  f"either way."]
    publish(lines, MARK_BEGIN, MARK_END, args.write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
