"""moh.gov.vn: Ministry of Health portal (Liferay), whose TLS OpenSSL 3 rejects by default."""
from .base import SiteProfile
from .families import LIFERAY, LIFERAY_SIDEBAR

PROFILE = SiteProfile(
    name="moh.gov.vn",
    domains=("moh.gov.vn", "www.moh.gov.vn"),
    article_patterns=(r"^https?://(www\.)?moh\.gov\.vn/.*/-/asset_publisher/[^/]+/content/[^/?#]+",),
    family="liferay",
    verified=False,
    verified_note="no saved page; URL shape and weak-DH TLS from other crawlers",
    selectors=LIFERAY,
    sidebar=LIFERAY_SIDEBAR,
    legacy_tls=True,
)
