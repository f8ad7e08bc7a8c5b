# The two commands of the README: `make run` and `make test`. Everything else is their plumbing.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium

.PHONY: run test check install bench clean vendor-cometd

run: $(INSTALLED)
	$(PY) -m devstack run $(ARGS)

test: $(INSTALLED) tests/js/node_modules/.installed $(CHROMIUM)
	$(MAKE) --no-print-directory check
	$(PY) -m pytest $(PYTEST_ARGS)

check: $(INSTALLED)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

install: $(INSTALLED)

# The official CometD JavaScript client for the notifier's conformance tests, as locked.
tests/js/node_modules/.installed: tests/js/package-lock.json
	npm ci --prefix tests/js --no-audit --no-fund
	touch $@

# The browser of the desktop's tests (tests/system/test_desktop.py): Debian's, never a download.
$(CHROMIUM):
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

# The desktop page's copy of that client (gateway/desktop/vendor/cometd, package data, so no
# npm at run time); tests/gateway/test_desktop.py checks it equals the locked package.
vendor-cometd: tests/js/node_modules/.installed
	rm -rf gateway/desktop/vendor/cometd
	mkdir -p gateway/desktop/vendor/cometd
	cp tests/js/node_modules/cometd/*.js tests/js/node_modules/cometd/LICENSE \
		tests/js/node_modules/cometd/package.json gateway/desktop/vendor/cometd/

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
