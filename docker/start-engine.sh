#!/usr/bin/env bash
# Make a Docker engine reachable. Uses the one the user already has (DOCKER_HOST or
# the default socket); only when none answers does it install and start Debian's
# dockerd with the flags that work in an unprivileged-network sandbox (no bridge, no
# iptables: the PBX containers run with --network host anyway).
set -euo pipefail

log=${DIALHARNESS_DOCKERD_LOG:-/var/log/dialharness-dockerd.log}

engine_up() { docker info >/dev/null 2>&1; }

if ! command -v docker >/dev/null 2>&1 || { [ -z "${DOCKER_HOST:-}" ] && ! command -v dockerd >/dev/null 2>&1 && ! engine_up; }; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "start-engine: installing Debian's docker.io" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
    fi
fi

if engine_up; then
    exit 0
fi
if [ -n "${DOCKER_HOST:-}" ]; then
    echo "start-engine: DOCKER_HOST=$DOCKER_HOST does not answer" >&2
    exit 1
fi
if [ "$(id -u)" != 0 ]; then
    echo "start-engine: no Docker engine answers and only root can start one" >&2
    exit 1
fi

echo "start-engine: starting dockerd (overlay2, host networking only), log in $log" >&2
driver=${DIALHARNESS_STORAGE_DRIVER:-overlay2}
nohup dockerd --storage-driver="$driver" --iptables=false --ip6tables=false --bridge=none \
    >"$log" 2>&1 &
for _ in $(seq 1 150); do
    engine_up && exit 0
    sleep 0.2
done
echo "start-engine: dockerd did not come up in 30 s; last lines of $log:" >&2
tail -n 20 "$log" >&2
exit 1
