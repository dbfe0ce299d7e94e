"""Run the real `vngov crawl` in a subprocess against a mirror served by the test process."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def crawl_command(archive: Path, mirror_url: str, sites: list[str], *extra: str) -> list[str]:
    return [sys.executable, "-m", "scraper", "crawl", *sites, "--archive", str(archive), "--mirror", mirror_url,
            "--fast", "--log-level", "WARNING", "--log-file", "-", *extra]


def crawl(archive: Path, mirror_url: str, sites: list[str], *extra: str, timeout: float = 300,
          status: int | None = 0) -> subprocess.CompletedProcess:
    """`vngov crawl`, which must exit with `status` (0: every site crawled, nothing failed;
    None: any status but a crash's)."""
    result = subprocess.run(crawl_command(archive, mirror_url, sites, *extra), cwd=REPO, capture_output=True,
                            text=True, timeout=timeout)
    if status is None:
        assert result.returncode in (0, 3, 4, 5), result.stderr[-4000:]
    else:
        assert result.returncode == status, result.stderr[-4000:]
    return result


def article_hits(server, sites) -> list[tuple[str, str, int]]:
    paths = {(s.host, a.path) for s in sites for a in s.articles}
    return server.hits_for(lambda hit: (hit[0], hit[1]) in paths)
