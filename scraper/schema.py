"""The archive record's schema, defined once: every field's name, type and meaning, and what each
part of the code needs of it. The DuckDB columns, the Parquet, Polars and Spark schemas, the JSON
Schema written into every archive, the CSV columns, the fields of the content hash, the text
fields the normalizer cleans, the index's coverage columns and the field tables of
docs/schema.md are all derived from FIELDS (`vngov schema` prints them); a test holds the record
dataclass (items.Article) and the writer to it. Depends on nothing."""
from __future__ import annotations

import json
from dataclasses import dataclass

SCHEMA_VERSION = 1
# Field types. JSON Lines hold times as ISO 8601 text: "timestamp" with the +07:00 offset,
# "utc_timestamp" (bookkeeping times) in UTC; readers given this schema read them as times.
# A trailing "?" is a field that may be null; lists are never null (empty instead).
TYPES = ("string", "integer", "bigint", "timestamp", "utc_timestamp", "string[]", "image[]", "sidebar[]")
IMAGE = (("url", "string"), ("caption", "string?"))
SIDEBAR_ITEM = (("list", "string?"), ("title", "string"), ("url", "string"), ("teaser", "string?"),
                ("position", "integer"))
STRUCTS = {"image[]": IMAGE, "sidebar[]": SIDEBAR_ITEM}  # the lists of structs, and their members
VN_ZONE = "Asia/Ho_Chi_Minh"


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # one of TYPES, "?" appended when null is allowed
    description: str
    origin: str  # "parser" (items.Article) or "archive" (added by the writer)
    content: bool = False  # part of the content hash: a change here is a new version
    text: str | None = None  # what the normalizer cleans: "line" (each string), "paragraphs"
    csv: int | None = None  # position among a CSV export's default columns
    coverage: str | None = None  # the index column that says whether a record has this field

    @property
    def nullable(self) -> bool:
        return self.type.endswith("?")

    @property
    def base(self) -> str:
        return self.type.rstrip("?")


def _parser(name: str, type_: str, description: str, **options) -> Field:
    return Field(name, type_, description, "parser", **options)


def _archive(name: str, type_: str, description: str, **options) -> Field:
    return Field(name, type_, description, "archive", **options)


