# Set up the virtual environment and run the platform on the embedded default (no credentials needed).
VENV := .venv
export ISCO_DATA_DIR ?= $(CURDIR)/data
export DAGSTER_HOME ?= $(ISCO_DATA_DIR)/dagster_home

AZURITE := .azurite/node_modules/.bin/azurite-blob

.PHONY: setup demo test dev lint azurite

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	# torch first: this pin takes the CPU build that lies on this machine's disk
	$(VENV)/bin/pip install --quiet torch==2.13.0
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $@

# Azurite, the Azure Blob Storage emulator the tests start on 127.0.0.1 (npm, into the project's .azurite/)
$(AZURITE):
	npm install --silent --no-audit --no-fund --prefix .azurite azurite@3.35.0

azurite: $(AZURITE)

setup: $(VENV)/.installed
	mkdir -p $(DAGSTER_HOME)
	[ -f $(DAGSTER_HOME)/dagster.yaml ] || cp dagster.yaml $(DAGSTER_HOME)/dagster.yaml

demo: setup
	$(VENV)/bin/isco-demo

test: setup $(AZURITE)
	$(VENV)/bin/pytest -q

dev: setup
	$(VENV)/bin/dagster dev -w workspace.yaml -h 127.0.0.1

lint: setup
	$(VENV)/bin/ruff check isco_assets tests bench scrapers deploy
