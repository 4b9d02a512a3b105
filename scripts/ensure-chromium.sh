#!/bin/sh
# Installs Debian's `chromium` package when /usr/bin/chromium is missing, so the
# storage package's real-browser IndexedDB test (driven by playwright-core with
# executablePath /usr/bin/chromium) can run. Playwright's own browser download
# is not available in CI. Runs as root; idempotent; quiet unless it fails.
set -eu

if [ -x /usr/bin/chromium ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-chromium: /usr/bin/chromium is missing and this script must run as root to install it" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium; } >"$log" 2>&1; then
  cat "$log" >&2
  echo "ensure-chromium: apt-get install chromium failed" >&2
  exit 1
fi

if [ ! -x /usr/bin/chromium ]; then
  echo "ensure-chromium: chromium installed but /usr/bin/chromium is not executable" >&2
  exit 1
fi
