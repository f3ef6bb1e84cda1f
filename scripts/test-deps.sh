#!/usr/bin/env bash
# Installs what the tests need beyond Rust: Debian's Chromium and ChromeDriver for the
# browser test, and curl for the test of the printed curl line. Does nothing when they are there.
set -euo pipefail
if command -v chromedriver >/dev/null && command -v chromium >/dev/null && command -v curl >/dev/null; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "the tests need Debian's chromium, chromium-driver and curl: apt-get install chromium chromium-driver curl" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium chromium-driver curl >/dev/null
