"""Article history: every version of an article, what changed from one to the next (fields, and a
word-level diff of the paragraphs that changed), and its withdrawal by the site. `vngov history`
shows one article; `vngov changes` lists the articles edited or withdrawn in a period.

A version is an edit by the site only when it came from a new fetch: `vngov reparse` writes a
version from the same fetch (same `fetched_at`) when the parser reads the page otherwise, and a
layout change is never a version at all (the crawl holds such pages aside). A version fetched
anew by another parser version says so (`parser`), since part of its change may be ours."""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from ..items import article_id
from ..vietnam import VN_TZ
from . import index as archive_index
from .codec import read_records
from .layout import NotAnArchive, is_archive

# The fields whose changes history reports, in this order; body_text gets a paragraph diff.
FIELDS = ("title", "sapo", "published_at", "updated_at", "author", "source", "category", "tags", "body_text")
_ID = re.compile(r"[0-9a-f]{20}")
_WORD = re.compile(r"\s+")


@dataclass
class Change:
    field: str
    before: object
    after: object
    diff: list[str] = field(default_factory=list)  # body_text: one line per changed paragraph

    def to_dict(self) -> dict:
        data = {"field": self.field, "before": self.before, "after": self.after}
        if self.diff:
            data["diff"] = self.diff
        return data


@dataclass
class Version:
    version: int
    written_at: str  # UTC
    fetched_at: str | None
    parser_version: str | None
    record: dict
    changes: list[Change] = field(default_factory=list)
    edit: bool = True  # a new fetch that differs (not a re-parse of the same fetch)

    def to_dict(self) -> dict:
        return {"version": self.version, "written_at": self.written_at, "fetched_at": self.fetched_at,
                "parser_version": self.parser_version, "edit": self.edit,
                "changes": [change.to_dict() for change in self.changes]}


@dataclass
class History:
    id: str
    url: str
    site: str
    title: str | None
    versions: list[Version]
    withdrawals: list[dict]  # {"at": UTC, "detail": ...}

    def to_dict(self) -> dict:
        return {"id": self.id, "url": self.url, "site": self.site, "title": self.title,
                "versions": [v.to_dict() for v in self.versions], "withdrawals": self.withdrawals}


class UnknownArticle(LookupError):
    """No article of the archive has that id or URL."""


def word_diff(before: str, after: str, context: int = 8) -> str:
    """`before` turned into `after`, word by word: removed words as [-...-], added as {+...+};
    a run of unchanged words longer than twice `context` is shortened to its ends around "…"."""
    old, new = _WORD.split(before.strip()), _WORD.split(after.strip())
    out: list[str] = []
    opcodes = difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    for n, (op, i1, i2, j1, j2) in enumerate(opcodes):
        if op == "equal":
            same = old[i1:i2]
            head = same[:context] if n > 0 else []
            tail = same[-context:] if n < len(opcodes) - 1 else []
            out.extend(same if len(same) <= len(head) + len(tail) + 1 else [*head, "…", *tail])
            continue
        if i2 > i1:
            out.append("[-" + " ".join(old[i1:i2]) + "-]")
        if j2 > j1:
            out.append("{+" + " ".join(new[j1:j2]) + "+}")
    return " ".join(out)


def body_diff(before: str | None, after: str | None) -> list[str]:
    """One line per paragraph that changed, was added or was removed, numbered from 1 in the
    newer version: "¶3: ... [-old-] {+new+} ...", "¶5 added: ...", "removed: ..."."""
    old, new = (before or "").split("\n\n"), (after or "").split("\n\n")
    lines = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        pairs = list(zip(range(i1, i2), range(j1, j2))) if op == "replace" else []
        for i, j in pairs:
            lines.append(f"¶{j + 1}: {word_diff(old[i], new[j])}")
        for j in range(j1 + len(pairs), j2):
            lines.append(f"¶{j + 1} added: {new[j]}")
        for i in range(i1 + len(pairs), i2):
            lines.append(f"removed (was ¶{i + 1}): {old[i]}")
    return lines


