"""A mirror site: articles, listings with the site's own pagination, feeds, sitemaps and
robots.txt, rendered on demand in the markup shape of the real site's CMS family.

Mirrors are generated from the same site profiles the spider uses, so a crawl of the mirror
exercises exactly the code that crawls the live site. Articles can be added and edited between
runs to test incremental crawling.
"""
from __future__ import annotations

import html
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from ..parsing.dates import VN_TZ
from ..sites import get_profile
from .content import Writer, slugify

FAMILIES = {"baochinhphu.vn": "detail", "nhandan.vn": "article", "sotttt.hanoi.gov.vn": "liferay"}
PAGE_SIZE = 20
TRAP_PREFIX = "/bai-bi-chan"  # robots.txt disallows it; a listing links to it anyway
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


@dataclass
class MirrorArticle:
    index: int
    key: str
    path: str
    listing: int  # which of the profile's listings it belongs to
    published: datetime
    updated: datetime | None = None
    version: int = 1
    linked: str | None = None  # the URL listings, feeds and sitemaps give, when not the article's own
    old_path: str | None = None  # a path that redirects to `path` (the slug before an edit, a trailing slash)
    canonical: str | None = None  # the page's rel=canonical, when not its own URL
    variant: str | None = None  # which of URL_VARIANTS names it otherwise


# How a site's links can name an article otherwise than its own URL: the host with or without
# "www." (a trailing slash that redirects, on a site with no "www." host), http for https, an
# old slug that now redirects, or a page whose rel=canonical names the site it was syndicated
# from. `url_variants=True` gives a third of the articles one each.
URL_VARIANTS = ("www", "http", "old-slug", "syndicated")
# What an article's URL gives in fault mode, the kinds a fault-injection pass met.
FAULTS = ("error-page", "cut-short", "pdf", "wrong-charset", "to-home")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
SYNDICATION_HOST = "tinchinhthuc.example.vn"


@dataclass
class Page:
    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


