import multiprocessing
import shutil
from datetime import datetime

import pytest

from scraper.archive import Archive, ArchiveLocked, ArchiveWriter
from scraper.items import Fetch, Hints
from scraper.archive.codec import read_lines
from scraper.archive.compact import compact
from scraper.archive.layout import iter_segments
from scraper.archive.warc import read_fetch
from scraper.parsing.dates import VN_TZ

from .records import make_record


def test_new_unchanged_updated(tmp_path):
    record = make_record(1)
    with ArchiveWriter(tmp_path, run_id="a") as writer:
        assert writer.add(record).status == "new"
        assert writer.add(record).status == "unchanged"  # twice in one run
    with ArchiveWriter(tmp_path, run_id="b") as writer:
        assert writer.add(record).status == "unchanged"
        edited = dict(record, body_text=record["body_text"] + "\n\nĐoạn bổ sung.")
        result = writer.add(edited)
        assert (result.status, result.version) == ("updated", 2)
    latest = list(Archive(tmp_path).iter_articles())
    assert len(latest) == 1 and latest[0]["version"] == 2
    assert latest[0]["previous_hash"] and latest[0]["first_seen_at"]
    every = list(Archive(tmp_path).iter_articles(all_versions=True))
    assert sorted(r["version"] for r in every) == [1, 2]


def test_sidebar_changes_do_not_make_versions(tmp_path):
    record = make_record(2)
    with ArchiveWriter(tmp_path) as writer:
        writer.add(record)
        changed = dict(record, sidebar=[])
        assert writer.add(changed).status == "unchanged"


def test_partitions_by_site_and_month_with_undated(tmp_path):
    dated = make_record(3, site="nhandan.vn", published=datetime(2026, 3, 31, 23, 59, tzinfo=VN_TZ))
    undated = dict(make_record(4, site="nhandan.vn"), published_at=None)
    with ArchiveWriter(tmp_path) as writer:
        writer.add(dated)
        writer.add(undated)
    folders = sorted(str(p.parent.relative_to(tmp_path)) for p in iter_segments(tmp_path))
    assert folders == ["site=nhandan.vn/year=2026/month=03", "site=nhandan.vn/year=undated/month=undated"]
    archive = Archive(tmp_path)
    assert [r["id"] for r in archive.iter_articles(since="2026-03-31", until="2026-03-31")] == [dated["id"]]
    assert len(list(archive.iter_articles())) == 2  # undated only without date bounds


def test_fetch_kept_in_warc_reads_back_whole(tmp_path):
    record = make_record(5)
    html = "<html><body><h1>Tiêu đề</h1></body></html>".encode()
    fetch = Fetch(url=record["url"], body=html, headers=[("Content-Type", "text/html"), ("Content-Encoding", "gzip")],
                  fetched_at="2026-11-28T01:00:00+00:00", requested_url="http://www.x.vn/old-slug.html",
                  hints=Hints(source="sitemap", published_at="2026-11-27T08:00:00+07:00", lastmod="2026-11-28T07:00:00+07:00"))
    with ArchiveWriter(tmp_path) as writer:
        writer.add(record, fetch)
    stored = next(Archive(tmp_path).iter_articles())
    assert read_fetch(tmp_path, stored["warc_file"], stored["warc_offset"]) == fetch


def test_rejects_are_written_not_dropped(tmp_path):
    with ArchiveWriter(tmp_path, run_id="r") as writer:
        writer.reject({"url": "https://x.vn/a.html"}, "title missing")
        assert writer.counts["rejected"] == 1
    lines = (tmp_path / "rejects" / "r.jsonl").read_text(encoding="utf-8").splitlines()
    assert '"reason":"title missing"' in lines[0]


def _hold_lock(path, ready, release):
    writer = ArchiveWriter(path, run_id="holder")
    ready.set()
    release.wait(10)
    writer.close()


