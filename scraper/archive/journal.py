"""The index's journal of segment rewrites (`vngov compact`, removals, renames): finishing a swap, and
finishing at the next writer's start the swaps a killed process left half-done."""
from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from .layout import fsync_dir, partition_of_path

logger = logging.getLogger(__name__)


def finish_rewrite(root: Path, db, payload: dict) -> None:
    """Swap a journaled rewrite in: the new segment (if any line was left) into place, the
    index moved to it, the left-out versions deleted, the old segments removed. Safe to repeat."""
    new = root / payload["new"] if payload["new"] else None
    tmp = root / payload["tmp"]
    if new is not None and tmp.exists():
        os.replace(tmp, new)
        fsync_dir(new.parent)
    first = root / payload["old"][0]
    site, year, month = partition_of_path(first)
    dropped = payload.get("dropped", [])  # journals written before removals have none
    renamed = payload.get("renamed", [])  # nor before renames
    with db:
        db.execute("BEGIN IMMEDIATE")
        # Renamed versions first, so that the moves below find them under their new id. The
        # article's row follows its last version: versions in partitions not rewritten yet keep
        # it under the old id until their own rewrite.
        db.executemany("UPDATE versions SET id = ? WHERE id = ? AND version = ?",
                       [(new_id, old_id, version) for old_id, new_id, _, version in renamed])
        for old_id, new_id, canonical in {(o, n, c) for o, n, c, _ in renamed}:
            if db.execute("SELECT 1 FROM versions WHERE id = ? LIMIT 1", (old_id,)).fetchone() is None:
                db.execute("UPDATE articles SET id = ?, canonical_url = ? WHERE id = ?", (new_id, canonical, old_id))
        if new is not None:
            db.execute("INSERT OR REPLACE INTO segments VALUES (?, ?, ?, ?, ?, ?, datetime('now'))",
                       (payload["new"], site, year, month, len(payload["moves"]), "compact"))
            db.executemany("UPDATE versions SET segment = ?, line = ? WHERE id = ? AND version = ?",
                           [(payload["new"], line, article_id, version) for article_id, version, line in payload["moves"]])
        db.executemany("DELETE FROM versions WHERE id = ? AND version = ?", dropped)
        db.executemany("DELETE FROM articles WHERE id = ? AND NOT EXISTS (SELECT 1 FROM versions v WHERE v.id = articles.id)",
                       [(article_id,) for article_id, _ in dropped])
        # An article that lost its latest version (a damaged segment) is its latest left.
        db.executemany("UPDATE articles SET (latest_version, content_hash) = (SELECT version, content_hash FROM "
                       "versions v WHERE v.id = articles.id ORDER BY version DESC LIMIT 1) WHERE id = ?",
                       [(article_id,) for article_id, _ in dropped])
        db.executemany("DELETE FROM segments WHERE path = ?", [(old,) for old in payload["old"] if old != payload["new"]])
    # The journal entry goes only once the old files are gone: a kill before that leaves it for
    # the next writer to finish, where the old files would otherwise pass for committed segments
    # the index missed, and bring back their lines (twice, or removed ones again).
    for old in payload["old"]:
        if old != payload["new"]:  # never the merged file (older journals may name it among the old)
            (root / old).unlink(missing_ok=True)
    fsync_dir(first.parent)
    with db:
        db.execute("BEGIN IMMEDIATE")
        db.execute("DELETE FROM journal WHERE operation = 'compact' AND payload = ?", (json.dumps(payload),))


def replay_journal(root: Path, db) -> None:
    """Finish rewrites whose new segment was fully written; a journal entry exists only after
    that file was closed and fsynced (and the lines left out kept), so finishing is always safe."""
    for (payload,) in db.execute("SELECT payload FROM journal WHERE operation = 'compact'").fetchall():
        data = json.loads(payload)
        if data["new"] is not None and not (root / data["new"]).exists() and not (root / data["tmp"]).exists():
            logger.warning("dropping compaction journal entry with no merged file: %s", data["new"])
            with db:
                db.execute("DELETE FROM journal WHERE payload = ?", (payload,))
            continue
        logger.warning("finishing interrupted rewrite of %s", data["new"] or ", ".join(data["old"]))
        finish_rewrite(root, db, data)
