"""Each profile's listing pagination, driven through the spider's own listing callback with a
listing page written in the shape of the site's markup (no saved page exists for qdnd.vn and
dangcongsan.vn: these prove the spider builds and follows their page URLs)."""
from datetime import timezone
from unittest import mock

import pytest
from scrapy.http import HtmlResponse, Request

from scraper.crawlstate import CrawlState
from spiders.site import SiteSpider


def _spider(site: str) -> SiteSpider:
    spider = SiteSpider(site=site)
    spider.crawler = mock.Mock()
    spider.crawl_state = CrawlState()
    spider.refetch_window = None
    spider.overlap_pages = 1
    spider.fetch_only = False
    from datetime import datetime

    spider.now = datetime(2026, 11, 28, tzinfo=timezone.utc)
    return spider


def _listing_page(url: str, links: list[str]) -> HtmlResponse:
    items = "".join(f'<div class="post-item"><h3><a href="{link}">Tiêu đề bài viết số {i}</a></h3></div>'
                    for i, link in enumerate(links))
    body = f'<html><head><meta charset="utf-8"></head><body><div class="list">{items}</div></body></html>'
    return HtmlResponse(url, body=body.encode(), encoding="utf-8", request=Request(url))


@pytest.mark.parametrize("site, listing_url, article, page_two, page_three", [
    ("qdnd.vn", "https://www.qdnd.vn/chinh-tri", "https://www.qdnd.vn/chinh-tri/tin-tuc/bai-viet-so-{n}-80{n:04d}",
     "https://www.qdnd.vn/chinh-tri/p/2", "https://www.qdnd.vn/chinh-tri/p/3"),
    ("dangcongsan.vn", "https://dangcongsan.vn/thoi-su", "https://dangcongsan.vn/thoi-su/bai-viet-so-{n}-70{n:04d}.html",
     "https://dangcongsan.vn/thoi-su/trang-2.html", "https://dangcongsan.vn/thoi-su/trang-3.html"),
    ("nhandan.vn", "https://nhandan.vn/chinhtri/", "https://nhandan.vn/bai-viet-so-{n}-post90{n:04d}.html",
     "https://nhandan.vn/chinhtri/?page=2", "https://nhandan.vn/chinhtri/?page=3"),
])
def test_listing_pages_follow_the_sites_own_scheme(site, listing_url, article, page_two, page_three):
    spider = _spider(site)
    listing = spider.profile.listings[0]
    assert listing.url == listing_url
    first = [article.format(n=n) for n in range(1, 6)]
    assert all(spider.profile.is_article_url(url) for url in first), "fixture links must be article URLs"
    out = list(spider.parse_listing(_listing_page(listing_url, first), listing=listing, page=1, zone=None, dry=0))
    articles = [r.url for r in out if r.callback == spider.parse_article]
    following = [r for r in out if r.callback == spider.parse_listing]
    assert articles == first
    assert [r.url for r in following] == [page_two]
    second = [article.format(n=n) for n in range(6, 11)]
    out = list(spider.parse_listing(_listing_page(page_two, second), **following[0].cb_kwargs))
    assert [r.url for r in out if r.callback == spider.parse_listing] == [page_three]


def test_a_listing_page_with_nothing_new_ends_an_incremental_walk():
    spider = _spider("qdnd.vn")
    listing = spider.profile.listings[0]
    seen = ["https://www.qdnd.vn/chinh-tri/tin-tuc/cu-{0}-80{0:04d}".format(n) for n in range(1, 4)]
    spider.crawl_state.should_fetch = lambda *a, **k: False  # all seen in an earlier run
    out = list(spider.parse_listing(_listing_page(listing.url, seen), listing=listing, page=1, zone=None, dry=1))
    assert out == []  # one overlap page already read with nothing new: stop


def test_after_a_lost_job_state_the_walk_goes_past_pages_with_nothing_new():
    spider = _spider("qdnd.vn")
    spider.full_walk = True  # VNGOV_FULL_WALK: what vngov crawl sets after setting a damaged JOBDIR aside
    listing = spider.profile.listings[0]
    seen = ["https://www.qdnd.vn/chinh-tri/tin-tuc/cu-{0}-80{0:04d}".format(n) for n in range(1, 4)]
    spider.crawl_state.should_fetch = lambda *a, **k: False
    out = list(spider.parse_listing(_listing_page(listing.url, seen), listing=listing, page=1, zone=None, dry=1))
    assert [request.url for request in out] == ["https://www.qdnd.vn/chinh-tri/p/2"]