def test_second_writer_is_serialized_by_the_lock(tmp_path):
    ready, release = multiprocessing.Event(), multiprocessing.Event()
    holder = multiprocessing.Process(target=_hold_lock, args=(tmp_path, ready, release))
    holder.start()
    try:
        assert ready.wait(10)
        with pytest.raises(ArchiveLocked):
            ArchiveWriter(tmp_path, lock_timeout=0.2)
    finally:
        release.set()
        holder.join(10)
    with ArchiveWriter(tmp_path, lock_timeout=5) as writer:  # free again
        writer.add(make_record(6))


def test_crawl_writers_share_the_archive_and_commit_when_it_is_free(tmp_path):
    """Two crawls (of two sites) write side by side: neither holds the archive's lock between
    commits; a commit that meets maintenance holding it is deferred, not waited for."""
    first = ArchiveWriter(tmp_path, run_id="a", exclusive=False)
    second = ArchiveWriter(tmp_path, run_id="b", exclusive=False)
    first.add(make_record(1, site="qdnd.vn"))
    second.add(make_record(2, site="nhandan.vn"))
    maintenance = ArchiveWriter(tmp_path, run_id="compact", lock_timeout=1)
    # Maintenance recovered the archive: the crawls' files in progress are not leftovers.
    assert len(list(tmp_path.glob("site=*/**/.*.tmp"))) == 2
    assert first.commit(wait=False) is False
    with pytest.raises(ArchiveLocked, match="compact"):
        ArchiveWriter(tmp_path, lock_timeout=0.1)
    maintenance.close()
    assert first.commit(wait=False) and second.commit(wait=False)
    first.add(make_record(3, site="qdnd.vn"))
    first.close()
    second.close()
    expected = [make_record(1, site="qdnd.vn"), make_record(2, site="nhandan.vn"), make_record(3, site="qdnd.vn")]
    assert sorted(r["id"] for r in Archive(tmp_path).iter_articles()) == sorted(r["id"] for r in expected)
    assert not list((tmp_path / ".locks").glob("writer-*"))


def _three_runs_in_one_partition(root, runs=(0, 1, 2)) -> None:
    """Five records a run, all in qdnd.vn's May 2025: one segment a run in one partition."""
    for run in runs:
        with ArchiveWriter(root, run_id=f"run{run}") as writer:
            for i in range(5):
                writer.add(make_record(run * 10 + i, site="qdnd.vn", published=datetime(2025, 5, 5, 8, 0, tzinfo=VN_TZ)))


def test_compact_merges_segments_without_changing_content(tmp_path):
    _three_runs_in_one_partition(tmp_path)
    before = sorted(Archive(tmp_path).iter_articles(), key=lambda r: r["id"])
    assert len(list(iter_segments(tmp_path))) == 3
    with ArchiveWriter(tmp_path, run_id="compact") as writer:
        result = compact(writer)
    assert result == {"partitions": 1, "segments_removed": 3}
    assert len(list(iter_segments(tmp_path))) == 1
    assert sorted(Archive(tmp_path).iter_articles(), key=lambda r: r["id"]) == before


def test_uncommitted_files_are_invisible_and_cleaned(tmp_path):
    writer = ArchiveWriter(tmp_path, run_id="dead")
    writer.add(make_record(7))
    writer._segments[next(iter(writer._segments))].writer._out.flush()
    assert list(Archive(tmp_path).iter_articles()) == []  # nothing committed yet
    writer._lock.release()  # simulate the process dying without commit
    writer._alive.release()
    with ArchiveWriter(tmp_path) as survivor:
        assert not list(tmp_path.glob("site=*/**/.*.tmp"))
        survivor.add(make_record(8))
    assert len(list(Archive(tmp_path).iter_articles())) == 1


def test_segment_missing_from_index_is_recovered(tmp_path):
    with ArchiveWriter(tmp_path) as writer:
        writer.add(make_record(9))
    # Crash between the rename and the index transaction: the index forgets the segment.
    import sqlite3

    db = sqlite3.connect(tmp_path / "index.sqlite")
    db.execute("DELETE FROM segments")
    db.execute("DELETE FROM versions")
    db.execute("DELETE FROM articles")
    db.commit()
    db.close()
    assert list(Archive(tmp_path).iter_articles()) == []  # not before the index has it
    with ArchiveWriter(tmp_path) as writer:
        assert writer.add(make_record(9)).status == "unchanged"
    assert len(list(Archive(tmp_path).iter_articles())) == 1
    for segment in iter_segments(tmp_path):
        assert all(line.endswith(b"\n") for line in read_lines(segment))


