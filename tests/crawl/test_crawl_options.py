"""Backfill bounds, caps, the generic start-URL crawl, the demo and crawl usage errors."""
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta

import pytest

from scraper.archive import Archive
from scraper.runs import RunLock
from scraper.mirror import MirrorServer, MirrorSite
from scraper.parsing.dates import VN_TZ

from .helpers import REPO, crawl

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def mirror():
    newest = datetime(2026, 11, 10, 8, 0, tzinfo=VN_TZ)
    site = MirrorSite("nhandan.vn", 60, seed=5, newest=newest, spacing=timedelta(hours=12))
    with MirrorServer([site]) as server:
        yield site, server


def test_since_until_bound_a_backfill(mirror, tmp_path):
    site, server = mirror
    crawl(tmp_path / "a", server.url, ["nhandan.vn"], "--since", "2026-11-01", "--until", "2026-11-05")
    stored = list(Archive(tmp_path / "a").iter_articles())
    expected = [a for a in site.articles if "2026-11-01" <= a.published.date().isoformat() <= "2026-11-05"]
    assert stored and len(stored) == len(expected)
    assert all("2026-11-01" <= r["published_at"][:10] <= "2026-11-05" for r in stored)
    # With --fast the parse worker encoded each page's WARC record beside its record.
    _assert_snapshots_are_the_pages(site, tmp_path / "a", stored)


def test_max_articles_caps_a_run(mirror, tmp_path):
    site, server = mirror
    crawl(tmp_path / "b", server.url, ["nhandan.vn"], "--max-articles", "7")
    assert len(list(Archive(tmp_path / "b").iter_articles())) == 7


def test_full_ignores_incremental_state(mirror, tmp_path):
    site, server = mirror
    crawl(tmp_path / "c", server.url, ["nhandan.vn"], "--max-articles", "5")
    server.reset_hits()
    crawl(tmp_path / "c", server.url, ["nhandan.vn"], "--full", "--max-articles", "5")
    fetched = {h[1] for h in server.hits if "-post" in h[1]}
    assert len(fetched) == 5  # the same five again, stored as unchanged
    assert len(list(Archive(tmp_path / "c").iter_articles(all_versions=True))) == 5


def test_generic_crawl_from_a_start_url(mirror, tmp_path):
    site, server = mirror
    crawl(tmp_path / "d", server.url, [], "--start-url", "https://nhandan.vn/chinhtri/", "--allow-domain", "nhandan.vn")
    stored = {r["url"] for r in Archive(tmp_path / "d").iter_articles()}
    assert stored == set(site.article_urls())  # followed "Trang sau" to the last page


