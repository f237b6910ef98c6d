# Two commands set everything up on a fresh machine:
#   make demo   - virtual environment + package, then the example feature pipeline
#   make test   - virtual environment + test tools, then ruff, mypy and the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench dot clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed-run

dot:
	@if command -v dot >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing the graphviz 'dot' program with apt"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null; \
	else \
		echo "warning: the graphviz 'dot' program is missing; install it (apt-get install graphviz) for lineage pictures"; \
	fi

demo: $(VENV)/.installed-run dot
	$(BIN)/python -m examples.demand_forecasting.train

lint: $(VENV)/.installed-test
	$(BIN)/ruff check dataflow plugins tests examples benchmarks
	$(BIN)/mypy

test: $(VENV)/.installed-test dot lint
	HYPOTHESIS_PROFILE=ci $(BIN)/python -m pytest -q -p no:cacheprovider

clean:
	rm -rf $(VENV) build *.egg-info
