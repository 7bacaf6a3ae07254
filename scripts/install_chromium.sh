#!/usr/bin/env bash
# Installs Debian's chromium for the browser tests, when it is not there yet.
# (Playwright drives it with executable_path=/usr/bin/chromium; Playwright's own browser
# download is not used.)
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "The browser tests need Chromium at /usr/bin/chromium (Debian/Ubuntu package 'chromium')." >&2
  echo "Install it with your system's package manager, then run 'make test' again." >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "Installing Debian's chromium for the browser tests..."
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
/usr/bin/chromium --version
