# One command per workflow; CI runs the same ones.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint check seed migrate check-data bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install the package with its dev tools

run: $(STAMP) ## Migrate, seed an empty database and serve on http://$(HOST):$(PORT)
	$(BIN)/kb serve --host $(HOST) --port $(PORT)

test: $(STAMP) ## The test suite (SQLite; KB_TEST_DATABASE_URL=postgresql+psycopg://... for PostgreSQL)
	$(BIN)/python -m pytest

lint: $(STAMP) ## ruff, mypy --strict and the import layering contract
	$(BIN)/ruff check app tests migrations benchmarks
	$(BIN)/ruff format --check app tests migrations benchmarks
	$(BIN)/mypy app
	$(BIN)/lint-imports

check: lint test

seed: $(STAMP) ## Load the dataset into KB_DATABASE_URL (idempotent)
	$(BIN)/kb seed

migrate: $(STAMP) ## Apply pending migrations to KB_DATABASE_URL
	$(BIN)/kb migrate

check-data: $(STAMP) ## Validate data/ without a database
	$(BIN)/kb check-data

bench: $(STAMP) ## Side-by-side load benchmark against the ASGI ceiling (BENCH_ARGS="--rounds 5")
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
