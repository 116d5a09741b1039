# The README's two commands: `make demo` and `make test`. Each builds .venv itself
# and reinstalls when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FTM := $(VENV)/ftm

.PHONY: demo demo-server test lint typecheck unit tools bench reliability clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

$(VENV)/.bench-installed: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[test,bench]"
	touch $@

demo: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" bash scripts/demo.sh

# A shared dossier on a throwaway PostgreSQL server (installed as for the tests).
demo-server: $(STAMP) tools
	PATH="$(CURDIR)/$(BIN):$$PATH" bash scripts/demo-server.sh

test: lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check src tests scripts benchmarks
	$(BIN)/ruff format --check src tests scripts benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy --strict src/

# worksteal: a worker that runs out of tests takes some of the other's, so that the
# long PDF and server tests near the end do not leave one core idle (189 s -> 166 s).
unit: $(STAMP) tools $(FTM)/.installed
	$(BIN)/pytest -n 2 --dist worksteal

# followthemoney, to check the FtM export (tests/ftm_check.py), in an environment of
# its own: it brings pydantic and ICU bindings that dossier never loads. Where it cannot
# be installed, the test that needs it skips and says why.
$(FTM)/.installed: $(STAMP)
	@{ test -x $(FTM)/bin/python || $(PYTHON) -m venv $(FTM); } \
	  && $(FTM)/bin/python -m pip install --quiet "followthemoney>=3.5" && touch $@ \
	  || echo "Could not install followthemoney; the FtM validation test will be skipped."

# Tools some tests drive: Chromium prints the HTML report, tmux is the terminal the
# pager test runs in (with less), PostgreSQL is the throwaway server of the server tests,
# and the report's first font (Liberation Serif, which Chromium brings too), whose widths
# the PDF layout tests measure. Debian's packages are installed when we can (root
# with apt-get); otherwise those tests skip and say why.
tools:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v tmux >/dev/null 2>&1 || missing="$$missing tmux"; \
	command -v less >/dev/null 2>&1 || missing="$$missing less"; \
	fc-list 2>/dev/null | grep -q LiberationSerif || missing="$$missing fonts-liberation"; \
	{ command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; } \
	  || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian packages for the tests:$$missing"; \
	    apt-get update -qq >/dev/null 2>&1; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null 2>&1 \
	      || echo "Could not install$$missing; the tests that need them will be skipped."; \
	  else echo "Not installed:$$missing; the tests that need them will be skipped."; fi; \
	fi

reliability: $(STAMP)
	$(BIN)/python -m tests.reliability

bench: $(VENV)/.bench-installed
	$(BIN)/python benchmarks/bench.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
