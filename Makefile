# Two commands set everything up on a fresh machine:
#   make demo   - virtual environment + package, then the example feature pipeline
#   make test   - virtual environment + test tools, then ruff, mypy and the whole test suite, then
#                 the suite again on every other leg of the matrix below (whole, or without the
#                 slow tests on FAST_LEGS; one virtual environment per leg, made once), then one
#                 summary line per leg
# While working: `make test-main` is the first part alone; `make test-py313` (any leg) one leg.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RESULTS := build/matrix
PYENV_ROOT ?= $(HOME)/.pyenv
comma := ,

# The matrix: every Python that requires-python admits (>=3.10; 3.10 to 3.13 are what exists
# today) and both pandas majors. The main leg (.venv, $(PYTHON): 3.11 on the project machines)
# runs ruff and mypy too, with the newest releases (pandas 3.x). The oldest leg installs exactly
# the floors that pyproject.toml declares (tests/test_packaging.py keeps FLOORS equal to them).
LEGS := py310-oldest py311-pandas2 py312 py313
FLOORS := pandas==2.0.0 numpy==1.24.0 graphviz==0.20 click==8.1.0 networkx==3.0
PY_py310-oldest := 3.10
PINS_py310-oldest := $(FLOORS)
PY_py311-pandas2 := 3.11
PINS_py311-pandas2 := 'pandas<3'
PY_py312 := 3.12
PY_py313 := 3.13
# Time budget (30 min on 2 cores): the main leg runs the whole suite; the other legs skip the
# tests marked slow (engines, browsers, servers, training, benchmarks, docs pages, command-line
# subprocesses: tests/conftest.py SLOW_PLACES) and say so in the summary; the pandas-2 leg also runs the pandas2 tests (the
# pandas-on-Spark adapter, which does not import with pandas 3).
FAST_LEGS := py310-oldest py311-pandas2 py312 py313
SUBSET = $(if $(filter $(1),$(FAST_LEGS)),-m "not slow$(if $(filter $(1),py311-pandas2), or pandas2)")

# Where an interpreter is missing, `make test` says so in a banner and in the summary; under CI
# (CI=true, as .ci/run is run) or with STRICT=1 a missing interpreter fails the run.
STRICT ?= $(if $(filter true 1,$(CI)),1,0)

# One thing at a time: legs share the checkout (editable installs write dataflow.egg-info) and a
# 2-core machine gains nothing from running two suites at once.
.NOTPARALLEL:

.PHONY: demo test test-main lint bench dot java postgres chromium clean matrix-summary $(addprefix test-,$(LEGS))

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

# Spark (plugins.h_spark, pyspark 4.x) needs a Java 17+ runtime: installed with apt when missing
# (or older) and we are root; otherwise a warning, and the Spark tests say what is missing.
java_major = java -version 2>&1 | sed -nE '1s/.*version "(1\.)?([0-9]+).*/\2/p'
java:
	@if [ "$$($(java_major))" -ge 17 ] 2>/dev/null; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing a Java runtime (17+) for Spark with apt"; \
		apt-get update -qq && for pkg in default-jre-headless openjdk-17-jre-headless openjdk-21-jre-headless; do \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$pkg >/dev/null 2>&1 || continue; \
			[ "$$($(java_major))" -ge 17 ] 2>/dev/null && break; done; \
		[ "$$($(java_major))" -ge 17 ] 2>/dev/null || { echo "error: no Java 17+ runtime could be installed"; exit 1; }; \
	else \
		echo "warning: Spark needs a Java 17+ runtime (apt-get install openjdk-17-jre-headless); the Spark tests cannot run"; \
	fi
# the registry tests' PostgreSQL (127.0.0.1:5432, database test): installed and started when
# missing and root; otherwise a warning, and those tests skip saying why
postgres:
	@bash tests/envelope/ensure_postgres.sh

# the dashboard's browser test drives Debian's headless Chromium with its chromedriver: installed
# with apt when missing and root; otherwise a warning, and that test skips saying why
chromium:
	@if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing headless Chromium and chromedriver with apt"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	else \
		echo "warning: chromium/chromedriver missing (apt-get install chromium chromium-driver); the dashboard browser test skips"; \
	fi

demo: $(VENV)/.installed-run dot
	$(BIN)/python -m examples.demand_forecasting.train

lint: $(VENV)/.installed-test
	$(BIN)/ruff check dataflow plugins tests examples benchmarks
	$(BIN)/mypy

# Every leg runs even when an earlier one fails (-k), so one run shows every failure; the exit
# status is the matrix's.
test:
	@rm -rf $(RESULTS); mkdir -p $(RESULTS)
	@start=$$(date +%s); $(MAKE) --no-print-directory -k test-main $(addprefix test-,$(LEGS)); \
	status=$$?; echo; echo "matrix wall time: $$(( $$(date +%s) - start )) s"; \
	$(MAKE) --no-print-directory matrix-summary; exit $$status

