"""qdnd.vn: the People's Army daily ("post-*" family)."""
from .base import Listing, SiteProfile
from .families import POST, POST_SIDEBAR

PROFILE = SiteProfile(
    name="qdnd.vn",
    domains=("qdnd.vn", "www.qdnd.vn"),
    article_patterns=(r"^https?://(www\.)?qdnd\.vn/[a-z0-9-]+/[a-z0-9-]+/[a-z0-9-]+-\d{5,}$",),
    family="post",
    verified=False,
    verified_note="no saved page; selectors from other crawlers",
    selectors=POST,
    sidebar=POST_SIDEBAR,
    listings=(Listing("https://www.qdnd.vn/chinh-tri", next_page="{url}/p/{n}"),),
    listing_links="h3 a[href], .post-title a[href]",
    feeds=("https://www.qdnd.vn/rss/cate/tin-tuc-moi-nhat.rss",),
    sitemaps=("https://www.qdnd.vn/sitemaps/pid/feed-0.xml",),
    # /rss answers with a redirect loop until a first request has set a session cookie.
    session_priming_url="https://www.qdnd.vn/",
)