def compare(before: dict, after: dict) -> list[Change]:
    """What differs between two versions of an article, field by field (FIELDS)."""
    changes = []
    for name in FIELDS:
        old, new = before.get(name), after.get(name)
        if old == new or (not old and not new):
            continue
        if name == "body_text":
            changes.append(Change(name, None, None, body_diff(old, new)))
        elif name == "tags":
            changes.append(Change(name, sorted(set(old or ()) - set(new or ())), sorted(set(new or ()) - set(old or ()))))
        else:
            changes.append(Change(name, old, new))
    return changes


def _resolve(connection, key: str, canonical: str | None) -> str:
    """The id of the article `key` names: an id, or any URL it is known by (`canonical`, its
    canonical form: the caller's, since the archive does not parse)."""
    key = key.strip()
    candidates = [key] if _ID.fullmatch(key) else []
    if canonical:
        candidates.append(article_id(canonical))
        row = connection.execute("SELECT id FROM articles WHERE canonical_url = ?", (canonical,)).fetchone()
        if row:
            candidates.insert(0, row[0])
    for candidate in candidates:
        if connection.execute("SELECT 1 FROM articles WHERE id = ?", (candidate,)).fetchone():
            return candidate
    raise UnknownArticle(f"no article with the id or URL {key!r} in this archive")


def _read(root: Path, locations: list[tuple[str, int]]) -> dict[tuple[str, int], dict]:
    """Records at (segment, line), each segment read once."""
    wanted: dict[str, set[int]] = {}
    for segment, line in locations:
        wanted.setdefault(segment, set()).add(line)
    found = {}
    for segment, lines in wanted.items():
        last = max(lines)
        for number, (_, record) in enumerate(read_records(root / segment)):
            if number in lines:
                found[(segment, number)] = record
            if number >= last:
                break
    return found


def _versions(root: Path, connection, ids: list[str]) -> dict[str, list[Version]]:
    rows = connection.execute(
        f"SELECT id, version, segment, line, written_at, parser_version FROM versions "
        f"WHERE id IN ({', '.join('?' * len(ids))}) ORDER BY id, version", ids).fetchall()
    records = _read(root, [(segment, line) for _, _, segment, line, _, _ in rows])
    result: dict[str, list[Version]] = {}
    for article, version, segment, line, written_at, parser_version in rows:
        record = records.get((segment, line))
        if record is None:
            continue  # a damaged segment: `vngov check` reports it
        versions = result.setdefault(article, [])
        current = Version(version, written_at, record.get("fetched_at"), parser_version, record)
        if versions:
            previous = versions[-1]
            current.changes = compare(previous.record, record)
            current.edit = current.fetched_at is None or current.fetched_at != previous.fetched_at
        versions.append(current)
    return result


def _check(root: Path) -> None:
    if not is_archive(root):
        raise NotAnArchive(f"not a vngov archive: {root}")


def history(root: Path, key: str, canonical: str | None = None) -> History:
    """Every version of the article `key` (an id, or a URL whose canonical form is
    `canonical`) names, and its withdrawals."""
    _check(root)
    connection = archive_index.connect(root, readonly=True)
    try:
        article = _resolve(connection, key, canonical)
        url, site = connection.execute("SELECT canonical_url, site FROM articles WHERE id = ?", (article,)).fetchone()
        versions = _versions(root, connection, [article]).get(article, [])
        withdrawals = [{"at": at, "detail": detail} for at, detail in connection.execute(
            "SELECT at, detail FROM events WHERE id = ? AND kind = 'withdrawn' ORDER BY at", (article,))]
    finally:
        connection.close()
    title = versions[-1].record.get("title") if versions else None
    return History(article, url, site, title, versions, withdrawals)


def _utc_bounds(date_from: date | None, date_to: date | None) -> tuple[str, str]:
    """The UTC bookkeeping times that Vietnam dates from..to (inclusive) cover, as text."""
    low = datetime.combine(date_from, datetime.min.time(), VN_TZ) if date_from else datetime(1970, 1, 1, tzinfo=VN_TZ)
    high = datetime.combine(date_to + timedelta(days=1), datetime.min.time(), VN_TZ) if date_to \
        else datetime(9999, 1, 1, tzinfo=timezone.utc)
    return (low.astimezone(timezone.utc).isoformat(timespec="seconds"),
            high.astimezone(timezone.utc).isoformat(timespec="seconds"))


