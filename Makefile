# One command to set up and run, one to set up and test (README).
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python

.PHONY: run test bench loadtest clean

$(VENV)/.run: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.test: $(VENV)/.run requirements-test.txt
	$(PY) -m pip install -q -r requirements-test.txt
	touch $@

run: $(VENV)/.run
	$(PY) app.py

# The browser tests drive Debian's chromium (Playwright's own browser download
# cannot work offline) and a CJK font for the screenshots; installed if missing.
test: $(VENV)/.test
	@{ command -v chromium && fc-list | grep -qi wqy; } >/dev/null || { echo "installing chromium and a CJK font for the browser tests"; \
		apt-get update -qq && apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; }
	$(PY) -m pytest -q -m "not load"

bench: $(VENV)/.run
	$(PY) -m bot bench

loadtest: $(VENV)/.test
	$(PY) -m pytest -q -m load -s

clean:
	rm -rf $(VENV) index/v* index/ACTIVE data
