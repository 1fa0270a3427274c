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

.PHONY: help install figures test unit nbtest notebooks check-notebooks bench freeze clean colab-links weights seeds readme

help:
	@sed -n '1,4p' Makefile

$(STAMP): requirements.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

install: $(STAMP)

# Then README.md's table of notebooks takes the new run times (make readme), whatever the run's status.
figures: $(STAMP)
	$(PY) -m avscene.course.pipeline figures --profile $(PROFILE); status=$$?; \
	  $(PY) -m avscene.course.readme; exit $$status

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

# README.md's table of notebooks (links, planned ones, minutes read from figures/*/metrics.json)
readme: $(STAMP)
	$(PY) -m avscene.course.readme

# Pack the finished runs of $(PROFILE) into build/weights/ (archive + manifest.json) for publishing.
weights: $(STAMP)
	$(PY) -m avscene.course.hub pack --profile $(PROFILE) --out build/weights

# The headline numbers of notebooks 03-04 and 09 over seeds, each trained from scratch (runs seed<k>/...):
# figures/seeds/$(PROFILE).json and $(PROFILE)_sync.json, read by the notebooks and the README. Under cpu:
# about 25 min a seed, and 4 min a seed for the sync offsets.
SEEDS ?= 0 1 2
seeds: $(STAMP)
	$(PY) -m avscene.seeds --profile $(PROFILE) --seeds $(SEEDS)
	$(PY) -m avscene.shift sync --profile $(PROFILE) --seeds $(SEEDS)

# e.g. make bench BENCH="io --profile cpu"
bench: $(STAMP)
	$(PY) -m avscene.bench $(BENCH)

# Pin the current environment; Linux-only CUDA wheels get `; sys_platform == "linux"` (avscene.course.pins).
freeze: $(STAMP)
	(echo "# Exact pins of the tested environment (Python 3.11, Linux x86-64, CPU). Regenerate: make freeze"; \
	 echo "# Linux-only CUDA wheels (nvidia-*, triton, cuda-*) carry a sys_platform marker: macOS skips them."; \
	 $(PY) -m pip freeze --exclude-editable | grep -v '^avscene' | $(PY) -m avscene.course.pins) > requirements.tmp
	mv requirements.tmp requirements.txt

# Point the Colab badges and install lines (AVSCENE_REPO in every setup cell) at a fork, optionally at another
# branch or tag (the badges' blob/<ref>/ and AVSCENE_REF): make colab-links REPO=owner/name [REF=branch]
colab-links:
	@test -n "$(REPO)" || (echo "usage: make colab-links REPO=owner/name [REF=branch-or-tag]" && false)
	sed -i 's#github/avscene/avscene/#github/$(REPO)/#; s#github.com/avscene/avscene#github.com/$(REPO)#' \
	  notebooks/*.py README.md lib/avscene/course/weights.json
	@if test -n "$(REF)"; then \
	  sed -i 's#\(colab.research.google.com/github/[^/]*/[^/]*/blob/\)[^/]*/#\1$(REF)/#g; s#\(AVSCENE_REF", "\)[^"]*"#\1$(REF)"#' \
	    notebooks/*.py README.md; fi
	$(MAKE) notebooks

clean:
	rm -rf build .pytest_cache
