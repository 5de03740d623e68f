# litsift: `make help` lists the targets.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TSTAMP := $(VENV)/.installed-test

.DEFAULT_GOAL := help
.PHONY: help install review test lint bench soak docs clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -e .
	touch $@

$(TSTAMP): $(STAMP)
	@# the spark extra: the snapshot tests run Spark in local mode (they skip without Java)
	$(BIN)/pip install -q -e '.[test,spark]'
	touch $@

install: $(STAMP) ## create .venv and install litsift into it

review: $(STAMP) ## regenerate the flagship review offline into build/
	$(BIN)/litsift run

test: $(TSTAMP) ## install test tools and run the whole test suite
	@# Mermaid (pinned, checksum-verified) for the browser test of the Mermaid diagram
	$(BIN)/python tools/fetch_mermaid.py --optional
	$(BIN)/python -m pytest

lint: $(TSTAMP) ## ruff check and format check
	$(BIN)/ruff check src tests tools bench
	$(BIN)/ruff format --check src tests tools bench

bench: $(STAMP) ## run benchmarks, results in build/bench/
	@# DuckDB's FTS extension, measured against the snapshot token index (bench/snapshot.py)
	$(BIN)/pip install -q -e '.[bench]'
	PYTHON=$(BIN)/python bash bench/run_all.sh build/bench

SOAK_ARGS ?= --records 50000 --seconds 180
soak: $(STAMP) ## concurrent commands on a 50,000-record review while processes are killed
	$(BIN)/python tests/soak/soak.py $(SOAK_ARGS)

docs: review ## refresh the README's images (docs/) from the flagship review
	mkdir -p docs
	cp build/report/prisma.svg docs/flagship-prisma.svg

clean: ## remove build/ (derived files only)
	rm -rf build
