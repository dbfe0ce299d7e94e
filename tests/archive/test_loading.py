"""Records written, then read back through pandas, DuckDB and the CLI export, are equal field by
field with Vietnamese text intact; the README's loading examples run as written."""
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from scraper.archive import Archive, ArchiveWriter

from .records import make_record

REPO = Path(__file__).resolve().parents[2]
FIELDS = ("id", "url", "site", "title", "sapo", "body_text", "published_at", "author", "category", "tags")


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    root = tmp_path_factory.mktemp("archive")
    records = [make_record(i) for i in range(60)]
    records[0]["title"] = unicodedata.normalize("NFC", "Thông tin đối ngoại: Bộ Ngoại giao họp báo")
    records[1]["published_at"] = None
    with ArchiveWriter(root, run_id="one") as writer:
        for record in records:
            writer.add(record)
    edited = dict(records[2], body_text=records[2]["body_text"] + "\n\nĐính chính.")
    with ArchiveWriter(root, run_id="two") as writer:
        writer.add(edited)
    records[2] = edited
    return root, {r["id"]: r for r in records}


def _same(expected: dict, got: dict) -> None:
    for name in FIELDS:
        value = got[name]
        if name == "published_at" and value is not None and not isinstance(value, str):
            value = value.isoformat()
        assert value == expected[name], name
        if isinstance(value, str):
            assert unicodedata.is_normalized("NFC", value)


def test_python_api_round_trip(archive):
    root, expected = archive
    got = {r["id"]: r for r in Archive(root).iter_articles()}
    assert got.keys() == expected.keys()
    for article_id, record in got.items():
        _same(expected[article_id], record)


def test_pandas_round_trip(archive):
    root, expected = archive
    frame = Archive(root).to_pandas()
    assert len(frame) == len(expected)
    for row in frame.to_dict("records"):
        row["published_at"] = None if row["published_at"] != row["published_at"] else row["published_at"].isoformat()
        row["tags"] = list(row["tags"])
        _same(expected[row["id"]], row)


def test_duckdb_round_trip(archive):
    root, expected = archive
    relation = Archive(root).duckdb()
    rows = relation.select("id, url, site, title, sapo, body_text, strftime(published_at AT TIME ZONE 'Asia/Ho_Chi_Minh', "
                           "'%Y-%m-%dT%H:%M:%S+07:00') AS published_at, author, category, tags").fetchall()
    assert len(rows) == len(expected)
    for row in rows:
        _same(expected[row[0]], dict(zip(FIELDS, row)))


def _vngov(*args):
    return subprocess.run([sys.executable, "-m", "scraper", *args], capture_output=True, cwd=REPO)


