# One-line entry points; each installs what it needs into .venv first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint format crawl bench clean

demo: $(VENV)/.runtime  ## serve the replica, crawl it, say where the records went
	$(BIN)/python -m newsbot.demo

# The suite runs `python -m benchmarks --quick` as a smoke test (tests/test_benchmarks.py): it
# needs the benchmarks' requirements too.
test: $(VENV)/.dev $(VENV)/.bench  ## the whole test suite (exit status 5, "no tests ran", is a failure too)
	@$(BIN)/python -m pytest; status=$$?; \
	if [ $$status -eq 5 ]; then echo "make test: pytest collected no tests" >&2; fi; exit $$status

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(VENV)/.bench  ## every benchmark, one table of ratios (BENCHMARKS.md); ARGS=--quick: smoke test
	$(BIN)/python -m benchmarks $(ARGS)

crawl: $(VENV)/.runtime  ## the live site, polite defaults
	$(BIN)/scrapy crawl devdiscourse

$(VENV)/.runtime: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

$(VENV)/.bench: benchmarks/requirements.txt $(VENV)/.runtime
	$(BIN)/python -m pip install --quiet -r benchmarks/requirements.txt
	touch $@

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
