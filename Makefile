# The two commands of the README: `make serve` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000
export NO_MKDOCS_2_WARNING := 1
export PYTHONDONTWRITEBYTECODE := 1
# Builds of one commit are byte-identical: dates in the sitemap come from the commit, not the clock.
export SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)

.PHONY: help venv build serve serve-ru serve-en test lint pytest bench audit clean record colab library translation-status translation-sync new-chapter

help:
	@echo "make serve   build both languages and serve them at http://$(HOST):$(PORT)/"
	@echo "make test    run every check (lint, strict build, tests, browser test)"
	@echo "make build   write the static site to site/ (Russian) and site/en/ (English)"
	@echo "make serve-ru / serve-en   live-reloading preview of one language while editing"
	@echo "make bench   time a cold and a warm build and test run"
	@echo "make record  rewrite the recorded outputs (snippets/*.out) after a change to a program"
	@echo "make audit   Lighthouse on every kind of page, both languages (needs Node and Chromium)"
	@echo "make translation-status        the pages x languages that are outdated or missing (ALL=1: every one)"
	@echo "make translation-sync PAGES=x.md   record that both versions of x.md now say the same"
	@echo "make new-chapter N=16 SLUG=x   write every file of a new chapter ch16_x (see .github/CHAPTERS.md)"

$(STAMP): pyproject.toml .ci/constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c .ci/constraints.txt -e ".[dev]"
	touch $(STAMP)

venv: $(STAMP)

# KaTeX (pinned in package.json) typesets the formulas at build time; Node runs it.
KATEX := node_modules/katex/dist/katex.min.js
$(KATEX): package.json package-lock.json
	npm ci --silent --no-audit --no-fund --omit=dev
	touch $@

build: $(STAMP) $(KATEX)
	rm -rf site
	$(BIN)/mkdocs build --strict -f mkdocs.yml
	$(BIN)/mkdocs build --strict -f mkdocs.en.yml
	PYTHONPATH=docs/hooks $(BIN)/python -m coursekit.book site

# Rewrites what the build compares against: each chapter's recorded outputs (snippets/<chapter>.out).
record: $(STAMP)
	COURSE_RECORD=1 $(BIN)/mkdocs build --quiet -f mkdocs.yml
	COURSE_RECORD=1 $(BIN)/mkdocs build --quiet -f mkdocs.en.yml
	rm -rf site
	@git diff --stat -- snippets/*.out; git diff --quiet -- snippets/*.out && echo "make record: no recorded output changed" || true

# The notebooks Colab opens, laid out as the deploy publishes them on the branch `colab`
# (<lang>/<chapter>.ipynb), from a built site/.
COLAB ?= colab-branch
colab:
	test -f site/colab/ch01_why_pytorch.ipynb || { echo "make colab: run make build first"; exit 2; }
	rm -rf $(COLAB) && mkdir -p $(COLAB)/ru $(COLAB)/en
	cp site/colab/*.ipynb $(COLAB)/ru/
	cp site/en/colab/*.ipynb $(COLAB)/en/

serve: build
	@echo "Serving both languages: http://$(HOST):$(PORT)/ (Russian) and http://$(HOST):$(PORT)/en/ (English)"
	$(BIN)/python -m http.server $(PORT) --bind $(HOST) --directory site

serve-ru: $(STAMP)
	$(BIN)/mkdocs serve -f mkdocs.yml -a $(HOST):$(PORT)

serve-en: $(STAMP)
	$(BIN)/mkdocs serve -f mkdocs.en.yml -a $(HOST):$(PORT)

lint: $(STAMP)
	PYTHONPATH=docs/hooks $(BIN)/python -m coursekit.checks
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/actionlint .github/workflows/*.yml
	$(BIN)/zizmor --offline --min-severity=low .github/workflows

# The library against torch, before the build: a broken rule in src/nnzero/ fails here, naming
# its function, instead of surfacing in the build as a chapter whose output changed.
LIBRARY_TESTS := $(sort $(wildcard tests/test_properties.py tests/test_library_errors.py \
  tests/test_engine.py tests/test_optim.py tests/test_losses.py tests/test_layers.py \
  tests/test_init.py tests/test_backprop.py tests/test_calculus.py tests/test_training.py \
  tests/test_data.py tests/test_scalar_nn.py tests/test_ch01_tensor_ops.py))

library: $(STAMP)
	$(BIN)/pytest -q $(LIBRARY_TESTS)

pytest: $(STAMP)
	$(BIN)/pytest $(addprefix --ignore=,$(LIBRARY_TESTS)) $(PYTEST_ARGS)

test: lint library build pytest

translation-status: $(STAMP)
	@PYTHONPATH=docs/hooks $(BIN)/python -m coursekit.translations status $(if $(ALL),--all)

translation-sync: $(STAMP)
	@test -n "$(PAGES)" || { echo 'usage: make translation-sync PAGES="ch02_neuron.md ..."'; exit 2; }
	@PYTHONPATH=docs/hooks $(BIN)/python -m coursekit.translations sync $(PAGES)

new-chapter: $(STAMP)
	@PYTHONPATH=docs/hooks $(BIN)/python -m coursekit.scaffold "$(N)" "$(SLUG)"

# Lighthouse (pinned in package.json) on every kind of page of both languages, served with gzip.
# After $(KATEX), so that the build's install (without Lighthouse) does not undo this one.
node_modules/.installed: package.json package-lock.json $(KATEX)
	npm ci --silent --no-audit --no-fund
	touch $(KATEX) $@

audit: build node_modules/.installed
	$(BIN)/python benchmarks/audit.py

bench: $(STAMP)
	$(BIN)/python benchmarks/site.py --fresh

clean:
	rm -rf site .cache
