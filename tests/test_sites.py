import pytest

from scraper.sites import PROFILES, get_profile, profile_for_url, site_name

EXAMPLES = {
    "baochinhphu.vn": "https://baochinhphu.vn/chinh-sach-moi-co-hieu-luc-tu-thang-3-2026-102260228093004191.htm",
    "xaydungchinhsach.chinhphu.vn": "https://xaydungchinhsach.chinhphu.vn/quy-dinh-moi-119260101090000123.htm",
    "nhandan.vn": "https://nhandan.vn/danh-bai-argentina-tay-ban-nha-vo-dich-world-cup-lan-thu-hai-post976641.html",
    "vietnamplus.vn": "https://www.vietnamplus.vn/thu-tuong-tiep-dai-su-post1012345.vnp",
    "qdnd.vn": "https://www.qdnd.vn/quoc-phong-an-ninh/tin-tuc/bo-doi-bien-phong-giup-dan-745123",
    "dangcongsan.vn": "https://dangcongsan.vn/thoi-su/bo-chinh-tri-hop-phien-thuong-ky-678901.html",
    "mofa.gov.vn": "https://mofa.gov.vn/tin-chi-tiet/chi-tiet/hop-bao-thuong-ky-12345-1.html",
    "hanoimoi.vn": "https://hanoimoi.vn/phuong-hai-ba-trung-mong-som-dua-khu-dat-vang-94-pho-lo-duc-vao-su-dung-731520.html",
    "sotttt.hanoi.gov.vn": "https://sotttt.hanoi.gov.vn/web/sotttt-eng/hot-news/-/view_content/3019611-exhibition.html",
    "moh.gov.vn": "https://moh.gov.vn/tin-tong-hop/-/asset_publisher/k206Q9qkZOqn/content/bo-y-te-hop-bao",
    "quochoi.vn": "https://quochoi.vn/tintuc/Pages/tin-hoat-dong-cua-quoc-hoi.aspx?ItemID=92345",
    "quocphongthudo.vn": "https://quocphongthudo.vn/bo-tu-lenh-thu-do-to-chuc-dien-tap-khu-vuc-phong-thu-12399.html",
}


def test_every_profile_has_an_example():
    assert set(EXAMPLES) == set(PROFILES)


@pytest.mark.parametrize("name,url", sorted(EXAMPLES.items()))
def test_article_patterns_and_lookup(name, url):
    profile = profile_for_url(url)
    assert profile is get_profile(name)
    assert profile.is_article_url(url)
    assert not profile.is_article_url(url.rsplit("/", 1)[0] + "/")


def test_listing_urls_are_not_articles():
    assert not get_profile("baochinhphu.vn").is_article_url("https://baochinhphu.vn/chinh-sach-va-cuoc-song/chinh-sach-moi.htm")


def test_unknown_site_name_and_error():
    assert site_name("https://www.example.gov.vn/a") == "example.gov.vn"
    with pytest.raises(KeyError, match="unknown site 'nope.vn'"):
        get_profile("nope.vn")
