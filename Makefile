# Recurrent Networks, Verified: `make book` builds the website, `make test` runs every check.
# Both first make .venv hold exactly the lock for this Python version (locks/py3XX.txt).
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

# `make test PYTHON=python3.12` builds and tests in .venv-python3.12, beside the default .venv.
PYTHON ?= python3
VENV ?= $(if $(filter command line environment,$(origin PYTHON)),.venv-$(notdir $(PYTHON)),.venv)
BIN := $(VENV)/bin
PY_VERSION := $(shell $(PYTHON) -c 'import sys; print("%d%d" % sys.version_info[:2])' 2>/dev/null)
LOCK := locks/py$(PY_VERSION).txt
INSTALLED := $(VENV)/.installed
SHARED_DATA ?= ../shared/data
UV_VERSION = $(shell sed -n 's/^uv==//p' $(LOCK))
# `make lock` resolves for the machines the book is tested on; see the README.
LOCK_PLATFORM ?= x86_64-manylinux_2_28
LOCK_PYTHONS ?= 3.11 3.12 3.13

# TensorFlow reads these once, at import: set here they reach every kernel we start.
export TF_CPP_MIN_LOG_LEVEL := 3
export TF_ENABLE_ONEDNN_OPTS := 0
export KERAS_BACKEND := tensorflow
export PYTHONHASHSEED := 0
# This checkout's library first, even where .venv's editable install points at another
# checkout (a git worktree sharing the venv).
export PYTHONPATH := $(CURDIR)/lib$(if $(PYTHONPATH),:$(PYTHONPATH))
# Keras' dataset cache lives in the project (git-ignored); see `keras-cache` below.
export KERAS_HOME := $(CURDIR)/.cache/keras

.PHONY: help book test unit nbval portability build-check site takeaway notebooks lab lint clean \
  keras-cache bench bench-unreported

help:
	@echo "make book       build the website into _build/html"
	@echo "make test       unit tests, nbval over chapters/, warnings-as-errors build, browser tests,"
	@echo "                and a chapter run alone from the book's archive (make takeaway)"
	@echo "make notebooks  re-execute every chapter in place in a fresh kernel"
	@echo "make lab        open JupyterLab on chapters/"
	@echo "make bench      time the NumPy reference beside Keras (writes data/benchmark.json)"
	@echo "make bench-unreported  the same with free page reporting off (root; data/benchmark_unreported.json)"
	@echo "make test-backends  unit tests and every notebook's verdicts on Keras' JAX and PyTorch backends"

# uv (pinned in the lock) makes the environment equal the lock, package for package: it
# installs what is missing, changes what differs and removes what the lock does not name.
$(INSTALLED): $(LOCK) pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip sync --quiet --python $(BIN)/python $(LOCK)
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps --no-build-isolation -e .
	@touch $@

$(LOCK):
	@if [ -z "$(PY_VERSION)" ]; then echo "Cannot run $(PYTHON) (set PYTHON to a Python 3.11-3.13" \
	  "interpreter, by name or path)."; else echo "No lock for Python $(PY_VERSION) ($(PYTHON)):" \
	  "the book supports the versions in locks/ (see the README)."; fi; exit 1

# The drift check, for maintainers (not part of `make test`): the newest releases of the
# direct dependencies in .venv-latest, which versions changed, then the unit tests and nbval.
.PHONY: test-latest
test-latest: $(INSTALLED) keras-cache
	$(BIN)/python tools/test_latest.py .venv-latest

# Re-resolve requirements.txt into one lock per supported Python version, and
# requirements-backends.txt into the backends lock (Python 3.11).
.PHONY: lock
lock: $(INSTALLED)
	for version in $(LOCK_PYTHONS); do \
	  $(BIN)/uv pip compile --quiet requirements.txt --python-version $$version \
	    --python-platform $(LOCK_PLATFORM) -o locks/py$${version/./}.txt; done
	$(BIN)/uv pip compile --quiet requirements-backends.txt --python-version 3.11 \
	  --python-platform $(LOCK_PLATFORM) $(TORCH_SOURCE) --custom-compile-command "make lock" \
	  -o $(BACKENDS_LOCK)

