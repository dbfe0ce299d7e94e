"""Compaction and removal killed at each step of the segment rewrite in turn: after the next
writer's recovery every (id, version) is on disk exactly once, as every reader (ours, or DuckDB
over the files) sees it, the index matches the files, and a removed record stays removed."""
import subprocess
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

import orjson
import pytest

from scraper.archive import Archive, ArchiveWriter
from scraper.archive.codec import read_lines
from scraper.archive.compact import compact
from scraper.archive.layout import iter_segments
from scraper.vietnam import VN_TZ

from .crash_rewrite import DIE, STEPS
from .records import make_record

REPO = Path(__file__).resolve().parents[2]
MAY = datetime(2025, 5, 5, 8, 0, tzinfo=VN_TZ)


def _archive(root: Path) -> None:
    """Three runs into one partition (three segments), the last editing two articles."""
    for run in range(3):
        with ArchiveWriter(root, run_id=f"run{run}") as writer:
            for i in range(10):
                record = make_record(run * 10 + i if run < 2 else i, site="qdnd.vn", published=MAY)
                if run == 2:
                    if i >= 2:
                        continue
                    record["title"] += " (đã sửa)"
                writer.add(record)


def _on_disk(root: Path) -> Counter:
    """(id, version) of every line in every segment file: what a reader without our code sees."""
    return Counter((r["id"], r["version"]) for path in iter_segments(root)
                   for r in map(orjson.loads, read_lines(path)))


def _indexed(root: Path) -> Counter:
    import sqlite3

    with sqlite3.connect(root / "index.sqlite") as db:
        return Counter(tuple(row) for row in db.execute("SELECT id, version FROM versions"))


@pytest.mark.parametrize("operation", ["compact", "remove"])
@pytest.mark.parametrize("step", sorted(STEPS))
def test_a_rewrite_killed_at_any_step_is_finished_or_undone_by_the_next_writer(tmp_path, operation, step):
    _archive(tmp_path)
    before = _on_disk(tmp_path)
    assert len(before) == 22 and set(before.values()) == {1}
    removed = sorted({key[0] for key in before})[:3]
    died = subprocess.run([sys.executable, "-m", "tests.archive.crash_rewrite", str(tmp_path), operation, step,
                           ",".join(removed)], cwd=REPO, capture_output=True, text=True)
    assert died.returncode == DIE, died.stdout + died.stderr
    with ArchiveWriter(tmp_path, run_id="next"):  # the next writer recovers
        pass
    after = _on_disk(tmp_path)
    assert set(after.values()) == {1}, "a version on disk twice"
    assert after == _indexed(tmp_path)
    if operation == "remove" and step in ("renamed", "indexed", "half-unlinked", "unlinked", "journaled"):
        assert not {key for key in after if key[0] in removed}, "a removed record came back"
    if operation == "compact":
        assert set(after) == set(before)
    # Readers agree, and a later compaction changes nothing of it.
    latest = {r["id"]: r["version"] for r in Archive(tmp_path).iter_articles()}
    assert len(latest) == len({key[0] for key in after})
    with ArchiveWriter(tmp_path, run_id="again") as writer:
        compact(writer)
    assert _on_disk(tmp_path) == after == _indexed(tmp_path)
