"""Table-driven: every date form the sites print, and the ambiguous ones."""
from datetime import datetime

import pytest

from scraper.parsing.dates import VN_TZ, has_time_of_day, parse_vietnamese_datetime, to_iso

REFERENCE = datetime(2026, 1, 5, 10, 0, tzinfo=VN_TZ)

CASES = [
    # (text, source, expected ISO or None)
    ("Thứ Tư, 11/10/2023 14:30", "visible", "2023-10-11T14:30:00+07:00"),
    ("11/10/2023 14:30", "visible", "2023-10-11T14:30:00+07:00"),
    ("14:30 | 11/10/2023", "visible", "2023-10-11T14:30:00+07:00"),
    ("11/10/2023 - 14:30", "visible", "2023-10-11T14:30:00+07:00"),
    ("Cập nhật: 11/10/2023 - 14:30", "visible", "2023-10-11T14:30:00+07:00"),
    ("Cập nhật lúc 14:30 ngày 11/10/2023", "visible", "2023-10-11T14:30:00+07:00"),
    ("ngày 11 tháng 10 năm 2023", "visible", "2023-10-11T00:00:00+07:00"),
    ("T4, 11/10/2023", "visible", "2023-10-11T00:00:00+07:00"),
    ("12:47 | 07/07/2025", "visible", "2025-07-07T12:47:00+07:00"),
    ("02:30 CH | 11/10/2023", "visible", "2023-10-11T14:30:00+07:00"),
    ("09:15 SA | 11/10/2023", "visible", "2023-10-11T09:15:00+07:00"),
    ("12:05 SA | 11/10/2023", "visible", "2023-10-11T00:05:00+07:00"),
    ("11/10/2023 14:30 (GMT+7)", "visible", "2023-10-11T14:30:00+07:00"),
    ("07/03/2026 \u00a0 08:52 (GMT+07:00)", "visible", "2026-03-07T08:52:00+07:00"),
    ("Thứ Hai, ngày 20/07/2026 - 06:31", "visible", "2026-07-20T06:31:00+07:00"),
    ("Ngày đăng 14/06/2018 | 11:22 AM", "visible", "2018-06-14T11:22:00+07:00"),
    ("- 07/03/2026 08:47", "visible", "2026-03-07T08:47:00+07:00"),
    ("14h30 ngày 11/10/2023", "visible", "2023-10-11T14:30:00+07:00"),
    ("11-10-2023", "visible", "2023-10-11T00:00:00+07:00"),
    # ISO, with and without offset; "Z" is UTC; a space before the offset
    ("2026-03-01T09:51:00+07:00", "meta", "2026-03-01T09:51:00+07:00"),
    ("2026-03-07T08:52:11.000 +07:00", "meta", "2026-03-07T08:52:11+07:00"),
    ("2026-03-07T08:52:11", "meta", "2026-03-07T08:52:11+07:00"),
    ("2026-03-07T01:52:11Z", "meta", "2026-03-07T08:52:11+07:00"),
    ("2026-03-07 08:52", "meta", "2026-03-07T08:52:00+07:00"),
    ("2026-07-20T06:31:56+0700", "meta", "2026-07-20T06:31:56+07:00"),
    # US month-first forms in feeds and meta tags, not in visible text
    ("9/5/2026 1:30:00 PM", "feed", "2026-09-05T13:30:00+07:00"),
    ("9/5/2026 1:30:00 PM", "meta", "2026-09-05T13:30:00+07:00"),
    ("9/5/2026 1:30", "visible", "2026-05-09T01:30:00+07:00"),
    ("1/28/2026 6:52:01 AM", "meta", "2026-01-28T06:52:01+07:00"),
    ("28/1/2026 6:52:01 AM", "meta", "2026-01-28T06:52:01+07:00"),  # day > 12: day-first whatever the source
    ("Mon, 07 Jul 2025 12:47:00 +0700", "feed", "2025-07-07T12:47:00+07:00"),
    ("Mon, 07 Jul 2025 05:47:00 GMT", "feed", "2025-07-07T12:47:00+07:00"),
    # relative to the reference time
    ("2 giờ trước", "visible", "2026-01-05T08:00:00+07:00"),
    ("15 phút trước", "visible", "2026-01-05T09:45:00+07:00"),
    ("3 ngày trước", "visible", "2026-01-02T10:00:00+07:00"),
    ("hôm qua lúc 9h30", "visible", "2026-01-04T09:30:00+07:00"),
    # missing year: the reference year, rolling back across New Year
    ("Chiều 11/10", "visible", "2025-10-11T00:00:00+07:00"),
    ("Chiều 3/1 lúc 2:15", "visible", "2026-01-03T14:15:00+07:00"),
    ("Tối 4/1, 8:00", "visible", "2026-01-04T20:00:00+07:00"),
    # worded month (dateparser fallback)
    ("20 Tháng Bảy 2026", "visible", "2026-07-20T00:00:00+07:00"),
    # nothing to read, or impossible values: None, never a guess
    ("", "visible", None),
    ("không có ngày", "visible", None),
    ("32/13/2023", "visible", None),
    ("Tháng 3/2026", "visible", None),
    ("11/10/2023 25:61", "visible", None),
    ("1.767 điểm", "visible", None),
]


@pytest.mark.parametrize("text,source,expected", CASES, ids=[c[0] or "empty" for c in CASES])
def test_parse_vietnamese_datetime(text, source, expected):
    assert to_iso(parse_vietnamese_datetime(text, reference=REFERENCE, source=source)) == expected


@pytest.mark.parametrize("text,expected", [
    ("2 giờ trước", "2026-01-05T08:00:00+07:00"), ("15 PHÚT TRƯỚC", "2026-01-05T09:45:00+07:00"),
    ("vừa xong", "2026-01-05T10:00:00+07:00"), ("Mới đây", "2026-01-05T10:00:00+07:00"),
    ("hôm qua lúc 9h30", "2026-01-04T09:30:00+07:00"), ("2026-03-07 08:52 (GMT+07:00)", "2026-03-07T08:52:00+07:00"),
    ("2026-03-07T01:52:11-05:30", "2026-03-07T14:22:11+07:00"), ("07/03/2026 08:52 GMT+9", "2026-03-07T06:52:00+07:00"),
])
def test_the_fast_path_reads_relative_and_zoned_forms_without_dateparser(text, expected):
    # What scans of candidate elements use (fallback=False): dateparser would read some of
    # these too, so the table above cannot tell which path did.
    assert to_iso(parse_vietnamese_datetime(text, reference=REFERENCE, fallback=False)) == expected


def test_results_are_aware_and_in_vietnam_time():
    value = parse_vietnamese_datetime("2026-03-07T01:52:11Z")
    assert value.utcoffset().total_seconds() == 7 * 3600


def test_has_time_of_day_tells_real_midnight_from_default():
    assert has_time_of_day("11/10/2023 00:00")
    assert not has_time_of_day("ngày 11 tháng 10 năm 2023")


def test_parse_day_reads_iso_days_and_names_the_bad_value():
    from datetime import date

    import pytest

    from scraper.vietnam import parse_day

    assert parse_day("2026-11-01", "since") == date(2026, 11, 1)
    assert parse_day(None) is None and parse_day("") is None
    with pytest.raises(ValueError, match=r"until '01/11/2026' is not a date \(YYYY-MM-DD\)"):
        parse_day("01/11/2026", "until")
