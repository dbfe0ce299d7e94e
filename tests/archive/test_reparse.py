"""`vngov reparse` rebuilds records from the stored WARC snapshots, without network, and writes
new versions only where the current parser's output differs."""
import re
import subprocess
import sys
import unicodedata
from datetime import datetime
from pathlib import Path

from scraper.archive import Archive, ArchiveWriter
from scraper.items import Fetch
from scraper import parsing
from scraper.parsing import record as record_module
from scraper.cli import main
from scraper.parsing import parse_article
from scraper.parsing.dates import VN_TZ
from scraper.runs import RunLock
from scraper.archive.warc import read_fetch
from scraper.mirror import MirrorSite
from scraper.parsing import article as article_module
from scraper.parsing.pageindex import HintPattern
from scraper.parsing.record import build_record
from scraper.reparse import reparse
from pipelines.normalize import normalize_record

from .records import make_record

REPO = Path(__file__).resolve().parents[2]
PAGE = REPO / "tests" / "parsing" / "fixtures" / "article_family" / "page.html"
URL = "https://nhandan.vn/quoc-hoi-thong-qua-luat-du-lieu-sua-doi-post900000.html"


def _vngov(*args):
    return subprocess.run([sys.executable, "-m", "scraper", *args], capture_output=True, text=True, cwd=REPO)


