"""First pipeline: every text field NFC, one space, no invisible characters; no source tag at
the start of the lead. The parser already does this; the archive's guarantee does not rest on it."""
from __future__ import annotations

import re
import unicodedata

from scraper.items import CrawledPage
from scraper.parsing.text import normalize_text, strip_source_prefix
from scraper.schema import TEXT_FIELDS


_UNCLEAN = re.compile("[\ufeff\u200b\u200c\u200d\u2060\u00ad\u00a0\t\r]|  |\n\n\n| \n|\n ")


def _clean(text: str) -> bool:
    """Already normalized? Checking is much cheaper than redoing it on a long body."""
    return unicodedata.is_normalized("NFC", text) and not _UNCLEAN.search(text) and text == text.strip()


class NormalizePipeline:
    def process_item(self, item: CrawledPage, spider=None) -> CrawledPage:
        normalize_record(item.record)
        return item


def normalize_record(record: dict) -> dict:
    """The archive's text guarantee, in place (and returned): what the crawl applies to every
    record, and `vngov reparse` to every record it re-reads."""
    for field in TEXT_FIELDS:  # the schema's text fields, each cleaned as its type needs
        value = record.get(field.name)
        if field.text == "paragraphs":
            if value and not _clean(value):
                paragraphs = (normalize_text(p, keep_newlines=True) for p in value.split("\n\n"))
                record[field.name] = "\n\n".join(p for p in paragraphs if p) or None
        elif field.base == "string[]":
            record[field.name] = [t for t in (normalize_text(t) for t in value or []) if t]
        elif field.base == "image[]":
            for image in value or []:
                image["caption"] = normalize_text(image.get("caption")) or None
        elif field.base == "sidebar[]":
            for entry in value or []:
                entry["title"] = normalize_text(entry.get("title"))
                entry["teaser"] = normalize_text(entry.get("teaser")) or None
        elif value:
            record[field.name] = normalize_text(value) or None
    if record.get("sapo"):
        record["sapo"] = strip_source_prefix(record["sapo"])
    return record
