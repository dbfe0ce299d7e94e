"""A Parquet writer for the export's schema, with no dependency but zstandard (which the
archive needs anyway). pyarrow alone takes about 50 MB to import, more than a whole JSON Lines
export; this writer keeps a Parquet export within a few MB of one, and needs no extra install.

What it writes, and every reader (pyarrow and pandas, DuckDB, Polars, Spark) reads:
- Parquet format 2 with the standard nested LIST layout (`<list> / list / element`), one row
  group per batch of records, one data page (v1) per column chunk, ZSTD-compressed;
- values PLAIN, definition and repetition levels in the RLE hybrid encoding (runs only);
- strings as UTF-8 BYTE_ARRAY (logical type STRING), integers as INT32/INT64, times as INT64
  microseconds (logical type TIMESTAMP, adjusted to UTC);
- the Arrow schema under the `ARROW:schema` key, as pyarrow writes it, so that pyarrow and
  pandas read `published_at` as timestamp[us, tz=Asia/Ho_Chi_Minh], not as UTC;
- statistics (min, max, null count) of every top-level column: readers skip row groups out of
  a filter's range. No dictionary pages.

The specifications: https://github.com/apache/parquet-format (parquet.thrift, Encodings.md),
the Thrift compact protocol, and Arrow's Schema.fbs/Message.fbs with the FlatBuffers layout."""
from __future__ import annotations

import base64
import struct
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from itertools import groupby
from zoneinfo import ZoneInfo

import zstandard

from .. import __version__, schema as record_schema

CREATED_BY = f"vngov version {__version__}"  # "<application> version <version>", as readers parse it
MAGIC = b"PAR1"
STATS_MAX_BYTES = 256  # longer string minimums or maximums are left out of the statistics
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICRO = timedelta(microseconds=1)


# -- the export's schema as a tree ----------------------------------------------------------

@dataclass(frozen=True)
class Node:
    name: str
    kind: str  # string, integer, bigint, timestamp, utc_timestamp; list; struct
    children: tuple["Node", ...] = ()


def schema_nodes(names: list[str] | None = None, extra: dict[str, str] | None = None) -> list[Node]:
    """The columns of an export, as record_schema defines them (arrow_schema's shape), and
    `extra` columns of scalar kinds (name -> kind)."""
    def struct(members) -> Node:
        return Node("item", "struct", tuple(Node(name, kind.rstrip("?")) for name, kind in members))

    nodes = []
    for name in names or record_schema.BY_NAME:
        base = (extra or {})[name] if name not in record_schema.BY_NAME else record_schema.BY_NAME[name].base
        if base == "string[]":
            nodes.append(Node(name, "list", (Node("item", "string"),)))
        elif base in record_schema.STRUCTS:
            nodes.append(Node(name, "list", (struct(record_schema.STRUCTS[base]),)))
        else:
            nodes.append(Node(name, base))
    return nodes


# -- Thrift compact protocol ----------------------------------------------------------------

_BOOL, _I16, _I32, _I64, _BINARY, _LIST, _STRUCT = 1, 4, 5, 6, 8, 9, 12


def _varint(n: int) -> bytes:
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _zigzag(n: int) -> int:
    return (n << 1) ^ (n >> 63)


def _value(kind: int, value) -> bytes:
    if kind in (_I16, _I32, _I64):
        return _varint(_zigzag(value))
    if kind == _BINARY:
        data = value.encode() if isinstance(value, str) else value
        return _varint(len(data)) + data
    if kind == _STRUCT:
        return value  # encoded by _struct
    if kind == _LIST:
        element, items = value
        size = len(items)
        header = bytes([size << 4 | element]) if size < 15 else bytes([0xF0 | element]) + _varint(size)
        return header + b"".join(_value(element, item) for item in items)
    raise ValueError(kind)


def _struct(*fields) -> bytes:
    """A Thrift struct from (field id, type, value) in rising id order; None values are left out."""
    out = bytearray()
    last = 0
    for number, kind, value in fields:
        if value is None:
            continue
        wire = (1 if value else 2) if kind == _BOOL else kind
        if 0 < number - last <= 15:
            out.append((number - last) << 4 | wire)
        else:
            out.append(wire)
            out += _varint(_zigzag(number))
        last = number
        if kind != _BOOL:
            out += _value(kind, value)
    out.append(0)
    return bytes(out)


