"""Extraction time page by page: vngov's parse_article against trafilatura, asked for its
metadata as extraction.py asks it and in its default text-only mode, each page timed alone.

    python benchmarks/per_page.py --corpus ../shared/corpus

extraction.py gives the ratio over all the corpus's article pages; this says which pages make
it. Real pages carry full sidebars and menus, where our share of the work grows, and some are
quick for trafilatura. Each page: the best of `--runs` runs of ours and of a quarter as many
of trafilatura's (ten times slower), CPU time of the process, one page after the other.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from extraction import pages_or_exit, trafilatura_calls  # noqa: E402
from scraper.parsing import parse_article  # noqa: E402


def best_time(extract, html: bytes, url: str, runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.process_time()
        extract(html, url)
        best = min(best, time.process_time() - start)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default="../shared/corpus")
    parser.add_argument("--runs", type=int, default=20, help="runs of each page for vngov (a quarter for trafilatura)")
    args = parser.parse_args()
    pages = pages_or_exit(Path(args.corpus))
    calls = trafilatura_calls()
    if calls is None:
        print("trafilatura is not installed: nothing to compare", file=sys.stderr)
        return 2
    with_metadata, text_only = calls
    theirs_runs = max(1, args.runs // 4)
    for _, html, url in pages:  # warm-up: imports, caches, dateparser's first call
        parse_article(html, url), with_metadata(html, url), text_only(html, url)
    print("| page | KB | vngov ms | trafilatura ms (metadata) | trafilatura ms (text only) | x (metadata) | x (text only) |")
    print("|---|---|---|---|---|---|---|")
    totals: dict[str, list[float]] = {"real pages": [0.0] * 3, "templates": [0.0] * 3}
    for name, html, url in pages:
        times = (best_time(parse_article, html, url, args.runs), best_time(with_metadata, html, url, theirs_runs),
                 best_time(text_only, html, url, theirs_runs))
        group = totals["templates" if name.startswith("templates/") else "real pages"]
        for index, value in enumerate(times):
            group[index] += value
        ours, metadata, text = times
        print(f"| {name} | {len(html) // 1024} | {ours * 1000:.2f} | {metadata * 1000:.2f} | {text * 1000:.2f} "
              f"| {metadata / ours:.1f} | {text / ours:.1f} |")
    totals["all pages"] = [a + b for a, b in zip(totals["real pages"], totals["templates"])]
    print()
    for group, (ours, metadata, text) in totals.items():
        if ours:
            print(f"{group}: vngov {metadata / ours:.1f}x faster than trafilatura with its metadata, "
                  f"{text / ours:.1f}x than its text-only default")
    return 0


if __name__ == "__main__":
    sys.exit(main())
