"""Article history for analysts: the versions of an article and what changed (word diffs on
real-shaped records), the edits and withdrawals of a period (`vngov changes`), exports that say
which articles were withdrawn, and the coverage report; on the archive `vngov demo` writes, whose
second pass edits six articles and withdraws one."""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import html as lxml_html

from scraper.archive.history import body_diff, compare, word_diff

REPO = Path(__file__).resolve().parents[2]


def test_word_diff_marks_what_changed_and_shortens_what_did_not():
    before = ("Chiều 11/10, Ban Chỉ đạo tổ chức hội nghị toàn quốc về công tác thông tin đối ngoại với hơn "
              "2000 điểm cầu và 10 vạn đại biểu tham dự.")
    after = before.replace("2000 điểm cầu", "2.500 điểm cầu").replace("10 vạn", "12 vạn")
    # The sixteen words before the first change shrink to their last eight.
    assert word_diff(before, after) == ("… công tác thông tin đối ngoại với hơn [-2000-] {+2.500+} điểm cầu và "
                                        "[-10-] {+12+} vạn đại biểu tham dự.")


def test_body_diff_numbers_changed_added_and_removed_paragraphs():
    before = "Đoạn một giữ nguyên.\n\nĐoạn hai có số liệu 15%.\n\nĐoạn ba bị gỡ."
    after = "Đoạn một giữ nguyên.\n\nĐoạn hai có số liệu 17%.\n\nĐoạn bốn mới thêm."
    assert body_diff(before, after) == ["¶2: Đoạn hai có số liệu [-15%.-] {+17%.+}",
                                        "¶3: Đoạn [-ba bị gỡ.-] {+bốn mới thêm.+}"]
    assert body_diff(before, before + "\n\nĐoạn cuối.") == ["¶4 added: Đoạn cuối."]
    assert body_diff(before, "Đoạn một giữ nguyên.") == ["removed (was ¶2): Đoạn hai có số liệu 15%.",
                                                         "removed (was ¶3): Đoạn ba bị gỡ."]


def test_compare_names_each_changed_field_once():
    old = {"title": "Thủ tướng chủ trì họp", "author": "PV", "tags": ["kinh tế", "đầu tư"], "body_text": "A.\n\nB.",
           "sapo": None, "published_at": "2026-10-11T15:20:00+07:00"}
    new = {**old, "title": "Thủ tướng chủ trì họp Chính phủ", "author": None, "tags": ["kinh tế", "ngân sách"],
           "sapo": ""}
    changes = {c.field: c for c in compare(old, new)}
    assert list(changes) == ["title", "author", "tags"]  # sapo None -> "" is no change
    assert (changes["tags"].before, changes["tags"].after) == (["đầu tư"], ["ngân sách"])


def _vngov(*args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "scraper", *args], cwd=cwd, capture_output=True, text=True,
                            timeout=300, env={**os.environ, "PYTHONPATH": str(REPO)})
    if check:
        assert result.returncode == 0, result.stderr[-3000:]
    return result


@pytest.fixture
def demo(demo_folder) -> Path:
    return demo_folder


@pytest.mark.slow
def test_changes_lists_the_demos_edits_and_withdrawal_and_exports_them(demo):
    rows = [json.loads(line) for line in _vngov("changes", "--archive", "data/demo-archive", cwd=demo).stdout.splitlines()]
    assert sorted(row["kind"] for row in rows) == ["edited"] * 6 + ["withdrawn"]
    edited = [row for row in rows if row["kind"] == "edited"]
    assert all(row["fields"] == "title,updated_at,body_text" and row["version"] == 2 for row in edited)
    gone = next(row for row in rows if row["kind"] == "withdrawn")
    assert gone["detail"] == "the article's URL answers 410 Gone" and gone["title"]
    _vngov("changes", "--archive", "data/demo-archive", "--site", "nhandan.vn", "-o", "edits.csv", cwd=demo)
    with open(demo / "edits.csv", encoding="utf-8-sig", newline="") as handle:
        assert [row["site"] for row in csv.DictReader(handle)] == ["nhandan.vn"] * 2
    # Nothing was seen changing before the demo ran.
    assert _vngov("changes", "--archive", "data/demo-archive", "--to", "2020-01-01", cwd=demo).stdout == ""


