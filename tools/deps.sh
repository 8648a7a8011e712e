#!/usr/bin/env bash
# Installs the Debian 12 packages authd needs to build, run and test. A no-op when all are
# present; otherwise one `apt-get update` and one `apt-get install` (as root, or via sudo).
set -euo pipefail

PKGS=(build-essential pkg-config
      libevent-dev libssl-dev libjwt-dev libhiredis-dev liboath-dev libjansson-dev libcmocka-dev
      libargon2-dev
      redis-server curl jq wrk openssl procps util-linux argon2)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# The e2e suite checks JWKS with Node's own crypto (independent of authd's code): any node works.
command -v node >/dev/null 2>&1 || missing+=(nodejs)

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
echo "deps: installing ${missing[*]}"
SUDO=
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || { echo "deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
	SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
