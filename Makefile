# observability-poc — one entry point for developers and operators.
# `make help` lists the targets. Docker targets run on the Docker host (Server-124);
# `demo`, `test` and `e2e` need only Node (installed on demand).
SHELL := /usr/bin/env bash
.DEFAULT_GOAL := help
# Every Compose call goes through scripts/lib/compose-command.sh (plugin, else standalone
# docker-compose v2, else a clear error), like the scripts'. `make up COMPOSE="sudo docker compose"`
# names the command instead: make passes COMPOSE on to the script in the environment.
COMPOSE_RUN := bash scripts/lib/compose-command.sh
TOOLCHAIN := . scripts/toolchain.sh &&

.PHONY: help
help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: install
install: ## Install Node 24, pnpm and the workspace dependencies
	@$(TOOLCHAIN) pnpm install --frozen-lockfile

.PHONY: test
test: ## Install what the tests need, build, and run every test (last line: N passed, N failed)
	@bash scripts/bootstrap.sh
	@$(TOOLCHAIN) pnpm build && pnpm test

.PHONY: e2e
e2e: ## Real pipeline on loopback: built collector (gateway + Tempo/Loki stand-ins), engine, apps, Prometheus
	@[ -d node_modules ] || { $(TOOLCHAIN) pnpm install --frozen-lockfile; }
	@bash scripts/lib/ensure-otelcol.sh
	@bash scripts/lib/ensure-prometheus.sh
	@$(TOOLCHAIN) pnpm build && pnpm test tests/e2e

.PHONY: images-check
images-check: ## Build the five images with podman (no Docker) on base-image stand-ins, check and start each (root; see scripts/images/README.md)
	@bash scripts/images/check.sh

.PHONY: bench
bench: ## Benchmark the engine against a bare Fastify route and the collector on one core (~55 min; see BENCHMARKS.md)
	@[ -d node_modules ] || { $(TOOLCHAIN) pnpm install --frozen-lockfile; }
	@$(TOOLCHAIN) pnpm bench

.PHONY: demo demo-once
demo: ## Start engine + beorn/palantir/arda locally, send traffic, print correlations; Ctrl-C stops (DEMO_EXIT=1: exit when done)
	@$(TOOLCHAIN) node scripts/demo.mjs

demo-once: ## Like demo, but stop everything and exit when the correlations are printed
	@$(TOOLCHAIN) DEMO_EXIT=1 node scripts/demo.mjs

# --- Server-124 (Docker host) and operations: see ops/runbook.md ------------------------------
# YES=1 answers the confirmation of clean/purge/restore; SERVICE=<name> narrows logs/restart.

.PHONY: setup build up down health logs restart clean purge backup restore certs traffic lint
setup: ## Phase 0 checks on the Docker host (Docker/Compose, ports, disk); creates .env if missing
	@bash scripts/setup-server-124.sh

build: ## Build the engine, sense-app and gateway images (compose build)
	@$(COMPOSE_RUN) build

up: ## Start the whole stack in the background (compose up -d)
	@$(COMPOSE_RUN) up -d

down: ## Stop and remove the containers; keeps all data
	@bash scripts/cleanup.sh stop

health: ## Check every component and print a table (ONLY=loki,tempo WAIT=120 HOST=...; see ops/health-checks.sh --help)
	@bash ops/health-checks.sh $(if $(ONLY),--only $(ONLY)) $(if $(WAIT),--wait $(WAIT))

logs: ## Follow the logs of all services, or one: make logs SERVICE=correlation-engine
	@$(COMPOSE_RUN) logs -f --tail=100 $(SERVICE)

restart: ## Restart all services, or one: make restart SERVICE=otel-gateway
	@$(COMPOSE_RUN) restart $(SERVICE)

clean: ## DESTRUCTIVE: stop and delete all data volumes (asks first; YES=1 to skip)
	@bash scripts/cleanup.sh data $(if $(YES),--yes)

purge: ## DESTRUCTIVE: clean + delete the stack's images and local build output (asks first; YES=1)
	@bash scripts/cleanup.sh purge $(if $(YES),--yes)

backup: ## Archive the named volumes into backups/<UTC time>/ with SHA256SUMS (STOP=1: stop the stack meanwhile)
	@bash scripts/backup.sh $(if $(STOP),--stop)

restore: ## Restore volumes from BACKUP=backups/<time> (default: latest); asks first (YES=1 to skip)
	@bash scripts/restore.sh $(if $(YES),--yes) $(or $(BACKUP),latest)

certs: ## Generate the mTLS CA, gateway and Alloy certificates into certs/out (never overwrites)
	@bash scripts/certs/generate-certs.sh

traffic: ## Send demo traffic (beorn requests + engine log records), print circuit/trace ids; VERIFY=90 waits for the correlation
	@bash ops/test-traffic.sh $(if $(VERIFY),--verify $(VERIFY))

lint: ## Biome (TypeScript/JSON), ShellCheck (every *.sh) and actionlint (workflows)
	@$(TOOLCHAIN) pnpm lint
	@bash scripts/lib/ensure-shellcheck.sh && git ls-files -z '*.sh' | xargs -0 shellcheck -x
	@bash scripts/lib/ensure-actionlint.sh && .cache/bin/actionlint
