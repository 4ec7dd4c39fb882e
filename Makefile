# Two commands set everything up on a fresh machine with Python 3.11:
#   make demo   generate the demo VMS data, validate it end to end, print the scores
#   make test   run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DEMO_DIR ?= demo
VOLUNTEERS ?= 5000
PYTEST_ARGS ?=

.PHONY: demo test lint typecheck bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==25.3
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/vmsdq demo --dir $(DEMO_DIR) --volunteers $(VOLUNTEERS)

test: $(STAMP)
	$(BIN)/pytest -n 2 -q -p no:cacheprovider $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports --no-logo

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/engine.py --volunteers 100000

clean:
	rm -rf $(VENV) $(DEMO_DIR) .vmsdq
