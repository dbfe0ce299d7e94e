"""Vietnamese and machine date strings -> aware datetimes in Asia/Ho_Chi_Minh.

The common numeric forms go through regular expressions (a few microseconds each); dateparser,
about a thousand times slower, is only asked about what they cannot read. Visible text is always
day-first; only feeds and meta tags may be US month-first ("9/5/2026 1:30:00 PM").
"""
from __future__ import annotations

import email.utils
import re
import unicodedata
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Literal

from ..vietnam import VN_TZ

Source = Literal["visible", "meta", "feed"]

_ISO = re.compile(
    r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[T\s]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2}\b)?",
    re.IGNORECASE,
)
_GMT = re.compile(r"\(?\s*(?:GMT|UTC)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?\s*\)?", re.IGNORECASE)
_DMY = re.compile(r"(?<![\d/.-])(\d{1,2})\s*[/.-]\s*(\d{1,2})(?:\s*[/.-]\s*(\d{4}|\d{2}))?(?![\d/])")
_LONG = re.compile(r"(?<!\d)(\d{1,2})\s+tháng\s+(\d{1,2})(?:\s*(?:năm|,)?\s*(\d{4}))?", re.IGNORECASE)
_TIME = re.compile(
    r"(?<![\d:])(\d{1,2})\s*(?::|h|giờ)\s*(\d{2})(?::(\d{2}))?(?!\d)"
    r"(?:\s*(SA|CH|AM|PM|A\.M\.|P\.M\.)(?![\w]))?",
    re.IGNORECASE,
)
_US_DOTNET = re.compile(r"(?<![\d/])\d{1,2}/\d{1,2}/\d{4}\s+\d{1,2}:\d{2}:\d{2}\s*[AP]M\b", re.IGNORECASE)
_ENGLISH_MONTH = re.compile(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\b")
_JUST_NOW = re.compile(r"\bvừa (xong|mới|đăng)\b|\bmới đây\b")
_RELATIVE = re.compile(r"(\d+)\s*(giây|phút|giờ|tiếng|ngày|tuần|tháng|năm)\s*trước", re.IGNORECASE)
_RELATIVE_UNITS = {
    "giây": timedelta(seconds=1),
    "phút": timedelta(minutes=1),
    "giờ": timedelta(hours=1),
    "tiếng": timedelta(hours=1),
    "ngày": timedelta(days=1),
    "tuần": timedelta(weeks=1),
    "tháng": timedelta(days=30),
    "năm": timedelta(days=365),
}
# Part-of-day words that move a 12-hour clock time into the afternoon or evening.
_AFTERNOON_WORDS = re.compile(r"\b(chiều|tối|đêm)\b", re.IGNORECASE)
_PM_MARKERS = {"ch", "pm", "p.m."}
_AM_MARKERS = {"sa", "am", "a.m."}


def to_iso(value: datetime | None) -> str | None:
    """ISO 8601 with the +07:00 offset, to the second."""
    if value is None:
        return None
    return value.astimezone(VN_TZ).isoformat(timespec="seconds")


def parse_vietnamese_datetime(
    text: str | None,
    *,
    reference: datetime | None = None,
    source: Source = "visible",
    fallback: bool = True,
) -> datetime | None:
    """Read one date (and time, when given) from `text`; None when there is none to read.

    `reference` resolves relative phrases ("2 giờ trước") and missing years; it defaults to now.
    A date without a time of day comes back at 00:00 local time (see `has_time_of_day`).
    `fallback=False` skips dateparser: for scanning many candidate elements cheaply.
    """
    if not text:
        return None
    text = unicodedata.normalize("NFC", text).replace("\u00a0", " ").strip()
    if not text or len(text) > 400:
        return None
    try:
        return (
            _parse_iso(text)
            or _parse_rfc822(text)
            or _parse_relative(text, reference)
            or _parse_numeric(text, reference, source)
            or (_parse_with_dateparser(text, reference) if fallback else None)
        )
    except (ValueError, OverflowError):
        return None


# The date_source of a date printed without its year ("Chiều 11/10") whose year is the fetch
# time's (or the one before): a guess the record says it made.
INFERRED_YEAR = "visible-inferred-year"
NO_YEAR = "published_at: the page shows no year"  # the warning that goes with it


def shows_year(text: str) -> bool:
    """Whether a date as printed names its year ("Chiều 11/10" does not)."""
    parts = _date_parts(unicodedata.normalize("NFC", text), "visible")
    return parts is None or parts[2] is not None


def has_time_of_day(text: str) -> bool:
    """Whether `text` names a clock time (so a parsed midnight is real, not a default)."""
    return bool(_TIME.search(text) or re.search(r"T\d{2}:\d{2}", text) or _RELATIVE.search(text))


@lru_cache(maxsize=256)
def _offset(sign: str, hours: str, minutes: str | None) -> timezone:
    # Memoized: pages name a handful of offsets, and a timezone costs 2.5 us to build.
    delta = timedelta(hours=int(hours), minutes=int(minutes or 0))
    return timezone(-delta if sign == "-" else delta)


def _local(year: int, month: int, day: int, hour: int, minute: int, second: int, tz: timezone | None) -> datetime:
    """That wall-clock time in Asia/Ho_Chi_Minh when `tz` is None, else that time in `tz` seen
    from Asia/Ho_Chi_Minh. Built aware at once: datetime.replace costs as much again."""
    if tz is None:
        return datetime(year, month, day, hour, minute, second, tzinfo=VN_TZ)
    return datetime(year, month, day, hour, minute, second, tzinfo=tz).astimezone(VN_TZ)


def _plausible(value: datetime) -> datetime | None:
    return value if 1945 <= value.year <= 2100 else None


def _parse_iso(text: str) -> datetime | None:
    match = _ISO.search(text)
    if not match:
        return None
    year, month, day, hour, minute, second, zone = match.groups()
    tz = None
    if zone:
        tz = timezone.utc if zone.upper() == "Z" else _offset(zone[0], zone[1:3], zone[-2:])
    elif gmt := _GMT.search(text):
        tz = _offset(*gmt.groups())
    return _plausible(_local(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0), tz))


