"""Writing a benchmark's section into docs/benchmarks.md, replacing its previous version."""
from __future__ import annotations

from pathlib import Path


def replace_section(path: str | Path, begin: str, end: str, section: str) -> None:
    """`section` must start with `begin` and end with `end` (HTML comments marking it)."""
    target = Path(path)
    text = target.read_text(encoding="utf-8") if target.exists() else "# Benchmarks\n"
    if begin in text:
        head, rest = text.split(begin, 1)
        text = head + section + rest.split(end, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    target.write_text(text, encoding="utf-8")


def publish(lines: list[str], begin: str, end: str, write_to: str | None) -> None:
    """Print a benchmark's section (marked by `begin`/`end`) and, if asked, write it to a file."""
    section = "\n".join([begin, *lines, end])
    print(section)
    if write_to:
        replace_section(write_to, begin, end, section)
