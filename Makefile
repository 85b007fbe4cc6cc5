# ISPcare: `make demo` runs it, `make test` checks it. Only Python 3.11+ and make needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
PORT ?= 8000
export PORT

.PHONY: demo test lint fmt messages openapi bench clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ needed"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@ $(STAMP)

demo: $(STAMP)
	$(BIN)/ispcare demo

test: $(TEST_STAMP)
	$(BIN)/python scripts/test_suites.py

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: $(TEST_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Regenerate the Indonesian catalogue from the sources and compile it (needs GNU gettext).
messages: $(STAMP)
	cd src/ispcare && ../../$(BIN)/django-admin makemessages -l id --no-obsolete --no-location
	cd src/ispcare && ../../$(BIN)/django-admin compilemessages

openapi: $(STAMP)
	$(BIN)/ispcare export_openapi

bench: $(TEST_STAMP)
	$(BIN)/python bench/onboarding.py

clean:
	rm -rf $(VENV) var test-artifacts
