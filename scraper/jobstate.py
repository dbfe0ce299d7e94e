"""Checking a site's Scrapy JOBDIR before a run resumes from it. A run killed while it wrote
its job state (SIGKILL, a full disk) can leave files that Scrapy fails on half-way through the
next run; such a JOBDIR is set aside instead, and the run starts afresh from the archive's own
crawl state, walking every listing page so that nothing the lost queue held is missed."""
from __future__ import annotations

import json
import pickle
import re
import struct
from datetime import datetime, timezone
from pathlib import Path

_SIZE = struct.Struct(">L")  # queuelib's LifoDiskQueue: a count first, each record then its length
_FINGERPRINT = re.compile(r"[0-9a-f]{40}")
# Left in a JOBDIR by a run that dropped pages it could not commit: its seen-requests file lists
# them, so the next run must not resume from it.
UNCOMMITTED = "uncommitted"


def mark_uncommitted(jobdir: str | Path | None) -> None:
    if jobdir:
        Path(jobdir).mkdir(parents=True, exist_ok=True)
        (Path(jobdir) / UNCOMMITTED).touch()


def jobdir_problem(jobdir: Path) -> str | None:
    """What in `jobdir` Scrapy could not resume from, or None (also for no JOBDIR at all)."""
    if not jobdir.is_dir():
        return None
    if (jobdir / UNCOMMITTED).exists():
        return "the run that left it could not commit its last pages to the archive"
    state = jobdir / "spider.state"
    if state.exists():
        try:
            with open(state, "rb") as handle:
                if not isinstance(pickle.load(handle), dict):
                    return "spider.state holds no state"
        except Exception as error:  # noqa: BLE001 -- any unpickling failure means the same
            return f"spider.state unreadable ({type(error).__name__})"
    seen = jobdir / "requests.seen"
    if seen.exists() and not _fingerprints_whole(seen.read_bytes()):
        return "requests.seen is cut short"
    queue = jobdir / "requests.queue"
    if queue.is_dir():
        try:
            active = json.loads((queue / "active.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            return f"requests.queue/active.json unreadable ({type(error).__name__})"
        if not isinstance(active, dict):
            return "requests.queue/active.json holds no queue list"
        for folder in (p for p in queue.iterdir() if p.is_dir()):
            for path in folder.iterdir():
                problem = _lifo_problem(path)
                if problem:
                    return f"{path.relative_to(jobdir)}: {problem}"
    return None


def _fingerprints_whole(data: bytes) -> bool:
    """Scrapy's seen-requests file reads back whole: length-prefixed fingerprints (Scrapy 2.13
    and later) that fill it exactly, or hex fingerprints a line each (earlier versions)."""
    position = 0
    while position + 2 <= len(data):
        position += 2 + int.from_bytes(data[position:position + 2], "big")
    if position == len(data):
        return True
    lines = data.decode("ascii", "replace").splitlines()
    return all(_FINGERPRINT.fullmatch(line) for line in lines)


def _lifo_problem(path: Path) -> str | None:
    """Whether a LIFO disk queue file reads back whole: its records, from the end, must fill
    the file exactly and be as many as its header says, each a pickled request."""
    data = path.read_bytes()
    if len(data) < _SIZE.size:
        return "truncated"
    (count,) = _SIZE.unpack_from(data)
    end, records = len(data), 0
    while end > _SIZE.size:
        (size,) = _SIZE.unpack_from(data, end - _SIZE.size)
        start = end - _SIZE.size - size
        if start < _SIZE.size:
            return "a record runs past the start"
        try:
            pickle.loads(data[start:end - _SIZE.size])
        except Exception:  # noqa: BLE001
            return "a record does not unpickle"
        end, records = start, records + 1
    if records != count:
        return f"{records} records, its header says {count}"
    return None


def set_aside(jobdir: Path) -> Path:
    """Move a damaged JOBDIR out of the way (kept for a look): <jobdir>.damaged-<UTC time>."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    target = jobdir.with_name(f"{jobdir.name}.damaged-{stamp}")
    jobdir.rename(target)
    return target