# Readers with internet get Reuters through keras.datasets as usual; offline runs and CI
# seed the cache from the shared copies, which are never committed here.
keras-cache:
	@mkdir -p $(KERAS_HOME)/datasets
	@if [ -d "$(SHARED_DATA)" ]; then \
	  cp -u $(SHARED_DATA)/reuters.npz $(SHARED_DATA)/reuters_word_index.json $(KERAS_HOME)/datasets/; \
	elif [ ! -f $(KERAS_HOME)/datasets/reuters.npz ]; then \
	  echo "Note: no offline copy of Reuters in $(SHARED_DATA) (set SHARED_DATA=folder holding" \
	    "reuters.npz and reuters_word_index.json); keras.datasets.reuters will download it."; fi

book: $(INSTALLED)
	$(BIN)/jupyter-book build . --builder html
	@echo "Open $(CURDIR)/_build/html/index.html"

test: $(INSTALLED) keras-cache lint unit nbval portability site takeaway

lint: $(INSTALLED)
	$(BIN)/ruff check lib tests tools

unit: $(INSTALLED)
	$(BIN)/python -m pytest tests --ignore=tests/site --ignore=tests/takeaway -q --durations=5

# Every notebook is checked against its stored outputs; tools/nbval_timing.py prints each
# notebook's time and fails the run past the budgets.
NOTEBOOK_DIRS := chapters $(wildcard appendices)
NBVAL := PYTHONPATH=tools:$$PYTHONPATH $(BIN)/python -m pytest --nbval --nbval-current-env \
  $(or $(NB),$(NOTEBOOK_DIRS)) -q -p nbval_timing -p no:cacheprovider
nbval: $(INSTALLED) keras-cache
	$(NBVAL)

# The same nbval run under another numeric environment (another CPU's SIMD and BLAS kernels,
# one thread, TensorFlow's oneDNN kernels on an older instruction set; tools/portable_env.py
# says what and why): a stored output that depends on the machine fails here.
portability: $(INSTALLED) keras-cache
	$(BIN)/python tools/portable_env.py -- env $(NBVAL)

CHECK_BUILD := $(CURDIR)/.cache/check-build
build-check: $(INSTALLED)
	rm -rf $(CHECK_BUILD)
	SECONDS=0; \
	$(BIN)/jupyter-book build . -W -n --keep-going --path-output $(CHECK_BUILD); \
	echo $$SECONDS > $(CHECK_BUILD)/build-seconds; \
	times > $(CHECK_BUILD)/build-cpu-times  # the shell's, then its children's

# Serves the checked build on localhost and drives it in Debian's Chromium through
# Playwright (in the lock). `make chromium` installs Chromium where it is missing (as root,
# with apt-get); elsewhere it stops and says what to install.
site: build-check chromium
	$(BIN)/python -m pytest tests/site -q -rs --durations=5 --site $(CHECK_BUILD)/_build/html

.PHONY: chromium
chromium:
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "The browser tests need Chromium: apt-get install chromium (as root)," \
	    "or your system's chromium package."; exit 1; fi; }

# A chapter taken away: run alone in a fresh environment holding only a hosted notebook
# service's packages (installed offline from uv's cache), its setup cell installing the
# library from the book's archive (tests/takeaway says how). About two minutes.
takeaway: $(INSTALLED)
	$(BIN)/python -m pytest tests/takeaway -q -rs

