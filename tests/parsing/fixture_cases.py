"""Fixture folders for the parser: page.html + meta.json (url, optional encoding and
reference_time) + expected.json. Regenerate expected output on purpose with

    python -m tests.parsing.fixture_cases --regen

and read the diff before committing it.
"""
from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

from scraper.parsing import parse_article

FIXTURES = Path(__file__).parent / "fixtures"


def cases() -> list[Path]:
    return sorted(p for p in FIXTURES.iterdir() if (p / "page.html").is_file())


def run_case(case: Path) -> dict:
    meta = json.loads((case / "meta.json").read_text(encoding="utf-8"))
    reference = meta.get("reference_time")
    article = parse_article(
        (case / "page.html").read_bytes(),
        meta["url"],
        encoding=meta.get("encoding"),
        reference_time=datetime.fromisoformat(reference) if reference else None,
    )
    record = article.to_dict()
    record.pop("parser_version")
    return record


def main(argv: list[str]) -> int:
    if argv != ["--regen"]:
        print(__doc__)
        return 2
    for case in cases():
        text = json.dumps(run_case(case), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        (case / "expected.json").write_text(text, encoding="utf-8")
        print(f"wrote {case / 'expected.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
