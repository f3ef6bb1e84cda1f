#!/usr/bin/env bash
# Installs what the tests need beyond Rust: Debian's Chromium and ChromeDriver for the
# browser test, curl for the test of the printed curl line, and the Python tools of the
# operations tests (scripts/python-requirements.txt, from PyPI into target/venv). Does nothing
# for what is already there.
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

if ! command -v chromedriver >/dev/null || ! command -v chromium >/dev/null || ! command -v curl >/dev/null; then
  apt_install chromium chromium-driver curl
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
