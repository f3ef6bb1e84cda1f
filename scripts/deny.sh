#!/usr/bin/env bash
# Supply-chain checks with cargo-deny (policy in deny.toml). Bans, licences and sources need only
# the lock file and crates.io metadata and always run. Advisories need the RustSec database,
# which is cloned from GitHub: when it cannot be fetched the check is skipped with a loud notice
# (and fails instead when REQUIRE_ADVISORIES=1), never passed silently.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo-deny >/dev/null; then
  echo "== installing cargo-deny"
  cargo install cargo-deny --locked
fi

echo "== cargo deny check bans licenses sources"
cargo deny --locked check bans licenses sources

echo "== cargo deny check advisories"
if fetch_error=$(cargo deny --locked fetch db 2>&1); then
  cargo deny --locked check advisories
else
  echo "!! SKIPPED: cargo deny check advisories — the advisory database could not be fetched:" >&2
  echo "$fetch_error" | tail -n 3 | sed 's/^/!!   /' >&2
  echo "!! Advisories were NOT checked. Run 'make deny' where github.com is reachable." >&2
  if [ "${REQUIRE_ADVISORIES:-0}" = 1 ]; then
    exit 1
  fi
fi
