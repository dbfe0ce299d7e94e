"""Our Parquet writer (scraper/archive/parquet.py) against pyarrow's as the oracle: the same rows
read back by pyarrow give the same schema and the same values, and DuckDB and Polars read the
file as they read pyarrow's; row groups, empty files, projections, nulls at every level."""
import io
import json
import shutil
import subprocess
import sys
from datetime import datetime, timezone

import pytest

from scraper import schema
from scraper.archive.parquet import ParquetWriter

from .records import make_record

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")


def _rows() -> list[dict]:
    rows = [make_record(i) for i in range(40)]
    rows[0].update(tags=None, images=None, sidebar=None, published_at=None, author=None)  # nulls at the top
    rows[1].update(tags=[], images=[], sidebar=[])  # empty lists are not nulls
    rows[2].update(tags=["a", None, "Thủ tướng"], images=[{"url": "https://x.vn/a.jpg", "caption": None}, None],
                   sidebar=[{"list": None, "title": "t", "url": "https://x.vn/b.html", "teaser": None, "position": 0}])
    rows[3].update(published_at="2026-03-01T23:30:00+07:00", updated_at="2026-03-02T00:15:00.250000+07:00",
                   warc_offset=2 ** 40, version=2 ** 31 - 1)
    rows[4].update(sidebar=[{"list": "Tin liên quan", "title": f"bài {n}", "url": f"https://x.vn/{n}.html",
                             "teaser": None, "position": n} for n in range(40)])  # longer than a run of 15
    return rows


def _write(rows: list[dict], names=None, group: int = 7, extra=None) -> bytes:
    out = io.BytesIO()
    writer = ParquetWriter(out, names, extra=extra)
    for start in range(0, len(rows), group):
        writer.write_rows(rows[start:start + group])
    writer.close()
    return out.getvalue()


def _pyarrow(rows: list[dict], names=None) -> bytes:
    """What pyarrow writes for the same rows (the export's writer before ours)."""
    arrow = schema.arrow_schema(names)
    converted = []
    for row in rows:
        row = {name: row.get(name) for name in arrow.names}
        for name in schema.TIMESTAMP_FIELDS:
            if row.get(name):
                row[name] = datetime.fromisoformat(row[name])
        converted.append(row)
    out = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(converted, schema=arrow), out)
    return out.getvalue()


def test_pyarrow_reads_our_file_as_it_reads_its_own():
    rows = _rows()
    ours = pq.read_table(io.BytesIO(_write(rows)))
    theirs = pq.read_table(io.BytesIO(_pyarrow(rows)))
    assert ours.schema.equals(theirs.schema) and ours.schema.equals(schema.arrow_schema())
    assert ours.to_pylist() == theirs.to_pylist()
    assert pq.ParquetFile(io.BytesIO(_write(rows))).metadata.num_row_groups == 6  # 40 rows by 7
    # The zone is kept: an analyst sees Hanoi's wall clock, not UTC.
    assert ours.column("published_at")[3].as_py().isoformat() == "2026-03-01T23:30:00+07:00"


def test_a_projection_and_an_export_only_column():
    rows = [dict(r, withdrawn_at="2026-04-01T02:00:00+00:00" if n % 2 else None) for n, r in enumerate(_rows())]
    names = ["id", "title", "tags", "sidebar", "withdrawn_at"]
    table = pq.read_table(io.BytesIO(_write(rows, names, extra={"withdrawn_at": "utc_timestamp"})))
    assert table.schema.names == names and str(table.schema.field("withdrawn_at").type) == "timestamp[us, tz=UTC]"
    got = table.to_pylist()
    assert [r["withdrawn_at"] for r in got[:2]] == [None, datetime(2026, 4, 1, 2, tzinfo=timezone.utc)]
    assert [r["sidebar"] for r in got] == [r["sidebar"] for r in rows] and [r["tags"] for r in got] == [r["tags"] for r in rows]


def test_an_export_of_nothing_is_a_valid_empty_file():
    table = pq.read_table(io.BytesIO(_write([])))
    assert table.num_rows == 0 and table.schema.equals(schema.arrow_schema())


def test_duckdb_and_polars_read_our_file(tmp_path):
    duckdb = pytest.importorskip("duckdb")
    polars = pytest.importorskip("polars")
    rows = _rows()
    path = tmp_path / "ours.parquet"
    path.write_bytes(_write(rows))
    reference = tmp_path / "pyarrow.parquet"
    reference.write_bytes(_pyarrow(rows))
    query = "SELECT id, title, tags, images, sidebar, published_at, warc_offset, version FROM '{}' ORDER BY id"
    connection = duckdb.connect()
    assert connection.sql(query.format(path)).fetchall() == connection.sql(query.format(reference)).fetchall()
    ours, theirs = polars.read_parquet(path), polars.read_parquet(reference)
    assert ours.schema == theirs.schema and ours.equals(theirs)
    assert str(ours.schema["published_at"]) == 'Datetime(time_unit=\'us\', time_zone=\'Asia/Ho_Chi_Minh\')'


def test_top_level_columns_carry_the_statistics_pyarrow_writes():
    """Min, max and null count per row group, in each type's order, so that readers skip row
    groups out of a filter's range (long strings such as the body keep only their null count)."""
    rows = _rows()
    ours = pq.ParquetFile(io.BytesIO(_write(rows, group=40))).metadata.row_group(0)
    theirs = pq.ParquetFile(io.BytesIO(_pyarrow(rows))).metadata.row_group(0)
    with_bounds = set()
    for n in range(ours.num_columns):
        column = ours.column(n)
        if "." in column.path_in_schema:  # inside a list: no statistics
            assert column.statistics is None
            continue
        got, expected = column.statistics, theirs.column(n).statistics
        assert got.null_count == expected.null_count, column.path_in_schema
        if got.has_min_max:
            assert (got.min, got.max) == (expected.min, expected.max), column.path_in_schema
            with_bounds.add(column.path_in_schema)
    assert {"id", "site", "published_at", "updated_at", "version", "warc_offset"} <= with_bounds
    assert "body_text" not in with_bounds


SPARK_READS = """
import json, sys
from pyspark.sql import SparkSession, functions as F
spark = SparkSession.builder.master("local[1]").appName("vngov-parquet").config("spark.ui.enabled", "false") \\
    .config("spark.sql.session.timeZone", "UTC").getOrCreate()
df = spark.read.parquet(sys.argv[1])
rows = df.select("id", "tags", F.col("sidebar.position").alias("positions"), F.unix_micros("published_at").alias("at"),
                 "warc_offset").collect()
print(json.dumps([row.asDict() for row in rows]))
spark.stop()
"""


@pytest.mark.slow
def test_spark_reads_our_file(tmp_path):
    pytest.importorskip("pyspark")
    if not shutil.which("java"):
        pytest.skip("Spark needs Java")
    rows = _rows()
    path = tmp_path / "ours.parquet"
    path.write_bytes(_write(rows))
    result = subprocess.run([sys.executable, "-c", SPARK_READS, str(path)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    got = {row["id"]: row for row in json.loads(result.stdout.splitlines()[-1])}
    table = {row["id"]: row for row in pq.read_table(io.BytesIO(_write(rows))).to_pylist()}
    assert got.keys() == table.keys()
    for key, row in table.items():
        moment = row["published_at"]
        assert got[key]["tags"] == row["tags"] and got[key]["warc_offset"] == row["warc_offset"]
        assert got[key]["positions"] == ([item["position"] for item in row["sidebar"]] if row["sidebar"] is not None else None)
        assert got[key]["at"] == (None if moment is None else int(moment.timestamp() * 1_000_000))
