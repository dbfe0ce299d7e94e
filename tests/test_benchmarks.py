"""The extraction benchmarks still run and say what they measured (one round each: their figures
are not checked here, only that a change has not broken the scripts that produce them)."""
import subprocess
import sys

import pytest

from .conftest import REPO


def _run(script: str, corpus, *args: str) -> str:
    """The script's output, run once over the corpus (`args`: default "--rounds 1")."""
    result = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / script), "--corpus", str(corpus), *(args or ("--rounds", "1"))],
        capture_output=True, text=True, timeout=300, cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.slow
def test_extraction_benchmark_times_both_extractors(corpus):
    pytest.importorskip("trafilatura")
    out = _run("extraction.py", corpus)
    assert "| vngov parse_article |" in out and "| trafilatura bare_extraction |" in out
    assert "faster than trafilatura" in out and "median ratio of rounds taken in turn" in out
    # trafilatura as most people call it (text only) is reported beside the like-for-like figure.
    assert "| trafilatura bare_extraction, text only (its default) |" in out
    assert "Against trafilatura's default" in out


@pytest.mark.slow
def test_per_page_benchmark_compares_each_page_with_both_trafilatura_modes(corpus):
    pytest.importorskip("trafilatura")
    out = _run("per_page.py", corpus, "--runs", "1")
    assert "| nhandan.vn/article-post976641-world-cup-final.html |" in out
    for group in ("real pages", "templates", "all pages"):
        assert f"{group}: vngov " in out and "than its text-only default" in out


@pytest.mark.slow
def test_parse_share_benchmark_reports_both_shares(corpus):
    out = _run("parse_share.py", corpus)
    assert "| parse alone, serialized without attributes |" in out
    assert "of parse_article's time" in out and "of the parse" in out


def test_benchmarks_exit_2_without_a_corpus(tmp_path):
    result = subprocess.run([sys.executable, str(REPO / "benchmarks" / "parse_share.py"), "--corpus", str(tmp_path)],
                            capture_output=True, text=True, timeout=120, cwd=REPO)
    assert result.returncode == 2 and "MANIFEST.tsv" in result.stderr


def test_charset_benchmark_reads_every_case_both_ways(corpus):
    pytest.importorskip("bs4")
    out = _run("charsets.py", corpus, "--runs", "1")
    rows = [line for line in out.splitlines() if line.startswith("| ") and "right" not in line]
    assert len(rows) == 10
    # Ours reads every case right: the reason beautifulsoup4's UnicodeDammit is vngov's last
    # resort (detection), not its first reader.
    assert all(row.split(" | ")[1].split("/")[0] == row.split(" | ")[1].split("/")[1] for row in rows)