FIELDS: tuple[Field, ...] = (
    _parser("id", "string",
          "20 hex characters, a hash of `canonical_url`: the same article always has the same id",
          csv=1),
    _parser("url", "string",
          "the URL the page answered at, after any redirect (the real site's, also when crawled from a "
          "mirror)",
          csv=3),
    _parser("canonical_url", "string",
          "`<link rel=canonical>` or `og:url` when present, else `url`; canonicalized as w3lib does "
          "(lower-case host, percent-encoding in upper case, query parameters sorted) with no fragment, "
          "default port or tracking parameters (`utm_*`, `fbclid`, ...)"),
    _parser("site", "string",
          "the site's profile name (`baochinhphu.vn`), or the host without `www.` for sites without a "
          "profile; the archive's partition key",
          csv=2),
    _parser("title", "string?",
          "the headline as shown (`<h1>` of the article, checked against `og:title`; never a logo's "
          "`<h1>`). When the page declares no headline (`og:title`, JSON-LD) and its `<title>` matches no"
          " heading, the box classed as the article's headline (`article-title`, `article__title`, "
          "`title-detail`, ...); a `<title>` that is a file's name (`03-article.html`) is never used. "
          "Null, with the warning \"title not found\", when nothing names the article",
          content=True, text="line", csv=6, coverage="has_title"),
    _parser("sapo", "string?",
          "the lead paragraph, without a source tag such as \"(Chinhphu.vn) - \"",
          content=True, text="line", csv=7, coverage="has_sapo"),
    _parser("body_text", "string?",
          "the article's paragraphs in reading order, separated by a blank line (`\\n\\n`); subheadings "
          "are paragraphs of their own; a line break inside a paragraph is `\\n`. No captions, bylines, "
          "share or rating widgets, comment boxes, tag strips or inline related-article boxes",
          content=True, text="paragraphs", csv=11, coverage="has_body"),
    _parser("body_html", "string?",
          "the same content as clean HTML: `<p>`, `<h2>`-`<h6>`, `<ul><li>`, `<blockquote>`, "
          "`<figure><img><figcaption>`, no attributes but `src`"),
    _parser("published_at", "timestamp?",
          "publication time, at least to the minute; null when the page does not say, never a guess. A "
          "page that gives the day alone (\"2026-03-05\", \"ngày 5/3/2026\", a /2026/03/05/ URL) gives it"
          " at 00:00 with the warning \"published_at has a date but no time of day\" (or \"... a date "
          "from the URL ...\"), so that the archive can still file it by day",
          content=True, csv=4, coverage="has_published"),
    _parser("updated_at", "timestamp?",
          "last update time when the page gives one that differs from `published_at`",
          content=True, csv=5),
    _parser("date_source", "string?",
          "where `published_at` came from: `json-ld`, `meta` (OpenGraph, `article:*`, `itemprop`, "
          "`time[datetime]`), `visible` (text on the page), `visible-inferred-year` (text on the page "
          "without its year, \"Chiều 11/10\", whose year is the fetch time's: a guess, with a warning), "
          "`url` (a /yyyy/mm/dd/ path), `feed` or `sitemap` (the date a feed or a news sitemap gave, for a "
          "page that shows none)"),
    _parser("author", "string?",
          "the byline (a person or a desk), never the site's own name: several names as the page "
          "prints them, in one string (\"Thanh Hà - Quốc Khánh\"); a closing line's suffix such as "
          "\"(tổng hợp)\" or \"(theo Reuters)\" is not part of it",
          content=True, text="line", csv=8, coverage="has_author"),
    _parser("source", "string?",
          "the outlet or agency the article credits in its closing line (\"Theo Bộ Tài chính\", "
          "\"Minh Anh (theo Reuters)\"): \"Bộ Tài chính\", \"Reuters\". Not part of the content hash: "
          "archives from before it have none",
          text="line"),
    _parser("category", "string?",
          "the article's section: the last breadcrumb item",
          content=True, text="line", csv=9),
    _parser("tags", "string[]",
          "keywords declared by the page (`article:tag`, `news_keywords`, JSON-LD) or its tag strip",
          content=True, text="line", csv=10),
    _parser("images", "image[]",
          "the article's images in reading order (lead image first), absolute URLs, lazy-loading "
          "attributes resolved; `caption` null when there is none",
          content=True, text="line"),
    _parser("sidebar", "sidebar[]",
          "the article links around the article: related, latest, most-read lists and inline \"Tham khảo "
          "thêm\" boxes. `list` is the list's visible name (\"Tin liên quan\", \"Đọc nhiều\") or null "
          "when unlabelled; `url` is absolute and canonical; `teaser` is the item's summary when shown; "
          "`position` is the 0-based rank in its list",
          text="line"),
    _parser("language", "string?",
          "two-letter code from `<html lang>` or meta, else `vi` when the text is Vietnamese"),
    _parser("parser_version", "string",
          "the extractor's version (`scraper.parsing.PARSER_VERSION`; what changed in each is listed "
          "below)"),
    _parser("schema_version", "integer",
          "this document's version"),
    _parser("warnings", "string[]",
          "what could not be extracted or looked wrong, and why (\"published_at not found\", \"dates "
          "disagree: ...\", \"declared charset 'iso-8859-1' but the bytes are windows-1258 Vietnamese\")"),
    _archive("content_hash", "string",
          "hash of the content fields (marked *content* in this table). The sidebar is left out: \"latest"
          " news\" lists change on every fetch"),
    _archive("version", "integer",
          "1 for the first copy; +1 each time the content changes",
          csv=12),
    _archive("previous_hash", "string?",
          "the content hash of the version this one replaces"),
    _archive("first_seen_at", "utc_timestamp",
          "time the article was first archived (UTC)"),
    _archive("written_at", "utc_timestamp",
          "time this version was written (UTC)"),
    _archive("run_id", "string",
          "the crawl (or reparse) run that wrote this version"),
    _archive("fetched_at", "utc_timestamp?",
          "time the page was fetched (UTC)"),
    _archive("warc_file", "string?",
          "the WARC file, relative to the archive root, that keeps the fetch this version was built from;"
          " `vngov reparse` reads it back"),
    _archive("warc_offset", "bigint?",
          "the offset of the fetch's response record in `warc_file` (its metadata record follows it)"),
)
BY_NAME = {f.name: f for f in FIELDS}
PARSER_FIELDS = tuple(f.name for f in FIELDS if f.origin == "parser")
CONTENT_FIELDS = tuple(f.name for f in FIELDS if f.content)
TEXT_FIELDS = tuple(f for f in FIELDS if f.text)
CSV_DEFAULT_FIELDS = [f.name for f in sorted((f for f in FIELDS if f.csv), key=lambda f: f.csv)]
COVERAGE = {f.coverage: f.name for f in FIELDS if f.coverage}  # index column -> field
TIMESTAMP_FIELDS = tuple(f.name for f in FIELDS if f.base in ("timestamp", "utc_timestamp"))
# Folders of the Hive-style partitions, which readers see as columns: text, "undated" included.
PARTITION_COLUMNS = ("site", "year", "month")


