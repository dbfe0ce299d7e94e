"""The one path from a fetched page to the record the archive stores: the crawl (in process or
on a parse worker) and `vngov reparse` both call `build_record`, and nothing patches a record
afterwards, so a re-parse with the same parser gives exactly what the crawl gave."""
from __future__ import annotations

import re
from datetime import datetime

from ..items import REDIRECTED_AWAY, Fetch
from ..sites import get_profile, profile_for_url, registered_host, site_name
from ..sites.base import SiteProfile
from .article import parse_article
from .sidebar import looks_like_article
from .urls import canonicalize_url

_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
# Discovery dates a page without a date of its own takes, and the date_source it then gets:
# both are machine-readable publication times. A listing's printed date is not (often relative,
# or the day only), and lastmod is an edit time.
DATE_HINT_SOURCES = ("feed", "sitemap")


def declared_charset(headers: list[tuple[str, str]]) -> str | None:
    """The charset of the Content-Type response header, if it names one."""
    for name, value in headers:
        if name.lower() == "content-type":
            match = _CHARSET.search(value)
            return match.group(1) if match else None
    return None


def is_article_url(url: str, profile: SiteProfile | None, requested_url: str | None = None) -> bool:
    """Whether `url` names an article: by the site's profile, else by the generic guess on the
    host that was asked for."""
    if profile is not None:
        return profile.is_article_url(url)
    if requested_url is not None and registered_host(url) != registered_host(requested_url):
        return False
    return looks_like_article(url)


def build_record(fetch: Fetch, profile_name: str | None = None) -> dict:
    """The record for one fetched page, before normalization and validation (which reject what
    its warnings say is no article). `profile_name` names the site's profile; by default the
    one whose domain the page is on (sites crawled without one use the generic extractor)."""
    profile = get_profile(profile_name) if profile_name else profile_for_url(fetch.url)
    requested, asked, answered = fetch.asked_for, canonicalize_url(fetch.asked_for), canonicalize_url(fetch.url)
    if asked != answered and not is_article_url(answered, profile, requested):
        # A withdrawn article whose URL now redirects to the home page or a section (a soft
        # 404): the page there is not the article, and is not parsed as one.
        return {"url": requested, "canonical_url": asked, "site": site_name(asked),
                "warnings": [f"{REDIRECTED_AWAY}: {fetch.url}"]}
    reference = datetime.fromisoformat(fetch.fetched_at) if fetch.fetched_at else None
    record = parse_article(fetch.body, fetch.url, profile=profile, encoding=declared_charset(fetch.headers),
                           reference_time=reference).to_dict()
    hints = fetch.hints
    if record["published_at"] is None and hints.published_at and hints.source in DATE_HINT_SOURCES:
        record["published_at"] = hints.published_at
        record["date_source"] = hints.source
    return record
