#!/usr/bin/env bash
# Build the debian:sid-slim base image locally when no registry can be reached.
# debootstrap pulls Debian sid (Asterisk 22 lives there) from the mirror this machine's
# apt sources already use, so nothing outside the Debian mirror is contacted.
set -euo pipefail

image=${1:-debian:sid-slim}

if docker image inspect "$image" >/dev/null 2>&1; then
    exit 0
fi
if docker pull "$image" >/dev/null 2>&1; then
    exit 0
fi

mirror=$(
    { grep -hsE '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}';
      grep -hsE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | awk '{print $2}'; } 2>/dev/null |
    grep -E '/debian/?$' | head -n 1 || true
)
if [ -z "$mirror" ]; then
    echo "make-base-image: no Debian mirror found in the apt sources" >&2
    exit 1
fi
command -v debootstrap >/dev/null 2>&1 || {
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
}

root=$(mktemp -d /tmp/dialharness-sid.XXXXXX)
trap 'rm -rf "$root"' EXIT
echo "make-base-image: debootstrap sid from $mirror (about a minute)" >&2
debootstrap --variant=minbase --include=asterisk sid "$root" "$mirror" >"$root.log" 2>&1 || {
    echo "make-base-image: debootstrap failed; last lines:" >&2
    tail -n 20 "$root.log" >&2
    exit 1
}
rm -f "$root.log"
# The image's own apt must find the same mirror if the Dockerfile runs apt-get.
echo "deb $mirror sid main" >"$root/etc/apt/sources.list"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
tar -C "$root" -c . | docker import - "$image" >/dev/null
echo "make-base-image: imported $image" >&2