# -- DuckDB ---------------------------------------------------------------------------------

_DUCKDB = {"string": "VARCHAR", "integer": "INTEGER", "bigint": "BIGINT", "timestamp": "TIMESTAMPTZ",
           "utc_timestamp": "TIMESTAMPTZ", "string[]": "VARCHAR[]"}


def _duckdb_struct(members) -> str:
    return "STRUCT(" + ", ".join(f"{name} {_DUCKDB[kind.rstrip('?')]}" for name, kind in members) + ")[]"


def duckdb_type(field: Field) -> str:
    members = STRUCTS.get(field.base)
    return _duckdb_struct(members) if members else _DUCKDB[field.base]


def duckdb_columns() -> dict[str, str]:
    """The `columns` of DuckDB's read_json: every field with its type, none sniffed."""
    return {f.name: duckdb_type(f) for f in FIELDS}


# -- Arrow / Parquet ------------------------------------------------------------------------

def arrow_type(field: Field):
    import pyarrow as pa

    scalars = {"string": pa.string(), "integer": pa.int32(), "bigint": pa.int64(),
               "timestamp": pa.timestamp("us", tz=VN_ZONE), "utc_timestamp": pa.timestamp("us", tz="UTC")}

    def struct(members):
        return pa.list_(pa.struct([(name, scalars[kind.rstrip("?")]) for name, kind in members]))

    if field.base == "string[]":
        return pa.list_(pa.string())
    members = STRUCTS.get(field.base)
    return struct(members) if members else scalars[field.base]


def arrow_schema(names: list[str] | None = None):
    """The Parquet export's schema: times as timestamps with their zone, not text."""
    import pyarrow as pa

    return pa.schema([pa.field(name, arrow_type(BY_NAME[name]), nullable=True) for name in names or BY_NAME])


# -- Polars ---------------------------------------------------------------------------------

_POLARS = {"string": "pl.String", "integer": "pl.Int32", "bigint": "pl.Int64",
           "timestamp": f'pl.Datetime("us", "{VN_ZONE}")', "utc_timestamp": 'pl.Datetime("us", "UTC")'}


def _polars_scalar(kind: str, pl):
    return {"string": pl.String, "integer": pl.Int32, "bigint": pl.Int64,
            "timestamp": pl.Datetime("us", VN_ZONE), "utc_timestamp": pl.Datetime("us", "UTC")}[kind.rstrip("?")]


def polars_schema():
    """A polars.Schema for read_ndjson / scan_ndjson: stable types even when a first file's
    `author` is all null."""
    import polars as pl

    def kind(field: Field):
        if field.base == "string[]":
            return pl.List(pl.String)
        members = STRUCTS.get(field.base)
        if members:
            return pl.List(pl.Struct({name: _polars_scalar(k, pl) for name, k in members}))
        return _polars_scalar(field.base, pl)

    return pl.Schema({f.name: kind(f) for f in FIELDS})