@pytest.mark.slow
def test_history_shows_every_version_with_a_word_diff(demo):
    changes = [json.loads(line) for line in _vngov("changes", "--archive", "data/demo-archive", cwd=demo).stdout.splitlines()]
    url = next(change["url"] for change in changes if change["kind"] == "edited")  # seen beside the withdrawal
    text = _vngov("history", "--archive", "data/demo-archive", url, cwd=demo).stdout
    assert "version 1" in text and "(edit: title, updated_at, body_text)" in text
    assert "{+Thông tin được cập nhật lần thứ 1.+}" in text and "{+(cập nhật lần 1)+}" not in text
    data = json.loads(_vngov("history", "--archive", "data/demo-archive", url, "--json", cwd=demo).stdout)
    assert [v["version"] for v in data["versions"]] == [1, 2] and data["versions"][1]["edit"] is True
    missing = _vngov("history", "--archive", "data/demo-archive", "https://nhandan.vn/khong-co-post1.html", cwd=demo,
                     check=False)
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1 and "no article with the id or URL" in missing.stderr


@pytest.mark.slow
def test_exports_include_exclude_or_mark_withdrawn_articles(demo):
    def rows(*extra):
        out = _vngov("export", "--archive", "data/demo-archive", *extra, cwd=demo).stdout
        return [json.loads(line) for line in out.splitlines()]

    everything, only = rows(), rows("--withdrawn", "only")
    assert len(everything) == 60 and len(only) == 1
    assert len(rows("--withdrawn", "exclude")) == 59
    marked = rows("--fields", "id,withdrawn_at")
    assert [row["id"] for row in marked if row["withdrawn_at"]] == [only[0]["id"]]


@pytest.mark.slow
def test_the_report_is_one_offline_page_whose_figures_are_the_stats(demo):
    _vngov("report", "--archive", "data/demo-archive", "-o", "report.html", cwd=demo)
    stats = json.loads(_vngov("stats", "--archive", "data/demo-archive", "--json", cwd=demo).stdout)
    page = (demo / "report.html").read_text(encoding="utf-8")
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org", "")  # nothing to fetch
    tree = lxml_html.fromstring(page)
    assert int(tree.body.get("data-articles")) == stats["articles"]
    for site, data in stats["sites"].items():
        section = tree.xpath(f"//section[@data-site='{site}']")[0]
        assert int(section.get("data-articles")) == data["articles"]
        bars = {rect.get("data-month"): int(rect.get("data-count"))
                for rect in section.xpath(".//svg[@data-chart='articles-per-month']/rect")}
        assert {month: count for month, count in bars.items() if count} == data["per_month"]
        changes = section.xpath(".//tr[@data-month]")
        assert sum(int(row.get("data-edits")) for row in changes) == data["edited_articles"]
        assert section.xpath(".//svg[@data-chart='coverage-per-run']/circle")  # two runs' coverage
    assert sum(int(row.get("data-withdrawals")) for row in tree.xpath("//tr[@data-month]")) == 1
    assert len(tree.xpath("//h2[text()='Latest runs']/following-sibling::table[1]//tr")) == 1 + 6  # 2 runs x 3 sites
    again = _vngov("report", "--archive", "data/demo-archive", "-o", "report.html", cwd=demo, check=False)
    assert again.returncode == 2 and "use --force" in again.stderr


def test_an_archive_from_before_history_was_kept_reads_as_having_none(tmp_path):
    """An index written before the `events` and `runs` tables existed (read without writing to
    it): no history, no runs, and no error."""
    import sqlite3

    from scraper.archive import ArchiveWriter
    from tests.archive.records import make_record

    with ArchiveWriter(tmp_path / "old") as writer:
        for index in range(3):
            writer.add(make_record(index))
    with sqlite3.connect(tmp_path / "old" / "index.sqlite") as db:
        db.execute("DROP TABLE events")
        db.execute("DROP TABLE runs")
    assert _vngov("changes", "--archive", str(tmp_path / "old"), cwd=REPO).stdout == ""
    figures = json.loads(_vngov("report", "--archive", str(tmp_path / "old"), "--json", cwd=REPO).stdout)
    assert figures["articles"] == 3 and figures["latest_runs"] == []
    with sqlite3.connect(tmp_path / "old" / "index.sqlite") as db:  # read, never changed
        assert not db.execute("SELECT name FROM sqlite_master WHERE name IN ('events', 'runs')").fetchall()
