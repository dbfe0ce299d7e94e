"""Instructions per page of parse_article, counted by valgrind: unlike timings, the count repeats
exactly on a shared, noisy machine, so it is what A/B tests of a parser change should compare.

    python benchmarks/instructions.py --corpus ../shared/corpus

Runs itself twice under `valgrind --tool=callgrind` (one pass and three passes over the
corpus's article pages, after a warm-up pass) and reports the difference per page, which
leaves out start-up and imports. Needs valgrind; takes about a minute.

    python benchmarks/instructions.py --corpus ../shared/corpus --trafilatura

also counts trafilatura's bare_extraction on the same pages, asked for its metadata as
extraction.py times it and then in its default text-only mode (one pass against two: it runs
about 13 times as many instructions, so this takes about ten minutes) and prints the ratios,
a figure that repeats from run to run where the timed ratio of extraction.py drifts. It is
not the timed ratio: instructions per second differ between the two extractors.

    python benchmarks/instructions.py --corpus ../shared/corpus --lxml-calls

prints what one lxml call costs (an attribute read, .text, getparent(), an iterator...), made
on every element of the same pages, less the cost of the loop that makes it: the price list
for choosing how to read a page (about three minutes).
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from lxml import etree

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))


def _passes(corpus: Path, passes: int, extractor: str) -> None:
    from extraction import article_pages

    pages = article_pages(corpus)
    if extractor.startswith("trafilatura"):
        from extraction import trafilatura_calls

        with_metadata, text_only = trafilatura_calls()  # as extraction.py times it
        extract = text_only if extractor == "trafilatura-text" else with_metadata
    else:
        from scraper.parsing import parse_article as extract
    for _ in range(passes + 1):  # the first pass warms caches (selectors, per-site links)
        for _, html, url in pages:
            extract(html, url)


# What one call costs, made on every element of the pages: name -> call on an element.
_CALLS = {
    "none (the loop alone)": lambda element: None,
    "element.tag": lambda element: element.tag,
    "element.text": lambda element: element.text,
    "element.tail": lambda element: element.tail,
    "element.getparent()": lambda element: element.getparent(),
    "element.getnext()": lambda element: element.getnext(),
    "len(element)": lambda element: len(element),
    'element.get(b"class")': lambda element: element.get(b"class"),
    'element.get(b"id") (mostly absent)': lambda element: element.get(b"id"),
    'element.get("id") (a str name)': lambda element: element.get("id"),
    "element.iter() (made, not run)": lambda element: element.iter(),
    'element.iter("a") (made, not run)': lambda element: element.iter("a"),
    'element.iter("a", "p", "div") (made, not run)': lambda element: element.iter("a", "p", "div"),
}


def _page_elements(corpus: Path) -> list[list]:
    """The elements of each article page of the corpus, parsed as extraction parses them."""
    from extraction import article_pages
    from scraper.parsing.document import parse_tree

    roots = [parse_tree(html) for _, html, _ in article_pages(corpus)]
    return [list(root.iter(etree.Element)) for root in roots if root is not None]


def _call_passes(corpus: Path, passes: int, name: str) -> None:
    pages = _page_elements(corpus)
    call = _CALLS[name]
    for _ in range(passes + 1):
        for elements in pages:
            for element in elements:
                call(element)


def _count_calls(corpus: Path, passes: int, name: str) -> int:
    return _valgrind(["--corpus", str(corpus), "--run", str(passes), "--call", name])


def _count(corpus: Path, passes: int, extractor: str = "vngov") -> int:
    return _valgrind(["--corpus", str(corpus), "--run", str(passes), "--extractor", extractor])


def _valgrind(arguments: list[str]) -> int:
    # One hash seed for every count: set and dict layouts, and so some counts, follow it.
    result = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__, *arguments],
        capture_output=True, text=True, check=True, env={**os.environ, "PYTHONHASHSEED": "0"})
    match = re.search(r"Collected\s*:\s*([\d,]+)", result.stderr) or re.search(r"refs:\s*([\d,]+)", result.stderr)
    return int(match.group(1).replace(",", ""))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default="../shared/corpus")
    parser.add_argument("--trafilatura", action="store_true", help="count trafilatura too and print the ratio")
    parser.add_argument("--run", type=int, help=argparse.SUPPRESS)  # the measured child
    parser.add_argument("--extractor", default="vngov", help=argparse.SUPPRESS)
    parser.add_argument("--lxml-calls", action="store_true", help="what one lxml call costs, in instructions")
    parser.add_argument("--call", help=argparse.SUPPRESS)
    args = parser.parse_args()
    corpus = Path(args.corpus)
    if args.run is not None:
        if args.call is not None:
            _call_passes(corpus, args.run, args.call)
        else:
            _passes(corpus, args.run, args.extractor)
        return 0
    if not (corpus / "MANIFEST.tsv").is_file():
        print(f"no MANIFEST.tsv in {corpus}; nothing to measure", file=sys.stderr)
        return 2
    if shutil.which("valgrind") is None:
        print("valgrind is not installed", file=sys.stderr)
        return 2
    from extraction import article_pages

    if args.lxml_calls:
        return _print_call_costs(corpus)
    pages = len(article_pages(corpus))
    one, three = _count(corpus, 1), _count(corpus, 3)
    ours = (three - one) / 2 / pages
    print(f"{ours / 1e6:.1f} M instructions per page ({pages} pages)")
    if args.trafilatura:
        if importlib.util.find_spec("trafilatura") is None:
            print("trafilatura is not installed", file=sys.stderr)
            return 2
        for extractor, label in (("trafilatura", "trafilatura"), ("trafilatura-text", "trafilatura, text only (its default)")):
            theirs = (_count(corpus, 2, extractor) - _count(corpus, 1, extractor)) / pages
            print(f"{label}: {theirs / 1e6:.1f} M instructions per page, {theirs / ours:.1f}x vngov's")
    return 0


def _print_call_costs(corpus: Path) -> int:
    elements = sum(map(len, _page_elements(corpus)))
    print(f"instructions per call, over the {elements} elements of the corpus's article pages:")
    print("| call | instructions |")
    print("|---|---|")
    loop = None
    for name in _CALLS:
        # Ten passes' difference: start-up varies by a few hundred thousand instructions.
        per_call = (_count_calls(corpus, 11, name) - _count_calls(corpus, 1, name)) / 10 / elements
        if loop is None:
            loop = per_call
            print(f"| {name} | {per_call:,.0f} |")
        else:
            print(f"| {name} | {per_call - loop:,.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
