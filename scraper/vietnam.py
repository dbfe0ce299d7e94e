"""Conventions of Vietnamese text and time that the parser and the archive both need (the archive
imports nothing from the parser): Vietnam's time zone, a calendar day as a user types it, and
accent folding for searches."""
from __future__ import annotations

import unicodedata
from datetime import date
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def parse_day(value: str | None, name: str = "date") -> date | None:
    """A YYYY-MM-DD calendar date as typed by a user (None for empty); ValueError names `name`
    and the bad value. The one reader of --since/--until and their spider arguments."""
    if value is None or value == "":
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{name} {value!r} is not a date (YYYY-MM-DD)") from None


def fold_accents(value: str) -> str:
    """Lower-case ASCII skeleton: "Thông tin đối ngoại" -> "thong tin doi ngoai"."""
    value = value.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
