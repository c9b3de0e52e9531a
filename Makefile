# Two commands from a fresh clone: `make run` and `make test`. Both install the locks
# (requirements.txt, requirements-dev.txt), which `make lock` compiles from requirements*.in.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
SANDBOX_PORT ?= 12111
SALESFORCE_SANDBOX_PORT ?= 12112
export FLASK_APP := app

.PHONY: run test unit lint sandbox lock venv dev-venv bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

venv: $(VENV)/.runtime
dev-venv: $(VENV)/.dev

# Without real Stripe keys, Light runs against its local Stripe sandbox (no real money), and
# against the local Salesforce (its deals page: http://127.0.0.1:$(SALESFORCE_SANDBOX_PORT)/).
# Connect Bank > Stripe Account installs the sandbox's Stripe App (the read-only way real Stripe
# recommends); `STRIPE_APP_INSTALL_URL= make run` offers Connect OAuth (read_write) instead.
run: venv
	$(BIN)/flask db upgrade
	@if [ -z "$$STRIPE_SECRET_KEY" ]; then \
	  echo "No STRIPE_SECRET_KEY: starting the Stripe sandbox on http://127.0.0.1:$(SANDBOX_PORT)"; \
	  $(BIN)/python -m stripe_sandbox --port $(SANDBOX_PORT) & SANDBOX=$$!; \
	  echo "Starting the Salesforce sandbox on http://127.0.0.1:$(SALESFORCE_SANDBOX_PORT)"; \
	  $(BIN)/python -m salesforce_sandbox --port $(SALESFORCE_SANDBOX_PORT) & SF_SANDBOX=$$!; \
	  trap "kill $$SANDBOX $$SF_SANDBOX 2>/dev/null" EXIT INT TERM; \
	  SALESFORCE_CLIENT_ID=light-sandbox-consumer-key SALESFORCE_CLIENT_SECRET=light-sandbox-consumer-secret \
	  SALESFORCE_PRODUCTION_LOGIN_URL=http://127.0.0.1:$(SALESFORCE_SANDBOX_PORT) \
	  SALESFORCE_SANDBOX_LOGIN_URL=http://127.0.0.1:$(SALESFORCE_SANDBOX_PORT) \
	  STRIPE_SANDBOX=1 STRIPE_API_BASE=http://127.0.0.1:$(SANDBOX_PORT) STRIPE_CONNECT_BASE=http://127.0.0.1:$(SANDBOX_PORT) \
	  STRIPE_SECRET_KEY=sk_test_lightsandboxplatform STRIPE_CLIENT_ID=ca_lightsandboxclient \
	  STRIPE_APP_INSTALL_URL=$${STRIPE_APP_INSTALL_URL-http://127.0.0.1:$(SANDBOX_PORT)/oauth/v2/authorize} \
	  STRIPE_APP_CLIENT_ID=$${STRIPE_APP_CLIENT_ID:-ca_lightsandboxapp} \
	  LIGHT_PUBLIC_URL=$${LIGHT_PUBLIC_URL:-http://127.0.0.1:$(PORT)} \
	  $(BIN)/flask run --host 127.0.0.1 --port $(PORT) --with-threads; \
	else \
	  $(BIN)/flask run --host 127.0.0.1 --port $(PORT) --with-threads; \
	fi

# SQLite and fakeredis by default; set TEST_DATABASE_URL and REDIS_URL for PostgreSQL and real Redis.
test: dev-venv
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The fast loop: pure logic on plain data, about a second.
unit: dev-venv
	$(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

lint: dev-venv
	$(BIN)/ruff check .

# The Stripe sandbox alone (no real money), e.g. for tests or a second `make run` terminal.
sandbox: venv
	$(BIN)/python -m stripe_sandbox --port $(SANDBOX_PORT)

# Recompile the locks after editing requirements*.in. Unchanged pins are kept; to move them,
# `make lock LOCK_ARGS=--upgrade` (everything) or `LOCK_ARGS="--upgrade-package NAME"`.
LOCK := $(BIN)/uv pip compile --quiet --universal --python-version 3.11 --custom-compile-command "make lock" $(LOCK_ARGS)
lock: dev-venv
	$(LOCK) requirements.in -o requirements.txt
	$(LOCK) requirements-dev.in -o requirements-dev.txt

bench: dev-venv
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) instance/*.sqlite3
