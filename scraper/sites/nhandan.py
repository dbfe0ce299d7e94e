"""nhandan.vn: the Party's daily ("article__*" CMS family)."""
from .base import Listing, SiteProfile
from .families import ARTICLE, ARTICLE_SIDEBAR

PROFILE = SiteProfile(
    name="nhandan.vn",
    domains=("nhandan.vn", "www.nhandan.vn"),
    article_patterns=(r"^https?://(www\.)?nhandan\.vn/[a-z0-9-]+-post\d+\.html$",),
    family="article",
    verified=True,
    verified_note="corpus: article-post976641 (transcribed), desktop/mobile templates",
    selectors=ARTICLE,
    sidebar=ARTICLE_SIDEBAR,
    listings=(Listing("https://nhandan.vn/chinhtri/", next_page="{url}?page={n}"),),
    listing_links=".story__heading a[href], .story__title a[href]",
    feeds=("https://nhandan.vn/rss/home.rss",),
    sitemaps=("https://nhandan.vn/sitemap.xml",),
)