# parquet.thrift's numbers
_INT32, _INT64, _BYTE_ARRAY = 1, 2, 6
_OPTIONAL, _REPEATED = 1, 2
_UTF8, _LIST_CONVERTED, _TIMESTAMP_MICROS = 0, 3, 10
_PLAIN, _RLE = 0, 3
_ZSTD = 6
_PHYSICAL = {"string": _BYTE_ARRAY, "integer": _INT32, "bigint": _INT64, "timestamp": _INT64, "utc_timestamp": _INT64}


def _element(node: Node, repetition: int, name: str | None = None) -> bytes:
    """A SchemaElement: a column, or a group (a list, a struct)."""
    name = name or node.name
    if node.kind == "string":
        return _struct((1, _I32, _BYTE_ARRAY), (3, _I32, repetition), (4, _BINARY, name), (6, _I32, _UTF8),
                       (10, _STRUCT, _struct((1, _STRUCT, _struct()))))
    if node.kind in ("timestamp", "utc_timestamp"):
        micros = _struct((2, _STRUCT, _struct()))
        logical = _struct((8, _STRUCT, _struct((1, _BOOL, True), (2, _STRUCT, micros))))
        return _struct((1, _I32, _INT64), (3, _I32, repetition), (4, _BINARY, name), (6, _I32, _TIMESTAMP_MICROS),
                       (10, _STRUCT, logical))
    if node.kind in ("integer", "bigint"):
        return _struct((1, _I32, _PHYSICAL[node.kind]), (3, _I32, repetition), (4, _BINARY, name))
    if node.kind == "list":
        return _struct((3, _I32, repetition), (4, _BINARY, name), (5, _I32, 1), (6, _I32, _LIST_CONVERTED),
                       (10, _STRUCT, _struct((3, _STRUCT, _struct()))))
    return _struct((3, _I32, repetition), (4, _BINARY, name), (5, _I32, len(node.children)))


def _schema_elements(nodes: list[Node]) -> list[bytes]:
    elements = [_struct((4, _BINARY, "schema"), (5, _I32, len(nodes)))]
    for node in nodes:
        elements.append(_element(node, _OPTIONAL))
        if node.kind == "list":
            item = node.children[0]
            elements.append(_struct((3, _I32, _REPEATED), (4, _BINARY, "list"), (5, _I32, 1)))
            elements.append(_element(item, _OPTIONAL, name="element"))
            for member in item.children:
                elements.append(_element(member, _OPTIONAL))
    return elements


# -- the Arrow schema (a FlatBuffers message) -------------------------------------------------

class _Table:
    """A FlatBuffers table: (slot, format, value) scalars and (slot, object) references."""

    def __init__(self, scalars=(), references=()):
        self.scalars = [s for s in scalars if s[2] is not None]
        self.references = [r for r in references if r[1] is not None]


class _Vector(list):
    """A vector of tables."""


def _flatbuffer(root: _Table) -> bytes:
    """Lays out the objects front to back: each object after the one that refers to it (offsets
    are unsigned), each vtable just before its table, every value aligned to its size."""
    out = bytearray(b"\0\0\0\0")
    pending = [(0, root)]  # (where the offset to it goes, the object)

    def align(size: int) -> None:
        out.extend(b"\0" * (-len(out) % size))

    while pending:
        at, thing = pending.pop(0)
        if isinstance(thing, bytes):  # a string
            align(4)
            where = len(out)
            out += struct.pack("<I", len(thing)) + thing + b"\0"
        elif isinstance(thing, _Vector):
            align(4)
            where = len(out)
            out += struct.pack("<I", len(thing))
            for item in thing:
                pending.append((len(out), item))
                out += b"\0\0\0\0"
        else:
            fields = [(slot, fmt, value) for slot, fmt, value in thing.scalars] + \
                     [(slot, "I", obj) for slot, obj in thing.references]
            fields.sort(key=lambda f: -struct.calcsize("<" + f[1]))
            slots = max(f[0] for f in fields) + 1 if fields else 0
            # Where each field sits from the table's start: the soffset first, then by size.
            layout, cursor = {}, 4
            for slot, fmt, _ in fields:
                size = struct.calcsize("<" + fmt)
                cursor += -cursor % size
                layout[slot] = cursor
                cursor += size
            align(2)
            vtable = len(out)
            out += struct.pack(f"<HH{slots}H", 4 + 2 * slots, cursor, *[layout.get(s, 0) for s in range(slots)])
            align(8)  # the table's largest value is 8-aligned when the table is
            where = len(out)
            body = bytearray(cursor)
            struct.pack_into("<i", body, 0, where - vtable)
            for slot, fmt, value in fields:
                if fmt == "I":
                    pending.append((where + layout[slot], value))
                else:
                    struct.pack_into("<" + fmt, body, layout[slot], value)
            out += body
        struct.pack_into("<I", out, at, where - at)
    align(8)
    return bytes(out)


