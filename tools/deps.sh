#!/usr/bin/env bash
# Installs the Debian 12 packages authd needs to build, run and test. A no-op when all are
# present; otherwise one `apt-get update` and one `apt-get install` (as root, or via sudo).
set -euo pipefail

PKGS=(build-essential pkg-config
      libevent-dev libssl-dev libjwt-dev libhiredis-dev liboath-dev libjansson-dev libcmocka-dev
      libargon2-dev libqrencode-dev
      redis-server curl jq wrk openssl procps util-linux argon2 zbar-tools librsvg2-bin)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# The e2e suite checks tokens with Node's own crypto (independent of authd's code) and drives
# authd with an independent RP library from npm (tests/e2e/package.json): node >= 18 and npm.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	SUDO=
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null 2>&1 || { echo "deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
		SUDO=sudo
	fi
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq
	$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The pinned npm packages of the e2e suite (exact versions from package-lock.json), once.
E2E=$(cd "$(dirname "$0")/../tests/e2e" && pwd)
if [ ! -f "$E2E/node_modules/.package-lock.json" ] || [ "$E2E/package-lock.json" -nt "$E2E/node_modules/.package-lock.json" ]; then
	echo "deps: npm ci in tests/e2e"
	(cd "$E2E" && npm ci --no-audit --no-fund --loglevel=error)
fi
