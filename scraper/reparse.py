"""`vngov reparse`: rebuild every record from the fetch stored in WARC, through the crawl's own
path (build_record, then the normalize and validate steps of the pipelines), and store a new
version only where the result differs. Runs of the same parser on an archive change nothing."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pipelines.normalize import normalize_record

from .archive import Archive, ArchiveWriter
from .archive.compact import remove_articles, rename_articles
from .archive.warc import read_fetch
from .items import Fetch, Hints, record_problem
from .parsing import PARSER_VERSION
from .parsing.record import DATE_HINT_SOURCES, build_record
from .runs import holding


@dataclass
class ReparseResult:
    reparsed: int = 0
    changed: int = 0
    missing_snapshot: int = 0
    rejected: dict[str, str] = field(default_factory=dict)  # id -> why the current parser rejects it
    removed: int = 0
    renamed: int = 0  # articles whose id changed (their canonical URL is spelt otherwise now)
    merged: int = 0  # articles found archived under two ids, now one
    taken_in: int = 0  # pages a crawl held aside (suspected layout change) that now parse whole
    still_held: int = 0


def _legacy_hints(fetch: Fetch, record: dict) -> None:
    """Archives written before fetches kept their discovery hints in WARC: the stored record
    says what a feed or sitemap gave (its date_source), which is what the crawl used."""
    if fetch.requested_url is None and record.get("date_source") in DATE_HINT_SOURCES:
        fetch.hints = Hints(source=record["date_source"], published_at=record.get("published_at"))


def rebuild(root: Path, warc_file: str, warc_offset: int, stored: dict | None = None) -> tuple[dict, Fetch] | None:
    """The record the crawl's own path (build_record, then normalization) makes now of the fetch
    kept at `warc_file`:`warc_offset`, pointing at that snapshot, and the fetch; None if it does
    not read back. `stored` is the archived record it was built from, for older archives' hints.
    The caller sets `fetched_at`."""
    try:
        fetch = read_fetch(root, warc_file, warc_offset)
    except (OSError, ValueError):
        return None
    if stored is not None:
        _legacy_hints(fetch, stored)
    fresh = normalize_record(build_record(fetch))
    fresh.update(warc_file=warc_file, warc_offset=warc_offset)
    return fresh, fetch


def reparse(root: Path, *, since: date | None = None, sites: list[str] | None = None,
            remove_rejected: bool = False) -> ReparseResult:
    result = ReparseResult()
    moved: list[tuple[str, dict]] = []  # (archived id, fresh record) of articles whose id changed
    archive = Archive(root)
    run_id = f"reparse-{PARSER_VERSION}"
    # A crawl of a site being re-parsed would version its articles too: neither starts while
    # the other runs (runs.SiteLocked).
    with holding(root, sites or archive.sites(), run_id), ArchiveWriter(root, run_id=run_id) as writer:
        # Streamed: an archive of a million records does not fit in memory. The reader lists
        # its segments before this run writes any, so new versions are not read back.
        for stored in archive.iter_articles(since=since, sites=sites):
            if not stored.get("warc_file"):
                continue
            rebuilt = rebuild(root, stored["warc_file"], stored["warc_offset"], stored)
            if rebuilt is None:
                result.missing_snapshot += 1
                continue
            fresh = rebuilt[0]
            fresh["fetched_at"] = stored.get("fetched_at")
            result.reparsed += 1
            problem = record_problem(fresh)
            if problem is not None:  # the crawl would reject it now: rejected, its old version kept
                writer.reject(fresh, problem)
                result.rejected[stored["id"]] = problem
            elif fresh["id"] != stored["id"]:  # added once the article carries its new id
                moved.append((stored["id"], fresh))
            elif writer.add(fresh).status != "unchanged":
                result.changed += 1
        if moved:
            _move(writer, moved, result)
        _take_in_held(writer, root, sites, result)
        if remove_rejected and result.rejected:
            result.removed = remove_articles(writer, result.rejected)
    return result


def _move(writer: ArchiveWriter, moved: list[tuple[str, dict]], result: ReparseResult) -> None:
    """Articles whose id the current parser computes otherwise (a change of URL
    canonicalization, or of the canonical URL a page names): every version of each is given its
    new id. If the archive holds the article under its new id already (reached by both
    spellings), the old id's versions are taken out instead (kept in removed/), so that no
    article is there twice. Then the fresh record is added, a new version only if it differs."""
    renames: dict[str, tuple[str, str]] = {}
    duplicates: dict[str, str] = {}
    taken = set()
    for old_id, fresh in moved:
        new_id = fresh["id"]
        exists = writer.db.execute("SELECT 1 FROM articles WHERE id = ?", (new_id,)).fetchone() is not None
        if exists or new_id in taken:
            duplicates[old_id] = f"the same article as {new_id} ({fresh['canonical_url']})"
        else:
            renames[old_id] = (new_id, fresh["canonical_url"])
            taken.add(new_id)
    if renames:
        rename_articles(writer, renames)
        result.renamed = len(renames)
    if duplicates:
        remove_articles(writer, duplicates)
        result.merged = len(duplicates)
    for _, fresh in moved:
        if writer.add(fresh).status != "unchanged":
            result.changed += 1


def _take_in_held(writer: ArchiveWriter, root: Path, sites: list[str] | None, result: ReparseResult) -> None:
    """Pages a crawl held aside because they lost fields the archived version has: each one
    the current parser reads without that loss becomes a version (pointing at its snapshot), as
    the crawl would have stored it, oldest fetch first; the others stay held."""
    rows = writer.db.execute("SELECT rowid, id, site, warc_file, warc_offset, fetched_at FROM held "
                             "WHERE warc_file IS NOT NULL ORDER BY held_at, rowid").fetchall()
    done = []
    for rowid, article_id, site, warc_file, warc_offset, fetched_at in rows:
        if sites and site not in sites:
            continue
        rebuilt = rebuild(root, warc_file, warc_offset)
        if rebuilt is None:
            result.missing_snapshot += 1
            continue
        fresh = rebuilt[0]
        fresh["fetched_at"] = fetched_at
        if record_problem(fresh) is not None or fresh["id"] != article_id:
            result.still_held += 1
            continue
        planned = writer.plan(fresh, guard=True)
        if planned.status == "held":
            result.still_held += 1
            continue
        if writer.write(planned).status != "unchanged":
            result.taken_in += 1
        done.append((rowid,))
    writer.commit()  # the versions first: a kill before the rows go leaves them to the next reparse
    with writer.db:
        writer.db.execute("BEGIN IMMEDIATE")
        writer.db.executemany("DELETE FROM held WHERE rowid = ?", done)
