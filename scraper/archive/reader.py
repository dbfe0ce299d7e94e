"""Reading the archive: `Archive(path).iter_articles(...)`, pandas and DuckDB.

Dates are inclusive publication dates in Asia/Ho_Chi_Minh. Every stored `published_at` carries
the +07:00 offset, so the first ten characters are the Vietnamese calendar date and a date
filter is a string comparison. Only the latest version of each article is returned unless
`all_versions=True`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from itertools import groupby
from pathlib import Path
from typing import Iterable, Iterator

from ..vietnam import VN_TZ, parse_day
from ..extras import need
from ..schema import TIMESTAMP_FIELDS, duckdb_columns
from . import index as archive_index
from .codec import DamagedSegment, read_records
from .layout import NotAnArchive, is_archive, is_segment, iter_segments, months_between, site_names

def as_date(value: date | datetime | str | None) -> date | None:
    """A calendar date in Vietnam time from a date, an aware datetime or 'YYYY-MM-DD'."""
    if value is None or isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, datetime):
        return (value.astimezone(VN_TZ) if value.tzinfo else value).date()
    return parse_day(value)


@dataclass
class DateRange:
    since: date | None = None
    until: date | None = None

    @property
    def bounded(self) -> bool:
        return self.since is not None or self.until is not None

    def months(self) -> set[tuple[str, str]] | None:
        if not self.bounded:
            return None
        return months_between(self.since or date(1945, 1, 1), self.until or datetime.now(VN_TZ).date())

    def keeps(self, published_at: str | None) -> bool:
        if not self.bounded:
            return True
        if not published_at:
            return False
        day = published_at[:10]
        return (self.since is None or day >= self.since.isoformat()) and (self.until is None or day <= self.until.isoformat())


def _partition_lines(paths: list[Path], damaged: list[DamagedSegment] | None) -> Iterator[tuple[bytes, dict, tuple]]:
    """(line, record, (id, version)) for the lines of one partition's segments, each version
    once, while `vngov compact` or a removal may be rewriting the partition beside the reader:
    a segment gone since it was listed was merged into a new one, which is read instead, and
    a version met twice (the merged file and its sources, for the moment between the rename and
    the deletion, or after a crash there) is given once. A damaged segment raises
    DamagedSegment after its lines before the damage, or with `damaged` (a list), is added to
    it and the reading goes on."""
    seen: set[tuple] = set()
    done: set[Path] = set()
    queue = list(paths)
    while queue:
        path = queue.pop(0)
        done.add(path)
        try:
            for line, record in read_records(path):
                key = (record.get("id"), record.get("version", 1))
                if key not in seen:
                    seen.add(key)
                    yield line, record, key
        except FileNotFoundError:
            queue = [p for p in sorted(path.parent.iterdir()) if is_segment(p) and p not in done]
        except DamagedSegment as error:
            if damaged is None:
                raise
            damaged.append(error)


class Archive:
    """A read-only view of an archive folder."""

    def __init__(self, path: Path | str):
        self.root = Path(path)

    def exists(self) -> bool:
        return self.root.is_dir()

    def sites(self) -> list[str]:
        return site_names(self.root)

    def superseded(self) -> set[tuple[str, int]]:
        return self._snapshot()[0]

    def _snapshot(self) -> tuple[set[tuple[str, int]], set[str]]:
        """The superseded versions and the committed segments (relative paths), read in one
        transaction: a reader beside a crawl sees one state of the archive, never a new version
        without knowing that it supersedes one. An index with no segment yet means none is
        committed: a writer killed between its first rename and its first index transaction
        left a segment that only its recovery indexes."""
        connection = archive_index.connect(self.root, readonly=True)
        try:
            connection.execute("BEGIN")
            superseded = archive_index.superseded_versions(connection)
            committed = {row[0] for row in connection.execute("SELECT path FROM segments")}
            connection.execute("COMMIT")
        finally:
            connection.close()
        return superseded, committed

    def segments(self, since=None, until=None, sites: Iterable[str] | None = None) -> list[Path]:
        dates = DateRange(as_date(since), as_date(until))
        return list(iter_segments(self.root, set(sites) if sites else None, dates.months(),
                                  include_undated=not dates.bounded))

    def iter_lines(self, since=None, until=None, sites: Iterable[str] | None = None,
                   all_versions: bool = False, damaged: list | None = None) -> Iterator[tuple[bytes, dict]]:
        """(raw line, record) pairs; the raw line lets exporters copy without re-encoding.
        The segments are those there were when reading began (listed at once, on the first
        record asked for; a segment a rewrite took away since is replaced by what its partition
        holds then): a caller that writes to the archive as it reads (`vngov reparse`, which
        holds the lock, so that nothing is rewritten) never reads back what it wrote.
        A damaged segment raises codec.DamagedSegment (after the records before the damage),
        unless `damaged` is a list: then it is added there and the reading goes on."""
        if not is_archive(self.root):  # a typo must not read as an empty archive
            raise NotAnArchive(f"not a vngov archive: {self.root}")
        dates = DateRange(as_date(since), as_date(until))
        superseded, committed = self._snapshot()
        if all_versions:
            superseded = set()
        segments = self.segments(since, until, sites)
        # What commits after the snapshot added is not read, nor what no commit indexed.
        segments = [path for path in segments if str(path.relative_to(self.root)) in committed]
        for _, paths in groupby(segments, key=lambda path: path.parent):
            for line, record, key in _partition_lines(list(paths), damaged):
                if not dates.keeps(record.get("published_at")):
                    continue
                if superseded and key in superseded:
                    continue
                yield line, record

    def iter_articles(self, since=None, until=None, sites: Iterable[str] | None = None,
                      all_versions: bool = False, damaged: list | None = None) -> Iterator[dict]:
        """Article records published between `since` and `until` (inclusive dates, Vietnam time;
        either may be None), from `sites` (all when None). Undated articles come only when no
        date bound is given. A damaged segment raises codec.DamagedSegment, or with `damaged`
        (a list) is listed there and skipped past (see iter_lines)."""
        for _, record in self.iter_lines(since, until, sites, all_versions, damaged):
            yield record

    def to_pandas(self, since=None, until=None, sites: Iterable[str] | None = None, all_versions: bool = False,
                  columns: list[str] | None = None):
        pd = need("pandas", "analysis", "Archive.to_pandas()")

        records = self.iter_articles(since, until, sites, all_versions)
        if columns:
            records = ({c: r.get(c) for c in columns} for r in records)
        frame = pd.DataFrame.from_records(list(records))
        for column in TIMESTAMP_FIELDS:
            if column in frame:
                frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601").dt.tz_convert("Asia/Ho_Chi_Minh")
        return frame

    def duckdb(self, connection=None, *, all_versions: bool = False, view: str = "articles"):
        """A DuckDB relation over every segment (latest versions by default), also registered
        as the view `articles` on the connection."""
        duckdb = need("duckdb", "analysis", "Archive.duckdb()")
        connection = connection or duckdb.connect()
        pattern = str(self.root / "site=*" / "year=*" / "month=*" / "part-*.jsonl*")
        columns = ", ".join(f"'{name}': '{kind}'" for name, kind in duckdb_columns().items())
        source = (f"read_json('{pattern}', format='newline_delimited', hive_partitioning=true, "
                  f"hive_types_autocast=false, columns={{{columns}}})")
        query = f"SELECT * FROM {source} AS a"
        superseded = [] if all_versions else sorted(self.superseded())
        if superseded:
            connection.execute("CREATE OR REPLACE TEMP TABLE vngov_superseded (id VARCHAR, version INTEGER)")
            connection.executemany("INSERT INTO vngov_superseded VALUES (?, ?)", superseded)
            query += (" WHERE NOT EXISTS (SELECT 1 FROM vngov_superseded s"
                      " WHERE s.id = a.id AND s.version = a.version)")
        connection.execute(f"CREATE OR REPLACE TEMP VIEW {view} AS {query}")
        return connection.sql(f"SELECT * FROM {view}")
