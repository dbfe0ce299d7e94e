"""The README's scheduling recipes, run as cron and systemd run them, and the console a person
sees: progress lines on a terminal, nothing but the closing summary elsewhere, the log in a file."""
import os
import pty
import re
import select
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scraper.archive import Archive
from scraper.mirror import MirrorServer, MirrorSite

from .helpers import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
VNGOV = Path(sys.executable).parent / "vngov"  # the installed console script
SITES = [MirrorSite("baochinhphu.vn", 20, seed=21), MirrorSite("nhandan.vn", 20, seed=22)]


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, re.S)


def _localize(command: str, root: Path, mirror_url: str) -> str:
    """The README's command on this machine: its paths under `root`, fetching from the mirror."""
    command = command.replace("/opt/vngov/.venv/bin/vngov", str(VNGOV)).replace("/srv/vngov", str(root))
    head, redirect, tail = command.partition(" >>")
    return f"{head} --mirror {mirror_url} --fast{redirect}{tail}"


def _as_a_daemon_runs_it(command: str, home: Path) -> subprocess.CompletedProcess:
    """`sh -c` with cron's environment (PATH=/usr/bin:/bin, HOME, SHELL, LOGNAME and nothing
    else), in the home folder, with no terminal and no standard input."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "SHELL": "/bin/sh", "LOGNAME": "vngov"}
    return subprocess.run(["/bin/sh", "-c", command], env=env, cwd=home, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=300, start_new_session=True)


@pytest.mark.slow
def test_the_readme_crontab_line_runs_as_cron_runs_it(tmp_path):
    (line,) = [line for block in _blocks("crontab") for line in block.splitlines() if line and line[0].isdigit()]
    command = line.split(None, 5)[5]
    home = tmp_path / "home"
    home.mkdir()
    with MirrorServer(SITES) as server:
        command = _localize(command, tmp_path, server.url)
        first = _as_a_daemon_runs_it(command, home)
        second = _as_a_daemon_runs_it(command, home)  # the next scheduled run: incremental
    assert first.returncode == 0 and second.returncode == 0, (tmp_path / "cron.log").read_text()
    assert first.stdout == first.stderr == ""  # all of it went to the file, as the line says
    output = (tmp_path / "cron.log").read_text(encoding="utf-8")
    assert "Traceback" not in output and "\x1b[" not in output and "[scrapy" not in output
    assert output.count("nhandan.vn: ok; ") == 2 and output.count("baochinhphu.vn: ok; ") == 2
    assert "nhandan.vn: ok; " in output and "articles new 20," in output and "articles new 0," in output
    logs = re.findall(r"log: (\S+)", output)
    assert len(logs) == 2 and all(Path(log).parent == tmp_path / "archive" / "logs" for log in logs)
    assert "Spider opened" in Path(logs[0]).read_text(encoding="utf-8")
    assert len(list(Archive(tmp_path / "archive").iter_articles())) == 40


@pytest.mark.slow
def test_the_readme_systemd_units_verify_and_the_service_runs(tmp_path):
    units = {re.match(r"# /etc/systemd/system/(\S+)", block)[1]: block for block in _blocks("ini")}
    assert set(units) == {"vngov-crawl.service", "vngov-crawl.timer"}
    (exec_start,) = re.findall(r"^ExecStart=(.*)$", units["vngov-crawl.service"], re.M)
    home = tmp_path / "home"
    home.mkdir()
    with MirrorServer(SITES) as server:
        command = _localize(exec_start, tmp_path, server.url)
        if shutil.which("systemd-analyze"):
            folder = tmp_path / "units"
            folder.mkdir()
            for name, text in units.items():
                text = text.replace(exec_start, command)
                (folder / name).write_text(text, encoding="utf-8")
            verified = subprocess.run(["systemd-analyze", "verify", *(str(folder / name) for name in units)],
                                      capture_output=True, text=True)
            problems = [line for line in verified.stderr.splitlines() if str(folder) in line]
            assert verified.returncode == 0 and not problems, verified.stderr
        result = _as_a_daemon_runs_it(command, home)
    assert result.returncode == 0, result.stderr
    assert "nhandan.vn: ok; " in result.stdout and not result.stderr
    assert len(list(Archive(tmp_path / "archive").iter_articles())) == 40


@pytest.mark.slow
def test_on_a_terminal_a_crawl_shows_a_line_per_site_and_logs_to_a_file(tmp_path):
    with MirrorServer(SITES) as server:
        primary, secondary = pty.openpty()
        process = subprocess.Popen([str(VNGOV), "crawl", "baochinhphu.vn", "nhandan.vn", "--archive", str(tmp_path),
                                    "--mirror", server.url, "--fast", "--set", "DOWNLOAD_DELAY=0.05"],
                                   cwd=REPO, stdin=subprocess.DEVNULL, stdout=secondary, stderr=secondary)
        os.close(secondary)
        chunks = []
        while True:
            ready, _, _ = select.select([primary], [], [], 120)
            try:
                chunk = os.read(primary, 65536) if ready else b""
            except OSError:  # the process closed the terminal
                chunk = b""
            if not chunk:
                break
            chunks.append(chunk)
        assert process.wait(60) == 0
        os.close(primary)
    screen = b"".join(chunks).decode("utf-8")
    assert re.search(r"\x1b\[2Kbaochinhphu\.vn: \d+ pages, new \d+, updated 0, errors 0", screen)
    assert re.search(r"\x1b\[2Knhandan\.vn: \d+ pages, new \d+, updated 0, errors 0", screen)
    assert "nhandan.vn: ok; " in screen and "[scrapy" not in screen and " INFO: " not in screen
    (log,) = (tmp_path / "logs").glob("*.log")
    assert f"log: {log}" in screen
    assert "[scrapy.core.engine] INFO: Spider opened" in log.read_text(encoding="utf-8")
