# One command to set up and run each job on a fresh machine (Python 3.10+ with venv).
VENV ?= .venv
PY := $(VENV)/bin/python
CORPUS ?= ../shared/corpus

.PHONY: setup demo test test-fast eval bench clean

# The main job's install: crawling and exporting (JSON Lines, CSV), nothing for analysis or tests.
$(VENV)/.installed-main: pyproject.toml
	@echo "make: creating $(VENV) and installing vngov with what the crawl needs (scrapy, lxml, dateparser, ...)"
	python3 -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check --progress-bar on --no-compile -e .
	touch $@

# Everything the tests and the evaluation need on top (pandas, pyarrow, polars, pyspark, duckdb,
# Scrapyd, trafilatura).
$(VENV)/.installed: $(VENV)/.installed-main
	@echo "make: installing the test and evaluation extras"
	$(PY) -m pip install --disable-pip-version-check --quiet -e '.[test,eval]'
	touch $@

setup: $(VENV)/.installed

# The main job, offline: crawl a bundled local mirror of three sites into data/demo-archive.
demo: $(VENV)/.installed-main
	$(VENV)/bin/vngov demo

# The test suite (what CI runs), slow end-to-end crawls included.
test: setup
	$(PY) -m pytest -n 2

# Without the slow end-to-end tests, for quick iterations.
test-fast: setup
	$(PY) -m pytest -n 2 -m "not slow"

# Score extraction on the shared corpus's gold pages, beside trafilatura.
eval: setup
	$(VENV)/bin/vngov eval $(CORPUS) --generic

# Extraction speed, ours against trafilatura, written to docs/benchmarks.md.
bench: setup
	$(PY) benchmarks/extraction.py --corpus $(CORPUS) --write docs/benchmarks.md

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
