"""Export speed on a large generated archive: one month against everything, and against DuckDB
answering the same month on the same files, in one run.

    python benchmarks/archive.py --records 1000000 --write docs/benchmarks.md

The archive (3 sites, 36 months, about 1.5 KB of Vietnamese text per record) is generated
through ArchiveWriter, so it has the real layout, codec and index. It is kept under --workdir
between runs (generation takes minutes); --fresh rebuilds it.
"""
from __future__ import annotations

import argparse
import platform
import random
import shutil
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scraper.archive import Archive, ArchiveWriter  # noqa: E402
from scraper.archive.export import ExportRequest, export  # noqa: E402
from scraper.schema import duckdb_columns  # noqa: E402
from scraper.items import article_id  # noqa: E402
from scraper.mirror.content import Writer  # noqa: E402
from scraper.parsing.dates import VN_TZ  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))  # importable from elsewhere too
from _markdown import publish  # noqa: E402

MARK_BEGIN = "<!-- archive-benchmark:begin -->"
MARK_END = "<!-- archive-benchmark:end -->"
SITES = ("baochinhphu.vn", "nhandan.vn", "qdnd.vn")
START = datetime(2023, 1, 1, 6, 0, tzinfo=VN_TZ)
DAYS = 3 * 365


def generate(root: Path, count: int) -> float:
    writer_text = Writer(7)
    paragraphs = writer_text.paragraphs("pool", 64)
    titles = [writer_text.title(str(i)) for i in range(512)]
    rng = random.Random(7)
    started = time.monotonic()
    step = DAYS * 86400 / count
    with ArchiveWriter(root, run_id="bench", segment_records=200_000, commit_every=100_000,
                       commit_interval=3600) as writer:
        for index in range(count):
            site = SITES[index % 3]
            url = f"https://{site}/bai-viet-so-{index}.html"
            published = START + timedelta(seconds=int(index * step))
            body = "\n\n".join(rng.sample(paragraphs, 4))
            writer.add({
                "id": article_id(url), "url": url, "canonical_url": url, "site": site,
                "title": titles[index % 512], "sapo": paragraphs[index % 64], "body_text": body, "body_html": None,
                "published_at": published.isoformat(), "updated_at": None, "date_source": "meta",
                "author": "Phóng viên", "category": "Thời sự", "tags": ["chính sách"], "images": [], "sidebar": [],
                "language": "vi", "parser_version": "bench", "schema_version": 1, "warnings": [],
            })
    return time.monotonic() - started


def time_export(archive: Archive, date_from, date_to, output: Path) -> tuple[float, int]:
    started = time.monotonic()
    result = export(archive, ExportRequest(date_from, date_to, output=str(output)), ["benchmark"])
    return time.monotonic() - started, result.rows


def time_duckdb(root: Path, year: str, month: str, output: Path) -> tuple[float, int]:
    import duckdb

    connection = duckdb.connect()
    columns = ", ".join(f"'{k}': '{v}'" for k, v in duckdb_columns().items())
    pattern = str(root / "site=*" / "year=*" / "month=*" / "part-*.jsonl.zst")
    started = time.monotonic()
    # DuckDB at its best: explicit columns (no schema sniffing) and a filter on the Hive
    # partition columns, which prunes files before reading.
    connection.execute(f"""
        COPY (SELECT * EXCLUDE (site_, year, month) FROM (
              SELECT *, site AS site_ FROM read_json('{pattern}', format='newline_delimited', hive_partitioning=true,
                                                     hive_types_autocast=false, columns={{{columns}}}))
              WHERE year = '{year}' AND month = '{month}')
        TO '{output}' (FORMAT json)""")
    elapsed = time.monotonic() - started
    rows = connection.execute(f"SELECT count(*) FROM read_json('{output}', format='newline_delimited')").fetchone()[0]
    return elapsed, rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--workdir", default="/tmp/vngov-archive-bench")
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--write")
    args = parser.parse_args()
    work = Path(args.workdir)
    root = work / f"archive-{args.records}"
    if args.fresh and root.exists():
        shutil.rmtree(root)
    generated = None
    if not (root / "index.sqlite").exists():
        print(f"generating {args.records} records in {root} ...", file=sys.stderr)
        generated = generate(root, args.records)
    archive = Archive(root)
    size_mb = sum(p.stat().st_size for p in root.glob("site=*/year=*/month=*/part-*")) / 1e6
    month_from, month_to = datetime(2024, 6, 1).date(), datetime(2024, 6, 30).date()
    out = work / "out"
    out.mkdir(parents=True, exist_ok=True)
    month, everything, duck = [], [], []
    for _ in range(args.rounds):  # interleaved, best of rounds
        month.append(time_export(archive, month_from, month_to, out / "month.jsonl"))
        duck.append(time_duckdb(root, "2024", "06", out / "duck.jsonl"))
    everything.append(time_export(archive, None, None, out / "all.jsonl"))
    best_month, month_rows = min(month)
    best_duck, duck_rows = min(duck)
    all_time, all_rows = everything[0]
    assert month_rows == duck_rows, (month_rows, duck_rows)
    lines = [
        "## Archive export",
        "",
        f"Command: `python benchmarks/archive.py --records {args.records} --rounds {args.rounds}`",
        f"({all_rows:,} records, 3 sites over 36 months, {size_mb:,.0f} MB of zstd segments"
        + (f", generated through ArchiveWriter in {generated:.0f} s" if generated else "")
        + f"; Python {platform.python_version()}, 2 cores shared; best of {args.rounds} rounds).",
        "",
        "| export | rows | seconds |",
        "|---|---|---|",
        f"| `vngov export --from 2024-06-01 --to 2024-06-30` (JSON Lines) | {month_rows:,} | {best_month:.2f} |",
        f"| DuckDB, same month, same files, partition filter, explicit columns, COPY TO JSON | {duck_rows:,} | {best_duck:.2f} |",
        f"| `vngov export` of everything | {all_rows:,} | {all_time:.1f} |",
        "",
        f"One month takes **{100 * best_month / all_time:.1f}%** of exporting everything and "
        f"**{best_month / best_duck:.2f}x** DuckDB's time for the same month.",
    ]
    publish(lines, MARK_BEGIN, MARK_END, args.write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
