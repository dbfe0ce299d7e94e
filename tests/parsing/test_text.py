import re
import unicodedata
from urllib.parse import urljoin, urlsplit

import pytest
from hypothesis import given, settings, strategies as st

from w3lib.url import canonicalize_url as w3lib_canonicalize_url

from scraper.parsing.text import collapse_spaces, normalize_text, strip_source_prefix
from scraper.parsing.urls import _canonicalize, canonicalize_url, join_url, lower_host
from scraper.vietnam import fold_accents


def test_normalize_text_composes_and_cleans():
    decomposed = unicodedata.normalize("NFD", "phòng ngừa")
    assert normalize_text(f"\ufeff {decomposed}\u200b\u00a0 &amp; x\n\t y ", unescape=True) == "phòng ngừa & x y"
    assert normalize_text("AT&amp;T") == "AT&amp;T"  # DOM text is decoded already: never twice
    assert unicodedata.is_normalized("NFC", normalize_text(decomposed))


_SPACES_AND_WORDS = st.text(alphabet=st.sampled_from(
    [" ", "\n", "\r", "\t", "\xa0", "\u2003", "\u2028", "\u3000", "\x1c", "\x85", "\u200b", "\x00", "a", "ệ", "Đ", "."]))


@settings(max_examples=1500, deadline=None)
@given(_SPACES_AND_WORDS)
def test_collapse_spaces_is_split_and_join(value):
    assert collapse_spaces(value) == " ".join(value.split())


@settings(max_examples=1500, deadline=None)
@given(st.text(alphabet=st.sampled_from([" ", "\n", "\t", "\xa0", "\u2000", "\u200b", "\ufeff", "\u00ad", "\u2060",
                                         "e", "\u0301", "\u0323", "ệ", "Đ", "&", "a", "\x07", "\u212b", "\u2126",
                                         "\u0344", "\u2028", "\x85", "\u3000"])))
def test_normalize_text_is_its_definition(value):
    invisible = re.compile("[\ufeff\u200b\u200c\u200d\u2060\u00ad]")
    assert normalize_text(value) == " ".join(unicodedata.normalize("NFC", invisible.sub("", value)).split())


@settings(max_examples=1500, deadline=None)
@given(st.text(alphabet=st.sampled_from([" ", "e", "\u0301", "\u0323", "ệ", "Đ", "a", ".", "\u212b", "\u2126", "\u0344"])))
def test_normalize_text_on_printable_text_is_its_definition(value):
    # Text with no whitespace but spaces and no format characters takes a shorter path.
    assert normalize_text(value) == " ".join(unicodedata.normalize("NFC", value).split())


@settings(max_examples=1500, deadline=None)
@given(st.text(alphabet=st.sampled_from([" ", "\n", "\xa0", "a", "Đ", "ệ", "9", "_", "-", ",", ":", "'", "\u0301",
                                         "\u0130", "\u03a3", "\u03b1", "\u00bd", "\u200b", "!"])))
def test_fold_is_its_definition(value):
    from scraper.parsing.article import _fold

    assert _fold(value) == re.sub(r"\W+", " ", value).strip().lower()


@settings(max_examples=1500, deadline=None)
@given(st.text(alphabet=st.sampled_from([" ", "\n", "\xa0", "a", "Đ", "ệ", "9", "_", "-", ",", ":", "'", "\u0301",
                                         "\u0130", "\u03a3", "\u03b1", "\u00bd", "\u200b", "!", "A", "\u1e9e"])))
def test_a_folded_text_starts_with_its_first_word_lower_cased(value):
    # What the headline search checks before folding a candidate: never a text that would match.
    from scraper.parsing.article import _WORD, _fold

    folded, first = _fold(value), _WORD.search(value)
    assert (first.group().lower() == folded.split(" ", 1)[0]) if first else not folded


@settings(max_examples=1500, deadline=None)
@given(st.text(alphabet=st.sampled_from(["&", "<", ">", '"', "'", ";", "a", "ệ", "Đ", " ", "\n", "#", "x", "2"])))
def test_escape_is_html_escape(value):
    import html

    from scraper.parsing.body import escape

    assert escape(value) == html.escape(value)


def test_collapse_spaces_on_indented_source_text():
    source = "\n        Chiều 5/3, Thủ tướng\n        chủ trì  hội nghị\r\n\t trực tuyến.\n\n    "
    assert collapse_spaces(source) == "Chiều 5/3, Thủ tướng chủ trì hội nghị trực tuyến."
    assert collapse_spaces("a\xa0\nb") == "a b" and collapse_spaces("a\u2028b") == "a b"


