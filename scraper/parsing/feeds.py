"""RSS/Atom feeds and XML sitemaps: the article URLs they list, with the dates they give as
hints. Pure: bytes in, data out (the spider decides what to fetch)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from lxml import etree

from .dates import parse_vietnamese_datetime
from .urls import canonicalize_url

_XML = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=True)
# Sitemaps of categories, tags and media list no articles.
_SKIPPED_SITEMAP = re.compile(r"categor|chuyen-muc|/tags?[-/.]|topic|video|image", re.IGNORECASE)


@dataclass
class FeedEntry:
    url: str  # canonical
    published: datetime | None = None  # pubDate / published: a hint, not the record's date


@dataclass
class SitemapEntry:
    url: str  # canonical
    lastmod: datetime | None = None
    published: datetime | None = None  # a news sitemap's <news:publication_date>


@dataclass
class Sitemap:
    """A sitemap index (`children`: the sitemaps it names, with their lastmod) or a URL set."""

    children: list[SitemapEntry] = field(default_factory=list)
    entries: list[SitemapEntry] = field(default_factory=list)


def _root(body: bytes):
    try:
        return etree.fromstring(body, parser=_XML) if body and body.strip() else None
    except etree.XMLSyntaxError:  # recover=True leaves only documents with no element at all
        return None


def _date(text: str | None) -> datetime | None:
    return parse_vietnamese_datetime(text or "", source="meta", fallback=False) if text else None


def parse_feed(body: bytes) -> list[FeedEntry]:
    """The items of an RSS 2.0 or Atom feed, in feed order."""
    root = _root(body)
    if root is None:
        return []
    entries = []
    for item in root.iter("{*}item", "{*}entry"):
        link = (item.findtext("{*}link") or "").strip()
        if not link:
            atom = item.find("{*}link")
            link = (atom.get("href", "") if atom is not None else "").strip()
        if not link:
            continue
        published = parse_vietnamese_datetime(item.findtext("{*}pubDate") or item.findtext("{*}published") or "",
                                              source="feed", fallback=False)
        entries.append(FeedEntry(canonicalize_url(link), published))
    return entries


def parse_sitemap(body: bytes) -> Sitemap:
    """A sitemap index's article sitemaps, or a URL set's entries."""
    root = _root(body)
    sitemap = Sitemap()
    if root is None or not isinstance(root.tag, str):
        return sitemap
    if etree.QName(root).localname == "sitemapindex":
        for entry in root.iter("{*}sitemap"):
            loc = (entry.findtext("{*}loc") or "").strip()
            if loc and not _SKIPPED_SITEMAP.search(loc):
                sitemap.children.append(SitemapEntry(loc, _date(entry.findtext("{*}lastmod"))))
        return sitemap
    for entry in root.iter("{*}url"):
        loc = (entry.findtext("{*}loc") or "").strip()
        if loc:
            sitemap.entries.append(SitemapEntry(canonicalize_url(loc), _date(entry.findtext("{*}lastmod")),
                                                _date(entry.findtext(".//{*}publication_date"))))
    return sitemap
