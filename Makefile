# Two commands for a fresh machine: `make demo` and `make test`. Everything else is a building block.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
# The runtime and the demo's localstripe only: what `make demo` needs. The dev stamp adds the toolchain to the
# same venv (pip keeps what is already installed at the pinned versions), so either command can come first.
DEMO_STAMP := $(VENV)/.installed-demo
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: venv demo test test-pg lint typecheck check models skill-package lambda-package e2e-deps browser-deps bench clean

# The demo's stopwatch starts here, before make installs anything (skill/demo/timing.py prints the result).
DEMO_STARTED := $(if $(filter demo,$(MAKECMDGOALS)),$(shell date +%s.%N))

# The venv's bundled pip installs the demo (no upgrade round-trip); --no-compile leaves bytecode to the first import,
# so only the modules the demo runs are compiled. The dev stamp upgrades pip for the toolchain.
$(DEMO_STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --no-compile -c constraints.txt -e '.[demo]'
	touch $(DEMO_STAMP)

$(STAMP): $(DEMO_STAMP)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

## make demo: venv, runtime install (no dev toolchain), migrate, seed and serve on the embedded SQLite default
## (with localstripe). Refuses to start while another demo runs on the same var/.
demo: $(DEMO_STAMP)
	BILLPAY_DEMO_STARTED=$(DEMO_STARTED) $(BIN)/billpay demo run --host $(HOST) --port $(PORT)

## make test: venv, install, lint, type-check and run the whole suite (SQLite by default).
test: $(STAMP) browser-deps e2e-deps lint typecheck
	BILLPAY_REQUIRE_MARKERS=e2e,$${BILLPAY_REQUIRE_MARKERS:-} $(BIN)/pytest $(PYTEST_ARGS)

## make test-pg: the same suite against PostgreSQL; fails if a PostgreSQL test was skipped. The phrasing corpus
## (understanding and answers, on its own SQLite store whatever the database) runs once, in make test.
test-pg: $(STAMP) browser-deps e2e-deps
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} \
	BILLPAY_REQUIRE_MARKERS=postgres,e2e,$${BILLPAY_REQUIRE_MARKERS:-} $(BIN)/pytest $(PYTEST_ARGS) \
	  --deselect tests/e2e/test_phrasing_corpus.py

lint: $(STAMP)
	$(BIN)/ruff check skill tests lambda bench
	$(BIN)/ruff format --check skill tests lambda bench

typecheck: $(STAMP)
	$(BIN)/mypy

check: lint typecheck

APT := $(if $(shell command -v sudo),sudo,) env DEBIAN_FRONTEND=noninteractive apt-get

browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  $(APT) install -y -q chromium >/dev/null || { $(APT) update -q >/dev/null && $(APT) install -y -q chromium >/dev/null; }; }

e2e-deps:
	@test -d tests/e2e/node_modules/virtual-alexa || { \
	  echo "Installing virtual-alexa for the end-to-end conversations"; \
	  cd tests/e2e && npm ci --no-audit --no-fund --silent; }

## make models: interaction_models/<locale>.json from the grammar (skill/conversation/grammar); commit both.
models: $(STAMP)
	$(PY) -m skill.packaging.interaction_model

skill-package: $(STAMP)
	$(BIN)/billpay skill package --out .

## make lambda-package: dist/lambda.zip for Lambda (manylinux2014 wheels at constraints.txt, the skill's runtime only;
## LAMBDA_ARCH=arm64 for Graviton). Handler lambda_function.lambda_handler; see docs/deploy.md.
LAMBDA_ARCH ?= x86_64
lambda-package: $(STAMP)
	$(PY) -m skill.packaging.lambda_package --out dist/lambda.zip --arch $(LAMBDA_ARCH)
	rm -rf dist/lambda && $(PY) -m zipfile -e dist/lambda.zip dist/lambda  # what ask deploy zips (code.default.src)

bench: $(STAMP)
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) var build dist skill-package ask-resources.json infrastructure .pytest_cache .mypy_cache .ruff_cache
