# Two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATA ?= data

.PHONY: run test index install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

index: install
	$(BIN)/talkseek index --data $(DATA)

run: index
	$(BIN)/talkseek search --data $(DATA) "EventBridge pipes"

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) $(DATA)/index
