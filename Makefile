# ISPcare: `make demo` runs it, `make test` checks it. Needs only Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
PORT ?= 8000
export PORT

.PHONY: demo test lint fmt messages openapi bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "ISPcare needs Python 3.11+; try: make PYTHON=python3.12 ...")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Reinstall only when pyproject.toml changed (the stamp is older than it).
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@ $(STAMP)

# Migrate, load the Vokasi.Net demo data, serve on PORT with the worker; Ctrl-C stops all.
demo: $(STAMP)
	$(BIN)/ispcare demo

# Lint, migrations check, the suite on SQLite and PostgreSQL, the browser tests.
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

# Write openapi.json from the API (committed, and diffed by the tests).
openapi: $(STAMP)
	@if $(BIN)/ispcare help export_openapi >/dev/null 2>&1; then \
		$(BIN)/ispcare export_openapi; \
	else \
		echo "make openapi: no export_openapi command in this version"; exit 1; \
	fi

# Benchmarks against the local PostgreSQL; figures go to docs/performance.md.
bench: $(TEST_STAMP)
	$(BIN)/python bench/onboarding.py
	$(BIN)/python bench/notifications.py
	$(BIN)/python bench/billing_run.py
	$(BIN)/python bench/chat.py
	$(BIN)/python bench/closing.py

clean:
	rm -rf $(VENV) var test-artifacts
