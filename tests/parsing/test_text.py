import unicodedata

import pytest

from scraper.parsing.text import fold_accents, normalize_text, strip_source_prefix
from scraper.parsing.urls import canonicalize_url


def test_normalize_text_composes_and_cleans():
    decomposed = unicodedata.normalize("NFD", "phòng ngừa")
    assert normalize_text(f"\ufeff {decomposed}\u200b\u00a0 &amp; x\n\t y ", unescape=True) == "phòng ngừa & x y"
    assert normalize_text("AT&amp;T") == "AT&amp;T"  # DOM text is decoded already: never twice
    assert unicodedata.is_normalized("NFC", normalize_text(decomposed))


@pytest.mark.parametrize("raw,expected", [
    ("(Chinhphu.vn) - Tháng 3/2026 có nhiều chính sách mới", "Tháng 3/2026 có nhiều chính sách mới"),
    ("(ĐCSVN) – Sáng 5/3, Bộ Chính trị họp phiên thường kỳ", "Sáng 5/3, Bộ Chính trị họp phiên thường kỳ"),
    ("QĐND - Những ngày này, cán bộ, chiến sĩ giúp dân", "Những ngày này, cán bộ, chiến sĩ giúp dân"),
    ("VOV.VN - Chiều nay, Quốc hội thảo luận tại tổ", "Chiều nay, Quốc hội thảo luận tại tổ"),
    ("Ông Tống Anh Linh - Giám đốc tài chính của CTCP", "Ông Tống Anh Linh - Giám đốc tài chính của CTCP"),
    ("(HNM) - Ngắn", "(HNM) - Ngắn"),
])
def test_strip_source_prefix(raw, expected):
    assert strip_source_prefix(raw) == expected


def test_fold_accents():
    assert fold_accents("Thông tin ĐỐI NGOẠI") == "thong tin doi ngoai"


def test_canonicalize_url_drops_tracking_and_fragment():
    assert canonicalize_url("HTTPS://BaoChinhPhu.vn:443/a-1.htm?utm_source=x&id=2#top") == "https://baochinhphu.vn/a-1.htm?id=2"
