"""Scores extraction against the hand-checked gold records of the shared corpus, field by field.

The same checks are applied to trafilatura (when installed) so that a table shows both side by
side. Pages from sites without a profile measure the generic extractor on unseen layouts.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

from .parsing import parse_article
from .parsing.text import normalize_text
from .sites import profile_for_url

CHECKS = ("title", "sapo", "published_at", "author", "body_first", "body_last", "body_clean")


@dataclass
class Extracted:
    """The fields a check looks at, whichever extractor produced them."""

    title: str | None = None
    sapo: str | None = None
    published_at: str | None = None
    author: str | None = None
    body: str = ""
    sidebar_urls: set[str] = field(default_factory=set)


@dataclass
class PageScore:
    file: str
    site: str
    profiled: bool
    results: dict[str, bool] = field(default_factory=dict)

    @property
    def passed(self) -> int:
        return sum(self.results.values())

    @property
    def total(self) -> int:
        return len(self.results)


def load_gold(corpus: Path) -> list[dict]:
    gold_file = corpus / "gold.jsonl"
    with gold_file.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _minute(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).replace(second=0, microsecond=0)
    except ValueError:
        return None


def _same(ours: str | None, gold: str | None) -> bool:
    return normalize_text(ours or "") == normalize_text(gold or "")


def score_page(gold: dict, got: Extracted) -> dict[str, bool]:
    body = normalize_text(got.body)
    results = {
        "title": _same(got.title, gold.get("title")),
        "sapo": _same(got.sapo, gold.get("sapo")),
        "published_at": _minute(got.published_at) == _minute(gold.get("published_at")),
        "author": _same(got.author, gold.get("author")),
        "body_first": normalize_text(gold["body_first"]) in body,
        "body_last": normalize_text(gold["body_last"]) in body,
        "body_clean": bool(body) and not any(normalize_text(s) in body for s in gold.get("must_not_contain", [])),
    }
    for index, sidebar in enumerate(gold.get("sidebar", [])):
        results[f"sidebar[{index}] {sidebar.get('name')}"] = sidebar["first_url"] in got.sidebar_urls
    return results


def ours(html: bytes, url: str, *, generic: bool = False) -> Extracted:
    article = parse_article(html, url, generic=generic)
    return Extracted(
        title=article.title,
        sapo=article.sapo,
        published_at=article.published_at,
        author=article.author,
        body=article.body_text or "",
        sidebar_urls={item.url for item in article.sidebar},
    )


def generic_only(html: bytes, url: str) -> Extracted:
    """Ours with every site profile ignored: how the fallback does on layouts it never saw."""
    return ours(html, url, generic=True)


def trafilatura_extractor() -> Callable[[bytes, str], Extracted] | None:
    try:
        import trafilatura
    except ImportError:
        return None

    def extract(html: bytes, url: str) -> Extracted:
        result = trafilatura.bare_extraction(html.decode("utf-8", "replace"), url=url, with_metadata=True)
        if result is None:
            return Extracted()
        data = result if isinstance(result, dict) else result.as_dict()
        return Extracted(
            title=data.get("title"),
            sapo=data.get("description"),
            published_at=data.get("date"),
            author=data.get("author"),
            body=(data.get("text") or "").replace("\n", "\n\n"),
        )

    return extract


def evaluate(corpus: Path, extractor: Callable[[bytes, str], Extracted] = ours) -> list[PageScore]:
    scores = []
    for gold in load_gold(corpus):
        html = (corpus / gold["file"]).read_bytes()
        got = extractor(html, gold["url"])
        scores.append(PageScore(gold["file"], gold["site"], profile_for_url(gold["url"]) is not None, score_page(gold, got)))
    return scores


def format_table(columns: dict[str, list[PageScore]]) -> str:
    """One row per page and check group, one column per extractor, totals at the bottom."""
    names = list(columns)
    first = columns[names[0]]
    lines = [f"{'page':58} {'checks':>6} " + " ".join(f"{n:>12}" for n in names)]
    for index, page in enumerate(first):
        label = f"{page.file[:50]}{'' if page.profiled else ' (unseen)'}"
        cells = [f"{columns[n][index].passed:>9}/{columns[n][index].total:<2}" for n in names]
        lines.append(f"{label:58} {page.total:>6} " + " ".join(cells))
        failed = [check for check, ok in page.results.items() if not ok]
        if failed:
            lines.append(f"{'':60}{names[0]} failed: {', '.join(failed)}")
    lines.append("")
    for subset, keep in (("all pages", lambda p: True), ("profiled sites", lambda p: p.profiled),
                         ("unseen sites (generic)", lambda p: not p.profiled)):
        cells = []
        for name in names:
            pages = [p for p in columns[name] if keep(p)]
            passed, total = sum(p.passed for p in pages), sum(p.total for p in pages)
            cells.append(f"{passed:>6}/{total:<3}({(100 * passed / total if total else 0):5.1f}%)")
        lines.append(f"{subset:65} " + " ".join(cells))
    per_field = []
    for check in CHECKS:
        passed = sum(p.results.get(check, False) for p in first)
        per_field.append(f"{check} {passed}/{len(first)}")
    sidebar_checks = [ok for p in first for c, ok in p.results.items() if c.startswith("sidebar")]
    per_field.append(f"sidebar {sum(sidebar_checks)}/{len(sidebar_checks)}")
    lines.append(f"{names[0]} per field: " + ", ".join(per_field))
    return "\n".join(lines)
