#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine: installs what it needs, starts the
# Docker engine if none runs, builds the PBX image, then runs pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/provision.sh
# --durations: where CI time goes, printed at the end of every run
exec python3 -m pytest -n "${DIALHARNESS_WORKERS:-2}" --durations=25 "$@"
