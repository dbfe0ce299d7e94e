"""quocphongthudo.vn: the Hanoi Capital Command's paper (Quốc phòng Thủ đô). The page this product
was first specified from is most likely one of its articles (../shared/seed)."""
from .base import Listing, SiteProfile

PROFILE = SiteProfile(
    name="quocphongthudo.vn",
    domains=("quocphongthudo.vn", "www.quocphongthudo.vn"),
    # Article URLs end in a numeric id, under a section or not: /bo-tu-lenh-thu-do-dien-tap-12399.html
    article_patterns=(r"^https?://(www\.)?quocphongthudo\.vn/(?:[a-z0-9-]+/)*[a-z0-9-]+-\d{3,}\.html$",),
    family="generic",
    verified=False,
    verified_note="no saved page: only the seed's text. No selectors: the generic extractor reads its pages "
                  "(its rating widget, comments and teaser lists are kept out of the body by the generic rules); "
                  "the listing is a guess",
    listings=(Listing("https://quocphongthudo.vn/quoc-phong-toan-dan-8.html", next_page="{url}?page={n}"),),
    notes="Dates are printed without a year ('Chiều 11/10'): the year comes from structured data, the URL, "
          "a feed or listing, else the fetch time (date_source 'visible-inferred-year', with a warning).",
)
