"""parse_article over the corpus's article pages, again and again, for a profiler to sample:

    py-spy record -r 500 -f raw -o spy.txt -- python benchmarks/extraction_loop.py --seconds 30

`--cold` clears what extraction remembers across pages before every page (a site's first page).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from extraction import pages_or_exit  # noqa: E402
from scraper.parsing import clear_memos, parse_article  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default="../shared/corpus")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--cold", action="store_true", help="clear extraction's memos before every page")
    args = parser.parse_args()
    pages = pages_or_exit(Path(args.corpus))
    deadline, count = time.monotonic() + args.seconds, 0
    while time.monotonic() < deadline:
        for _, html, url in pages:
            if args.cold:
                clear_memos()
            parse_article(html, url)
            count += 1
    print(f"{count} pages parsed", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
