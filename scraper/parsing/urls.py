"""URL canonicalization: one spelling per article, whatever link or feed led to it.

The canonical form is w3lib's (Scrapy's own): lower-case scheme and host (IDNA), percent-escapes
in upper case and unreserved characters unescaped, raw Unicode percent-encoded as UTF-8, query
arguments sorted; and ours on top of it: no fragment, no default port, no tracking parameters.

Pages resolve and canonicalize hundreds of links each. Most are plain: an http(s) URL or a
root-relative path of URL-safe ASCII. For those, the answers of urljoin and of the full
canonicalization are simple string operations, taken here without parsing; anything else
(dot segments, ports, queries, percent-escapes, spaces, non-ASCII, odd schemes) takes the full
path. Property tests check that both paths agree on generated URLs."""
from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import unquote_plus, urljoin, urlparse, urlsplit, urlunsplit

from w3lib.url import canonicalize_url as w3lib_canonicalize_url

_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|zarsrc|gidzl|_ga|mc_cid|mc_eid|ref|src|source|share|vnn_source)$", re.I)

# URL-safe ASCII of a path (no ";": urljoin splits path parameters there), a query, a fragment.
_PATH = r"[A-Za-z0-9._~%!$&'()*+,=:@/-]*"
_QUERY_FRAGMENT = r"(?:\?[A-Za-z0-9._~%!$&'()*+,=:@/?;-]+)?(?:#[!-~]+)?"
# urljoin returns these unchanged: a lower-case scheme, a plain host, non-empty query and fragment.
_PLAIN_ABSOLUTE = re.compile(rf"https?://[A-Za-z0-9.-]+(?::\d{{1,5}})?(?:/{_PATH})?{_QUERY_FRAGMENT}")
# A root-relative path: joined to the base's scheme and host, unless it has dot segments.
_PLAIN_ROOT_PATH = re.compile(rf"/(?!/){_PATH}{_QUERY_FRAGMENT}")
# A path relative to the base's directory ("../anh/1.jpg", "tin-2.html"): no ":", so no scheme.
_PLAIN_RELATIVE = re.compile(rf"([A-Za-z0-9._~%!$&'()*+,=@-][A-Za-z0-9._~%!$&'()*+,=@/-]*)({_QUERY_FRAGMENT})")
# Already canonical but for a fragment: lower-case host (of labels IDNA leaves as they are), no
# port, no query, a path with nothing to escape or unescape.
_PLAIN_CANONICAL = re.compile(
    r"(https?://[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*)"
    r"(/[A-Za-z0-9._~!$&'()*+,=:@/-]*)?(?:#[!-~]*)?")


@lru_cache(maxsize=256)
def _origin(base: str) -> str | None:
    """"scheme://netloc" of a plain http(s) base URL, or None when urljoin must decide."""
    match = re.match(r"(https?)://([A-Za-z0-9.-]+(?::\d{1,5})?)(?:[/?#]|$)", base)
    return f"{match.group(1)}://{match.group(2)}" if match else None


@lru_cache(maxsize=256)
def _base_directory(base: str) -> tuple[str, tuple[str, ...]] | None:
    """(origin, segments of the base path's directory) as urljoin reads a plain http(s) base."""
    origin = _origin(base)
    if origin is None:
        return None
    parts = urlparse(base).path.split("/")
    if parts[-1] != "":
        del parts[-1]  # the last segment is a file, not a directory
    return origin, tuple(parts)


def _join_relative(base: str, path: str, rest: str) -> str | None:
    """urljoin's RFC 3986 merge and dot-segment removal, step for step, for a relative path
    (`rest`: its query and fragment); None when the base is not a plain http(s) URL."""
    known = _base_directory(base)
    if known is None:
        return None
    origin, directory = known
    segments = [*directory, *path.split("/")]
    segments[1:-1] = filter(None, segments[1:-1])
    resolved: list[str] = []
    for segment in segments:
        if segment == "..":
            if resolved:
                resolved.pop()
        elif segment != ".":
            resolved.append(segment)
    if segments[-1] in (".", ".."):
        resolved.append("")
    joined = "/".join(resolved) or "/"
    return origin + (joined if joined.startswith("/") else "/" + joined) + rest


_SCHEME_AUTHORITY = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://([^/?#]*)")


def lower_host(url: str) -> str:
    """The URL with its scheme and host in lower case, as they compare ("https://media.Baodautu.vn/a.JPG"
    is "https://media.baodautu.vn/a.JPG"); user name, path, query and fragment as they are."""
    match = _SCHEME_AUTHORITY.match(url)
    if match is None:
        return url
    scheme, authority = match.groups()
    user, at, host = authority.rpartition("@")
    if scheme == scheme.lower() and host == host.lower():
        return url
    return f"{scheme.lower()}://{user}{at}{host.lower()}{url[match.end():]}"


def join_url(base: str, href: str) -> str | None:
    """urllib.parse.urljoin(base, href), without parsing in the common cases; None for a link
    the standard library cannot parse ("http://[broken", a bad port): a page's bad link must
    cost that link, not the page. None too for anything but an http or https address."""
    if _PLAIN_ABSOLUTE.fullmatch(href):
        return href
    if _PLAIN_ROOT_PATH.fullmatch(href) and "/." not in href.split("?", 1)[0].split("#", 1)[0]:
        origin = _origin(base)
        if origin is not None:
            return origin + href
    elif relative := _PLAIN_RELATIVE.fullmatch(href):
        joined = _join_relative(base, relative.group(1), relative.group(2))
        if joined is not None:
            return joined
    try:
        joined = urljoin(base, href)
    except ValueError:
        return None
    # Only web addresses reach a record: not javascript:, vbscript:, data: or mailto: links.
    return joined if joined[:8].lower().startswith(("http://", "https://")) else None


def canonicalize_url(url: str) -> str:
    """The one spelling of a URL (see the module's docstring)."""
    plain = _PLAIN_CANONICAL.fullmatch(url)
    if plain is not None and "/." not in (path := plain.group(2) or "/"):  # no dot segment to remove
        return plain.group(1) + path
    return _canonicalize(url)


def _canonicalize(url: str) -> str:
    """canonicalize_url by parsing: any URL. w3lib's canonical form first, then what ours
    removes from it (a canonical URL stays canonical without a query argument or a port)."""
    try:
        parts = urlsplit(w3lib_canonicalize_url(url.strip()))
        port = parts.port
    except (ValueError, UnicodeError):  # a bad IPv6 host or port ("http://:8080http://"), a bad IDNA label
        return url.strip()
    netloc = parts.netloc
    if port and ((parts.scheme == "http" and port == 80) or (parts.scheme == "https" and port == 443)):
        netloc = netloc.rsplit(":", 1)[0]
    query = "&".join(pair for pair in parts.query.split("&")
                     if pair and not _TRACKING.match(unquote_plus(pair.split("=", 1)[0])))
    return urlunsplit((parts.scheme, netloc, parts.path or "/", query, ""))
