# Set-up, demo and tests. The README's Quick start runs `make demo` and `make test`;
# .ci/run runs `make test` on a clean checkout, so everything a run needs is installed here.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup demo test services

# The stamp is rebuilt whenever pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

setup: $(VENV)/.installed

demo: setup
	$(BIN)/schema-auditor demo

services:
	bash tests/services.sh

test: setup services
	$(BIN)/python -m pytest