CHANGE_COLUMNS = ("seen_at", "kind", "site", "id", "url", "title", "version", "fields", "detail")


def changes(root: Path, date_from: date | None, date_to: date | None, sites: list[str] | None = None) -> list[dict]:
    """Articles edited (a new version from a new fetch) or withdrawn between two Vietnam dates
    (when the change was seen), oldest first: CHANGE_COLUMNS, `fields` naming what changed."""
    _check(root)
    low, high = _utc_bounds(date_from, date_to)
    site_filter = f" AND a.site IN ({', '.join('?' * len(sites))})" if sites else ""
    connection = archive_index.connect(root, readonly=True)
    try:
        edited = set(connection.execute(
            "SELECT v.id, v.version FROM versions v JOIN articles a ON a.id = v.id "
            f"WHERE v.version > 1 AND v.written_at >= ? AND v.written_at < ?{site_filter}",
            (low, high, *(sites or ()))).fetchall())
        withdrawn = connection.execute(
            "SELECT e.id, e.at, e.detail, a.site, a.canonical_url, a.latest_version FROM events e "
            f"JOIN articles a ON a.id = e.id WHERE e.kind = 'withdrawn' AND e.at >= ? AND e.at < ?{site_filter}",
            (low, high, *(sites or ()))).fetchall()
        ids = sorted({article for article, _ in edited} | {row[0] for row in withdrawn})
        versions = _versions(root, connection, ids) if ids else {}
    finally:
        connection.close()
    rows = []
    for article, article_versions in versions.items():
        by_number = {version.version: version for version in article_versions}
        for version in article_versions:
            if (article, version.version) not in edited or not version.edit or not version.changes:
                continue
            previous = by_number.get(version.version - 1)
            parser = (f"parser {previous.parser_version} -> {version.parser_version}"
                      if previous is not None and previous.parser_version != version.parser_version else "")
            record = version.record
            rows.append({"seen_at": version.written_at, "kind": "edited", "site": record.get("site"), "id": article,
                         "url": record.get("url"), "title": record.get("title"), "version": version.version,
                         "fields": ",".join(change.field for change in version.changes), "detail": parser})
    for article, at, detail, site, url, latest in withdrawn:
        last = versions.get(article) or []
        rows.append({"seen_at": at, "kind": "withdrawn", "site": site, "id": article, "url": url,
                     "title": last[-1].record.get("title") if last else None, "version": latest, "fields": "",
                     "detail": detail})
    return sorted(rows, key=lambda row: (row["seen_at"], row["id"]))


def withdrawn_ids(root: Path) -> dict[str, str]:
    """Articles withdrawn and not seen since: id -> when the withdrawal was seen (UTC)."""
    connection = archive_index.connect(root, readonly=True)
    try:
        return dict(connection.execute(
            "SELECT e.id, max(e.at) FROM events e JOIN articles a ON a.id = e.id "
            "WHERE e.kind = 'withdrawn' AND e.at >= a.last_seen_at GROUP BY e.id"))
    finally:
        connection.close()


def format_history(item: History) -> str:
    """What `vngov history` prints."""
    lines = [f"{item.title or '(no title)'}", f"{item.url}  ({item.site}, id {item.id})", ""]
    for version in item.versions:
        seen = f"written {version.written_at}" + (f", fetched {version.fetched_at}" if version.fetched_at else "")
        if version.version == 1:
            lines.append(f"version 1  {seen}  (first seen)")
            continue
        kind = "edit" if version.edit else "re-parse of the same fetch"
        names = ", ".join(change.field for change in version.changes) or "nothing a reader sees"
        lines.append(f"version {version.version}  {seen}  ({kind}: {names})")
        for change in version.changes:
            if change.field == "body_text":
                lines.extend(f"    body {line}" for line in change.diff)
            elif change.field == "tags":
                lines.append(f"    tags: removed {change.before or []}, added {change.after or []}")
            else:
                lines.append(f"    {change.field}: {change.before!r} -> {change.after!r}")
    for withdrawal in item.withdrawals:
        lines.append(f"withdrawn  seen {withdrawal['at']}: {withdrawal['detail']}")
    return "\n".join(lines)