@pytest.mark.parametrize("raw,expected", [
    ("(Chinhphu.vn) - Tháng 3/2026 có nhiều chính sách mới", "Tháng 3/2026 có nhiều chính sách mới"),
    ("(ĐCSVN) – Sáng 5/3, Bộ Chính trị họp phiên thường kỳ", "Sáng 5/3, Bộ Chính trị họp phiên thường kỳ"),
    ("QĐND - Những ngày này, cán bộ, chiến sĩ giúp dân", "Những ngày này, cán bộ, chiến sĩ giúp dân"),
    ("VOV.VN - Chiều nay, Quốc hội thảo luận tại tổ", "Chiều nay, Quốc hội thảo luận tại tổ"),
    ("QĐND Online - Những ngày này, cán bộ, chiến sĩ giúp dân", "Những ngày này, cán bộ, chiến sĩ giúp dân"),
    ("Chinhphu.vn - Tháng 3/2026 có nhiều chính sách mới", "Tháng 3/2026 có nhiều chính sách mới"),
    ("Kinhtedothi.com.vn – Sáng 5/3, Hà Nội tổ chức hội nghị", "Sáng 5/3, Hà Nội tổ chức hội nghị"),
    ("Ông Tống Anh Linh - Giám đốc tài chính của CTCP", "Ông Tống Anh Linh - Giám đốc tài chính của CTCP"),
    # A dateline's place is not a source.
    ("Hà Nội - Sáng 5/3, Thủ tướng chủ trì phiên họp", "Hà Nội - Sáng 5/3, Thủ tướng chủ trì phiên họp"),
    ("HÀ NỘI - Sáng 5/3, Thủ tướng chủ trì phiên họp", "HÀ NỘI - Sáng 5/3, Thủ tướng chủ trì phiên họp"),
    ("(HNM) - Ngắn", "(HNM) - Ngắn"),
])
def test_strip_source_prefix(raw, expected):
    assert strip_source_prefix(raw) == expected


def test_fold_accents():
    assert fold_accents("Thông tin ĐỐI NGOẠI") == "thong tin doi ngoai"


def test_canonicalize_url_drops_tracking_and_fragment():
    assert canonicalize_url("HTTPS://BaoChinhPhu.vn:443/a-1.htm?utm_source=x&id=2#top") == "https://baochinhphu.vn/a-1.htm?id=2"


@pytest.mark.parametrize("spellings", [
    # Percent-encoding case, raw Unicode against percent-encoded UTF-8.
    ["https://x.gov.vn/tin-t%e1%bb%a9c/a.html", "https://x.gov.vn/tin-t%E1%BB%A9c/a.html", "https://x.gov.vn/tin-tức/a.html"],
    # Default ports, query order, a tracking parameter, a fragment.
    ["https://x.gov.vn/Default.aspx?ItemID=12&CatID=3", "https://x.gov.vn:443/Default.aspx?CatID=3&ItemID=12",
     "HTTPS://X.gov.vn/Default.aspx?utm_source=zalo&CatID=3&ItemID=12#comments"],
    # Unreserved characters escaped or not.
    ["https://x.gov.vn/%7Etin/a-b.html", "https://x.gov.vn/~tin/a-b.html"],
])
def test_one_id_per_article_whatever_the_spelling(spellings):
    assert len({canonicalize_url(url) for url in spellings}) == 1


_HTTP_URLS = st.tuples(st.sampled_from(["https://", "http://", "HTTP://"]),
                       st.sampled_from(["baochinhphu.vn", "WWW.NhanDan.vn", "sotttt.hanoi.gov.vn", "x.vn:8443", "bộ.vn"]),
                       st.lists(st.sampled_from(["/", "a", "tin-tức", "%c3%a1", "%7E", "%20", " ", "-", "~", ";p", "(1)",
                                                 "=", "+", "đ", "%2F", "%zz", "."]), max_size=8).map(lambda p: "/" + "".join(p)),
                       st.lists(st.sampled_from(["?", "&", "id=2", "b=1", "a=", "q=tin tức", "%E1", "x=%c3%a1", "=",
                                                 "k"]), max_size=6).map(lambda q: "?" + "".join(q) if q else "")
                       ).map("".join)


@settings(max_examples=2000, deadline=None)
@given(url=_HTTP_URLS)
def test_canonicalize_url_is_w3libs_canonical_form_and_idempotent(url):
    # Ours adds to w3lib's only what it leaves: default ports and tracking parameters (none
    # here) and the fragment (none either); everything else is w3lib's answer.
    ours = canonicalize_url(url)
    assert ours == w3lib_canonicalize_url(ours) == canonicalize_url(ours)
    assert ours == w3lib_canonicalize_url(url)


# -- URL fast paths: what they answer must be what the standard library's parsing answers ------

