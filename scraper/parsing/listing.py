"""Listing pages: the article links they show (in reading order, with the dates printed beside
them as hints) and where the next page is. Pure: (html, url) in, data out."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable
from urllib.parse import parse_qsl

from ..sites.base import SiteProfile
from .dates import parse_vietnamese_datetime
from .document import parse_tree, select, text_of
from .sidebar import looks_like_article
from .urls import canonicalize_url, join_url

_NEXT_TEXT = re.compile(r"^(trang sau|sau|tiếp|tiếp theo|next|»|›|>|>>)$", re.IGNORECASE)
_PAGER = re.compile(r"paginat|pagation|pager|paging|page-?iterator|phan-?trang|page-?nav", re.IGNORECASE)
_PAGE_NUMBER = re.compile(r"(?:[?&](?:page|p|trang|_\d+_cur)=|/p|/trang-|-page)(\d+)", re.IGNORECASE)


@dataclass
class ListingItem:
    url: str
    title: str | None = None
    published: datetime | None = None  # a hint from the listing, not the record's date


@dataclass
class ListingPage:
    items: list[ListingItem] = field(default_factory=list)
    next_page: str | None = None  # a plain link to the next page, when the page has one
    zone: str | None = None  # the timeline zone id of "detail-*" CMS pages (#hdZoneId)


def parse_listing(html: bytes | str, url: str, *, profile: SiteProfile | None = None,
                  is_article: Callable[[str], bool] | None = None) -> ListingPage:
    root = parse_tree(html)
    if root is None:
        return ListingPage()
    is_article = is_article or (profile.is_article_url if profile and profile.article_patterns else looks_like_article)
    found: dict[str, ListingItem] = {}
    preferred = select(root, profile.listing_links) if profile and profile.listing_links else []
    for link in preferred + list(root.iter("a")):
        href = link.get("href")
        if not href or href.startswith(("javascript:", "#", "mailto:")):
            continue
        absolute = join_url(url, href.strip())
        if absolute is None or not is_article(absolute.split("#", 1)[0]):  # cheap test before canonicalizing
            continue
        target = canonicalize_url(absolute)
        title = text_of(link) or None
        item = found.get(target)
        if item is None:
            found[target] = ListingItem(target, title if title and len(title.split()) >= 3 else None, _item_date(link))
        elif item.title is None and title and len(title.split()) >= 3:
            item.title = title
    zone = next((e.get("value") for e in root.iter("input") if e.get("id") == "hdZoneId"), None)
    return ListingPage(list(found.values()), _next_page(root, url), zone)


def _item_date(link) -> datetime | None:
    """A date printed beside the link in its list item, if any."""
    node = link
    for _ in range(3):
        node = node.getparent()
        if node is None:
            return None
        for element in node.iter("time", "span", "div", "p"):
            text = element.get("datetime") or ""
            if not text and re.search(r"time|date", element.get("class") or "", re.I):
                text = "".join(element.itertext())
            if text:
                value = parse_vietnamese_datetime(text, fallback=False)
                if value:
                    return value
    return None


def _page_number(url: str) -> int | None:
    numbers = [int(n) for n in _PAGE_NUMBER.findall(url)]
    return numbers[-1] if numbers else None


def _next_page(root, url: str) -> str | None:
    for element in root.iter("a", "link"):
        if (element.get("rel") or "").lower() == "next" and element.get("href"):
            return join_url(url, element.get("href"))
    pagers = [e for e in root.iter("div", "ul", "nav", "section", "p", "span")
              if _PAGER.search(f"{e.get('class') or ''} {e.get('id') or ''}")]
    links = [a for pager in pagers for a in pager.iter("a") if a.get("href") and not a.get("href").startswith("javascript:")]
    for link in links:
        if _NEXT_TEXT.match(text_of(link)) or _NEXT_TEXT.match(link.get("title") or ""):
            return join_url(url, link.get("href"))
    for link in root.iter("a"):  # a lone "Trang sau" / class="next" link outside any pager
        href = link.get("href")
        if href and not href.startswith("javascript:") and (
                _NEXT_TEXT.match(text_of(link)) or re.search(r"(^|\s)next(\s|$)", link.get("class") or "")):
            return join_url(url, href)
    current = _page_number(url) or 1
    for link in links:
        if text_of(link) == str(current + 1):
            return join_url(url, link.get("href"))
    # Liferay search containers: the link whose _cur is one past ours.
    for link in root.iter("a"):
        params = dict(parse_qsl((link.get("href") or "").partition("?")[2]))
        cursor = next((v for k, v in params.items() if k.endswith("_cur")), None)
        if cursor and cursor.isdigit() and int(cursor) == current + 1:
            return join_url(url, link.get("href"))
    return None
