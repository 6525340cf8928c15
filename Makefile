# releasekit: `make help` lists the targets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements/dev.lock pyproject.toml | cksum | cut -d' ' -f1)
NODE_DIR   := tests/node
NODE_STAMP := $(NODE_DIR)/node_modules/.installed-$(shell cat $(NODE_DIR)/package-lock.json | cksum | cut -d' ' -f1)

.DEFAULT_GOAL := help
.PHONY: help venv system-deps node-deps test lint typecheck pytest lock bench demo serve clean

help: ## show this help
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): requirements/dev.lock pyproject.toml
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements/dev.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m compileall -q releasekit  # as a wheel install does (see bench_publish.py)
	touch $@

venv: $(STAMP) ## create .venv and install releasekit from the hash-pinned lock

system-deps: ## install the system tools the tests drive (gpg, chromium) when missing
	@sh scripts/system-deps.sh

lint: $(STAMP) ## ruff lint and format check
	$(BIN)/ruff check releasekit tests scripts
	$(BIN)/ruff format --check releasekit tests scripts

typecheck: $(STAMP) ## mypy, strict, on the package
	$(BIN)/mypy

$(NODE_STAMP): $(NODE_DIR)/package-lock.json $(NODE_DIR)/package.json
	cd $(NODE_DIR) && npm ci --no-audit --no-fund --ignore-scripts
	touch $@

node-deps: ## the npm packages the tests drive (axe-core, playwright-core, the CSAF validator), from their lock
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory $(NODE_STAMP); \
	else echo "node-deps: npm not found: the browser tests that need Node.js will be skipped" >&2; fi

# pytest-xdist workers: in one process the suite keeps one core busy (its CPU time is about
# its wall time), and two workers use both cores of a two-core machine (CI).
# `make pytest PYTEST_WORKERS=0` runs it in one process. worksteal: each worker takes a
# contiguous half (a module's fixtures are built once) and an idle one takes over half of the
# other's queue.
PYTEST_WORKERS ?= 2

pytest: $(STAMP) system-deps node-deps ## the test suite with coverage
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist worksteal --cov --cov-report=term:skip-covered $(PYTEST_ARGS)

test: lint typecheck pytest ## everything CI runs: lint, types, tests

lock: ## regenerate requirements/dev.lock (hash-pinned) from requirements/*.in
	$(PYTHON) -m venv build/lockenv
	build/lockenv/bin/pip install --quiet uv
	cd requirements && ../build/lockenv/bin/uv pip compile --generate-hashes --universal \
		--python-version 3.11 --quiet dev.in -o dev.lock

bench: $(STAMP) system-deps ## the performance benchmarks (figures on stdout)
	@sh scripts/system-deps.sh hugo
	$(BIN)/python scripts/bench.py

clean: ## remove the venv and generated files
	rm -rf $(VENV) $(NODE_DIR)/node_modules build .pytest_cache .mypy_cache .ruff_cache .coverage

demo: $(STAMP) ## a whole embargo end to end in build/demo/ (throwaway repo, key, SMTP)
	@command -v gpg >/dev/null 2>&1 || sh scripts/system-deps.sh
	$(BIN)/python scripts/demo.py

serve: ## serve the demo's site on http://127.0.0.1:8000/
	@test -d build/demo/workspace/site || { echo "run 'make demo' first"; exit 1; }
	$(BIN)/python -m http.server 8000 --bind 127.0.0.1 --directory build/demo/workspace/site
