# Two commands set everything up on a fresh machine with Python 3.11:
#   make demo   generate a demo VMS history, validate it, then serve the dashboard on :8000
#   make test   run the whole test suite (installs Debian's Chromium for the browser tests
#               and Debian's Java 17 for the Spark tests)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DEMO_DIR ?= demo
VOLUNTEERS ?= 5000
HISTORY ?= 30
CHROMIUM := /usr/bin/chromium
PYTEST_ARGS ?=

.PHONY: demo test lint typecheck bench bench-web browser java clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==25.3
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/vmsdq demo --dir $(DEMO_DIR) --volunteers $(VOLUNTEERS) --history $(HISTORY) --serve

# Debian's Chromium for the browser tests (never a downloaded browser build).
browser:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      chromium chromium-driver >/dev/null; \
	  else \
	    echo "Chromium is missing: install Debian's chromium and chromium-driver"; \
	  fi; \
	fi

# Debian's Java 17 for pyspark (the Spark backend's tests), never a downloaded JDK build.
# Slim images lack the man folder the package's alternatives link into.
java:
	@if ! command -v java >/dev/null 2>&1; then \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    mkdir -p /usr/share/man/man1 && apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null; \
	  else \
	    echo "Java is missing: install Debian's openjdk-17-jre-headless"; \
	  fi; \
	fi

test: $(STAMP) browser java
	$(BIN)/pytest -n 2 -q -p no:cacheprovider $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports --no-logo

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/engine.py --volunteers 100000

bench-web: $(STAMP)
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python bench/web.py --volunteers 1000000 --days 90

clean:
	rm -rf $(VENV) $(DEMO_DIR) .vmsdq
