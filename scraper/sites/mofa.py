"""mofa.gov.vn: Ministry of Foreign Affairs (press briefings, spokesperson statements)."""
from .base import Listing, Selectors, SiteProfile

PROFILE = SiteProfile(
    name="mofa.gov.vn",
    domains=("mofa.gov.vn", "www.mofa.gov.vn"),
    article_patterns=(r"^https?://(www\.)?mofa\.gov\.vn/tin-chi-tiet/chi-tiet/[a-z0-9-]+-\d+-\d+\.html$",),
    family="mofa",
    verified=False,
    verified_note="no saved page; URL and listing shapes from other crawlers",
    selectors=Selectors(
        title="h1.news-title, h1",
        sapo=".news-sapo, .sapo",
        published=".news-date, .date-time, .time",
        body=".news-content, .content-detail",
    ),
    listings=(
        Listing("https://mofa.gov.vn/hop-bao", next_page="{url}?page={n}"),
        Listing("https://mofa.gov.vn/nguoi-phat-ngon", next_page="{url}?page={n}"),
    ),
    listing_links="h3.news-title a[href]",
)
