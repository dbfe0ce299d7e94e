"""How much of a page's extraction is libxml2's parse, and how much of the parse its attributes:
the floor under any speed work on the Python side.

    python benchmarks/parse_share.py --corpus ../shared/corpus --write docs/benchmarks.md

Times, in interleaved rounds on the corpus's article pages (best round of each):
- parse_article on the pages as they are;
- the parse alone (the parser parse_article uses, tree freed), on the same bytes;
- the parse alone on the same pages serialized back from their trees, and on those trees
  serialized with every attribute removed: the difference between the last two is what the
  page's attributes cost libxml2 (each one a name copy, a property node and a text node).
"""
from __future__ import annotations

import argparse
import platform
import sys
from pathlib import Path

from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _markdown import publish  # noqa: E402
from extraction import pages_or_exit, time_round  # noqa: E402
from scraper.parsing import parse_article  # noqa: E402
from scraper.parsing.document import parse_tree  # noqa: E402

MARK_BEGIN = "<!-- parse-share-benchmark:begin -->"
MARK_END = "<!-- parse-share-benchmark:end -->"


def serialized(html: bytes, keep_attributes: bool) -> bytes:
    root = parse_tree(html)
    if not keep_attributes:
        for element in root.iter(etree.Element):
            element.attrib.clear()
    return etree.tostring(root, encoding="utf-8", method="html")


def parse_alone(html: bytes, url: str) -> None:
    parse_tree(html)  # the tree is freed on return, as parse_article's is


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default="../shared/corpus")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--write", help="markdown file whose section is replaced")
    args = parser.parse_args()
    pages = pages_or_exit(Path(args.corpus))
    reserialized = [(name, serialized(html, keep_attributes=True), url) for name, html, url in pages]
    bare = [(name, serialized(html, keep_attributes=False), url) for name, html, url in pages]
    runs = {  # name -> (extract(html, url), pages): what extraction.time_round times
        "parse_article": (parse_article, pages),
        "parse alone": (parse_alone, pages),
        "parse alone, pages serialized back": (parse_alone, reserialized),
        "parse alone, serialized without attributes": (parse_alone, bare),
    }
    for work, documents in runs.values():  # warm-up
        time_round(work, documents)
    samples: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(args.rounds):
        for name, (work, documents) in runs.items():
            samples[name].append(time_round(work, documents))
    best = {name: min(values) for name, values in samples.items()}
    attributes = best["parse alone, pages serialized back"] - best["parse alone, serialized without attributes"]
    lines = [
        "## Parse share",
        "",
        f"Command: `python benchmarks/parse_share.py --corpus ../shared/corpus --rounds {args.rounds}`",
        f"({len(pages)} article pages of the shared corpus; {args.rounds} interleaved rounds, best round of each; "
        f"CPU time; Python {platform.python_version()}, lxml {'.'.join(map(str, etree.LXML_VERSION[:3]))} with "
        f"libxml2 {'.'.join(map(str, etree.LIBXML_VERSION))}).",
        "",
        "| run | ms per page (best round) | KB per page |",
        "|---|---|---|",
    ]
    for name, (_, documents) in runs.items():
        kilobytes = sum(len(html) for _, html, _ in documents) / len(documents) / 1024
        lines.append(f"| {name} | {best[name] * 1000:.3f} | {kilobytes:.0f} |")
    lines += [
        "",
        f"libxml2's parse (and freeing its tree) is **{best['parse alone'] / best['parse_article']:.0%}** of "
        f"parse_article's time; the pages' attributes are **{attributes / best['parse alone, pages serialized back']:.0%}** "
        f"of the parse ({attributes * 1000:.2f} ms a page).",
    ]
    publish(lines, MARK_BEGIN, MARK_END, args.write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
