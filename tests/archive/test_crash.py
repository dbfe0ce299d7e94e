"""A writer killed with SIGKILL at random points always leaves a loadable archive with no
partial line, and repeating the run stores every article exactly once."""
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from scraper.archive import Archive
from scraper.archive.codec import read_lines
from scraper.archive.layout import iter_segments

REPO = Path(__file__).resolve().parents[2]
COUNT = 1000
TRIALS = 10  # benchmarks/kill_chain.py runs fifty kill chains of whole crawls


def _run_writer(root: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tests.archive.crash_writer", str(root), str(COUNT)],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _assert_whole(root: Path) -> int:
    """Every segment reads back whole; returns the lines of those the index has committed (a
    kill between a rename and the index transaction leaves one that only recovery indexes)."""
    import sqlite3

    index = root / "index.sqlite"
    with sqlite3.connect(f"file:{index}?mode=ro", uri=True) as db:
        committed = {row[0] for row in db.execute("SELECT path FROM segments")} if index.exists() else set()
    lines = 0
    for segment in iter_segments(root):
        raw = b"".join(read_lines(segment))
        assert raw.endswith(b"\n") or raw == b"", segment
        if str(segment.relative_to(root)) in committed:
            lines += raw.count(b"\n")
    return lines


@pytest.mark.slow
def test_sigkill_at_random_points_never_corrupts_or_duplicates(tmp_path):
    rng = random.Random(20261128)
    # How long a full run takes here, to spread the kills across it.
    probe = _run_writer(tmp_path / "probe")
    assert probe.stdout.readline() == b"started\n"
    started = time.monotonic()
    assert probe.wait(120) == 0, probe.stderr.read().decode()
    writing = time.monotonic() - started
    killed_with_data = 0
    for trial in range(TRIALS):
        root = tmp_path / f"trial{trial}"
        process = _run_writer(root)
        assert process.stdout.readline() == b"started\n"
        time.sleep(rng.uniform(0.0, writing))
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        visible = _assert_whole(root)
        loaded = list(Archive(root).iter_articles())  # loads, whatever the moment of death
        assert len(loaded) == visible <= COUNT
        killed_with_data += 0 < visible < COUNT
        rerun = _run_writer(root)
        assert rerun.wait(120) == 0, rerun.stderr.read().decode()
        ids = Counter(r["id"] for r in Archive(root).iter_articles(all_versions=True))
        assert len(ids) == COUNT and set(ids.values()) == {1}, f"trial {trial}: duplicates after repeat"
        _assert_whole(root)
    assert killed_with_data >= 3, "kills should land mid-run, not only before or after"
