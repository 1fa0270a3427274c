# avscene: two commands do all set-up on a fresh machine (Python 3.11+):
#   make figures   create .venv if missing, install, run every notebook under the cpu profile, print a summary
#   make test      same environment; unit tests + every notebook under the smoke profile (nbval)
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.avscene-installed
PROFILE ?= cpu
PYTEST_ARGS ?=
export MPLBACKEND := Agg
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help install figures test unit nbtest notebooks check-notebooks bench freeze clean colab-links weights

help:
	@sed -n '1,4p' Makefile

$(STAMP): requirements.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

install: $(STAMP)

figures: $(STAMP)
	$(PY) -m avscene.course.pipeline figures --profile $(PROFILE)

# One pytest run: the unit tests, then each output-free notebook executed under `smoke` by nbval.
test: $(STAMP)
	AVSCENE_PROFILE=smoke AVSCENE_BATCH=1 $(PY) -m pytest tests notebooks --nbval-lax --nbval-current-env \
	  --nbval-cell-timeout=900 -p no:cacheprovider $(PYTEST_ARGS)

unit: $(STAMP)
	$(PY) -m pytest tests $(PYTEST_ARGS)

# Write the output-free .ipynb twins (what Colab opens) from the .py sources; check them.
notebooks: $(STAMP)
	$(PY) -m avscene.course.pipeline sync

check-notebooks: $(STAMP)
	$(PY) -m avscene.course.pipeline sync --check

# Pack the finished runs of $(PROFILE) into build/weights/ (archive + manifest.json) for publishing.
weights: $(STAMP)
	$(PY) -m avscene.course.hub pack --profile $(PROFILE) --out build/weights

# e.g. make bench BENCH="io --profile cpu"
bench: $(STAMP)
	$(PY) -m avscene.bench $(BENCH)

freeze: $(STAMP)
	(echo "# Exact pins of the tested environment (Python 3.11, Linux x86-64, CPU). Regenerate: make freeze"; \
	 $(PY) -m pip freeze --exclude-editable | grep -v '^avscene') > requirements.txt

# Point the Colab badges and install lines at a fork: make colab-links REPO=owner/name
colab-links:
	@test -n "$(REPO)" || (echo "usage: make colab-links REPO=owner/name" && false)
	sed -i 's#github/avscene/avscene/#github/$(REPO)/#; s#github.com/avscene/avscene#github.com/$(REPO)#' \
	  notebooks/*.py README.md lib/avscene/course/weights.json
	$(MAKE) notebooks

clean:
	rm -rf build .pytest_cache
