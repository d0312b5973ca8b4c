#!/usr/bin/env bash
# Installs the Debian packages that the end-to-end tests use, and only those that are missing.
#
# - Nothing to do when every package is present: one line, no apt call (fast, idempotent).
# - Missing packages are installed with their dependencies only (--no-install-recommends: no
#   recommended extras such as udev, which would pull systemd upgrades along), and never with an
#   upgrade of a package already installed (--no-upgrade). When a missing package needs a newer
#   version of an installed one, nothing is installed; the script names the upgrades and the
#   command that accepts them.
# - Quiet: a line per package installed; apt's own output only when a step fails.
# Needs root (or sudo) only when something is missing. Extra package names may be given as
# arguments.
set -euo pipefail
packages=()
installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }
need() { installed "$1" || packages+=("$1"); }
need prometheus              # test/e2e/alerting.test.ts: /usr/bin/prometheus, promtool
need prometheus-alertmanager # test/e2e/alerting.test.ts: /usr/bin/prometheus-alertmanager, amtool
need chromium                # test/e2e/status-page.test.ts: headless screenshot and DOM checks
need fonts-liberation        # the fonts the screenshots render text with (Chromium only recommends them)
for p in "$@"; do need "$p"; done
if [ "${#packages[@]}" -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
APT_INSTALL=(apt-get install -y -q --no-install-recommends --no-upgrade)
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
# Runs a command with its output kept aside; prints it and stops when the command fails.
quietly() {
  if ! "$@" >"$log" 2>&1; then
    echo "system packages: \`$*\` failed:" >&2
    cat "$log" >&2
    exit 1
  fi
}

echo "system packages: installing ${packages[*]}"
quietly $SUDO apt-get update -q
# Dry run first: "Inst name [installed version] (new version ...)" is an upgrade of an installed package.
quietly apt-get -s "${APT_INSTALL[@]:1}" "${packages[@]}"
upgrades=$(sed -n 's/^Inst \([^ ]*\) \[.*/\1/p' "$log" | sort -u | tr '\n' ' ')
if [ -n "$upgrades" ]; then
  echo "system packages: not installed: ${packages[*]} would upgrade installed packages (${upgrades% }), and this script never upgrades other packages." >&2
  echo "To install them with those upgrades, run: ${SUDO:+$SUDO }apt-get install --no-install-recommends ${packages[*]}" >&2
  exit 1
fi
quietly $SUDO "${APT_INSTALL[@]}" "${packages[@]}"
for p in "${packages[@]}"; do
  if installed "$p"; then
    echo "  $p $(dpkg-query -W -f='${Version}' "$p")"
  else
    echo "system packages: $p is still not installed after apt-get install:" >&2
    cat "$log" >&2
    exit 1
  fi
done
