"""Selectors of the CMS families that many state outlets share (see ../shared/sites.md)."""
from __future__ import annotations

from .base import Selectors, SidebarList

# baochinhphu.vn, xaydungchinhsach.chinhphu.vn, vpcp.chinhphu.vn, hanoi.gov.vn, ...
DETAIL = Selectors(
    title="h1.detail-title, [data-role=title]",
    sapo="h2.detail-sapo, [data-role=sapo]",
    published="[data-role=publishdate], .detail-time",
    author=".detail-author, .detail-author-top, [data-role=author]",
    body="div.detail-content[data-role=content], div.detail-content, .afcbc-body",
    category=".detail-breadcrumb li a, .detail-cate a",
    tags=".detail-tab a, .detail-tags a, .tags-wrapper a",
    drop=("[type=RelatedNewsBox]", ".kbwscwl-relatedbox", ".detail-tab", ".detail-tags"),
)
DETAIL_SIDEBAR = (
    # The inline related box: each item carries its own "Tham khảo thêm" label.
    SidebarList(box="[type=RelatedNewsBox]", name=".kbwscwlrl-label", link=".kbwscwlrl-title a"),
    SidebarList(box=".box-related, .detail__related", name=".box-heading, .title", link="a[href]"),
)

# nhandan.vn, vietnamplus.vn, sggp.org.vn, tienphong.vn
ARTICLE = Selectors(
    title="h1.article__title",
    sapo=".article__sapo",
    published=".article__meta time, time.time, .article__meta .time",
    author=".article__author .name, .article__author",
    body=".article__body.cms-body, .article__body",
    category=".breadcrumb a, .breadcrumb-detail a",
    tags=".article__tag a, .article__tags a",
    lead_image="figure.article__avatar",
    drop=(".sda_middle", ".article__author", ".rennab", ".related-news", ".article__tag"),
)
ARTICLE_SIDEBAR = (
    SidebarList(
        box=".related-news, .trending, .many-pack, .box-related, .box-most-read, .highlight",
        name=".box-heading .title, .box-heading, .box-title",
        link=".story__heading a, .story__title a",
    ),
)

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
POST_SIDEBAR = (
    SidebarList(box=".post-relate, .related, .box-news-other", name=".title, h3", link="a[href]"),
)

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
LIFERAY_SIDEBAR = (
    SidebarList(
        box=".asset-links, .other-news, .tin-lien-quan, .portlet-asset-publisher",
        name=".portlet-title, .title, h2, h3",
        link=".asset-title a, a[href*='/view_content/'], a[href*='/-/asset_publisher/']",
    ),
)
