"""Feeds and sitemaps, parsed without Scrapy: the shared corpus's real RSS feed and sitemap, and
the shapes the spider must handle (Atom, sitemap indexes, news dates, junk)."""
from datetime import datetime

import pytest

from scraper.parsing.dates import VN_TZ
from scraper.parsing.feeds import parse_feed, parse_sitemap

@pytest.mark.corpus
def test_real_feed_gives_every_item_with_its_date(corpus):
    entries = parse_feed((corpus / "baochinhphu.vn" / "rss-kinh-te.xml").read_bytes())
    assert len(entries) == 50
    first = entries[0]
    assert first.url == "https://baochinhphu.vn/co-che-chinh-sach-xac-dinh-gia-san-pham-in-duc-tien-102260905122709839.htm"
    # "9/5/2026 1:30:00 PM": month first, no zone; the site's clock is Vietnam's.
    assert first.published == datetime(2026, 9, 5, 13, 30, tzinfo=VN_TZ)
    assert all(e.published is not None for e in entries)


@pytest.mark.corpus
def test_real_sitemap_gives_urls_with_lastmod(corpus):
    sitemap = parse_sitemap((corpus / "bnews.vn" / "sitemap-2026-9-excerpt.xml").read_bytes())
    assert sitemap.children == [] and len(sitemap.entries) == 8
    entry = next(e for e in sitemap.entries if e.url.endswith("/435626.html"))
    assert entry.lastmod == datetime(2026, 9, 6, 5, 30, tzinfo=VN_TZ)
    # "Z" times are read in UTC and given in Vietnam time.
    assert sitemap.entries[0].url == "https://bnews.vn/" and sitemap.entries[0].lastmod.hour == 5


def test_atom_links_and_dates():
    atom = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><entry><title>A</title>
    <link href="https://x.gov.vn/tin-tuc/bai-viet-so-mot-123.html?utm_source=rss"/><published>2026-11-02T08:00:00+07:00</published>
    </entry></feed>"""
    [entry] = parse_feed(atom)
    assert entry.url == "https://x.gov.vn/tin-tuc/bai-viet-so-mot-123.html"
    assert entry.published == datetime(2026, 11, 2, 8, tzinfo=VN_TZ)


def test_sitemap_index_skips_category_and_media_sitemaps():
    index = b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
    <sitemap><loc>https://x.vn/sitemaps/news-2026-11.xml</loc><lastmod>2026-11-30T10:00:00+07:00</lastmod></sitemap>
    <sitemap><loc>https://x.vn/sitemaps/categories.xml</loc></sitemap><sitemap><loc>https://x.vn/video.xml</loc></sitemap>
    </sitemapindex>"""
    sitemap = parse_sitemap(index)
    assert [c.url for c in sitemap.children] == ["https://x.vn/sitemaps/news-2026-11.xml"]
    assert sitemap.children[0].lastmod == datetime(2026, 11, 30, 10, tzinfo=VN_TZ) and sitemap.entries == []


def test_news_sitemap_publication_date():
    news = b"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
    <url><loc>https://x.vn/a-1.html</loc><news:news><news:publication_date>2026-11-03T07:15:00+07:00</news:publication_date></news:news></url>
    </urlset>"""
    [entry] = parse_sitemap(news).entries
    assert entry.published == datetime(2026, 11, 3, 7, 15, tzinfo=VN_TZ) and entry.lastmod is None


@pytest.mark.parametrize("junk", [b"", b"   ", "<html><body>Lỗi</body></html>".encode(), b"\x00\x01garbage", b"<rss><channel><item>"])
def test_junk_gives_nothing_and_never_raises(junk):
    assert parse_feed(junk) == []
    sitemap = parse_sitemap(junk)
    assert sitemap.children == [] and sitemap.entries == []