_ARROW_TYPE = {"string": 5, "integer": 2, "bigint": 2, "timestamp": 10, "utc_timestamp": 10, "list": 12, "struct": 13}


def _arrow_field(node: Node) -> _Table:
    if node.kind in ("integer", "bigint"):
        detail = _Table([(0, "i", 32 if node.kind == "integer" else 64), (1, "B", 1)])
    elif node.kind in ("timestamp", "utc_timestamp"):
        zone = record_schema.VN_ZONE if node.kind == "timestamp" else "UTC"
        detail = _Table([(0, "h", 2)], [(1, zone.encode())])  # MICROSECOND
    else:
        detail = _Table()
    return _Table([(1, "B", 1), (2, "B", _ARROW_TYPE[node.kind])],
                  [(0, node.name.encode()), (3, detail), (5, _Vector(_arrow_field(c) for c in node.children))])


def arrow_schema_metadata(nodes: list[Node]) -> str:
    """The ARROW:schema value: an IPC message holding the schema, base64-encoded."""
    schema = _Table([], [(1, _Vector(_arrow_field(node) for node in nodes))])
    message = _flatbuffer(_Table([(0, "h", 4), (1, "B", 1), (3, "q", 0)], [(2, schema)]))  # V5, Schema
    return base64.b64encode(struct.pack("<Ii", 0xFFFFFFFF, len(message)) + message).decode()


# -- columns --------------------------------------------------------------------------------

@dataclass
class _Column:
    path: tuple[str, ...]
    kind: str
    top: str  # the record's field
    member: str | None  # in a list of structs, the struct's member
    in_list: bool

    @property
    def max_definition(self) -> int:
        """The definition level of a present value: one per optional level on its path (the
        field; in a list, its repeated group and the element; in a struct, the member)."""
        return 1 if not self.in_list else 4 if self.member else 3


def _columns(nodes: list[Node]) -> list[_Column]:
    columns = []
    for node in nodes:
        if node.kind != "list":
            columns.append(_Column((node.name,), node.kind, node.name, None, False))
            continue
        item = node.children[0]
        if item.kind == "struct":
            columns += [_Column((node.name, "list", "element", m.name), m.kind, node.name, m.name, True)
                        for m in item.children]
        else:
            columns.append(_Column((node.name, "list", "element"), item.kind, node.name, None, True))
    return columns


def _micros(value, kind: str) -> int:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if moment.tzinfo is None:  # a time without offset is in the field's zone
        moment = moment.replace(tzinfo=ZoneInfo(record_schema.VN_ZONE) if kind == "timestamp" else timezone.utc)
    return (moment - _EPOCH) // _MICRO


def _shred(column: _Column, rows: list[dict]):
    """(repetition levels or None, definition levels, values) of one column over the rows."""
    values = []
    if not column.in_list:
        definitions = []
        for row in rows:
            value = row.get(column.top)
            if value is None:
                definitions.append(0)
            else:
                definitions.append(1)
                values.append(value)
        return None, definitions, values
    repetitions, definitions = [], []
    full = column.max_definition
    for row in rows:
        items = row.get(column.top)
        if items is None:
            repetitions.append(0)
            definitions.append(0)
            continue
        if not items:
            repetitions.append(0)
            definitions.append(1)
            continue
        for n, item in enumerate(items):
            repetitions.append(1 if n else 0)
            value = item if column.member is None or item is None else item.get(column.member)
            if item is None:
                definitions.append(2)
            elif value is None:
                definitions.append(full - 1)
            else:
                definitions.append(full)
                values.append(value)
    return repetitions, definitions, values


def _levels(levels: list[int], top: int) -> bytes:
    """The RLE hybrid encoding, in runs, with the v1 data page's length prefix."""
    width = (top.bit_length() + 7) // 8
    out = bytearray()
    for level, run in groupby(levels):
        out += _varint(sum(1 for _ in run) << 1)
        out += level.to_bytes(width, "little")
    return struct.pack("<I", len(out)) + out


