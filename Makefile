# observability-poc — one entry point for developers and operators.
# `make help` lists the targets. Docker targets run on the Docker host (Server-124);
# `demo`, `test` and `e2e` need only Node (installed on demand).
SHELL := /usr/bin/env bash
.DEFAULT_GOAL := help
COMPOSE ?= docker compose
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

.PHONY: demo demo-once
demo: ## Start engine + beorn/palantir/arda locally, send traffic, print correlations; Ctrl-C stops (DEMO_EXIT=1: exit when done)
	@$(TOOLCHAIN) node scripts/demo.mjs

demo-once: ## Like demo, but stop everything and exit when the correlations are printed
	@$(TOOLCHAIN) DEMO_EXIT=1 node scripts/demo.mjs
