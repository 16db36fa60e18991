# The two commands of the README:
#   make run    install, build the dataset, run every rule, write the report
#   make test   install (with test extras and the headless browser), run the test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test install install-test browser java

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The package is byte-compiled as a regular (non-editable) pip install does: Python never
# writes the cache itself where PYTHONDONTWRITEBYTECODE is set, and every command would
# then compile the package's modules afresh (about 20 ms of each `newsclaims check`).
# `make run` curates: the base package (a researcher's: pull, verify, query) plus the
# curation stack and DataFrames.
install: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[curate,frames]'
	$(BIN)/python -m compileall -q src/newsclaims >/dev/null

install-test: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m compileall -q src/newsclaims >/dev/null

# Debian's Chromium and ChromeDriver for the HTML report tests (root, as on CI).
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver)

# Debian's Java 17 for the Spark engine's tests (pyspark 4 needs Java 17 or later; root, as on CI).
java:
	@command -v java >/dev/null || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless)

run: install
	$(BIN)/newsclaims build
	$(BIN)/newsclaims check

# Two workers, each taking whole test files (`--dist loadfile`: a file's module fixtures,
# the Spark session among them, are built once): 7 min against 11 min on one worker on a
# 2-core machine; the Spark file, the longest, bounds it. A third worker gained nothing.
test: install-test browser java
	$(BIN)/python -m pytest -n 2 --dist loadfile
