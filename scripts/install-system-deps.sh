#!/usr/bin/env bash
# Installs the Debian packages that the end-to-end tests use. Idempotent; needs root (or sudo).
set -euo pipefail
packages=()
need() { dpkg -s "$1" >/dev/null 2>&1 || packages+=("$1"); }
# (end-to-end test servers are added here as the tests that use them land)
need prometheus              # test/e2e/alerting.test.ts: /usr/bin/prometheus, promtool
need prometheus-alertmanager # test/e2e/alerting.test.ts: /usr/bin/prometheus-alertmanager, amtool
need chromium                # test/e2e/status-page.test.ts: headless screenshot and DOM checks
for p in "$@"; do need "$p"; done
if [ "${#packages[@]}" -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "${packages[@]}"
