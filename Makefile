# The two commands of the README: `make run` and `make test` (and `make unit`, the fast loop
# beside them). Everything else is their plumbing.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium
# uv resolves and exports the lock (uv.lock); pip installs from it with every hash checked.
UV_VERSION := 0.13.9
UV := $(VENV)/bin/uv

.PHONY: run test unit check audit install lock bench clean vendor-cometd promtool haproxy test-containers compose-up compose-down loadtest

run: $(INSTALLED)
	$(PY) -m devstack run $(ARGS)

test: $(INSTALLED) tests/js/node_modules/.installed tests/asyncapi/node_modules/.installed \
		$(CHROMIUM) promtool haproxy
	$(MAKE) --no-print-directory check
	$(MAKE) --no-print-directory audit
	$(PY) -m pytest -m "not bench and not cluster" $(PYTEST_ARGS)

# The fast loop: no broker, no stack, no root, no long drill; each test within a CPU budget
# (tests/unit_loop.py). The benchmark-only tests (`-m bench`) run with `$(PY) -m pytest -m bench`.
unit: $(INSTALLED)
	$(PY) -m pytest --unit -q $(PYTEST_ARGS)

check: $(INSTALLED)
	$(UV) lock --check --python $(PY)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(PY) -m mypy examples
	$(VENV)/bin/lint-imports

install: $(INSTALLED)

# The locked Python set against PyPI's advisory data; fails on a known-vulnerable pin
# (deploy/audit.py says why not pip-audit, docs/operations.md what it cannot see).
audit: $(INSTALLED)
	$(PY) -m deploy.audit $(VENV)/requirements.txt

# The official CometD JavaScript client for the notifier's conformance tests, as locked.
tests/js/node_modules/.installed: tests/js/package-lock.json
	npm ci --prefix tests/js --no-audit --no-fund
	touch $@

# The browser of the desktop's tests (tests/system/test_desktop.py): Debian's, never a download.
$(CHROMIUM):
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

# The desktop page's copy of that client (gateway/desktop/vendor/cometd, package data, so no
# npm at run time) and of our replay extension (clients/js); tests/gateway/test_vendored_cometd.py
# checks both equal their sources.
vendor-cometd: tests/js/node_modules/.installed
	rm -rf gateway/desktop/vendor/cometd gateway/desktop/vendor/gws
	mkdir -p gateway/desktop/vendor/cometd gateway/desktop/vendor/gws
	cp tests/js/node_modules/cometd/*.js tests/js/node_modules/cometd/LICENSE \
		tests/js/node_modules/cometd/package.json gateway/desktop/vendor/cometd/
	cp clients/js/cometd-replay.js gateway/desktop/vendor/gws/

# Prometheus's linter for every service's /metrics (tests/test_metrics.py): Debian's package,
# installed once as root on a fresh machine; a no-op where promtool is already there.
promtool:
	@command -v promtool >/dev/null || { apt-get update -q && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 prometheus; }

# The balancer of the scaled profile, run outside containers by the client-address test
# (tests/fuzz/test_client_addresses.py): Debian's package, as promtool's.
haproxy:
	@command -v haproxy >/dev/null || { apt-get update -q && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 haproxy; }

# The AsyncAPI project's parser, which validates docs/asyncapi.json, as locked.
tests/asyncapi/node_modules/.installed: tests/asyncapi/package-lock.json
	npm ci --prefix tests/asyncapi --no-audit --no-fund
	touch $@

# Exactly the locked set, hashes checked; the project itself editable, built by the locked
# setuptools. `make check` fails when pyproject.toml and uv.lock disagree: run `make lock`.
$(INSTALLED): pyproject.toml uv.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q uv==$(UV_VERSION)
	$(UV) export -q --frozen --extra dev --no-emit-project -o $(VENV)/requirements.txt
	$(PY) -m pip install -q --require-hashes --no-deps -r $(VENV)/requirements.txt
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	touch $@

# After a change to pyproject.toml's dependencies; `make lock ARGS=--upgrade` takes new
# releases (`ARGS="--upgrade-package NAME"` one package). Commit uv.lock with the change.
lock: $(INSTALLED)
	$(UV) lock --python $(PY) $(ARGS)

bench: $(INSTALLED)
	$(PY) -m bench $(ARGS)

clean:
	rm -rf $(VENV) .cache

# Containers (docs/operations.md, "Deployment"): Docker from Debian started by PID, Compose v2,
# images built without a registry. `test-containers` stops the engine it started, pass or fail.
COMPOSE_FILES := -f docker-compose.yml $(if $(SCALED),-f docker-compose.scaled.yml)
COMPOSE_SECRET := .cache/engine/session-secret

# The system tests below once more on a testcontainers broker (tests/kafka.py).
CONTAINER_BROKER_TESTS := tests/system/test_vectors.py tests/system/test_preview_loop.py

test-containers: $(INSTALLED) tests/js/node_modules/.installed
	PY=$(PY) deploy/engine.sh run sh -c '$(PY) -m pytest --containers tests/containers $(PYTEST_ARGS) \
		&& TESTS_BROKER=container $(PY) -m pytest $(CONTAINER_BROKER_TESTS)'
	$(PY) -m pytest -m cluster $(PYTEST_ARGS)

compose-up: $(INSTALLED)
	PY=$(PY) deploy/engine.sh up
	@test -s $(COMPOSE_SECRET) || $(PY) -c 'import secrets; print(secrets.token_urlsafe(32))' > $(COMPOSE_SECRET)
	GWS_SESSION_SECRET=$$(cat $(COMPOSE_SECRET)) GWS_USERS_FILE=$${GWS_USERS_FILE:-/app/demo/users.json} \
		deploy/engine.sh compose $(COMPOSE_FILES) --profile demo up -d --wait

# `VOLUMES=1` also deletes the broker's volume: the next `compose-up` starts from clean state.
compose-down:
	-GWS_SESSION_SECRET=unused deploy/engine.sh compose -f docker-compose.yml -f docker-compose.scaled.yml \
		--profile demo --profile loadtest down --remove-orphans $(if $(VOLUMES),--volumes)
	deploy/engine.sh down

# The Locust load test (docs/load-testing.md) against the composed stack, brought up first if it
# is not (`SCALED=1`: through the balancer): USERS desktops for DURATION, WORKERS Locust workers,
# RATE commands per second per desktop, headless; Locust's summary is printed at the end and its
# exit code (non-zero on any failure) is make's. The stack stays up: `make compose-down`.
USERS ?= 20
DURATION ?= 60s
WORKERS ?= 2
RATE ?= 1
LOADTEST_ENV = GWS_SESSION_SECRET=$$(cat $(COMPOSE_SECRET)) LOCUST_USERS=$(USERS) \
	LOCUST_RUN_TIME=$(DURATION) LOCUST_EXPECT_WORKERS=$(WORKERS) LOADTEST_COMMANDS_PER_SECOND=$(RATE)

loadtest: compose-up
	@echo "loadtest: $(USERS) desktops, $(RATE) command/s each, for $(DURATION) ($(WORKERS) workers)..."
	@status=0; $(LOADTEST_ENV) deploy/engine.sh compose $(COMPOSE_FILES) --profile loadtest up \
		--no-deps --scale locust-worker=$(WORKERS) --exit-code-from locust locust locust-worker \
		>/dev/null || status=$$?; \
	$(LOADTEST_ENV) deploy/engine.sh compose $(COMPOSE_FILES) --profile loadtest logs --no-color \
		--no-log-prefix locust; \
	exit $$status
