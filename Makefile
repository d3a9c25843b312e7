# The portal's entry points. Every target installs what it needs first (Debian packages via apt-get).
SHELL := /bin/bash
SWIFT ?= swift
PYTHON ?= .venv/bin/python
PORT ?= 8080
DATA_DIR ?= ./tenants

.PHONY: deps build build-tests demo test test-swift test-browser test-attacks test-cluster bench-cluster security-scan screens lint bench format clean measure-replication

deps:
	@bash scripts/install-deps.sh
	@bash scripts/install-venv.sh

build: deps
	$(SWIFT) build

build-tests: deps
	$(SWIFT) build --build-tests

## make demo: build, create the demo tenants if missing, serve them and print their URLs.
demo: build
	.build/debug/portal demo --port $(PORT) --data-dir $(DATA_DIR) --assets-dir assets

## make test: the formatting check, every Swift Testing suite (the backup-remote and product-API suites, which
## spawn many processes or hold one long POST, in a second run of their own), the real-browser check, the metrics scrape, the
## scripted attacks, then the cluster check (PostgreSQL, HAProxy and two nodes).
test: lint build-tests
	$(SWIFT) test --skip-build --skip 'BackupRemoteTests|ProductAPITests'
	$(SWIFT) test --skip-build --filter 'BackupRemoteTests|ProductAPITests'
	$(PYTHON) scripts/browser-test.py
	$(PYTHON) scripts/metrics-check.py
	$(PYTHON) scripts/attack-test.py
	$(PYTHON) scripts/cluster-test.py

## make test-cluster: two nodes behind HAProxy on a throwaway PostgreSQL: routing, a move under load, a recovery.
test-cluster: build-tests
	$(PYTHON) scripts/cluster-test.py

test-attacks: build-tests
	$(PYTHON) scripts/attack-test.py

## make security-scan: Wapiti against the demo's storefront and customer area; fails on anything above "low".
security-scan: build
	@bash scripts/install-venv.sh --scan
	$(PYTHON) scripts/security-scan.py

test-swift: build-tests
	$(SWIFT) test --skip-build --skip 'BackupRemoteTests|ProductAPITests'
	$(SWIFT) test --skip-build --filter 'BackupRemoteTests|ProductAPITests'

test-browser: build-tests
	$(PYTHON) scripts/browser-test.py

## make screens: the browser check, then the README's screenshots (docs/screens) from the pages it photographed.
screens: build-tests
	VISUAL_ONLY=1 $(PYTHON) scripts/browser-test.py
	bash scripts/copy-screens.sh

## make measure-replication: what Litestream and rclone cost at 10,000 tenant databases (the README's choice).
measure-replication: deps
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -r scripts/requirements-measure.txt
	$(PYTHON) scripts/measure-replication.py

## make bench: release build, 10,000 tenants, wrk against the plaintext baseline and the storefront.
bench: deps
	$(SWIFT) build -c release
	bash scripts/bench/run.sh

## make bench-cluster: two release nodes behind HAProxy on a throwaway PostgreSQL: throughput with one and two nodes,
## a move's unavailability, a node's recovery (README "Running several nodes").
bench-cluster: deps
	$(SWIFT) build -c release
	$(PYTHON) scripts/bench/cluster.py

format:
	$(SWIFT) format --in-place --recursive --configuration .swift-format Sources Tests Package.swift

## make lint: the house style (120 columns, ordered imports, trailing commas …); `make format` fixes what it finds.
lint:
	$(SWIFT) format lint --strict --recursive --configuration .swift-format Sources Tests Package.swift

clean:
	rm -rf .build