# $(call run_suite,LEG,VENV,STAMP): the whole suite (FAST_LEGS: without slow tests) in VENV, echoed to the terminal and kept in
# $(RESULTS)/LEG.log; $(RESULTS)/LEG.result gets what ran and pytest's closing line. Nothing runs
# when STAMP is absent (a leg whose interpreter is missing, already reported as MISSING).
# Hypothesis runs its "ci" profile (tests/conftest.py: derandomized, no deadline; pytest's header
# prints the profile and the versions); -p no:cacheprovider writes no .pytest_cache.
define run_suite
	@[ -e $(3) ] || exit 0; mkdir -p $(RESULTS); start=$$(date +%s); \
	echo; echo "=== $(1): $(if $(call SUBSET,$(1)),the suite without slow tests,the whole suite) in $(2) ==="; \
	HYPOTHESIS_PROFILE=ci $(2)/bin/python -m pytest -p no:cacheprovider $(call SUBSET,$(1)) 2>&1 | tee $(RESULTS)/$(1).log; \
	status=$${PIPESTATUS[0]}; \
	what=$$($(2)/bin/python -c 'import platform, pandas, numpy; print(f"Python {platform.python_version()}, pandas {pandas.__version__}, numpy {numpy.__version__}")'); \
	closing=$$(grep -E '^=+ .* in [0-9.]+s' $(RESULTS)/$(1).log | tail -1 | sed -E 's/^=+ //; s/ =+$$//'); \
	printf '%-14s %-44s %s%s (exit %s, %s s)\n' "$(1)" "$$what" "$${closing:-no pytest summary}" "$(if $(call SUBSET,$(1)), [not slow])" "$$status" "$$(( $$(date +%s) - start ))" > $(RESULTS)/$(1).result; \
	exit $$status
endef

test-main: $(VENV)/.installed-test dot java postgres chromium lint
	$(call run_suite,main,$(VENV),$(VENV)/.installed-test)

# $(call find_python,3.10): prints the interpreter for that version: $(PYTHON310) when given,
# else the newest pyenv 3.10.x, else python3.10 on PATH. Only one that runs and is that version
# counts (a pyenv shim for a version that is not active is on PATH but does not run).
find_python = for py in $(or $(PYTHON$(subst .,,$(1))),$$(ls -d $(PYENV_ROOT)/versions/$(1).*/bin/python$(1) 2>/dev/null | sort -rV) $$(command -v python$(1))); do \
	if "$$py" -c 'import sys; sys.exit(sys.version_info[:2] != ($(subst .,$(comma),$(1))))' >/dev/null 2>&1; \
	then echo "$$py"; break; fi; done

# A leg's virtual environment, made once and remade when pyproject.toml or this file (the pins)
# change. No interpreter: a banner, a MISSING result, and a failure only under STRICT.
.venv-%/.installed: pyproject.toml Makefile
	@test -n "$(PY_$*)" || { echo "unknown matrix leg '$*' (legs: $(LEGS))"; exit 2; }
	@mkdir -p $(RESULTS); py=$$($(call find_python,$(PY_$*))); \
	if [ -z "$$py" ]; then \
		echo; echo "################################################################"; \
		echo "# MISSING: no Python $(PY_$*) here; leg $* NOT RUN."; \
		echo "# Install it (pyenv install $(PY_$*)) or name it: make test PYTHON$(subst .,,$(PY_$*))=/path/to/python$(PY_$*)"; \
		echo "################################################################"; \
		printf '%-14s MISSING: no Python %s found; the suite did not run on it\n' "$*" "$(PY_$*)" > $(RESULTS)/$*.result; \
		[ "$(STRICT)" = 1 ] && exit 1; exit 0; \
	fi; \
	echo "=== $*: $$py -> .venv-$* $(PINS_$*) ==="; \
	set -e; [ -x .venv-$*/bin/python ] || "$$py" -m venv .venv-$*; \
	.venv-$*/bin/python -m pip install --quiet --upgrade pip; \
	.venv-$*/bin/python -m pip install --quiet -e ".[test]" $(PINS_$*); \
	touch $@

$(addprefix test-,$(LEGS)): test-%: .venv-%/.installed dot java postgres chromium
	$(call run_suite,$*,.venv-$*,.venv-$*/.installed)

# One line per leg, then the tests of all legs added up (pytest's errors count as failed).
matrix-summary:
	@echo "=== test matrix: one line per leg ==="
	@for leg in main $(LEGS); do \
		if [ -f $(RESULTS)/$$leg.result ]; then cat $(RESULTS)/$$leg.result; \
		else printf '%-14s NOT RUN: its install or an earlier step failed (see above)\n' $$leg; fi; \
	done
	@cat $(RESULTS)/*.result 2>/dev/null | awk '{ for (i = 2; i <= NF; i++) { \
		if ($$i ~ /^passed/) p += $$(i-1); if ($$i ~ /^(failed|errors?)/) f += $$(i-1) } } \
		END { printf "matrix: %d passed, %d failed\n", p, f }'

clean:
	rm -rf $(VENV) $(addprefix .venv-,$(LEGS)) build *.egg-info