def test_cli_export_round_trip_jsonl_csv_parquet(archive, tmp_path):
    root, expected = archive
    out = tmp_path / "all.jsonl"
    # --to far ahead: some synthetic articles are dated after today, which --from alone excludes.
    result = _vngov("export", "--archive", str(root), "--from", "2024-01-01", "--to", "2030-01-01", "--output", str(out))
    assert result.returncode == 0, result.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    dated = {k: v for k, v in expected.items() if v["published_at"]}
    assert len(lines) == len(dated)
    for line in lines:
        record = json.loads(line)
        _same(dated[record["id"]], record)
    manifest = json.loads((tmp_path / "all.jsonl.manifest.json").read_text())
    assert manifest["output"]["rows"] == len(dated)
    import hashlib

    assert manifest["output"]["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()

    csv_out = tmp_path / "all.csv"
    assert _vngov("export", "--archive", str(root), "--from", "2024-01-01", "--to", "2030-01-01", "--format", "csv",
                  "--output", str(csv_out)).returncode == 0
    with csv_out.open(encoding="utf-8-sig", newline="") as handle:  # the byte-order mark Excel needs
        rows = list(csv.DictReader(handle))
    assert {r["id"] for r in rows} == dated.keys()
    first = next(r for r in rows if r["id"] == next(iter(dated)))
    assert first["title"] == dated[first["id"]]["title"] and first["tags"] == "; ".join(dated[first["id"]]["tags"])

    parquet_out = tmp_path / "all.parquet"
    assert _vngov("export", "--archive", str(root), "--from", "2024-01-01", "--to", "2030-01-01", "--format", "parquet",
                  "--output", str(parquet_out)).returncode == 0
    import pyarrow.parquet as pq

    table = pq.read_table(parquet_out).to_pylist()
    assert len(table) == len(dated)
    for row in table:
        _same(dated[row["id"]], row)


def test_export_filters_dates_sites_query_and_versions(archive, tmp_path):
    root, expected = archive
    some = sorted(v["published_at"][:10] for v in expected.values() if v["published_at"])[10]
    result = _vngov("export", "--archive", str(root), "--from", some, "--to", some, "--site", "nhandan.vn")
    rows = [json.loads(l) for l in result.stdout.decode().splitlines()]
    assert all(r["published_at"][:10] == some and r["site"] == "nhandan.vn" for r in rows)
    assert len(rows) == sum(1 for v in expected.values() if (v["published_at"] or "")[:10] == some and v["site"] == "nhandan.vn")
    result = _vngov("export", "--archive", str(root), "--from", "2024-01-01", "--query", "THONG TIN doi ngoai",
                    "--fields", "id,title")
    rows = [json.loads(l) for l in result.stdout.decode().splitlines()]
    assert rows and all(set(r) == {"id", "title"} for r in rows)
    assert any(r["title"].startswith("Thông tin đối ngoại") for r in rows)
    every = _vngov("export", "--archive", str(root), "--all-versions").stdout.decode().splitlines()
    latest = _vngov("export", "--archive", str(root)).stdout.decode().splitlines()
    assert len(every) == len(latest) + 1


@pytest.mark.parametrize("args,message", [
    (["--from", "2026-02-30"], "--from '2026-02-30' is not a date"),
    (["--from", "2026-03-02", "--to", "2026-03-01"], "--from 2026-03-02 is after --to 2026-03-01"),
    (["--site", "nope.vn"], "unknown site 'nope.vn'"),
    (["--format", "xml"], "unknown format 'xml'"),
])
def test_export_usage_errors(archive, args, message):
    root, _ = archive
    result = _vngov("export", "--archive", str(root), *args)
    assert result.returncode == 2
    assert message in result.stderr.decode() and len(result.stderr.decode().strip().splitlines()) == 1


def test_export_refuses_missing_archive_and_existing_output(archive, tmp_path):
    assert "archive not found" in _vngov("export", "--archive", str(tmp_path / "none")).stderr.decode()
    existing = tmp_path / "exists.jsonl"
    existing.write_text("keep me")
    root, _ = archive
    result = _vngov("export", "--archive", str(root), "--output", str(existing))
    assert result.returncode == 2 and "output file exists" in result.stderr.decode()
    assert existing.read_text() == "keep me"


def test_an_export_that_fails_half_way_leaves_the_earlier_file_and_no_partial_one(archive, tmp_path, monkeypatch):
    from scraper.archive import export as export_module
    from scraper.archive.export import ExportRequest, export

    root, expected = archive
    output = tmp_path / "march.jsonl"
    output.write_text("an earlier export\n")  # what --force would replace
    whole = Archive(root).iter_lines

    def dies_half_way(*args, **kwargs):
        for number, pair in enumerate(whole(*args, **kwargs)):
            if number == 5:
                raise OSError("disk full")
            yield pair

    monkeypatch.setattr(Archive, "iter_lines", lambda self, *a, **k: dies_half_way(*a, **k))
    with pytest.raises(OSError):
        export(Archive(root), ExportRequest(None, None, output=str(output)), ["vngov", "export"])
    assert output.read_text() == "an earlier export\n"
    assert [path.name for path in tmp_path.iterdir()] == ["march.jsonl"]
    monkeypatch.setattr(Archive, "iter_lines", lambda self, *a, **k: whole(*a, **k))
    monkeypatch.setattr(export_module, "_manifest", lambda *args: 1 / 0)  # the index unreadable at the end
    with pytest.raises(ZeroDivisionError):
        export(Archive(root), ExportRequest(None, None, output=str(output)), ["vngov", "export"])
    assert output.read_text() == "an earlier export\n"
    assert [path.name for path in tmp_path.iterdir()] == ["march.jsonl"]
    monkeypatch.undo()
    result = export(Archive(root), ExportRequest(None, None, output=str(output)), ["vngov", "export"])
    assert result.rows == len(expected) == len(output.read_text().splitlines())
    assert sorted(path.name for path in tmp_path.iterdir()) == ["march.jsonl", "march.jsonl.manifest.json"]


def test_stats(archive):
    root, expected = archive
    result = _vngov("stats", "--archive", str(root), "--json")
    stats = json.loads(result.stdout)
    assert stats["articles"] == len(expected) and stats["undated"] == 1
    assert sum(s["edited_articles"] for s in stats["sites"].values()) == 1


def _readme_examples() -> list[tuple[str, str]]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    return re.findall(r"<!-- tested-example: (\w+) -->\s*```python\n(.*?)```", text, re.S)


def test_readme_has_each_loading_example():
    assert {name for name, _ in _readme_examples()} >= {"api", "analysis", "pandas", "duckdb", "polars", "spark"}


def _needs(name: str) -> None:
    if name == "spark":
        pytest.importorskip("pyspark")
        if not shutil.which("java"):
            pytest.skip("Spark needs Java")


@pytest.mark.parametrize("name,code", _readme_examples(), ids=[n for n, _ in _readme_examples()])
def test_readme_example_runs(archive, name, code):
    """On an archive with edits and an undated article: each example counts latest versions
    (Spark, whose Java takes long to start, only in the run after the demo below)."""
    if name == "spark":
        pytest.skip("run against the demo's archive, in a Python of its own")
    root, expected = archive
    namespace: dict = {}
    exec(code.replace("data/demo-archive", str(root)), namespace)
    rows = namespace["rows"]
    assert rows == len(expected), f"{name} example saw {rows} latest articles"


@pytest.mark.slow
@pytest.mark.parametrize("name,code", _readme_examples(), ids=[n for n, _ in _readme_examples()])
def test_readme_example_runs_verbatim_after_the_demo(demo_folder, name, code):
    """Each example as a user runs it: a Python of its own, in the folder `make demo` ran in."""
    _needs(name)
    latest = sum(1 for _ in Archive(demo_folder / "data" / "demo-archive").iter_articles())
    result = subprocess.run([sys.executable, "-c", code + "\nprint('rows', rows)"], cwd=demo_folder, capture_output=True,
                            text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert result.returncode == 0, result.stderr[-3000:]
    assert latest > 0 and result.stdout.splitlines()[-1] == f"rows {latest}", result.stdout[-500:]
