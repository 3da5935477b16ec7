# Sociaro: the two set-up commands are `make run` and `make test`; everything else is for development.
BUN_VERSION := 1.4.5
export PATH := $(HOME)/.bun/bin:$(PATH)

.PHONY: run test typecheck unit python-sdk-test build bench bench-dashboard db-generate migrate bun deps clean

## Install the pinned Bun with npm when no bun is on the PATH (a fresh machine has only Node and npm).
bun:
	@command -v bun >/dev/null 2>&1 || { echo "installing bun@$(BUN_VERSION) with npm"; npm install -g bun@$(BUN_VERSION) >/dev/null; }
	@v=$$(bun --version); [ "$$v" = "$(BUN_VERSION)" ] || echo "note: bun $$v is installed; Sociaro is tested with $(BUN_VERSION)"

node_modules/.installed: package.json bun.lock | bun
	bun install --frozen-lockfile
	@touch $@

deps: bun node_modules/.installed

## Start the gateway on 127.0.0.1:8080 (`make run PORT=9000` for another port; 0 = any free one) with the local
## database at ./data/sociaro.db; it prints which providers have credentials and a quick start against `mock`.
run: deps
	$(if $(PORT),SOCIARO_PORT=$(PORT) )bun src/main.ts serve

## Type-check, then run every test (real HTTP on loopback, including the compiled binary), then the Python SDK's
## tests; both suites run even when the first fails, and `make test` fails if either does.
test: deps typecheck
	@status=0; \
	bun test --timeout 60000 || status=1; \
	$(MAKE) --no-print-directory python-sdk-test || status=1; \
	exit $$status

## The Python SDK (sdk/python) against its in-test fake gateway; standard library only, no install needed.
## SOCIARO_TEST_GATEWAY_URL (see sdk/python/tests/gateway_target.py) points its contract tests at a real gateway.
python-sdk-test:
	@command -v python3 >/dev/null 2>&1 || { echo "python3 (>= 3.9) is needed for the Python SDK tests"; exit 1; }
	PYTHONDONTWRITEBYTECODE=1 python3 -m unittest discover -s sdk/python/tests -t sdk/python

typecheck: deps
	bun x tsc --noEmit -p .
	bun x tsc --noEmit -p src/dashboard/ui

unit: deps
	bun test --timeout 60000

## One self-contained executable: dist/sociaro.
build: deps
	bun src/build/compile.ts

## Throughput and latency of the gateway vs direct-to-upstream vs a bare Bun forwarder, measured in one run.
bench: deps
	bun test/bench/run.ts

## The dashboard's data calls per page over 1M seeded usage rows (ROWS=… for another size), as a signed-in viewer.
bench-dashboard: deps
	bun test/bench/dashboard-reads.ts $(ROWS)

## Regenerate SQL migrations in drizzle/ after editing src/db/schema.ts.
db-generate: deps
	bun x drizzle-kit generate --config src/db/drizzle.config.ts

migrate: deps
	bun src/main.ts migrate

clean:
	rm -rf dist node_modules/.installed