def _parse_rfc822(text: str) -> datetime | None:
    # "Mon, 07 Jul 2025 12:47:00 +0700" in RSS; only tried when an English month name is there.
    if not _ENGLISH_MONTH.search(text):
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=VN_TZ)
    return _plausible(parsed.astimezone(VN_TZ))


def _now(reference: datetime | None) -> datetime:
    if reference is None:
        return datetime.now(VN_TZ)
    if reference.tzinfo is None:
        return reference.replace(tzinfo=VN_TZ)
    return reference.astimezone(VN_TZ)


def _parse_relative(text: str, reference: datetime | None) -> datetime | None:
    lowered = text.lower()
    # Substring tests first: both patterns need their words, and the regex costs 4 us a miss.
    if "trước" in lowered and (match := _RELATIVE.search(lowered)):
        return _now(reference) - int(match.group(1)) * _RELATIVE_UNITS[match.group(2)]
    if ("vừa" in lowered or "mới đây" in lowered) and _JUST_NOW.search(lowered):
        return _now(reference)
    for word, days in (("hôm nay", 0), ("hôm qua", 1)):
        if word in lowered:
            day = _now(reference) - timedelta(days=days)
            hour, minute, _ = _clock(lowered) or (0, 0, 0)
            return day.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return None


def _clock(text: str) -> tuple[int, int, int] | None:
    match = _TIME.search(text)
    if not match:
        return None
    hour, minute, second = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
    marker = (match.group(4) or "").lower()
    if marker in _PM_MARKERS and hour < 12:
        hour += 12
    elif marker in _AM_MARKERS and hour == 12:
        hour = 0
    elif not marker and hour < 12 and _AFTERNOON_WORDS.search(text):
        hour += 12
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError("clock out of range")
    return hour, minute, second


def _date_parts(text: str, source: Source) -> tuple[int, int, int | None] | None:
    if match := _LONG.search(text):
        day, month, year = match.groups()
        return int(day), int(month), int(year) if year else None
    # Skip the clock so that "14.30" is never read as a date.
    scrubbed = _TIME.sub(" ", text)
    for match in _DMY.finditer(scrubbed):
        first, second, year = int(match.group(1)), int(match.group(2)), match.group(3)
        year_value = None if year is None else int(year) + (2000 if len(year) == 2 else 0)
        day, month = first, second
        # en-US forms are month-first: a feed's, a meta value's with AM/PM, and wherever it
        # appears the default output of an en-US .NET server ("9/5/2026 1:30:00 PM").
        month_first = source == "feed" or (
            source == "meta" and re.search(r"\b(AM|PM)\b", text, re.IGNORECASE)
        ) or bool(_US_DOTNET.search(text))
        if second > 12 or (month_first and first <= 12 and year is not None):
            day, month = second, first
        if 1 <= month <= 12 and 1 <= day <= 31:
            return day, month, year_value
    return None


def _parse_numeric(text: str, reference: datetime | None, source: Source) -> datetime | None:
    parts = _date_parts(text, source)
    if parts is None:
        return None
    day, month, year = parts
    hour, minute, second = _clock(text) or (0, 0, 0)
    gmt = _GMT.search(text)
    tz = _offset(*gmt.groups()) if gmt else None
    if year is not None:
        return _plausible(_local(year, month, day, hour, minute, second, tz))
    # No year ("Chiều 11/10"): the reference year, or the one before when that lands in the future.
    now = _now(reference)
    candidate = _local(now.year, month, day, hour, minute, second, tz)
    if candidate - now > timedelta(days=2):
        candidate = _local(now.year - 1, month, day, hour, minute, second, tz)
    return candidate


_dateparser = None


def _parse_with_dateparser(text: str, reference: datetime | None) -> datetime | None:
    """Last resort for worded forms; refuses anything without a day, month and year."""
    global _dateparser
    if not re.search(r"\d", text) or not re.search(r"[^\W\d_]{3,}", text):
        return None
    if _dateparser is None:
        import dateparser

        _dateparser = dateparser
    settings = {
        "DATE_ORDER": "DMY",
        "TIMEZONE": "Asia/Ho_Chi_Minh",
        "RETURN_AS_TIMEZONE_AWARE": True,
        "REQUIRE_PARTS": ["day", "month", "year"],
        "RELATIVE_BASE": _now(reference).replace(tzinfo=None),
    }
    try:
        parsed = _dateparser.parse(text, languages=["vi", "en"], settings=settings)
    except Exception:  # dateparser raises a zoo of errors on odd input
        return None
    return _plausible(parsed.astimezone(VN_TZ)) if parsed else None
