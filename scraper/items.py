"""The article record: what every stage after the parser consumes.

Each field's type and meaning is defined in scraper/schema.py (and printed in docs/schema.md);
a test holds Article to it. This module depends on nothing else in the project but the schema.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from .schema import SCHEMA_VERSION

# Warnings that say the page fetched is not the article its URL names; validation rejects such
# records as "not an article". A list served at an article's URL (its headline links to
# another article); the home page or a section served there (it names itself as such and shows
# no publication date, or its title is "Trang chủ"); an article's URL that now redirects to a
# page that is no article.
LISTED_HEADLINE = "page lists articles"
SECTION_PAGE = "page names a home or section page as its address"
HOME_TITLE = "page is titled as a home page"
REDIRECTED_AWAY = "redirected to a page that is not an article"
GONE = "the article's URL answers"  # 404 Not Found or 410 Gone
NOT_AN_ARTICLE = (LISTED_HEADLINE, SECTION_PAGE, HOME_TITLE, REDIRECTED_AWAY, GONE)
# What the article's URL gave in place of its page; validation rejects such records as an
# "unusable page": a CMS error or maintenance page served with status 200, a PDF or an image, a
# page cut short in transfer, a page over the size limit, a page no charset reads cleanly.
ERROR_PAGE = "page is an error page"
NOT_HTML = "page is not HTML"
CUT_SHORT = "page is cut short"
TOO_LARGE = "page is too large"
UNDECODABLE = "page is undecodable"
UNUSABLE = (ERROR_PAGE, NOT_HTML, CUT_SHORT, TOO_LARGE, UNDECODABLE)
# A page whose rel=canonical (or og:url) names another page than itself: another site's (it was
# syndicated from there), or another article of its own site (a template fault). Its own URL
# stays its id: two articles never share one.
FOREIGN_CANONICAL = "the page names as its canonical URL"
# A site that withdrew an article: its URL redirects to, or serves, the home page or a section,
# or answers 404 or 410.
WITHDRAWN = (REDIRECTED_AWAY, SECTION_PAGE, HOME_TITLE, GONE)


def record_problem(record: dict) -> str | None:
    """Why a record cannot go into the archive, or None: what the crawl's validation and
    `vngov reparse` both apply. An unusable page, not an article, no URL, title or body, a
    malformed time."""
    for warning in record.get("warnings") or ():
        if warning.startswith(UNUSABLE):  # an error page, a PDF, a page cut short or too large
            return f"unusable page: {warning}"
        if warning.startswith(NOT_AN_ARTICLE):  # a list, a section or home page, a redirect away
            return f"not an article: {warning}"
    for name in ("url", "title", "body_text"):
        if not record.get(name):
            return f"missing {name}"
    for name in ("published_at", "updated_at"):
        value = record.get(name)
        if value is not None:
            try:
                parsed = datetime.fromisoformat(value)
            except (TypeError, ValueError):
                return f"bad {name}: {value!r}"
            if parsed.tzinfo is None:
                return f"bad {name}: no offset in {value!r}"
    return None


@dataclass
class Image:
    url: str
    caption: str | None = None


@dataclass
class SidebarItem:
    """One entry of a related / latest / most-read list shown around the article."""

    list: str | None  # the list's visible name ("Tin liên quan", "Đọc nhiều"), None if unlabelled
    title: str
    url: str  # absolute
    teaser: str | None = None
    position: int = 0  # 0-based rank inside its list


@dataclass
class Article:
    id: str
    url: str
    canonical_url: str
    site: str
    title: str | None = None
    sapo: str | None = None
    body_text: str | None = None
    body_html: str | None = None
    published_at: str | None = None  # ISO 8601, +07:00
    updated_at: str | None = None
    date_source: str | None = None
    author: str | None = None
    source: str | None = None  # the outlet or agency a closing line credits ("Theo TTXVN")
    category: str | None = None
    tags: list[str] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    sidebar: list[SidebarItem] = field(default_factory=list)
    language: str | None = None
    parser_version: str = ""
    schema_version: int = SCHEMA_VERSION
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        # By hand: dataclasses.asdict deep-copies recursively and cost ~0.4 ms a record.
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        data["tags"] = list(self.tags)
        data["warnings"] = list(self.warnings)
        data["images"] = [{"url": i.url, "caption": i.caption} for i in self.images]
        data["sidebar"] = [{"list": s.list, "title": s.title, "url": s.url, "teaser": s.teaser, "position": s.position}
                           for s in self.sidebar]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "Article":
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["images"] = [Image(**i) for i in known.get("images") or []]
        known["sidebar"] = [SidebarItem(**s) for s in known.get("sidebar") or []]
        return cls(**known)


def article_id(canonical_url: str) -> str:
    """A stable id: the same canonical URL always gives the same 20 hex characters."""
    return hashlib.blake2b(canonical_url.encode("utf-8"), digest_size=10).hexdigest()


_HINT_RANK = {"feed": 0, "sitemap": 1, "listing": 2, "start": 3, "retry": 4}


@dataclass
class Hints:
    """What discovery said of a URL before it was fetched: which kind of page led to it and the
    dates that page gave. Stored with the fetch (a WARC metadata record), so that a re-parse
    builds exactly the record the crawl built."""

    source: str = "listing"  # listing, feed, sitemap, start, or retry (of a transient reject)
    published_at: str | None = None  # ISO 8601 with offset, as the feed, sitemap or listing gave it
    lastmod: str | None = None  # a sitemap's <lastmod>, ISO 8601

    def to_dict(self) -> dict:
        return {"source": self.source, "published_at": self.published_at, "lastmod": self.lastmod}

    def combine(self, other: "Hints") -> "Hints":
        """What two discoveries of one URL say together: the publication time of the more
        authoritative source (a feed, then a sitemap, then a listing), the later lastmod."""
        first, second = sorted((self, other), key=lambda h: (h.published_at is None, _HINT_RANK.get(h.source, 9)))
        lastmods = [h.lastmod for h in (self, other) if h.lastmod]
        return Hints(source=first.source, published_at=first.published_at or second.published_at,
                     lastmod=max(lastmods) if lastmods else None)

    @classmethod
    def from_dict(cls, data: dict | None) -> "Hints":
        data = data or {}
        return cls(source=data.get("source") or "listing", published_at=data.get("published_at"),
                   lastmod=data.get("lastmod"))


@dataclass
class Fetch:
    """One fetched page, as the server sent it: what the record is built from and what the WARC
    keeps. `url` is where the page was found (after redirects); `requested_url` what was asked."""

    url: str
    body: bytes = b""
    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    fetched_at: str = ""  # ISO 8601, UTC
    requested_url: str | None = None
    hints: Hints = field(default_factory=Hints)

    @property
    def asked_for(self) -> str:
        return self.requested_url or self.url


@dataclass
class CrawledPage:
    """What a spider yields: the record built from a fetch, and the fetch itself (kept in WARC)."""

    record: dict
    fetch: Fetch
    warc_member: bytes | None = None  # the fetch's WARC records, when a parse worker encoded them
    problem: str | None = None  # why the record cannot be archived (record_problem), set by validation
