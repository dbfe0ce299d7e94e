"""Deploying to a real Scrapyd (from PyPI) with scrapyd-client, as the README says, and
scheduling crawls of a local mirror through Scrapyd's HTTP API."""
import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from scraper.archive import Archive
from scraper.mirror import MirrorServer, MirrorSite
from scraper.runlog import all_runs

from .helpers import REPO

BIN = Path(sys.executable).parent
PROJECT_FILES = ("scraper", "spiders", "pipelines", "setup.py", "pyproject.toml", "scrapy.cfg", "README.md")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _api(base: str, endpoint: str, data: list[tuple[str, str]] | None = None, params: str = "") -> dict:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(f"{base}/{endpoint}{params}", data=body, timeout=30) as response:
        return json.loads(response.read())


@pytest.fixture
def scrapyd(tmp_path):
    """A Scrapyd on a free loopback port, its eggs, logs and job database under tmp_path."""
    home = tmp_path / "scrapyd"
    home.mkdir()
    port = _free_port()
    (home / "scrapyd.conf").write_text(
        "[scrapyd]\n"
        f"bind_address = 127.0.0.1\nhttp_port = {port}\n"
        f"eggs_dir = {home / 'eggs'}\nlogs_dir = {home / 'logs'}\ndbs_dir = {home / 'dbs'}\n"
        "items_dir =\npoll_interval = 0.5\nmax_proc = 2\n", encoding="utf-8")
    server = subprocess.Popen([str(BIN / "scrapyd")], cwd=home, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            _api(base, "daemonstatus.json")
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail(f"scrapyd did not start:\n{server.stdout.read()}")
            time.sleep(0.3)
    try:
        yield base
    finally:
        server.terminate()
        server.wait(30)


def _wait_finished(base: str, job: str, timeout: float = 240) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for entry in _api(base, "listjobs.json", params="?project=vngov")["finished"]:
            if entry["id"] == job:
                return entry
        time.sleep(0.5)
    pytest.fail(f"job {job} did not finish")


@pytest.mark.slow
def test_deploy_with_scrapyd_client_and_schedule_crawls_through_the_api(tmp_path, scrapyd):
    # scrapyd-deploy from a copy of the project (it builds in place), to the scrapy.cfg target
    # pointed at this Scrapyd.
    project = tmp_path / "project"
    project.mkdir()
    for name in PROJECT_FILES:
        source = REPO / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, project / name)
    cfg = project / "scrapy.cfg"
    cfg.write_text(cfg.read_text().replace("http://localhost:6800/", scrapyd + "/"))
    deployed = subprocess.run([str(BIN / "scrapyd-deploy"), "--version", "1"], cwd=project, capture_output=True,
                              text=True, timeout=180)
    assert deployed.returncode == 0, deployed.stderr
    answer = json.loads(deployed.stdout)
    assert answer["status"] == "ok" and answer["project"] == "vngov"
    assert "nhandan.vn" in _api(scrapyd, "listspiders.json", params="?project=vngov")["spiders"]

    archive = tmp_path / "archive"
    site = MirrorSite("nhandan.vn", 40, seed=31)
    with MirrorServer([site]) as server:
        settings = {"VNGOV_ARCHIVE": str(archive), "VNGOV_MIRROR": server.url, "DOWNLOAD_DELAY": "0",
                    "AUTOTHROTTLE_ENABLED": "False", "CONCURRENT_REQUESTS_PER_DOMAIN": "8"}
        jobs = []
        for max_articles in ("25", None):  # a capped run (a spider argument), then the rest
            data = [("project", "vngov"), ("spider", "nhandan.vn"), *(("setting", f"{k}={v}") for k, v in settings.items())]
            if max_articles:
                data.append(("max_articles", max_articles))
            scheduled = _api(scrapyd, "schedule.json", data)
            assert scheduled["status"] == "ok"
            _wait_finished(scrapyd, scheduled["jobid"])
            jobs.append(scheduled["jobid"])
    assert len(list(Archive(archive).iter_articles())) == 40
    reports = {path.name: json.loads(path.read_text()) for path in (archive / "reports").glob("*.json")}
    # One report per job, named by Scrapyd's job id.
    assert sorted(reports) == sorted(f"{job}-nhandan.vn.json" for job in jobs)
    first, second = (reports[f"{job}-nhandan.vn.json"] for job in jobs)
    assert first["finish_reason"] == second["finish_reason"] == "finished"
    assert first["sites"]["nhandan.vn"]["articles"]["new"] == 25
    assert second["sites"]["nhandan.vn"]["articles"]["new"] == 15
    assert [run["run_id"] for run in all_runs(archive)] == jobs[::-1]
