"""URL canonicalization: one spelling per article, whatever link or feed led to it.

Pages resolve and canonicalize hundreds of links each. Most are plain: an http(s) URL or a
root-relative path of URL-safe ASCII. For those, the answers of urljoin and of the full
canonicalization are simple string operations, taken here without parsing; anything else
(dot segments, ports, queries to filter, spaces, non-ASCII, odd schemes) takes the standard
library's path. Tests check that both paths agree on generated URLs."""
from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urljoin, urlparse, urlsplit, urlunsplit

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
# Already canonical but for a fragment: lower-case host, no port, no query.
_PLAIN_CANONICAL = re.compile(r"(https?://[a-z0-9.-]+)(/[A-Za-z0-9._~%!$&'()*+,=:@/;-]*)?(?:#[!-~]*)?")


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
    cost that link, not the page."""
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
        return urljoin(base, href)
    except ValueError:
        return None


def canonicalize_url(url: str) -> str:
    """Lower-case scheme and host, no fragment, no tracking parameters, no default port."""
    plain = _PLAIN_CANONICAL.fullmatch(url)
    if plain is not None:
        return plain.group(1) + (plain.group(2) or "/")
    return _canonicalize(url)


def _canonicalize(url: str) -> str:
    """canonicalize_url by the standard library's parsing: any URL."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:  # a bad IPv6 host or port: "http://:8080http://"
        return url.strip()
    host = (parts.hostname or "").lower()
    if port and not ((parts.scheme == "http" and port == 80) or (parts.scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)])
    return urlunsplit((parts.scheme.lower(), host, parts.path or "/", query, ""))
