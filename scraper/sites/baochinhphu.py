"""baochinhphu.vn: the Government's news portal ("detail-*" CMS family)."""
from .base import Listing, SiteProfile
from .families import DETAIL, DETAIL_SIDEBAR

PROFILE = SiteProfile(
    name="baochinhphu.vn",
    domains=("baochinhphu.vn", "www.baochinhphu.vn"),
    # id = 102 + yymmddHHMMSS + milliseconds: 17 or 18 digits in all.
    article_patterns=(r"^https?://(www\.)?baochinhphu\.vn/[a-z0-9-]+-102\d{14,15}\.htm$",),
    family="detail",
    verified=True,
    verified_note="corpus: article-102260228093004191, listing-chinh-sach-moi, rss-kinh-te",
    selectors=DETAIL,
    sidebar=DETAIL_SIDEBAR,
    listings=(
        Listing(
            "https://baochinhphu.vn/chinh-sach-va-cuoc-song/chinh-sach-moi.htm",
            next_page="https://baochinhphu.vn/timelinelist/{zone}/{n}.htm",
        ),
        Listing("https://baochinhphu.vn/chinh-phu.htm", next_page="https://baochinhphu.vn/timelinelist/{zone}/{n}.htm"),
    ),
    listing_links=".box-category-item a[href], .box-stream-item a[href], .list__focus a[href], a.box-category-link-title",
    feeds=("https://baochinhphu.vn/home.rss",),
    notes="Sapo starts '(Chinhphu.vn) - '. Related lists below the article load by JavaScript. "
    "RSS pubDate is US month-first without zone.",
)