def polars_text() -> str:
    """The same schema as Python source, for readers without our code."""
    def kind(field: Field) -> str:
        if field.base == "string[]":
            return "pl.List(pl.String)"
        members = STRUCTS.get(field.base)
        if members:
            return "pl.List(pl.Struct({" + ", ".join(f'"{n}": {_POLARS[k.rstrip("?")]}' for n, k in members) + "}))"
        return _POLARS[field.base]

    rows = "".join(f'    "{f.name}": {kind(f)},\n' for f in FIELDS)
    return "import polars as pl\n\nschema = pl.Schema({\n" + rows + "})"


# -- Spark ----------------------------------------------------------------------------------

_SPARK = {"string": "STRING", "integer": "INT", "bigint": "BIGINT", "timestamp": "TIMESTAMP",
          "utc_timestamp": "TIMESTAMP"}


def _spark_struct(members) -> str:
    return "ARRAY<STRUCT<" + ", ".join(f"{n}: {_SPARK[k.rstrip('?')]}" for n, k in members) + ">>"


def spark_ddl() -> str:
    """DDL for spark.read.schema(...).json(...)."""
    def kind(field: Field) -> str:
        if field.base == "string[]":
            return "ARRAY<STRING>"
        members = STRUCTS.get(field.base)
        return _spark_struct(members) if members else _SPARK[field.base]

    return ", ".join(f"{f.name} {kind(f)}" for f in FIELDS)


# -- JSON Schema ----------------------------------------------------------------------------

def _json_type(kind: str) -> dict:
    base, nullable = kind.rstrip("?"), kind.endswith("?")
    if base in ("timestamp", "utc_timestamp"):
        schema: dict = {"type": "string", "format": "date-time"}
    elif base in ("integer", "bigint"):
        schema = {"type": "integer"}
    elif base == "string":
        schema = {"type": "string"}
    else:
        members = {"string[]": None, **STRUCTS}[base]
        items = {"type": "string"} if members is None else {
            "type": "object", "properties": {n: _json_type(k) for n, k in members},
            "required": [n for n, _ in members]}
        return {"type": "array", "items": items}
    if nullable:
        schema["type"] = [schema["type"], "null"]
    return schema


def json_schema() -> dict:
    """The record as JSON Schema (2020-12), with the DuckDB columns and Spark DDL beside it for
    readers without our code; written into every archive as schema.json."""
    properties = {}
    for field in FIELDS:
        properties[field.name] = {**_json_type(field.type), "description": field.description}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://github.com/vngov/vngov/schema/{SCHEMA_VERSION}",
        "title": "vngov article record",
        "type": "object",
        "properties": properties,
        "required": [f.name for f in FIELDS if f.origin == "parser" and not f.nullable],
        "x-schema-version": SCHEMA_VERSION,
        "x-duckdb-columns": duckdb_columns(),
        "x-spark-ddl": spark_ddl(),
        "x-partitions": {name: "string" for name in PARTITION_COLUMNS},
    }


def json_schema_text() -> str:
    return json.dumps(json_schema(), ensure_ascii=False, indent=2) + "\n"


# -- docs/schema.md -------------------------------------------------------------------------

_PROSE = {"string": "string", "integer": "integer", "bigint": "integer", "timestamp": "time (+07:00)",
          "utc_timestamp": "time (UTC)", "string[]": "list of strings", "image[]": "list of `{url, caption}`",
          "sidebar[]": "list of `{list, title, url, teaser, position}`"}


def markdown_table(origin: str) -> str:
    """The field table of docs/schema.md for the parser's or the archive's fields."""
    lines = ["| field | type | meaning |", "|---|---|---|"]
    for field in FIELDS:
        if field.origin != origin:
            continue
        kind = _PROSE[field.base] + (" or null" if field.nullable else "")
        marks = [mark for mark, on in (("content", field.content), ("CSV", bool(field.csv))) if on]
        kind += f" ({', '.join(marks)})" if marks else ""
        lines.append(f"| `{field.name}` | {kind} | {field.description} |")
    return "\n".join(lines)
