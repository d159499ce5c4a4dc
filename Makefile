# One command per workflow; CI runs the same ones.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The lock: exact versions of every dependency, runtime and dev, for Python 3.11+ on any
# platform (uv's universal resolution; platform-only packages carry markers). `make` installs
# from requirements/dev.txt, the Dockerfile from requirements/runtime.txt (the runtime subset,
# same versions). The lower bounds in pyproject.toml stay for installing smk-kb as a library.
# After changing the dependencies in pyproject.toml, run `make lock` (it keeps every pin that
# still fits); `make lock LOCK_ARGS=--upgrade` moves every pin to the newest release, and
# `LOCK_ARGS="--upgrade-package NAME"` one package. Commit the lock with pyproject.toml.
LOCK := requirements/dev.txt
RUNTIME_LOCK := requirements/runtime.txt
UV_COMPILE = $(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 \
	--custom-compile-command 'make lock' --quiet
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install native lock run test lint check seed migrate check-data bench clean

$(STAMP): pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m pip check
	touch $(STAMP)

install: $(STAMP) native ## Create .venv and install the package with its dev tools, from the lock

# Search's hot modules compiled to C with mypyc (app/native.py), again whenever one of
# their sources changed; without a C compiler they run as Python source.
native: $(STAMP) ## Compile search's hot modules (scripts/build_native.py), if a source changed
	$(BIN)/python scripts/build_native.py --if-stale

lock: $(STAMP) ## Regenerate the lock (requirements/*.txt) from pyproject.toml
	$(UV_COMPILE) --extra dev -o $(LOCK) $(LOCK_ARGS)
	$(UV_COMPILE) --constraint $(LOCK) -o $(RUNTIME_LOCK)

run: $(STAMP) native ## Migrate, seed an empty database and serve on http://$(HOST):$(PORT)
	$(BIN)/kb serve --host $(HOST) --port $(PORT)

test: $(STAMP) native ## The test suite (SQLite; KB_TEST_DATABASE_URL=postgresql+psycopg://... for PostgreSQL)
	$(BIN)/python -m pytest

lint: $(STAMP) ## ruff, mypy --strict, the import layering contract and hadolint
	$(BIN)/ruff check app tests migrations benchmarks scripts
	$(BIN)/ruff format --check app tests migrations benchmarks scripts
	$(BIN)/mypy app scripts
	$(BIN)/lint-imports
	$(BIN)/hadolint Dockerfile

check: lint test

seed: $(STAMP) ## Load the dataset into KB_DATABASE_URL (idempotent)
	$(BIN)/kb seed

migrate: $(STAMP) ## Apply pending migrations to KB_DATABASE_URL
	$(BIN)/kb migrate

check-data: $(STAMP) ## Validate data/ without a database
	$(BIN)/kb check-data

bench: $(STAMP) native ## Side-by-side load benchmark against the ASGI ceiling (BENCH_ARGS="--rounds 5")
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

clean:
	test ! -x $(BIN)/python || $(BIN)/python scripts/build_native.py --clean
	rm -rf $(VENV) var build .pytest_cache .mypy_cache .ruff_cache
