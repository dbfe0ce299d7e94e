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


def test_csv_opens_in_excel_and_in_pandas(small_archive, tmp_path):
    """UTF-8 with a byte-order mark: how Excel knows the file is UTF-8 (without one it reads the
    system's code page and garbles every Vietnamese letter). pandas takes the mark as it is."""
    pd = pytest.importorskip("pandas")
    out = tmp_path / "march.csv"
    assert vngov("export", "--archive", str(small_archive), "-o", str(out)).returncode == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbfid,site,url,")
    frame = pd.read_csv(out)
    assert list(frame.columns[:2]) == ["id", "site"] and len(frame) == 3
    assert frame["title"].str.contains("Thủ tướng|Quốc hội|Bộ Ngoại giao").all()
    plain = tmp_path / "plain.csv"
    assert vngov("export", "--archive", str(small_archive), "-o", str(plain), "--no-bom").returncode == 0
    assert plain.read_bytes().startswith(b"id,site,url,")


def test_every_command_and_option_has_help_and_the_top_level_help_says_where_to_start():
    import argparse

    from scraper.cli import build_parser

    parser = build_parser()
    missing = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name, sub in action.choices.items():
                if not helps.get(name):
                    missing.append(name)
                missing += [f"{name} {a.option_strings or a.dest}" for a in sub._actions if not a.help]
    assert missing == []
    text = vngov("--help").stdout
    assert text.split("\n\n")[1].startswith("vngov archives what Vietnamese government")
    assert "vngov demo" in text and "Exit statuses:" in text


def test_ctrl_c_during_an_export_exits_130_with_one_line_and_leaves_no_file(tmp_path):
    import os
    import signal
    import time

    from scraper.archive import ArchiveWriter
    from tests.archive.records import make_record

    from scraper.items import article_id

    base = make_record(0, body_words=400)
    with ArchiveWriter(tmp_path / "archive") as writer:
        for index in range(8000):  # one article's text under many URLs: quick to write
            url = f"https://nhandan.vn/bai-viet-so-{index}-post{index}.html"
            writer.add(dict(base, url=url, canonical_url=url, id=article_id(url)))
    out = tmp_path / "all.jsonl"
    # A query that matches nothing: every record is read and searched (a second or more), while
    # the output file is already open under its hidden name.
    process = subprocess.Popen([sys.executable, "-m", "scraper", "export", "--archive", str(tmp_path / "archive"),
                                "-o", str(out), "--quiet", "--query", "khong co tu nay"], stderr=subprocess.PIPE,
                               text=True, cwd=REPO)
    partial = tmp_path / ".all.jsonl.partial"
    deadline = time.monotonic() + 60
    while not partial.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    assert process.poll() is None, "the export ended before it could be interrupted"
    os.kill(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130 and stderr == "vngov export: interrupted\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["archive"]


def test_the_main_job_needs_no_extra_and_what_does_names_it(small_archive, tmp_path):
    """Crawling and exporting to JSON Lines and CSV import none of the analysis or test
    packages; Archive.to_pandas() without pandas says which extra brings it, in one line."""
    blocked = ("pandas", "pyarrow", "polars", "pyspark", "duckdb", "trafilatura", "pytest")
    code = ("import sys\n"
            f"for name in {blocked!r}: sys.modules[name] = None\n"
            "from scraper.cli import main\n"
            f"assert main(['export', '--archive', {str(small_archive)!r}, '-o', {str(tmp_path / 'a.csv')!r}]) == 0\n"
            f"assert main(['export', '--archive', {str(small_archive)!r}, '-o', {str(tmp_path / 'a.jsonl')!r}]) == 0\n"
            "from scraper.archive import Archive\n"
            f"Archive({str(small_archive)!r}).to_pandas()\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert result.stderr.strip().splitlines()[-1] == (
        "scraper.extras.MissingExtra: Archive.to_pandas() needs pandas: pip install 'vngov[analysis]'")
    assert (tmp_path / "a.csv").exists() and (tmp_path / "a.jsonl").exists()
    tomllib = pytest.importorskip("tomllib")
    declared = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    assert not [d for d in declared if d.split(">")[0].split("[")[0] in blocked]


@pytest.mark.parametrize("args, message", [
    (["crawl", "nhandan.vn", "--redis", "http://127.0.0.1:6379/0"], "--redis 'http://127.0.0.1:6379/0' is not a Redis URL"),
    (["crawl", "nhandan.vn", "--redis", "redis://127.0.0.1:99999/0"], "--redis 'redis://127.0.0.1:99999/0' is not a Redis URL"),
    (["crawl", "nhandan.vn", "--redis", "redis://127.0.0.1:6379/x"], "--redis 'redis://127.0.0.1:6379/x' is not a Redis URL"),
    (["crawl", "nhandan.vn", "--idle-close", "5"], "--idle-close 5.0 needs --redis"),
    (["crawl", "nhandan.vn", "--redis", "redis://h:6379/0", "--archive", "{tmp}"], "--archive do not apply to a worker"),
    (["archiver", "--redis", "redis:/", "--archive", "{tmp}"], "--redis 'redis:/' is not a Redis URL"),
    (["archiver", "--redis", "redis://h:6379/0", "--archive", str(FIXTURE)], "not a vngov archive"),
    (["archiver", "--redis", "redis://h:6379/0", "--idle-exit", "-1"], "--idle-exit -1.0 must not be negative"),
])
def test_scale_out_mistakes_are_one_line_usage_errors(tmp_path, args, message):
    args = [arg.replace("{tmp}", str(tmp_path)) for arg in args]
    result = subprocess.run([sys.executable, "-m", "scraper", *args], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 2 and message in result.stderr and result.stderr.count("\n") == 1, result.stderr


def test_an_unreachable_redis_is_one_line_and_status_69(tmp_path):
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        url = f"redis://127.0.0.1:{probe.getsockname()[1]}/0"
    for args in (["crawl", "nhandan.vn", "--redis", url], ["archiver", "--redis", url, "--archive", str(tmp_path)]):
        result = subprocess.run([sys.executable, "-m", "scraper", *args], cwd=REPO, capture_output=True, text=True)
        assert result.returncode == 69 and f"cannot reach Redis at {url}" in result.stderr, result.stderr
        assert result.stderr.count("\n") == 1
