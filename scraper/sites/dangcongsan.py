"""dangcongsan.vn: the Communist Party's portal ("post-*" family)."""
from .base import Listing, SiteProfile
from .families import POST, POST_SIDEBAR

PROFILE = SiteProfile(
    name="dangcongsan.vn",
    domains=("dangcongsan.vn", "www.dangcongsan.vn"),
    article_patterns=(r"^https?://(www\.)?dangcongsan\.vn/[a-z0-9-]+/[a-z0-9-]+-\d{4,}\.html$",),
    family="post",
    verified=False,
    verified_note="no saved page; date form 'dddd, DD/MM/YYYY HH:mm' from other crawlers",
    selectors=POST,
    sidebar=POST_SIDEBAR,
    listings=(Listing("https://dangcongsan.vn/thoi-su", next_page="{url}/trang-{n}.html"),),
    listing_links="h3 a[href], .post-title a[href]",
)
