# Two commands do everything on a fresh machine:
#   make run    install, index corpus/ and serve on $(PORT) (default 8000)
#   make test   install and run the test suite
PYTHON ?= python3
VENV ?= .venv
PORT ?= 8000
HOST ?= 0.0.0.0
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install browser ocr index run test eval bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml client/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e './client[langchain,llama-index,mcp]'
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# Exit code 2 means "indexed, but some files were skipped" (the summary says which): still serve.
index: install ocr
	$(BIN)/vnpolicy index || [ $$? -eq 2 ]

run: index
	$(BIN)/vnpolicy serve --host $(HOST) --port $(PORT)

# Debian's Chromium, for the widget's browser tests (driven by Playwright, no browser download).
browser:
	command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends chromium; }

# Debian's Tesseract with its Vietnamese model, for scanned (image-only) PDF pages; pages are rendered
# by pypdfium2 (a PyPI wheel, installed with the project).
ocr:
	{ command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -qx vie; } || \
	{ $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends tesseract-ocr tesseract-ocr-vie; }

test: install browser ocr
	$(BIN)/python -m pytest -q

eval: index
	$(BIN)/vnpolicy eval
	$(BIN)/vnpolicy eval --beir ../shared/datasets/alqac2022

bench: index
	$(BIN)/python eval/bench_search.py

clean:
	rm -rf var .pytest_cache
