"""What each run did to each site, kept in the archive's index (`runs` table) so that later runs,
`vngov runs` and a scheduler can see it: the outcome, the counts and the field coverage.

The layout-drift guard lives here: a run whose field coverage falls well below the site's recent
runs (or below fixed floors), or that held many re-fetched articles aside because they lost
fields, is "drifted". A template change then shows as a failed run instead of an archive
quietly filling with empty sapos.
"""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from .archive import index as archive_index

# Judged only for runs that parsed at least this many pages: a run of two pages proves nothing.
MIN_PARSED = 5
HISTORY = 5  # recent runs of the site a run is compared with
# A field that was present on at least BASELINE of the pages of recent runs drifted when a run
# has it on DROP (absolute) fewer: sapo on 100% of pages, then on 20%.
BASELINE = 0.6
DROP = 0.3
# Fields every article has, whatever the site: below these a run drifted, history or not.
FLOORS = {"title": 0.5, "body_text": 0.5}
BODY_SHRINK = 0.5  # mean body length below this share of recent runs' mean
HELD_MIN, HELD_SHARE = 3, 0.2  # held re-fetched articles: at least 3, and a fifth of those re-fetched


def judge_drift(current: dict, history: list[dict]) -> list[str]:
    """What drifted in a site's run (`current`, the report's entry for the site) against the
    site's recent runs (their entries): one line per field, empty if nothing did."""
    findings = []
    articles = current.get("articles") or {}
    held = articles.get("held", 0)
    refetched = held + articles.get("updated", 0) + articles.get("unchanged", 0)
    if held >= HELD_MIN and held >= HELD_SHARE * refetched:
        lost = ", ".join(f"{name} {n}" for name, n in (current.get("held_fields") or {}).items())
        findings.append(f"{held} of {refetched} re-fetched articles lost fields their archived version has "
                        f"({lost}); held aside, not stored")
    parsed = current.get("pages_parsed", 0)
    if parsed < MIN_PARSED:
        return findings
    coverage = current.get("field_coverage") or {}
    past = [run for run in history if run.get("pages_parsed", 0) >= MIN_PARSED and not run.get("drift")][:HISTORY]
    for name, share in coverage.items():
        if share is None:
            continue
        floor = FLOORS.get(name)
        if floor is not None and share < floor:
            findings.append(f"{name} on {share:.0%} of pages (at least {floor:.0%} expected)")
            continue
        shares = [run["field_coverage"][name] for run in past if (run.get("field_coverage") or {}).get(name) is not None]
        if shares:
            baseline = sum(shares) / len(shares)
            if baseline >= BASELINE and share <= baseline - DROP:
                findings.append(f"{name} on {share:.0%} of pages, {baseline:.0%} in the last {len(shares)} runs")
    chars = current.get("body_chars_mean")
    past_chars = [run["body_chars_mean"] for run in past if run.get("body_chars_mean")]
    if chars is not None and past_chars:
        baseline = sum(past_chars) / len(past_chars)
        if chars < BODY_SHRINK * baseline:
            findings.append(f"body_text {chars:.0f} characters on average, {baseline:.0f} in the last "
                            f"{len(past_chars)} runs")
    return findings


def site_failure(data: dict, finished: bool) -> str | None:
    """Why a site's run counts as failed, or None: its last pages could not be committed, or
    (for a run that finished) no page answered but robots.txt, or more requests were given up
    after their retries than pages answered."""
    if data.get("archive_error"):
        return data["archive_error"]
    if not finished:
        return None
    answered = data.get("pages_ok", 0)
    given_up = data.get("requests_given_up") or 0
    detail = ", ".join([f"{kind} errors {n}" for kind, n in sorted((data.get("network_errors") or {}).items())]
                       + [f"HTTP {code} x{n}" for code, n in sorted((data.get("http_errors") or {}).items())])
    if answered == 0 and data.get("shared_frontier") and not detail:
        return None  # a worker of a shared frontier whose fellows took every request: not a failure
    if answered == 0 and data.get("forbidden_by_robots"):
        return f"no page fetched: robots.txt forbids every page asked for ({data['forbidden_by_robots']})"
    if answered == 0:
        return "no page fetched" + (f" ({detail})" if detail else "")
    if given_up > answered:
        return f"most requests failed: {given_up} given up after retries, {answered} answered ({detail})"
    unusable, parsed = data.get("pages_unusable") or 0, data.get("pages_parsed") or 0
    if unusable >= MIN_PARSED and unusable > parsed:
        return (f"most article pages were unusable: {unusable} error pages, non-HTML or cut short, "
                f"{parsed} read (fetched again later)")
    return None


