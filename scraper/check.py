"""`vngov check`: every segment and WARC file read back against the index, and with `--repair`,
an archive made whole again from what survives.

A damaged segment (cut short, overwritten, bytes appended) is rewritten with the records it
still holds, through the same journaled swap as `vngov compact`; the damaged file is kept in
<archive>/damaged/. Each version lost with it is rebuilt from its WARC snapshot where that reads
back (as `vngov reparse` would build it), and otherwise its article is marked for re-fetch: the
crawl state forgets it, so the next run fetches it again. A segment missing from disk is treated
as one that lost every record; one the index does not know is indexed.
"""
from __future__ import annotations

import gzip
import shutil
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from .archive.codec import DamagedSegment, read_records
from .archive.compact import salvage_segment
from .archive.layout import iter_segments
from .items import record_problem
from .reparse import rebuild

DAMAGED_DIR = "damaged"


@dataclass
class Finding:
    path: str  # relative to the archive
    problem: str
    lost: list[tuple[str, int]] = field(default_factory=list)  # (id, version) the index has and the file lacks


@dataclass
class CheckResult:
    segments: int = 0
    warcs: int = 0
    findings: list[Finding] = field(default_factory=list)
    rebuilt: int = 0  # lost versions rebuilt from their WARC snapshots
    refetch: int = 0  # articles marked for re-fetch

    @property
    def clean(self) -> bool:
        return not self.findings


def check(root: Path, db) -> CheckResult:
    """What in the archive at `root` does not read back, or differs from the index `db`."""
    result = CheckResult()
    indexed = {path: set() for (path,) in db.execute("SELECT path FROM segments")}
    for article_id, version, segment in db.execute("SELECT id, version, segment FROM versions"):
        indexed.setdefault(segment, set()).add((article_id, version))
    on_disk = {str(path.relative_to(root)): path for path in iter_segments(root)}
    for relative, path in sorted(on_disk.items()):
        result.segments += 1
        found, problem = set(), None
        try:
            for _, record in read_records(path):
                found.add((record.get("id"), record.get("version", 1)))
        except DamagedSegment as error:
            problem = error.reason
        expected = indexed.get(relative)
        if expected is None:
            result.findings.append(Finding(relative, problem or "not in the index"))
            continue
        lost = sorted(expected - found)
        if problem or lost:
            result.findings.append(Finding(relative, problem or f"{len(lost)} records the index has are missing", lost))
    for relative in sorted(set(indexed) - set(on_disk)):
        result.findings.append(Finding(relative, "missing", sorted(indexed[relative])))
    for warc in sorted(root.glob("site=*/warc/*.warc.gz")):
        result.warcs += 1
        problem = _warc_problem(warc)
        if problem:
            result.findings.append(Finding(str(warc.relative_to(root)), problem))
    return result


def _warc_problem(path: Path) -> str | None:
    try:
        with gzip.open(path, "rb") as stream:
            while stream.read(1 << 20):
                pass
    except (EOFError, OSError, zlib.error) as error:
        return f"undecodable ({error})"
    return None


def repair(writer, result: CheckResult) -> None:
    """Make the archive whole from what survives (see the module's docstring); needs an
    exclusive ArchiveWriter."""
    root, db = writer.root, writer.db
    lost: dict[tuple[str, int], tuple] = {}  # (id, version) -> (warc file, offset, canonical URL)
    for finding in result.findings:
        path = root / finding.path
        if finding.path.endswith(".warc.gz"):
            continue  # nothing to rebuild a WARC from: the records it holds stay as archived
        if finding.problem == "not in the index":
            writer._reindex(path)
            continue
        for article_id, version in finding.lost:
            row = db.execute("SELECT v.warc_file, v.warc_offset, a.canonical_url FROM versions v "
                             "LEFT JOIN articles a ON a.id = v.id WHERE v.id = ? AND v.version = ?",
                             (article_id, version)).fetchone()
            lost[(article_id, version)] = tuple(row) if row else (None, None, None)
        if path.exists():
            aside = root / DAMAGED_DIR / finding.path
            aside.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, aside)
        salvage_segment(writer, path, finding.lost)
    _rebuild_or_refetch(writer, lost, result)


def _rebuild_or_refetch(writer, lost: dict[tuple[str, int], tuple], result: CheckResult) -> None:
    """Each article that lost a version: rebuilt from the snapshot of the latest version it lost,
    as a new version, or else forgotten by the crawl state, so that the next run fetches it."""
    latest: dict[str, tuple] = {}
    for (article_id, version), row in sorted(lost.items()):
        latest[article_id] = row
    forget = []
    for article_id, (warc_file, warc_offset, canonical) in latest.items():
        rebuilt = rebuild(writer.root, warc_file, warc_offset) if warc_file else None
        fresh = rebuilt[0] if rebuilt else None
        if fresh is None or record_problem(fresh) is not None or fresh["id"] != article_id:
            forget.append(canonical)
            continue
        fresh["fetched_at"] = rebuilt[1].fetched_at
        writer.add(fresh)
        result.rebuilt += 1
    writer.commit()
    with writer.db:
        writer.db.execute("BEGIN IMMEDIATE")
        writer.db.executemany("DELETE FROM fetches WHERE canonical_url = ?", [(url,) for url in forget if url])
    result.refetch = len(forget)
