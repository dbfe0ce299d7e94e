"""`remove_articles` (`vngov reparse --remove-rejected`): every version of the named articles
leaves the archive's segments, so that no reader sees them, and is kept with its reason."""
import json
from datetime import datetime

import orjson
import pytest

from scraper.archive import Archive, ArchiveWriter
from scraper.archive import compact as rewriting
from scraper.archive import index as archive_index
from scraper.archive.codec import read_lines
from scraper.archive.compact import remove_articles
from scraper.archive.layout import iter_segments
from scraper.parsing.dates import VN_TZ

from .records import make_record

MAY = datetime(2025, 5, 5, 8, 0, tzinfo=VN_TZ)
JUNE = datetime(2025, 6, 6, 8, 0, tzinfo=VN_TZ)


def _archive(root):
    """Two runs in May (a list page archived twice, as two versions, beside two articles) and
    one in June, where a second list page is alone in its segment."""
    listed, kept = make_record(1, site="qdnd.vn", published=MAY), make_record(2, site="qdnd.vn", published=MAY)
    alone = make_record(3, site="qdnd.vn", published=JUNE)
    later = make_record(4, site="qdnd.vn", published=MAY)
    with ArchiveWriter(root, run_id="one") as writer:
        writer.add(listed)
        writer.add(kept)
        writer.add(alone)
    with ArchiveWriter(root, run_id="two") as writer:
        writer.add(dict(listed, body_text=listed["body_text"] + "\n\nTin mới nhất"))
        writer.add(later)
    return listed["id"], alone["id"], {kept["id"], later["id"]}


def _raw_ids(root) -> list[str]:
    """Ids as a reader without our code sees them: every line of every segment."""
    return [orjson.loads(line)["id"] for path in iter_segments(root) for line in read_lines(path)]


def _assert_index_matches_files(root) -> None:
    connection = archive_index.connect(root, readonly=True)
    try:
        versions = connection.execute("SELECT id, version, segment, line FROM versions").fetchall()
        segments = {row[0]: row[1] for row in connection.execute("SELECT path, records FROM segments")}
        articles = {row[0] for row in connection.execute("SELECT id FROM articles")}
    finally:
        connection.close()
    files = {str(path.relative_to(root)): [orjson.loads(line) for line in read_lines(path)] for path in iter_segments(root)}
    assert {path: len(lines) for path, lines in files.items()} == segments
    for article_id, version, segment, line in versions:
        record = files[segment][line]
        assert (record["id"], record["version"]) == (article_id, version)
    assert articles == {article_id for article_id, _, _, _ in versions}
    assert sum(len(lines) for lines in files.values()) == len(versions)


def test_removed_articles_leave_every_reader_and_are_kept_with_their_reason(tmp_path):
    listed, alone, kept = _archive(tmp_path)
    reasons = {listed: "not an article: page lists articles", alone: "not an article: home page"}
    with ArchiveWriter(tmp_path, run_id="reparse-x") as writer:
        assert remove_articles(writer, reasons) == 3  # two versions and one
    assert {r["id"] for r in Archive(tmp_path).iter_articles()} == kept
    assert {r["id"] for r in Archive(tmp_path).iter_articles(all_versions=True)} == kept
    assert sorted(_raw_ids(tmp_path)) == sorted(kept)
    assert Archive(tmp_path).duckdb().count("*").fetchall()[0][0] == 2
    assert not list(tmp_path.glob("site=qdnd.vn/year=2025/month=06/part-*"))  # no empty segment left
    assert not list(tmp_path.glob("site=*/**/.*.tmp"))
    _assert_index_matches_files(tmp_path)
    kept_lines = [json.loads(line) for line in (tmp_path / "removed" / "reparse-x.jsonl").read_text("utf-8").splitlines()]
    assert sorted((e["record"]["id"], e["record"]["version"], e["reason"]) for e in kept_lines) == sorted(
        [(listed, 1, reasons[listed]), (listed, 2, reasons[listed]), (alone, 1, reasons[alone])])
    with ArchiveWriter(tmp_path, run_id="after") as writer:  # the archive goes on as before
        assert writer.add(make_record(5, site="qdnd.vn", published=MAY)).status == "new"
    _assert_index_matches_files(tmp_path)


def test_a_removal_killed_after_its_journal_entry_is_finished_by_the_next_writer(tmp_path, monkeypatch):
    listed, alone, kept = _archive(tmp_path)
    def die(root, db, payload):
        raise KeyboardInterrupt  # the process stops between the journal entry and the swap

    monkeypatch.setattr(rewriting, "finish_rewrite", die)
    writer = ArchiveWriter(tmp_path, run_id="dies")
    with pytest.raises(KeyboardInterrupt):
        remove_articles(writer, {listed: "not an article"})
    writer.abort()
    monkeypatch.undo()
    with ArchiveWriter(tmp_path, run_id="next"):
        pass  # recovery replays the journal
    assert {r["id"] for r in Archive(tmp_path).iter_articles(all_versions=True)} == kept | {alone}
    assert listed not in _raw_ids(tmp_path)
    _assert_index_matches_files(tmp_path)
