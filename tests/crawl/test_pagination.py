"""Each profile's listing pagination, driven through the spider's own listing callback with a
listing page written in the shape of the site's markup (no saved page exists for qdnd.vn and
dangcongsan.vn: these prove the spider builds and follows their page URLs)."""
from datetime import datetime, timedelta, timezone
from unittest import mock

import pytest
from scrapy.http import HtmlResponse, Request

from scraper.crawlstate import CrawlState, Seen
from scraper.parsing.urls import canonicalize_url
from spiders.site import SiteSpider


def _spider(site: str) -> SiteSpider:
    spider = SiteSpider(site=site)
    spider.crawler = mock.Mock()
    spider.crawl_state = CrawlState()
    spider.refetch_window = None
    spider.overlap_pages = 1
    spider.fetch_only = False
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


def _state(urls: list[str], first_fetched: datetime, covered_before: datetime | None) -> CrawlState:
    seen = {canonicalize_url(url): Seen(first_fetched, None, first_fetched) for url in urls}
    return CrawlState(seen, covered_before=covered_before)


SEEN = ["https://www.qdnd.vn/chinh-tri/tin-tuc/cu-{0}-80{0:04d}".format(n) for n in range(1, 4)]
LAST_WALK = datetime(2026, 11, 27, tzinfo=timezone.utc)  # the start of the last run that completed its walk


def _walk_on(spider) -> list[str]:
    listing = spider.profile.listings[0]
    out = spider.parse_listing(_listing_page(listing.url, SEEN), listing=listing, page=1, zone=None, dry=1)
    return [request.url for request in out if request.callback == spider.parse_listing]


def test_a_listing_page_a_completed_walk_covered_ends_an_incremental_walk():
    spider = _spider("qdnd.vn")
    spider.crawl_state = _state(SEEN, LAST_WALK - timedelta(days=1), LAST_WALK)
    assert _walk_on(spider) == []  # one overlap page already read with nothing new: stop


@pytest.mark.parametrize("first_fetched, covered_before", [
    (LAST_WALK + timedelta(hours=1), LAST_WALK),  # fetched by a later run that was killed
    (LAST_WALK - timedelta(days=1), None),  # no walk ever completed (the first run was killed)
])
def test_pages_no_completed_walk_covered_do_not_end_a_walk(first_fetched, covered_before):
    """What a killed run fetched is not old ground: its oldest articles were never reached, and
    the walk must go on to them."""
    spider = _spider("qdnd.vn")
    spider.crawl_state = _state(SEEN, first_fetched, covered_before)
    assert _walk_on(spider) == ["https://www.qdnd.vn/chinh-tri/p/2"]


def test_a_full_walk_goes_past_covered_pages():
    spider = _spider("qdnd.vn")
    spider.full_walk = True  # VNGOV_FULL_WALK
    spider.crawl_state = _state(SEEN, LAST_WALK - timedelta(days=1), LAST_WALK)
    assert _walk_on(spider) == ["https://www.qdnd.vn/chinh-tri/p/2"]


@pytest.mark.parametrize("status, page, failed", [(404, 3, False), (410, 2, False), (404, 1, True), (503, 3, True)])
def test_a_listing_ends_at_a_missing_page_but_fails_on_an_error(status, page, failed):
    """A page past a listing's end answering 404 completes the walk; an error or a missing first
    page leaves it incomplete, so that the next run walks the listings again to their end."""
    from scrapy.http import Response
    from scrapy.spidermiddlewares.httperror import HttpError
    from twisted.python.failure import Failure

    spider = _spider("qdnd.vn")
    request = Request("https://www.qdnd.vn/chinh-tri/p/3", cb_kwargs={"page": page})
    failure = Failure(HttpError(Response(request.url, status=status, request=request)))
    failure.request = request
    spider.listing_failed(failure)
    assert bool(spider.listing_failures) is failed
