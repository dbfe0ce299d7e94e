"""sotttt.hanoi.gov.vn: a Hanoi department portal on Liferay 6, the shape of many Sở portals."""
from .base import Listing, SiteProfile
from .families import LIFERAY, LIFERAY_SIDEBAR

PROFILE = SiteProfile(
    name="sotttt.hanoi.gov.vn",
    domains=("sotttt.hanoi.gov.vn",),
    article_patterns=(r"^https?://sotttt\.hanoi\.gov\.vn/.*/-/view_content/\d+-[^/?#]+",),
    family="liferay",
    verified=True,
    verified_note="corpus: home, listings (pagination by _101_cur); no article page saved",
    selectors=LIFERAY,
    sidebar=LIFERAY_SIDEBAR,
    listings=(
        Listing("https://sotttt.hanoi.gov.vn/chi-dao-dieu-hanh", next_page="{url}?_101_cur={n}"),
        Listing("https://sotttt.hanoi.gov.vn/pctn", next_page="{url}?_101_cur={n}"),
    ),
    listing_links=".asset-title a[href]",
)
