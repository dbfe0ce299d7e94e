"""Selectors of the CMS families that many state outlets share (see ../shared/sites.md)."""
from __future__ import annotations

from .base import Selectors, SidebarList

# baochinhphu.vn, xaydungchinhsach.chinhphu.vn, vpcp.chinhphu.vn, hanoi.gov.vn, ...
DETAIL = Selectors(
    title="h1.detail-title",
    sapo="h2.detail-sapo",
    published="div[data-role=publishdate]",
    author=".detail-author",
    body="div.detail-content",
    category=".detail-breadcrumb a",
    tags=".detail-tab a",
    drop=("[type=RelatedNewsBox]", ".kbwscwl-relatedbox", ".detail-tab", ".detail-tags"),
)
# Sidebar lists are found by the generic grouping (every article link outside the body, named
# by its box's heading); a profile lists a box only where that reading would go wrong.
DETAIL_SIDEBAR = (
    # The inline related box: each item carries its own "Tham khảo thêm" label.
    SidebarList(box="div[type=RelatedNewsBox]", name=".kbwscwlrl-label", link=".kbwscwlrl-title a"),
)

# nhandan.vn, vietnamplus.vn, sggp.org.vn, tienphong.vn
ARTICLE = Selectors(
    title="h1.article__title",
    sapo=".article__sapo",
    published=".article__meta time",
    author=".article__author .name, .article__author",
    body=".article__body",
    category=".breadcrumb a",
    tags=".article__tag a",
    lead_image="figure.article__avatar",
    drop=(".sda_middle", ".article__author", ".rennab", ".related-news", ".article__tag"),
)
ARTICLE_SIDEBAR: tuple[SidebarList, ...] = ()  # related / trending / many-pack: generic grouping

# qdnd.vn, dangcongsan.vn
POST = Selectors(
    title="h1.post-title, h1.title-detail, h1",
    sapo=".post-summary, .post-sapo",
    published=".lbPublishedDate, .post-subinfo .date, .post-subinfo",
    author=".post-author, .author",
    body=".post-content, [itemprop=articleBody]",
    category=".breadcrumb a, .post-cate a",
    tags=".post-tags a, .tag-list a",
    drop=(".post-relate", ".related", ".post-tags"),
)
POST_SIDEBAR: tuple[SidebarList, ...] = ()

# Liferay 6/7 portals: Sở and provincial portals, hochiminhcity.gov.vn, moh.gov.vn
LIFERAY = Selectors(
    title=".journal-content-article h1, .asset-title, .header-title, h3.title",
    sapo=".journal-content-article .sapo, .asset-summary, .taglib-abstract",
    published=".assetPublishDate, .publish-date, .metadata-publish-date, .date-time",
    author=".asset-author, .metadata-author",
    body=".journal-content-article",
    category=".breadcrumb a, .breadcrumbs a",
    tags=".taglib-asset-tags-summary a, .asset-tags a",
    drop=(".asset-links", ".taglib-social-bookmarks", ".asset-ratings", ".taglib-ratings"),
)
LIFERAY_SIDEBAR: tuple[SidebarList, ...] = ()