def test_open_segments_are_capped_by_closing_the_least_recently_written(tmp_path):
    # One compressor per open partition: a backfill over many months must not hold them all, nor
    # commit (a transaction, fsyncs, new WARC files) each time it reaches a ninth month.
    from scraper.archive.writer import MAX_OPEN_SEGMENTS

    with ArchiveWriter(tmp_path) as writer:
        for n in range(36):
            record = make_record(n)
            record["published_at"] = f"2025-{n % 12 + 1:02d}-15T10:00:00+07:00"
            writer.add(record)
            assert len(writer._segments) <= MAX_OPEN_SEGMENTS
        assert writer._closed and not list(Archive(tmp_path).iter_articles())  # closed, not committed
    stored = list(Archive(tmp_path).iter_articles())
    assert len(stored) == 36 and len({r["published_at"][:7] for r in stored}) == 12


def test_compacting_again_after_new_writes_keeps_every_record(tmp_path):
    # `vngov compact` once named its merged segment after its fixed run id: the second
    # compaction of a partition wrote over the first one's file, then deleted it as "old".
    for run in range(3):
        _three_runs_in_one_partition(tmp_path, runs=[run])
        with ArchiveWriter(tmp_path, run_id="compact") as writer:
            compact(writer)
    assert len(list(iter_segments(tmp_path))) == 1
    assert len(list(Archive(tmp_path).iter_articles())) == 15


def test_a_run_id_used_again_never_replaces_a_committed_segment(tmp_path):
    published = datetime(2025, 5, 5, 8, 0, tzinfo=VN_TZ)
    first, second = make_record(1, site="qdnd.vn", published=published), make_record(2, site="qdnd.vn", published=published)
    for record in (first, second):  # `vngov reparse` twice with one parser: the same run id
        with ArchiveWriter(tmp_path, run_id="reparse-1.2.0") as writer:
            writer.add(record)
    assert len(list(iter_segments(tmp_path))) == 2
    assert sorted(r["id"] for r in Archive(tmp_path).iter_articles()) == sorted([first["id"], second["id"]])


def test_a_reader_meets_each_version_once_while_a_compaction_rewrites_its_partition(tmp_path):
    _three_runs_in_one_partition(tmp_path)
    reading = Archive(tmp_path).iter_articles()
    ids = [next(reading)["id"]]  # the partition is listed and its first segment open
    with ArchiveWriter(tmp_path, run_id="compact") as writer:
        compact(writer)  # merges the three segments and deletes them
    ids += [record["id"] for record in reading]
    assert len(ids) == len(set(ids)) == 15


def test_a_version_in_two_segments_is_read_once(tmp_path):
    # A compaction killed between renaming its merged file in and deleting its sources leaves
    # both until the next writer finishes it; a reader in between sees each version once.
    with ArchiveWriter(tmp_path, run_id="one") as writer:
        for i in range(4):
            writer.add(make_record(i, site="qdnd.vn", published=datetime(2025, 5, 5, 8, 0, tzinfo=VN_TZ)))
    (segment,) = iter_segments(tmp_path)
    shutil.copy(segment, segment.with_name("part-compact-0001-compact.jsonl.zst"))
    assert len(list(Archive(tmp_path).iter_articles())) == 4
    assert len(list(Archive(tmp_path).iter_articles(all_versions=True))) == 4


def test_a_folder_left_by_a_run_killed_before_its_first_commit_is_still_an_archive(tmp_path):
    from scraper.archive import NotAnArchive

    (tmp_path / ".locks").mkdir()
    (tmp_path / ".lock").write_text("")
    (tmp_path / "logs").mkdir()
    ArchiveWriter(tmp_path, run_id="next").close()  # accepted
    other = tmp_path / "other"
    other.mkdir()
    (other / "thesis.docx").write_bytes(b"PK")
    with pytest.raises(NotAnArchive, match="not a vngov archive"):
        ArchiveWriter(other)