def test_demo_builds_an_archive_offline(tmp_path):
    result = subprocess.run([sys.executable, "-m", "scraper", "demo", "--archive", str(tmp_path / "demo"),
                             "--articles", "15"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "45 articles" in result.stdout and "-m scraper export --archive" in result.stdout
    assert len(list(Archive(tmp_path / "demo").iter_articles())) == 45
    # Re-parsed with the parser that wrote it, the demo archive gains no version.
    again = subprocess.run([sys.executable, "-m", "scraper", "reparse", "--archive", str(tmp_path / "demo")],
                           cwd=REPO, capture_output=True, text=True, timeout=300)
    assert "re-parsed 45 articles" in again.stdout and ": 0 new versions, 0 rejected now" in again.stdout


@pytest.mark.parametrize("args,message", [
    (["nope.vn"], "unknown site 'nope.vn'"),
    ([], "name at least one site"),
    (["nhandan.vn", "--since", "2026-13-01"], "--since '2026-13-01' is not a date"),
    (["nhandan.vn", "--max-articles", "0"], "--max-articles 0 must be at least 1"),
    (["nhandan.vn", "--set", "lowercase"], "--set 'lowercase' is not SETTING=VALUE"),
    (["nhandan.vn", "--since", "2026-02-01", "--until", "2026-01-01"], "--since 2026-02-01 is after --until 2026-01-01"),
    (["nhandan.vn", "--log-level", "loud"], "argument --log-level: invalid choice: 'LOUD'"),
    (["nhandan.vn", "--wait", "-1"], "--wait -1.0 must not be negative"),
    (["nhandan.vn", "--mirror", "http://"], "--mirror 'http://' must be an http:// URL with a host"),
    (["nhandan.vn", "--mirror", "http://127.0.0.1:70000"], "(and a port up to 65535)"),
    (["nhandan.vn", "--mirror", "ftp://127.0.0.1:8765"], "must be an http:// URL"),
])
def test_crawl_usage_errors(args, message, tmp_path):
    result = subprocess.run([sys.executable, "-m", "scraper", "crawl", *args, "--archive", str(tmp_path)],
                            cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 2 and message in result.stderr and result.stderr.count("\n") == 1


@pytest.mark.parametrize("command", [["crawl", "nhandan.vn"], ["compact"], ["reparse"], ["stats"], ["runs"]])
def test_a_folder_of_other_files_is_never_taken_for_an_archive(command, tmp_path):
    (tmp_path / "thesis.docx").write_bytes(b"PK\x03\x04")
    result = subprocess.run([sys.executable, "-m", "scraper", *command, "--archive", str(tmp_path)],
                            cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 2 and "not a vngov archive" in result.stderr and result.stderr.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thesis.docx"]  # nothing written there


def test_a_run_id_names_files_inside_the_archive_only(tmp_path):
    archive = tmp_path / "a" / "archive"
    result = subprocess.run([sys.executable, "-m", "scraper", "crawl", "nhandan.vn", "--archive", str(archive),
                             "--mirror", "http://127.0.0.1:1", "--set", "VNGOV_RUN_ID=../../../escaped",
                             "--set", "RETRY_TIMES=0", "--log-file", "-"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 4, result.stderr
    assert sorted(p.name for p in tmp_path.rglob("*") if "escaped" in p.name) == [
        "escaped-nhandan.vn.json", "escaped-nhandan.vn.txt"]
    assert all(p.parent == archive / "reports" for p in tmp_path.rglob("*escaped*"))


def test_plain_scrapy_crawl_command(mirror, tmp_path):
    site, server = mirror
    command = [sys.executable, "-m", "scrapy", "crawl", "nhandan.vn", "-a", "since=2026-11-08",
               "-s", f"VNGOV_MIRROR={server.url}", "-s", f"VNGOV_ARCHIVE={tmp_path / 'e'}",
               "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "LOG_LEVEL=WARNING"]
    for _ in range(2):  # each run its own id: the second's report does not replace the first's
        result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr[-3000:]
    reports = [json.loads(p.read_text()) for p in (tmp_path / "e" / "reports").glob("*.json")]
    assert len(reports) == 2 and len({r["run_id"] for r in reports}) == 2
    stored = list(Archive(tmp_path / "e").iter_articles())
    assert stored and all(r["published_at"][:10] >= "2026-11-08" for r in stored)
    assert len(stored) == sum(1 for a in site.articles if a.published.date().isoformat() >= "2026-11-08")
    # Parsed in process, the page's WARC record encoded by the store pipeline's thread.
    _assert_snapshots_are_the_pages(site, tmp_path / "e", stored)
    # The run lock holds under `scrapy crawl` too: a run of a site another run holds stops at once.
    holder = RunLock(tmp_path / "e", "nhandan.vn", "the-other-run")
    holder.acquire()
    hits = len(server.hits)
    try:
        result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    finally:
        holder.release()
    assert result.returncode == 0 and "is being crawled into" in result.stderr and "by run the-other-run" in result.stderr
    assert len(server.hits) == hits  # nothing fetched
    latest = max((tmp_path / "e" / "reports").glob("*.json"), key=lambda p: p.stat().st_mtime)
    assert json.loads(latest.read_text())["finish_reason"] == "locked"


def _assert_snapshots_are_the_pages(site, archive, stored):
    from scraper.archive.warc import read_fetch

    bodies = {f"https://{site.host}{a.path}": site.render(a.path).body for a in site.articles}
    for record in stored:
        snapshot = read_fetch(archive, record["warc_file"], record["warc_offset"])
        assert snapshot.url == record["url"] and snapshot.body == bodies[record["url"]]


def test_demo_never_writes_into_the_archive_named_by_the_environment(tmp_path):
    real = tmp_path / "real-archive"
    real.mkdir()
    env = dict(os.environ, VNGOV_ARCHIVE=str(real), PYTHONPATH=str(REPO))
    result = subprocess.run([sys.executable, "-m", "scraper", "demo", "--articles", "3"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert not any(real.iterdir()) and len(list(Archive(tmp_path / "data" / "demo-archive").iter_articles())) == 9


def test_vngov_mirror_serves_the_bundled_sites_until_ctrl_c():
    import signal
    import urllib.request

    server = subprocess.Popen([sys.executable, "-m", "scraper", "mirror", "--port", "0", "--articles", "5"], cwd=REPO,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = server.stdout.readline()
        url = first.split(" at ")[1].split()[0]
        request = urllib.request.Request(url + "/robots.txt", headers={"Host": "nhandan.vn"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200 and b"Disallow" in response.read()
        assert "--mirror " + url in server.stdout.readline()
    finally:
        server.send_signal(signal.SIGINT)
    assert server.wait(30) == 0 and "Traceback" not in server.stderr.read()
