"""quochoi.vn: the National Assembly (SharePoint), behind a JavaScript cookie challenge."""
from .base import Selectors, SiteProfile

PROFILE = SiteProfile(
    name="quochoi.vn",
    domains=("quochoi.vn", "www.quochoi.vn"),
    article_patterns=(r"^https?://(www\.)?quochoi\.vn/tintuc/Pages/[^?]+\.aspx\?ItemID=\d+$",),
    family="sharepoint",
    verified=False,
    verified_note="no saved page; challenge document.cookie=\"D1N=...\" from other crawlers",
    selectors=Selectors(title="h1, .title-detail", body=".content-detail, #ctl00_PlaceHolderMain_ctl00_Content"),
    cookie_challenge=True,
)
