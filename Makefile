# Two commands set everything up: `make run` (the app) and `make test` (lint + every test).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8501
DATA ?= ../shared/data

.PHONY: install run test lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/calmtone ui --port $(PORT) --browser

lint: $(STAMP)
	$(BIN)/ruff check prosody ui tests benchmarks

test: lint
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python benchmarks/accuracy.py --data $(DATA)
	$(BIN)/python benchmarks/speed.py
	$(BIN)/python benchmarks/library_swaps.py
	$(BIN)/python benchmarks/live.py
	$(BIN)/python benchmarks/calm_validation.py --data $(DATA)
	$(BIN)/python benchmarks/history_scale.py
	$(BIN)/python benchmarks/ui_latency.py
	$(BIN)/python benchmarks/live_browser.py
	$(BIN)/python benchmarks/clinic_scale.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
