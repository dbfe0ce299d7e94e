"""Damaged files are reported and repaired, never silently skipped: a segment cut short,
emptied, overwritten, followed by garbage or deleted, and a deleted index."""
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.normalize import normalize_record
from scraper.archive import Archive, ArchiveWriter
from scraper.archive.codec import DamagedSegment
from scraper.archive.layout import iter_segments
from scraper.items import Fetch
from scraper.mirror import MirrorSite
from scraper.parsing.record import build_record

REPO = Path(__file__).resolve().parents[2]


def _vngov(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scraper", *args], cwd=REPO, capture_output=True, text=True)


def _archive(root: Path) -> dict[str, str]:
    """Two runs of 30 articles, each page's fetch in WARC; returns id -> content hash."""
    site = MirrorSite("nhandan.vn", 60, seed=51)
    for run in range(2):
        with ArchiveWriter(root, run_id=f"run{run}") as writer:
            for article in site.articles[run * 30:(run + 1) * 30]:
                fetch = Fetch(url=site.url(article.path), body=site.render(article.path).body,
                              headers=[("Content-Type", "text/html; charset=utf-8")],
                              fetched_at="2026-12-01T01:00:00+00:00")
                writer.add(normalize_record(build_record(fetch)), fetch)
    return {r["id"]: r["content_hash"] for r in Archive(root).iter_articles()}


def _cut(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _overwrite(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 3: len(data) // 3 + 300] = os.urandom(300)
    path.write_bytes(bytes(data))


def _garbage(path: Path) -> None:
    with open(path, "ab") as handle:
        handle.write(os.urandom(200))


def _delete(path: Path) -> None:
    path.unlink()


@pytest.mark.parametrize("damage", [_cut, _empty, _overwrite, _garbage, _delete])
def test_a_damaged_segment_fails_export_and_check_repairs_the_archive(tmp_path, damage):
    archive = tmp_path / "archive"
    before = _archive(archive)
    segment = sorted(iter_segments(archive))[0]
    damage(segment)
    out = tmp_path / "out.jsonl"
    if damage is not _delete:
        failed = _vngov("export", "--archive", str(archive), "-o", str(out))
        assert failed.returncode == 6 and failed.stderr.startswith("vngov export: damaged segment ")
        assert failed.stderr.count("\n") == 1 and not out.exists() and not list(tmp_path.glob(".out*"))
        skipped = _vngov("export", "--archive", str(archive), "-o", str(out), "--skip-damaged")
        assert skipped.returncode == 0 and "skipped past damaged segment" in skipped.stderr
        rows = [json.loads(line) for line in out.read_text().splitlines()]
        assert len(rows) == len({r["id"] for r in rows}) >= 30
        if damage is _garbage:  # a damaged tail: every record before it is read
            assert len(rows) == 60
        manifest = json.loads(Path(f"{out}.manifest.json").read_text())
        assert manifest["damaged_segments"][0]["path"] == str(segment)
        out.unlink()
    found = _vngov("check", "--archive", str(archive))
    assert found.returncode == 6 and str(segment.relative_to(archive)) in found.stdout, found.stdout
    repaired = _vngov("check", "--archive", str(archive), "--repair")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert _vngov("check", "--archive", str(archive)).returncode == 0
    # Every article is back, rebuilt from its snapshot where the segment lost it, each once.
    after = {r["id"]: r["content_hash"] for r in Archive(archive).iter_articles()}
    assert after == before
    assert len(list(Archive(archive).iter_articles(all_versions=True))) == 60
    if damage is not _delete:
        assert (archive / "damaged" / segment.relative_to(archive)).exists()


def test_a_reader_gives_the_records_before_the_damage_then_names_it(tmp_path):
    archive = tmp_path / "archive"
    _archive(archive)
    segment = sorted(iter_segments(archive))[0]
    _garbage(segment)
    records = []
    with pytest.raises(DamagedSegment, match="bytes after its end"):
        for record in Archive(archive).iter_articles():
            records.append(record)
    assert len(records) >= 30
    damaged = []
    assert len(list(Archive(archive).iter_articles(damaged=damaged))) == 60 and damaged[0].path == segment


def test_a_deleted_index_is_rebuilt_before_anything_is_read(tmp_path):
    archive = tmp_path / "archive"
    _archive(archive)
    site = MirrorSite("nhandan.vn", 60, seed=51)
    edited = site.articles[0]  # a second version of one article: the first must stay hidden
    site.edit_article(0)
    with ArchiveWriter(archive, run_id="edit") as writer:
        fetch = Fetch(url=site.url(edited.path), body=site.render(edited.path).body,
                      fetched_at="2026-12-02T01:00:00+00:00")
        assert writer.add(normalize_record(build_record(fetch)), fetch).status == "updated"
    (archive / "index.sqlite").unlink()
    stats = _vngov("stats", "--archive", str(archive), "--json")
    assert stats.returncode == 0 and json.loads(stats.stdout)["articles"] == 60, stats.stderr
    exported = _vngov("export", "--archive", str(archive))
    assert len(exported.stdout.splitlines()) == 60
    # The crawl state is rebuilt too: a crawl does not fetch the archived articles again.
    from scraper.crawlstate import CrawlState

    state = CrawlState.load(archive, ["nhandan.vn"])
    assert all(site.url(a.path) in state.seen for a in site.articles)


def test_a_read_only_copy_without_its_wal_files_is_read(tmp_path):
    archive = tmp_path / "disk" / "archive"
    archive.parent.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(archive.parent)],
                             capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a filesystem to make read-only here: {mounted.stderr.decode().strip()}")
    try:
        before = _archive(archive)
        db = sqlite3.connect(archive / "index.sqlite")  # as a copy of the index file alone would be
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
        for leftover in archive.glob("index.sqlite-*"):
            leftover.unlink()
        subprocess.run(["mount", "-o", "remount,ro", str(archive.parent)], check=True)
        assert {r["id"]: r["content_hash"] for r in Archive(archive).iter_articles()} == before
        stats = _vngov("stats", "--archive", str(archive))
        assert stats.returncode == 0 and "60" in stats.stdout, stats.stderr
    finally:
        subprocess.run(["umount", "-l", str(archive.parent)], capture_output=True)


def test_a_reader_beside_a_writer_never_lists_an_article_twice(tmp_path):
    """A crawl commits new versions of archived articles while exports run: each export sees one
    state of the archive (the superseded versions and the segments read in one transaction)."""
    from .records import make_record

    with ArchiveWriter(tmp_path, run_id="first") as writer:
        for i in range(40):
            writer.add(make_record(i))
    editor = subprocess.Popen([sys.executable, "-c", f"""
import time
from scraper.archive import ArchiveWriter
from tests.archive.records import make_record
with ArchiveWriter({str(tmp_path)!r}, run_id="edits", exclusive=False, commit_every=1) as writer:
    print("ready", flush=True)
    for round in range(1, 400):
        for i in range(40):
            record = make_record(i)
            record["title"] += f" (sửa lần {{round}})"
            writer.add(record)
"""], cwd=REPO, stdout=subprocess.PIPE, text=True)
    assert editor.stdout.readline().strip() == "ready"
    try:
        exports = 0
        while editor.poll() is None and exports < 60:
            ids = [r["id"] for r in Archive(tmp_path).iter_articles()]
            assert len(ids) == len(set(ids)) == 40
            exports += 1
    finally:
        editor.kill()
        editor.wait()
    assert exports >= 10
