# The two commands a user needs: `make run` and `make test`. Each creates .venv on first use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The lock `make` and the Dockerfile install from: the same versions everywhere.
CONSTRAINTS := constraints.txt

.PHONY: run test lint bench bench-pg-1m mutate install clean lock

$(STAMP): pyproject.toml $(CONSTRAINTS)
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	@$(BIN)/newsbot run

# The real-clock tests (marked slow: about a minute each) run in CI, where .ci/run sets TEST_MARK empty;
# `make test TEST_MARK=` runs them here too.
TEST_MARK ?= not slow
test: $(STAMP)
	@$(BIN)/python -m pytest -q -p no:cacheprovider $(if $(TEST_MARK),-m "$(TEST_MARK)")

lint: $(STAMP)
	$(BIN)/ruff check bot digests tests bench tools
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m bench

# PostgreSQL at a million articles (issue 30): build the store once by COPY (bench.bulk, ~30 min on 2 cores,
# ~25 GB), put it back to the build (a run ingests its tail into it), then run the bench over it.
PG1M_URL ?= postgresql://postgres@127.0.0.1:5432/pg1m_1m
bench-pg-1m: $(STAMP)
	$(BIN)/python -m bench.bulk --articles 1000000 --database-url $(PG1M_URL) --if-missing
	$(BIN)/python -m bench.bulk --reset-tail --database-url $(PG1M_URL)
	$(BIN)/python -m bench --articles 1000000 --reuse --database-url $(PG1M_URL) --json bench-pg-1m.json

# Mutation testing (mutmut) of the modules where a slip hurts users most, each against its own tests; not part
# of `make test`. TARGETS=filters (say) runs one; the scores and surviving mutants land in .mutate/now/.
mutate: $(STAMP)
	$(BIN)/python tools/mutate.py $(TARGETS)

# Re-pin every package to the newest versions pyproject.toml allows (review the diff, then run the tests).
lock:
	rm -rf .lock-venv
	$(PY) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip
	.lock-venv/bin/python -m pip install --quiet '.[dev,container]' 'setuptools>=77' wheel
	{ sed -n '1,2p' $(CONSTRAINTS); .lock-venv/bin/python -m pip freeze --all --exclude-editable \
	  | grep -viE '^(pip|newsbot)( |=|@)'; } > $(CONSTRAINTS).new
	mv $(CONSTRAINTS).new $(CONSTRAINTS)
	rm -rf .lock-venv build

# Removes the virtual environment and build leftovers; data/ (your database) is kept.
clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache .pytest_cache .mutate
