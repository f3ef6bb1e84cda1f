#!/usr/bin/env bash
# Installs what the tests need beyond Rust: Debian's Chromium and ChromeDriver for the browser
# tests, curl for the test of the printed curl line, redis-server for the replay-store test, node and npm; then fetches into
# target/test-deps/ (git-ignored) the official, unmodified Auth0 SPA SDK (@auth0/auth0-spa-js@2)
# for tests/interop/spa_sdk.rs and panva's oidc-provider for tests/interop/oidc_provider.rs, and the Python
# tools of the operations tests (scripts/python-requirements.txt, from PyPI into target/venv).
# Does nothing for what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_install() {
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    echo "the tests need Debian's $*: apt-get install $*" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

if ! (command -v chromedriver && command -v chromium && command -v curl) >/dev/null; then
  apt_install chromium chromium-driver curl
fi
# A real Redis for the DPoP replay store shared by two replicas (tests/interop/redis_replay.rs);
# the test starts its own redis-server on a free port.
if ! command -v redis-server >/dev/null; then
  apt_install redis-server
fi
# A Node.js already on the machine (NodeSource's bundles npm and conflicts with Debian's) is used.
if ! (command -v node && command -v npm) >/dev/null; then
  apt_install nodejs npm
fi

# `npm pack` fetches the published tarball alone (an `npm install` of the newest version fails on
# a missing dependency); only its prebuilt browser bundle is used.
SDK_DIR=target/test-deps/auth0-spa-js
SDK=$SDK_DIR/auth0-spa-js.production.js
if [ ! -s "$SDK" ]; then
  mkdir -p "$SDK_DIR"
  tarball=$(cd "$SDK_DIR" && npm pack --silent '@auth0/auth0-spa-js@2' | tail -n 1)
  tar -xzf "$SDK_DIR/$tarball" -C "$SDK_DIR" package/dist/auth0-spa-js.production.js package/package.json
  mv "$SDK_DIR/package/dist/auth0-spa-js.production.js" "$SDK"
  mv "$SDK_DIR/package/package.json" "$SDK_DIR/package.json"
  rm -rf "$SDK_DIR/package" "${SDK_DIR:?}/$tarball"
  echo "fetched @auth0/auth0-spa-js $(node -p "require('./$SDK_DIR/package.json').version") into $SDK"
fi

# The certified OpenID Provider for the interop test.
if [ ! -f target/test-deps/node_modules/oidc-provider/package.json ]; then
  mkdir -p target/test-deps
  [ -f target/test-deps/package.json ] || echo '{"private":true}' > target/test-deps/package.json
  npm install --prefix target/test-deps --no-audit --no-fund --loglevel=error "oidc-provider@9"
fi

# The venv is rebuilt when the pinned list changes.
venv=target/venv
requirements=scripts/python-requirements.txt
if ! cmp -s "$requirements" "$venv/requirements.txt"; then
  if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' 2>/dev/null; then
    apt_install python3 python3-venv
  fi
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$venv/requirements.txt"
fi
