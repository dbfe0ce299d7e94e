"""The record's schema is defined once (scraper/schema.py) and everything else agrees with it:
the record dataclass, what the writer stores, DuckDB's columns, the Parquet export, Polars,
the content hash, the normalizer, the index, docs/schema.md and the archive's schema.json."""
import dataclasses
import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.normalize import normalize_record
from scraper import schema
from scraper.archive import Archive, ArchiveWriter, content_hash
from scraper.archive.index import INDEX_NAME
from scraper.items import Article

from .records import make_record

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """Two sites; one's first segment has no author at all and one article is undated."""
    root = tmp_path_factory.mktemp("schema")
    records = [make_record(i, site="nhandan.vn" if i % 2 else "baochinhphu.vn") for i in range(12)]
    for record in records:
        if record["site"] == "baochinhphu.vn":
            record["author"] = None
    records[1]["published_at"] = None
    records[3]["images"] = [{"url": "https://nhandan.vn/a.jpg", "caption": "Ảnh minh họa"}]
    with ArchiveWriter(root, run_id="one") as writer:
        for record in records:
            writer.add(record)
    return root


def test_the_record_dataclass_has_the_schemas_parser_fields_in_order():
    assert tuple(f.name for f in dataclasses.fields(Article)) == schema.PARSER_FIELDS
    assert all(f.base in schema.TYPES for f in schema.FIELDS)
    assert len(schema.BY_NAME) == len(schema.FIELDS)


def test_what_the_writer_stores_is_the_schema_in_order(archive):
    for record in Archive(archive).iter_articles():
        assert tuple(record) == tuple(f.name for f in schema.FIELDS)


def test_the_content_hash_covers_the_same_fields_as_ever():
    # Changing this set changes every stored hash: each article would get a new version.
    assert set(schema.CONTENT_FIELDS) == {"title", "sapo", "body_text", "published_at", "updated_at", "author",
                                          "category", "tags", "images"}
    record = make_record(1)
    for name in schema.CONTENT_FIELDS:
        changed = dict(record, **{name: "khác" if not isinstance(record[name], list) else ["khác"]})
        assert content_hash(changed) != content_hash(record), name
    assert content_hash(dict(record, sidebar=[])) == content_hash(record)


def test_duckdb_reads_every_field_with_its_type(archive):
    duckdb = pytest.importorskip("duckdb")
    relation = Archive(archive).duckdb(duckdb.connect())
    columns = dict(zip(relation.columns, relation.types))
    for field in schema.FIELDS:  # an explicit column list drops any field it does not name
        assert field.name in columns, field.name
        declared = duckdb.sql(f"SELECT NULL::{schema.duckdb_type(field)} AS x").types[0]  # DuckDB's spelling
        assert columns[field.name] == declared, field.name


def test_readers_without_our_code_get_stable_types_from_schema_json(archive):
    duckdb = pytest.importorskip("duckdb")
    polars = pytest.importorskip("polars")
    written = json.loads((archive / "schema.json").read_text(encoding="utf-8"))
    assert written == schema.json_schema()
    files = sorted(str(p) for p in archive.glob("site=*/year=*/month=*/part-*.jsonl.zst"))
    # Polars: the first file's `author` is all null; with the schema it is still text.
    assert polars.read_ndjson(files[0]).schema.get("author") != polars.String
    frame = polars.concat([polars.read_ndjson(f, schema=schema.polars_schema()) for f in files])
    assert frame.schema["author"] == polars.String and frame.height == 12
    assert frame.schema["published_at"] == polars.Datetime("us", "Asia/Ho_Chi_Minh")
    # DuckDB: the columns and the partition types from schema.json; year stays text beside "undated".
    columns = ", ".join(f"'{k}': '{v}'" for k, v in written["x-duckdb-columns"].items())
    hive = ", ".join(f"'{k}': '{v.upper().replace('STRING', 'VARCHAR')}'" for k, v in written["x-partitions"].items()
                     if k != "site")
    relation = duckdb.sql(f"SELECT * FROM read_json('{archive}/site=*/year=*/month=*/part-*.jsonl.zst', "
                          f"hive_partitioning = true, hive_types = {{{hive}}}, columns = {{{columns}}})")
    types = dict(zip(relation.columns, map(str, relation.types)))
    assert types["year"] == "VARCHAR" and types["published_at"].startswith("TIMESTAMP")
    assert len(relation.fetchall()) == 12


