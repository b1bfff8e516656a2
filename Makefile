# The two commands a user needs: `make run` and `make test`. Each creates .venv on first use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench mutate install clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	@$(BIN)/newsbot run

test: $(STAMP)
	@$(BIN)/python -m pytest -q -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check bot digests tests bench tools
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m bench

# Mutation testing (mutmut) of the modules where a slip hurts users most, each against its own tests; not part
# of `make test`. TARGETS=filters (say) runs one; the scores and surviving mutants land in .mutate/now/.
mutate: $(STAMP)
	$(BIN)/python tools/mutate.py $(TARGETS)

clean:
	rm -rf $(VENV) data/newsbot.db* .mutate
