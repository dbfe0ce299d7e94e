"""Extraction speed: vngov's parse_article against trafilatura on the same real pages, one run.

    python benchmarks/extraction.py --corpus ../shared/corpus --write docs/benchmarks.md

Both extractors see the same bytes in interleaved rounds, each round running one extractor over
every page and then the next, as each would run in a crawl: back to back, its own code and data
warm in the processor's caches. (Alternating the extractors page by page makes vngov look
slower, 8.1x where rounds gave 8.8x to 9.9x on the same day: each of its pages then starts in
caches that trafilatura has just filled.) The figure that matters is the ratio of the best rounds.

vngov remembers answers from page to page (class-name patterns, each site's resolved links,
compiled selectors), as a crawl of a site's many pages would; a third row clears them before
every page: what the first page of a site costs.
"""
from __future__ import annotations

import argparse
import csv
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scraper.parsing import clear_memos, parse_article  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))  # importable from elsewhere too
from _markdown import publish  # noqa: E402

MARK_BEGIN = "<!-- extraction-benchmark:begin -->"
MARK_END = "<!-- extraction-benchmark:end -->"


def article_pages(corpus: Path) -> list[tuple[str, bytes, str]]:
    pages = []
    with (corpus / "MANIFEST.tsv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if row["page_type"] == "article":
                url = row["original_url"] or f"https://{row['site'].split()[0]}/article-12345.html"
                pages.append((row["file"], (corpus / row["file"]).read_bytes(), url))
    return pages


def time_round(extract, pages) -> float:
    # CPU time of this process: what another tenant of the machine does costs us nothing here.
    start = time.process_time()
    for _, html, url in pages:
        extract(html, url)
    return (time.process_time() - start) / len(pages)


def _first_page_of_site(html: bytes, url: str):
    clear_memos()
    return parse_article(html, url)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default="../shared/corpus")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--write", help="markdown file whose benchmark section is replaced")
    args = parser.parse_args()
    corpus = Path(args.corpus)
    if not (corpus / "MANIFEST.tsv").is_file():
        print(f"no MANIFEST.tsv in {corpus}; nothing to measure", file=sys.stderr)
        return 2
    pages = article_pages(corpus)
    extractors = {
        "vngov parse_article": parse_article,
        "vngov parse_article, memos cleared before each page": _first_page_of_site,
    }
    try:
        import trafilatura

        extractors["trafilatura bare_extraction"] = lambda html, url: trafilatura.bare_extraction(
            html.decode("utf-8", "replace"), url=url, with_metadata=True)
    except ImportError:
        print("trafilatura not installed: timing vngov alone", file=sys.stderr)
    for extract in extractors.values():  # warm-up: imports, caches, dateparser's first call
        time_round(extract, pages)
    samples: dict[str, list[float]] = {name: [] for name in extractors}
    for _ in range(args.rounds):
        for name, extract in extractors.items():
            samples[name].append(time_round(extract, pages))
    best = {name: min(values) for name, values in samples.items()}
    median = {name: statistics.median(values) for name, values in samples.items()}
    lines = [
        "## Extraction speed",
        "",
        f"Command: `python benchmarks/extraction.py --corpus ../shared/corpus --rounds {args.rounds}`",
        f"({len(pages)} real and template article pages of the shared corpus, {args.rounds} interleaved rounds, "
        f"CPU time of the process; Python {platform.python_version()}, {platform.machine()}, 2 cores shared).",
        "",
        "| extractor | ms per page (best round) | ms per page (median round) | pages/s (best) |",
        "|---|---|---|---|",
    ]
    for name in extractors:
        lines.append(f"| {name} | {best[name] * 1000:.2f} | {median[name] * 1000:.2f} | {1 / best[name]:.0f} |")
    theirs = "trafilatura bare_extraction"
    if theirs in extractors:
        ours, cold = "vngov parse_article", "vngov parse_article, memos cleared before each page"
        lines += [
            "",
            f"vngov is **{best[theirs] / best[ours]:.1f}x** faster than trafilatura on the same pages in the same run "
            f"(best rounds; {median[theirs] / median[ours]:.1f}x on medians); with its memos cleared before every page "
            f"(a site's first page), {best[theirs] / best[cold]:.1f}x.",
        ]
    publish(lines, MARK_BEGIN, MARK_END, args.write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
