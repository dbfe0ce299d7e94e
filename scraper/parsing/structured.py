"""Layer 1: what the page declares about itself (JSON-LD, OpenGraph, article:* meta, itemprop)."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from .document import text_of
from .text import normalize_text

_ARTICLE_TYPES = {"newsarticle", "article", "reportagenewsarticle", "analysisnewsarticle", "blogposting",
                  "opinionnewsarticle", "backgroundnewsarticle", "report", "liveblogposting"}
_TRAILING_COMMA = re.compile(r",\s*([}\]])")
# A <title> that is a file's name ("03-article.html") is a template's placeholder, never a headline.
_FILE_NAME = re.compile(r"[\w.-]+\.(?:s?html?|php|aspx?|jsp)", re.IGNORECASE)


@dataclass
class Structured:
    title: str = ""
    description: str = ""
    published: list[tuple[str, str]] = field(default_factory=list)  # (source, raw value)
    modified: list[tuple[str, str]] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    section: str = ""
    breadcrumb: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    canonical: str = ""
    og_url: str = ""
    site_name: str = ""
    publisher: str = ""  # JSON-LD publisher.name: the brand, never an author
    language: str = ""
    page_title: str = ""


def _json_objects(raw: str) -> list:
    raw = raw.strip().rstrip(";")
    for repair in (False, True):  # the trailing-comma repair only for JSON that does not load as it is
        try:
            data = json.loads(_TRAILING_COMMA.sub(r"\1", raw) if repair else raw, strict=False)
        except (ValueError, RecursionError):
            continue
        return data if isinstance(data, list) else [data]
    return []


def _walk_ld(objects: list, depth: int = 0):
    for obj in objects:
        if not isinstance(obj, dict) or depth > 5:
            continue
        yield obj
        graph = obj.get("@graph")
        if isinstance(graph, list):
            yield from _walk_ld(graph, depth + 1)


def _types(obj: dict) -> set[str]:
    value = obj.get("@type")
    values = value if isinstance(value, list) else [value]
    return {str(v).lower() for v in values if v}


def _clean(value) -> str:
    if not isinstance(value, str):
        return ""
    return normalize_text(value, unescape=True)


def _names(value) -> list[str]:
    items = value if isinstance(value, list) else [value]
    names = []
    for item in items:
        name = item.get("name") if isinstance(item, dict) else item
        name = _clean(name)
        if name:
            names.append(name)
    return names


def _read_json_ld(scripts, found: Structured) -> None:
    for script in scripts:
        if (script.get(b"type") or "").strip().lower() != "application/ld+json":
            continue
        for obj in _walk_ld(_json_objects(script.text or "")):
            types = _types(obj)
            if types & _ARTICLE_TYPES:
                found.title = found.title or _clean(obj.get("headline"))
                found.description = found.description or _clean(obj.get("description"))
                if obj.get("datePublished"):
                    found.published.append(("json-ld", str(obj["datePublished"])))
                if obj.get("dateModified"):
                    found.modified.append(("json-ld", str(obj["dateModified"])))
                found.authors.extend(_names(obj.get("author")))
                found.publisher = found.publisher or next(iter(_names(obj.get("publisher"))), "")
                found.section = found.section or _clean(obj.get("articleSection") if isinstance(obj.get("articleSection"), str) else "")
                keywords = obj.get("keywords")
                if isinstance(keywords, str):
                    found.tags.extend(k for k in (normalize_text(x, unescape=True) for x in keywords.split(",")) if k)
                elif isinstance(keywords, list):
                    found.tags.extend(_clean(k) for k in keywords if _clean(k))
            elif "breadcrumblist" in types and not found.breadcrumb:
                elements = obj.get("itemListElement")
                if isinstance(elements, list):
                    items = sorted((e for e in elements if isinstance(e, dict)), key=lambda e: str(e.get("position", "")).zfill(4))
                    for element in items:
                        item = element.get("item")
                        name = element.get("name") or (item.get("name") if isinstance(item, dict) else None)
                        if _clean(name):
                            found.breadcrumb.append(_clean(name))


_META_KEYS = {
    "og:title": "title",
    "og:description": "description",
    "description": "description",
    "og:site_name": "site_name",
    "og:url": "og_url",
    "article:section": "section",
}
_PUBLISHED_KEYS = ("article:published_time", "datepublished", "pubdate", "publishdate", "dc.date.issued",
                   "og:published_time", "date", "publish-date", "article.published")
_MODIFIED_KEYS = ("article:modified_time", "datemodified", "og:updated_time", "lastmod", "article.updated")


def read_structured(root, tagged=None) -> Structured:
    """What the page declares about itself. `tagged(tag)`, when given, lists the page's
    elements with a tag (PageIndex.tagged, which finds them all in one walk)."""
    tagged = tagged or root.iter
    found = Structured()
    _read_json_ld(tagged("script"), found)
    metas: dict[str, list[str]] = {}
    for meta in tagged("meta"):
        # Byte-string attribute names spare lxml an encoding (20 to 45 ns a call, dozens of metas).
        key = (meta.get(b"property") or meta.get(b"name") or meta.get(b"itemprop") or "").strip().lower()
        content = meta.get(b"content")
        if key and content is not None:
            metas.setdefault(key, []).append(content)
    for key, attr in _META_KEYS.items():
        if not getattr(found, attr) and metas.get(key):
            setattr(found, attr, normalize_text(metas[key][0], unescape=True))
    # Most of these keys are absent from a page: a generator per key cost 1 us each.
    for keys, dates in ((_PUBLISHED_KEYS, found.published), (_MODIFIED_KEYS, found.modified)):
        for key in keys:
            if key in metas:
                dates.extend(("meta", value) for value in metas[key] if value.strip())
    if not found.authors:
        found.authors.extend(normalize_text(v, unescape=True) for v in metas.get("article:author", []) + metas.get("author", []) if v.strip())
    for key in ("article:tag", "news_keywords", "keywords"):
        if found.tags:
            break
        for value in metas.get(key, []):
            found.tags.extend(t for t in (normalize_text(x, unescape=True) for x in value.split(",")) if t)
    for link in tagged("link"):
        if (link.get(b"rel") or "").strip().lower() == "canonical":
            found.canonical = (link.get(b"href") or "").strip()
            break
    language = root.get("lang") or (metas.get("content-language") or metas.get("og:locale") or [""])[0]
    found.language = language.strip().lower()[:2]
    title = next(iter(tagged("title")), None)
    page_title = text_of(title)
    found.page_title = "" if _FILE_NAME.fullmatch(page_title) else page_title
    return found
