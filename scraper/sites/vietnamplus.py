"""vietnamplus.vn: Vietnam News Agency's news site ("article__*" family)."""
from .base import SiteProfile
from .families import ARTICLE, ARTICLE_SIDEBAR

PROFILE = SiteProfile(
    name="vietnamplus.vn",
    domains=("vietnamplus.vn", "www.vietnamplus.vn"),
    article_patterns=(r"^https?://(www\.)?vietnamplus\.vn/[a-z0-9-]+-post\d+\.vnp$",),
    family="article",
    verified=False,
    verified_note="no saved page; family markup verified on nhandan.vn",
    selectors=ARTICLE,
    sidebar=ARTICLE_SIDEBAR,
    listing_links=".story__heading a[href], .story__title a[href]",
    feeds=("https://www.vietnamplus.vn/rss/home.rss",),
    # The index also lists category sitemaps, which hold no articles.
    sitemaps=("https://www.vietnamplus.vn/sitemaps/google-news.xml",),
)
