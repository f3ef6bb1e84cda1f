# The two commands of the README: `make run` (local mode, no configuration) and `make test`.
.PHONY: run test test-deps lint ci bench

## Serve the API on :6060 with the embedded local issuer on :6061 and the browser demo on :4040.
run:
	cargo run --bin hello-api

## Every test: unit tests, and the integration tests in tests/api (real server, real key-set server).
test: test-deps
	cargo test --locked

## Chromium and ChromeDriver for the browser test (installed with apt-get when missing).
test-deps:
	@scripts/test-deps.sh

## Formatting and lints, as CI runs them.
lint:
	cargo fmt --check
	cargo clippy --locked --all-targets -- -D warnings

## What CI runs.
ci: lint test

## Load test of the release server in local mode (wrk; BENCH_SECONDS per route, default 10): one table and the budgets.
bench:
	@bench/run.sh
