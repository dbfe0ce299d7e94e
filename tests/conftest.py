"""Shared test helpers: where the third-party corpus is, when it is there."""
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_CORPUS = REPO.parent / "shared" / "corpus"


@pytest.fixture
def corpus() -> Path:
    if not (SHARED_CORPUS / "gold.jsonl").is_file():
        pytest.skip("../shared/corpus is absent")
    return SHARED_CORPUS