def _plain(kind: str, values: list) -> tuple[bytes, bytes | None, bytes | None]:
    """The values PLAIN-encoded, and their minimum and maximum as the statistics hold them (None
    for none, or for strings too long to be worth keeping)."""
    if kind == "string":
        data = [(v if isinstance(v, str) else str(v)).encode("utf-8") for v in values]
        parts = []
        for item in data:
            parts.append(struct.pack("<I", len(item)))
            parts.append(item)
        low, high = (min(data), max(data)) if data else (None, None)
        if data and max(len(low), len(high)) > STATS_MAX_BYTES:
            low = high = None
        return b"".join(parts), low, high
    if kind in ("timestamp", "utc_timestamp"):
        numbers, code = [_micros(v, kind) for v in values], "q"
    else:
        numbers, code = [int(v) for v in values], "i" if kind == "integer" else "q"
    if not numbers:
        return b"", None, None
    return (struct.pack(f"<{len(numbers)}{code}", *numbers), struct.pack("<" + code, min(numbers)),
            struct.pack("<" + code, max(numbers)))


class ParquetWriter:
    """Writes rows (dicts of record fields) to a binary file object in row groups."""

    def __init__(self, out, names: list[str] | None = None, level: int = 3, extra: dict[str, str] | None = None):
        self.out = out
        self.nodes = schema_nodes(names, extra)
        self.columns = _columns(self.nodes)
        self.compressor = zstandard.ZstdCompressor(level=level)
        self.row_groups: list[bytes] = []
        self.rows = 0
        self.offset = 0
        self._write(MAGIC)

    def _write(self, data: bytes) -> None:
        self.out.write(data)
        self.offset += len(data)

    def write_rows(self, rows: list[dict]) -> None:
        """One row group."""
        if not rows:
            return
        start, chunks, uncompressed, compressed_total = self.offset, [], 0, 0
        for column in self.columns:
            repetitions, definitions, values = _shred(column, rows)
            encoded, low, high = _plain(column.kind, values)
            body = (_levels(repetitions, 1) if repetitions is not None else b"") \
                + _levels(definitions, column.max_definition) + encoded
            # Statistics of top-level columns (min and max in the type's order, nulls): a reader
            # skips row groups out of a filter's range, and answers min() without reading.
            statistics = None if column.in_list else \
                _struct((3, _I64, len(definitions) - len(values)), (5, _BINARY, high), (6, _BINARY, low))
            compressed = self.compressor.compress(body)
            header = _struct((1, _I32, 0), (2, _I32, len(body)), (3, _I32, len(compressed)),  # DATA_PAGE
                             (5, _STRUCT, _struct((1, _I32, len(definitions)), (2, _I32, _PLAIN), (3, _I32, _RLE),
                                                  (4, _I32, _RLE))))
            page_offset = self.offset
            self._write(header)
            self._write(compressed)
            size, stored = len(header) + len(body), len(header) + len(compressed)
            uncompressed += size
            compressed_total += stored
            meta = _struct((1, _I32, _PHYSICAL[column.kind]), (2, _LIST, (_I32, [_PLAIN, _RLE])),
                           (3, _LIST, (_BINARY, list(column.path))), (4, _I32, _ZSTD), (5, _I64, len(definitions)),
                           (6, _I64, size), (7, _I64, stored), (9, _I64, page_offset), (12, _STRUCT, statistics))
            chunks.append(_struct((2, _I64, 0), (3, _STRUCT, meta)))  # ColumnChunk
        self.row_groups.append(_struct((1, _LIST, (_STRUCT, chunks)), (2, _I64, uncompressed), (3, _I64, len(rows)),
                                       (5, _I64, start), (6, _I64, compressed_total),
                                       (7, _I16, len(self.row_groups))))
        self.rows += len(rows)

    def close(self) -> None:
        footer = _struct((1, _I32, 2), (2, _LIST, (_STRUCT, _schema_elements(self.nodes))), (3, _I64, self.rows),
                         (4, _LIST, (_STRUCT, self.row_groups)),
                         (5, _LIST, (_STRUCT, [_struct((1, _BINARY, "ARROW:schema"),
                                                       (2, _BINARY, arrow_schema_metadata(self.nodes)))])),
                         (6, _BINARY, CREATED_BY),
                         # Every column's min and max are in its type's order (strings: bytewise).
                         (7, _LIST, (_STRUCT, [_struct((1, _STRUCT, _struct()))] * len(self.columns))))
        self._write(footer)
        self._write(struct.pack("<I", len(footer)) + MAGIC)
