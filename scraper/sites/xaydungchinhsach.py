"""xaydungchinhsach.chinhphu.vn: policy-making news, same CMS as baochinhphu.vn."""
from .base import SiteProfile
from .families import DETAIL, DETAIL_SIDEBAR

PROFILE = SiteProfile(
    name="xaydungchinhsach.chinhphu.vn",
    domains=("xaydungchinhsach.chinhphu.vn",),
    article_patterns=(r"^https?://xaydungchinhsach\.chinhphu\.vn/[a-z0-9-]+-119\d{14,15}\.htm$",),
    family="detail",
    verified=False,
    verified_note="no saved page; family markup verified on baochinhphu.vn",
    selectors=DETAIL,
    sidebar=DETAIL_SIDEBAR,
    feeds=("https://xaydungchinhsach.chinhphu.vn/home.rss",),
)
