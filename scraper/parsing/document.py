"""Bytes -> text -> lxml tree, without ever raising on what a web server sends."""
from __future__ import annotations

import codecs
import logging
import re
from functools import lru_cache

from lxml import etree
from cssselect import HTMLTranslator

from ..items import UNDECODABLE
from .text import normalize_text

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE)
# Plain etree elements: lxml.html's element classes cost a Python call per node visited. No
# table of id attributes (collect_ids): nothing here looks elements up by id through libxml2.
_PARSER = etree.HTMLParser(
    encoding="utf-8", remove_comments=True, remove_pis=True, huge_tree=True, default_doctype=False,
    collect_ids=False,
)
_NOT_SPACE = re.compile(rb"\S")

_WESTERN = {"latin-1", "iso8859-1", "cp1252", "ascii"}
_VIETNAMESE_ONLY = re.compile("[ươđăƯƠĐĂ]")
_C1 = re.compile("[\x80-\x9f]")

MAX_BYTES = 30 * 1024 * 1024  # larger documents are cut: no article page is that big

BLOCK_TAGS = frozenset(
    "address article aside blockquote body center dd details div dl dt fieldset figcaption figure "
    "footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody "
    "thead tfoot tr ul".split()
)


def decode_html(data: bytes | str, declared_encoding: str | None = None) -> tuple[str, list[str]]:
    """Text of a page plus warnings. UTF-8 wins whenever the bytes are valid UTF-8, because
    Vietnamese sites often declare a charset they do not use."""
    text, _, warnings = decode_page(data, declared_encoding)
    return text, warnings


def decode_page(data: bytes | str, declared_encoding: str | None = None) -> tuple[str, str, list[str]]:
    """(text, codec used, warnings). The codec is "utf-8" only when the bytes were clean UTF-8."""
    if isinstance(data, str):
        return data, "str", []
    warnings: list[str] = []
    if len(data) > MAX_BYTES:
        data = data[:MAX_BYTES]
        warnings.append(f"document truncated to {MAX_BYTES} bytes")
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom):].decode(name.replace("-sig", ""), errors="replace"), name, warnings
    try:
        return data.decode("utf-8"), "utf-8", warnings
    except UnicodeDecodeError:
        pass
    lenient = data.decode("utf-8", errors="replace")
    damaged = lenient.count("\ufffd")
    non_ascii = len(lenient) - len(lenient.encode("ascii", "ignore"))  # counted in C, not char by char
    declares_other = declared_encoding is not None and _codec(declared_encoding) not in ("utf-8", None)
    if non_ascii - damaged >= 8 and not declares_other and _VIETNAMESE_ONLY.search(lenient):
        # Vietnamese in valid UTF-8 beside bytes that are not UTF-8: a UTF-8 template around text
        # an old database keeps in windows-1258. Each part read as what it is, if that gives
        # more Vietnamese letters and reads cleanly.
        mixed = data.decode("utf-8", errors=_WINDOWS_1258_FALLBACK)
        if _readable(mixed) and len(_VIETNAMESE_ONLY.findall(mixed)) > len(_VIETNAMESE_ONLY.findall(lenient)):
            return mixed, "utf-8+cp1258", warnings + ["page mixes UTF-8 and windows-1258 bytes; each part decoded as its own"]
    if non_ascii >= 20 and damaged <= max(3, 0.05 * non_ascii):
        # UTF-8 with a few broken bytes (a cut download, one bad paste): keep the rest readable.
        return lenient, "utf-8-lenient", warnings + [f"{damaged} invalid UTF-8 sequences replaced"]
    match = _META_CHARSET.search(data[:4096])
    meta_charset = match.group(1).decode("ascii", "replace") if match else None
    declared = [name for name in (declared_encoding, meta_charset) if name]
    refused = []  # declared charsets the bytes are not: their reading is not clean (_readable)
    for name in dict.fromkeys(declared + ["windows-1258"]):
        codec = _codec(name)
        if codec is None:
            warnings.append(f"unknown charset {name!r}")
            continue
        if codec == "utf-8":
            # Not UTF-8, as the strict and lenient readings above found: a template's meta tag
            # or a server's header that says UTF-8 over windows-1258 bytes. The next candidate.
            refused.append(name)
            continue
        if codec in _WESTERN:
            # Old Vietnamese CMSs declare ISO-8859-1 and send windows-1258: in that codec the
            # same bytes give ư, ơ, đ, ă, which Western text never has.
            vietnamese = data.decode("windows-1258", errors="replace")
            if _VIETNAMESE_ONLY.search(vietnamese) and "\ufffd" not in vietnamese:
                warnings.append(f"declared charset {name!r} but the bytes are windows-1258 Vietnamese")
                return vietnamese, "cp1258", warnings
        text = data.decode(name, errors="replace")
        if not _readable(text, codec):
            if name in declared:
                refused.append(name)
            continue
        if name not in declared and not _VIETNAMESE_ONLY.search(text):
            # windows-1258 undeclared is a guess, and this text shows no Vietnamese letter:
            # detection may know better.
            detected = _detect(data)
            if detected is not None:
                text, codec = detected
                name = codec
        if refused:  # both charsets named: what the page said, and what its bytes are
            label = "UTF-8" if _codec(refused[0]) == "utf-8" else refused[0]
            warnings.append(f"declared charset {refused[0]!r} but the bytes are not {label}; decoded as {name}")
        elif name not in declared:
            warnings.append(f"no usable charset declared; decoded as {name}")
        return text, codec, warnings
    detected = _detect(data)
    if detected is not None:
        text, codec = detected
        said = f"declared charset {refused[0]!r} does not read them" if refused else "no usable charset declared"
        return text, codec, warnings + [f"{said}; the bytes are {codec} (detected)"]
    tried = ", ".join(dict.fromkeys([*(name for name in refused if _codec(name) != "utf-8"),
                                     "UTF-8", "windows-1258", "detection"]))
    return lenient, "utf-8-lenient", warnings + [f"{UNDECODABLE}: no charset reads it cleanly (tried {tried})"]


