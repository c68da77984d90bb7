#!/usr/bin/env bash
# The main job on a fresh Debian machine: provision (packages, Docker engine, PBX image),
# then run dialharness with the given arguments, e.g.
#   bash scripts/run.sh check dialplans/jp-office.yaml
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/provision.sh >&2
exec python3 -m harness.cli "$@"