# `make notebooks NB=chapters/01_x.ipynb` re-executes one chapter only.
NB ?=
notebooks: $(INSTALLED) keras-cache
	$(BIN)/python tools/execute_notebooks.py $(or $(NB),$(wildcard chapters/*.ipynb appendices/*.ipynb))

lab: $(INSTALLED) keras-cache
	$(BIN)/jupyter lab chapters/

# Times the reference beside Keras, as the machine is and with one core kept busy, then the
# split of one thread's loop and the scaling series (see tools/benchmark.py); writes
# data/benchmark.json, which appendices/performance.ipynb renders (re-execute it after).
# Within 10 minutes on a quiet 2-core machine (the tool shortens its last parts if late).
bench: $(INSTALLED)
	$(BIN)/python tools/benchmark.py

# The same run with the kernel's free page reporting turned off (and set back after): needs
# root and a kernel that accepts it (the tool says so otherwise); writes
# data/benchmark_unreported.json, which the performance appendix compares with the first.
bench-unreported: $(INSTALLED)
	$(BIN)/python tools/benchmark.py --page-reporting off --out data/benchmark_unreported.json

clean:
	rm -rf _build .cache

# The chapter "Why vanilla RNNs forget" shows this run's results (about 15 min on 2 cores).
.PHONY: adding-problem
adding-problem: $(INSTALLED)
	$(BIN)/python tools/adding_problem.py

# The seed articles' experiments (its wall time is stored in the file); writes
# data/articles_experiments.json, which chapters/07_articles_experiments.ipynb shows.
# `make experiments QUICK=1` runs the tiny smoke-test budget into OUT (default: a new
# temporary folder), never into data/.
.PHONY: experiments
experiments: $(INSTALLED) keras-cache
	$(BIN)/python tools/articles_experiments.py $(if $(QUICK),--quick --out \
	  $(or $(OUT),$$(mktemp -d)/articles_experiments.json))

# Seed 001's GRU-vs-LSTM claim on language modelling (at most 30 minutes on 2 idle cores);
# writes data/language_model.json, which chapters/08_language_model.ipynb shows.
# `make language-model QUICK=1` runs a tiny budget into a temporary folder (or OUT=path).
.PHONY: language-model
language-model: $(INSTALLED) keras-cache
	$(if $(QUICK),out=$(or $(OUT),$$(mktemp -d)/language_model.json); \
	  $(BIN)/python tools/language_model.py --quick --out "$$out",$(BIN)/python tools/language_model.py)

# ---- the other Keras backends: JAX and PyTorch (not part of `make test`) -----------------
# `make test-backends` installs .venv-backends (the main lock plus torch's CPU build, jax and
# jaxlib: locks/backends-py311.txt), then runs the unit tests with KERAS_BACKEND=jax and
# =torch and executes every notebook under each backend in a temporary copy, comparing its
# verdict lines with the stored ones (tools/backend_verdicts.py). What may differ by backend,
# and why, is listed in one place: tools/backend_differences.toml.
BACKENDS := jax torch
BACKENDS_PYTHON ?= python3.11
BACKENDS_VENV := .venv-backends
BACKENDS_BIN := $(BACKENDS_VENV)/bin
BACKENDS_LOCK := locks/backends-py311.txt
BACKENDS_INSTALLED := $(BACKENDS_VENV)/.installed
# uv finds torch's +cpu wheel in a local folder of wheels where one holds it (as on the
# project's machines), else on PyTorch's CPU wheel index (PyPI's torch is the CUDA build).
TORCH_WHEELS ?= /opt/wheels
TORCH_CPU_INDEX ?= https://download.pytorch.org/whl/cpu
TORCH_SOURCE ?= $(if $(wildcard $(TORCH_WHEELS)/torch-2.13.0+cpu-*.whl),--find-links \
  $(TORCH_WHEELS),--extra-index-url $(TORCH_CPU_INDEX) --index-strategy unsafe-best-match)

$(BACKENDS_INSTALLED): $(BACKENDS_LOCK) pyproject.toml
	@test -x $(BACKENDS_BIN)/python || $(BACKENDS_PYTHON) -m venv $(BACKENDS_VENV)
	$(BACKENDS_BIN)/python -m pip install --quiet --disable-pip-version-check \
	  uv==$(shell sed -n 's/^uv==//p' $(BACKENDS_LOCK))
	$(BACKENDS_BIN)/uv pip sync --quiet --python $(BACKENDS_BIN)/python $(TORCH_SOURCE) \
	  $(BACKENDS_LOCK)
	$(BACKENDS_BIN)/uv pip install --quiet --python $(BACKENDS_BIN)/python --no-deps \
	  --no-build-isolation -e .
	@touch $@

# Each backend's unit tests, then each backend's notebook runs; every part runs even when
# one fails, and the target fails if any did. tests/conftest.py names the tests that need the
# main environment (stored outputs, nbval on TensorFlow) and skips them here, with the reason.
.PHONY: test-backends
test-backends: $(BACKENDS_INSTALLED) keras-cache
	@SECONDS=0; status=0; for backend in $(BACKENDS); do \
	  echo "== unit tests, KERAS_BACKEND=$$backend"; start=$$SECONDS; \
	  KERAS_BACKEND=$$backend RNNBOOK_LOCK=$(BACKENDS_LOCK) $(BACKENDS_BIN)/python -m pytest \
	    tests --ignore=tests/site -q -p no:cacheprovider || status=1; \
	  echo "unit tests, KERAS_BACKEND=$$backend: $$((SECONDS - start)) s"; done; \
	$(BACKENDS_BIN)/python tools/backend_verdicts.py $(BACKENDS) || status=1; \
	echo "make test-backends: $$SECONDS s"; exit $$status
