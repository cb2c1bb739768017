# Set up the virtual environment and run the platform on the embedded default (no credentials needed).
VENV := .venv
export ISCO_DATA_DIR ?= $(CURDIR)/data
export DAGSTER_HOME ?= $(ISCO_DATA_DIR)/dagster_home

.PHONY: setup demo test dev lint

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	# torch first: this pin takes the CPU build that lies on this machine's disk
	$(VENV)/bin/pip install --quiet torch==2.13.0
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $@

setup: $(VENV)/.installed
	mkdir -p $(DAGSTER_HOME)
	[ -f $(DAGSTER_HOME)/dagster.yaml ] || cp dagster.yaml $(DAGSTER_HOME)/dagster.yaml

demo: setup
	$(VENV)/bin/isco-demo

test: setup
	$(VENV)/bin/pytest -q

dev: setup
	$(VENV)/bin/dagster dev -w workspace.yaml -h 127.0.0.1

lint: setup
	$(VENV)/bin/ruff check isco_assets tests bench