def _codec(name: str) -> str | None:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _windows_1258_part(error: UnicodeDecodeError) -> tuple[str, int]:
    """A codecs error handler: bytes that are not UTF-8 read as windows-1258."""
    return error.object[error.start:error.end].decode("windows-1258", errors="replace"), error.end


_WINDOWS_1258_FALLBACK = "vngov-windows-1258"
codecs.register_error(_WINDOWS_1258_FALLBACK, _windows_1258_part)


def _readable(text: str, codec: str = "") -> bool:
    """Whether a reading of a page's bytes is clean: no U+FFFD or NUL, its markup legible (a "<"
    early on: UTF-16 read as bytes, or bytes read as UTF-16, has none), and no C1 control
    character where ISO-8859 put one for a Windows code page's byte (only those codecs give one
    from a byte: the check costs a scan of the page)."""
    return ("\ufffd" not in text and "\x00" not in text and "<" in text[:4096]
            and not (codec.startswith(("iso8859", "latin")) and _C1.search(text)))


def _detect(data: bytes) -> tuple[str, str] | None:
    """(text, codec) by detection (beautifulsoup4's UnicodeDammit, which asks charset_normalizer),
    when no declared charset, UTF-8 or windows-1258 reads the bytes: only if the text it gives
    is clean."""
    from bs4 import UnicodeDammit  # the rare path: not imported for pages that declare truly

    # Its fallback (bytes replaced) is refused below; the warning it logs would name no page.
    logging.getLogger("bs4.dammit").setLevel(logging.ERROR)
    dammit = UnicodeDammit(data, is_html=True)
    text, name = dammit.unicode_markup, dammit.original_encoding
    codec = _codec(name) if name else None
    if not text or codec is None or not _readable(text, codec):
        return None
    return text, codec


# What libxml2 reports when bytes are not the UTF-8 it was told to expect (2.12+ replaces them
# with U+FFFD and goes on; older versions switched to Latin-1 for the rest of the page).
_ENCODING_ERRORS = {"ERR_INVALID_ENCODING", "ERR_INVALID_CHAR", "ERR_UNSUPPORTED_ENCODING", "ERR_UNKNOWN_ENCODING"}


