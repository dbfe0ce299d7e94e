"""hanoimoi.vn: the Hanoi Party Committee's daily."""
from .base import SiteProfile, Selectors, SidebarList

PROFILE = SiteProfile(
    name="hanoimoi.vn",
    domains=("hanoimoi.vn", "www.hanoimoi.vn"),
    article_patterns=(r"^https?://(www\.)?hanoimoi\.vn/[a-z0-9-]+-\d{5,}\.html$",),
    family="onecms",
    verified=True,
    verified_note="corpus: article-731520 (longform template)",
    selectors=Selectors(
        title="h1.c-detail-head__title, h1.sc-longform-header-title, h1",
        sapo=".c-detail-head__sapo, .sc-longform-header-sapo, .b-maincontent .sapo",
        published=".c-detail-head__time, .sc-longform-header-date",
        author=".c-detail-head__author, .sc-longform-header-author, .author",
        body=".b-maincontent .entry, .b-maincontent",
        category=".breadcrumb .breadcrumb-item a",
        tags=".c-widget-tags a",
        drop=(".sc-longform-header", ".c-main-banner", ".sc-empty-layer"),
    ),
    sidebar=(
        SidebarList(box=".c-box", name=".c-box__title__name", link=".b-grid__title a, .b-grid__img a"),
    ),
    sitemaps=("https://hanoimoi.vn/sitemap.xml",),
    notes="article:published_time is US month-first '1/28/2026 6:52:01 AM'. "
    "Several sidebar boxes are empty AJAX placeholders.",
)
