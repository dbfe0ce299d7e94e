"""Synthetic article records in the shape of items.Article, with real Vietnamese text."""
from __future__ import annotations

import random
from datetime import datetime, timedelta

from scraper.items import Article, SidebarItem, article_id
from scraper.parsing.dates import VN_TZ, to_iso

SITES = ("baochinhphu.vn", "nhandan.vn", "qdnd.vn")
PHRASES = (
    "Thủ tướng chủ trì hội nghị trực tuyến về thông tin đối ngoại",
    "Quốc hội thảo luận dự án Luật Dữ liệu sửa đổi",
    "Bộ Ngoại giao họp báo thường kỳ, trả lời câu hỏi của phóng viên",
    "Hà Nội đẩy mạnh chuyển đổi số trong cải cách hành chính",
    "Đồng bào dân tộc thiểu số ở các xã đặc biệt khó khăn được hỗ trợ",
)


def make_record(index: int, *, site: str | None = None, published: datetime | None = None,
                body_words: int = 60, seed: int = 0) -> dict:
    rng = random.Random(seed * 1_000_003 + index)
    site = site or SITES[index % len(SITES)]
    url = f"https://{site}/bai-viet-thu-nghiem-so-{index}-{seed}.html"
    if published is None:
        published = datetime(2024, 1, 1, 7, 30, tzinfo=VN_TZ) + timedelta(hours=rng.randrange(0, 3 * 365 * 24))
    phrase = PHRASES[index % len(PHRASES)]
    body = "\n\n".join(" ".join(rng.choice(phrase.split()) for _ in range(body_words // 4)) for _ in range(4))
    article = Article(
        id=article_id(url), url=url, canonical_url=url, site=site, title=f"{phrase} ({index})",
        sapo=f"(Tóm tắt) {phrase}.", body_text=body, body_html=None, published_at=to_iso(published),
        date_source="meta", author="Phóng viên", category="Thời sự", tags=["đối ngoại", "chính sách"],
        sidebar=[SidebarItem("Tin liên quan", "Một bài khác về chính sách mới", f"https://{site}/khac-{index}.html", None, 0)],
        language="vi", parser_version="1.0.0",
    )
    return article.to_dict()
