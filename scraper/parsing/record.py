"""The one path from a fetched page to the record the archive stores: the crawl (in process or
on a parse worker) and `vngov reparse` both call `build_record`, and nothing patches a record
afterwards, so a re-parse with the same parser gives exactly what the crawl gave."""
from __future__ import annotations

import re
from datetime import datetime

from ..items import CUT_SHORT, ERROR_PAGE, NOT_HTML, REDIRECTED_AWAY, TOO_LARGE, Fetch
from ..sites import get_profile, profile_for_url, registered_host, site_name
from ..sites.base import SiteProfile
from ..vietnam import VN_TZ
from .article import parse_article
from .dates import INFERRED_YEAR, NO_YEAR, to_iso
from .sidebar import looks_like_article
from .urls import canonicalize_url

_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
# Discovery dates a page without a date of its own takes, and the date_source it then gets:
# both are machine-readable publication times. A listing's printed date is not (often relative,
# or the day only), and lastmod is an edit time.
DATE_HINT_SOURCES = ("feed", "sitemap")
MAX_PAGE_BYTES = 8_000_000  # VNGOV_MAX_PAGE_MB: article pages run to 0.1-1 MB
_MAGIC = ((b"%PDF", "PDF"), (b"\x89PNG", "PNG image"), (b"\xff\xd8\xff", "JPEG image"), (b"GIF8", "GIF image"),
          (b"PK\x03\x04", "ZIP (an Office document)"), (b"\xd0\xcf\x11\xe0", "an Office document"))
# A CMS's error or maintenance page served with status 200 at an article's URL: such words in
# its title or in a body too short to be an article.
_ERROR_TEXT = re.compile(
    r"lỗi hệ thống|đã (?:có|xảy ra) lỗi|có lỗi xảy ra|trang (?:bạn tìm )?không tồn tại|không tìm thấy trang"
    r"|đang bảo trì|bảo trì hệ thống|service unavailable|internal server error|page not found|under maintenance",
    re.IGNORECASE)
_ERROR_BODY = 600
# How a page's end reads in the bytes of the charsets pages come in (UTF-16 without a BOM too).
_ENDS = tuple(tag.encode(codec) for tag in ("</html", "</body") for codec in ("ascii", "utf-16-le", "utf-16-be"))  # characters: an article's body is longer


def _content_type(headers: list[tuple[str, str]]) -> str | None:
    """The Content-Type response header, if there is one."""
    return next((value for name, value in headers if name.lower() == "content-type"), None)


def declared_charset(headers: list[tuple[str, str]]) -> str | None:
    """The charset of the Content-Type response header, if it names one."""
    match = _CHARSET.search(_content_type(headers) or "")
    return match.group(1) if match else None


def is_article_url(url: str, profile: SiteProfile | None, requested_url: str | None = None) -> bool:
    """Whether `url` names an article: by the site's profile, else by the generic guess on the
    host that was asked for."""
    if profile is not None:
        return profile.is_article_url(url)
    if requested_url is not None and registered_host(url) != registered_host(requested_url):
        return False
    return looks_like_article(url)


def _unusable(fetch: Fetch, max_bytes: int) -> str | None:
    """Why the bytes at an article's URL cannot be its page, before any parsing: too large, not
    HTML (by Content-Type, or by what the bytes are), or cut short (an HTML page whose end is
    missing: no </body> or </html> in its last 64 KB)."""
    body = fetch.body
    if len(body) > max_bytes:
        return f"{TOO_LARGE}: {len(body) / 1e6:.1f} MB (limit {max_bytes / 1e6:.1f} MB)"
    kind = (_content_type(fetch.headers) or "").split(";")[0].strip().lower()
    magic = next((name for prefix, name in _MAGIC if body.startswith(prefix)), None)
    if magic or (kind and "html" not in kind and "xml" not in kind and not kind.startswith("text/")):
        return f"{NOT_HTML}: {magic or kind}"
    tail = body[-65536:].lower()
    if body and not body.isspace() and not any(end in tail for end in _ENDS):  # no copy of the page
        return f"{CUT_SHORT}: it ends without </body> or </html> ({len(body)} bytes)"
    return None


def _error_page(title: str, body: str) -> bool:
    """A CMS's error or maintenance page: a body too short for an article, and error words that
    make up much of the title or of that body ("Lỗi hệ thống"; not "Khắc phục lỗi hệ thống
    thuế điện tử", an article's headline)."""
    if len(body) >= _ERROR_BODY:
        return False
    return any(sum(len(m.group()) for m in _ERROR_TEXT.finditer(text)) >= share * len(text)
               for text, share in ((title, 0.4), (body, 0.3)) if text)


def build_record(fetch: Fetch, profile_name: str | None = None, max_bytes: int = MAX_PAGE_BYTES) -> dict:
    """The record for one fetched page, before normalization and validation (which reject what
    its warnings say is no article, or no usable page). `profile_name` names the site's
    profile; by default the one whose domain the page is on (sites crawled without one use the
    generic extractor). A page over `max_bytes` is not parsed."""
    profile = get_profile(profile_name) if profile_name else profile_for_url(fetch.url)
    requested, asked, answered = fetch.asked_for, canonicalize_url(fetch.asked_for), canonicalize_url(fetch.url)
    if asked != answered and not is_article_url(answered, profile, requested):
        # A withdrawn article whose URL now redirects to the home page or a section (a soft
        # 404): the page there is not the article, and is not parsed as one.
        return {"url": requested, "canonical_url": asked, "site": site_name(asked),
                "warnings": [f"{REDIRECTED_AWAY}: {fetch.url}"]}
    unusable = _unusable(fetch, max_bytes)
    if unusable is not None:  # not parsed: what is there is not the article's page
        return {"url": fetch.url, "canonical_url": answered, "site": site_name(answered), "warnings": [unusable]}
    reference = datetime.fromisoformat(fetch.fetched_at) if fetch.fetched_at else None
    record = parse_article(fetch.body, fetch.url, profile=profile, encoding=declared_charset(fetch.headers),
                           reference_time=reference).to_dict()
    if _error_page(record.get("title") or "", record.get("body_text") or ""):
        record["warnings"].append(f"{ERROR_PAGE}: {record.get('title')!r}")
    hints = fetch.hints
    if record["published_at"] is None and hints.published_at and hints.source in DATE_HINT_SOURCES:
        record["published_at"] = hints.published_at
        record["date_source"] = hints.source
    elif record["date_source"] == INFERRED_YEAR and hints.published_at:
        _year_from_hint(record, hints.published_at)
    return record


def _year_from_hint(record: dict, hinted: str) -> None:
    """A date printed without its year ("Chiều 11/10") takes the year of the date a feed, a
    sitemap or a listing gave for the same day, in place of the fetch time's guess."""
    shown, known = datetime.fromisoformat(record["published_at"]), datetime.fromisoformat(hinted).astimezone(VN_TZ)
    if (known.month, known.day) != (shown.month, shown.day):
        return
    record["published_at"] = to_iso(shown.replace(year=known.year))
    record["date_source"] = "visible"
    record["warnings"] = [w for w in record["warnings"] if not w.startswith(NO_YEAR)]
