"""Instructions per page of parse_article, counted by valgrind: unlike timings, the count repeats
exactly on a shared, noisy machine, so it is what A/B tests of a parser change should compare.

    python benchmarks/instructions.py --corpus ../shared/corpus

Runs itself twice under `valgrind --tool=callgrind` (one pass and three passes over the
corpus's article pages, after a warm-up pass) and reports the difference per page, which
leaves out start-up and imports. Needs valgrind; takes about a minute.
"""
from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))


def _passes(corpus: Path, passes: int) -> None:
    from extraction import article_pages

    from scraper.parsing import parse_article

    pages = article_pages(corpus)
    for _ in range(passes + 1):  # the first pass warms caches (selectors, per-site links)
        for _, html, url in pages:
            parse_article(html, url)


def _count(corpus: Path, passes: int) -> int:
    result = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__,
         "--corpus", str(corpus), "--run", str(passes)], capture_output=True, text=True, check=True)
    match = re.search(r"Collected\s*:\s*([\d,]+)", result.stderr) or re.search(r"refs:\s*([\d,]+)", result.stderr)
    return int(match.group(1).replace(",", ""))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default="../shared/corpus")
    parser.add_argument("--run", type=int, help=argparse.SUPPRESS)  # the measured child
    args = parser.parse_args()
    corpus = Path(args.corpus)
    if args.run is not None:
        _passes(corpus, args.run)
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
    print(f"{(three - one) / 2 / pages / 1e6:.1f} M instructions per page ({pages} pages)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
