"""Reading a page's bytes as text when its charset is declared wrongly or not at all: vngov's
decode_page against beautifulsoup4's UnicodeDammit (with charset_normalizer, which bs4 asks
when the declarations fail), on the corpus's real article pages re-encoded the ways Vietnamese
servers send them.

    python benchmarks/charsets.py --corpus ../shared/corpus [--write docs/benchmarks.md]

A reading is right when its text, NFC-normalized, is the page's. Time: CPU time a page, best of
`--runs` rounds over the corpus, each case alone.
"""
from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _markdown import publish  # noqa: E402
from extraction import pages_or_exit, time_round  # noqa: E402
from scraper.mirror.site import encode_windows_1258  # noqa: E402
from scraper.parsing.document import decode_page  # noqa: E402

BEGIN, END = "<!-- charsets:begin -->", "<!-- charsets:end -->"
_META = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?[\w.:-]+[\"']?[^>]*>", re.IGNORECASE)


def _with_meta(data: bytes, charset: str | None) -> bytes:
    data = _META.sub(b"", data)
    if charset is None:
        return data
    return re.sub(rb"<head[^>]*>", lambda m: m.group(0) + f'<meta charset="{charset}">'.encode(), data, count=1)


def _utf8(text: str) -> bytes:
    return text.encode()


def _utf16(text: str) -> bytes:
    return text.encode("utf-16-le")


def _half(text: str) -> int:
    return text.index(">", len(text) // 2) + 1


def _mixed(text: str) -> bytes:
    """The page's first half (its template) in UTF-8, the rest in windows-1258."""
    return text[:_half(text)].encode() + encode_windows_1258(text[_half(text):])


def _decode(data: bytes, codec: str, text: str) -> str:
    """What a reader should get from the page's bytes: each part in what it was written in."""
    if codec == "utf-8+cp1258":
        cut = len(data) - len(encode_windows_1258(text[_half(text):]))
        return data[:cut].decode() + data[cut:].decode("windows-1258")
    return data.decode(codec)


# (name, the page's bytes from its text, the charset they are in, the response header's, the meta tag's)
CASES = [
    ("UTF-8, declared so", _utf8, "utf-8", "utf-8", "utf-8"),
    ("UTF-8, nothing declared", _utf8, "utf-8", None, None),
    ("UTF-8, meta says ISO-8859-1", _utf8, "utf-8", None, "iso-8859-1"),
    ("windows-1258, declared so", encode_windows_1258, "windows-1258", "windows-1258", None),
    ("windows-1258, nothing declared", encode_windows_1258, "windows-1258", None, None),
    ("windows-1258, header says ISO-8859-1", encode_windows_1258, "windows-1258", "iso-8859-1", None),
    ("windows-1258, header and meta say UTF-8", encode_windows_1258, "windows-1258", "utf-8", "utf-8"),
    ("windows-1258, header says GB2312", encode_windows_1258, "windows-1258", "gb2312", None),
    ("UTF-16 without BOM, header says windows-1258", _utf16, "utf-16-le", "windows-1258", None),
    ("UTF-8 template, article text in windows-1258", _mixed, "utf-8+cp1258", "utf-8", "utf-8"),
]


def ours(data: bytes, declared: str | None) -> str:
    return decode_page(data, declared)[0]


def beautifulsoup(data: bytes, declared: str | None) -> str:
    from bs4 import UnicodeDammit

    dammit = UnicodeDammit(data, known_definite_encodings=[declared] if declared else [], is_html=True)
    return dammit.unicode_markup or ""


def _right(decoded: str, text: str) -> bool:
    return unicodedata.normalize("NFC", decoded) == unicodedata.normalize("NFC", text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default="../shared/corpus")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--write", metavar="FILE", help="also write the table into this Markdown file")
    args = parser.parse_args()
    try:
        import bs4  # noqa: F401
    except ImportError:
        print("beautifulsoup4 is not installed: pip install 'vngov[eval]'", file=sys.stderr)
        return 2
    texts = []
    for _, html, _ in pages_or_exit(Path(args.corpus)):
        text = html.decode("utf-8")
        if not text.isascii():
            texts.append(text)
    lines = [f"Pages whose charset is declared wrongly or not at all: {len(texts)} real article pages of the "
             "corpus re-encoded, read by vngov's `decode_page` and by beautifulsoup4's `UnicodeDammit` "
             "(with charset_normalizer). Right: the page's text, NFC. Command: "
             "`python benchmarks/charsets.py --corpus ../shared/corpus --write docs/benchmarks.md`.", "",
             "| case | vngov right | vngov ms a page | bs4 right | bs4 ms a page |", "|---|---|---|---|---|"]
    for name, encode, codec, header, meta in CASES:
        pages = []
        for text in texts:
            page = _with_meta(encode(text), meta)
            pages.append((page, header, _decode(page, codec, text)))
        row = [name]
        for reader in (ours, beautifulsoup):
            right = sum(_right(reader(page, declared), text) for page, declared, text in pages)
            rounds = [(None, page, declared) for page, declared, _ in pages]  # time_round's (name, html, url)
            best = min(time_round(reader, rounds) for _ in range(args.runs))
            row += [f"{right}/{len(pages)}", f"{best * 1000:.2f}"]
        lines.append("| " + " | ".join(row) + " |")
        print(lines[-1], file=sys.stderr)
    publish(lines, BEGIN, END, args.write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
