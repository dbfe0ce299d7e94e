"""Runs nobody watches: a run lock per archive and site, exit statuses a scheduler can act on,
and reports that count what went wrong on the network and in our own code."""
import json
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from scrapy.settings import Settings
from twisted.python.failure import Failure

from scraper.archive import Archive
from scraper.crawl import EXIT_DRIFT, EXIT_INTERRUPTED, EXIT_LOCKED, EXIT_SITE_FAILED, SiteOutcome, exit_status
from scraper.mirror import MirrorServer, MirrorSite
from scraper.vietnam import VN_TZ
from scraper.report import RunReport
from scraper.runs import RunLock, SiteLocked

from .helpers import REPO, article_hits, crawl, crawl_command

FAST_FAIL = ["--set", "RETRY_TIMES=0", "--set", "DOWNLOAD_DELAY=0", "--set", "AUTOTHROTTLE_ENABLED=0"]


def _site(ok: int = 0, network=None, http=None, failed=None, given_up: int = 0) -> dict:
    return {"pages_fetched": ok + sum((http or {}).values()), "pages_ok": ok, "network_errors": network or {},
            "http_errors": http or {}, "failed_in_code": failed or {}, "requests_given_up": given_up}


@pytest.mark.parametrize("outcomes, status", [
    ({"a": SiteOutcome("a", "finished", {"a": _site(40)})}, 0),
    ({"a": SiteOutcome("a", "finished", {"a": _site(0, {"connection": 16})})}, EXIT_SITE_FAILED),
    ({"a": SiteOutcome("a", "finished", {})}, EXIT_SITE_FAILED),  # nothing at all
    ({"a": SiteOutcome("a", "finished", {"a": _site(3, {"timeout": 20}, {"503": 8}, given_up=7)})}, EXIT_SITE_FAILED),
    # Retries that worked in the end (a 429 first, then the page) are no failure.
    ({"a": SiteOutcome("a", "finished", {"a": _site(30, {"timeout": 5}, {"429": 19, "404": 9}, given_up=1)})}, 0),
    ({"a": SiteOutcome("a", "finished", {"a": _site(0, http={"403": 4})})}, EXIT_SITE_FAILED),
    ({"a": SiteOutcome("a", "shutdown", {"a": _site(0)})}, EXIT_INTERRUPTED),  # not judged: it stopped
    ({"a": SiteOutcome("a", "shutdown", {"a": _site(5)}),
      "b": SiteOutcome("b", "finished", {"b": _site(0, {"dns": 4})})}, EXIT_SITE_FAILED),
    ({"a": SiteOutcome("a", "finished", {"a": _site(40, failed={"KeyError": 1})}),
      "b": SiteOutcome("b", "finished", {"b": _site(0)})}, 1),  # our own bug first
])
def test_exit_status_says_the_worst_that_happened(outcomes, status):
    assert exit_status(outcomes) == status


def test_pipeline_exceptions_count_as_our_code_failing():
    crawler = SimpleNamespace(settings=Settings({"VNGOV_RUN_ID": "r"}), stats=SimpleNamespace(get_stats=dict),
                              spider=SimpleNamespace(name="nhandan.vn", site="nhandan.vn"),
                              signals=SimpleNamespace(connect=lambda *a, **k: None))
    report = RunReport.from_crawler(crawler)
    try:
        raise OSError("No space left on device")
    except OSError:
        failure = Failure()
    report.item_error(SimpleNamespace(record={"site": "nhandan.vn"}), None, None, failure)
    assert report.build("finished")["sites"]["nhandan.vn"]["failed_in_code"] == {"OSError": 1}


def test_a_held_lock_names_its_run_and_a_killed_holder_frees_it(tmp_path):
    first = RunLock(tmp_path, "nhandan.vn", "run-1")
    first.acquire()
    with pytest.raises(SiteLocked, match=r"nhandan.vn is being crawled into .* by run run-1 \(pid \d+"):
        RunLock(tmp_path, "nhandan.vn", "run-2").acquire(wait=0.3)
    RunLock(tmp_path, "qdnd.vn", "run-2").acquire()  # another site: no wait
    first.release()
    RunLock(tmp_path, "nhandan.vn", "run-2").acquire()
    # A holder killed with SIGKILL leaves the file but not the lock.
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from scraper.runs import RunLock; "
                               f"lock = RunLock({str(tmp_path)!r}, 'baochinhphu.vn', 'killed'); lock.acquire(); "
                               "print('held', flush=True); time.sleep(60)"],
                              cwd=REPO, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    with pytest.raises(SiteLocked, match="run killed"):
        RunLock(tmp_path, "baochinhphu.vn", "next").acquire()
    holder.kill()
    holder.wait()
    RunLock(tmp_path, "baochinhphu.vn", "next").acquire()


