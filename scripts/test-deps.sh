#!/usr/bin/env bash
# Installs what the tests need beyond Rust: Debian's Chromium and ChromeDriver for the
# browser test, curl for the test of the printed curl line, and node with panva's oidc-provider
# (into target/test-deps/, git-ignored) for the interop test. Does nothing when they are there.
set -euo pipefail
cd "$(dirname "$0")/.."
OIDC_PROVIDER="oidc-provider@9"
install_oidc_provider() {
  if [ ! -f target/test-deps/node_modules/oidc-provider/package.json ]; then
    mkdir -p target/test-deps
    [ -f target/test-deps/package.json ] || echo '{"private":true}' > target/test-deps/package.json
    npm install --prefix target/test-deps --no-audit --no-fund --loglevel=error "$OIDC_PROVIDER"
  fi
}
if command -v chromedriver >/dev/null && command -v chromium >/dev/null && command -v curl >/dev/null \
  && command -v node >/dev/null && command -v npm >/dev/null; then
  install_oidc_provider
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "the tests need Debian's chromium, chromium-driver, curl, nodejs and npm: apt-get install chromium chromium-driver curl nodejs npm" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium chromium-driver curl nodejs npm >/dev/null
install_oidc_provider