class MirrorSite:
    def __init__(self, name: str, count: int, *, seed: int = 1, newest: datetime | None = None,
                 spacing: timedelta = timedelta(hours=3), page_kb: int = 0, paragraphs: int = 8,
                 cache_pages: bool = False, url_variants: bool = False, feed_dated: bool = False,
                 legacy_charset: bool = False):
        if name not in FAMILIES:
            raise ValueError(f"no mirror family for {name!r}; choose from {', '.join(FAMILIES)}")
        self.name = name
        self.profile = get_profile(name)
        self.family = FAMILIES[name]
        self.host = self.profile.domains[0]
        self.writer = Writer(seed)
        self.page_kb = page_kb
        self.cache_pages = cache_pages  # keep rendered articles: a server fast enough to benchmark against
        self.url_variants = url_variants
        # One article in five shows no date of its own: only the feed dates it.
        self.feed_dated = feed_dated
        # One article in seven is windows-1258, said only by the Content-Type header; its
        # <meta charset> says UTF-8, wrongly, as old CMS templates do.
        self.legacy_charset = legacy_charset
        # Set between runs: the site's CMS changed its article template (a layout change).
        self.redesigned = False
        # Set between runs: a bad day at the site (FAULTS): a third of the articles and about
        # one listing, feed or sitemap URL in eight answer wrongly.
        self.faulty = False
        self.by_old_path: dict[str, MirrorArticle] = {}
        self._rendered: dict[tuple[str, int, bool], bytes] = {}
        self.paragraph_count = paragraphs
        self.articles: list[MirrorArticle] = []
        self.by_path: dict[str, MirrorArticle] = {}
        # Stable across runs on the same day: the same site has the same URLs each time.
        newest = newest or datetime.now(VN_TZ).replace(hour=8, minute=0, second=0, microsecond=0) - timedelta(days=5)
        for offset in range(count):
            self._add(newest - spacing * (count - 1 - offset))
        self._filler = self._make_filler()

    # -- content changes -------------------------------------------------------------------

    def add_articles(self, count: int, newest: datetime | None = None) -> list[str]:
        """New articles, newest last; returns their real URLs."""
        newest = newest or datetime.now(VN_TZ) - timedelta(hours=1)
        return [self.url(self._add(newest - timedelta(minutes=7 * (count - 1 - i))).path) for i in range(count)]

    def edit_article(self, index: int) -> str:
        article = self.articles[index]
        article.version += 1
        article.updated = datetime.now(VN_TZ).replace(microsecond=0)
        return self.url(article.path)

    def url(self, path: str) -> str:
        return f"https://{self.host}{path}"

    def article_urls(self) -> list[str]:
        return [self.url(a.path) for a in self.articles]

    def _add(self, published: datetime) -> MirrorArticle:
        index = len(self.articles)
        key = f"{self.name}-{index}"
        published = published.astimezone(VN_TZ).replace(microsecond=0)
        title = self.writer.title(key)
        slug = slugify(title)
        listing = index % max(1, len(self.profile.listings))
        if self.family == "detail":
            stamp = published.strftime("%y%m%d%H%M%S")
            path = f"/{slug}-102{stamp}{index % 1000:03d}.htm"
        elif self.family == "article":
            path = f"/{slug}-post{900000 + index}.html"
        else:
            category = urlsplit(self.profile.listings[listing].url).path
            path = f"{category}/-/view_content/{3000000 + index}-{slug}.html"
        article = MirrorArticle(index, key, path, listing, published)
        if self.url_variants and index % 3 == 0:
            self._vary(article, URL_VARIANTS[(index // 3) % len(URL_VARIANTS)], slug)
        self.articles.append(article)
        self.by_path[path] = article
        return article

    def _vary(self, article: MirrorArticle, variant: str, slug: str) -> None:
        if variant == "www" and f"www.{self.host}" not in self.profile.domains:
            variant = "trailing-slash"
        article.variant = variant
        if variant == "www":
            article.linked = f"https://www.{self.host}{article.path}"
        elif variant == "http":
            article.linked = f"http://{self.host}{article.path}"
        elif variant in ("trailing-slash", "old-slug"):  # a path that redirects to the article's own
            article.old_path = (article.path + "/" if variant == "trailing-slash"
                                else article.path.replace(slug, f"ban-nhap-{slug}", 1))
            article.linked = self.url(article.old_path)
            self.by_old_path[article.old_path] = article
        else:
            article.canonical = f"https://{SYNDICATION_HOST}{article.path}"

    def link(self, article: MirrorArticle) -> str:
        """The absolute URL by which listings, feeds and sitemaps name the article."""
        return article.linked or self.url(article.path)

    # -- rendering -------------------------------------------------------------------------

    def render(self, target: str) -> Page | None:
        parts = urlsplit(target)
        path, query = parts.path or "/", parse_qs(parts.query)
        if path == "/robots.txt":
            body = f"User-agent: *\nDisallow: {TRAP_PREFIX}\n\nSitemap: https://{self.host}/sitemap.xml\n"
            return Page(200, body.encode(), "text/plain; charset=utf-8")
        if path in self.by_old_path:
            return Page(301, b"", headers={"Location": self.url(self.by_old_path[path].path)})
        if path in self.by_path and self.faulty and self.fault_of(self.by_path[path]):
            return self._faulty_article(self.by_path[path])
        if self.faulty and self._navigation_fails(path, query):
            return Page(503, b"<html><body><h1>503 Service Unavailable</h1></body></html>")
        if path in self.by_path:
            article = self.by_path[path]
            body = self._rendered.get((path, article.version, self.redesigned))
            legacy = self.is_legacy_charset(article)
            if body is None:
                text = self._article_page(article)
                body = encode_windows_1258(text) if legacy else text.encode()
                if self.cache_pages:
                    self._rendered[(path, article.version, self.redesigned)] = body
            return Page(200, body, "text/html; charset=windows-1258" if legacy else "text/html; charset=utf-8")
        if path.startswith(TRAP_PREFIX):
            return Page(200, b"<html><body><h1>Robots.txt forbids this page</h1></body></html>")
        for number, listing in enumerate(self.profile.listings):
            listing_path = urlsplit(listing.url).path
            if path == listing_path:
                page = int((query.get("page") or query.get("_101_cur") or ["1"])[0])
                return Page(200, self._listing_page(number, page).encode())
            if self.family == "detail" and path.startswith("/timelinelist/"):
                _, _, zone, page = path.split("/")
                if int(zone) == self._zone(number):
                    return Page(200, self._listing_items(number, int(page.split(".")[0])).encode())
        for feed in self.profile.feeds:
            if path == urlsplit(feed).path:
                return Page(200, self._rss().encode(), "application/rss+xml; charset=utf-8")
        if path == "/sitemap.xml" and self.profile.sitemaps:
            return Page(200, self._sitemap_index().encode(), "application/xml; charset=utf-8")
        if path.startswith("/sitemaps/news-"):
            year, month = path[len("/sitemaps/news-"):-len(".xml")].split("-")
            return Page(200, self._sitemap_month(int(year), int(month)).encode(), "application/xml; charset=utf-8")
        if path == "/":
            return Page(200, f"<html><body><h1>{self.host}</h1></body></html>".encode())
        return None

    def fault_of(self, article: MirrorArticle) -> str | None:
        """Which of FAULTS the article's URL gives in fault mode: a third of the articles."""
        return FAULTS[article.index % 15] if article.index % 15 < len(FAULTS) else None

    def _faulty_article(self, article: MirrorArticle) -> Page:
        fault = self.fault_of(article)
        if fault == "error-page":  # the CMS's error page, with status 200
            return Page(200, "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Lỗi hệ thống</title></head>"
                             "<body><h1>Lỗi hệ thống</h1><p>Đã có lỗi xảy ra trong quá trình xử lý yêu cầu. "
                             "Vui lòng thử lại sau.</p></body></html>".encode())
        if fault == "cut-short":  # cut at a paragraph half-way, its Content-Length matching
            page = self._article_page(article).encode()
            return Page(200, page[:page.rindex(b"</p>", 0, len(page) // 2) + 4])
        if fault == "pdf":  # a document where the article was
            return Page(200, PDF, "application/pdf")
        if fault == "wrong-charset":
            if article.index % 2:  # UTF-16 (no BOM) that the header says is windows-1258: detected
                return Page(200, self._article_page(article).encode("utf-16-le"), "text/html; charset=windows-1258")
            # windows-1258 bytes that the header says are UTF-8
            return Page(200, encode_windows_1258(self._article_page(article)), "text/html; charset=utf-8")
        return Page(302, b"", headers={"Location": f"https://{self.host}/"})  # to the home page

    def _navigation_fails(self, path: str, query: dict) -> bool:
        """About one listing, feed or sitemap URL in eight answers 503 in fault mode."""
        if path in {urlsplit(feed).path for feed in self.profile.feeds}:
            return True
        if path.startswith("/sitemaps/news-"):
            return int(path[-6:-4]) % 4 == 0
        page = int((query.get("page") or query.get("_101_cur") or ["1"])[0])
        listings = {urlsplit(listing.url).path for listing in self.profile.listings}
        return (path in listings or path.startswith("/timelinelist/")) and page % 8 == 3

    def _zone(self, listing: int) -> int:
        return 1021119 + listing

    def _in_listing(self, listing: int) -> list[MirrorArticle]:
        return [a for a in reversed(self.articles) if a.listing == listing]

    def _page_of(self, listing: int, page: int) -> list[MirrorArticle]:
        items = self._in_listing(listing)
        return items[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]

    def _content(self, article: MirrorArticle) -> tuple[str, str, list[str]]:
        title = self.writer.title(article.key)
        lead = self.writer.lead(article.key)
        paragraphs = self.writer.paragraphs(article.key, self.paragraph_count)
        if article.version > 1:
            title += f" (cập nhật lần {article.version - 1})"
            paragraphs[-1] += f" Thông tin được cập nhật lần thứ {article.version - 1}."
        return title, lead, paragraphs

    def _make_filler(self) -> str:
        if not self.page_kb:
            return ""
        menu = "".join(f'<li><a href="/chuyen-muc-{i}.htm">Chuyên mục số {i}</a></li>' for i in range(120))
        rule = ".box-item-{0}{{margin:0 0 {0}px;padding:{0}px 8px;border-bottom:1px solid #eee}}\n"
        css = "".join(rule.format(i) for i in range(4000))
        target = self.page_kb * 1024
        css *= target // len(css) + 1  # pages of many megabytes too
        return f'<nav class="menu-top"><ul>{menu}</ul></nav><style>{css[: max(0, target - 14000)]}</style>'

    def _related(self, article: MirrorArticle) -> list[MirrorArticle]:
        others = [a for a in self.articles[max(0, article.index - 4): article.index]]
        return list(reversed(others))

    def is_feed_dated(self, article: MirrorArticle) -> bool:
        return self.feed_dated and article.index % 5 == 2

    def is_legacy_charset(self, article: MirrorArticle) -> bool:
        return self.legacy_charset and article.index % 7 == 4

    def _article_page(self, article: MirrorArticle) -> str:
        page = self._dated_article_page(article)
        if self.is_feed_dated(article):
            for dated in _DATES_SHOWN:
                page = dated.sub("", page)
        return page

    def _dated_article_page(self, article: MirrorArticle) -> str:
        title, lead, paragraphs = self._content(article)
        esc = html.escape
        published = article.published
        iso = published.isoformat()
        modified = (article.updated or published).isoformat()
        author = self.writer.author(article.key)
        canonical = article.canonical or self.url(article.path)
        listing = self.profile.listings[article.listing] if self.profile.listings else None
        category_path = urlsplit(listing.url).path if listing else "/"
        category = f"Chuyên mục {article.listing + 1}"
        body = "".join(f"<p>{esc(p)}</p>" for p in paragraphs)
        ld = json.dumps({"@context": "http://schema.org", "@type": "NewsArticle", "headline": title,
                         "datePublished": iso, "dateModified": modified,
                         "author": {"@type": "Person", "name": author if self.family != "detail" else ""}},
                        ensure_ascii=False)
        head = (f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{esc(title)}</title>'
                f'<meta property="og:title" content="{esc(title)}"><link rel="canonical" href="{canonical}">'
                f'<meta property="article:published_time" content="{iso}">'
                f'<script type="application/ld+json">{ld}</script></head><body>{self._filler}')
        related = self._related(article)
        if self.family == "detail":
            box = "".join(
                f'<li class="kbwscwlrl"><span class="kbwscwlrl-label">Tham khảo thêm</span><div class="kbwscwlrl-content">'
                f'<h4 class="kbwscwlrl-title"><a href="{r.path}" class="title">{esc(self._content(r)[0])}</a></h4></div></li>'
                for r in related)
            return (f'{head}<div class="detail-breadcrumb"><ul><li><a href="{category_path}">{category}</a></li></ul></div>'
                    f'<h1 class="detail-title" data-role="title">{esc(title)}</h1>'
                    f'<h2 class="detail-sapo" data-role="sapo">(Chinhphu.vn) - {esc(lead)}</h2>'
                    f'<div class="detail-time"><div data-role="publishdate">{published:%d/%m/%Y %H:%M}</div></div>'
                    f'<div class="detail-content afcbc-body" data-role="content">{body}'
                    f'<div type="RelatedNewsBox"><ul>{box}</ul></div></div></body></html>')
        if self.family == "article" and self.redesigned:
            # The new template: no class our profile knows, the lead an unmarked block.
            return (f'{head}<main class="trang-bai"><h1 class="bai__tieu-de">{esc(title)}</h1>'
                    f'<div class="bai__dau"><p>{esc(lead)}</p></div>'
                    f'<div class="bai__noi-dung">{body}<p class="bai__nguoi-viet">{esc(author)}</p></div>'
                    f'</main></body></html>')
        if self.family == "article":
            stories = "".join(
                f'<article class="story"><h2 class="story__heading"><a class="cms-link" href="{self.url(r.path)}">'
                f'{esc(self._content(r)[0])}</a></h2></article>' for r in related)
            weekday = WEEKDAYS[published.weekday()]
            return (f'{head}<div class="breadcrumb"><h2 class="main"><a href="{self.url(category_path)}">{category}</a></h2></div>'
                    f'<h1 class="article__title cms-title">{esc(title)}</h1>'
                    f'<div class="article__sapo cms-desc"><p>{esc(lead)}</p></div>'
                    f'<div class="article__meta"><time class="time" datetime="{iso}">{weekday}, ngày {published:%d/%m/%Y - %H:%M}</time></div>'
                    f'<div class="article__body cms-body" itemprop="articleBody">{body}'
                    f'<div class="article__author"><p class="name">{esc(author)}</p></div></div>'
                    f'<div class="article-footer"><div class="related-news"><h3 class="box-heading"><span class="title">Tin liên quan</span></h3>'
                    f'<div class="box-content">{stories}</div></div></div></body></html>')
        links = "".join(f'<li><h3 class="asset-title"><a href="{r.path}">{esc(self._content(r)[0])}</a></h3></li>' for r in related)
        return (f'{head}<div class="breadcrumbs"><ul><li><a href="/">Trang chủ</a></li><li><a href="{category_path}">{category}</a></li></ul></div>'
                f'<h3 class="asset-title">{esc(title)}</h3>'
                f'<div class="assetPublishDate">Ngày đăng {published:%d/%m/%Y} | {published:%I:%M %p}</div>'
                f'<div class="asset-summary">{esc(lead)}</div><div class="journal-content-article">{body}</div>'
                f'<div class="asset-links"><h3>Tin khác</h3><ul>{links}</ul></div></body></html>')

    def _item_html(self, article: MirrorArticle) -> str:
        if self.is_feed_dated(article):  # the listing shows no date either
            return _LISTING_DATES.sub("", self._dated_item_html(article))
        return self._dated_item_html(article)

    def _dated_item_html(self, article: MirrorArticle) -> str:
        title = html.escape(self._content(article)[0])
        when = f"{article.published:%d/%m/%Y %H:%M}"
        # Root-relative where the site's CMS writes them so, absolute where a variant needs it.
        href = article.linked or article.path
        if self.family == "detail":
            return (f'<div class="box-stream-item"><h2><a class="box-stream-link-title" href="{href}">{title}</a></h2>'
                    f'<span class="time-ago box-stream-time">{when}</span></div>')
        if self.family == "article":
            return (f'<article class="story"><h3 class="story__heading"><a class="cms-link" href="{self.link(article)}">{title}</a></h3>'
                    f'<time class="time" datetime="{article.published.isoformat()}">{when}</time></article>')
        return (f'<div class="asset-abstract"><h3 class="asset-title"><a href="{href}">{title}</a></h3>'
                f'<div class="assetPublishDate">Ngày đăng {article.published:%d/%m/%Y} | {article.published:%I:%M %p}</div></div>')

    def _listing_items(self, listing: int, page: int) -> str:
        items = "".join(self._item_html(a) for a in self._page_of(listing, page))
        if page == 1:  # a link the crawler must never follow: robots.txt forbids it
            trap = {"detail": f"{TRAP_PREFIX}-102260101000000000.htm", "article": f"{TRAP_PREFIX}-post1.html",
                    "liferay": f"{TRAP_PREFIX}/-/view_content/1-bai-bi-chan.html"}
            items += f'<div class="box-stream-item"><a class="box-stream-link-title cms-link" href="{trap[self.family]}">Bài bị chặn bởi robots.txt</a></div>'
        return items

    def _listing_page(self, listing: int, page: int) -> str:
        items = self._listing_items(listing, page)
        if self.family == "detail":
            return (f'<html><head><meta charset="utf-8"><title>Danh mục</title></head><body>{self._filler}'
                    f'<input type="hidden" id="hdZoneId" value="{self._zone(listing)}">'
                    f'<div class="box-stream timeline_list">{items}</div>'
                    f'<a href="javascript:;" class="view-more">Xem thêm</a></body></html>')
        if self.family == "article":
            more = len(self._in_listing(listing)) > page * PAGE_SIZE
            nav = f'<a class="next" href="?page={page + 1}">Trang sau</a>' if more else ""
            return f'<html><head><meta charset="utf-8"></head><body>{self._filler}<div class="box-content">{items}</div>{nav}</body></html>'
        return (f'<html><head><meta charset="utf-8"></head><body>{self._filler}<div class="portlet-asset-publisher">{items}</div>'
                f'<div class="taglib-page-iterator"><a href="?_101_cur={page + 1}">Sau</a></div></body></html>')

    def _rss(self) -> str:
        items = []
        for article in list(reversed(self.articles))[:30]:
            title = html.escape(self._content(article)[0])
            # US month-first, no zone: the real feed's trap.
            pub = f"{article.published.month}/{article.published.day}/{article.published.year} " \
                  f"{article.published:%I:%M:%S %p}".replace(" 0", " ")
            items.append(f"<item><title><![CDATA[{title}]]></title><link><![CDATA[{self.link(article)}]]></link>"
                         f"<pubDate>{pub}</pubDate></item>")
        return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{self.host}</title>{"".join(items)}</channel></rss>'

    def _months(self) -> list[tuple[int, int]]:
        return sorted({(a.published.year, a.published.month) for a in self.articles}, reverse=True)

    def _sitemap_index(self) -> str:
        entries = []
        for year, month in self._months():
            members = [a for a in self.articles if (a.published.year, a.published.month) == (year, month)]
            lastmod = max((a.updated or a.published) for a in members).isoformat()
            entries.append(f"<sitemap><loc>https://{self.host}/sitemaps/news-{year}-{month}.xml</loc><lastmod>{lastmod}</lastmod></sitemap>")
        entries.append(f"<sitemap><loc>https://{self.host}/sitemaps/categories.xml</loc></sitemap>")
        return f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{"".join(entries)}</sitemapindex>'

    def _sitemap_month(self, year: int, month: int) -> str:
        urls = []
        for article in self.articles:
            if (article.published.year, article.published.month) == (year, month):
                lastmod = (article.updated or article.published).isoformat()
                urls.append(f"<url><loc>{self.link(article)}</loc><lastmod>{lastmod}</lastmod></url>")
        return f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{"".join(urls)}</urlset>'



# Where an article page and a listing item show their dates, in the three families' markup.
_DATES_SHOWN = [re.compile(p) for p in (
    r'<meta property="article:published_time" content="[^"]*">', r'"date(?:Published|Modified)": "[^"]*", ',
    r'<div class="detail-time">.*?</div></div>', r'<div class="article__meta">.*?</div>',
    r'<div class="assetPublishDate">[^<]*</div>')]
_LISTING_DATES = re.compile(r'<span class="time-ago box-stream-time">[^<]*</span>|<time class="time"[^>]*>[^<]*</time>'
                            r'|<div class="assetPublishDate">[^<]*</div>')
_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"  # windows-1258 writes these as combining characters


def encode_windows_1258(text: str) -> bytes:
    """Vietnamese text as windows-1258 writes it: letters with a circumflex, breve or horn
    precomposed, tone marks combining after them."""
    composed = []
    for char in unicodedata.normalize("NFD", text):
        if composed and unicodedata.combining(char) and char not in _TONE_MARKS:
            composed[-1] = unicodedata.normalize("NFC", composed[-1] + char)
        else:
            composed.append(char)
    return "".join(composed).encode("windows-1258", errors="xmlcharrefreplace")
