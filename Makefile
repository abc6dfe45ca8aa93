# Two commands set up a fresh machine: `make demo` and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
DEMO   ?= demo-output
# Browser assets come from npm (package-lock.json) and are served by the app itself: no CDN.
# The copy in VENDOR is committed, so that a wheel built from any clone holds it; `make install`
# copies it again from node_modules, and tests/test_wheel.py fails when the two differ.
VENDOR := src/hemispasm/clinic/web/static/vendor

.PHONY: demo test install lint typecheck bench clean

$(BIN)/hemispasm: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev]"
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(VENDOR)/chart.umd.min.js: node_modules/.package-lock.json
	mkdir -p $(VENDOR)
	cp node_modules/chart.js/dist/chart.umd.min.js node_modules/chart.js/LICENSE.md $(VENDOR)/
	mv $(VENDOR)/LICENSE.md $(VENDOR)/chart.js-LICENSE.md

install: $(BIN)/hemispasm $(VENDOR)/chart.umd.min.js

demo: install
	$(BIN)/hemispasm synth --out $(DEMO)/video --seed 7 --side left --duration 30
	$(BIN)/hemispasm analyze $(DEMO)/video/synthetic.mp4 --out $(DEMO)/report --annotate
	$(BIN)/hemispasm demo --data $(DEMO)/clinic
	@echo "Demo clinic: open http://127.0.0.1:8000/login and log in with a login above (also in $(DEMO)/clinic/demo-logins.txt). Ctrl-C stops the server."
	$(BIN)/hemispasm serve --data $(DEMO)/clinic --host 127.0.0.1 --port 8000

test: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/pytest -q -n 2 --dist loadgroup

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

bench: install
	$(BIN)/python benchmarks/bench_analyze.py

clean:
	rm -rf $(VENV) $(DEMO) node_modules .pytest_cache .mypy_cache .ruff_cache
