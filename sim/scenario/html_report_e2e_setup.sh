#!/usr/bin/env bash
# The set-up of the report's browser check (ctest fixture `chromium`):
# installs Debian's `chromium` when it is missing and apt-get can install it
# (root, or sudo without a password). Never fails: when chromium cannot be
# had, html_report_e2e_test skips with a message saying so. Bounded: at most
# 380 + 100 + 380 s of apt-get, under ctest's TIMEOUT of 900 s.
set -uo pipefail
if command -v chromium >/dev/null 2>&1; then
  echo "e2e setup: chromium is installed"
  exit 0
fi
sudo_cmd=()
if [[ $(id -u) != 0 ]]; then
  if ! sudo -n true 2>/dev/null; then
    echo "e2e setup: chromium missing and apt-get needs root; the browser check will skip"
    exit 0
  fi
  sudo_cmd=(sudo -n)
fi
install() {
  DEBIAN_FRONTEND=noninteractive timeout 380 "${sudo_cmd[@]}" apt-get install -y -qq \
    -o DPkg::Lock::Timeout=120 --no-install-recommends chromium </dev/null
}
echo "e2e setup: installing chromium"
if ! install; then
  timeout 100 "${sudo_cmd[@]}" apt-get update -qq </dev/null && install
fi
if command -v chromium >/dev/null 2>&1; then
  echo "e2e setup: chromium installed"
else
  echo "e2e setup: chromium could not be installed; the browser check will skip"
fi
exit 0
