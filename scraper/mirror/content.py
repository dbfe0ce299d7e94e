"""Deterministic Vietnamese news content for mirror sites: titles, leads, paragraphs."""
from __future__ import annotations

import random
import re
import unicodedata

SUBJECTS = (
    "Thủ tướng Chính phủ", "Bộ Ngoại giao", "Ủy ban nhân dân thành phố Hà Nội", "Quốc hội", "Bộ Tài chính",
    "Ngân hàng Nhà nước", "Bộ Quốc phòng", "Sở Thông tin và Truyền thông", "Bộ Giáo dục và Đào tạo",
    "Ban Chỉ đạo phòng, chống tham nhũng", "Bộ Y tế", "Tỉnh ủy Lạng Sơn",
)
ACTIONS = (
    "chủ trì hội nghị về", "ban hành quy định mới về", "đẩy mạnh", "kiểm tra tiến độ", "họp bàn giải pháp cho",
    "tổng kết công tác", "phát động phong trào", "thông qua nghị quyết về", "làm việc với các địa phương về",
)
TOPICS = (
    "giải ngân vốn đầu tư công", "chuyển đổi số trong cải cách hành chính", "thông tin đối ngoại",
    "phòng, chống thiên tai", "bảo đảm an sinh xã hội", "phát triển kinh tế tư nhân", "xây dựng nông thôn mới",
    "hội nhập quốc tế", "quản lý thị trường bất động sản", "bảo vệ chủ quyền biển, đảo", "đào tạo nguồn nhân lực",
)
CLAUSES = (
    "các bộ, ngành cần khẩn trương tháo gỡ vướng mắc về thủ tục",
    "địa phương phải báo cáo kết quả thực hiện trước ngày 30 hằng tháng",
    "nhiều ý kiến đề nghị tăng cường phân cấp, phân quyền cho cơ sở",
    "người dân và doanh nghiệp được hưởng lợi trực tiếp từ chính sách mới",
    "công tác kiểm tra, giám sát được thực hiện thường xuyên, liên tục",
    "kết quả đạt được trong năm qua là rất đáng khích lệ",
    "cần huy động sự tham gia của cả hệ thống chính trị",
    "đơn vị chức năng đã kịp thời hướng dẫn, hỗ trợ người dân",
)
AUTHORS = ("Minh Anh", "Thanh Bình", "Hoàng Hải", "Thu Trang", "Đức Tuấn", "Ngọc Lan")


def slugify(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:80].strip("-")


class Writer:
    """Random but reproducible prose: the same (seed, key) always gives the same text."""

    def __init__(self, seed: int):
        self.seed = seed

    def _rng(self, key: str) -> random.Random:
        return random.Random(f"{self.seed}:{key}")

    def title(self, key: str) -> str:
        rng = self._rng("t" + key)
        return f"{rng.choice(SUBJECTS)} {rng.choice(ACTIONS)} {rng.choice(TOPICS)}"

    def sentence(self, rng: random.Random) -> str:
        return f"{rng.choice(SUBJECTS)} {rng.choice(ACTIONS)} {rng.choice(TOPICS)}, {rng.choice(CLAUSES)}."

    def lead(self, key: str) -> str:
        rng = self._rng("l" + key)
        return " ".join(self.sentence(rng) for _ in range(2))

    def paragraphs(self, key: str, count: int) -> list[str]:
        rng = self._rng("p" + key)
        return [" ".join(self.sentence(rng) for _ in range(rng.randint(2, 4))) for _ in range(count)]

    def author(self, key: str) -> str:
        return self._rng("a" + key).choice(AUTHORS)
