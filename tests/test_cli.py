import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURE = Path(__file__).parent / "parsing" / "fixtures" / "detail_family" / "page.html"
REPO = Path(__file__).resolve().parents[1]


def vngov(*args, env=None):
    return subprocess.run([sys.executable, "-m", "scraper", *args], capture_output=True, text=True, env=env)


def test_parse_prints_one_utf8_record():
    url = "https://baochinhphu.vn/thu-tuong-chu-tri-hoi-nghi-truc-tuyen-102260305153412345.htm"
    result = vngov("parse", str(FIXTURE), "--url", url, "--compact")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.strip().splitlines()) == 1
    record = json.loads(result.stdout)
    assert record["title"] == "Thủ tướng chủ trì hội nghị trực tuyến với các địa phương"
    assert "Thủ tướng" in result.stdout  # not ASCII-escaped


def test_parse_missing_file_is_a_usage_error():
    result = vngov("parse", "no/such/page.html")
    assert result.returncode == 2
    assert result.stderr.strip() == "vngov parse: no such file: no/such/page.html"


def test_parse_with_a_malformed_url_is_a_usage_error():
    result = vngov("parse", str(FIXTURE), "--url", "http://[baochinhphu.vn/a.htm")
    assert result.returncode == 2
    assert result.stderr.strip() == "vngov parse: --url 'http://[baochinhphu.vn/a.htm' is not an http(s) URL"


def test_sites_lists_profiles_with_verified_flag():
    result = vngov("sites")
    assert result.returncode == 0
    line = next(l for l in result.stdout.splitlines() if l.startswith("baochinhphu.vn"))
    assert " yes " in line
    assert any(l.startswith("qdnd.vn") and " no " in l for l in result.stdout.splitlines())


def test_eval_on_missing_corpus_is_a_usage_error(tmp_path):
    result = vngov("eval", str(tmp_path))
    assert result.returncode == 2 and "no gold.jsonl" in result.stderr


def test_argument_mistakes_are_one_line_and_status_2():
    for args in (["export", "--bogus"], ["crawl", "--max-articles", "x"], ["nosuchcommand"]):
        result = vngov(*args)
        assert result.returncode == 2
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_version():
    result = vngov("--version")
    assert result.returncode == 0 and result.stdout.strip() == "vngov 0.1.0"


@pytest.fixture
def small_archive(tmp_path):
    from scraper.archive import ArchiveWriter
    from tests.archive.records import make_record

    with ArchiveWriter(tmp_path / "archive") as writer:
        for index in range(3):
            writer.add(make_record(index))
    return tmp_path / "archive"


@pytest.mark.parametrize("args, message", [
    (["-o", "{tmp}/march.csv", "--format", "jsonl"], "--format jsonl does not match the output's extension"),
    (["-o", "{tmp}/march.txt"], "cannot tell the format of"),
    (["--fields", "Title,url"], "unknown field 'Title'; fields are: id, "),
    (["-o", "{tmp}/no/such/folder/out.jsonl"], "the output's folder does not exist"),
    (["-o", "{tmp}"], "the output is a folder"),
    (["--form", "csv"], "unrecognized arguments: --form csv"),  # no abbreviations
])
def test_export_mistakes_are_usage_errors_and_leave_nothing(small_archive, tmp_path, args, message):
    args = [arg.replace("{tmp}", str(tmp_path)) for arg in args]
    result = subprocess.run([sys.executable, "-m", "scraper", "export", "--archive", str(small_archive), *args],
                            cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 2 and message in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["archive"]


def test_export_format_follows_the_extension(small_archive, tmp_path):
    out = tmp_path / "march.csv"
    result = subprocess.run([sys.executable, "-m", "scraper", "export", "--archive", str(small_archive), "-o", str(out)],
                            cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    from scraper.schema import CSV_DEFAULT_FIELDS

    rows = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0] == CSV_DEFAULT_FIELDS and len(rows) == 4


def test_a_path_that_is_not_an_archive_is_an_error_in_the_python_api(tmp_path):
    from scraper.archive import Archive
    from scraper.archive.layout import NotAnArchive

    with pytest.raises(NotAnArchive, match="not a vngov archive"):
        list(Archive(tmp_path / "typo").iter_articles())
