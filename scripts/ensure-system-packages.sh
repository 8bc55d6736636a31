#!/usr/bin/env bash
# Installs the Debian packages Switchboard needs, only when missing, and checks afterwards that each
# one really is installed (apt-get reads a dotted name as a pattern and can exit 0 having installed
# something else). Usage: scripts/ensure-system-packages.sh PACKAGE...
set -euo pipefail

is_installed() {
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

missing=()
for pkg in "$@"; do
    is_installed "$pkg" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "==> installing missing system packages: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        echo "error: packages ${missing[*]} are missing and this user is not root; install them with apt-get as root" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# Each argument is an exact package name; the check below catches apt matching it as a pattern.
args=()
for pkg in "${missing[@]}"; do args+=("$pkg"); done
if ! $SUDO apt-get install -y -qq --no-install-recommends "${args[@]}"; then
    # A half-configured package left by an earlier interrupted install makes apt refuse everything
    # ("Unmet dependencies … Try 'apt --fix-broken install'"): repair once, then retry.
    echo "==> apt-get refused; repairing interrupted installs (apt-get -f install) and retrying"
    $SUDO dpkg --configure -a || true
    $SUDO apt-get -f install -y -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${args[@]}"
fi

failed=()
for pkg in "${missing[@]}"; do is_installed "$pkg" || failed+=("$pkg"); done
if [ ${#failed[@]} -ne 0 ]; then
    echo "error: apt-get finished but these packages are still not installed: ${failed[*]}" >&2
    echo "       check the names with 'apt-cache policy NAME' and install them by hand" >&2
    exit 1
fi
echo "==> installed: ${missing[*]}"