_URL_PIECES = st.sampled_from([
    "http://", "https://", "HTTPS://", "ftp://", "//", "/", "./", "../", "/./", "/../", ".", "..", "a", "Z", "9",
    "-", "_", "~", "%20", "?", "#", ";", ":", "@", "=", "&", "+", "'", "!", " ", "\t", "\n", "đ", "ệ", "[", "]",
    "example.vn", "www.Baochinhphu.VN", ":8080", ":443", "utm_source=x", "id=2", "tin-moi-123.html",
])
_URLS = st.lists(_URL_PIECES, max_size=10).map("".join)
_BASES = st.sampled_from([
    "https://baochinhphu.vn/chinh-sach/tin-1.htm", "https://baochinhphu.vn", "http://nhandan.vn:8080/a/b/?q=1#x",
    "HTTPS://X.vn/a", "https://user@host.vn/a", "ftp://files.vn/a/b", "", "https://h.vn/a;p?q#f", "/relative",
    "https://h.vn/a/b/c/d.html", "https://h.vn/a;p/b;q/c", "https://h.vn/a//b/", "http://h.vn:80/./a/../b",
])


@settings(max_examples=2000, deadline=None)
@given(base=_BASES, href=_URLS)
def test_join_url_answers_what_urljoin_answers(base, href):
    try:
        expected = urljoin(base, href)
    except ValueError:  # "http://[", "http://]": unparseable, and the link is dropped
        expected = None
    if expected is not None and not expected.lower().startswith(("http://", "https://")):
        expected = None  # javascript:, mailto:, data: links reach no record
    assert join_url(base, href) == expected


@pytest.mark.parametrize("href", ["javascript:alert(1)", "JavaScript:void(0)", " vbscript:msgbox", "data:image/png;base64,AA",
                                  "mailto:toasoan@nhandan.vn"])
def test_only_web_addresses_are_joined(href):
    assert join_url("https://nhandan.vn/a-post1.html", href) is None


@settings(max_examples=2000, deadline=None)
@given(url=st.one_of(_URLS, st.tuples(_BASES, _URLS).map("".join)))
def test_canonicalize_url_fast_path_answers_what_parsing_answers(url):
    assert canonicalize_url(url) == _canonicalize(url)


@settings(max_examples=2000, deadline=None)
@given(url=st.one_of(_URLS, st.tuples(_BASES, _URLS).map("".join)))
def test_lower_host_changes_only_what_compares_without_case(url):
    lowered = lower_host(url)
    assert lower_host(lowered) == lowered and lowered.lower() == url.lower()
    try:
        before, after = urlsplit(url), urlsplit(lowered)
        hosts = before.hostname, after.hostname
    except ValueError:  # "http://[": no host to compare
        return
    assert (after.scheme, after.username, after.password, after.path, after.query, after.fragment) == \
        (before.scheme, before.username, before.password, before.path, before.query, before.fragment)
    assert (hosts[0] or "").lower() == (hosts[1] or "").lower()  # urlsplit keeps the case of "%20x"
    if before.scheme and url[:len(before.scheme) + 3].lower() == before.scheme + "://":
        assert after.netloc.rpartition("@")[2] == after.netloc.rpartition("@")[2].lower()


def test_lower_host_on_image_urls():
    assert lower_host("https://media.Baodautu.vn/minhvui/Anh.PNG?W=1#X") == "https://media.baodautu.vn/minhvui/Anh.PNG?W=1#X"
    assert lower_host("HTTP://User:Pass@CDN.vn:8080/a") == "http://User:Pass@cdn.vn:8080/a"
    plain = "https://cdn.nhandan.vn/images/a.jpg"
    assert lower_host(plain) is plain


def test_url_fast_paths_are_taken_for_plain_links():
    assert join_url("https://baochinhphu.vn/a/b.htm", "/tin-moi-123.htm?id=1#top") == \
        "https://baochinhphu.vn/tin-moi-123.htm?id=1#top"
    assert join_url("https://baochinhphu.vn/a/b.htm", "/a/../tin.htm") == "https://baochinhphu.vn/tin.htm"
    assert join_url("https://baochinhphu.vn/a/b.htm", "tin.htm") == "https://baochinhphu.vn/a/tin.htm"
    assert join_url("https://baochinhphu.vn/a/b/c.htm", "../../../anh/1.jpg?w=2") == "https://baochinhphu.vn/anh/1.jpg?w=2"
    assert canonicalize_url("https://nhandan.vn/tin-123.html#binh-luan") == "https://nhandan.vn/tin-123.html"
    assert canonicalize_url("https://nhandan.vn") == "https://nhandan.vn/"