def outcome(data: dict, reason: str) -> str:
    """One word for `vngov runs`: the worst that happened (the exit statuses' order), given
    Scrapy's finish reason."""
    if reason == "locked":  # another run held the site (runs.RunLockExtension)
        return "locked"
    finished = reason == "finished"
    if data.get("failed_in_code"):
        return "code-failed"
    if site_failure(data, finished):
        return "failed"
    if data.get("drift"):
        return "drifted"
    return "ok" if finished else "interrupted"


def recent_runs(root: Path | str, site: str, limit: int = HISTORY * 4) -> list[dict]:
    """The site's runs in this archive, newest first: each the report's entry for the site,
    with run_id, finished_at and outcome added."""
    return [dict(summary, site=site) for summary in _query(
        root, "SELECT summary FROM runs WHERE site = ? AND outcome != 'running' ORDER BY started_at DESC LIMIT ?",
        (site, limit))]


def all_runs(root: Path | str, limit: int = 20, site: str | None = None) -> list[dict]:
    """The latest runs, newest first. A row still "running" is "killed" when its run ended
    without a report: a newer run of its site began, or no run holds the site's lock."""
    where, args = ("WHERE site = ?", (site,)) if site else ("", ())
    runs = list(_query(root, f"SELECT summary FROM runs {where} ORDER BY started_at DESC, site LIMIT ?",
                       (*args, limit)))
    newest: set[str] = set()
    for run in runs:
        if run.get("outcome") == "running" and (run["site"] in newest or not _site_running(Path(root), run["site"])):
            run["outcome"] = "killed"
        newest.add(run["site"])
    return runs


def _site_running(root: Path, site: str) -> bool:
    """Whether a run holds the site's lock in this archive (a read-only archive: none does)."""
    from .runs import RunLock, SiteLocked

    lock = RunLock(root, site, "vngov-runs")
    try:
        lock.acquire()
    except SiteLocked:
        return True
    except OSError:
        return False
    lock.release()
    return False


def _query(root, sql: str, args: tuple):
    path = Path(root) / archive_index.INDEX_NAME
    if not path.exists():
        return
    connection = archive_index.connect(Path(root), readonly=True)
    try:
        rows = connection.execute(sql, args).fetchall()
    except sqlite3.OperationalError:  # an archive written before runs were kept
        rows = []
    finally:
        connection.close()
    for (summary,) in rows:
        yield json.loads(summary)


def record_start(root: Path | str, run_id: str, site: str, spider: str, started_at: str,
                 continues: str | None) -> None:
    """A run's row as it begins (outcome "running"): if the run is killed, the row stays so,
    and the next run of the site continues it (crawlstate)."""
    summary = {"site": site, "run_id": run_id, "spider": spider, "started_at": started_at, "finished_at": None,
               "outcome": "running", "continues": continues}
    _write(root, [(run_id, site, spider, started_at, None, "running", json.dumps(summary))])


def record_run(root: Path | str, report: dict) -> None:
    """Keep each site's entry of a run's report in the index (one short transaction)."""
    rows = []
    for site, data in report["sites"].items():
        summary = dict(data, site=site, run_id=report["run_id"], spider=report["spider"],
                       started_at=report["started_at"], finished_at=report["finished_at"],
                       finish_reason=report["finish_reason"], warnings=report.get("warnings") or [])
        rows.append((report["run_id"] or "run", site, report["spider"], report["started_at"], report["finished_at"],
                     data["outcome"], json.dumps(summary, ensure_ascii=False)))
    _write(root, rows)


def _write(root: Path | str, rows: list[tuple]) -> None:
    if not rows:
        return
    connection = archive_index.connect(Path(root))
    try:
        with connection:
            connection.execute("BEGIN IMMEDIATE")
            connection.executemany("INSERT OR REPLACE INTO runs VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    finally:
        connection.close()