@pytest.mark.slow
def test_an_unreachable_site_fails_the_run_with_one_line(tmp_path):
    result = crawl(tmp_path, "http://127.0.0.1:1", ["nhandan.vn"], *FAST_FAIL, status=EXIT_SITE_FAILED)
    assert "vngov crawl: nhandan.vn failed: no page fetched (connection errors" in result.stderr
    report = json.loads(next((tmp_path / "reports").glob("*.json")).read_text())
    assert report["sites"]["nhandan.vn"]["pages_fetched"] == 0
    # robots.txt could not be read: nothing else of the site was tried (RFC 9309).
    assert report["sites"]["nhandan.vn"]["network_errors"]["connection"] >= 1
    assert "robots.txt of nhandan.vn could not be read" in result.stderr


def _slow_crawl(archive, server, delay: float, site: str = "nhandan.vn", *extra: str) -> subprocess.Popen:
    """`vngov crawl SITE` in the background, one request at a time, `delay` apart."""
    slow = ["--set", f"DOWNLOAD_DELAY={delay}", "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=1", *extra]
    return subprocess.Popen(crawl_command(archive, server.url, [site], *slow), cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _maintenance(archive) -> subprocess.Popen:
    """A process holding the archive's lock as `vngov compact` does, until its stdin closes."""
    holder = subprocess.Popen([sys.executable, "-c", "import sys; from scraper.archive import ArchiveWriter; "
                               f"writer = ArchiveWriter({str(archive)!r}, run_id='compact'); "
                               "print('held', flush=True); sys.stdin.read(); writer.close()"],
                              cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


def _until(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.1)


def _interrupted(archive, server, site, articles: int) -> subprocess.Popen:
    """A run stopped by SIGTERM once it has fetched `articles` article pages."""
    process = _slow_crawl(archive, server, 0.2)
    _until(lambda: len(article_hits(server, [site])) >= articles)
    process.send_signal(signal.SIGTERM)
    assert process.wait(120) == EXIT_INTERRUPTED
    return process


@pytest.mark.slow
def test_an_overlapping_run_of_a_site_exits_at_once_and_the_first_archives_everything(tmp_path):
    site = MirrorSite("nhandan.vn", 40, seed=9)
    with MirrorServer([site]) as server:
        first = _slow_crawl(tmp_path, server, 0.1)
        lock = tmp_path / ".locks" / "nhandan.vn.lock"
        _until(lambda: lock.exists() and lock.read_text())
        started = time.monotonic()
        second = crawl(tmp_path, server.url, ["nhandan.vn"], status=EXIT_LOCKED)
        assert time.monotonic() - started < 10
        holder = json.loads(lock.read_text())
        assert f"by run {holder['run_id']} (pid {first.pid}" in second.stderr
        assert len(second.stderr.strip().splitlines()) == 1
        waited = crawl(tmp_path, server.url, ["nhandan.vn"], "--wait", "1", status=EXIT_LOCKED)
        assert "not started" in waited.stderr
        assert first.wait(240) == 0, first.stderr[-3000:]
        # A run told to wait starts when the lock is free, and says it started late.
        holder = RunLock(tmp_path, "nhandan.vn", "a-maintenance-job")
        holder.acquire()
        patient = subprocess.Popen(crawl_command(tmp_path, server.url, ["nhandan.vn"], "--wait", "240"), cwd=REPO,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        time.sleep(6)  # long enough for the run to start (imports) and wait a second or more, even on a busy machine
        holder.release()
        assert patient.wait(240) == 0, patient.stderr.read()[-3000:]
        last = json.loads(subprocess.run([sys.executable, "-m", "scraper", "runs", "--archive", str(tmp_path), "--json",
                                          "--limit", "1"], capture_output=True, text=True, cwd=REPO).stdout)
        assert any(w.endswith("s late: waited for another run to end") for w in last["warnings"]), last["warnings"]
        assert len(list(Archive(tmp_path).iter_articles())) == 40
        assert len({path for _, path, _ in article_hits(server, [site])}) == 40


@pytest.mark.slow
def test_an_interrupted_run_exits_with_the_resumable_status(tmp_path):
    site = MirrorSite("nhandan.vn", 60, seed=4)
    with MirrorServer([site]) as server:
        process = _interrupted(tmp_path, server, site, 1)
        assert "nhandan.vn stopped (shutdown); the same command resumes it" in process.stderr.read()


@pytest.mark.slow
@pytest.mark.parametrize("kills", [1, 3])
def test_killed_runs_are_finished_by_the_next_plain_run(tmp_path, kills):
    """SIGKILL mid-crawl, once or several times in a row, then one plain run: the archive holds
    what an uninterrupted crawl gives. The killed runs never completed a listing walk, so the
    plain run walks past the articles they fetched to the oldest, which they never reached."""
    site = MirrorSite("nhandan.vn", 120, seed=6)
    with MirrorServer([site]) as server:
        for kill in range(1, kills + 1):
            process = _slow_crawl(tmp_path, server, 0.02, "nhandan.vn", "--set", "VNGOV_COMMIT_EVERY=5")
            _until(lambda: len(article_hits(server, [site])) >= 15 * kill)
            process.kill()
            process.wait()
        assert 0 < len(list(Archive(tmp_path).iter_articles())) < 120
        runs = subprocess.run([sys.executable, "-m", "scraper", "runs", "--archive", str(tmp_path)], cwd=REPO,
                              capture_output=True, text=True)
        assert runs.stdout.count(" killed ") == kills, runs.stdout
        crawl(tmp_path, server.url, ["nhandan.vn"])
    stored = list(Archive(tmp_path).iter_articles(all_versions=True))
    assert len(stored) == 120 and len({r["id"] for r in stored}) == 120


@pytest.mark.slow
def test_runs_of_two_sites_crawl_side_by_side_and_never_wait_on_the_archive(tmp_path):
    """Two processes crawl two sites into one archive while maintenance holds its lock: both go
    on fetching (their commits wait, their reactors do not), and every article is archived."""
    sites = [MirrorSite("nhandan.vn", 40, seed=12), MirrorSite("baochinhphu.vn", 40, seed=13)]
    with MirrorServer(sites) as server:
        holder = _maintenance(tmp_path)
        commit_often = ("--set", "VNGOV_COMMIT_INTERVAL=0.3")
        runs = [_slow_crawl(tmp_path, server, 0.05, site.host, *commit_often) for site in sites]
        # Both crawls fetch most of their articles while the lock is held by someone else.
        _until(lambda: all(len(article_hits(server, [site])) >= 30 for site in sites), timeout=120)
        assert all(len(article_hits(server, [site])) >= 30 for site in sites)
        assert list(Archive(tmp_path).iter_articles()) == []  # nothing committed yet
        holder.stdin.close()
        assert holder.wait(30) == 0
        for run in runs:
            assert run.wait(240) == 0, run.stderr.read()[-3000:]
    stored = list(Archive(tmp_path).iter_articles())
    assert len(stored) == 80 and len({r["id"] for r in stored}) == 80


@pytest.mark.slow
def test_a_stopped_run_that_cannot_commit_stops_within_seconds_and_the_next_run_is_whole(tmp_path):
    site = MirrorSite("nhandan.vn", 40, seed=14)
    with MirrorServer([site]) as server:
        holder = _maintenance(tmp_path)
        run = _slow_crawl(tmp_path, server, 0.1)
        _until(lambda: len(article_hits(server, [site])) >= 5)
        run.send_signal(signal.SIGTERM)
        started = time.monotonic()
        assert run.wait(60) == EXIT_SITE_FAILED
        assert time.monotonic() - started < 20
        stderr = run.stderr.read()
        assert "nhandan.vn failed: the archive stayed locked by another writer" in stderr
        assert "Traceback" not in stderr
        holder.stdin.close()
        holder.wait(30)
        crawl(tmp_path, server.url, ["nhandan.vn"])  # walks every listing page: nothing is missed
    assert len(list(Archive(tmp_path).iter_articles())) == 40


@pytest.mark.slow
def test_a_template_change_stores_no_degraded_version_and_exits_with_the_drift_status(tmp_path):
    """The issue's case: a site changes its article template between two runs. The re-fetched
    articles lose their sapo; none becomes a version, the run fails with the drift status and
    names the site and field, and `vngov runs` shows it."""
    now = datetime.now(VN_TZ)
    site = MirrorSite("nhandan.vn", 40, seed=15, newest=now - timedelta(hours=2), spacing=timedelta(hours=1))
    with MirrorServer([site]) as server:
        crawl(tmp_path, server.url, ["nhandan.vn"])
        site.redesigned = True
        # A run that re-fetches every recent article (a later one would re-fetch some).
        result = crawl(tmp_path, server.url, ["nhandan.vn"], "--set", "VNGOV_REFETCH_BACKOFF=0", status=EXIT_DRIFT)
    assert "Traceback" not in result.stderr
    assert "vngov crawl: nhandan.vn: suspected layout change: 40 of 40 re-fetched articles lost fields" in result.stderr
    assert "sapo on 0% of pages, 100% in the last 1 runs" in result.stderr
    versions = list(Archive(tmp_path).iter_articles(all_versions=True))
    assert len(versions) == 40 and {r["version"] for r in versions} == {1} and all(r["sapo"] for r in versions)
    report = json.loads(max((tmp_path / "reports").glob("*.json"), key=lambda p: p.stat().st_mtime).read_text())
    data = report["sites"]["nhandan.vn"]
    assert data["articles"]["held"] == 40 and data["held_fields"] == {"sapo": 40}
    assert data["outcome"] == "drifted"
    runs = subprocess.run([sys.executable, "-m", "scraper", "runs", "--archive", str(tmp_path)], cwd=REPO,
                          capture_output=True, text=True)
    assert runs.returncode == 0, runs.stderr
    newest, first = [line for line in runs.stdout.splitlines()[1:] if not line.startswith(" ")][:2]
    assert newest.split()[1:3] == ["nhandan.vn", "drifted"] and first.split()[1:3] == ["nhandan.vn", "ok"]
    assert "sapo on 0% of pages" in runs.stdout
    # The page is in WARC, held for `vngov reparse` once a profile reads the new template.
    with sqlite3.connect(tmp_path / "index.sqlite") as db:
        held = db.execute("SELECT count(*), count(warc_file) FROM held WHERE reason LIKE 'suspected layout change%'")
        assert held.fetchone() == (40, 40)
