"""Rewriting segments: `vngov compact` merges each partition's small segments into one, content
unchanged; `remove_articles` (`vngov reparse --remove-rejected`) rewrites the segments that hold
articles the current parser rejects, without their lines.

Each swap is journaled in the index before any file moves, so a rewrite killed at any point is
finished or undone by the next writer (see `journal.replay_journal`)."""
from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from .codec import CODECS, DamagedSegment, SegmentWriter, dumps, read_records
from .index import utc_now
from .journal import finish_rewrite
from .layout import fsync_dir

logger = logging.getLogger(__name__)

REMOVED_DIR = "removed"


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
        _rewrite(writer, folder, paths, "compact")
        merged += 1
        removed += len(paths)
    return {"partitions": merged, "segments_removed": removed}


def remove_articles(writer, reasons: dict[str, str]) -> int:
    """Take every version of the articles in `reasons` (id -> why) out of the archive: the
    segments holding them are rewritten without their lines, which are kept, each with its
    reason, in <archive>/removed/<run>.jsonl. For records an older parser archived that the
    current one rejects (a list page stored as an article): our readers, exports and files
    read without our code all stop showing them, and the fetched page stays in its WARC.
    Returns the number of lines removed."""
    root, db = writer.root, writer.db
    writer.commit()
    partitions = _partitions_holding(root, db, list(reasons))
    removed = sum(_rewrite(writer, folder, paths, "removal", reasons) for folder, paths in partitions.items())
    writer.commit()  # forgets what it had looked up of the removed articles
    return removed


def rename_articles(writer, renames: dict[str, tuple[str, str]]) -> int:
    """Give the articles in `renames` (old id -> (new id, canonical URL)) their new id, every
    version of them, in the segments and the index: for ids that a change of URL
    canonicalization changed (`vngov reparse` after an upgrade). The new ids must be free: an
    article already archived under its new id is removed instead (remove_articles). Returns the
    number of lines rewritten."""
    root, db = writer.root, writer.db
    writer.commit()
    partitions = _partitions_holding(root, db, list(renames))
    renamed = sum(_rewrite(writer, folder, paths, "rename", rename=renames) for folder, paths in partitions.items())
    writer.commit()
    return renamed


def _partitions_holding(root: Path, db, ids: list[str]) -> dict[Path, list[Path]]:
    segments: set[str] = set()
    for start in range(0, len(ids), 500):  # SQLite's limit on bound parameters
        chunk = ids[start:start + 500]
        rows = db.execute(f"SELECT DISTINCT segment FROM versions WHERE id IN ({','.join('?' * len(chunk))})", chunk)
        segments.update(row[0] for row in rows)
    partitions: dict[Path, list[Path]] = {}
    for relative in sorted(segments):
        path = root / relative
        if path.exists():
            partitions.setdefault(path.parent, []).append(path)
    return partitions


def _rewrite(writer, folder: Path, paths: list[Path], kind: str, drop: dict[str, str] | None = None,
             rename: dict[str, tuple[str, str]] | None = None) -> int:
    """Replace `paths` (segments of one partition) with one segment holding their lines but
    those of the articles in `drop`, and those of the articles in `rename` under their new id;
    returns the number of lines left out or renamed. The lines left out are made durable in
    removed/ before the journal entry that lets the swap happen: a removal killed between the
    two lists them there while they are still archived, and the rerun lists them again as it
    takes them out."""
    root = writer.root
    final, tmp = _new_segment(writer, folder, kind)
    out = SegmentWriter(tmp, writer.codec)
    moves = []  # (id, version, line in the new segment)
    dropped = []  # (id, version)
    renamed = []  # (old id, new id, canonical URL, version)
    removed_lines = []
    for path in paths:
        for line, record in read_records(path):
            if drop and record["id"] in drop:
                dropped.append((record["id"], record["version"]))
                removed_lines.append(dumps({"removed_at": utc_now(), "reason": drop[record["id"]],
                                            "segment": str(path.relative_to(root)), "record": record}))
                continue
            if rename and record["id"] in rename:
                new_id, canonical = rename[record["id"]]
                renamed.append((record["id"], new_id, canonical, record["version"]))
                record["id"], record["canonical_url"] = new_id, canonical
                line = dumps(record)
            moves.append((record["id"], record["version"], out.lines))
            out.write(line.rstrip(b"\n"))
    out.close()
    if removed_lines:
        _keep_removed(root, writer.run_id, removed_lines)
    _swap(writer, final, tmp, paths, moves, dropped, renamed)
    return len(dropped) + len(renamed)


def _new_segment(writer, folder: Path, kind: str) -> tuple[Path, Path]:
    """(final, temporary) paths of a rewrite's new segment in `folder`."""
    name = writer.unused_name(folder, "part-", f"-{kind}{CODECS[writer.codec]}")
    return folder / name, folder / f".{name}.tmp"


def _swap(writer, final: Path, tmp: Path, paths: list[Path], moves: list, dropped: list, renamed: list) -> None:
    """Journal the rewrite of `paths` into `final` (written whole as `tmp`, unless no line was
    left: then no file), then carry it out (journal.finish_rewrite)."""
    root, db = writer.root, writer.db
    if not moves:  # nothing left in these segments: no empty file
        tmp.unlink(missing_ok=True)
    payload = {"new": str(final.relative_to(root)) if moves else None, "tmp": str(tmp.relative_to(root)),
               "old": [str(p.relative_to(root)) for p in paths], "moves": moves, "dropped": dropped,
               "renamed": renamed}
    with db:
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO journal (operation, payload) VALUES ('compact', ?)", (json.dumps(payload),))
    finish_rewrite(root, db, payload)


def salvage_segment(writer, path: Path, lost: list[tuple[str, int]]) -> int:
    """Replace a damaged (or missing) segment with one holding the records it still reads back,
    through the journaled swap; the index forgets the `lost` versions. Returns the lines kept."""
    writer.commit()
    final, tmp = _new_segment(writer, path.parent, "salvaged")
    moves = []
    if path.exists():
        out = SegmentWriter(tmp, writer.codec)
        try:
            for line, record in read_records(path):
                moves.append((record["id"], record.get("version", 1), out.lines))
                out.write(line.rstrip(b"\n"))
        except DamagedSegment:
            pass  # what came before the damage is kept
        out.close()
    _swap(writer, final, tmp, [path], moves, [list(key) for key in lost], [])
    return len(moves)


def _keep_removed(root: Path, run_id: str, lines: list[bytes]) -> None:
    folder = root / REMOVED_DIR
    folder.mkdir(exist_ok=True)
    with open(folder / f"{run_id}.jsonl", "ab") as handle:
        handle.write(b"".join(line + b"\n" for line in lines))
        handle.flush()
        os.fsync(handle.fileno())
    fsync_dir(folder)
