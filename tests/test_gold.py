"""Quality floors on real pages from ../shared/corpus (skipped when the folder is absent).

A change that makes extraction worse on the hand-checked gold fails here, loudly."""
import pytest

from scraper import evaluation

pytestmark = pytest.mark.corpus


def test_every_gold_check_passes(corpus):
    scores = evaluation.evaluate(corpus)
    failed = {page.file: [c for c, ok in page.results.items() if not ok] for page in scores if page.passed < page.total}
    assert not failed, failed
    assert sum(p.total for p in scores) >= 45


def test_unseen_sites_reach_95_percent(corpus):
    unseen = [p for p in evaluation.evaluate(corpus) if not p.profiled]
    assert unseen, "the corpus should hold pages from sites without a profile"
    assert sum(p.passed for p in unseen) / sum(p.total for p in unseen) >= 0.95


def test_generic_extractor_alone_reaches_95_percent(corpus):
    # Ignoring every profile measures the fallback on layouts it was not written for.
    scores = evaluation.evaluate(corpus, evaluation.generic_only)
    assert sum(p.passed for p in scores) / sum(p.total for p in scores) >= 0.95


def test_checks_can_fail(corpus):
    gold = next(g for g in evaluation.load_gold(corpus) if g.get("author"))
    wrong = evaluation.Extracted(title="sai", author="ai đó", body=gold["must_not_contain"][0])
    results = evaluation.score_page(gold, wrong)
    assert not any(results.values()), results
