"""hanoimoi.vn: the Hanoi Party Committee's daily."""
from .base import Selectors, SiteProfile

PROFILE = SiteProfile(
    name="hanoimoi.vn",
    domains=("hanoimoi.vn", "www.hanoimoi.vn"),
    article_patterns=(r"^https?://(www\.)?hanoimoi\.vn/[a-z0-9-]+-\d{5,}\.html$",),
    family="onecms",
    verified=True,
    verified_note="corpus: article-731520 (longform template)",
    selectors=Selectors(
        title="h1",
        sapo=".sc-longform-header-sapo, .c-detail-head__sapo",
        published=".sc-longform-header-date, .c-detail-head__time",
        author=".sc-longform-header-author, .c-detail-head__author",
        body="div.b-maincontent > .entry",
        category=".breadcrumb .breadcrumb-item a",
        tags=".c-widget-tags a",
        drop=(".sc-longform-header", ".c-main-banner", ".sc-empty-layer"),
    ),
    sitemaps=("https://hanoimoi.vn/sitemap.xml",),
    notes="article:published_time is US month-first '1/28/2026 6:52:01 AM'. "
    "Several sidebar boxes are empty AJAX placeholders.",
)
