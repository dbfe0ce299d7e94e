"""Peak memory and time of `vngov export` in each format, on an archive of articles shaped like
the real ones (body text and HTML, images, a sidebar of related articles), with pyarrow's own
Parquet writer over the same row groups as the baseline, in one run.

    python benchmarks/export_memory.py --articles 6000 --write docs/benchmarks.md

Each export runs in a process of its own; its peak RSS is the kernel's (wait4's ru_maxrss).
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from scraper.archive import ArchiveWriter  # noqa: E402
from scraper.items import article_id  # noqa: E402
from scraper.mirror.content import Writer  # noqa: E402
from scraper.parsing.dates import VN_TZ  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _markdown import publish  # noqa: E402

MARK_BEGIN = "<!-- export-memory-benchmark:begin -->"
MARK_END = "<!-- export-memory-benchmark:end -->"
START = datetime(2026, 1, 1, 6, 0, tzinfo=VN_TZ)

# The export's Parquet writer before archive/parquet.py: pyarrow, row groups of 2,000 rows or 4 MB.
PYARROW_BASELINE = """
import sys
from datetime import datetime
import pyarrow as pa, pyarrow.parquet as pq
sys.path.insert(0, sys.argv[3])
from scraper.archive import Archive
from scraper.schema import TIMESTAMP_FIELDS, arrow_schema
schema = arrow_schema()
writer = pq.ParquetWriter(sys.argv[2], schema, compression="zstd")
rows, size = [], 0
def flush():
    writer.write_table(pa.Table.from_pylist(rows, schema=schema))
    rows.clear()
for record in Archive(sys.argv[1]).iter_articles():
    row = {name: record.get(name) for name in schema.names}
    for name in TIMESTAMP_FIELDS:
        if row.get(name):
            row[name] = datetime.fromisoformat(row[name])
    rows.append(row)
    size += len(str(record))
    if len(rows) >= 2000 or size >= 4 << 20:
        flush()
        size = 0
if rows:
    flush()
writer.close()
"""


def generate(root: Path, count: int) -> None:
    text = Writer(11)
    paragraphs = text.paragraphs("pool", 96)
    titles = [text.title(str(i)) for i in range(512)]
    rng = random.Random(11)
    with ArchiveWriter(root, run_id="bench") as writer:
        for index in range(count):
            site = ("baochinhphu.vn", "nhandan.vn", "qdnd.vn")[index % 3]
            url = f"https://{site}/bai-viet-so-{index}.html"
            body = rng.sample(paragraphs, 8)
            writer.add({
                "id": article_id(url), "url": url, "canonical_url": url, "site": site,
                "title": titles[index % 512], "sapo": body[0], "body_text": "\n\n".join(body),
                "body_html": "".join(f'<p class="t-j">{p}</p>' for p in body),
                "published_at": (START + timedelta(minutes=40 * index)).isoformat(), "updated_at": None,
                "date_source": "meta", "author": "Phóng viên", "category": "Thời sự",
                "tags": ["chính sách", titles[(index * 7) % 512][:30]],
                "images": [{"url": f"https://{site}/anh/{index}-{n}.jpg", "caption": titles[(index + n) % 512]}
                           for n in range(3)],
                "sidebar": [{"list": "Tin liên quan", "title": titles[(index + n) % 512],
                             "url": f"https://{site}/bai-viet-so-{n}.html", "teaser": None, "position": n}
                            for n in range(10)],
                "language": "vi", "parser_version": "bench", "schema_version": 1, "warnings": [],
            })


def measure(command: list[str]) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of a command run to its end."""
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.monotonic() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed: {process.stderr.read().decode()[-2000:]}")
    return seconds, usage.ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=6000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--write")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="vngov-export-memory-"))
    try:
        root = work / "archive"
        generate(root, args.articles)
        size_mb = sum(p.stat().st_size for p in root.rglob("part-*")) / 1e6
        export = [sys.executable, "-m", "scraper", "export", "--archive", str(root), "--quiet", "--force"]
        runs = {
            "JSON Lines": export + ["--output", str(work / "out.jsonl")],
            "CSV": export + ["--output", str(work / "out.csv")],
            "Parquet (ours)": export + ["--output", str(work / "out.parquet")],
            "Parquet (pyarrow, the baseline)": [sys.executable, "-c", PYARROW_BASELINE, str(root),
                                                str(work / "pyarrow.parquet"), str(REPO)],
        }
        results: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
        for _ in range(args.rounds):  # interleaved
            for name, command in runs.items():
                results[name].append(measure(command))
        sizes = {name: (work / f).stat().st_size / 1e6 for name, f in
                 (("JSON Lines", "out.jsonl"), ("CSV", "out.csv"), ("Parquet (ours)", "out.parquet"),
                  ("Parquet (pyarrow, the baseline)", "pyarrow.parquet"))}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    jsonl = min(rss for _, rss in results["JSON Lines"])
    lines = [
        "## Export memory",
        "",
        f"Command: `python benchmarks/export_memory.py --articles {args.articles} --rounds {args.rounds}` "
        f"({args.articles:,} articles with body text and HTML, 3 images and 10 sidebar items each, "
        f"{size_mb:.0f} MB of zstd segments; Python {platform.python_version()}, {os.cpu_count()} cores; "
        f"each export a process of its own, its peak RSS from wait4; best of {args.rounds} interleaved rounds).",
        "",
        "| export | seconds | peak RSS MB | vs JSON Lines | output MB |",
        "|---|---|---|---|---|",
    ]
    for name, measured in results.items():
        seconds = min(s for s, _ in measured)
        rss = min(r for _, r in measured)
        lines.append(f"| {name} | {seconds:.2f} | {rss:.0f} | {rss / jsonl:.2f}x | {sizes[name]:.1f} |")
    publish(lines, MARK_BEGIN, MARK_END, args.write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
