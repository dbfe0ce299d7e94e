"""Where things live in an archive folder: Hive-style partitions by site and publication month.

    <archive>/site=baochinhphu.vn/year=2026/month=03/part-<run>-<n>.jsonl.zst
    <archive>/site=baochinhphu.vn/year=undated/month=undated/part-...   (no publication date)
    <archive>/site=baochinhphu.vn/warc/<run>-<n>.warc.gz                (raw pages)
    <archive>/index.sqlite   <archive>/rejects/<run>.jsonl   <archive>/.lock
"""
from __future__ import annotations

import os
import re
from datetime import date, datetime
from pathlib import Path

UNDATED = "undated"
SEGMENT_SUFFIXES = (".jsonl.zst", ".jsonl.gz", ".jsonl")
_SEGMENT = re.compile(r"^part-.+\.jsonl(\.zst|\.gz)?$")
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_component(value: str) -> str:
    """A site or run name usable as a path component."""
    return _SAFE.sub("_", value).strip("._") or "_"


def partition_of(published_at: str | None) -> tuple[str, str]:
    """(year, month) of an ISO publication time, in its own (Vietnam) offset; undated otherwise."""
    if not published_at:
        return UNDATED, UNDATED
    try:
        moment = datetime.fromisoformat(published_at)
    except ValueError:
        return UNDATED, UNDATED
    return f"{moment.year:04d}", f"{moment.month:02d}"


def site_dir(root: Path, site: str) -> Path:
    return root / f"site={safe_component(site)}"


def partition_dir(root: Path, site: str, year: str, month: str) -> Path:
    return site_dir(root, site) / f"year={year}" / f"month={month}"


def warc_dir(root: Path, site: str) -> Path:
    return site_dir(root, site) / "warc"


def partition_of_path(segment: Path) -> tuple[str, str, str]:
    """(site, year, month) of a segment file, from its partition folders: the one reader of
    the folder names that partition_dir writes."""
    month, year, site = segment.parent, segment.parent.parent, segment.parent.parent.parent
    return _value(site.name, "site"), _value(year.name, "year"), _value(month.name, "month")


def _value(folder: str, key: str) -> str:
    prefix = f"{key}="
    if not folder.startswith(prefix):
        raise ValueError(f"not a {key}= partition folder: {folder!r}")
    return folder[len(prefix):]


def is_segment(path: Path) -> bool:
    return bool(_SEGMENT.match(path.name))


def months_between(start: date, end: date) -> set[tuple[str, str]]:
    months = set()
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.add((f"{year:04d}", f"{month:02d}"))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def iter_segments(root: Path, sites: set[str] | None = None, months: set[tuple[str, str]] | None = None,
                  include_undated: bool = True):
    """Committed segment files, pruned by site and (year, month) without opening any file."""
    if not root.is_dir():
        return
    for site_dir in sorted(root.glob("site=*")):
        site = _value(site_dir.name, "site")
        if sites is not None and site not in sites:
            continue
        for year_dir in sorted(site_dir.glob("year=*")):
            year = _value(year_dir.name, "year")
            for month_dir in sorted(year_dir.glob("month=*")):
                month = _value(month_dir.name, "month")
                if year == UNDATED:
                    if not include_undated:
                        continue
                elif months is not None and (year, month) not in months:
                    continue
                for path in sorted(month_dir.iterdir()):
                    if is_segment(path):
                        yield path


class NotAnArchive(ValueError):
    """A path that holds something else than a vngov archive (or nothing)."""


def is_archive(root: Path) -> bool:
    """Whether a folder holds a vngov archive: its index, or partitions of ours."""
    return (root / "index.sqlite").is_file() or any(p.is_dir() for p in root.glob("site=*"))


# What an archive folder holds besides its partitions (a run killed before its first commit
# leaves some of these and nothing else).
OWN_NAMES = {".lock", ".locks", ".jobs", "logs", "reports", "rejects", "removed", "damaged", "schema.json",
             "index.sqlite", "index.sqlite-wal", "index.sqlite-shm", "index.sqlite-journal"}


def may_hold_archive(root: Path) -> bool:
    """Whether a writer may make or use an archive here: an archive, a folder holding nothing
    but what an archive holds (empty, or left by a run killed before its first commit), or none."""
    if not root.exists():
        return True
    return root.is_dir() and (is_archive(root) or all(p.name in OWN_NAMES or p.name.startswith("site=")
                                                      for p in root.iterdir()))


def site_names(root: Path) -> list[str]:
    """The sites an archive folder holds partitions of."""
    return sorted(_value(p.name, "site") for p in root.glob("site=*") if p.is_dir())


def fsync_dir(path: Path) -> None:
    """Make a rename durable: the directory entry itself must reach the disk."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
