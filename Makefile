# Gatehouse: `make run` and `make test` do all set-up on a fresh Debian machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := libxml2-dev libxmlsec1-dev libxmlsec1-openssl libssl-dev libnghttp2-dev libsqlite3-dev zlib1g-dev openssl pkg-config \
	python3-venv python3-pip curl nginx wrk chromium chromium-driver postgresql postgresql-client \
	docker-compose golang-go nodejs
VENV := .venv
CONFIG ?= examples/gatehouse.dev.yaml
SECONDS ?= 600

.PHONY: help deps venv build build-release run test bench fuzz-saml fixtures fmt fmt-check clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

deps: ## Install the Debian packages that are missing (apt-get)
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi
	@command -v swift >/dev/null || { echo "swift is not on PATH (Swift 6.1 or later is needed)"; exit 1; }

venv: deps ## Python test tools, installed with pip into .venv (ignored by git)
	@[ -x $(VENV)/bin/python ] || python3 -m venv $(VENV)
	@$(VENV)/bin/pip install -q --disable-pip-version-check -r tests/python/requirements.txt

build: deps ## Debug build of everything, tests included
	swift build --build-tests

build-release: deps ## Release build of the gatehouse binary, the demo upstream and the SAML benchmark
	swift build -c release --product gatehouse
	swift build -c release --product demo-upstream
	swift build -c release --product saml-benchmark

run: build-release ## Demo upstream, dev IdP and Gatehouse in front (http://127.0.0.1:8080); sign in as anyone@dev.example
	@mkdir -p var
	@.build/release/demo-upstream 3000 127.0.0.1 & upstream=$$!; \
	.build/release/gatehouse dev-idp --listen 127.0.0.1:8081 --gatehouse http://127.0.0.1:8080 --tenant dev & idp=$$!; \
	trap "kill $$upstream $$idp 2>/dev/null" EXIT INT TERM; \
	for i in $$(seq 100); do curl -sf -o /dev/null http://127.0.0.1:8081/metadata && break; sleep 0.1; done; \
	echo "demo upstream http://127.0.0.1:3000, dev IdP http://127.0.0.1:8081, Gatehouse http://127.0.0.1:8080 (admin :9090)"; \
	echo "open http://127.0.0.1:8080/, sign in as anyone@dev.example and pick a role on the dev IdP page"; \
	.build/release/gatehouse serve --config $(CONFIG)

# One recipe, so that the throwaway PostgreSQL cluster (scripts/postgres-cluster.sh, in a temporary
# folder under /tmp, which the postgres user can reach) is stopped and removed at the end, also when
# a test fails or the run is interrupted. Every step sees GATEHOUSE_TEST_POSTGRES (the cluster's
# admin URL; the store-conformance suite and the Python store tests make their own databases).
test: venv build fmt-check ## Build once (debug), check formatting, run every test (Swift on SQLite and PostgreSQL, the real-browser sign-in, scim2-tester, the store and replica tests, the deployment checks)
	@set -euo pipefail; \
	cluster=$$(mktemp -d /tmp/gatehouse-test-postgres.XXXXXX); \
	trap 'scripts/postgres-cluster.sh stop "$$cluster" || true; rm -rf "$$cluster"' EXIT; \
	trap 'exit 130' INT TERM; \
	admin=$$(scripts/postgres-cluster.sh start "$$cluster"); \
	export GATEHOUSE_TEST_POSTGRES=$$admin; \
	echo "PostgreSQL for the tests: $$GATEHOUSE_TEST_POSTGRES"; \
	echo "== swift test (the store suites on SQLite and PostgreSQL, the server suite on SQLite)"; \
	swift test --skip-build; \
	server_db=$$(scripts/postgres-cluster.sh createdb "$$cluster"); \
	echo "== the server suite on PostgreSQL ($$server_db; the proxy timing suites, which never touch the store, ran on SQLite; one test at a time: two cores shared with the database)"; \
	GATEHOUSE_TEST_STORE=$$server_db swift test --skip-build --no-parallel --filter GatehouseServerTests \
		--skip 'FrontTimeoutTests|SlowUploadTests|SlowlorisTests|StreamingTests|ClosingResponseTests'; \
	echo "== the real-browser sign-in"; \
	SE_OFFLINE=true $(VENV)/bin/python tests/browser/sign_in_browser_test.py; \
	echo "== scim2-tester"; \
	$(VENV)/bin/python tests/scim/scim2_tester_conformance.py; \
	echo "== store and replica tests"; \
	PYTHON=$(VENV)/bin/python tests/run_store_tests.sh; \
	echo "== deployment: chart, image, compose, examples, sample configs, guides"; \
	PYTHON=$(VENV)/bin/python tests/run_deployment_tests.sh

bench: build-release ## Proxy vs nginx, ACS validation vs OpenSSL RSA verify (each in the same run), SCIM create rate and lookup latency; PostgreSQL next to SQLite, revocation across two replicas
	bench/proxy-bench.sh
	bench/saml-bench.sh
	bench/scim-bench.sh
	bench/postgres-bench.sh

fuzz-saml: deps ## libFuzzer over response validation, metadata and the Redirect binding for $(SECONDS) s; crashers go to fuzz/crashers
	swift build --scratch-path .build-fuzz --product SAMLFuzzer -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -DFUZZING -Xswiftc -use-ld=lld
	@mkdir -p var/fuzz/corpus fuzz/crashers
	@cp Tests/GatehouseSAMLTests/Fixtures/*.xml Tests/GatehouseSAMLTests/Fixtures/*.txt var/fuzz/corpus/
	ASAN_OPTIONS=detect_leaks=0 .build-fuzz/debug/SAMLFuzzer var/fuzz/corpus -max_total_time=$(SECONDS) -max_len=65536 -timeout=10 \
		-rss_limit_mb=4096 -artifact_prefix=fuzz/crashers/ -print_final_stats=1

fixtures: venv ## Re-sign and re-encrypt the SAML fixtures with signxml and cryptography (output committed)
	$(VENV)/bin/python Tests/GatehouseSAMLTests/Fixtures/generate.py

fmt: ## Format the sources in place (swift-format, .swift-format)
	swift format --in-place --recursive --parallel Sources Tests examples bench fuzz Package.swift

fmt-check: ## Report formatting problems without changing files
	swift format lint --strict --recursive --parallel Sources Tests examples bench fuzz Package.swift

clean: ## Remove build products, the venv and local databases
	rm -rf .build .build-* $(VENV) var
