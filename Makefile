# The two commands a new machine needs: `make run` and `make test`.
# Both create the virtualenv and install what they need themselves.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint install constraints clean

# Every dependency at the version constraints.txt pins (the whole tree).
$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -c constraints.txt pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

## After changing a pin in pyproject.toml: install the pins, then write constraints.txt
constraints:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -e ".[dev]"
	$(PY) scripts/constraints.py
	touch $(STAMP)

## Serve the portal with demo data at http://127.0.0.1:8000 (SQLite, in-process tasks)
run: $(STAMP)
	bash scripts/run.sh

## Run the whole test suite (pass pytest options with ARGS="-k money")
test: $(STAMP)
	bash scripts/test.sh $(ARGS)

## ruff, the formatter check, mypy and the migration check
lint: $(STAMP)
	bash scripts/lint.sh

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
