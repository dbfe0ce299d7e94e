# One command to set up and run each job on a fresh machine (Python 3.10+ with venv).
VENV ?= .venv
PY := $(VENV)/bin/python
CORPUS ?= ../shared/corpus

.PHONY: setup test eval bench clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,eval]'
	touch $@

setup: $(VENV)/.installed

# The test suite (what CI runs).
test: setup
	$(PY) -m pytest

# Score extraction on the shared corpus's gold pages, beside trafilatura.
eval: setup
	$(VENV)/bin/vngov eval $(CORPUS) --generic

# Extraction speed, ours against trafilatura, written to docs/benchmarks.md.
bench: setup
	$(PY) benchmarks/extraction.py --corpus $(CORPUS) --write docs/benchmarks.md

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
