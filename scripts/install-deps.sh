#!/usr/bin/env bash
# install-deps.sh — installs the Debian 12 packages tbfs needs to build, test
# and run its demo. Idempotent: installs only what is missing, and runs
# `apt-get update` only then. Uses sudo only when not root. Never prompts.
set -euo pipefail

pkgs=(
	meson ninja-build gcc g++ clang libclang-rt-dev pkg-config
	libfuse3-dev fuse3
	protobuf-c-compiler libprotobuf-c-dev
	zlib1g-dev libjansson-dev libdragonbox-dev
	python3-pandas python3-pytest
	rsync jq
)

missing=()
for p in "${pkgs[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
if [ "${#missing[@]}" -eq 0 ]; then
	exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
	sudo=(sudo)
fi
echo "install-deps: installing ${missing[*]}" >&2
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
	apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
