"""`vngov compact`: merge each partition's small segments into one, content unchanged.

The swap is journaled in the index before any file moves, so a compaction killed at any point
is finished or undone by the next writer (see `replay_journal`)."""
from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import orjson

from .codec import CODECS, SegmentWriter, read_lines
from .layout import fsync_dir

logger = logging.getLogger(__name__)


def compact(writer, min_segments: int = 2) -> dict[str, int]:
    """Merge partitions holding `min_segments` or more segments; needs an open ArchiveWriter
    (for its lock and index). Returns counts of partitions merged and segments removed."""
    root, db = writer.root, writer.db
    writer.commit()
    merged = removed = 0
    partitions: dict[Path, list[Path]] = {}
    for (relative,) in db.execute("SELECT path FROM segments ORDER BY path"):
        path = root / relative
        partitions.setdefault(path.parent, []).append(path)
    for folder, paths in partitions.items():
        paths = [p for p in paths if p.exists()]
        if len(paths) < min_segments:
            continue
        name = writer._unused_name(folder, "part-", f"-compact{CODECS[writer.codec]}")
        final = folder / name
        tmp = folder / f".{name}.tmp"
        out = SegmentWriter(tmp, writer.codec)
        moves = []  # (id, version, line)
        for path in paths:
            for line in read_lines(path):
                record = orjson.loads(line)
                moves.append((record["id"], record["version"], out.lines))
                out.write(line.rstrip(b"\n"))
        out.close()
        payload = {"new": str(final.relative_to(root)), "tmp": str(tmp.relative_to(root)),
                   "old": [str(p.relative_to(root)) for p in paths], "moves": moves}
        with db:
            db.execute("BEGIN IMMEDIATE")
            db.execute("INSERT INTO journal (operation, payload) VALUES ('compact', ?)", (json.dumps(payload),))
        _finish(root, db, payload)
        merged += 1
        removed += len(paths)
    return {"partitions": merged, "segments_removed": removed}


def _finish(root: Path, db, payload: dict) -> None:
    new, tmp = root / payload["new"], root / payload["tmp"]
    if tmp.exists():
        os.replace(tmp, new)
        fsync_dir(new.parent)
    first = root / payload["old"][0]
    site, year, month = first.parent.parent.parent.name[5:], first.parent.parent.name[5:], first.parent.name[6:]
    with db:
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT OR REPLACE INTO segments VALUES (?, ?, ?, ?, ?, ?, datetime('now'))",
                   (payload["new"], site, year, month, len(payload["moves"]), "compact"))
        db.executemany("UPDATE versions SET segment = ?, line = ? WHERE id = ? AND version = ?",
                       [(payload["new"], line, article_id, version) for article_id, version, line in payload["moves"]])
        db.executemany("DELETE FROM segments WHERE path = ?", [(old,) for old in payload["old"] if old != payload["new"]])
        db.execute("DELETE FROM journal WHERE operation = 'compact' AND payload = ?", (json.dumps(payload),))
    for old in payload["old"]:
        if old != payload["new"]:  # never the merged file (older journals may name it among the old)
            (root / old).unlink(missing_ok=True)
    fsync_dir(new.parent)


def replay_journal(root: Path, db) -> None:
    """Finish compactions whose merged segment was fully written; a journal entry exists only
    after the merged file was closed and fsynced, so finishing is always safe."""
    for (payload,) in db.execute("SELECT payload FROM journal WHERE operation = 'compact'").fetchall():
        data = json.loads(payload)
        new, tmp = root / data["new"], root / data["tmp"]
        if not new.exists() and not tmp.exists():
            logger.warning("dropping compaction journal entry with no merged file: %s", data["new"])
            with db:
                db.execute("DELETE FROM journal WHERE payload = ?", (payload,))
            continue
        logger.warning("finishing interrupted compaction of %s", data["new"])
        _finish(root, db, data)