def read_page(data: bytes | str, declared_encoding: str | None = None):
    """(lxml root or None, warnings) for a page as it arrived. Bytes go to libxml2 as UTF-8
    first, which is what nearly every page is; only when libxml2 reports bytes that are not
    UTF-8 (or the page is huge, or starts with a BOM) does decode_page work out the charset."""
    if isinstance(data, bytes) and len(data) <= MAX_BYTES and not data.startswith(
            (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        root = parse_tree(data)
        if not any(error.type_name in _ENCODING_ERRORS for error in _PARSER.error_log):
            return root, []
    text, codec, warnings = decode_page(data, declared_encoding)
    # Clean UTF-8 bytes go to lxml as they are: no second encode of a large page.
    return parse_tree(data if codec == "utf-8" and not warnings else text), warnings


def parse_tree(text: str | bytes):
    """An lxml tree without comments (a date element may hide "GMT+0700" in one), or None.
    Bytes must be UTF-8 (what decode_html returns for pages that are)."""
    data = text if isinstance(text, bytes) else text.encode("utf-8", errors="replace")
    if b"\x00" in data:
        data = data.replace(b"\x00", b"")
    if not _NOT_SPACE.search(data):
        return None
    try:
        root = etree.fromstring(data, parser=_PARSER)
    except (etree.ParserError, ValueError, etree.XMLSyntaxError):
        return None
    return root if root is not None and isinstance(root.tag, str) else None


def raw_text(element) -> str:
    """All text under an element, unnormalized (cheap: for scoring). The text serializer is
    what XPath's string() returns, at a third of the call overhead; an element without
    children (most links, many paragraphs) is its own text, a tenth of the serializer's cost."""
    if not len(element):
        return element.text or ""
    return etree.tostring(element, method="text", encoding=str, with_tail=False)


def text_length(element) -> int:
    """len(raw_text(element)). The text serializer beats XPath's string-length() at every
    size measured here (1.0 against 1.9 us for a short element, 83 against 88 us for a whole
    page): an XPath call pays for its context before it counts a character."""
    return len(raw_text(element))


def has_text(element, minimum: int) -> bool:
    """Whether an element's text, spaces collapsed, is at least `minimum` characters long,
    reading only as much of it as needed (a body container can hold 60,000 characters)."""
    count = 0
    for piece in element.itertext():
        count += len(" ".join(piece.split()))
        if count >= minimum:
            return True
    return False


class _FastTranslator(HTMLTranslator):
    """cssselect's translation with a cheap substring test in front of the exact class test:
    concat(normalize-space(@class)) on every element is what made selectors slow."""

    def xpath_attrib_includes(self, xpath, name, value):
        if value and not re.search(r"\s", value):
            xpath.add_condition(
                f"{name} and contains({name}, {self.xpath_literal(value)}) and "
                f"contains(concat(' ', normalize-space({name}), ' '), {self.xpath_literal(' ' + value + ' ')})"
            )
        else:
            xpath.add_condition("0")
        return xpath


_TRANSLATOR = _FastTranslator()


@lru_cache(maxsize=512)
def _selector(css: str) -> etree.XPath | None:
    try:
        return etree.XPath(_TRANSLATOR.css_to_xpath(css))
    except Exception:  # a bad selector in a profile must not stop a crawl
        return None


def select(element, css: str) -> list:
    """Elements under `element` matching `css` (document order); [] for an empty selector."""
    if not css or element is None:
        return []
    selector = _selector(css)
    return selector(element) if selector is not None else []


def select_one(element, css: str):
    found = select(element, css)
    return found[0] if found else None


def text_of(element, *, spaced: bool = False) -> str:
    """Normalized text of an element; `spaced` puts a space between child elements' texts."""
    if element is None:
        return ""
    if not isinstance(element.tag, str):
        return ""
    if spaced:
        return normalize_text(" ".join(element.itertext()))
    return normalize_text(raw_text(element))  # the same text as "".join(itertext()), in one call


def class_and_id(element) -> str:
    return f"{element.get('class') or ''} {element.get('id') or ''}"
