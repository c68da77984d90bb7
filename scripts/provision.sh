#!/usr/bin/env bash
# Install everything dialharness needs on a Debian machine (idempotent, fast when done).
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v dockerd >/dev/null 2>&1 || [ -n "${DOCKER_HOST:-}" ] || need+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
# headless browser for tests/integration/test_report.py (renders the HTML report)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ "${#need[@]}" -gt 0 ] && [ "$(id -u)" = 0 ]; then
    echo "provision: apt-get install ${need[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
# Checked from / so that an install of another checkout does not count as this one.
if ! (cd / && python3 -c "import sys, harness, hypothesis, docker, asterisk.ami, pjsua2, xdist, phonenumbers
sys.exit(0 if harness.__file__.startswith(sys.argv[1] + '/') else 1)" "$PWD") 2>/dev/null; then
    echo "provision: pip install -e .[test]" >&2
    python3 -m pip install -q -e '.[test]' 2>&1 | grep -v -E "^WARNING: (Running pip as|Location)" || true
fi
bash docker/start-engine.sh
python3 -m harness.pbx.prepare
