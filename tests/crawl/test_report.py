"""The run report counts the pages our own code failed on (an exception in a spider callback,
such as a parser bug), per site and by exception type: such a page is neither archived nor
rejected, and only the report keeps an unattended run's operator from missing it."""
import json
from types import SimpleNamespace

import pytest
from scrapy import signals
from scrapy.settings import Settings
from twisted.python.failure import Failure

from scraper.archive import Archive
from scraper.mirror import Faults, MirrorServer, MirrorSite
from scraper.report import RunReport, format_report

from .helpers import crawl


def _crawler(connected: list):
    return SimpleNamespace(
        settings=Settings({"VNGOV_RUN_ID": "run1"}),
        stats=SimpleNamespace(get_stats=lambda: {"vngov/nhandan.vn/new": 4}),
        spider=SimpleNamespace(name="nhandan.vn"),
        signals=SimpleNamespace(connect=lambda handler, signal: connected.append(signal)),
    )


def _failure(error: Exception) -> Failure:
    try:
        raise error
    except Exception:
        return Failure()


def test_pages_our_code_failed_on_are_counted_by_site_and_kind():
    connected = []
    report = RunReport.from_crawler(_crawler(connected))
    assert signals.spider_error in connected  # Scrapy tells it of every callback's exception
    page = SimpleNamespace(url="https://nhandan.vn/bai-viet-post900001.html")
    report.spider_error(_failure(IndexError("list index out of range")), page)
    report.spider_error(_failure(IndexError("list index out of range")), page)
    report.spider_error(_failure(KeyError("title")), page)
    built = report.build("finished")
    assert built["sites"]["nhandan.vn"]["failed_in_code"] == {"IndexError": 2, "KeyError": 1}
    assert "FAILED in our code 3 (IndexError 2, KeyError 1)" in format_report(built)


def test_a_run_without_failures_says_nothing_of_them():
    report = RunReport.from_crawler(_crawler([]))
    report.response_received(SimpleNamespace(url="https://nhandan.vn/", status=200), None)
    built = report.build("finished")
    assert built["sites"]["nhandan.vn"]["failed_in_code"] == {}
    assert "FAILED" not in format_report(built)


@pytest.mark.slow
def test_a_page_the_parser_fails_on_is_reported_and_fetched_again_next_run(tmp_path, monkeypatch):
    # A parser bug, injected into the crawl's processes (and its parse workers) at start-up:
    # one article's page raises. The run goes on, reports the failure, does not archive or
    # remember the page; the next run, with the bug gone, archives it.
    site = MirrorSite("nhandan.vn", 6, seed=5)
    victim = site.articles[2].path
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(
        "import scraper.parsing.article as article\n"
        "_fill = article._fill\n"
        "def _failing(record, root, url, *rest):\n"
        f"    if url.endswith({victim!r}):\n"
        "        raise IndexError('a parser bug')\n"
        "    return _fill(record, root, url, *rest)\n"
        "article._fill = _failing\n", encoding="utf-8")
    with MirrorServer([site], Faults()) as server:
        with monkeypatch.context() as patched:
            patched.setenv("PYTHONPATH", str(hooks))
            result = crawl(tmp_path / "archive", server.url, ["nhandan.vn"], status=1)  # our code failed
        assert "nhandan.vn: our code failed on 1 pages" in result.stderr
        report = json.loads(next((tmp_path / "archive" / "reports").glob("*.json")).read_text())
        assert report["sites"]["nhandan.vn"]["failed_in_code"] == {"IndexError": 1}
        stored = {r["url"] for r in Archive(tmp_path / "archive").iter_articles()}
        assert stored == {site.url(a.path) for a in site.articles if a.path != victim}
        crawl(tmp_path / "archive", server.url, ["nhandan.vn"])
    assert site.url(victim) in {r["url"] for r in Archive(tmp_path / "archive").iter_articles()}
