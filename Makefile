# The two commands of the README: `make run` and `make test`. Everything else is their plumbing.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: run test check install bench clean promtool

run: $(INSTALLED)
	$(PY) -m devstack run $(ARGS)

test: $(INSTALLED) tests/js/node_modules/.installed tests/asyncapi/node_modules/.installed promtool
	$(MAKE) --no-print-directory check
	$(PY) -m pytest $(PYTEST_ARGS)

check: $(INSTALLED)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(PY) -m mypy examples

install: $(INSTALLED)

# The official CometD JavaScript client for the notifier's conformance tests, as locked.
tests/js/node_modules/.installed: tests/js/package-lock.json
	npm ci --prefix tests/js --no-audit --no-fund
	touch $@

# Prometheus's linter for every service's /metrics (tests/test_metrics.py): Debian's package,
# installed once as root on a fresh machine; a no-op where promtool is already there.
promtool:
	@command -v promtool >/dev/null || { apt-get update -q && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 prometheus; }

# The AsyncAPI project's parser, which validates docs/asyncapi.json, as locked.
tests/asyncapi/node_modules/.installed: tests/asyncapi/package-lock.json
	npm ci --prefix tests/asyncapi --no-audit --no-fund
	touch $@

$(INSTALLED): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

bench: $(INSTALLED)
	$(PY) -m bench $(ARGS)

clean:
	rm -rf $(VENV) .cache
