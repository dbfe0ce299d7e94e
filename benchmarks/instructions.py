"""Instructions per page of parse_article, counted by valgrind: unlike timings, the count repeats
exactly on a shared, noisy machine, so it is what A/B tests of a parser change should compare.

    python benchmarks/instructions.py --corpus ../shared/corpus

Runs itself twice under `valgrind --tool=callgrind` (one pass and three passes over the
corpus's article pages, after a warm-up pass) and reports the difference per page, which
leaves out start-up and imports. Needs valgrind; takes about a minute.

    python benchmarks/instructions.py --corpus ../shared/corpus --trafilatura

also counts trafilatura's bare_extraction on the same pages (one pass against two: it runs
about 13 times as many instructions, so this takes about five minutes) and prints the ratio,
a figure that repeats from run to run where the timed ratio of extraction.py drifts. It is
not the timed ratio: instructions per second differ between the two extractors.
"""
from __future__ import annotations

import argparse
import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))


def _passes(corpus: Path, passes: int, extractor: str) -> None:
    from extraction import article_pages

    pages = article_pages(corpus)
    if extractor == "trafilatura":
        import trafilatura

        def extract(html: bytes, url: str):  # as extraction.py times it
            return trafilatura.bare_extraction(html.decode("utf-8", "replace"), url=url, with_metadata=True)
    else:
        from scraper.parsing import parse_article as extract
    for _ in range(passes + 1):  # the first pass warms caches (selectors, per-site links)
        for _, html, url in pages:
            extract(html, url)


def _count(corpus: Path, passes: int, extractor: str = "vngov") -> int:
    result = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__,
         "--corpus", str(corpus), "--run", str(passes), "--extractor", extractor],
        capture_output=True, text=True, check=True)
    match = re.search(r"Collected\s*:\s*([\d,]+)", result.stderr) or re.search(r"refs:\s*([\d,]+)", result.stderr)
    return int(match.group(1).replace(",", ""))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default="../shared/corpus")
    parser.add_argument("--trafilatura", action="store_true", help="count trafilatura too and print the ratio")
    parser.add_argument("--run", type=int, help=argparse.SUPPRESS)  # the measured child
    parser.add_argument("--extractor", default="vngov", help=argparse.SUPPRESS)
    args = parser.parse_args()
    corpus = Path(args.corpus)
    if args.run is not None:
        _passes(corpus, args.run, args.extractor)
        return 0
    if not (corpus / "MANIFEST.tsv").is_file():
        print(f"no MANIFEST.tsv in {corpus}; nothing to measure", file=sys.stderr)
        return 2
    if shutil.which("valgrind") is None:
        print("valgrind is not installed", file=sys.stderr)
        return 2
    from extraction import article_pages

    pages = len(article_pages(corpus))
    one, three = _count(corpus, 1), _count(corpus, 3)
    ours = (three - one) / 2 / pages
    print(f"{ours / 1e6:.1f} M instructions per page ({pages} pages)")
    if args.trafilatura:
        if importlib.util.find_spec("trafilatura") is None:
            print("trafilatura is not installed", file=sys.stderr)
            return 2
        theirs = (_count(corpus, 2, "trafilatura") - _count(corpus, 1, "trafilatura")) / pages
        print(f"trafilatura: {theirs / 1e6:.1f} M instructions per page, {theirs / ours:.1f}x vngov's")
    return 0


if __name__ == "__main__":
    sys.exit(main())
