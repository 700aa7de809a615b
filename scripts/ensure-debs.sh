#!/usr/bin/env bash
# Install the Debian packages that are missing; as non-root, name them and stop.
# A package counts as present when dpkg has it or when what we need from it is already on the
# machine by other means (Node with npm from another repository, a pyenv Python with venv).
set -euo pipefail

provided() {
  case "$1" in
    nodejs) command -v node >/dev/null 2>&1 ;;
    npm) command -v npm >/dev/null 2>&1 ;;
    python3-venv) python3 -c 'import venv, ensurepip' >/dev/null 2>&1 ;;
    chromium) [ -x /usr/bin/chromium ] ;;
    redis-server) command -v redis-server >/dev/null 2>&1 ;;
    postgresql) ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 ;;
    *) return 1 ;;
  esac
}

missing=()
for pkg in "$@"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || provided "$pkg" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "These Debian packages are needed: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Keep apt from starting system-wide PostgreSQL/Redis daemons: tests and `make run` start their own.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy"
  trap 'rm -f "$policy"' EXIT
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