def test_reparse_writes_new_versions_only_where_output_changed(tmp_path):
    html = PAGE.read_bytes()
    current = parse_article(html, URL).to_dict()
    stale = dict(current, title="Tiêu đề do parser cũ đọc sai", parser_version="0.9.0")
    other_url = URL.replace("post900000", "post900001")
    fresh = parse_article(html, other_url).to_dict()
    with ArchiveWriter(tmp_path, run_id="old") as writer:
        writer.add(stale, Fetch(url=URL, body=html, fetched_at="2026-11-20T01:00:00+00:00"))
        writer.add(fresh, Fetch(url=other_url, body=html, fetched_at="2026-11-20T01:00:00+00:00"))
    result = _vngov("reparse", "--archive", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "re-parsed 2 articles" in result.stdout and "1 new versions" in result.stdout
    latest = {r["url"]: r for r in Archive(tmp_path).iter_articles()}
    assert latest[URL]["title"] == current["title"] and latest[URL]["version"] == 2
    assert latest[URL]["warc_file"] == next(Archive(tmp_path).iter_articles(all_versions=True))["warc_file"]
    assert latest[other_url]["version"] == 1
    again = _vngov("reparse", "--archive", str(tmp_path))
    assert "0 new versions" in again.stdout
    # Not while a crawl of the site runs: both would write the next version of its articles.
    crawling = RunLock(tmp_path, "nhandan.vn", "crawl-1")
    crawling.acquire()
    try:
        locked = _vngov("reparse", "--archive", str(tmp_path))
    finally:
        crawling.release()
    assert locked.returncode == 75
    assert locked.stderr.startswith("vngov reparse: nhandan.vn is being crawled into") and locked.stderr.count("\n") == 1


def test_reparse_does_not_read_back_the_versions_it_writes(tmp_path, capsys, monkeypatch):
    # An older parser read the date wrong (January 2024); the new version goes to the page's
    # own month (November 2026), a partition the streamed reading has not reached yet, where
    # another article is (with one more, without a snapshot, in between). Each version is
    # committed as soon as it is added, as a long run commits every 2,000.
    html = PAGE.read_bytes()
    stale = dict(parse_article(html, URL).to_dict(), published_at="2024-01-05T08:00:00+07:00", parser_version="1.0.0")
    other = URL.replace("post900000", "post900001")
    with ArchiveWriter(tmp_path, run_id="old") as writer:
        writer.add(stale, Fetch(url=URL, body=html, fetched_at="2026-11-20T01:00:00+00:00"))
        writer.add(make_record(1, site="nhandan.vn", published=datetime(2025, 6, 1, 8, 0, tzinfo=VN_TZ)))
        writer.add(parse_article(html, other).to_dict(), Fetch(url=other, body=html, fetched_at="2026-11-20T01:00:00+00:00"))
    add = ArchiveWriter.add

    def add_and_commit(self, *args, **kwargs):
        result = add(self, *args, **kwargs)
        self.commit()
        return result

    monkeypatch.setattr(ArchiveWriter, "add", add_and_commit)
    assert main(["reparse", "--archive", str(tmp_path)]) == 0
    assert "re-parsed 2 articles with parser" in capsys.readouterr().out
    assert [r["published_at"] for r in Archive(tmp_path).iter_articles(sites=["nhandan.vn"], since="2026-01-01")] \
        == ["2026-11-20T09:15:00+07:00"] * 2


def test_reparse_gives_the_archive_the_crawls_text_guarantee(tmp_path, monkeypatch):
    # The crawl's normalize pipeline backs up the parser; reparse writes without the pipelines,
    # so it applies the same step: a parser that let a decomposed character or a source tag
    # through would otherwise put them in the archive.
    html = PAGE.read_bytes()
    with ArchiveWriter(tmp_path, run_id="old") as writer:
        writer.add(parse_article(html, URL).to_dict(), Fetch(url=URL, body=html, fetched_at="2026-11-20T01:00:00+00:00"))
    parse = parsing.parse_article

    def careless(body, url, **options):
        article = parse(body, url, **options)
        article.title = unicodedata.normalize("NFD", article.title) + "  "
        article.sapo = "(Chinhphu.vn) - " + article.sapo
        return article

    monkeypatch.setattr(record_module, "parse_article", careless)
    assert main(["reparse", "--archive", str(tmp_path)]) == 0
    (latest,) = Archive(tmp_path).iter_articles()
    expected = parse(html, URL)
    assert (latest["title"], latest["sapo"], latest["version"]) == (expected.title, expected.sapo, 1)


def _archive_a_list_page_as_an_article(root) -> dict:
    """What an older parser archived: a list served at an article's URL, under the first list
    item's title. Parser 1.2.0 sees the list ("not an article")."""
    url = "https://sotttt.hanoi.gov.vn/web/sotttt-eng/hot-news/-/view_content/3019611-exhibition.html/en"
    html = ("<html><body><div class='asset-title'><a href='../3159627-promoting-propaganda.html'>Promoting "
            "propaganda results on ten years of the Capital</a></div><div class='asset-content'>"
            + "<p>Hanoi, after ten years, has achieved outstanding results in many areas of development.</p>" * 3
            + "</div></body></html>").encode()
    old = dict(parse_article(html, url).to_dict(), title="Promoting propaganda results on ten years of the Capital",
               warnings=[], parser_version="1.1.0")
    with ArchiveWriter(root, run_id="old") as writer:
        writer.add(old, Fetch(url=url, body=html, fetched_at="2026-11-20T01:00:00+00:00"))
    return old


def _lines(folder: Path) -> list[str]:
    return [line for path in folder.glob("reparse-*.jsonl") for line in path.read_text(encoding="utf-8").splitlines()]


def test_reparse_rejects_what_the_crawl_would_reject_now_and_keeps_the_old_version(tmp_path):
    # No new version with a null title: a reject, the old one kept.
    old = _archive_a_list_page_as_an_article(tmp_path)
    result = _vngov("reparse", "--archive", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "0 new versions, 1 rejected now" in result.stdout
    assert [r["title"] for r in Archive(tmp_path).iter_articles(all_versions=True)] == [old["title"]]
    reasons = _lines(tmp_path / "rejects")
    assert len(reasons) == 1 and "not an article: page lists articles" in reasons[0]


def test_reparse_remove_rejected_takes_them_out_of_the_archive(tmp_path):
    old = _archive_a_list_page_as_an_article(tmp_path)
    with ArchiveWriter(tmp_path, run_id="article") as writer:
        writer.add(parse_article(PAGE.read_bytes(), URL).to_dict(),
                   Fetch(url=URL, body=PAGE.read_bytes(), fetched_at="2026-11-20T01:00:00+00:00"))
    result = _vngov("reparse", "--archive", str(tmp_path), "--remove-rejected")
    assert result.returncode == 0, result.stderr
    assert "1 rejected now (taken out of the archive, 1 archived version; see removed/)" in result.stdout
    assert [r["url"] for r in Archive(tmp_path).iter_articles(all_versions=True)] == [URL]
    removed = _lines(tmp_path / "removed")
    assert len(removed) == 1 and "not an article: page lists articles" in removed[0] and old["title"] in removed[0]
    again = _vngov("reparse", "--archive", str(tmp_path)).stdout  # only the article is left to read
    assert "re-parsed 1 articles" in again and "0 rejected now" in again


def test_reparse_and_compact_refuse_a_missing_archive(tmp_path):
    for command in ("reparse", "compact", "stats"):
        result = _vngov(command, "--archive", str(tmp_path / "nothing"))
        assert result.returncode == 2 and "archive not found" in result.stderr


PORTAL = REPO / "tests" / "parsing" / "fixtures" / "liferay_portal" / "page.html"


def _archive_with_old_ids(root, spellings: dict[str, str]) -> dict[str, dict]:
    """An archive as an earlier vngov wrote it: ids hashed from URLs as it spelt them (query
    order kept, percent-escapes in lower case). `spellings`: URL fetched -> old canonical URL."""
    from scraper.items import article_id

    html = PORTAL.read_bytes()
    stored = {}
    with ArchiveWriter(root, run_id="old") as writer:
        for url, old_canonical in spellings.items():
            record = dict(parse_article(html, url).to_dict(), canonical_url=old_canonical, id=article_id(old_canonical))
            writer.add(record, Fetch(url=url, body=html, fetched_at="2026-11-20T01:00:00+00:00"))
            edited = dict(record, title=record["title"] + " (sửa)")  # a second version, to keep
            writer.add(edited, Fetch(url=url, body=html, fetched_at="2026-11-21T01:00:00+00:00"))
            stored[url] = edited
    return stored


def test_reparse_gives_articles_the_ids_of_their_canonical_urls_as_now_spelt(tmp_path):
    from scraper.parsing.urls import canonicalize_url

    base = "https://sotttt.hanoi.gov.vn/chi-dao-dieu-hanh/-/view_content/"
    sorted_query = base + "3100001-ha-noi.html?_101_cur=2&p_p_id=101"
    escaped = base + "3100002-tin-t%E1%BB%A9c.html"
    spellings = {
        base + "3100001-ha-noi.html?p_p_id=101&_101_cur=2": base + "3100001-ha-noi.html?p_p_id=101&_101_cur=2",
        base + "3100002-tin-t%e1%bb%a9c.html": base + "3100002-tin-t%e1%bb%a9c.html",
        # The same article as the first, archived under another spelling too (both ids exist).
        sorted_query: sorted_query,
    }
    _archive_with_old_ids(tmp_path, spellings)
    assert len({r["id"] for r in Archive(tmp_path).iter_articles()}) == 3
    result = _vngov("reparse", "--archive", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "1 articles took the id of their canonical URL as now spelt; 1 archived under both ids" in result.stdout
    every = list(Archive(tmp_path).iter_articles(all_versions=True))
    latest = {r["id"]: r for r in Archive(tmp_path).iter_articles()}
    # Each article once, under the id of its canonical URL; its history kept.
    assert {r["canonical_url"] for r in latest.values()} == {sorted_query, escaped}
    assert all(canonicalize_url(r["canonical_url"]) == r["canonical_url"] for r in every)
    renamed = [r for r in every if r["canonical_url"] == escaped]
    assert [r["version"] for r in renamed] == [1, 2, 3] and renamed[-1]["title"] == latest[renamed[-1]["id"]]["title"]
    removed = _lines(tmp_path / "removed")
    assert len(removed) == 2 and all("the same article as" in line for line in removed)
    # The index agrees with the files, and another run changes nothing.
    import sqlite3

    db = sqlite3.connect(tmp_path / "index.sqlite")
    assert {row[0] for row in db.execute("SELECT id FROM articles")} == set(latest)
    assert {row[0] for row in db.execute("SELECT DISTINCT id FROM versions")} == set(latest)
    again = _vngov("reparse", "--archive", str(tmp_path)).stdout
    assert ": 0 new versions" in again and "took the id" not in again


def test_reparse_takes_in_pages_a_crawl_held_once_the_parser_reads_them_whole(tmp_path, monkeypatch):
    """A crawl held a re-fetched page aside (its new template hides the sapo). Reparse keeps it
    held while the parser still loses the sapo, and stores it as the next version once a fix
    reads the new template."""
    site = MirrorSite("nhandan.vn", 2, seed=3)
    url = site.url(site.articles[0].path)
    good = Fetch(url=url, body=site.render(site.articles[0].path).body, fetched_at="2026-12-01T01:00:00+00:00")
    with ArchiveWriter(tmp_path, run_id="first") as writer:
        writer.add(normalize_record(build_record(good)), good)
    site.redesigned = True
    bad = Fetch(url=url, body=site.render(site.articles[0].path).body, fetched_at="2026-12-02T01:00:00+00:00")
    with ArchiveWriter(tmp_path, run_id="second") as writer:
        planned = writer.plan(normalize_record(build_record(bad)), guard=True)
        assert planned.status == "held" and planned.lost == ["sapo"]
        writer.write(planned, bad)
    assert reparse(tmp_path).still_held == 1
    assert [r["version"] for r in Archive(tmp_path).iter_articles(all_versions=True)] == [1]
    # The fix: the generic extractor learns the new template's class for the lead.
    monkeypatch.setattr(article_module, "_SAPO_CLASS", HintPattern(r"(?:^|[\s_-])(sapo|dau)(?:$|[\s_-])", re.I))
    result = reparse(tmp_path)
    assert (result.taken_in, result.still_held) == (1, 0)
    latest = next(Archive(tmp_path).iter_articles())
    assert latest["version"] == 2 and latest["sapo"] and latest["fetched_at"] == bad.fetched_at
    assert read_fetch(tmp_path, latest["warc_file"], latest["warc_offset"]).body == bad.body
    again = reparse(tmp_path)
    assert (again.taken_in, again.still_held, again.changed) == (0, 0, 0)
