import unicodedata

from pipelines.normalize import NormalizePipeline
from scraper.items import CrawledPage


def test_normalize_repairs_what_needs_it_and_keeps_clean_text():
    decomposed = unicodedata.normalize("NFD", "Thủ tướng chủ trì hội nghị")
    record = {"title": f" {decomposed}\u200b ", "sapo": "(Chinhphu.vn) - Chiều 5/3, Thủ tướng chủ trì hội nghị trực tuyến.",
              "body_text": f"Đoạn  một.\n\n\n{decomposed}\u00a0nữa.", "tags": [" a ", ""], "images": [], "sidebar": []}
    item = NormalizePipeline().process_item(CrawledPage(record=record))
    assert item.record["title"] == "Thủ tướng chủ trì hội nghị"
    assert item.record["sapo"] == "Chiều 5/3, Thủ tướng chủ trì hội nghị trực tuyến."
    assert item.record["body_text"] == "Đoạn một.\n\nThủ tướng chủ trì hội nghị nữa."
    assert item.record["tags"] == ["a"]
    clean = {"title": "Tiêu đề", "body_text": "Một.\n\nHai.", "tags": [], "images": [], "sidebar": []}
    assert NormalizePipeline().process_item(CrawledPage(record=dict(clean))).record == clean