def test_parquet_export_keeps_times_as_zoned_timestamps(archive, tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    out = tmp_path / "all.parquet"
    result = subprocess.run([sys.executable, "-m", "scraper", "export", "--archive", str(archive), "--format", "parquet",
                             "--output", str(out), "--from", "2020-01-01", "--to", "2030-01-01"],
                            cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    stored = pq.read_schema(out)
    assert stored.names == [f.name for f in schema.FIELDS]
    assert stored.field("published_at").type == pa.timestamp("us", tz="Asia/Ho_Chi_Minh")
    assert stored.field("written_at").type == pa.timestamp("us", tz="UTC")
    rows = pq.read_table(out).to_pylist()
    originals = {r["id"]: r for r in Archive(archive).iter_articles()}
    for row in rows:
        assert row["published_at"].isoformat() == originals[row["id"]]["published_at"]


def test_the_normalizer_cleans_every_text_field_the_schema_names():
    dirty = "  Thu\u0309 tu\u031bo\u031b\u0301ng\u200b  "  # decomposed, padded, with a zero-width space
    clean = "Thủ tướng"
    record = {"title": dirty, "sapo": dirty, "author": dirty, "source": dirty, "category": dirty, "body_text": dirty,
              "tags": [dirty], "images": [{"url": "https://x.vn/a.jpg", "caption": dirty}],
              "sidebar": [{"list": None, "title": dirty, "url": "https://x.vn/b.html", "teaser": dirty, "position": 0}]}
    normalize_record(record)
    for field in schema.TEXT_FIELDS:
        value = record[field.name]
        texts = (value if isinstance(value, list) and value and isinstance(value[0], str)
                 else [t for item in value for k, t in item.items() if k in ("caption", "title", "teaser")]
                 if isinstance(value, list) else [value])
        assert texts and all(t == clean for t in texts), field.name


def test_the_index_has_a_coverage_column_for_each_covered_field(archive):
    columns = {row[1] for row in sqlite3.connect(archive / INDEX_NAME).execute("PRAGMA table_info(articles)")}
    assert set(schema.COVERAGE) <= columns
    row = sqlite3.connect(archive / INDEX_NAME).execute(
        "SELECT sum(has_author), sum(has_published), count(*) FROM articles").fetchone()
    assert row == (6, 11, 12)


def test_docs_schema_md_shows_the_schemas_tables():
    text = (REPO / "docs" / "schema.md").read_text(encoding="utf-8")
    for origin in ("parser", "archive"):
        found = re.search(rf"<!-- fields: {origin}[^>]*-->\n(.*?)\n<!-- end fields: {origin} -->", text, re.S)
        assert found and found.group(1) == schema.markdown_table(origin), \
            f"regenerate with: vngov schema --format markdown ({origin} table)"


@pytest.mark.parametrize("form, expected", [
    ("json-schema", '"$schema": "https://json-schema.org/draft/2020-12/schema"'),
    ("duckdb", "'published_at': 'TIMESTAMPTZ'"),
    ("parquet", "published_at: timestamp[us, tz=Asia/Ho_Chi_Minh]"),
    ("polars", '"published_at": pl.Datetime("us", "Asia/Ho_Chi_Minh")'),
    ("spark", "tags ARRAY<STRING>"),
    ("markdown", "| `sapo` | string or null (content, CSV) |"),
])
def test_vngov_schema_prints_each_form(form, expected):
    result = subprocess.run([sys.executable, "-m", "scraper", "schema", "--format", form], cwd=REPO,
                            capture_output=True, text=True)
    assert result.returncode == 0 and expected in result.stdout, result.stderr


def test_the_polars_source_printed_is_the_schema_our_code_reads_with():
    polars = pytest.importorskip("polars")
    namespace: dict = {}
    exec(schema.polars_text(), namespace)  # what `vngov schema --format polars` prints, run as a reader would
    assert namespace["schema"] == schema.polars_schema() and namespace["pl"] is polars
