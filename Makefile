# The two commands of the README: `make run` (local mode, no configuration) and `make test`.
.PHONY: run test test-deps lint ci bench fuzz soak deny workshop workshop-solutions workshop-verify

## Serve the API on :6060 with the embedded local issuer on :6061 and the browser demo on :4040.
run:
	cargo run --bin hello-api

## Every test: unit tests, the integration tests in tests/api (real server, real key-set server;
## plain `cargo test` runs these) and the opt-in tests/interop target (Chromium, Node.js, Python).
test: test-deps
	cargo test --locked --features interop

## What tests/interop needs: Chromium and ChromeDriver (apt-get when missing), the Auth0 SPA SDK and
## oidc-provider (npm, into target/test-deps), and the Python tools in target/venv (from PyPI;
## scripts/python-requirements.txt).
test-deps:
	@scripts/test-deps.sh

## Formatting and lints, as CI runs them (the interop target included), and every fuzz target
## compiles on stable Rust (fuzz/ is a workspace of its own, with its own Cargo.lock).
lint:
	cargo fmt --check
	cargo clippy --locked --workspace --all-targets --features hello-api/interop -- -D warnings
	cargo check --locked --manifest-path fuzz/Cargo.toml --bins

## The workshop (workshop/README.md): check your exercises, rustlings-style; exits 0 when all are solved.
workshop:
	@workshop/check.sh exercises

## The same checks on the reference solutions; CI runs it, so a crate change that breaks an exercise breaks CI.
workshop-solutions:
	@workshop/check.sh solutions

## Proves the workshop's promises: every exercise fails as shipped, every solution passes, and
## undoing one solution fails exactly that exercise.
workshop-verify:
	@workshop/verify.sh

## What CI runs.
ci: lint test

## Fuzz every target for FUZZ_SECONDS each (default 60), seeded from fuzz/seeds; installs cargo-fuzz
## when missing. New corpus entries go to fuzz/corpus, crashes to fuzz/artifacts (both git-ignored).
## Stable Rust runs cargo-fuzz's nightly flags with RUSTC_BOOTSTRAP=1.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= authorization_header key_set metadata claims
# Inputs up to 12 KiB, so that tokens over the 8 KiB limit are tried too.
FUZZ_ARGS ?= -max_len=12288
fuzz:
	@command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
	@set -e; cd fuzz; for target in $(FUZZ_TARGETS); do \
		mkdir -p corpus/$$target; \
		echo "== fuzz $$target for $(FUZZ_SECONDS) s"; \
		RUSTC_BOOTSTRAP=1 cargo fuzz run $$target corpus/$$target seeds/$$target -- -max_total_time=$(FUZZ_SECONDS) $(FUZZ_ARGS); \
	done

## Mixed load on the release server for SOAK_SECONDS (default 60) while its issuer goes down and
## comes back; fails on any 5xx (but the contract's 503 for an unknown kid while the issuer is down), any
## refused valid token, or RSS growth above 25 %.
soak:
	cargo build --locked --release --bin hello-api --example soak
	target/release/examples/soak

## Supply chain: bans, licences and sources always; advisories when the advisory database can be
## fetched (it lives on GitHub), otherwise says loudly that they were skipped.
deny:
	@scripts/deny.sh

## Load test of the release server in local mode (wrk; BENCH_SECONDS per route, default 10): one table and the budgets.
bench:
	@bench/run.sh
