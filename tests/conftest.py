"""Shared test helpers: where the third-party corpus is, when it is there; the archive `vngov
demo` writes, made once for every test that reads it."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_CORPUS = REPO.parent / "shared" / "corpus"


@pytest.fixture
def corpus() -> Path:
    if not (SHARED_CORPUS / "gold.jsonl").is_file():
        pytest.skip("../shared/corpus is absent")
    return SHARED_CORPUS


@pytest.fixture(scope="session")
def demo_folder(tmp_path_factory) -> Path:
    """A folder where `vngov demo` has just written data/demo-archive, as `make demo` does: three
    sites of 20 articles, crawled twice, the sites editing six and withdrawing one between."""
    folder = tmp_path_factory.mktemp("demo")
    subprocess.run([sys.executable, "-m", "scraper", "demo", "--articles", "20", "--archive", "data/demo-archive"],
                   cwd=folder, check=True, capture_output=True, timeout=300, env={**os.environ, "PYTHONPATH": str(REPO)})
    return folder
