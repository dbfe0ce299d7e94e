"""The site profile: everything the crawler and the parser know about one site, as data.

A profile is read once and never mutated. Selectors are CSS; a field left empty falls back to
structured metadata and then to the generic extractor, so a profile only says what is special.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property


@dataclass(frozen=True)
class Selectors:
    """CSS selectors for the article fields; each may list alternatives separated by commas."""

    title: str = ""
    sapo: str = ""
    published: str = ""  # element whose visible text (or datetime/content attribute) is the date
    updated: str = ""
    author: str = ""
    body: str = ""
    category: str = ""  # breadcrumb links; the last one is the category
    tags: str = ""
    lead_image: str = ""  # a figure outside the body that belongs to the article
    drop: tuple[str, ...] = ()  # removed from the body before text is taken


@dataclass(frozen=True)
class SidebarList:
    """A list of links around the article: where its box is and where its name is written."""

    box: str  # CSS for each box holding one list
    name: str = ""  # CSS inside the box for the visible name; empty = unlabelled
    link: str = "a[href]"  # CSS inside the box for the item links
    fixed_name: str | None = None  # a name to use when the box shows none in the markup


@dataclass(frozen=True)
class Listing:
    """A category or listing page and how it paginates."""

    url: str
    # "{url}?page={n}", "{url}/p/{n}", "{base}/trang-{n}.htm", "{url}&_101_cur={n}", or
    # a timeline endpoint such as "https://baochinhphu.vn/timelinelist/{zone}/{n}.htm".
    next_page: str = ""
    max_pages: int = 50


@dataclass(frozen=True, eq=False)  # profiles are singletons: identity hashing is cheap and right
class SiteProfile:
    name: str  # the site's main host, also the archive partition key
    domains: tuple[str, ...]
    article_patterns: tuple[str, ...]  # regexes over the full URL
    family: str = "generic"
    verified: bool = False  # checked against a real saved page in the shared corpus
    verified_note: str = ""
    selectors: Selectors = field(default_factory=Selectors)
    sidebar: tuple[SidebarList, ...] = ()
    listings: tuple[Listing, ...] = ()
    listing_links: str = ""  # CSS for article links on listing pages
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    # Crawl quirks, each handled by a downloader middleware.
    cookie_challenge: bool = False
    session_priming_url: str = ""
    legacy_tls: bool = False
    notes: str = ""

    @cached_property
    def _compiled_patterns(self) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(p) for p in self.article_patterns)

    def is_article_url(self, url: str) -> bool:
        return any(p.search(url) for p in self._compiled_patterns)
